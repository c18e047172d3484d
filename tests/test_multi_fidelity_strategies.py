"""Successive halving, Hyperband, ASHA and BOHB: rungs, promotions, waiting, parallel brackets
and NB201 runs."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

from harness import Budget, RunTrace, run_strategy
from spaces import Config, load_objective, nb201_cell_space
from strategies import Observation, Strategy, build_strategy
from strategies._rungs import Bracket, hyperband_brackets, rung_fidelities
from strategies.successive_halving import SuccessiveHalving

MULTI_FIDELITY = ("successive-halving", "hyperband", "asha", "bohb")
SYNCHRONOUS = ("successive-halving", "hyperband", "bohb")
NB201 = "nb201/cifar10"
SEEDS = range(100, 110)


def make(
    name: str, fidelities: tuple[int, ...], *, maximize: bool = True, **options: object
) -> Strategy:
    """``name`` on NB201's cell space with made-up ``fidelities`` (driven by hand)."""
    return build_strategy(
        name,
        dict(options),
        nb201_cell_space(),
        seed=0,
        maximize=maximize,
        budget=None,
        fidelities=fidelities,
        continues=False,
    )


def ask_at(strategy: Strategy) -> tuple[Config, int]:
    """A request that must not be a wait."""
    request = strategy.ask_at()
    assert request is not None
    return request


def tell(strategy: Strategy, config: Config, fidelity: int, value: float) -> None:
    strategy.tell(config, Observation(value, 1.0, fidelity=fidelity))


# (1) Rungs and brackets by hand.


def test_rungs_snap_the_geometric_ladder_down_to_the_offered_fidelities() -> None:
    # NB201: targets 200, 66.7, 22.2 (22.2 * 9 = 200 >= 12 * 9); 66.7 and 22.2 snap to 12.
    assert rung_fidelities((12, 200), 3) == (12, 200)
    assert rung_fidelities((200, 12, 12), 3) == (12, 200)
    # eta 2: 200, 100, 50, 25, 12.5 all snap to 12 below the top.
    assert rung_fidelities((12, 200), 2) == (12, 200)
    # Per-epoch curves 1..40: targets 40, 13.3, 4.4, 1.48 (40 < 81, so no fifth rung).
    assert rung_fidelities(range(1, 41), 3) == (1, 4, 13, 40)
    # Snapping down keeps the second-highest rung an eta-fold step below the top.
    assert rung_fidelities((1, 60, 66, 67, 200), 3) == (1, 66, 200)
    assert rung_fidelities((100, 200), 3) == (200,)  # no room for one step of 3
    assert rung_fidelities((), 3) == (0,)  # a single-fidelity space: one rung
    with pytest.raises(ValueError, match="eta"):
        rung_fidelities((12, 200), 1)


def test_hyperband_brackets_are_li_et_al_table_1() -> None:
    # Li et al. 2018, Table 1: R = 81, eta = 3, five brackets.
    rungs = rung_fidelities(range(1, 82), 3)
    assert rungs == (1, 3, 9, 27, 81)
    brackets = hyperband_brackets(len(rungs), 3)
    assert [(b.n_configs, rungs[b.first_rung]) for b in brackets] == [
        (81, 1),
        (34, 3),
        (15, 9),
        (8, 27),
        (5, 81),
    ]
    assert [b.stage_sizes(len(rungs), 3) for b in brackets] == [
        (81, 27, 9, 3, 1),
        (34, 11, 3, 1),
        (15, 5, 1),
        (8, 2),
        (5,),
    ]


def test_hyperband_brackets_on_nb201_and_on_40_epoch_curves() -> None:
    assert hyperband_brackets(2, 3) == (Bracket(3, 0), Bracket(2, 1))
    assert [b.stage_sizes(2, 3) for b in hyperband_brackets(2, 3)] == [(3, 1), (2,)]
    four = hyperband_brackets(4, 3)  # rungs 1, 4, 13, 40
    assert [b.stage_sizes(4, 3) for b in four] == [(27, 9, 3, 1), (12, 4, 1), (6, 2), (4,)]
    assert hyperband_brackets(1, 3) == (Bracket(1, 0),)


# (2) Successive halving promotes exactly the top 1/eta.


