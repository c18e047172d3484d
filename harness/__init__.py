"""The benchmark harness: equal-budget, paired runs of suggestion strategies on tabular spaces.

Public surface: `Budget`, `run_strategy` and `RunTrace` (the one loop), `RunSpec` and
`ResultsStore` (the results store), `Comparison` / `compare` (the grid of runs), and the CLI's
`main`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from harness._compare import Comparison, RunOutcome, compare, plan_comparison
from harness._lookup import InvalidConfigError, Lookup
from harness._loop import Budget, RunTrace, failed_trace, run_strategy
from harness._seeding import crn_key, recorded_slot, stable_hash, strategy_seed
from harness._store import ResultsStore, RunSpec, StoreError

__all__ = [
    "Budget",
    "Comparison",
    "InvalidConfigError",
    "Lookup",
    "ResultsStore",
    "RunOutcome",
    "RunSpec",
    "RunTrace",
    "StoreError",
    "__version__",
    "compare",
    "crn_key",
    "failed_trace",
    "plan_comparison",
    "recorded_slot",
    "run_strategy",
    "stable_hash",
    "strategy_seed",
]
