"""Supernet training time per epoch on CPU, against one stand-alone cell's epoch.

Issue 21 asks for the supernet's training time per epoch on CPU (and on a GPU where one is
available; ``HARNESS_DEVICE=cuda`` runs the same benchmark there). One round is one epoch of
each weight-sharing search on cell/digits' recipe (1,078 training images, batch 64, C = 8,
one cell per stage), timed inside the search; a stand-alone epoch of the all-3x3-convolution
cell (the costliest cell) is measured the same way for scale. ``extra_info`` records seconds
per epoch and the ratio to the stand-alone epoch::

    python -m pytest benchmarks/test_bench_supernet.py --benchmark-enable -s
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import pytest
import torch

from spaces import nb201_cell_space
from spaces.training import cell_recipe_for, load_dataset, supernet_task, train_cell
from strategies import build_strategy

DEVICE = os.environ.get("HARNESS_DEVICE", "cpu")
SEARCHES: dict[str, tuple[str, dict[str, Any]]] = {
    "darts-1st": ("darts", {}),
    "darts-2nd": ("darts", {"order": 2}),
    "gdas": ("gdas", {}),
    "rsws": ("rsws", {}),
}


def _standalone_epoch() -> float:
    recipe = dataclasses.replace(cell_recipe_for("digits", device=DEVICE), epochs=1)
    (run,) = train_cell(recipe, load_dataset("digits"), (3, 3, 3, 3, 3, 3), [0])
    return run.epoch_seconds[0]


@pytest.mark.parametrize("name", list(SEARCHES))
def test_supernet_epoch(benchmark: Any, name: str) -> None:
    recipe = cell_recipe_for("digits", device=DEVICE)
    data = load_dataset("digits")
    strategy_name, options = SEARCHES[name]
    # One epoch and a single candidate: the scoring of candidates is not an epoch.
    strategy = build_strategy(
        strategy_name,
        {**options, "epochs": 1, "candidates": 1},
        nb201_cell_space(),
        seed=0,
        maximize=True,
        budget=None,
    )
    seconds: list[float] = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the trainer does on CPU

    def one_epoch() -> None:
        task = supernet_task(recipe, data, seed=0)
        start = time.perf_counter()
        strategy.search_supernet(task)
        seconds.append(time.perf_counter() - start - task.diagnostic_seconds)

    try:
        benchmark.pedantic(one_epoch, rounds=3, warmup_rounds=1)
        standalone = min(_standalone_epoch() for _ in range(3))
    finally:
        torch.set_num_threads(threads)
    best = min(seconds)
    benchmark.extra_info["seconds_per_epoch"] = best
    benchmark.extra_info["standalone_epoch_seconds"] = standalone
    benchmark.extra_info["ratio_to_standalone"] = best / standalone
    print(f"\n{name}: {best:.3f} s per epoch, {best / standalone:.1f}x a stand-alone epoch "
          f"({standalone:.3f} s) on {DEVICE}")  # fmt: skip