@pytest.mark.parametrize("maximize", [True, False])
def test_successive_halving_promotes_exactly_the_top_third(maximize: bool) -> None:
    sh = make("successive-halving", (1, 9), maximize=maximize, n_configs=9)
    assert sh.diagnostics()["rungs"] == [1, 9]
    first = [ask_at(sh) for _ in range(9)]
    assert {f for _, f in first} == {1}
    configs = [c for c, _ in first]
    assert len(set(configs)) == 9
    values = [5.0, 1.0, 8.0, 3.0, 7.0, 0.0, 2.0, 6.0, 4.0]
    for config, value in zip(configs, values, strict=True):
        tell(sh, config, 1, value if maximize else -value)
    promoted = [ask_at(sh) for _ in range(3)]
    # The three best, best first, at the top fidelity.
    assert promoted == [(configs[2], 9), (configs[4], 9), (configs[7], 9)]
    for config, _ in promoted:
        tell(sh, config, 9, 50.0)
    config, fidelity = ask_at(sh)  # the next bracket starts with a new config
    assert fidelity == 1
    assert config not in configs


def test_a_diverged_run_is_never_promoted_and_ties_go_to_the_earlier_result() -> None:
    sh = make("successive-halving", (1, 9), n_configs=6)  # promotes floor(6 / 3) = 2
    configs = [ask_at(sh)[0] for _ in range(6)]
    for config, value in zip(configs, [math.nan, 3.0, 1.0, 3.0, math.nan, 0.0], strict=True):
        tell(sh, config, 1, value)
    assert [ask_at(sh) for _ in range(2)] == [(configs[1], 9), (configs[3], 9)]
    asha = make("asha", (1, 9))
    configs = [ask_at(asha)[0] for _ in range(3)]
    for config in configs:
        tell(asha, config, 1, math.nan)
    assert ask_at(asha)[1] == 1  # nothing worth promoting: a new config


def test_hyperband_cycles_its_brackets() -> None:
    hb = make("hyperband", (12, 200))
    for _ in range(2):  # two cycles
        low = [ask_at(hb) for _ in range(3)]
        assert [f for _, f in low] == [12, 12, 12]
        for (config, _), value in zip(low, [1.0, 3.0, 2.0], strict=True):
            tell(hb, config, 12, value)
        assert ask_at(hb) == (low[1][0], 200)
        tell(hb, low[1][0], 200, 90.0)
        top = [ask_at(hb) for _ in range(2)]
        assert [f for _, f in top] == [200, 200]
        for config, _ in top:
            tell(hb, config, 200, 80.0)
    assert hb.diagnostics()["brackets_completed"] == 4


# (3) One bracket at a time waits for a rung; parallel brackets and ASHA never wait.


@pytest.mark.parametrize("name", SYNCHRONOUS)
def test_one_bracket_at_a_time_waits_while_a_rung_is_incomplete(name: str) -> None:
    strategy = make(name, (12, 200), parallel_brackets=False)
    pending = [ask_at(strategy) for _ in range(3)]  # the first bracket's rung: 3 at 12 epochs
    assert [f for _, f in pending] == [12, 12, 12]
    assert strategy.ask_at() is None
    tell(strategy, pending[0][0], 12, 70.0)
    tell(strategy, pending[2][0], 12, 60.0)  # told out of order, as workers finish
    assert strategy.ask_at() is None
    tell(strategy, pending[1][0], 12, 50.0)
    assert strategy.ask_at() == (pending[0][0], 200)
    assert strategy.ask_at() is None  # the top rung of this bracket is running
    # `ask` must answer: a random config rather than a wait.
    assert nb201_cell_space().is_valid(strategy.ask())


def test_parallel_brackets_open_the_next_bracket_and_serve_the_oldest_first() -> None:
    hb = make("hyperband", (12, 200))
    first = [ask_at(hb) for _ in range(3)]  # bracket 1: 3 new configs at 12 epochs
    assert [f for _, f in first] == [12, 12, 12]
    second = [ask_at(hb) for _ in range(2)]  # bracket 1 waits: bracket 2, 2 configs at 200
    assert [f for _, f in second] == [200, 200]
    third = ask_at(hb)  # bracket 3, the cycle's first again: new configs at 12
    assert third[1] == 12
    for (config, _), value in zip(first, [1.0, 3.0, 2.0], strict=True):
        tell(hb, config, 12, value)
    # Bracket 1's rung is complete: its promotion goes before bracket 3's next new config.
    assert ask_at(hb) == (first[1][0], 200)
    assert ask_at(hb)[1] == 12
    for config, _ in second:
        tell(hb, config, 200, 80.0)
    tell(hb, first[1][0], 200, 90.0)
    assert hb.diagnostics()["brackets_completed"] == 2
    assert hb.diagnostics()["most_brackets_open"] == 3


