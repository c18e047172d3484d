"""A synthetic open space, ``synthetic/open``: an objective without a known optimum.

Not real training runs: a closed-form function of the config plus deterministic noise per
training-seed slot, for tests and demonstrations of what the harness does when an objective
is *not* fully recorded (like a trainer whose cache holds only what was asked for): reports
show the best value found instead of regret, and the incumbent's test metric beside it. It
declares a validation metric (searched), a test metric (reported), a parameter count and a
single 20-epoch schedule.
"""

from __future__ import annotations

import numpy as np

from spaces._objective import Evaluation, Metric, Objective, ObjectiveInfo, Provenance
from spaces._source import SpaceInfo, SpaceSource, Training
from spaces._space import Dimension, Space
from spaces._table import TableOptions

NAME = "synthetic/open"
_N_SLOTS = 3
_PROVENANCE = Provenance(
    source="synthetic closed-form objective (no training runs), for tests and demos",
    package="nas-harness",
    licence="Apache-2.0",
    objective_units="validation accuracy, percent (synthetic)",
    cost_units="seconds (synthetic)",
    hardware="none",
    gpu_trained=False,
)
_METRICS = {
    "val_acc": Metric(name="val_acc", direction="maximize", units="percent"),
    "test_acc": Metric(name="test_acc", direction="maximize", units="percent"),
    "params": Metric(name="params", direction="minimize", units="parameters"),
}


def _space() -> Space:
    return Space(
        (
            Dimension(name="op", kind="categorical", choices=("conv", "pool", "skip", "none")),
            Dimension(name="width", kind="ordinal", choices=(16, 32, 64, 128, 256)),
            Dimension(name="act", kind="categorical", choices=("relu", "tanh", "gelu")),
        )
    )


class SyntheticOpenObjective(Objective):
    """Closed-form accuracies with per-slot noise; no oracle values, no known optimum."""

    def __init__(self, search_metric: str = "val_acc") -> None:
        space = _space()
        self.info = ObjectiveInfo(
            name=NAME,
            space=space,
            metrics=_METRICS,
            search_metric=search_metric,
            test_metric="test_acc",
            fidelities=(20,),
            fidelity=20,
            fully_recorded=False,
            provenance=_PROVENANCE,
            checksum="synthetic-open-v1",
        )

    def n_slots(self, index: int) -> int:
        """Three training seeds per config."""
        return _N_SLOTS

    def evaluate(self, index: int, slot: int) -> Evaluation:
        """The synthetic training run in ``slot`` of config ``index``."""
        op, width, act = self.space.config(index)
        base = 80.0 + 8.0 * (op == 0) - 1.5 * (width - 3) ** 2 + 2.0 * (act == 1)
        # Noise from a generator seeded by (index, slot): the same run gives the same numbers.
        noise = np.random.default_rng([index, slot, 2024]).normal(0.0, 0.6, size=2)
        val = float(base + noise[0])
        test = float(base - 0.8 + noise[1])
        params = float(1000 * 2 ** (width + 4) * (1 + (op == 0)))
        metrics = {"val_acc": val, "test_acc": test, "params": params}
        cost = 10.0 + 5.0 * width + slot
        return Evaluation(
            value=metrics[self.info.search_metric], cost_seconds=cost, metrics=metrics
        )

    def select(
        self, *, metric: str | None = None, fidelity: int | None = None
    ) -> SyntheticOpenObjective:
        """This objective searching ``metric`` (one fidelity: 20 epochs)."""
        metric = self.validate_selection(metric=metric, fidelity=fidelity)
        if metric == self.info.search_metric:
            return self
        return SyntheticOpenObjective(metric)


class Synthetic(SpaceSource):
    """The synthetic open space."""

    name = "synthetic"

    def names(self) -> tuple[str, ...]:
        """Just ``synthetic/open``."""
        return (NAME,)

    def training(self, name: str) -> Training:
        """Computed in closed form: nothing is trained."""
        return "closed-form"

    def recorded(self, name: str) -> str:
        """Nothing is recorded: every value is computed."""
        return "- (closed form)"

    def describe(self, name: str) -> SpaceInfo:
        """Its static facts."""
        return SpaceInfo(
            name=NAME,
            space=_space(),
            search_metric="val_acc",
            direction="maximize",
            metrics=tuple(_METRICS),
            test_metric="test_acc",
            fidelities=(20,),
            provenance=_PROVENANCE,
        )

    def load(self, name: str, *, table_options: TableOptions | None) -> Objective:
        """A fresh synthetic objective."""
        return SyntheticOpenObjective()
