"""What an objective offers beyond answering evaluations, declared through protocols.

Every objective answers evaluations (`spaces.Objective`) and states its fidelities, whether
they continue one training run, and whether it is fully recorded (`spaces.ObjectiveInfo`).
Some offer more, and a strategy may need it: recorded training costs known up front, a
supernet to search, a training cache that trains what it misses, several objectives at
once. Each such feature is a `typing.Protocol` here, so that a new source offers one by
having the methods, and the harness asks for it in one place (``harness.capabilities``)
rather than probing attributes wherever it needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from spaces._objective import Metric, Objective

FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class RecordedCosts(Protocol):
    """An objective whose training seconds are known before anything is evaluated.

    A recorded table: ``costs`` holds every config's recorded training seconds per seed
    (NaN where a config has fewer seeds), or None where the source knows them only once it
    has trained (a cache that trains its misses).
    """

    @property
    def costs(self) -> FloatArray | None:
        """Recorded training seconds, ``(n_configs, max_seeds)``, or None."""


@runtime_checkable
class SupernetSearch(Protocol):
    """An objective that can run (or replay) a weight-sharing strategy's supernet search."""

    def supernet(
        self, key: Mapping[str, Any], search: Callable[[Any], dict[str, Any]], *, seed: int
    ) -> Any:
        """The recorded search ``key``, running ``search`` where none is recorded.

        The record has ``seconds`` (the charge), ``diagnostic_seconds``, ``result`` and
        ``device_name``.
        """


@runtime_checkable
class TrainsOnMiss(Protocol):
    """An objective backed by a training cache: a miss trains the model and records it."""

    cache: Any
    """The training cache (``get``/``put`` of trained models)."""

    def take_new_models(self) -> list[tuple[Any, Any]]:
        """Models trained that a read-only cache could not record (then forgotten)."""


@runtime_checkable
class SeveralObjectives(Protocol):
    """An objective that searches several metrics at once (`spaces.MultiObjective`)."""

    @property
    def objectives(self) -> tuple[Metric, ...]:
        """The searched metrics, with their directions."""

    def vector_reader(self) -> Callable[[int, int], tuple[float, ...]]:
        """Every objective's observed value of one (config, slot)."""


def recorded_costs(objective: Objective) -> FloatArray | None:
    """``objective``'s recorded training seconds where known up front, else None."""
    if not isinstance(objective, RecordedCosts):
        return None
    costs = objective.costs
    return None if costs is None else np.asarray(costs, dtype=np.float64)


def searched_objectives(objective: Objective) -> Sequence[Metric]:
    """The metrics ``objective`` searches at once; empty for a single-objective search."""
    return objective.objectives if isinstance(objective, SeveralObjectives) else ()