class Scripted(SuccessiveHalving):
    """Successive halving whose new configs are given in advance (to repeat one on purpose)."""

    def __init__(self, configs: list[Config], **kwargs: object) -> None:
        self.script = list(configs)
        super().__init__(nb201_cell_space(), seed=0, fidelities=(1, 9), n_configs=3, **kwargs)

    def new_config(self, rung: int) -> Config:
        return self.script.pop(0)


def test_a_config_in_two_brackets_is_told_to_each_in_turn() -> None:
    a, b, c, d, e = (tuple(nb201_cell_space().sample(np.random.default_rng(i))) for i in range(5))
    assert len({a, b, c, d, e}) == 5
    sh = Scripted([a, b, c, a, d, e])
    asked = [ask_at(sh) for _ in range(6)]  # bracket 1: a, b, c; bracket 2: a, d, e
    assert asked == [(x, 1) for x in (a, b, c, a, d, e)]
    for config, value in [(a, 10.0), (b, 1.0), (c, 2.0)]:
        tell(sh, config, 1, value)  # the first result of a goes to bracket 1, which asked first
    assert ask_at(sh) == (a, 9)
    for config, value in [(a, 0.0), (d, 5.0), (e, 3.0)]:
        tell(sh, config, 1, value)  # the second to bracket 2, where a is now the worst
    assert ask_at(sh) == (d, 9)


@pytest.mark.parametrize("name", SYNCHRONOUS)
def test_with_one_worker_parallel_brackets_change_nothing(name: str) -> None:
    # Each result told before the next ask: a bracket always has a config to hand out or
    # is done, so no bracket opens early. On 40-epoch curves (rungs 1, 4, 13, 40: four
    # brackets), with diverged runs, and with BOHB's model in use.
    def sequence(parallel: bool) -> list[tuple[Config, int]]:
        strategy = make(name, tuple(range(1, 41)), parallel_brackets=parallel)
        values = np.random.default_rng(7)
        asked = []
        for _ in range(120):
            config, fidelity = ask_at(strategy)
            asked.append((config, fidelity))
            value = math.nan if values.random() < 0.05 else float(values.normal(fidelity, 5))
            tell(strategy, config, fidelity, value)
        return asked

    assert sequence(True) == sequence(False)


def test_asha_never_waits_and_promotes_as_soon_as_a_rung_allows() -> None:
    asha = make("asha", (12, 200))
    pending = [ask_at(asha) for _ in range(20)]
    assert {f for _, f in pending} == {12}
    for (config, _), value in zip(pending[:3], [1.0, 5.0, 3.0], strict=True):
        tell(asha, config, 12, value)
    assert ask_at(asha) == (pending[1][0], 200)  # top 1 of 3
    assert ask_at(asha)[1] == 12  # already promoted: a new config
    for (config, _), value in zip(pending[3:6], [4.0, 0.0, 2.0], strict=True):
        tell(asha, config, 12, value)
    assert ask_at(asha) == (pending[3][0], 200)  # top 2 of 6: the one not yet promoted


# (4) Every strategy on NB201, with one and four simulated workers.


@cache
def nb201_run(
    name: str, seed: int, seconds: float, workers: int, *, one_bracket: bool = False
) -> RunTrace:
    """A run on NB201; ``one_bracket``: with ``parallel_brackets=false``."""
    objective = load_objective(NB201)
    strategy = build_strategy(
        name,
        {"parallel_brackets": False} if one_bracket else {},
        objective.space,
        seed=seed,
        maximize=objective.maximize,
        budget=None,
        fidelities=objective.info.fidelities,
        continues=objective.info.fidelity_continues,
    )
    trace = run_strategy(
        strategy,
        objective,
        seed=seed,
        budget=Budget(kind="seconds", amount=seconds),
        workers=workers,
    )
    assert trace.status == "finished", trace.traceback
    return trace


