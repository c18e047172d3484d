"""Several objectives searched at once, scored by the hypervolume of what a run found.

A `MultiObjective` wraps a recorded objective and a list of its metrics (``test_acc`` and
``params``, say), each with the direction the space declares. Its search metric is named
``hv(test_acc,params)``: the hypervolume a run's Pareto front dominates, which is what
reports rank, test and plot, with the hypervolume of the true front as its optimum.

Normalisation and reference point (recorded per space, stated in every report): each
objective is mapped to a loss in which 0 is its best oracle value over the whole table (the
*ideal*) and 1 its worst value on the true Pareto front (the *nadir*), so that objectives in
percent and in millions of parameters weigh the same; the reference point is 1.1 in every
normalised objective (10 % beyond the nadir, so that the front's extreme points add volume).
Hypervolumes are therefore fractions of a box of volume 1.1^k.

Strategies that declare several objectives see every objective's observed value; the
scalar ``value`` an evaluation also reports is the equal-weight sum of normalised objectives
turned larger-is-better (``1 - mean loss``): the documented scalarisation a single-objective
strategy optimises when a comparison asks for ``--scalarize``. A weighted sum can only reach
the convex hull of the front, which is why it is opt-in.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

import numpy as np

from spaces._objective import (
    Evaluation,
    FloatArray,
    IntArray,
    Metric,
    Objective,
    ObjectiveError,
    Reader,
)
from spaces._pareto import hypervolume, nondominated

REFERENCE_LOSS = 1.1
"""The reference point in every normalised objective: 10 % beyond the true front's nadir."""

_NAME = re.compile(r"^hv\((?P<names>[^()]+)\)$")


def pareto_metric(names: Sequence[str]) -> str:
    """The search-metric name of a multi-objective search of ``names``: ``hv(a,b)``."""
    return f"hv({','.join(names)})"


def objectives_of(metric: str | None) -> tuple[str, ...]:
    """The objectives a search metric names: ``("a", "b")`` for ``hv(a,b)``, else empty."""
    if metric is None:
        return ()
    match = _NAME.match(metric)
    return tuple(match["names"].split(",")) if match else ()


def search_objective(
    objective: Objective, *, metric: str | None = None, fidelity: int | None = None
) -> Objective:
    """``objective`` searching ``metric`` at ``fidelity``; ``hv(a,b)`` gives a `MultiObjective`.

    Raises:
        ObjectiveError: A metric or fidelity the objective does not offer, or objectives that
            cannot be searched together (see `MultiObjective`).
    """
    names = objectives_of(metric)
    if not names:
        return objective.select(metric=metric, fidelity=fidelity)
    return MultiObjective(objective.select(fidelity=fidelity), names)


