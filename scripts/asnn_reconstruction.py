"""ASNN's first experiment on the built-in tables: reconstruct configs from their accuracy.

Hong (2025, arXiv 2507.20164) trains the inverse network on every recorded run of a grid and
checks two things, which this script repeats on any space with the library API (`load_objective`
and `strategies.asnn.InverseModel`, the model the `asnn` strategy uses):

1. Reconstruction: asked for a config's own oracle value, how far is the decoded config from
   it? Distance is the mean over dimensions of 0/1 mismatch (categorical) or rank difference
   scaled to [0, 1] (ordinal), so 0 is the same config and 1 the farthest. For scale, the same
   distance between the config and a uniformly random one is reported.
2. Extrapolation: asked for more than the best recorded value, what is the oracle rank (1 =
   the optimum) of the most likely config, and the best rank among the 10 most likely?

Each evaluation of a table is one training sample (value, config), as in the strategy; large
tables are subsampled to ``--max-samples`` runs (stated in the output). Usage::

    python scripts/asnn_reconstruction.py nb201/cifar10 fcnet/protein hpobench-mlp/kc1
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import numpy.typing as npt

from spaces import RecordedTable, Space, load_objective
from strategies.asnn import InverseModel, best_unexcluded


def distance(
    space: Space, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Mean per-dimension distance between rows of ``a`` and ``b``, in [0, 1]."""
    out = np.zeros(len(a))
    for j, d in enumerate(space.dimensions):
        if d.kind == "categorical":
            out += a[:, j] != b[:, j]
        else:
            out += np.abs(a[:, j] - b[:, j]) / max(d.size - 1, 1)
    return out / len(space.dimensions)


def training_runs(
    bench: RecordedTable, max_samples: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """Every finite recorded run as (config row, larger-is-better score), subsampled."""
    rows, slots = np.nonzero(np.isfinite(bench.values))
    total = len(rows)
    if total > max_samples:
        keep = rng.choice(total, size=max_samples, replace=False)
        rows, slots = rows[keep], slots[keep]
    score = bench.values[rows, slots] * (1.0 if bench.maximize else -1.0)
    return rows.astype(np.int64), score, total


def evaluate(
    name: str, *, seed: int, max_samples: int, steps: int, n_probe: int, margins: list[float]
) -> list[str]:
    """One markdown table row per margin for space ``name`` and model seed ``seed``."""
    rng = np.random.default_rng(seed)
    bench = load_objective(name)
    space = bench.space
    rows, score, total = training_runs(bench, max_samples, rng)
    low, high = float(score.min()), float(score.max())
    x = 2.0 * (score - low) / (high - low) - 1.0
    start = time.perf_counter()
    model = InverseModel(space, seed=seed, hidden=32, lr=0.01)
    model.fit(x, space.configs(rows), steps=steps, batch_size=1024)
    train_seconds = time.perf_counter() - start

    # 1. Reconstruction of configs from their own oracle value.
    oracle_score = bench.oracle * (1.0 if bench.maximize else -1.0)
    probe = rng.choice(np.flatnonzero(np.isfinite(oracle_score)), size=n_probe, replace=False)
    truth = space.configs(probe)
    decoded = model.most_likely(2.0 * (oracle_score[probe] - low) / (high - low) - 1.0)
    d_model = distance(space, decoded, truth)
    d_random = distance(space, space.sample_many(rng, n_probe), truth)

    # 2. Asked for more than the best: ranks of the most likely configs.
    out = []
    for margin in margins:
        scores = model.log_scores(1.0 + 2.0 * margin)
        seen: set[tuple[int, ...]] = set()
        ranks = []
        for _ in range(10):
            config = best_unexcluded(scores, seen, max_pops=len(seen) + 1)
            if config is None:
                break
            seen.add(config)
            ranks.append(bench.oracle_rank(float(bench.oracle[space.index(config)])))
        sub = f"{len(rows):,} of {total:,}" if len(rows) < total else f"all {total:,}"
        out.append(
            f"| {name} | {seed} | {sub} | {train_seconds:.0f} | {d_model.mean():.3f} "
            f"| {np.mean(d_model == 0):.3f} | {d_random.mean():.3f} | {margin:g} "
            f"| {ranks[0]:,} | {min(ranks):,} | {space.n_configs:,} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the reconstruction table as markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "spaces", nargs="*", default=["nb201/cifar10", "fcnet/protein", "hpobench-mlp/kc1"]
    )
    parser.add_argument("--seeds", type=int, default=3, help="model seeds per space")
    parser.add_argument("--max-samples", type=int, default=50_000, help="subsample runs to this")
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps (minibatch 1024)")
    parser.add_argument("--probe", type=int, default=2000, help="configs to reconstruct")
    parser.add_argument("--margins", type=float, nargs="+", default=[0.0, 0.05, 0.5])
    args = parser.parse_args(argv)
    print(
        "| space | seed | runs used | train s | distance (model) | exact | distance (random) "
        "| margin | rank of top-1 | best rank in top-10 | configs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.spaces:
        for seed in range(args.seeds):
            for line in evaluate(
                name,
                seed=seed,
                max_samples=args.max_samples,
                steps=args.steps,
                n_probe=args.probe,
                margins=args.margins,
            ):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