@pytest.mark.parametrize("workers", [1, 4])
@pytest.mark.parametrize("name", MULTI_FIDELITY)
def test_runs_on_nb201_deterministically_with_time_at_12_epochs(name: str, workers: int) -> None:
    trace = nb201_run(name, 0, 12_000.0, workers)
    again = nb201_run.__wrapped__(name, 0, 12_000.0, workers)
    np.testing.assert_array_equal(trace.config_index, again.config_index)
    np.testing.assert_array_equal(trace.metrics["fidelity"], again.metrics["fidelity"])
    np.testing.assert_array_equal(trace.regret, again.regret)
    assert set(trace.metrics["fidelity"].tolist()) == {12.0, 200.0}
    seconds = trace.notes["workers"]["seconds_at_fidelity"]
    share = seconds["12"] / (seconds["12"] + seconds["200"])
    assert 0.03 < share < 0.5, seconds
    assert trace.cumulative_cost_seconds[-1] <= 12_000.0
    assert math.isfinite(trace.final_regret)
    other = nb201_run(name, 1, 12_000.0, workers)
    assert not np.array_equal(trace.config_index[:5], other.config_index[:5])


@pytest.mark.parametrize("name", SYNCHRONOUS)
def test_one_worker_runs_the_same_with_and_without_parallel_brackets(name: str) -> None:
    for seed in SEEDS[:3]:
        trace = nb201_run(name, seed, 50_000.0, 1)
        alone = nb201_run(name, seed, 50_000.0, 1, one_bracket=True)
        np.testing.assert_array_equal(trace.config_index, alone.config_index)
        np.testing.assert_array_equal(trace.metrics["fidelity"], alone.metrics["fidelity"])
        np.testing.assert_array_equal(trace.regret, alone.regret)


def test_four_workers_stay_busy_unless_brackets_run_one_at_a_time() -> None:
    def utilisation(name: str, one_bracket: bool = False) -> float:
        trace = nb201_run(name, 0, 12_000.0, 4, one_bracket=one_bracket)
        return float(trace.notes["workers"]["utilisation"])

    assert utilisation("asha") > 0.9
    for name in SYNCHRONOUS:
        assert utilisation(name) > 0.9, name  # parallel brackets, the default
        assert utilisation(name, one_bracket=True) < 0.5, name


# (5) Behaviour: a lower median final regret than random search at 200 epochs.


def median_regret(name: str, seconds: float, workers: int, *, one_bracket: bool = False) -> float:
    runs = [nb201_run(name, s, seconds, workers, one_bracket=one_bracket) for s in SEEDS]
    return float(np.median([trace.final_regret for trace in runs]))


@pytest.mark.parametrize("seconds", [12_000.0, 50_000.0])
def test_multi_fidelity_beats_random_search_with_one_worker(seconds: float) -> None:
    # Seeds 100-109; over seeds 0-199 the medians were, at 12,000 s: random 1.96, hyperband
    # 1.82, asha 1.59, bohb 1.78; at 50,000 s: random 1.03, hyperband 0.74, asha 0.66,
    # bohb 0.63 (successive halving 1.55 and 0.63).
    random = median_regret("random", seconds, 1)
    for name in ("hyperband", "asha", "bohb"):
        assert median_regret(name, seconds, 1) < random, name


def test_all_beat_random_search_at_the_protocol_budget_with_four_workers() -> None:
    # The flagship --budget-seconds 12000 --sim-workers 4. Seeds 100-109: random 0.73, asha
    # 0.63; with parallel brackets successive halving 0.63, hyperband 0.64, bohb 0.55; one
    # bracket at a time 1.13, 1.68, 1.01 (seeds 0-199: random 1.09, asha 0.70, parallel
    # 0.67, 0.79, 0.67; one at a time 1.42, 1.57, 1.44).
    random = median_regret("random", 12_000.0, 4)
    assert median_regret("asha", 12_000.0, 4) < random
    for name in SYNCHRONOUS:
        parallel = median_regret(name, 12_000.0, 4)
        assert parallel < random, name
        assert parallel < median_regret(name, 12_000.0, 4, one_bracket=True), name
