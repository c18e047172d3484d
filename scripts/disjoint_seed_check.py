"""Compare strategy variants against a baseline on seeds disjoint from a paper's evidence seeds.

Tuning a strategy on the seeds that later make its evidence table would overfit the table.
This runs each variant and the baseline on ``--seeds`` seeds starting at ``--first-seed``
(the evidence uses 0..19; tune on 100 and up), through the same seeding as
``python -m harness compare``, and prints, per space, each variant's mean final regret and
whether it is significantly lower than the baseline's (paired Wilcoxon signed-rank by seed,
``zero_method="zsplit"``, Holm over the spaces), then the number of such wins.

Usage::

    python scripts/disjoint_seed_check.py asnn-plus:scoring=contrast asnn-plus
        --baseline asnn --first-seed 100 --seeds 20 [--space nb201/cifar10 ...]

(one line).
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy.stats import wilcoxon
from statsmodels.stats.multitest import multipletests

from harness import Budget, run_strategy, strategy_seed
from spaces import available_spaces, load_objective
from strategies import build_strategy, parse_strategy_spec


def final_regret(job: tuple[str, str, int, int]) -> float:
    """One run's final regret: ``(strategy spec, space, seed, budget)``."""
    spec, space, seed, budget = job
    bench = load_objective(space)
    name, options = parse_strategy_spec(spec)
    strategy = build_strategy(
        name,
        options,
        bench.space,
        seed=strategy_seed(seed, name),
        maximize=bench.maximize,
        budget=budget,
    )
    trace = run_strategy(
        strategy, bench, seed=seed, budget=Budget(kind="evaluations", amount=budget)
    )
    if trace.status != "finished" or trace.final_regret is None:
        raise RuntimeError(f"{spec} on {space} seed {seed} failed: {trace.error}")
    return float(trace.final_regret)


def main() -> None:
    """Run the grid and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+", help="strategy specs, as for --strategy")
    parser.add_argument("--baseline", default="asnn")
    parser.add_argument("--space", action="append", help="default: every built-in space")
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    spaces = args.space or available_spaces()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    specs = [args.baseline, *args.variants]
    jobs = [(s, space, seed, args.budget) for s in specs for space in spaces for seed in seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        regrets = list(pool.map(final_regret, jobs, chunksize=4))
    table = np.asarray(regrets).reshape(len(specs), len(spaces), len(seeds))
    base = table[0]
    for spec, runs in zip(args.variants, table[1:], strict=True):
        p = [
            1.0 if np.array_equal(a, b) else wilcoxon(a, b, zero_method="zsplit").pvalue
            for a, b in zip(runs, base, strict=True)
        ]
        holm = multipletests(p, method="holm")[1]
        wins = 0
        print(f"{spec} vs {args.baseline}, seeds {seeds.start}..{seeds.stop - 1}:")
        for space, a, b, q in zip(spaces, runs, base, holm, strict=True):
            win = q < 0.05 and a.mean() < b.mean()
            wins += win
            verdict = "lower" if win else ("HIGHER" if q < 0.05 else "-")
            print(f"  {space:32s} {a.mean():10.4g} vs {b.mean():10.4g}  Holm p {q:.3g}  {verdict}")
        print(f"  significantly lower on {wins} of {len(spaces)} spaces")


if __name__ == "__main__":
    main()
