"""Hypervolume of fronts of 100 and 1,000 points in 2 and 3 objectives (moocore), and the
harness's scoring of a whole multi-objective run.

Issue 16 asks for the computation time. Fronts are mutually non-dominated points (on the
simplex ``sum = 1``, the hardest case: every point adds volume), reference 1.1 everywhere,
as the harness normalises them::

    python -m pytest benchmarks/test_bench_hypervolume.py --benchmark-enable

``test_score_run`` times `harness.build_trace` of a 200-evaluation random run on
macro/cifar10 (test_acc, params): the per-step hypervolume the store records.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from harness import Budget, build_trace, run_strategy
from spaces import MultiObjective, hypervolume, load_objective, nondominated, search_objective
from strategies import build_strategy


def simplex_front(n: int, k: int, seed: int = 0) -> np.ndarray:
    points = np.random.default_rng(seed).dirichlet(np.ones(k), size=n)
    assert nondominated(points).all()
    return points


@pytest.mark.parametrize("n_objectives", [2, 3])
@pytest.mark.parametrize("n_points", [100, 1000])
def test_hypervolume(benchmark: Any, n_points: int, n_objectives: int) -> None:
    front = simplex_front(n_points, n_objectives)
    reference = np.full(n_objectives, 1.1)
    volume = benchmark(hypervolume, front, reference)
    assert 0.0 < volume < 1.1**n_objectives


def test_score_run(benchmark: Any) -> None:
    mo = search_objective(load_objective("macro/cifar10"), metric="hv(test_acc,params)")
    assert isinstance(mo, MultiObjective)
    strategy = build_strategy(
        "random", {}, mo.space, seed=0, maximize=True, budget=200, objectives=mo.objectives
    )
    trace = run_strategy(strategy, mo, seed=0, budget=Budget(kind="evaluations", amount=200))
    raw = (trace.config_index, trace.slot, trace.value, trace.cost_seconds)
    scored = benchmark(build_trace, mo, *raw, overhead_seconds=0.0, status="finished")
    assert scored.incumbent_value.tolist() == trace.incumbent_value.tolist()
