"""Synthetic results stores for report tests and benchmarks.

Writes made-up runs through the store's public API (`ResultsStore.record_space` and
`ResultsStore.write_run`), so the files are exactly what a comparison writes, without loading
any table or running any strategy: a 5 x 15 x 20 x 100 comparison takes a few seconds.
Strategy ``s0`` is the worst and each later one is better; some runs reach the optimum
(regret exactly 0) so that ties and zero differences occur. Spaces can be "open" (optimum
unknown, so reports show the metric itself) and can carry a test metric.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from harness.results import ResultsStore, RunSpec, SpaceRecord
from harness.run_types import Budget, RunTrace, failed_trace, incumbents

#: Name of the synthetic test metric (when asked for).
TEST_METRIC = "test_accuracy"


def _record(
    space: str, metric: str, direction: str, optimum: float | None, test: bool
) -> SpaceRecord:
    metrics = {metric: {"direction": direction, "units": "fraction"}}
    if test:
        metrics[TEST_METRIC] = {"direction": direction, "units": "fraction"}
    return SpaceRecord(
        name=space,
        checksum=hashlib.sha256(space.encode()).hexdigest(),
        metric=metric,
        fidelity=0,
        direction=direction,
        optimum=optimum,
        test_metric=TEST_METRIC if test else None,
        fully_recorded=True,
        n_configs=1000,
        dimensions=[{"name": "x", "kind": "ordinal", "choices": [0, 1]}],
        metrics=metrics,
        fidelities=[],
        provenance={"source": "synthetic"},
    )


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
    open_spaces: bool | Collection[int] = False,
    test_metric: bool = False,
    direction: Literal["maximize", "minimize"] = "maximize",
) -> Path:
    """Write a synthetic comparison store into ``directory``; returns the directory.

    The search metric is ``accuracy`` (maximised, optimum 1.0) or, with
    ``direction="minimize"``, ``loss`` (optimum 0.0); a run's regret is the same either way,
    so both directions give the same statistics.

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
        open_spaces: Spaces whose optimum is unknown (regret NaN): True for all, or the
            indices of some.
        test_metric: Give every space a test metric (`TEST_METRIC`), a little below (or,
            minimised, above) the search metric of the same config.
        direction: Direction of the search metric.
    """
    root = Path(directory)
    rng = np.random.default_rng(seed)
    # The test metric's noise has its own stream, so asking for it leaves every other
    # made-up number as it was.
    test_rng = np.random.default_rng([seed, 1])
    names = list(strategy_names or [f"s{i}" for i in range(n_strategies)])
    failed_set = set(failed)
    maximize = direction == "maximize"
    metric = "accuracy" if maximize else "loss"
    sign = 1.0 if maximize else -1.0
    budget = Budget(kind="evaluations", amount=n_evaluations)
    configs = [f"x={step}" for step in range(n_evaluations)]
    with ResultsStore(root) as store:
        for sp in range(n_spaces):
            space = f"toy/{sp}"
            is_open = open_spaces is True or (
                not isinstance(open_spaces, bool) and sp in open_spaces
            )
            optimum = 1.0 if maximize else 0.0
            record = _record(space, metric, direction, None if is_open else optimum, test_metric)
            store.record_space(record)
            for st, name in enumerate(names):
                options = {"variant": st} if names.count(name) > 1 else {}
                for sd in range(n_seeds):
                    spec = RunSpec(
                        strategy=name,
                        options=options,
                        space=space,
                        seed=sd,
                        budget=budget,
                        checksum=record.checksum,
                        metric=metric,
                        fidelity=0,
                    )
                    if (st, sp, sd) in failed_set:
                        trace = failed_trace("RuntimeError: synthetic failure")
                        store.write_run(spec, trace, configs=[], wall_seconds=0.0)
                        continue
                    draws = rng.random(n_evaluations) ** (1.0 + 0.6 * st) * 0.2
                    draws[rng.random(n_evaluations) < 0.004 * (st + 1)] = 0.0
                    regret = np.minimum.accumulate(draws)
                    cost = rng.lognormal(3.0, 0.5, n_evaluations)
                    value = optimum - sign * draws
                    test = value - sign * 0.02 * test_rng.random(n_evaluations)
                    pos = incumbents(value, maximize=maximize)
                    trace = RunTrace(
                        config_index=np.arange(n_evaluations, dtype=np.int64),
                        slot=np.zeros(n_evaluations, dtype=np.int64),
                        value=value,
                        cost_seconds=cost,
                        cumulative_cost_seconds=np.cumsum(cost),
                        metrics={metric: value, **({TEST_METRIC: test} if test_metric else {})},
                        incumbent_index=pos,
                        incumbent_value=optimum - sign * regret,
                        incumbent_test=test[pos] if test_metric else np.full(n_evaluations, np.nan),
                        regret=np.full(n_evaluations, np.nan) if is_open else regret,
                        overhead_seconds=0.01,
                        status="finished",
                    )
                    store.write_run(spec, trace, configs=configs, wall_seconds=0.02)
    return root
