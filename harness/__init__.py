"""The benchmark harness: equal-budget, paired runs of suggestion strategies on spaces.

Public surface: `Budget`, `Evaluator` and `InvalidConfigError` (the one place the budget is
charged), `run_strategy`, `build_trace` and `RunTrace` (the one loop; `EventLoop` and `EventLog`
for simulated parallel workers), `Comparison` /
`compare` / `plan_comparison` (the grid of runs), the results store (`ResultsStore`,
`RunSpec`, `SpaceRecord`, `open_results`, `StoreError`; module `harness.results`), the seeding
rules (`crn_key`, `strategy_seed`, `stable_hash`, `recorded_slot`; module `harness.seeding`),
filling a training cache (`plan_training`, `run_training`, `estimate_seconds`,
`export_if_complete`, `TrainPlan`), the transfer protocol's sources (`default_sources`,
`load_prior`: what a transfer strategy is handed), the test kit (`harness.testing`) and the CLI
(`harness.cli.main`).
"""

from __future__ import annotations

from harness._compare import Comparison, RunOutcome, compare, plan_comparison
from harness._evaluator import BUDGET_KINDS, Budget, Evaluator, InvalidConfigError
from harness._events import EventLog, EventLoop
from harness._loop import RunTrace, build_trace, failed_trace, incumbents, run_strategy
from harness._priors import default_sources, load_prior
from harness._train import (
    TrainPlan,
    estimate_seconds,
    export_if_complete,
    plan_training,
    run_training,
)
from harness._version import __version__
from harness.results import (
    SCHEMA_VERSION,
    ResultsStore,
    RunSpec,
    SpaceRecord,
    StoreError,
    open_results,
)
from harness.seeding import crn_key, recorded_slot, stable_hash, strategy_seed

__all__ = [
    "BUDGET_KINDS",
    "SCHEMA_VERSION",
    "Budget",
    "Comparison",
    "Evaluator",
    "EventLog",
    "EventLoop",
    "InvalidConfigError",
    "ResultsStore",
    "RunOutcome",
    "RunSpec",
    "RunTrace",
    "SpaceRecord",
    "StoreError",
    "TrainPlan",
    "__version__",
    "build_trace",
    "compare",
    "crn_key",
    "default_sources",
    "estimate_seconds",
    "export_if_complete",
    "failed_trace",
    "incumbents",
    "load_prior",
    "open_results",
    "plan_comparison",
    "plan_training",
    "recorded_slot",
    "run_strategy",
    "run_training",
    "stable_hash",
    "strategy_seed",
]
