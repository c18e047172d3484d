"""The transfer protocol's sources: which tables a transfer strategy may read, and reading them.

A strategy that declares the ``prior`` capability tag gets, before its first ask, the
recorded results of *source* spaces: the same search space on other data sets, never the
target's own table.
By default that is leave-one-data-set-out - every other data set of the target's family
(``nb201/cifar100`` and ``nb201/imagenet16-120`` for ``nb201/cifar10``) whose table loads
here and has the target's space; ``--source SPACE`` names them instead. What a run read is
stored with it and shown in the report as the strategy's *prior cost*, apart from its budget.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from spaces import (
    Objective,
    PriorData,
    RecordedTable,
    UnknownSpaceError,
    available_spaces,
    load_objective,
)


class SourceError(ValueError):
    """A source that cannot be used for a target; the message is one line."""


def _family(space: str) -> str:
    return space.split("/", 1)[0] if "/" in space else space


def _as_table(name: str) -> RecordedTable | None:
    """Space ``name`` as a recorded table, or None where it does not load as one here."""
    try:
        objective = load_objective(name)
    except (UnknownSpaceError, ValueError, OSError):
        return None  # a data set that is not installed, a cache that cannot be read
    return objective if isinstance(objective, RecordedTable) else None


def default_sources(target: Objective) -> tuple[str, ...]:
    """Leave-one-data-set-out: the other data sets of ``target``'s family, with its space.

    Only spaces that load here as recorded tables count (a trainable grid that was never
    trained, a data set that is not installed, are left out without a word).
    """
    family = _family(target.name)
    found = []
    for name in available_spaces():
        if name == target.name or _family(name) != family or name.startswith("table:"):
            continue
        table = _as_table(name)
        if table is not None and table.space == target.space:
            found.append(name)
    return tuple(found)


def check_sources(target: Objective, sources: tuple[str, ...]) -> tuple[str, ...]:
    """``sources`` checked against ``target``: other spaces, same search space, tables.

    Raises:
        SourceError: A source is the target itself, unknown, not a recorded table, has
            another search space, or is named twice.
    """
    seen: set[str] = set()
    for name in sources:
        if name in seen:
            raise SourceError(f"--source {name!r} is named twice")
        seen.add(name)
        if name == target.name:
            raise SourceError(
                f"--source {name!r} is the target space itself: a transfer strategy may read "
                "other data sets' results only"
            )
        if name not in available_spaces():
            raise SourceError(f"--source {name!r}: unknown space (see the list command)")
        table = _as_table(name)
        if table is None:
            raise SourceError(
                f"--source {name!r} does not load here as a recorded table (only recorded "
                "results can be a prior)"
            )
        if table.space != target.space:
            raise SourceError(
                f"--source {name!r} has another search space than {target.name!r} "
                f"({table.space.n_configs:,} vs {target.space.n_configs:,} configs); a source "
                "must share the target's configs"
            )
    return tuple(sources)


@functools.cache
def load_prior(name: str, metric: str) -> PriorData:
    """The recorded results of source ``name`` as a prior (once per process).

    Args:
        name: A source space (see `check_sources`).
        metric: The target's search metric: used where the source records it, else the
            source's own search metric.
    """
    table = _as_table(name)
    if table is None:  # checked when the comparison was planned; a changed machine since
        raise SourceError(f"source {name!r} does not load here as a recorded table")
    chosen = metric if metric in table.info.metrics else table.info.search_metric
    values = np.array(table.oracle_values(np.arange(table.space.n_configs), chosen))
    values.setflags(write=False)
    direction = table.info.metrics[chosen].direction
    costs = np.asarray(table.costs, dtype=np.float64)
    return PriorData(
        space=name,
        metric=chosen,
        maximize=direction == "maximize",
        values=values,
        n_configs=int(np.isfinite(values).sum()),
        n_runs=int(np.asarray(table.n_seeds).sum()),
        cost_seconds=float(np.nansum(costs)) if math.isfinite(float(np.nansum(costs))) else 0.0,
    )
