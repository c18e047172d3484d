"""Harness overhead per simulated event: the event loop with 1 and 8 simulated workers.

Issue 15's goal: the event loop must not dominate, at most 20 us per event beyond the
strategy's own time. One round drives `random` (whose ask is a few microseconds) for 20,000
evaluations on fcnet/protein through `harness.EventLoop`; ``extra_info`` records the
loop's own microseconds per event (the round's wall time minus the strategy's measured ask
and tell time, over the events), next to the sequential loop's (`harness.run_strategy` with
one worker) for scale::

    python -m pytest benchmarks/test_bench_events.py --benchmark-enable -s
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness import Budget, Evaluator, EventLoop, run_strategy
from spaces import load_objective
from strategies import build_strategy

N_EVENTS = 20_000


@pytest.mark.parametrize("workers", [1, 8])
def test_event_loop(benchmark: Any, workers: int) -> None:
    objective = load_objective("fcnet/protein")
    budget = Budget(kind="evaluations", amount=N_EVENTS)
    own: list[float] = []

    def one_round() -> None:
        strategy = build_strategy(
            "random", {}, objective.space, seed=0, maximize=False, budget=N_EVENTS
        )
        evaluator = Evaluator(objective, seed=0, budget=budget)
        loop = EventLoop(strategy, evaluator, workers=workers, fidelity=objective.info.fidelity)
        start = time.perf_counter()
        loop.run()
        wall = time.perf_counter() - start
        assert len(loop.log().order) == N_EVENTS
        own.append((wall - loop.overhead_seconds) / N_EVENTS * 1e6)

    benchmark.pedantic(one_round, rounds=5, warmup_rounds=1)
    benchmark.extra_info["loop_us_per_event_min"] = min(own)
    benchmark.extra_info["loop_us_per_event_median"] = sorted(own)[len(own) // 2]
    print(f"\nW={workers}: loop {min(own):.2f} us per event beyond the strategy (best round)")


def test_sequential_loop_for_scale(benchmark: Any) -> None:
    objective = load_objective("fcnet/protein")
    budget = Budget(kind="evaluations", amount=N_EVENTS)
    own: list[float] = []

    def one_round() -> None:
        strategy = build_strategy(
            "random", {}, objective.space, seed=0, maximize=False, budget=N_EVENTS
        )
        start = time.perf_counter()
        trace = run_strategy(strategy, objective, seed=0, budget=budget)
        wall = time.perf_counter() - start
        own.append((wall - trace.overhead_seconds) / N_EVENTS * 1e6)

    benchmark.pedantic(one_round, rounds=5, warmup_rounds=1)
    benchmark.extra_info["loop_us_per_event_min"] = min(own)
    print(f"\nsequential: {min(own):.2f} us per evaluation beyond the strategy (incl. trace)")
