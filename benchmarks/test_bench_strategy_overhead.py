"""Strategy overhead per evaluation (wall time inside ask and tell) over a 100-evaluation run.

Goals: ``asnn`` <= 20 ms (issue 3); ``predictor`` <= 50 ms and ``reinforce`` <= 1 ms, ``gp``
measured (issue 5). Every registered strategy is measured, on one space of each family::

    python -m pytest benchmarks/test_bench_strategy_overhead.py --benchmark-enable -s

Each round is one full run through the harness loop; the benchmark's time is the run's wall
time, and ``extra_info["overhead_ms_per_evaluation"]`` the loop's own measurement of the time
inside ``ask`` and ``tell`` (what the goals are about), averaged over the rounds. One warm-up
run first, so that importing torch or Optuna (once per process) is not counted.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import Budget, run_strategy
from harness.capabilities import Refused, Setting, decide
from spaces import load_objective
from strategies import available_strategies, build_strategy

N_EVALUATIONS = 100
SLOW_ROUNDS = {"gp": 1, "asnn": 3, "asnn-plus": 3, "predictor": 3, "tpe": 3}


@pytest.mark.parametrize("strategy", available_strategies())
@pytest.mark.parametrize("space", ["nb201/cifar10", "fcnet/protein", "hpobench-mlp/kc1"])
def test_overhead_per_evaluation(benchmark: Any, strategy: str, space: str) -> None:
    bench = load_objective(space)
    budget = Budget(kind="evaluations", amount=N_EVALUATIONS)
    try:  # the capability model says whether the pair runs (weight sharing needs a cell space)
        decide(strategy, Setting(objective=bench, budget=budget))
    except Refused as refused:
        pytest.skip(str(refused))
    overheads: list[float] = []
    seeds = iter(range(1000))

    def one_run() -> None:
        seed = next(seeds)
        instance = build_strategy(
            strategy, {}, bench.space, seed=seed, maximize=bench.maximize, budget=N_EVALUATIONS
        )
        trace = run_strategy(instance, bench, seed=seed, budget=budget)
        assert trace.status == "finished", trace.traceback
        overheads.append(trace.overhead_seconds / N_EVALUATIONS)

    one_run()
    overheads.clear()
    benchmark.pedantic(one_run, rounds=SLOW_ROUNDS.get(strategy, 5), iterations=1)
    mean_ms = 1000 * sum(overheads) / len(overheads)
    benchmark.extra_info["overhead_ms_per_evaluation"] = round(mean_ms, 3)
    print(f"\n{strategy} on {space}: {mean_ms:.3g} ms strategy overhead per evaluation")
