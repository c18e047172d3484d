"""Recorded tables: an objective that answers every config from recorded training runs.

Everything is held as dense numpy arrays indexed by the space's mixed-radix row number, padded
with NaN where a config has fewer recorded seeds than the widest one, so an evaluation is two
array reads. A recorded table is fully recorded: it knows every config's oracle value (the
mean over its recorded seeds) and so the optimum.

A NaN value is a diverged training run. Oracle values are means over the runs that did not
diverge; a config whose every run diverged has a NaN oracle value and is never the optimum,
and a table whose every run diverged, or whose oracle values are infinite, is refused.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from spaces._objective import (
    DEFAULT_FIDELITY,
    Direction,
    Evaluation,
    FloatArray,
    IntArray,
    Metric,
    Objective,
    ObjectiveInfo,
    Provenance,
    Reader,
)
from spaces._space import Config, Space


class RecordedTable(Objective):
    """A space with the recorded training runs of every config.

    Args:
        info: What the table declares (metrics, search and test metric, provenance...);
            ``info.fully_recorded`` must be True.
        runs: Every metric of `ObjectiveInfo.metrics` per recorded training seed, each
            ``(n_configs, max_seeds)``, NaN-padded.
        costs: ``(n_configs, max_seeds)`` training cost in seconds per recorded seed.
        n_seeds: ``(n_configs,)`` number of recorded seeds of each config (at least 1).
    """

    def __init__(
        self,
        *,
        info: ObjectiveInfo,
        runs: Mapping[str, FloatArray],
        costs: FloatArray,
        n_seeds: npt.NDArray[np.int64],
    ) -> None:
        n = info.space.n_configs
        if not info.fully_recorded:
            raise ValueError(f"{info.name}: a recorded table records every config")
        if set(runs) != set(info.metrics):
            raise ValueError(
                f"{info.name}: runs hold {sorted(runs)}, the metrics are {sorted(info.metrics)}"
            )
        for label, arr in (*runs.items(), ("costs", costs)):
            if arr.ndim != 2 or arr.shape != costs.shape or arr.shape[0] != n:
                raise ValueError(f"{label} has shape {arr.shape}, expected ({n}, max_seeds)")
        if n_seeds.shape != (n,) or int(n_seeds.min()) < 1:
            raise ValueError("every config needs at least one recorded seed")
        self.info = info
        self.runs = dict(runs)
        self.costs = costs
        self.n_seeds = n_seeds
        self._oracles: dict[str, FloatArray] = {}
        for frozen in (costs, n_seeds, *runs.values()):
            frozen.setflags(write=False)
        self.values = runs[info.search_metric]
        """``(n_configs, max_seeds)`` search metric per recorded training seed."""
        self.oracle = self._oracle(info.search_metric)
        """``(n_configs,)`` oracle value (mean over recorded seeds) of the search metric."""
        metric = info.search_metric
        if np.all(np.isnan(self.oracle)):
            raise ValueError(
                f"{info.name}: every recorded run of {metric!r} is NaN (diverged); "
                "there is no optimum"
            )
        infinite = np.flatnonzero(np.isinf(self.oracle))
        if len(infinite):
            # An infinite optimum, or an infinite value beside a finite one, makes regrets
            # infinite or NaN: every result would be wrong.
            i = int(infinite[0])
            raise ValueError(
                f"{info.name}: the oracle value of {metric!r} at config "
                f"{info.space.describe(info.space.config(i))} is {self.oracle[i]}; recorded "
                "values must be finite (NaN marks a diverged run)"
            )
        # NaN-aware: a config whose every run diverged (NaN oracle) cannot be the optimum.
        best = np.nanargmax(self.oracle) if self.maximize else np.nanargmin(self.oracle)
        self.optimum_index = int(best)
        self._optimum = float(self.oracle[self.optimum_index])

    @classmethod
    def from_arrays(
        cls,
        *,
        name: str,
        space: Space,
        values: FloatArray,
        costs: FloatArray | None = None,
        n_seeds: npt.NDArray[np.int64] | None = None,
        metric: str = "objective",
        direction: Direction = "maximize",
        provenance: Provenance | None = None,
        checksum: str,
    ) -> RecordedTable:
        """A one-metric table from arrays, for scripts and tests.

        Args:
            name: Space name.
            space: The space; ``values`` has one row per config in its row order.
            values: ``(n_configs, n_seeds)`` objective per recorded training seed.
            costs: Training seconds, same shape; zero cost if omitted.
            n_seeds: Recorded seeds per config; every column counts if omitted.
            metric: Name of the objective.
            direction: ``maximize`` or ``minimize``.
            provenance: Where the numbers come from; "user-supplied arrays" if omitted.
            checksum: Identifies the data (it keys stored runs).

        Raises:
            ValueError: A value is infinite (NaN, a diverged run, is allowed), a recorded
                run's cost is not finite seconds >= 0, or the arrays do not fit the space.
        """
        values = np.asarray(values, dtype=np.float64)
        infinite = np.argwhere(np.isinf(values))
        if len(infinite):
            at = tuple(int(k) for k in infinite[0])
            raise ValueError(
                f"{name}: values{list(at)} is {values[at]}; recorded values must be finite "
                "(NaN marks a diverged run)"
            )
        info = ObjectiveInfo(
            name=name,
            space=space,
            metrics={metric: Metric(name=metric, direction=direction)},
            search_metric=metric,
            test_metric=None,
            fidelities=(),
            fidelity=DEFAULT_FIDELITY,
            fully_recorded=True,
            provenance=provenance
            or Provenance(
                source=f"arrays given for {name}",
                package="user-supplied",
                licence="as stated by the owner",
                objective_units=metric,
            ),
            checksum=checksum,
        )
        table = cls(
            info=info,
            runs={metric: values},
            costs=np.zeros_like(values) if costs is None else np.asarray(costs, dtype=np.float64),
            n_seeds=(
                np.full(values.shape[0], values.shape[1], dtype=np.int64)
                if n_seeds is None
                else n_seeds
            ),
        )
        # Checked once the shapes are known good; padding slots past n_seeds may hold NaN. A
        # NaN cost would make a seconds budget never run out.
        recorded = np.arange(table.costs.shape[1]) < table.n_seeds[:, None]
        with np.errstate(invalid="ignore"):
            bad = np.argwhere(recorded & ~(np.isfinite(table.costs) & (table.costs >= 0)))
        if len(bad):
            at = tuple(int(k) for k in bad[0])
            raise ValueError(
                f"{name}: costs{list(at)} is {table.costs[at]}; a cost is finite seconds >= 0"
            )
        return table

    def _oracle(self, metric: str) -> FloatArray:
        if metric not in self._oracles:
            with warnings.catch_warnings():
                # A config whose every recorded run diverged keeps a NaN oracle value.
                warnings.simplefilter("ignore", RuntimeWarning)
                oracle = np.nanmean(self.runs[metric], axis=1).astype(np.float64)
            oracle.setflags(write=False)
            self._oracles[metric] = oracle
        return self._oracles[metric]

    # -- Objective ---------------------------------------------------------------------------
    @property
    def optimum(self) -> float:
        """The best oracle value of the search metric."""
        return self._optimum

    def n_slots(self, index: int) -> int:
        """Recorded training seeds of config ``index``."""
        return int(self.n_seeds[index])

    def evaluate(self, index: int, slot: int) -> Evaluation:
        """The recorded run in ``slot`` of config ``index``."""
        return Evaluation(
            value=float(self.values[index, slot]),
            cost_seconds=float(self.costs[index, slot]),
            metrics={name: float(arr[index, slot]) for name, arr in self.runs.items()},
        )

    def reader(self) -> Reader:
        """Bound ``ndarray.item`` methods: a Python scalar straight from the arrays."""
        return Reader(n_slots=self.n_seeds.item, value=self.values.item, cost=self.costs.item)

    def metric_columns(self, indices: IntArray, slots: IntArray) -> dict[str, FloatArray]:
        """Every metric of many evaluations at once (fancy indexing, no Python loop)."""
        return {
            name: np.asarray(arr[indices, slots], dtype=np.float64)
            for name, arr in self.runs.items()
        }

    def oracle_values(self, indices: IntArray, metric: str | None = None) -> FloatArray:
        """Mean over each config's recorded seeds of ``metric`` (default: search metric)."""
        return self._oracle(metric or self.info.search_metric)[indices]

    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> RecordedTable:
        """This table searching ``metric`` (a recorded table has a single fidelity)."""
        metric = self.validate_selection(metric=metric, fidelity=fidelity)
        if metric == self.info.search_metric:
            return self
        return RecordedTable(
            info=dataclasses.replace(self.info, search_metric=metric),
            runs=self.runs,
            costs=self.costs,
            n_seeds=self.n_seeds,
        )

    # -- table helpers -----------------------------------------------------------------------
    @property
    def max_seeds(self) -> int:
        """Most recorded seeds of any config."""
        return int(self.values.shape[1])

    def regret(self, oracle_value: float) -> float:
        """Distance of an oracle value from the optimum, non-negative for either direction."""
        return self.optimum - oracle_value if self.maximize else oracle_value - self.optimum

    def recorded(self, config: Config, metric: str | None = None) -> FloatArray:
        """The recorded values of ``metric`` for ``config`` (one per training seed)."""
        i = self.space.index(config)
        return self.runs[metric or self.info.search_metric][i, : int(self.n_seeds[i])]

    def oracle_rank(self, oracle_value: float) -> int:
        """1-based rank of an oracle value among all configs (1 = the optimum)."""
        better = self.oracle > oracle_value if self.maximize else self.oracle < oracle_value
        return int(np.count_nonzero(better)) + 1