class MultiObjective(Objective):
    """A recorded objective searched on several of its metrics at once.

    Args:
        base: The objective whose metrics are searched; its config set must be fully
            recorded (its oracle values fix the ideal point, the true front and so the
            reference point).
        names: Two or more distinct metrics that an evaluation at the selected fidelity
            records, none of them the test metric.

    Raises:
        ObjectiveError: Fewer than two objectives, a repeated or unknown one, the test
            metric, a metric of another fidelity, or a base that is not fully recorded.

    Attributes:
        objectives: The searched metrics, with their directions.
        ideal: Best oracle value of each objective over every config (original units).
        nadir: Worst value of each objective on the true Pareto front (original units).
        reference: The reference point in original units (normalised: 1.1 everywhere).
        true_front: Oracle values of the Pareto-optimal configs, ``(m, k)``, original units.
        true_front_configs: Row numbers of those configs, best first objective first.
    """

    def __init__(self, base: Objective, names: Sequence[str]) -> None:
        label = f"space {base.name!r}"
        if len(names) < 2:
            raise ObjectiveError(f"{label}: --objectives needs two or more metrics, got {names}")
        if len(set(names)) != len(names):
            raise ObjectiveError(f"{label}: --objectives names a metric twice: {list(names)}")
        for name in names:
            base.check_search_metric(name)
        if not base.info.fully_recorded:
            # Checked before anything is evaluated: a trainable space would train (every
            # config, for the oracle values) before it could be refused.
            raise ObjectiveError(
                f"{label} is not fully recorded: a multi-objective comparison needs every "
                "config's oracle values to fix its reference point; use a recorded table"
            )
        recorded = base.evaluate(0, 0).metrics
        for name in names:
            if name not in recorded:
                raise ObjectiveError(
                    f"{label}: {name} is not recorded by an evaluation at fidelity "
                    f"{base.info.fidelity}; choose objectives among "
                    f"{', '.join(m for m in recorded if m != base.info.test_metric)}"
                )
        everything = np.arange(base.space.n_configs, dtype=np.int64)
        oracles = [base.oracle_values(everything, name) for name in names]
        if any(o is None for o in oracles):
            raise ObjectiveError(
                f"{label} is not fully recorded: a multi-objective comparison needs every "
                "config's oracle values to fix its reference point; use a recorded table"
            )
        self.base = base
        self.objectives = tuple(base.info.metrics[name] for name in names)
        self._sign = np.array([1.0 if m.direction == "minimize" else -1.0 for m in self.objectives])
        oracle = np.column_stack([np.asarray(o, dtype=np.float64) for o in oracles])
        raw = oracle * self._sign  # every objective to minimise, original scale
        finite = np.isfinite(raw).all(axis=1)
        if not finite.any():
            raise ObjectiveError(f"{label}: no config has finite values of {list(names)}")
        ideal = np.nanmin(np.where(np.isfinite(raw), raw, np.nan), axis=0)
        on_front = nondominated(raw)
        front_raw = raw[on_front]
        nadir = front_raw.max(axis=0)
        span = nadir - ideal
        # A front that is one point in some objective gives no scale there: use the table's.
        worst = np.nanmax(np.where(np.isfinite(raw), raw, np.nan), axis=0)
        span = np.where(span > 0, span, np.where(worst - ideal > 0, worst - ideal, 1.0))
        self._ideal_raw = ideal
        self._span = span
        self.ideal = ideal * self._sign
        self.nadir = nadir * self._sign
        self.reference = (ideal + REFERENCE_LOSS * span) * self._sign
        order = np.lexsort(front_raw.T[::-1])
        self.true_front_configs = np.flatnonzero(on_front)[order].astype(np.int64)
        self.true_front = oracle[self.true_front_configs]
        self._reference_loss = np.full(len(names), REFERENCE_LOSS)
        self._optimum = self.hypervolume(self.true_front)
        metric = pareto_metric(names)
        hv_metric = Metric(
            name=metric,
            direction="maximize",
            units=f"hypervolume of normalised {', '.join(names)} (reference {REFERENCE_LOSS})",
        )
        self.info = dataclasses.replace(
            base.info,
            metrics={**base.info.metrics, metric: hv_metric},
            search_metric=metric,
            test_metric=None,
            report_metric=None,
        )
        # The scalarised value of every recorded run and the objectives' recorded runs, for
        # the hot path; other objectives answer through `evaluate`.
        runs = getattr(base, "runs", None)
        self._runs: list[FloatArray] | None = (
            [np.asarray(runs[name], dtype=np.float64) for name in names]
            if isinstance(runs, dict)
            else None
        )
        self._scalar_runs = (
            self.scalarize(np.stack(self._runs, axis=-1)) if self._runs is not None else None
        )
        self._scalar_oracle = self.scalarize(oracle)

    @property
    def costs(self) -> FloatArray | None:
        """The base table's recorded training seconds (None where it has none up front)."""
        costs = getattr(self.base, "costs", None)
        return None if costs is None else np.asarray(costs, dtype=np.float64)

    # -- normalisation -----------------------------------------------------------------------
    def losses(self, values: FloatArray) -> FloatArray:
        """Normalised losses of ``values`` (``(..., k)``, original units): 0 ideal, 1 nadir.

        NaN (a diverged run) becomes +inf: worse than anything, on no front.
        """
        arr = np.asarray(values, dtype=np.float64)
        loss = (arr * self._sign - self._ideal_raw) / self._span
        return np.where(np.isnan(loss), np.inf, loss)

    def hypervolume(self, values: FloatArray) -> float:
        """Hypervolume of ``values`` (``(n, k)``, original units) in normalised objectives."""
        arr = np.asarray(values, dtype=np.float64).reshape(-1, len(self.objectives))
        return hypervolume(self.losses(arr), self._reference_loss)

    def scalarize(self, values: FloatArray) -> FloatArray:
        """The equal-weight scalarisation ``1 - mean normalised loss`` (NaN if any is NaN)."""
        loss = self.losses(values)
        score = 1.0 - loss.mean(axis=-1)
        return np.where(np.isfinite(score), score, np.nan)

    @property
    def reference_loss(self) -> FloatArray:
        """The reference point in normalised losses."""
        return self._reference_loss.copy()

    # -- the objective interface -------------------------------------------------------------
    @property
    def optimum(self) -> float:
        """Hypervolume of the true Pareto front."""
        return self._optimum

    def optimum_of(self, metric: str) -> float | None:
        """The true front's hypervolume for the search metric, else the base's optimum."""
        if metric == self.info.search_metric:
            return self._optimum
        return self.base.optimum_of(metric)

    def n_slots(self, index: int) -> int:
        """The base objective's slots of config ``index``."""
        return self.base.n_slots(index)

    def evaluate(self, index: int, slot: int) -> Evaluation:
        """The base's evaluation, its value replaced by the scalarisation."""
        ev = self.base.evaluate(index, slot)
        values = np.array([ev.metrics[m.name] for m in self.objectives])
        return Evaluation(float(self.scalarize(values)), ev.cost_seconds, ev.metrics)

    def reader(self) -> Reader:
        """The base's slots and costs; the scalarised value as ``value``."""
        base = self.base.reader()
        if self._scalar_runs is not None:
            return Reader(n_slots=base.n_slots, value=self._scalar_runs.item, cost=base.cost)

        def value(index: int, slot: int) -> float:
            return self.evaluate(index, slot).value

        return Reader(n_slots=base.n_slots, value=value, cost=base.cost)

    def vector_reader(self) -> Callable[[int, int], tuple[float, ...]]:
        """``(row, slot)`` -> every objective's observed value, in `objectives` order."""
        if self._runs is not None:
            items = [arr.item for arr in self._runs]
            return lambda index, slot: tuple([item(index, slot) for item in items])
        names = [m.name for m in self.objectives]

        def values(index: int, slot: int) -> tuple[float, ...]:
            metrics = self.base.evaluate(index, slot).metrics
            return tuple(float(metrics[name]) for name in names)

        return values

    def metric_columns(self, indices: IntArray, slots: IntArray) -> dict[str, FloatArray]:
        """The base's metrics of many evaluations."""
        return self.base.metric_columns(indices, slots)

    def objective_columns(self, indices: IntArray, slots: IntArray) -> FloatArray:
        """Observed objectives of many evaluations, ``(n, k)`` in original units."""
        columns = self.base.metric_columns(indices, slots)
        return np.column_stack([columns[m.name] for m in self.objectives]).reshape(
            -1, len(self.objectives)
        )

    def oracle_values(self, indices: IntArray, metric: str | None = None) -> FloatArray | None:
        """The scalarised oracle for the search metric, else the base's oracle values."""
        if metric is None or metric == self.info.search_metric:
            return self._scalar_oracle[indices]
        return self.base.oracle_values(indices, metric)

    def oracle_objectives(self, indices: IntArray) -> FloatArray:
        """Oracle values of every objective of configs ``indices``, ``(n, k)``."""
        columns = [self.base.oracle_values(indices, m.name) for m in self.objectives]
        return np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])

    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> Objective:
        """Only the current selection: a multi-objective search changes by building anew.

        Raises:
            ObjectiveError: Anything else is asked for.
        """
        if metric in (None, self.info.search_metric) and fidelity in (None, self.info.fidelity):
            return self
        raise ObjectiveError(
            f"space {self.name!r} searches {self.info.search_metric}; choose --objectives or "
            "--metric, not both"
        )

    def reporting(self, metric: str | None) -> Objective:
        """Itself: a multi-objective comparison reports the hypervolume only.

        Raises:
            ObjectiveError: Another report metric is asked for.
        """
        if metric is None or metric == self.info.search_metric:
            return self
        raise ObjectiveError(
            f"space {self.name!r}: a multi-objective comparison reports the hypervolume; "
            "--report-metric does not apply"
        )
