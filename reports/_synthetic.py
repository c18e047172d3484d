"""Synthetic results stores for report tests and benchmarks.

Writes a store with the harness's own schema (through `ResultsStore`) but fills it with
SQL inserts of made-up runs, so a 5 x 15 x 20 x 100 comparison is written in about a second
without loading any table. Strategy ``s0`` is the worst and each later one is better; some
runs reach the optimum (regret exactly 0) so that ties and zero differences occur.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness import __version__
from harness._store import ResultsStore


def write_synthetic_store(
    directory: str | Path,
    *,
    n_strategies: int = 3,
    n_spaces: int = 2,
    n_seeds: int = 8,
    n_evaluations: int = 30,
    seed: int = 0,
    failed: Sequence[tuple[int, int, int]] = (),
    strategy_names: Sequence[str] | None = None,
) -> Path:
    """Write a synthetic comparison store into ``directory``; returns the directory.

    Args:
        directory: Where to create ``results.sqlite``.
        n_strategies: Strategies ``s0``, ``s1``, ... (``s{i+1}`` better than ``s{i}``).
        n_spaces: Spaces ``toy/0``, ``toy/1``, ...
        n_seeds: Seeds 0..n-1 per strategy and space.
        n_evaluations: Evaluations per run (an evaluations budget).
        seed: Seed of the made-up values.
        failed: ``(strategy, space, seed)`` indices of runs stored as failed.
        strategy_names: Names instead of ``s0``, ``s1``, ... (repeats allowed: those get
            distinct options).
    """
    root = Path(directory)
    ResultsStore(root).close()
    rng = np.random.default_rng(seed)
    names = list(strategy_names or [f"s{i}" for i in range(n_strategies)])
    failed_set = set(failed)
    runs: list[tuple[Any, ...]] = []
    evals: list[tuple[Any, ...]] = []
    spaces: list[tuple[Any, ...]] = []
    for sp in range(n_spaces):
        space = f"toy/{sp}"
        checksum = hashlib.sha256(space.encode()).hexdigest()
        spaces.append(
            (
                space,
                checksum,
                "accuracy",
                "maximize",
                1.0,
                1000,
                json.dumps([{"name": "x", "kind": "ordinal", "choices": [0, 1]}]),
                json.dumps({"source": "synthetic"}),
            )
        )
        for st, name in enumerate(names):
            options = json.dumps({"variant": st} if names.count(name) > 1 else {})
            for sd in range(n_seeds):
                key = hashlib.sha256(f"{space}|{st}|{sd}".encode()).hexdigest()[:32]
                # The fields a run row repeats whatever its outcome; the rest follow in order.
                head = (key, name, options, space, sd, "evaluations", float(n_evaluations))
                tail = (__version__, "2024-01-01T00:00:00")
                if (st, sp, sd) in failed_set:
                    failure = ("failed", "RuntimeError: synthetic failure", None, 0, 0)
                    runs.append((*head, checksum, *failure, 0.0, 0.0, 0.0, None, None, *tail))
                    continue
                draws = rng.random(n_evaluations) ** (1.0 + 0.6 * st) * 0.2
                draws[rng.random(n_evaluations) < 0.004 * (st + 1)] = 0.0
                regret = np.minimum.accumulate(draws)
                cost = rng.lognormal(3.0, 0.5, n_evaluations)
                cum = np.cumsum(cost)
                for step in range(n_evaluations):
                    evals.append(
                        (
                            key,
                            step,
                            step,
                            f"x={step}",
                            1.0 - float(draws[step]),
                            float(cost[step]),
                            float(cum[step]),
                            step,
                            1.0 - float(regret[step]),
                            float(regret[step]),
                        )
                    )
                finished = ("finished", None, None, n_evaluations, n_evaluations)
                final = (float(regret[-1]), 1.0 - float(regret[-1]))
                runs.append((*head, checksum, *finished, float(cum[-1]), 0.01, 0.02, *final, *tail))
    db = sqlite3.connect(root / "results.sqlite")
    with db:
        db.executemany("INSERT INTO spaces VALUES (?, ?, ?, ?, ?, ?, ?, ?)", spaces)
        db.executemany(f"INSERT INTO runs VALUES ({', '.join('?' * 20)})", runs)
        db.executemany("INSERT INTO evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", evals)
    db.close()
    return root
