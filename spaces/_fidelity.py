"""Recorded tables with metrics at several fidelities (e.g. 12 and 200 training epochs).

A `FidelityTable` is a `RecordedTable` whose metrics each belong to one fidelity (named
``<metric>@<epochs>``, e.g. ``val_acc@12``) or to none (``params``: a property of the network)
and whose training cost is recorded per fidelity. Selecting a fidelity selects what an
evaluation costs and what it records; selecting a search metric recorded at a fidelity
selects that fidelity. Reports may still score the incumbent on a metric of another fidelity
(the oracle values of every metric are known), which is how a search at 12 epochs is scored
by its 200-epoch accuracy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from spaces._objective import Evaluation, FloatArray, IntArray, ObjectiveError, ObjectiveInfo
from spaces._recorded import RecordedTable


class FidelityTable(RecordedTable):
    """A recorded table offering several fidelities.

    Args:
        info: What the table declares; ``info.fidelity`` is the selected fidelity and
            ``info.search_metric`` must be recorded at it (or at none).
        runs: Every metric per recorded training seed, ``(n_configs, max_seeds)`` each.
        costs: Training seconds per recorded seed at each fidelity of ``info.fidelities``.
        n_seeds: Recorded seeds of each config.
        metric_fidelity: The fidelity each fidelity-bound metric is recorded at; metrics not
            named here belong to the network and are recorded at every fidelity.
        default_metric: The search metric chosen when only a fidelity is selected.
    """

    def __init__(
        self,
        *,
        info: ObjectiveInfo,
        runs: Mapping[str, FloatArray],
        costs: Mapping[int, FloatArray],
        n_seeds: npt.NDArray[np.int64],
        metric_fidelity: Mapping[str, int],
        default_metric: Mapping[int, str],
    ) -> None:
        if set(costs) != set(info.fidelities) or set(default_metric) != set(info.fidelities):
            raise ValueError(
                f"{info.name}: costs and default metrics are needed for exactly the "
                f"fidelities {info.fidelities}"
            )
        unknown = sorted(set(metric_fidelity) - set(info.metrics))
        if unknown:
            raise ValueError(f"{info.name}: metric_fidelity names unknown metrics {unknown}")
        at = metric_fidelity.get(info.search_metric, info.fidelity)
        if at != info.fidelity:
            raise ValueError(
                f"{info.name}: search metric {info.search_metric!r} is recorded at fidelity "
                f"{at}, not at the selected {info.fidelity}"
            )
        super().__init__(info=info, runs=runs, costs=costs[info.fidelity], n_seeds=n_seeds)
        for arr in costs.values():
            arr.setflags(write=False)
        self.costs_by_fidelity = dict(costs)
        self.metric_fidelity = dict(metric_fidelity)
        self.default_metric = dict(default_metric)
        # What an evaluation at the selected fidelity records: nothing of another fidelity
        # (a 12-epoch training run does not know its 200-epoch accuracy).
        self._recorded_here = tuple(
            name for name in runs if metric_fidelity.get(name, info.fidelity) == info.fidelity
        )

    def evaluate(self, index: int, slot: int) -> Evaluation:
        """The recorded run in ``slot`` of config ``index`` at the selected fidelity."""
        return Evaluation(
            value=float(self.values[index, slot]),
            cost_seconds=float(self.costs[index, slot]),
            metrics={name: float(self.runs[name][index, slot]) for name in self._recorded_here},
        )

    def metric_columns(self, indices: IntArray, slots: IntArray) -> dict[str, FloatArray]:
        """The metrics recorded at the selected fidelity, for many evaluations at once."""
        return {
            name: np.asarray(self.runs[name][indices, slots], dtype=np.float64)
            for name in self._recorded_here
        }

    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> FidelityTable:
        """This table searching ``metric`` at ``fidelity``.

        A metric recorded at one fidelity implies that fidelity; a fidelity alone keeps a
        metric recorded at every fidelity and otherwise searches that fidelity's default.

        Raises:
            ObjectiveError: The metric is unknown or the test metric, the fidelity is not
                offered, or the metric is recorded at another fidelity than the one asked for.
        """
        if metric is not None:
            self.check_search_metric(metric)
        if fidelity is not None:
            self.check_fidelity(fidelity)
        recorded_at = None if metric is None else self.metric_fidelity.get(metric)
        if recorded_at is not None and fidelity is not None and fidelity != recorded_at:
            raise ObjectiveError(
                f"space {self.name!r}: {metric} is recorded at fidelity {recorded_at}, not "
                f"{fidelity}; at fidelity {fidelity} search {self.default_metric[fidelity]} "
                "(or leave out --fidelity)"
            )
        target = recorded_at or fidelity or self.info.fidelity
        if metric is None:
            current = self.info.search_metric
            bound = self.metric_fidelity.get(current)
            metric = current if bound in (None, target) else self.default_metric[target]
        if metric == self.info.search_metric and target == self.info.fidelity:
            return self
        return FidelityTable(
            info=dataclasses.replace(self.info, search_metric=metric, fidelity=target),
            runs=self.runs,
            costs=self.costs_by_fidelity,
            n_seeds=self.n_seeds,
            metric_fidelity=self.metric_fidelity,
            default_metric=self.default_metric,
        )
