"""Behaviour of the three baseline strategies: evolution, tpe and local-search.

The shared contract (determinism, validity, global RNG, tiny spaces) is checked for them by
``test_strategy_contract.py``; this file checks what is specific to each algorithm, and that
each one learns: on the toy table it ends with a lower mean regret than random search.
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from harness import Budget, run_strategy
from harness.testing import toy_benchmark
from spaces import Config, RecordedTable
from strategies import Observation, StrategyOptionError, build_strategy
from strategies.evolution import RegularizedEvolution
from strategies.local_search import LocalSearch
from strategies.tpe import TPE


def _make(name: str, bench: RecordedTable, seed: int = 0, **options: Any) -> Any:
    return build_strategy(
        name, options, bench.space, seed=seed, maximize=bench.maximize, budget=None
    )


def _oracle(bench: RecordedTable, config: Config) -> float:
    return float(bench.oracle[bench.space.index(config)])


def _n_differences(a: Config, b: Config) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


# -- option validation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "options", "option"),
    [
        ("evolution", {"population": 0}, "population"),
        ("evolution", {"population": -3}, "population"),
        ("evolution", {"population": 2.5}, "population"),
        ("evolution", {"population": True}, "population"),
        ("evolution", {"tournament": 0}, "tournament"),
        ("evolution", {"population": 5, "tournament": 6}, "tournament"),
        ("evolution", {"tournament": 51}, "tournament"),
        ("local-search", {"n_init": 0}, "n_init"),
        ("local-search", {"n_init": -1}, "n_init"),
        ("local-search", {"n_init": 1.0}, "n_init"),
        ("local-search", {"n_init": 61}, "n_init"),  # the toy space has 60 configs
        ("local-search", {"first_improvement": "yes"}, "first_improvement"),
        ("tpe", {"n_startup_trials": -1}, "n_startup_trials"),
        ("tpe", {"n_startup_trials": "10"}, "n_startup_trials"),
        ("tpe", {"multivariate": 1}, "multivariate"),
    ],
)
def test_bad_options_raise_a_one_line_error_naming_them(
    name: str, options: dict[str, Any], option: str
) -> None:
    with pytest.raises(StrategyOptionError, match=rf"^strategy '{name}': option {option}=") as info:
        _make(name, toy_benchmark(), **options)
    message = str(info.value)
    assert "\n" not in message
    assert repr(options[option]) in message


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("evolution", {"population": 1, "tournament": 1}),
        ("evolution", {"population": 7, "tournament": 7}),
        ("local-search", {"n_init": 1, "first_improvement": False}),
        ("tpe", {"n_startup_trials": 0, "multivariate": True}),
    ],
)
def test_edge_options_are_accepted_and_stored_unmodified(
    name: str, options: dict[str, Any]
) -> None:
    bench = toy_benchmark()
    strategy = _make(name, bench, **options)
    assert {k: strategy.options()[k] for k in options} == options
    for _ in range(15):
        config = strategy.ask()
        assert bench.space.is_valid(config)
        strategy.tell(config, Observation(_oracle(bench, config), 1.0))


# -- evolution -----------------------------------------------------------------------------------
def test_evolution_keeps_the_youngest_members_and_never_exceeds_its_size() -> None:
    bench = toy_benchmark()
    strategy = _make("evolution", bench, seed=4, population=5, tournament=2)
    assert isinstance(strategy, RegularizedEvolution)
    told: list[Config] = []
    for _ in range(30):
        config = strategy.ask()
        strategy.tell(config, Observation(_oracle(bench, config), 1.0))
        told.append(config)
        # Ageing: the population is exactly the last `population` evaluated configs, in
        # order, however good the older ones were.
        assert [c for c, _ in strategy.members] == told[-5:]
    assert len(strategy.members) == 5


def test_evolution_mutates_the_tournament_winner() -> None:
    bench = toy_benchmark()
    # With the tournament as large as the population, the winner is the best member.
    strategy = _make("evolution", bench, seed=1, population=6, tournament=6)
    for step in range(40):
        config = strategy.ask()
        if step >= 6:
            best, _ = max(strategy.members, key=lambda member: member[1])
            assert _n_differences(config, best) == 1
        strategy.tell(config, Observation(_oracle(bench, config), 1.0))


def test_evolution_never_selects_a_diverged_member_over_a_finite_one() -> None:
    bench = toy_benchmark()
    strategy = _make("evolution", bench, seed=2, population=4, tournament=4)
    values = [math.nan, 1.0, math.nan, math.nan]
    finite_parent: Config | None = None
    for value in values:
        config = strategy.ask()
        strategy.tell(config, Observation(value, 1.0))
        if not math.isnan(value):
            finite_parent = config
    assert finite_parent is not None
    for _ in range(10):
        assert _n_differences(strategy.ask(), finite_parent) == 1


# -- local search --------------------------------------------------------------------------------
@pytest.mark.parametrize("first_improvement", [True, False])
def test_local_search_never_repeats_while_configs_remain(first_improvement: bool) -> None:
    bench = toy_benchmark()
    n = bench.space.n_configs
    for seed in range(3):
        trace = run_strategy(
            _make("local-search", bench, seed=seed, first_improvement=first_improvement),
            bench,
            seed=seed,
            budget=Budget(kind="evaluations", amount=n + 5),
        )
        assert trace.status == "finished", trace.traceback
        assert len(set(trace.config_index[:n].tolist())) == n
        assert trace.n_evaluations == n + 5


def _check_move(
    bench: RecordedTable,
    old: Config | None,
    new: Config | None,
    *,
    told: Config | None,
    asked: list[Config],
    first_improvement: bool,
) -> int:
    """1 for a move of the climb (which must go uphill), 0 for none."""
    if old is None or new is None or new == old:
        return 0
    assert _oracle(bench, new) > _oracle(bench, old)
    if told is not None and new != told:
        # Best improvement moves only in ask; first improvement takes the improving
        # neighbour at once, and from it any evaluated neighbour that beats it.
        assert first_improvement
        assert new in asked
        assert _oracle(bench, new) > _oracle(bench, told)
    return 1


@pytest.mark.parametrize("first_improvement", [True, False])
def test_local_search_climbs_uphill_through_neighbours(first_improvement: bool) -> None:
    bench = toy_benchmark()
    optimum = bench.space.config(int(np.argmax(bench.oracle)))
    for seed in range(5):
        strategy = _make(
            "local-search", bench, seed=seed, n_init=3, first_improvement=first_improvement
        )
        assert isinstance(strategy, LocalSearch)
        asked: list[Config] = []
        moves = 0
        for _ in range(45):
            previous = strategy.current
            config = strategy.ask()
            before = strategy.current
            moves += _check_move(
                bench, previous, before, told=None, asked=asked, first_improvement=first_improvement
            )
            if before is not None:
                # Every suggestion during a climb is a neighbour of the current config.
                assert _n_differences(config, before) == 1
            strategy.tell(config, Observation(_oracle(bench, config), 1.0))
            asked.append(config)
            after = strategy.current
            if len(asked) == 3:
                assert after is not None
                assert _oracle(bench, after) == max(_oracle(bench, c) for c in asked)
            moves += _check_move(
                bench, before, after, told=config, asked=asked, first_improvement=first_improvement
            )
            if before is not None:
                improved = _oracle(bench, config) > _oracle(bench, before)
                # First improvement moves as soon as a neighbour improves; best improvement
                # waits for the whole neighbourhood (its moves happen in ask).
                assert (after != before) == (first_improvement and improved)
        assert moves >= 1
        # The toy objective is separable, so the climb cannot get stuck below its optimum.
        assert optimum in asked


def test_local_search_best_improvement_moves_only_after_the_whole_neighbourhood() -> None:
    bench = toy_benchmark()
    strategy = _make("local-search", bench, seed=3, n_init=1, first_improvement=False)
    start = strategy.ask()
    strategy.tell(start, Observation(_oracle(bench, start), 1.0))
    assert strategy.current == start
    neighbours = bench.space.neighbours(start)
    seen = []
    for _ in neighbours:
        config = strategy.ask()
        assert strategy.current == start
        seen.append(config)
        strategy.tell(config, Observation(_oracle(bench, config), 1.0))
    assert sorted(seen) == sorted(neighbours)
    strategy.ask()
    best = max(neighbours, key=lambda c: _oracle(bench, c))
    if _oracle(bench, best) > _oracle(bench, start):
        assert strategy.current == best
    else:
        assert strategy.current is None  # restarted


# -- tpe -----------------------------------------------------------------------------------------
def test_tpe_tells_nan_as_a_failed_trial() -> None:
    from optuna.trial import TrialState

    bench = toy_benchmark()
    strategy = _make("tpe", bench, seed=0, n_startup_trials=3)
    assert isinstance(strategy, TPE)
    fed = []
    for step in range(12):
        config = strategy.ask()
        value = math.nan if step % 3 == 0 else _oracle(bench, config)
        fed.append(value)
        strategy.tell(config, Observation(value, 1.0))
    trials = strategy._study.trials
    assert [t.state for t in trials] == [
        TrialState.FAIL if math.isnan(v) else TrialState.COMPLETE for v in fed
    ]
    assert [t.value for t in trials if t.state == TrialState.COMPLETE] == [
        v for v in fed if not math.isnan(v)
    ]


def test_tpe_records_a_config_it_did_not_suggest() -> None:
    from optuna.trial import TrialState

    bench = toy_benchmark()
    strategy = _make("tpe", bench, seed=0)
    strategy.ask()
    foreign = (2, 4, 1)
    strategy.tell(foreign, Observation(7.0, 1.0))
    last = strategy._study.trials[-1]
    assert last.state == TrialState.COMPLETE
    assert last.value == 7.0
    assert tuple(last.params[name] for name in bench.space.names) == foreign


def test_tpe_follows_the_direction() -> None:
    bench = toy_benchmark(direction="minimize")
    strategy = _make("tpe", bench, seed=0)
    assert strategy._study.direction.name == "MINIMIZE"


def test_listing_strategies_does_not_import_optuna() -> None:
    code = "import sys, strategies; strategies.registry(); print('optuna' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


# -- learning ------------------------------------------------------------------------------------
def _mean_final_regret(
    name: str, options: dict[str, Any], bench: RecordedTable, *, n_seeds: int, n: int
) -> float:
    regrets = []
    for seed in range(n_seeds):
        strategy = build_strategy(
            name, options, bench.space, seed=seed, maximize=bench.maximize, budget=n
        )
        budget = Budget(kind="evaluations", amount=n)
        trace = run_strategy(strategy, bench, seed=seed, budget=budget)
        assert trace.status == "finished", trace.traceback
        regrets.append(trace.final_regret)
    return float(np.mean(regrets))


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
@pytest.mark.parametrize(
    ("name", "options"),
    [
        # 40 evaluations of a 60-config table: the default population (50) would still be
        # filling up, i.e. random search; a population sized to the budget has to evolve.
        ("evolution", {"population": 10, "tournament": 3}),
        ("local-search", {}),
        ("tpe", {}),
    ],
)
def test_beats_random_search_on_the_toy_table(
    name: str, options: dict[str, Any], direction: str
) -> None:
    bench = toy_benchmark(direction=direction)
    random_regret = _mean_final_regret("random", {}, bench, n_seeds=10, n=40)
    regret = _mean_final_regret(name, options, bench, n_seeds=10, n=40)
    assert random_regret > 0.5  # the budget leaves random search something to miss
    assert regret < random_regret
