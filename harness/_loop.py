"""The one ask -> look up -> tell loop, owned by the harness, and the budget it enforces.

A strategy gets the space and the `Observation` of each evaluation, never the table.
Bookkeeping inside the loop is kept to a few integer and list operations per evaluation;
incumbents, oracle values and regrets are derived afterwards with numpy in one pass.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from harness._lookup import Lookup
from spaces import TabularBenchmark
from strategies import Observation, Strategy

BudgetKind = Literal["evaluations", "seconds"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """How much a run may spend, counted identically for every strategy.

    Attributes:
        kind: ``evaluations`` (a number of table queries) or ``seconds`` (simulated training
            seconds: the recorded training time of each evaluated run).
        amount: The limit; positive.
    """

    kind: BudgetKind
    amount: float

    def __post_init__(self) -> None:
        if self.kind not in ("evaluations", "seconds"):
            raise ValueError(f"budget kind {self.kind!r} is not one of evaluations, seconds")
        if not (self.amount > 0 and math.isfinite(self.amount)):
            raise ValueError(f"budget {self.amount!r} must be a positive finite number")
        if self.kind == "evaluations" and self.amount != int(self.amount):
            raise ValueError(f"an evaluation budget must be a whole number, got {self.amount!r}")

    @property
    def evaluations(self) -> int | None:
        """The evaluation count, or None for a seconds budget."""
        return int(self.amount) if self.kind == "evaluations" else None

    def label(self) -> str:
        """Short text such as ``100 evaluations`` or ``3600 s``."""
        if self.kind == "evaluations":
            return f"{int(self.amount)} evaluations"
        return f"{self.amount:g} s"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunTrace:
    """Everything one run produced, evaluation by evaluation.

    Attributes:
        config_index: Row number of each evaluated config.
        value: Observed value (one recorded training seed) of each evaluation.
        cost_seconds: Recorded training time of each evaluation.
        cumulative_cost_seconds: Running sum of ``cost_seconds``.
        incumbent_index: Row number of the best observed config so far (-1 before any
            finite observation).
        incumbent_oracle: The incumbent's oracle value (mean over its recorded seeds).
        regret: Optimum oracle value minus the incumbent's, sign-adjusted to be >= 0.
        overhead_seconds: Wall time spent inside the strategy's ask and tell.
        status: ``finished`` or ``failed``.
        error: For failed runs, the error (type and message) and its traceback.
    """

    config_index: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    cost_seconds: npt.NDArray[np.float64]
    cumulative_cost_seconds: npt.NDArray[np.float64]
    incumbent_index: npt.NDArray[np.int64]
    incumbent_oracle: npt.NDArray[np.float64]
    regret: npt.NDArray[np.float64]
    overhead_seconds: float
    status: Literal["finished", "failed"]
    error: str | None = None
    traceback: str | None = field(default=None, repr=False)

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
        """Regret of the last incumbent (NaN for a run with no finite observation)."""
        return float(self.regret[-1]) if len(self.regret) else math.nan

    @property
    def final_oracle(self) -> float:
        """Oracle value of the last incumbent."""
        return float(self.incumbent_oracle[-1]) if len(self.incumbent_oracle) else math.nan


def run_strategy(
    strategy: Strategy, benchmark: TabularBenchmark, *, seed: int, budget: Budget
) -> RunTrace:
    """Run ``strategy`` on ``benchmark`` until ``budget`` is spent.

    A strategy that raises, or proposes something that is not a config, ends its run as
    ``failed`` with the error recorded; the evaluations before that are kept.

    Args:
        strategy: A freshly constructed strategy for this run.
        benchmark: The table the harness looks configs up in.
        seed: The run seed; with the space's name it fixes which recorded seed each
            evaluation returns (common random numbers across strategies).
        budget: The budget.
    """
    lookup = Lookup(benchmark, seed)
    seconds_limit = budget.amount if budget.kind == "seconds" else math.inf
    max_evaluations = budget.evaluations
    perf = time.perf_counter

    indices: list[int] = []
    observed: list[float] = []
    spent: list[float] = []
    total = 0.0
    overhead = 0.0
    status: Literal["finished", "failed"] = "finished"
    error = tb = None
    try:
        while max_evaluations is None or len(indices) < max_evaluations:
            t0 = perf()
            config = strategy.ask()
            overhead += perf() - t0
            index, value, cost = lookup.evaluate(config, max_cost=seconds_limit - total)
            if total + cost > seconds_limit:
                break  # design.md #2: an evaluation that would overshoot is not run
            total += cost
            indices.append(index)
            observed.append(value)
            spent.append(cost)
            t0 = perf()
            strategy.tell(config, Observation(value, cost))
            overhead += perf() - t0
    except Exception as exc:
        status = "failed"
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        tb = traceback.format_exc()
    return _trace(benchmark, indices, observed, spent, overhead, status, error, tb)


def incumbents(values: npt.NDArray[np.float64], *, maximize: bool) -> npt.NDArray[np.int64]:
    """Position of the best finite observed value so far at each step (-1 before any)."""
    score = np.where(np.isnan(values), -np.inf, values if maximize else -values)
    best = np.maximum.accumulate(score) if len(score) else score
    # The incumbent changes only on a strict improvement, so ties keep the earlier config.
    improved = np.concatenate(([True], best[1:] > best[:-1])) if len(score) else score > 0
    pos = np.where(improved & np.isfinite(score), np.arange(len(score)), -1)
    return np.maximum.accumulate(pos) if len(pos) else pos.astype(np.int64)


def _trace(
    benchmark: TabularBenchmark,
    indices: list[int],
    observed: list[float],
    spent: list[float],
    overhead: float,
    status: Literal["finished", "failed"],
    error: str | None,
    tb: str | None,
) -> RunTrace:
    config_index = np.asarray(indices, dtype=np.int64)
    value = np.asarray(observed, dtype=np.float64)
    cost = np.asarray(spent, dtype=np.float64)
    pos = incumbents(value, maximize=benchmark.maximize)
    inc_index = np.where(pos >= 0, config_index[np.maximum(pos, 0)] if len(pos) else pos, -1)
    inc_oracle = np.where(pos >= 0, benchmark.oracle[np.maximum(inc_index, 0)], np.nan)
    sign = 1.0 if benchmark.maximize else -1.0
    regret = np.maximum(sign * (benchmark.optimum - inc_oracle), 0.0)
    return RunTrace(
        config_index=config_index,
        value=value,
        cost_seconds=cost,
        cumulative_cost_seconds=np.cumsum(cost),
        incumbent_index=inc_index.astype(np.int64),
        incumbent_oracle=inc_oracle,
        regret=regret,
        overhead_seconds=overhead,
        status=status,
        error=error,
        traceback=tb,
    )


def failed_trace(error: str) -> RunTrace:
    """An empty trace for a run that failed before its loop could report anything."""
    empty_f = np.zeros(0)
    empty_i = np.zeros(0, dtype=np.int64)
    return RunTrace(
        config_index=empty_i,
        value=empty_f,
        cost_seconds=empty_f,
        cumulative_cost_seconds=empty_f,
        incumbent_index=empty_i,
        incumbent_oracle=empty_f,
        regret=empty_f,
        overhead_seconds=0.0,
        status="failed",
        error=error,
    )
