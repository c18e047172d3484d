"""Tests of `asnn-mo`, the multi-objective ASNN, beyond the shared contracts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness import Budget, RunTrace, run_strategy
from harness.testing import toy_benchmark
from spaces import Metric, MultiObjective
from strategies import Observation, StrategyOptionError, build_strategy
from strategies.asnn_mo import AsnnMo

TOY = toy_benchmark()
ACC = Metric(name="acc", direction="maximize", units="percent")
PARAMS = Metric(name="params", direction="minimize", units="parameters")


def run(name: str, objective: MultiObjective, seed: int, n: int, **options: object) -> RunTrace:
    strategy = build_strategy(
        name,
        options,
        objective.space,
        seed=seed,
        maximize=True,
        budget=n,
        objectives=objective.objectives,
    )
    trace = run_strategy(
        strategy, objective, seed=seed, budget=Budget(kind="evaluations", amount=n)
    )
    assert trace.status == "finished", trace.traceback
    return trace


def toy_mo(seed: int = 0, **options: object) -> AsnnMo:
    strategy = build_strategy(
        "asnn-mo",
        options,
        TOY.space,
        seed=seed,
        maximize=True,
        budget=None,
        objectives=(ACC, PARAMS),
    )
    assert isinstance(strategy, AsnnMo)
    return strategy


def toy_values(config: tuple[int, ...]) -> tuple[float, float]:
    """Accuracy (the toy table's oracle) against a size that grows with the width."""
    return float(TOY.oracle[TOY.space.index(config)]), float(2 ** config[1])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"target": "best"}, "target='best' must be one of cycle, random, contribution"),
        ({"improve": "two"}, "improve='two' must be one of one, all"),
        ({"margin": -0.1}, "margin=-0.1"),
        ({"n_init": 0}, "n_init=0"),
    ],
)
def test_bad_options_fail_at_construction(options: dict[str, object], message: str) -> None:
    with pytest.raises(StrategyOptionError, match=r"^strategy 'asnn-mo': option ") as info:
        toy_mo(**options)
    assert message in str(info.value)


def test_same_seed_same_run_and_suggestions_are_fresh(objective: MultiObjective) -> None:
    first, again = run("asnn-mo", objective, 3, 30), run("asnn-mo", objective, 3, 30)
    np.testing.assert_array_equal(first.config_index, again.config_index)
    assert not np.array_equal(first.config_index, run("asnn-mo", objective, 4, 30).config_index)
    # Each suggestion is a config of the space evaluated for the first time.
    assert len(set(first.config_index.tolist())) == 30


@pytest.mark.parametrize("options", [{}, {"target": "random"}, {"target": "contribution"}])
def test_never_repeats_a_config_before_the_space_is_exhausted(options: dict[str, object]) -> None:
    strategy = toy_mo(**options)
    seen: list[tuple[int, ...]] = []
    for _ in range(TOY.space.n_configs + 3):
        config = strategy.ask()
        assert TOY.space.is_valid(config)
        seen.append(config)
        strategy.tell(config, Observation(math.nan, 1.0, toy_values(config)))
    assert len(set(seen[: TOY.space.n_configs])) == TOY.space.n_configs


def test_on_one_objective_it_makes_the_suggestions_of_asnn() -> None:
    """One objective: one model input, the best observation as the front, asnn's target."""
    for maximize, sign in ((True, 1.0), (False, -1.0)):
        runs = []
        for name in ("asnn", "asnn-mo"):
            strategy = build_strategy(name, {}, TOY.space, seed=5, maximize=maximize, budget=30)
            seen = []
            for step in range(30):
                config = strategy.ask()
                seen.append(config)
                value = math.nan if step == 12 else float(TOY.oracle[TOY.space.index(config)])
                strategy.tell(config, Observation(sign * value, 1.0))
            runs.append(seen)
        assert runs[0] == runs[1]


def test_targets_lie_a_margin_beyond_a_front_member() -> None:
    x = np.array([[1.0, -1.0], [0.0, 0.0], [-1.0, 1.0], [-0.5, -0.5]])  # the last is dominated
    front = x[:3]
    # improve=all with target=cycle: every member in turn, 2 * margin better in both.
    strategy = toy_mo(margin=0.1, improve="all")
    targets = []
    for _ in range(3):
        targets.append(strategy._target(x))
        strategy._n_asked += 1  # what `ask` does after each target
    np.testing.assert_allclose(np.sort(np.array(targets) - 0.2, axis=0), np.sort(front, axis=0))
    # improve=one (the default): 2 * margin better in one objective, the other held.
    strategy = toy_mo(margin=0.1)
    for _ in range(6):
        steps = np.round(strategy._target(x) - front, 12)
        assert sum(sorted(step) == [0.0, 0.2] for step in steps.tolist()) == 1
        strategy._n_asked += 1


def test_a_diverged_run_is_not_trained_on_but_never_suggested_again() -> None:
    strategy = toy_mo(n_init=3)
    told = []
    for step in range(12):
        config = strategy.ask()
        assert config not in told
        told.append(config)
        values = (math.nan, 4.0) if step in (0, 5) else toy_values(config)
        strategy.tell(config, Observation(math.nan, 1.0, values))
    assert strategy._finite().sum() == 10


def test_beats_random_on_hypervolume_regret(objective: MultiObjective) -> None:
    """Median final hypervolume regret over tuning seeds 100-109 at 100 evaluations.

    Measured (docs/asnn.md, "asnn-mo: several objectives"): asnn-mo 0.023, random 0.092, and
    asnn-mo lower on all 10 seeds; asked here for under half of random's median.
    """
    median = {
        name: float(np.median([run(name, objective, s, 100).final_regret for s in range(100, 110)]))
        for name in ("random", "asnn-mo")
    }
    assert median["asnn-mo"] < 0.5 * median["random"], median
