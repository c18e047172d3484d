r"""Measure the trainer: throughput, training times, a grid-time estimate and accuracies.

Four parts, each printing a small table (run on an otherwise idle machine; every figure is
wall time on one thread, which is how the trainer trains on a CPU)::

    python scripts/trainer_throughput.py throughput   # mlp2 grid: stacked vs one at a time
    python scripts/trainer_throughput.py seconds      # one config x 10 seeds, digits recipe
    python scripts/trainer_throughput.py estimate     # mlp3 grid on fashion-mnist, extrapolated
    python scripts/trainer_throughput.py accuracy     # best configs at the recipes' epochs
    python scripts/trainer_throughput.py agreement    # stacked vs one at a time: differences

- ``throughput``: every mlp2 config, 10 seeds, trained stacked and then one model at a time,
  config by config in the same run (``--epochs``: 2 on digits and 1 on fashion-mnist by
  default); model-epochs per second of each path and the ratio.
- ``seconds``: the digits recipe in full (all its epochs) for a mid-size and the largest
  configs of both grids, 10 seeds stacked: what one row block of the shipped table costs.
- ``estimate``: a few mlp3 configs on fashion-mnist for one epoch, 10 seeds stacked; a
  least-squares line of seconds per model-epoch against multiply-adds per row, summed over
  all 64 configs x 10 seeds x the recipe's epochs. It is an extrapolation, and says so.
- ``accuracy``: seed-mean test (and validation) accuracy at the recipe's last epoch; digits:
  both whole grids, 10 seeds; fashion-mnist: the larger configs, 3 seeds (``--fashion-seeds``).
  The best config is chosen by validation accuracy, as a search would.
- ``agreement``: the same models trained stacked and one at a time (same initial weights and
  data order, so only float rounding differs) at the recipes' epochs: the largest
  differences of training loss and of accuracy; digits: the mlp2 grid, 10 seeds;
  fashion-mnist: ``AGREEMENT_FASHION``, 2 seeds.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

from spaces.training import (
    MLP2_SIZES,
    MLP3_SIZES,
    Dataset,
    Recipe,
    TrainingRun,
    load_dataset,
    recipe_for,
    train_config,
)

N_SEEDS = 10
MLP2 = list(itertools.product(MLP2_SIZES, repeat=2))
MLP3 = list(itertools.product(MLP3_SIZES, repeat=3))
ESTIMATE_SAMPLE = [(32, 32, 32), (64, 64, 64), (128, 128, 128), (256, 256, 256), (256, 32, 256)]
AGREEMENT_FASHION = [(64, 64), (256, 256)]
FASHION_ACCURACY = [(256, 256), (256, 128), (128, 256), (256, 256, 256), (256, 128, 128)]


def setting(name: str, epochs: int | None = None) -> tuple[Recipe, Dataset]:
    """The recipe (optionally fewer epochs) and data; one small training first (warm-up)."""
    recipe = recipe_for(name)
    if epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=epochs)
    dataset = load_dataset(name)
    train_config(recipe, dataset, (8, 8), [0])
    train_config(recipe, dataset, (8, 8), [0], batched=False)
    return recipe, dataset


def timed(
    recipe: Recipe, dataset: Dataset, hidden: tuple[int, ...], seeds: Sequence[int], batched: bool
) -> tuple[float, list[TrainingRun]]:
    """Wall seconds of one `train_config` call, and its runs."""
    start = time.perf_counter()
    runs = train_config(recipe, dataset, hidden, seeds, batched=batched)
    return time.perf_counter() - start, runs


def multiply_adds(n_features: int, hidden: tuple[int, ...], n_classes: int) -> int:
    """Multiply-adds of one forward pass of one row: what a model-epoch's time grows with."""
    sizes = (n_features, *hidden, n_classes)
    return sum(a * b for a, b in itertools.pairwise(sizes))


def _train_group(name: str, epochs: int, configs: list[tuple[int, ...]], batched: bool) -> float:
    """Worker: train ``configs`` (10 seeds each) in this process; its busy seconds."""
    recipe, dataset = _worker_setting(name, epochs)
    start = time.perf_counter()
    for hidden in configs:
        train_config(recipe, dataset, hidden, range(N_SEEDS), batched=batched)
    return time.perf_counter() - start


