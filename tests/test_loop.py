from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter
from typing import ClassVar

import numpy as np
import pytest

from harness import (
    Budget,
    Evaluator,
    InvalidConfigError,
    crn_key,
    incumbents,
    recorded_slot,
    run_strategy,
    stable_hash,
    strategy_seed,
)
from harness.testing import toy_benchmark
from spaces import Config, Space, load_objective
from strategies import Observation, Strategy, build_strategy


class Scripted(Strategy):
    """Suggests a fixed list of configs, cycling; records what it was told."""

    name = "scripted-test"
    description = "test double"

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        maximize: bool = True,
        budget: int | None = None,
        script: tuple[Config, ...] = (),
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize, budget=budget)
        self.script = script
        self.told: list[tuple[Config, Observation]] = []
        self._i = 0

    def ask(self) -> Config:
        config = self.script[self._i % len(self.script)]
        self._i += 1
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        self.told.append((config, observation))


def evals(n: int) -> Budget:
    return Budget(kind="evaluations", amount=n)


def test_budget_validation() -> None:
    with pytest.raises(ValueError, match="positive"):
        Budget(kind="evaluations", amount=0)
    with pytest.raises(ValueError, match="positive"):
        Budget(kind="seconds", amount=-5)
    with pytest.raises(ValueError, match="whole number"):
        Budget(kind="evaluations", amount=2.5)
    with pytest.raises(ValueError, match="budget kind"):
        Budget(kind="hours", amount=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole number"):
        Budget(kind="epochs", amount=2.5)
    assert Budget(kind="seconds", amount=90).label() == "90 s"
    assert Budget(kind="epochs", amount=400).label() == "400 epochs"


def test_evaluation_budget_is_spent_exactly_and_repeats_cost_budget() -> None:
    bench = toy_benchmark()
    strategy = Scripted(bench.space, seed=0, script=((0, 3, 1),))
    trace = run_strategy(strategy, bench, seed=0, budget=evals(7))
    assert trace.n_evaluations == 7
    assert trace.n_unique == 1
    assert len(strategy.told) == 7


def test_repeats_return_each_recorded_seed_before_reusing_one() -> None:
    bench = toy_benchmark(n_seeds=3)
    strategy = Scripted(bench.space, seed=0, script=((1, 2, 0),))
    trace = run_strategy(strategy, bench, seed=4, budget=evals(6))
    recorded = bench.recorded((1, 2, 0))
    first_three = trace.value[:3]
    assert sorted(first_three) == sorted(recorded)
    np.testing.assert_array_equal(trace.value[3:], first_three)


def test_seconds_budget_never_overshoots() -> None:
    bench = toy_benchmark()
    strategy = build_strategy("random", {}, bench.space, seed=1, maximize=True, budget=None)
    trace = run_strategy(strategy, bench, seed=1, budget=Budget(kind="seconds", amount=100.0))
    total = trace.cumulative_cost_seconds[-1]
    assert total <= 100.0
    # The toy costs are 10..14 s: a budget of 100 s takes 7 to 10 evaluations.
    assert 7 <= trace.n_evaluations <= 10
    np.testing.assert_allclose(trace.cumulative_cost_seconds, np.cumsum(trace.cost_seconds))


def test_common_random_numbers_across_strategies() -> None:
    bench = toy_benchmark()
    config = (2, 1, 1)
    a = run_strategy(
        Scripted(bench.space, seed=0, script=(config,)), bench, seed=9, budget=evals(3)
    )
    b = run_strategy(
        Scripted(bench.space, seed=123, script=((0, 0, 0), config, config, config)),
        bench,
        seed=9,
        budget=evals(4),
    )
    np.testing.assert_array_equal(a.value, b.value[1:])
    c = run_strategy(
        Scripted(bench.space, seed=0, script=(config,)), bench, seed=10, budget=evals(3)
    )
    assert sorted(c.value) == sorted(a.value)  # same recorded runs, another seed's order


def test_recorded_slot_is_uniform_and_stable() -> None:
    key = crn_key(0, "nb201/cifar10")
    assert key == crn_key(0, "nb201/cifar10")
    assert key != crn_key(1, "nb201/cifar10")
    assert key != crn_key(0, "nb201/cifar100")
    slots = Counter(recorded_slot(key, i, 0, 3) for i in range(30_000))
    assert all(9_500 < slots[s] < 10_500 for s in range(3))
    assert [recorded_slot(key, 5, k, 4) for k in range(4)] == [
        (recorded_slot(key, 5, 0, 4) + k) % 4 for k in range(4)
    ]
    # Stable across processes and releases: hashes never depend on PYTHONHASHSEED.
    assert stable_hash("random") == stable_hash("random")
    assert strategy_seed(0, "random") != strategy_seed(0, "evolution")


def test_evaluator_matches_recorded_slot_and_validates() -> None:
    bench = toy_benchmark()
    evaluator = Evaluator(bench, seed=3, budget=evals(5))
    key = crn_key(3, bench.name)
    result = evaluator.evaluate((1, 1, 1))
    assert result is not None
    value, cost = result
    index = bench.space.index((1, 1, 1))
    slot = recorded_slot(key, index, 0, 3)
    assert value == bench.values[index, slot]
    assert cost == bench.costs[index, slot]
    assert evaluator.slots == [slot]
    assert evaluator.n_unique == 1
    np_config = tuple(np.int64(v) for v in (1, 1, 1))
    assert evaluator.index(np_config) == index  # type: ignore[arg-type]
    for bad in [(1, 1), (1, 9, 1), (1, 1.5, 1), (1, -1, 1), [1, 1, 1], (True, 1, 1, 1)]:
        with pytest.raises(InvalidConfigError):
            evaluator.index(bad)  # type: ignore[arg-type]


def test_evaluator_charges_each_budget_kind_once() -> None:
    bench = toy_benchmark()
    by_count = Evaluator(bench, seed=0, budget=evals(2))
    assert by_count.evaluate((0, 0, 0)) is not None
    assert by_count.evaluate((0, 0, 0)) is not None
    assert not by_count.can_afford()
    assert by_count.evaluate((1, 0, 0)) is None
    assert by_count.n_evaluations == 2
    # Toy costs are 10 s + act index + slot: 12 s cannot pay for a 13 s run.
    by_seconds = Evaluator(bench, seed=0, budget=Budget(kind="seconds", amount=12))
    assert by_seconds.can_afford()
    expensive = next(c for c in bench.space.all_configs() if c[-1] == 2)
    assert by_seconds.evaluate(expensive) is None  # would overshoot: not run, not counted
    assert by_seconds.n_evaluations == 0
    assert by_seconds.n_unique == 0
    with pytest.raises(ValueError, match="states no fidelity"):
        Evaluator(bench, seed=0, budget=Budget(kind="epochs", amount=100))


def test_epochs_budget_charges_the_fidelity() -> None:
    objective = load_objective("synthetic/open")
    strategy = build_strategy("random", {}, objective.space, seed=0, maximize=True, budget=None)
    trace = run_strategy(strategy, objective, seed=0, budget=Budget(kind="epochs", amount=70))
    assert trace.status == "finished"
    assert trace.n_evaluations == 3  # 20 epochs each: a fourth would need 80


def test_open_objective_scores_observed_values_and_test_metric() -> None:
    objective = load_objective("synthetic/open")
    assert objective.optimum is None
    strategy = build_strategy("random", {}, objective.space, seed=1, maximize=True, budget=12)
    trace = run_strategy(strategy, objective, seed=1, budget=evals(12))
    assert np.isnan(trace.regret).all()
    best = np.maximum.accumulate(trace.value)
    np.testing.assert_array_equal(trace.incumbent_value, best)
    position = int(np.argmax(trace.value))
    assert trace.final_test == trace.metrics["test_acc"][position]
    assert set(trace.metrics) == {"val_acc", "test_acc", "params"}


def test_incumbent_and_regret_use_oracle_values() -> None:
    bench = toy_benchmark()
    best = bench.space.config(bench.optimum_index)
    worst = bench.space.config(int(np.argmin(bench.oracle)))
    strategy = Scripted(bench.space, seed=0, script=(worst, best, worst))
    trace = run_strategy(strategy, bench, seed=0, budget=evals(3))
    assert trace.incumbent_index.tolist() == [
        bench.optimum_index - bench.optimum_index + bench.space.index(worst),
        bench.optimum_index,
        bench.optimum_index,
    ]
    assert trace.regret[0] == pytest.approx(bench.optimum - bench.oracle[bench.space.index(worst)])
    assert trace.regret[1] == 0.0
    assert trace.final_regret == 0.0
    assert np.all(np.diff(trace.regret) <= 0)


def test_minimised_objectives_have_non_negative_regret() -> None:
    bench = toy_benchmark(direction="minimize")
    strategy = build_strategy("random", {}, bench.space, seed=0, maximize=False, budget=30)
    trace = run_strategy(strategy, bench, seed=0, budget=evals(30))
    assert np.all(trace.regret >= 0)
    assert trace.incumbent_value[-1] == pytest.approx(bench.optimum + trace.regret[-1])


def test_incumbents_skip_nan_and_keep_first_of_ties() -> None:
    values = np.array([math.nan, 1.0, 3.0, 3.0, math.nan, 2.0, 5.0])
    assert incumbents(values, maximize=True).tolist() == [-1, 1, 2, 2, 2, 2, 6]
    assert incumbents(values, maximize=False).tolist() == [-1, 1, 1, 1, 1, 1, 1]
    assert incumbents(np.array([]), maximize=True).tolist() == []


class Exploding(Scripted):
    name = "exploding-test"

    def tell(self, config: Config, observation: Observation) -> None:
        super().tell(config, observation)
        if len(self.told) == 3:
            raise RuntimeError("model diverged")


def test_a_raising_strategy_fails_its_run_and_keeps_what_it_did() -> None:
    bench = toy_benchmark()
    trace = run_strategy(
        Exploding(bench.space, seed=0, script=((0, 0, 0), (1, 1, 1))),
        bench,
        seed=0,
        budget=evals(10),
    )
    assert trace.status == "failed"
    assert trace.error == "RuntimeError: model diverged"
    assert "Traceback" in (trace.traceback or "")
    assert trace.n_evaluations == 3


def test_an_invalid_suggestion_fails_the_run() -> None:
    bench = toy_benchmark()
    trace = run_strategy(
        Scripted(bench.space, seed=0, script=((0, 7, 0),)), bench, seed=0, budget=evals(5)
    )
    assert trace.status == "failed"
    assert trace.error is not None
    assert "InvalidConfigError" in trace.error
    assert trace.n_evaluations == 0
    assert math.isnan(trace.final_regret)


def test_overhead_is_measured_separately_from_cost() -> None:
    bench = toy_benchmark()
    strategy = build_strategy("random", {}, bench.space, seed=0, maximize=True, budget=50)
    trace = run_strategy(strategy, bench, seed=0, budget=evals(50))
    assert 0 < trace.overhead_seconds < 1.0
    assert trace.cumulative_cost_seconds[-1] > 400  # recorded seconds, not wall time


class WarmingUp(Scripted):
    """Records when its class was warmed up, relative to the asks."""

    events: ClassVar[list[str]] = []

    @classmethod
    def warm_up(cls) -> None:
        cls.events.append("warm_up")

    def ask(self) -> Config:
        type(self).events.append("ask")
        return super().ask()


def test_the_loop_warms_the_strategy_up_before_its_first_ask() -> None:
    bench = toy_benchmark()
    WarmingUp.events = []
    strategy = WarmingUp(bench.space, seed=0, script=((0, 0, 0),))
    assert WarmingUp.events == []  # constructing does not warm up
    run_strategy(strategy, bench, seed=0, budget=evals(3))
    assert WarmingUp.events == ["warm_up", "ask", "ask", "ask"]


def test_planning_a_comparison_does_not_import_torch() -> None:
    # The coordinator constructs every strategy to check its options but never runs one:
    # the torch strategies import torch in warm_up, which only a run calls.
    code = (
        "import sys\n"
        "from harness import Budget, Comparison, plan_comparison\n"
        "c = Comparison(spaces=('nb201/cifar10',), strategies=(('asnn', {}), ('asnn-plus', {}),"
        " ('nal', {}), ('pg-nag', {})), seeds=(0,), budget=Budget(kind='evaluations', amount=20))\n"
        "plan_comparison(c)\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
