"""Behaviour of `predictor` (BANANAS), `gp` (Optuna GPSampler) and `reinforce`, and the NB201
path encoding. The shared contract (determinism, global RNG, exhaustion...) is checked in
``test_strategy_contract.py``; here: what each strategy should do beyond it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cli import main
from harness import Budget, run_strategy
from harness.testing import toy_benchmark
from spaces import (
    NB201_EDGES,
    NB201_OPS,
    Dimension,
    RecordedTable,
    Space,
    is_nb201_cell,
    nb201_cell_space,
)
from strategies import Observation, StrategyOptionError, build_strategy, parse_strategy_spec
from strategies._path_encoding import PATH_ENCODING_WIDTH, path_encoder
from strategies.predictor import copula_targets

NB201_SPACE = nb201_cell_space()


def additive_benchmark() -> RecordedTable:
    """An NB201-shaped table (15,625 cells) whose value adds one effect per edge, plus noise.

    The optimum is choice 3 on every edge; a strategy that learns finds it far faster than
    chance (1 in 15,625).
    """
    space = NB201_SPACE
    configs = space.configs(np.arange(space.n_configs))
    effects = np.random.default_rng(0).normal(0.0, 1.0, size=(6, 5))
    effects[:, 3] = 2.5
    base = effects[np.arange(6), configs].sum(axis=1)
    values = base[:, None] + np.random.default_rng(1).normal(0.0, 0.3, size=(len(base), 2))
    return RecordedTable.from_arrays(
        name="test/additive",
        space=space,
        values=values,
        costs=np.ones_like(values),
        metric="score",
        checksum="additive",
    )


def mean_final_regret(
    strategy: str, options: dict[str, object], bench: RecordedTable, n: int, seeds: range
) -> float:
    out = []
    for seed in seeds:
        instance = build_strategy(
            strategy, options, bench.space, seed=seed, maximize=bench.maximize, budget=n
        )
        trace = run_strategy(
            instance, bench, seed=seed, budget=Budget(kind="evaluations", amount=n)
        )
        assert trace.status == "finished", trace.traceback
        out.append(trace.final_regret)
    return float(np.mean(out))


# -- path encoding --------------------------------------------------------------------------------
def test_path_encoding_of_known_cells() -> None:
    encoder = path_encoder(NB201_SPACE)
    names = list(NB201_OPS)
    conv3, skip, none = names.index("nor_conv_3x3"), names.index("skip_connect"), 0
    all_conv = encoder.encode((conv3,) * 6)
    assert all_conv.shape == (1, PATH_ENCODING_WIDTH) == (1, 84)
    # Paths Op3; Op0-Op4 and Op1-Op5 (the same op sequence: one feature); Op0-Op2-Op5.
    assert all_conv.sum() == 3
    # Cutting 3<-0, 3<-1 and 3<-2 (Op3..Op5) disconnects the output: no path at all.
    assert encoder.encode((conv3, conv3, conv3, none, none, none)).sum() == 0
    # Only the direct edge 3<-0 alive: exactly the length-1 skip path.
    direct = encoder.encode((none, none, none, skip, none, none))
    assert direct.sum() == 1
    assert direct[0, :4].sum() == 1
    # Edges off every live path do not change the encoding.
    a = encoder.encode((none, conv3, conv3, skip, conv3, conv3))
    b = encoder.encode((none, conv3, skip, skip, skip, conv3))
    np.testing.assert_array_equal(a, b)


def test_path_encoding_follows_choice_names_not_positions() -> None:
    reordered = Space.from_choices({edge: list(reversed(NB201_OPS)) for edge in NB201_EDGES})
    assert is_nb201_cell(reordered)
    cell = (3, 1, 2, 0, 4, 3)
    same_cell = tuple(4 - c for c in cell)  # the same op names in the reversed choice order
    np.testing.assert_array_equal(
        path_encoder(NB201_SPACE).encode(cell), path_encoder(reordered).encode(same_cell)
    )


def test_only_nb201_cells_get_the_path_encoding() -> None:
    assert not is_nb201_cell(toy_benchmark().space)
    renamed = Space.from_choices({f"edge{i}": list(NB201_OPS) for i in range(6)})
    assert not is_nb201_cell(renamed)
    with pytest.raises(ValueError, match="NAS-Bench-201"):
        path_encoder(toy_benchmark().space)


def test_copula_targets_rank_and_put_diverged_runs_last() -> None:
    y = copula_targets(np.array([3.0, -np.inf, 1.0, 1.0, 10.0]))
    assert np.all(np.isfinite(y))
    assert y[1] < y[2] == y[3] < y[0] < y[4]
    # Invariant to monotone transforms of the objective (e.g. log-scaled losses).
    np.testing.assert_allclose(
        copula_targets(np.array([1e-4, 1e-2, 1.0])), copula_targets(np.array([-4.0, -2.0, 0.0]))
    )


# -- option validation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "budget", "option"),
    [
        ("predictor:ensemble_size=0", 100, "ensemble_size=0"),
        ("predictor:n_init=101", 100, "n_init=101"),
        ("predictor:n_init=0", 100, "n_init=0"),
        ("predictor:n_init=61", None, "n_init=61"),  # the toy space has 60 configs
        ("predictor:acquisition=ei", 100, "acquisition='ei'"),
        ("predictor:encoding=path", 100, "encoding='path'"),
        ("predictor:retrain_every=0", 100, "retrain_every=0"),
        ("predictor:random_fraction=1.5", 100, "random_fraction=1.5"),
        ("predictor:ucb_beta=-1.0", 100, "ucb_beta=-1.0"),
        ("reinforce:learning_rate=-0.1", 100, "learning_rate=-0.1"),
        ("reinforce:learning_rate=0.0", 100, "learning_rate=0.0"),
        ("reinforce:baseline_momentum=1.0", 100, "baseline_momentum=1.0"),
        ("gp:n_init=30", 20, "n_init=30"),
        ("gp:n_init=100", None, "n_init=100"),
    ],
)
def test_bad_options_fail_at_construction_naming_the_option(
    spec: str, budget: int | None, option: str
) -> None:
    prefix = f"^strategy '{spec.partition(':')[0]}': option "

    def parse_and_build() -> None:
        # Values that break their own rules fail while parsing, values that do not fit the
        # space or the budget when the strategy is built.
        name, options = parse_strategy_spec(spec)
        build_strategy(name, options, toy_benchmark().space, seed=0, maximize=True, budget=budget)

    with pytest.raises(StrategyOptionError, match=prefix + re.escape(option)) as info:
        parse_and_build()
    assert "\n" not in str(info.value)


def test_cli_reports_a_bad_option_in_one_line_with_exit_code_2(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "compare",
            "--strategy",
            "predictor:ensemble_size=0",
            "--space",
            "nb201/cifar10",
            "--seeds",
            "1",
            "--budget",
            "20",
            "--workers",
            "1",
            "--out",
            f"{tmp_path}/c",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0
    assert "ensemble_size=0" in err


def test_automatic_initial_design_fits_small_spaces_and_budgets() -> None:
    tiny = toy_benchmark(tiny=True).space
    for name in ("predictor", "gp"):
        build_strategy(name, {}, tiny, seed=0, maximize=True, budget=5)
        build_strategy(name, {}, toy_benchmark().space, seed=0, maximize=True, budget=3)


# -- predictor ------------------------------------------------------------------------------------
def test_predictor_never_repeats_a_config_before_the_space_is_exhausted() -> None:
    bench = toy_benchmark()
    n = bench.space.n_configs
    strategy = build_strategy(
        "predictor", {"n_epochs": 5}, bench.space, seed=0, maximize=True, budget=n
    )
    trace = run_strategy(strategy, bench, seed=0, budget=Budget(kind="evaluations", amount=n))
    assert trace.n_unique == n


def test_predictor_beats_random_on_a_learnable_space() -> None:
    bench = additive_benchmark()
    seeds = range(4)
    predictor = mean_final_regret("predictor", {}, bench, 40, seeds)
    random = mean_final_regret("random", {}, bench, 40, seeds)
    assert predictor < 0.5 * random


@pytest.mark.parametrize(
    "options",
    [{"acquisition": "ucb"}, {"warm_start": False, "retrain_every": 3}, {"encoding": "generic"}],
)
def test_predictor_variants_learn_too(options: dict[str, object]) -> None:
    bench = additive_benchmark()
    assert mean_final_regret("predictor", options, bench, 40, range(2)) < mean_final_regret(
        "random", {}, bench, 40, range(2)
    )


def test_predictor_retrains_as_often_as_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from strategies.predictor import Predictor

    calls: list[int] = []
    original = Predictor._train

    def counting(self: Predictor) -> object:
        calls.append(len(self._configs))
        return original(self)

    monkeypatch.setattr(Predictor, "_train", counting)
    bench = toy_benchmark()
    for every, expected in ((1, [10, 11, 12, 13, 14, 15]), (4, [10, 14])):
        calls.clear()
        strategy = build_strategy(
            "predictor", {"retrain_every": every}, bench.space, seed=0, maximize=True, budget=16
        )
        run_strategy(strategy, bench, seed=0, budget=Budget(kind="evaluations", amount=16))
        assert calls == expected


# -- reinforce ------------------------------------------------------------------------------------
def test_reinforce_moves_probability_towards_rewarded_choices() -> None:
    space = toy_benchmark().space
    strategy = build_strategy(
        "reinforce", {"learning_rate": 0.1}, space, seed=0, maximize=True, budget=None
    )
    for _ in range(200):
        config = strategy.ask()
        strategy.tell(config, Observation(1.0 if config[0] == 2 else 0.0, 1.0))
    draws = [strategy.ask()[0] for _ in range(200)]
    assert np.mean(np.equal(draws, 2)) > 0.8  # from 1/4 under the initial uniform policy


def test_reinforce_minimises_when_asked() -> None:
    space = toy_benchmark().space
    strategy = build_strategy(
        "reinforce", {"learning_rate": 0.1}, space, seed=0, maximize=False, budget=None
    )
    for _ in range(200):
        config = strategy.ask()
        strategy.tell(config, Observation(float(config[1]), 1.0))  # smallest width is best
    draws = [strategy.ask()[1] for _ in range(200)]
    assert np.mean(np.equal(draws, 0)) > 0.8


def test_reinforce_ignores_a_diverged_run_before_any_reward() -> None:
    space = toy_benchmark().space
    strategy = build_strategy("reinforce", {}, space, seed=0, maximize=True, budget=None)
    fresh = build_strategy("reinforce", {}, space, seed=0, maximize=True, budget=None)
    strategy.tell(strategy.ask(), Observation(float("nan"), 1.0))
    fresh.ask()
    assert [strategy.ask() for _ in range(20)] == [fresh.ask() for _ in range(20)]


# -- gp -------------------------------------------------------------------------------------------
def test_gp_beats_random_on_a_learnable_space() -> None:
    bench = additive_benchmark()
    seeds = range(2)
    gp = mean_final_regret("gp", {}, bench, 25, seeds)
    random = mean_final_regret("random", {}, bench, 25, seeds)
    assert gp < 0.5 * random


def test_gp_handles_ordinal_dimensions_as_ranks() -> None:
    space = Space(
        (
            Dimension(name="lr", kind="ordinal", choices=(1e-4, 1e-3, 1e-2, 1e-1, 1.0)),
            Dimension(name="act", kind="categorical", choices=("relu", "tanh")),
        )
    )
    strategy = build_strategy("gp", {"n_init": 3}, space, seed=0, maximize=True, budget=12)
    seen = []
    for _ in range(12):
        config = strategy.ask()
        assert space.is_valid(config)
        seen.append(config)
        strategy.tell(config, Observation(-abs(config[0] - 2) + config[1], 1.0))
    assert (2, 1) in seen[3:]  # the optimum, found by the GP after the initial design


def test_gp_leaves_optuna_logging_as_it_was() -> None:
    import optuna

    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.DEBUG)
    try:
        strategy = build_strategy(
            "gp", {}, toy_benchmark().space, seed=0, maximize=True, budget=None
        )
        strategy.tell(strategy.ask(), Observation(1.0, 1.0))
        assert optuna.logging.get_verbosity() == optuna.logging.DEBUG
    finally:
        optuna.logging.set_verbosity(previous)
