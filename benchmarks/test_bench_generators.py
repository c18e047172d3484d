"""What the architecture generators cost on CPU: learning from the sources, then generating.

Issue 19 asks for the generation time of `nal` and `pg-nag` on CPU. On each target, with its
default sources (the family's other data sets, as `compare` hands them), one round is a fresh
strategy's ``learn_prior`` followed by 100 asks (each answered with the target's oracle
value): the benchmark's time is the round, and ``extra_info`` splits it into the seconds of
``learn_prior`` and the milliseconds per ask + tell after it (which include generating the
batches the asks draw from). `autobuild` is measured alongside for scale::

    python -m pytest benchmarks/test_bench_generators.py --benchmark-enable -s

One warm-up round first, so that importing torch (once per process) is not counted.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from harness import default_sources, load_prior
from spaces import load_objective
from strategies import Observation, build_strategy

N_ASKS = 100


@pytest.mark.parametrize("strategy", ["nal", "pg-nag", "autobuild"])
@pytest.mark.parametrize("space", ["nb201/cifar10", "hpobench-mlp/kc1"])
def test_learn_then_generate(benchmark: Any, strategy: str, space: str) -> None:
    target = load_objective(space)
    metric = target.info.search_metric
    priors = [load_prior(name, metric) for name in default_sources(target)]
    oracle = np.asarray(target.oracle, dtype=np.float64)
    learn: list[float] = []
    per_ask: list[float] = []
    seeds = iter(range(1000))

    def one_round() -> None:
        instance = build_strategy(
            strategy, {}, target.space, seed=next(seeds), maximize=target.maximize, budget=None
        )
        start = time.perf_counter()
        instance.learn_prior(priors)
        middle = time.perf_counter()
        for _ in range(N_ASKS):
            config = instance.ask()
            value = float(oracle[target.space.index(config)])
            instance.tell(config, Observation(value, 1.0))
        end = time.perf_counter()
        learn.append(middle - start)
        per_ask.append((end - middle) / N_ASKS)

    one_round()
    learn.clear()
    per_ask.clear()
    benchmark.pedantic(one_round, rounds=3, iterations=1)
    benchmark.extra_info["learn_seconds"] = round(float(np.median(learn)), 3)
    benchmark.extra_info["ms_per_ask"] = round(1000 * float(np.median(per_ask)), 3)
    print(
        f"\n{strategy} on {space} ({len(priors)} sources): learn_prior "
        f"{np.median(learn):.2f} s, {1000 * np.median(per_ask):.2f} ms per ask + tell"
    )