@functools.cache
def _worker_setting(name: str, epochs: int) -> tuple[Recipe, Dataset]:
    return setting(name, epochs)


def _groups(
    configs: list[tuple[int, ...]], n_features: int, n_classes: int, n: int
) -> list[list[tuple[int, ...]]]:
    """``configs`` split into ``n`` groups of about equal arithmetic (largest first, greedy).

    As ``harness train --workers n`` keeps ``n`` processes busy.
    """
    groups: list[list[tuple[int, ...]]] = [[] for _ in range(n)]
    load = [0] * n
    for hidden in sorted(configs, key=lambda h: -multiply_adds(n_features, h, n_classes)):
        i = load.index(min(load))
        groups[i].append(hidden)
        load[i] += multiply_adds(n_features, hidden, n_classes)
    return groups


def _parallel_seconds(
    pool: ProcessPoolExecutor,
    name: str,
    epochs: int,
    groups: list[list[tuple[int, ...]]],
    batched: bool,
) -> float:
    """Wall seconds to train every group, one process each, all at once."""
    start = time.perf_counter()
    n = len(groups)
    list(pool.map(_train_group, [name] * n, [epochs] * n, groups, [batched] * n))
    return time.perf_counter() - start


def throughput(args: argparse.Namespace) -> None:
    """Part ``throughput``: the mlp2 grid stacked and one at a time, then with every core.

    The first table is like for like in one process on one thread: what stacking alone buys.
    The second uses ``--processes`` processes (default: every core), the configs split
    between them as ``harness train --workers N`` does, each process on one thread: the
    stacked trainer as the harness runs it, against one model at a time in one process at
    torch's default thread count (a plain training loop) and one model at a time in the same
    processes (like for like again).
    """
    print(
        "| data set | epochs | configs x seeds | stacked s | one at a time s | "
        "stacked model-epochs/s | one at a time model-epochs/s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    results = {}
    for name in args.datasets:
        epochs = args.epochs or {"digits": 2, "fashion-mnist": 1}[name]
        recipe, dataset = setting(name, epochs)
        configs = MLP2[:: args.every]
        stacked = single = 0.0
        for hidden in configs:
            seconds_stacked, _ = timed(recipe, dataset, hidden, range(N_SEEDS), True)
            seconds_single, _ = timed(recipe, dataset, hidden, range(N_SEEDS), False)
            stacked += seconds_stacked
            single += seconds_single
            if args.verbose:
                print(
                    f"  {name} {hidden}: stacked {seconds_stacked:.2f} s, one at a time "
                    f"{seconds_single:.2f} s, x{seconds_single / seconds_stacked:.1f}",
                    file=sys.stderr,
                )
        model_epochs = len(configs) * N_SEEDS * epochs
        results[name] = (recipe, dataset, configs, epochs, model_epochs)
        print(
            f"| {name} | {epochs} | {len(configs)} x {N_SEEDS} | {stacked:.1f} | {single:.1f} | "
            f"{model_epochs / stacked:.3g} | {model_epochs / single:.3g} | "
            f"{single / stacked:.2f} |"
        )
    n = args.processes or os.cpu_count() or 1
    print()
    print(
        f"| data set | stacked, {n} processes s | one at a time, 1 process, "
        f"{torch.get_num_threads()} threads s | one at a time, {n} processes s | "
        f"stacked {n} proc. model-epochs/s | ratio vs 1 process | ratio vs {n} processes |"
    )
    print("|---|---|---|---|---|---|---|")
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=spawn) as pool:
        for name, (recipe, dataset, configs, epochs, model_epochs) in results.items():
            groups = _groups(configs, dataset.n_features, dataset.n_classes, n)
            # Warm every process up (imports, data set, first kernels) before any clock runs.
            _parallel_seconds(pool, name, epochs, [[(8, 8)]] * n, True)
            _parallel_seconds(pool, name, epochs, [[(8, 8)]] * n, False)
            parallel_stacked = _parallel_seconds(pool, name, epochs, groups, True)
            plain = _plain_loop_seconds(recipe, dataset, configs)
            parallel_single = _parallel_seconds(pool, name, epochs, groups, False)
            print(
                f"| {name} | {parallel_stacked:.1f} | {plain:.1f} | {parallel_single:.1f} | "
                f"{model_epochs / parallel_stacked:.3g} | {plain / parallel_stacked:.2f} | "
                f"{parallel_single / parallel_stacked:.2f} |"
            )


