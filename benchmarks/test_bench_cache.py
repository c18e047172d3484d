"""The training cache's hit path (issue: training cache). Run with

    python -m pytest benchmarks/test_bench_cache.py --benchmark-enable

A warm trainable space (every model of the mlp2 grid trained once, with a 2-epoch recipe so
that filling it takes seconds) against the very same numbers as a recorded table: the ratio
of the two, in one run, is the figure (goal: a cache hit <= 5 us, a warm trainable run <= 2x
a tabular one).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness import Budget, Evaluator, run_strategy
from spaces.training import (
    TrainedObjective,
    TrainingCache,
    export_grid,
    family_space,
    load_dataset,
    read_table,
    recipe_for,
    trained_provenance,
)
from strategies import build_strategy

N = 1_000


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    root = tmp_path_factory.mktemp("cache")
    recipe = dataclasses.replace(recipe_for("digits"), epochs=2, n_seeds=3)
    cache = TrainingCache(root / "c.sqlite", recipe)
    trained = TrainedObjective(
        name="mlp2/digits",
        space=family_space("mlp2"),
        recipe=recipe,
        cache=cache,
        dataset=lambda: load_dataset("digits"),
        provenance=trained_provenance(recipe),
    )
    for index in range(trained.space.n_configs):
        for slot in range(recipe.n_seeds):
            trained.evaluate(index, slot)
    path = export_grid("mlp2", recipe, cache, root / "t.npz", licence="test")
    return trained, read_table(path, name="mlp2/digits", family="mlp2")


def _configs(space: Any) -> list[tuple[int, ...]]:
    return [tuple(r) for r in space.sample_many(np.random.default_rng(0), N).tolist()]


@pytest.mark.parametrize("kind", ["cache", "table"])
def test_cache_hit_under_5us(benchmark: Any, warm: tuple[Any, Any], kind: str) -> None:
    objective = warm[0] if kind == "cache" else warm[1]
    configs = _configs(objective.space)

    def batch() -> None:
        evaluator = Evaluator(objective, seed=0, budget=Budget(kind="evaluations", amount=N))
        for config in configs:
            evaluator.evaluate(config)

    benchmark(batch)
    benchmark.extra_info["us_per_evaluation"] = benchmark.stats.stats.median / N * 1e6


@pytest.mark.parametrize("kind", ["cache", "table"])
def test_warm_trainable_run_under_2x_tabular(
    benchmark: Any, warm: tuple[Any, Any], kind: str
) -> None:
    objective = warm[0] if kind == "cache" else warm[1]

    def run() -> None:
        strategy = build_strategy("random", {}, objective.space, seed=0, maximize=True, budget=N)
        run_strategy(strategy, objective, seed=0, budget=Budget(kind="evaluations", amount=N))

    benchmark(run)
    benchmark.extra_info["ms_per_run"] = benchmark.stats.stats.median * 1e3


def test_the_table_holds_the_cache_numbers(warm: tuple[Any, Any], tmp_path: Path) -> None:
    trained, table = warm
    for index in (0, 7, 24):
        for slot in range(3):
            assert trained.evaluate(index, slot) == table.evaluate(index, slot)
