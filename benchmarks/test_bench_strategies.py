"""Strategy overhead of `predictor`, `reinforce` and `gp` per evaluation over a 100-evaluation run.

Issue 5's goals (mean over a run of 100 evaluations, one torch thread): ``predictor`` at most
50 ms per evaluation, ``reinforce`` at most 1 ms, ``gp`` measured and reported. Run with::

    python -m pytest benchmarks/test_bench_strategies.py --benchmark-enable

Each round is one full run through the harness loop; the benchmark's time is the run's wall
time, and ``extra_info["overhead_ms_per_evaluation"]`` the loop's own measurement of the time
spent inside ``ask`` and ``tell`` (what the goals are about), averaged over the rounds. The
first run of each case is a warm-up: importing torch or Optuna is paid once per process, not
per run.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import Budget, run_strategy
from spaces import load_space
from strategies import build_strategy

N_EVALUATIONS = 100
ROUNDS = {"predictor": 3, "reinforce": 5, "gp": 1}


@pytest.mark.parametrize("strategy", ["predictor", "reinforce", "gp"])
@pytest.mark.parametrize("space", ["nb201/cifar10", "fcnet/protein", "hpobench-mlp/kc1"])
def test_overhead_per_evaluation(benchmark: Any, strategy: str, space: str) -> None:
    bench = load_space(space)
    overheads: list[float] = []
    seeds = iter(range(1000))

    def one_run() -> None:
        seed = next(seeds)
        instance = build_strategy(
            strategy, {}, bench.space, seed=seed, maximize=bench.maximize, budget=N_EVALUATIONS
        )
        trace = run_strategy(
            instance, bench, seed=seed, budget=Budget(kind="evaluations", amount=N_EVALUATIONS)
        )
        assert trace.status == "finished", trace.traceback
        overheads.append(trace.overhead_seconds / N_EVALUATIONS)

    one_run()  # warm-up
    overheads.clear()
    benchmark.pedantic(one_run, rounds=ROUNDS[strategy], iterations=1)
    mean_ms = 1000 * sum(overheads) / len(overheads)
    benchmark.extra_info["overhead_ms_per_evaluation"] = round(mean_ms, 3)
    print(f"\n{strategy} on {space}: {mean_ms:.2f} ms strategy overhead per evaluation")
