"""Executors (issue 17): scheduling overhead per run, and the speed-up of a second worker.

- Overhead: a grid of 1,000 one-evaluation runs (random search on ``nb201/cifar10``, store
  writes included), on the harness's process pool and on a Dask ``LocalCluster``, 2 workers
  each, the executor started before the clock; ``inline`` (the same runs in this process, no
  scheduling at all) is the reference. ``extra_info["ms_per_run"]`` is the figure; the
  scheduling overhead is an executor's figure minus inline's.
- Speed-up: a CPU-bound comparison (the ``predictor`` strategy, 16 seeds x 80 evaluations,
  about a second of CPU per run; worker start-up included, as a user waits for it) with 1
  and with 2 workers on each executor, in the same session;
  ``extra_info["speedup_vs_1_worker"]`` on the 2-worker rows is the figure (goal >= 1.6x on
  a 2-core machine). Skipped without the ``dask`` extra. Run with

    python -m pytest benchmarks/test_bench_executors.py --benchmark-enable
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from harness import Budget, Comparison, ResultsStore, compare
from harness.executors import open_executor

pytest.importorskip("distributed", reason="the dask extra is not installed")

_counter = itertools.count()
_one_worker_seconds: dict[str, float] = {}


def _run(comparison: Comparison, executor: Any, root: Path) -> None:
    with ResultsStore(root / f"cmp{next(_counter)}") as store:
        outcomes = compare(comparison, store, executor=executor)
    assert all(o.status == "finished" for o in outcomes)


@pytest.mark.parametrize("name", ["inline", "processes", "dask"])
def test_scheduling_overhead_per_run(benchmark: Any, tmp_path: Path, name: str) -> None:
    comparison = Comparison(
        spaces=("nb201/cifar10",),
        strategies=(("random", {}),),
        seeds=tuple(range(1000)),
        budget=Budget(kind="evaluations", amount=1),
    )
    with open_executor(name, workers=2) as executor:
        benchmark.pedantic(
            _run, args=(comparison, executor, tmp_path), rounds=2, iterations=1, warmup_rounds=0
        )
    benchmark.extra_info["ms_per_run"] = round(benchmark.stats.stats.median / 1000 * 1e3, 3)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("name", ["processes", "dask"])
def test_speedup_of_a_second_worker(
    benchmark: Any, tmp_path: Path, name: str, workers: int
) -> None:
    comparison = Comparison(
        spaces=("nb201/cifar10",),
        strategies=(("predictor", {}),),
        seeds=tuple(range(16)),
        budget=Budget(kind="evaluations", amount=80),
    )
    with open_executor(name, workers=workers) as executor:
        benchmark.pedantic(_run, args=(comparison, executor, tmp_path), rounds=1, iterations=1)
    seconds = benchmark.stats.stats.median
    if workers == 1:
        _one_worker_seconds[name] = seconds
    elif name in _one_worker_seconds:
        benchmark.extra_info["speedup_vs_1_worker"] = round(_one_worker_seconds[name] / seconds, 2)