def _plain_loop_seconds(recipe: Recipe, dataset: Dataset, configs: list[tuple[int, ...]]) -> float:
    """Seconds of a textbook loop over ``configs`` x 10 seeds, one model at a time.

    ``nn.Linear`` + ``torch.optim.Adam``, torch at its default thread count, the recipe's
    epochs, batch size and learning rate, validation and test accuracy after every epoch (as
    the trainer records them).

    Written out here rather than calling the trainer's reference path, which (like the whole
    trainer, for determinism) runs on one thread: this is what a plain loop gets from the
    machine. Seeds through explicit generators, never the global RNG.
    """
    start = time.perf_counter()
    for hidden in configs:
        sizes = (dataset.n_features, *hidden, dataset.n_classes)
        for seed in range(N_SEEDS):
            generator = torch.Generator().manual_seed(seed)
            layers: list[torch.nn.Module] = []
            for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
                linear = torch.nn.Linear(n_in, n_out)
                bound = 1.0 / n_in**0.5
                with torch.no_grad():
                    linear.weight.uniform_(-bound, bound, generator=generator)
                    linear.bias.uniform_(-bound, bound, generator=generator)
                layers += [linear] if i == len(sizes) - 2 else [linear, torch.nn.ReLU()]
            model = torch.nn.Sequential(*layers)
            optimiser = torch.optim.Adam(model.parameters(), lr=recipe.learning_rate)
            n_rows = len(dataset.x_train)
            for _ in range(recipe.epochs):
                order = torch.randperm(n_rows, generator=generator)
                for first in range(0, n_rows, recipe.batch_size):
                    rows = order[first : first + recipe.batch_size]
                    loss = torch.nn.functional.cross_entropy(
                        model(dataset.x_train[rows]), dataset.y_train[rows]
                    )
                    optimiser.zero_grad()
                    loss.backward()  # type: ignore[no-untyped-call]
                    optimiser.step()
                with torch.no_grad():
                    for x, y in ((dataset.x_val, dataset.y_val), (dataset.x_test, dataset.y_test)):
                        (model(x).argmax(dim=1) == y).float().mean()
    return time.perf_counter() - start


def seconds(args: argparse.Namespace) -> None:
    """Part ``seconds``: one config x 10 seeds with the digits recipe."""
    recipe, dataset = setting("digits")
    print(f"digits recipe: {recipe.describe()}")
    print("| config | seconds for 10 seeds | seconds per model |")
    print("|---|---|---|")
    for hidden in [(64, 64), (256, 256), (64, 64, 64), (256, 256, 256)]:
        wall, _ = timed(recipe, dataset, hidden, range(N_SEEDS), True)
        print(f"| {'-'.join(map(str, hidden))} | {wall:.1f} | {wall / N_SEEDS:.2f} |")


def estimate(args: argparse.Namespace) -> None:
    """Part ``estimate``: the mlp3 grid on fashion-mnist, extrapolated from a sample."""
    full = recipe_for("fashion-mnist")
    recipe, dataset = setting("fashion-mnist", 1)
    macs, per_model_epoch = [], []
    print("| config (fashion-mnist, 1 epoch, 10 seeds stacked) | wall s | s per model-epoch |")
    print("|---|---|---|")
    for hidden in ESTIMATE_SAMPLE:
        wall, _ = timed(recipe, dataset, hidden, range(N_SEEDS), True)
        macs.append(multiply_adds(dataset.n_features, hidden, dataset.n_classes))
        per_model_epoch.append(wall / N_SEEDS)
        print(f"| {'-'.join(map(str, hidden))} | {wall:.1f} | {wall / N_SEEDS:.3f} |")
    slope, intercept = np.polyfit(macs, per_model_epoch, 1)
    grid = sum(
        intercept + slope * multiply_adds(dataset.n_features, h, dataset.n_classes) for h in MLP3
    )
    total = grid * N_SEEDS * full.epochs
    print(
        f"estimate (extrapolated from {len(ESTIMATE_SAMPLE)} configs by a line in multiply-adds "
        f"per row): mlp3 x fashion-mnist, {len(MLP3)} configs x {N_SEEDS} seeds x {full.epochs} "
        f"epochs = {total:.0f} s ({total / 3600:.2f} h) on one core; about half on two "
        "workers"
    )


