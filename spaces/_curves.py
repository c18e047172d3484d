"""Recorded tables with a learning curve per training run: every epoch is a fidelity.

A `CurveTable` is a `RecordedTable` whose training runs were recorded epoch by epoch (the
harness's own trainer records validation accuracy, test accuracy and training loss after
every epoch, and each epoch's seconds). It offers the fidelities 1..E, and a higher fidelity
*continues* a lower one (``fidelity_continues``): the evaluation at epoch e of a training
seed is that run stopped after e epochs, and its cost the seconds of its first e epochs, so
a multi-fidelity strategy that promotes a config from epoch e1 to e2 on the same seed is
charged only the epochs between (`harness.Evaluator.evaluate_at`). At the full fidelity E
it is exactly the table it extends: the same arrays, costs and checksum.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from spaces._objective import FloatArray, ObjectiveInfo
from spaces._recorded import RecordedTable


class CurveTable(RecordedTable):
    """A recorded table whose metrics were recorded after every epoch.

    Args:
        info: What the full-fidelity table declares; ``info.fidelity`` is the selected epoch
            (the last by default). Its fidelities become 1..E and ``fidelity_continues``.
        runs: Every metric at the last epoch, ``(n_configs, max_seeds)`` each (the full
            table's arrays).
        costs: Training seconds of the whole run, ``(n_configs, max_seeds)``.
        n_seeds: Recorded seeds of each config.
        curves: Metrics recorded per epoch, ``(n_configs, max_seeds, E)`` each; metrics not
            named (parameters, latency) are the same at every epoch.
        cost_curve: Seconds of the first e epochs, ``(n_configs, max_seeds, E)``,
            non-decreasing along the last axis.

    Raises:
        ValueError: The curves do not fit the runs, or the selected epoch is out of range.
    """

    def __init__(
        self,
        *,
        info: ObjectiveInfo,
        runs: Mapping[str, FloatArray],
        costs: FloatArray,
        n_seeds: npt.NDArray[np.int64],
        curves: Mapping[str, FloatArray],
        cost_curve: FloatArray,
    ) -> None:
        n_epochs = int(cost_curve.shape[2])
        shape = (*costs.shape, n_epochs)
        for name, curve in (*curves.items(), ("cost_curve", cost_curve)):
            if curve.shape != shape:
                raise ValueError(f"{info.name}: {name} has shape {curve.shape}, expected {shape}")
        unknown = sorted(set(curves) - set(runs))
        if unknown:
            raise ValueError(f"{info.name}: curves of unknown metrics {unknown}")
        fidelity = info.fidelity if info.fidelity in range(1, n_epochs + 1) else n_epochs
        info = dataclasses.replace(
            info,
            fidelities=tuple(range(1, n_epochs + 1)),
            fidelity=fidelity,
            fidelity_continues=True,
        )
        if fidelity == n_epochs:
            at_runs, at_costs = dict(runs), costs  # the full table, bit for bit
        else:
            at_runs = {
                name: curves[name][:, :, fidelity - 1] if name in curves else arr
                for name, arr in runs.items()
            }
            at_costs = cost_curve[:, :, fidelity - 1]
        super().__init__(info=info, runs=at_runs, costs=at_costs, n_seeds=n_seeds)
        self.full_runs = dict(runs)
        self.full_costs = costs
        self.curves = dict(curves)
        self.cost_curve = cost_curve
        self.n_epochs = n_epochs

    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> CurveTable:
        """This table searching ``metric`` after ``fidelity`` epochs.

        Raises:
            ObjectiveError: The metric or the epoch is not offered.
        """
        metric = self.validate_selection(metric=metric, fidelity=fidelity)
        epoch = self.info.fidelity if fidelity is None else fidelity
        if metric == self.info.search_metric and epoch == self.info.fidelity:
            return self
        return CurveTable(
            info=dataclasses.replace(self.info, search_metric=metric, fidelity=epoch),
            runs=self.full_runs,
            costs=self.full_costs,
            n_seeds=self.n_seeds,
            curves=self.curves,
            cost_curve=self.cost_curve,
        )
