"""The benchmark harness: equal-budget, paired runs of suggestion strategies on spaces.

Public surface: the value types of a run (`Budget`, `RunSpec`, `RunTrace`, `SpaceRecord`,
`incumbents`, `failed_trace`; module `harness.run_types`), `Evaluator` and
`InvalidConfigError` (the one place the budget is charged), `run_strategy` and `build_trace`
(the one loop; `EventLoop` and `EventLog` for simulated parallel workers; `Interrupted` for a
real Ctrl-C), `Comparison` / `compare` / `plan_comparison` / `default_run_timeout` (the grid of
runs), the results store (`ResultsStore`, `open_results`, `StoreError`; module
`harness.results`), the seeding rules (`crn_key`, `strategy_seed`, `stable_hash`,
`recorded_slot`; module `harness.seeding`), filling a training cache (`plan_training`,
`run_training`, `estimate_seconds`, `export_if_complete`, `TrainPlan`, `TrainTask`), the
transfer protocol's sources (`default_sources`, `load_prior`: what a transfer strategy is
handed) and the test kit (`harness.testing`). The command line is the package `cli` above
`reports`; ``python -m harness`` runs it.

Names are loaded on first use (PEP 562): ``import harness.results`` (what `reports` does)
runs this file, and must not load the loop, the planning or the strategy registry with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from harness._version import __version__

if TYPE_CHECKING:
    from harness._compare import (
        RECORDED_RUN_TIMEOUT,
        TRAINED_RUN_TIMEOUT,
        Comparison,
        RunOutcome,
        compare,
        default_run_timeout,
        plan_comparison,
    )
    from harness._evaluator import Evaluator, InvalidConfigError
    from harness._events import EventLog, EventLoop
    from harness._loop import Interrupted, build_trace, run_strategy
    from harness._priors import default_sources, load_prior
    from harness._train import (
        TrainPlan,
        TrainTask,
        estimate_seconds,
        export_if_complete,
        plan_training,
        run_training,
    )
    from harness.results import SCHEMA_VERSION, ResultsStore, StoreError, open_results
    from harness.run_types import (
        BUDGET_KINDS,
        MAX_EVALUATIONS,
        Budget,
        RunSpec,
        RunTrace,
        SpaceRecord,
        failed_trace,
        incumbents,
    )
    from harness.seeding import crn_key, recorded_slot, stable_hash, strategy_seed

_HOMES = {
    "harness._compare": (
        "RECORDED_RUN_TIMEOUT",
        "TRAINED_RUN_TIMEOUT",
        "Comparison",
        "RunOutcome",
        "compare",
        "default_run_timeout",
        "plan_comparison",
    ),
    "harness._evaluator": ("Evaluator", "InvalidConfigError"),
    "harness._events": ("EventLog", "EventLoop"),
    "harness._loop": ("Interrupted", "build_trace", "run_strategy"),
    "harness._priors": ("default_sources", "load_prior"),
    "harness._train": (
        "TrainPlan",
        "TrainTask",
        "estimate_seconds",
        "export_if_complete",
        "plan_training",
        "run_training",
    ),
    "harness.results": ("SCHEMA_VERSION", "ResultsStore", "StoreError", "open_results"),
    "harness.run_types": (
        "BUDGET_KINDS",
        "MAX_EVALUATIONS",
        "Budget",
        "RunSpec",
        "RunTrace",
        "SpaceRecord",
        "failed_trace",
        "incumbents",
    ),
    "harness.seeding": ("crn_key", "recorded_slot", "stable_hash", "strategy_seed"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME_OF})


__all__ = [
    "BUDGET_KINDS",
    "MAX_EVALUATIONS",
    "RECORDED_RUN_TIMEOUT",
    "SCHEMA_VERSION",
    "TRAINED_RUN_TIMEOUT",
    "Budget",
    "Comparison",
    "Evaluator",
    "EventLog",
    "EventLoop",
    "Interrupted",
    "InvalidConfigError",
    "ResultsStore",
    "RunOutcome",
    "RunSpec",
    "RunTrace",
    "SpaceRecord",
    "StoreError",
    "TrainPlan",
    "TrainTask",
    "__version__",
    "build_trace",
    "compare",
    "crn_key",
    "default_run_timeout",
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