def accuracy(args: argparse.Namespace) -> None:
    """Part ``accuracy``: the best configs at the recipes' epochs."""
    print(
        "| data set | grid | configs x seeds | best by validation | val % | test % | "
        "best test % (any config) | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    if "digits" in args.datasets:
        recipe, dataset = setting("digits")
        for grid_name, grid in (("mlp2", MLP2), ("mlp3", MLP3)):
            report(recipe, dataset, grid_name, grid, N_SEEDS)
    if "fashion-mnist" in args.datasets:
        recipe, dataset = setting("fashion-mnist")
        report(recipe, dataset, "larger configs", FASHION_ACCURACY, args.fashion_seeds)


def report(
    recipe: Recipe, dataset: Dataset, grid_name: str, grid: list[tuple[int, ...]], n_seeds: int
) -> None:
    """One row of the accuracy table: train ``grid``, pick the best by validation."""
    start = time.perf_counter()
    means = {}
    for hidden in grid:
        runs = train_config(recipe, dataset, hidden, range(n_seeds))
        means[hidden] = (
            statistics.mean(r.val_acc[-1] for r in runs),
            statistics.mean(r.test_acc[-1] for r in runs),
        )
    wall = time.perf_counter() - start
    best = max(grid, key=lambda h: means[h][0])
    best_test = max(means[h][1] for h in grid)
    print(
        f"| {dataset.name} | {grid_name} | {len(grid)} x {n_seeds} | "
        f"{'-'.join(map(str, best))} | {means[best][0]:.2f} | {means[best][1]:.2f} | "
        f"{best_test:.2f} | {wall:.0f} |"
    )


def agreement(args: argparse.Namespace) -> None:
    """Part ``agreement``: how far the stacked trainer is from the reference."""
    print(
        "| data set | configs x seeds | epochs | max abs diff train loss | max rel diff train "
        "loss | max diff accuracy, any epoch (points) | max diff accuracy, last epoch | "
        "mean abs diff accuracy, last epoch |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        recipe, dataset = setting(name)
        grid, n_seeds = (MLP2, N_SEEDS) if name == "digits" else (AGREEMENT_FASHION, 2)
        loss_abs = loss_rel = acc_any = acc_last = 0.0
        last_diffs = []
        for hidden in grid:
            stacked = train_config(recipe, dataset, hidden, range(n_seeds))
            single = train_config(recipe, dataset, hidden, range(n_seeds), batched=False)
            for a, b in zip(stacked, single, strict=True):
                for x, y in zip(a.train_loss, b.train_loss, strict=True):
                    loss_abs = max(loss_abs, abs(x - y))
                    loss_rel = max(loss_rel, abs(x - y) / abs(y))
                accs_a, accs_b = a.val_acc + a.test_acc, b.val_acc + b.test_acc
                acc_any = max(acc_any, *(abs(x - y) for x, y in zip(accs_a, accs_b, strict=True)))
                last = [abs(a.val_acc[-1] - b.val_acc[-1]), abs(a.test_acc[-1] - b.test_acc[-1])]
                acc_last = max(acc_last, *last)
                last_diffs += last
        print(
            f"| {name} | {len(grid)} x {n_seeds} | {recipe.epochs} | {loss_abs:.2e} | "
            f"{loss_rel:.2e} | {acc_any:.2f} | {acc_last:.2f} | "
            f"{statistics.mean(last_diffs):.3f} |"
        )


def main(argv: list[str] | None = None) -> int:
    """Run one part; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "part", choices=["throughput", "seconds", "estimate", "accuracy", "agreement"]
    )
    parser.add_argument("--datasets", nargs="+", default=["digits", "fashion-mnist"])
    parser.add_argument("--epochs", type=int, help="throughput: epochs per model")
    parser.add_argument("--every", type=int, default=1, help="throughput: every n-th config")
    parser.add_argument("--fashion-seeds", type=int, default=3)
    parser.add_argument(
        "--processes", type=int, help="throughput: processes of the second table (every core)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="per-config lines")
    args = parser.parse_args(argv)
    parts = {
        "throughput": throughput,
        "seconds": seconds,
        "estimate": estimate,
        "accuracy": accuracy,
        "agreement": agreement,
    }
    parts[args.part](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
