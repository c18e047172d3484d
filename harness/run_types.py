"""The value types a run is made of, shared by the evaluator, the loop, the store and reports.

`Budget` (what a run may spend, and in what), `RunSpec` (what determines a run's result),
`RunTrace` (everything a run produced) with `incumbents` and `failed_trace`, and
`SpaceRecord` (what the store keeps of an objective). They sit at the bottom of the harness
and import nothing of it, so that reading results (`harness.results`, `reports`) never loads
the loop, the planning or the strategy registry.

What an evaluation costs in each kind of budget (design "Equal budgets"):

- ``evaluations``: a number of evaluations *at the searched fidelity*. An evaluation at a
  lower fidelity costs its share, fidelity / searched fidelity (a continued training only
  the epochs it adds), so that ``--budget 100`` buys every strategy the compute of 100
  full evaluations. On a space that states no fidelity every evaluation costs one.
- ``epochs``: each evaluation costs the epochs it trains.
- ``seconds``: each evaluation costs its recorded training seconds (with simulated workers,
  the budget is simulated wall-clock time); a weight-sharing search costs its recorded
  seconds before the first evaluation.

The evaluator (`harness.Evaluator`) charges it; `harness.capabilities.check_budget` decides,
once per space when a comparison is planned, whether a budget can be spent there at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from spaces import Objective

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BudgetKind = Literal["evaluations", "seconds", "epochs"]
BUDGET_KINDS: tuple[BudgetKind, ...] = ("evaluations", "seconds", "epochs")

MAX_EVALUATIONS = 10**7
"""Most evaluations per run (``--budget``, and what a ``--budget-seconds`` may buy): each
evaluation is held in memory until its run is stored."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """How much a run may spend, counted identically for every strategy.

    Attributes:
        kind: ``evaluations`` (evaluations at the searched fidelity; a lower fidelity costs
            its share), ``seconds`` (simulated training seconds: the recorded training time
            of each evaluated run) or ``epochs`` (each evaluation costs the epochs it trains).
        amount: The limit; positive, and a whole number for evaluations and epochs.
    """

    kind: BudgetKind
    amount: float

    def __post_init__(self) -> None:
        if self.kind not in BUDGET_KINDS:
            raise ValueError(f"budget kind {self.kind!r} is not one of {', '.join(BUDGET_KINDS)}")
        if not (self.amount > 0 and math.isfinite(self.amount)):
            raise ValueError(f"budget {self.amount!r} must be a positive finite number")
        if self.kind != "seconds" and self.amount != int(self.amount):
            raise ValueError(f"a budget of {self.kind} must be a whole number, got {self.amount!r}")

    @property
    def evaluations(self) -> int | None:
        """The evaluation count, or None for a budget of seconds or epochs."""
        return int(self.amount) if self.kind == "evaluations" else None

    def label(self) -> str:
        """Short text such as ``100 evaluations``, ``3600 s`` or ``2000 epochs``."""
        if self.kind == "seconds":
            return f"{self.amount:g} s"
        return f"{int(self.amount)} {self.kind}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSpec:
    """One cell of a comparison grid: what determines a run's result.

    Attributes:
        strategy: Registry name of the strategy.
        options: Every option of the strategy (defaults included), JSON-serialisable.
        space: Space name.
        seed: Run seed.
        budget: The budget.
        checksum: Checksum of the objective (table or training recipe) the run queries.
        metric: The search metric.
        fidelity: The fidelity of every evaluation.
        report_metric: The report metric asked for, where it changes what the run stores
            (the incumbent's second scored metric); None for the space's default.
        sources: The source spaces a transfer strategy reads (`harness._priors`); empty for
            every other strategy.
        sim_workers: Simulated parallel workers of the run (``--sim-workers``).
    """

    strategy: str
    options: dict[str, Any]
    space: str
    seed: int
    budget: Budget
    checksum: str
    metric: str
    fidelity: int
    report_metric: str | None = None
    sources: tuple[str, ...] = ()
    sim_workers: int = 1

    @property
    def key(self) -> str:
        """Stable key of this run in the store."""
        fields: dict[str, Any] = {
            "strategy": self.strategy,
            "options": self.options,
            "space": self.space,
            "seed": self.seed,
            "budget": [self.budget.kind, self.budget.amount],
            "checksum": self.checksum,
            "metric": self.metric,
            "fidelity": self.fidelity,
        }
        if self.report_metric is not None:
            # Only then: runs with the space's default keep their keys.
            fields["report_metric"] = self.report_metric
        if self.sources:
            # Only for transfer strategies: every other run keeps its key.
            fields["sources"] = list(self.sources)
        if self.sim_workers != 1:
            # Only then: a run with one worker is the sequential run and keeps its key.
            fields["sim_workers"] = self.sim_workers
        payload = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceRecord:
    """What the store keeps of an objective, for reports: one row of `ResultsStore.spaces`.

    Attributes:
        name: Space name.
        checksum: The objective's checksum.
        metric: The search metric.
        fidelity: The fidelity searched.
        direction: The search metric's direction.
        optimum: The best oracle value of the search metric, or None where unknown.
        test_metric: The metric reported for incumbents beside the search metric, if any:
            the report metric where it differs from the search metric, else the test metric
            (`spaces.ObjectiveInfo.reported`); the column keeps its schema-2 name.
        fully_recorded: Whether every config has recorded runs.
        n_configs: Size of the space.
        dimensions: Each dimension as ``{"name", "kind", "choices"}``.
        metrics: Each metric as ``{name: {"direction", "units"}}``.
        fidelities: The fidelities the objective offers.
        provenance: Where the numbers come from.
        report_metric: The metric reports rank on (`spaces.ObjectiveInfo.ranked_metric`):
            where it differs from ``metric`` it is ``test_metric``, the incumbent's second
            scored metric. None where unrecorded (a store written before it was kept):
            reports then rank on the search metric.
        report_optimum: The best oracle value of ``report_metric`` where known (its regret
            needs it), else None.
    """

    name: str
    checksum: str
    metric: str
    fidelity: int
    direction: str
    optimum: float | None
    test_metric: str | None
    fully_recorded: bool
    n_configs: int
    dimensions: Sequence[Mapping[str, Any]]
    metrics: Mapping[str, Mapping[str, str]]
    fidelities: Sequence[int]
    provenance: Mapping[str, Any]
    report_metric: str | None = None
    report_optimum: float | None = None

    def __post_init__(self) -> None:
        differs = self.report_metric is not None and self.report_metric != self.metric
        if differs and self.report_metric != self.test_metric:
            raise ValueError(
                f"{self.name}: report metric {self.report_metric!r} differs from the search "
                f"metric {self.metric!r}, so runs must store it as their second metric, not "
                f"{self.test_metric!r}"
            )

    @classmethod
    def of(cls, objective: Objective) -> SpaceRecord:
        """The record of ``objective`` as selected for a comparison."""
        info = objective.info
        return cls(
            name=info.name,
            checksum=info.checksum,
            metric=info.search_metric,
            fidelity=info.fidelity,
            direction=objective.direction,
            optimum=objective.optimum,
            test_metric=info.reported,
            fully_recorded=info.fully_recorded,
            n_configs=info.space.n_configs,
            dimensions=[
                {"name": d.name, "kind": d.kind, "choices": list(d.choices)}
                for d in info.space.dimensions
            ],
            metrics={
                m.name: {"direction": m.direction, "units": m.units} for m in info.metrics.values()
            },
            fidelities=list(info.fidelities),
            provenance=asdict(info.provenance),
            report_metric=info.ranked_metric,
            report_optimum=objective.optimum_of(info.ranked_metric),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunTrace:
    """Everything one run produced, evaluation by evaluation.

    Attributes:
        config_index: Row number of each evaluated config.
        slot: Training-seed slot of each evaluation (the common-random-numbers draw).
        value: Observed search metric (one training run) of each evaluation.
        cost_seconds: Recorded training time of each evaluation.
        cumulative_cost_seconds: Running sum of ``cost_seconds``.
        metrics: Every metric the objective reported, one array per name.
        incumbent_index: Row number of the best observed config so far (-1 before any
            finite observation).
        incumbent_value: The incumbent's search metric as reports score it: its oracle value
            (mean over recorded seeds) where the objective knows it, else the observed value.
        incumbent_test: The incumbent's report metric where it differs from the search
            metric, else its test metric (`spaces.ObjectiveInfo.reported`), scored the same
            way (NaN where there is neither).
        regret: Optimum oracle value minus ``incumbent_value``, sign-adjusted to be >= 0
            (NaN where the optimum is unknown).
        overhead_seconds: Wall time spent inside the strategy's ask and tell.
        status: ``finished`` or ``failed``.
        error: For failed runs, the error (type and message) and its traceback.
        notes: What the run reports besides its evaluations (JSON values): ``prior`` for a
            transfer strategy, ``diagnostics`` where the strategy gives any.
    """

    config_index: IntArray
    slot: IntArray
    value: FloatArray
    cost_seconds: FloatArray
    cumulative_cost_seconds: FloatArray
    metrics: dict[str, FloatArray]
    incumbent_index: IntArray
    incumbent_value: FloatArray
    incumbent_test: FloatArray
    regret: FloatArray
    overhead_seconds: float
    status: Literal["finished", "failed"]
    error: str | None = None
    traceback: str | None = field(default=None, repr=False)
    notes: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_evaluations(self) -> int:
        """Evaluations made."""
        return len(self.config_index)

    @property
    def n_unique(self) -> int:
        """Distinct configs evaluated."""
        return len(np.unique(self.config_index))

    @property
    def final_regret(self) -> float:
        """Regret of the last incumbent (NaN without a finite observation or an optimum)."""
        return float(self.regret[-1]) if len(self.regret) else math.nan

    @property
    def final_value(self) -> float:
        """Search metric of the last incumbent, as reports score it."""
        return float(self.incumbent_value[-1]) if len(self.incumbent_value) else math.nan

    @property
    def final_test(self) -> float:
        """Test metric of the last incumbent (NaN without a test metric)."""
        return float(self.incumbent_test[-1]) if len(self.incumbent_test) else math.nan


def incumbents(values: FloatArray, *, maximize: bool) -> IntArray:
    """Position of the best finite observed value so far at each step (-1 before any)."""
    score = np.where(np.isnan(values), -np.inf, values if maximize else -values)
    best = np.maximum.accumulate(score) if len(score) else score
    # The incumbent changes only on a strict improvement, so ties keep the earlier config.
    improved = np.concatenate(([True], best[1:] > best[:-1])) if len(score) else score > 0
    pos = np.where(improved & np.isfinite(score), np.arange(len(score)), -1)
    return np.maximum.accumulate(pos) if len(pos) else pos.astype(np.int64)


def failed_trace(error: str, tb: str | None = None) -> RunTrace:
    """An empty trace for a run that failed before its loop could report anything."""
    empty_f = np.zeros(0)
    empty_i = np.zeros(0, dtype=np.int64)
    return RunTrace(
        config_index=empty_i,
        slot=empty_i,
        value=empty_f,
        cost_seconds=empty_f,
        cumulative_cost_seconds=empty_f,
        metrics={},
        incumbent_index=empty_i,
        incumbent_value=empty_f,
        incumbent_test=empty_f,
        regret=empty_f,
        overhead_seconds=0.0,
        status="failed",
        error=error,
        traceback=tb,
    )
