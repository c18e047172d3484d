"""Trainer throughput (issue 11): model-epochs per second, stacked seeds against one at a time.

Goal: the stacked trainer >= 4x one model at a time over the mlp2 grid on the project's 2-core
CPU. Here one small, one mid-size and the largest mlp2 config, 10 seeds each, on both data
sets; ``scripts/trainer_throughput.py`` measures the whole grid. Run with

    python -m pytest benchmarks/test_bench_trainer.py --benchmark-enable

``extra_info["model_epochs_per_s"]`` is the figure to quote (the benchmark's time is one
config's 10 seeds over the epochs below, data-set loading excluded). Fashion-MNIST is skipped
where its IDX files are not installed (``apt-get install dataset-fashion-mnist``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from spaces.training import DatasetError, load_dataset, recipe_for, train_config

N_SEEDS = 10
EPOCHS = {"digits": 3, "fashion-mnist": 1}
CONFIGS = [(16, 16), (64, 64), (256, 256)]


@pytest.fixture(scope="module", params=["digits", "fashion-mnist"])
def setting(request: pytest.FixtureRequest) -> Any:
    name = request.param
    try:
        recipe = recipe_for(name)
    except DatasetError as exc:
        pytest.skip(str(exc))
    recipe = dataclasses.replace(recipe, epochs=EPOCHS[name])
    dataset = load_dataset(name)
    train_config(recipe, dataset, (8, 8), [0])  # first-call costs (MKL, allocator) not counted
    return recipe, dataset


@pytest.mark.parametrize("batched", [True, False], ids=["stacked", "one-at-a-time"])
@pytest.mark.parametrize("hidden", CONFIGS, ids=lambda h: "x".join(map(str, h)))
def test_model_epochs_per_second(
    benchmark: Any, setting: Any, hidden: tuple[int, ...], batched: bool
) -> None:
    recipe, dataset = setting
    benchmark.pedantic(
        lambda: train_config(recipe, dataset, hidden, range(N_SEEDS), batched=batched),
        rounds=3 if dataset.name == "digits" else 1,
        iterations=1,
    )
    model_epochs = N_SEEDS * recipe.epochs
    benchmark.extra_info["model_epochs_per_s"] = round(
        model_epochs / benchmark.stats.stats.median, 1
    )
