"""Tests of the ASNN strategies and their inverse model, beyond the shared contract."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from harness import Budget, run_strategy
from harness.testing import toy_benchmark
from spaces import Dimension, Space
from strategies import Observation, StrategyOptionError, build_strategy, parse_strategy_spec
from strategies._asnn_model import (
    InverseModel,
    best_unexcluded,
    config_score,
    config_score_grid,
    ranked_configs,
)
from strategies.asnn_plus import N_GRID, _top_log_probability

TOY = toy_benchmark()


def make(spec: str, budget: int | None = 25, **options: object) -> object:
    name, parsed = parse_strategy_spec(spec)
    parsed.update(options)
    return build_strategy(name, parsed, TOY.space, seed=0, maximize=True, budget=budget)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("asnn", {"margin": -0.1}, "margin=-0.1"),
        ("asnn", {"margin": float("nan")}, "margin=nan"),
        ("asnn", {"n_init": 0}, "n_init=0"),
        ("asnn", {"n_init": 26}, "n_init=26 must be at most the budget (25 evaluations)"),
        ("asnn", {"hidden": 0}, "hidden=0"),
        ("asnn", {"lr": -1.0}, "lr=-1.0"),
        ("asnn-plus", {"n_init": 26}, "n_init=26 must be at most the budget"),
        ("asnn-plus", {"contrast": 1.5}, "contrast=1.5 must be a number in [0, 1]"),
        ("asnn-plus", {"target_quantile": 0.0}, "target_quantile=0.0 must be a number in (0, 2]"),
        ("asnn-plus", {"p_local": -0.5}, "p_local=-0.5"),
        ("asnn-plus", {"n_models": 0}, "n_models=0"),
        ("asnn-plus", {"scoring": "ucb"}, "scoring='ucb' must be one of posterior, contrast"),
        ("asnn-plus", {"top_fraction": 0.0}, "top_fraction=0.0 must be a number in (0, 1]"),
        ("asnn-plus", {"top_fraction": 1.5}, "top_fraction=1.5 must be a number in (0, 1]"),
    ],
)
def test_bad_options_fail_at_construction(name: str, options: dict[str, object], message: str):
    with pytest.raises(StrategyOptionError, match=f"^strategy '{name}': option ") as info:
        make(name, **options)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["asnn", "asnn-plus"])
def test_n_init_larger_than_the_space_fails_and_the_default_fits(name: str):
    tiny = toy_benchmark(tiny=True).space
    with pytest.raises(
        StrategyOptionError, match=r"n_init=5 must be at most the size of the space"
    ):
        build_strategy(name, {"n_init": 5}, tiny, seed=0, maximize=True, budget=None)
    # The default (None: 10 capped to the space) fits: a 2-config table still works.
    build_strategy(name, {}, tiny, seed=0, maximize=True, budget=None)


def test_options_are_stored_unmodified():
    strategy = make("asnn-plus", contrast=0.5, n_models=1)
    assert strategy.options()["contrast"] == 0.5  # type: ignore[attr-defined]
    assert strategy.options()["n_models"] == 1  # type: ignore[attr-defined]


def brute_force_order(scores: list[np.ndarray]) -> list[tuple[int, ...]]:
    configs = list(itertools.product(*(range(len(s)) for s in scores)))
    totals = [sum(s[c] for s, c in zip(scores, config, strict=True)) for config in configs]
    return [configs[i] for i in np.argsort(-np.asarray(totals), kind="stable")]


def test_best_unexcluded_walks_configs_in_score_order():
    rng = np.random.default_rng(0)
    scores = [rng.normal(size=n) for n in (3, 4, 2, 5)]
    order = brute_force_order(scores)
    excluded: set[tuple[int, ...]] = set()
    for expected in order:
        found = best_unexcluded(scores, excluded, max_pops=len(excluded) + 1)
        assert found == expected
        excluded.add(found)
    assert best_unexcluded(scores, excluded, max_pops=len(excluded) + 1) is None


def test_ranked_configs_enumerates_every_config_once_in_score_order():
    rng = np.random.default_rng(1)
    scores = [rng.normal(size=n) for n in (2, 3, 4)]
    assert list(ranked_configs(scores)) == brute_force_order(scores)


def test_config_score_grid_matches_one_value_at_a_time():
    model = InverseModel(TOY.space, seed=0, ordinal="softmax")
    configs = TOY.space.sample_many(np.random.default_rng(2), 12)
    model.fit(np.linspace(-1, 1, 12), configs, steps=5)
    x = np.array([-0.5, 0.2, 0.9])
    grid = config_score_grid(model.log_scores_grid(x), configs)
    assert grid.shape == (3, 12)
    for row, value in zip(grid, x, strict=True):
        np.testing.assert_allclose(row, config_score(model.log_scores(value), configs), atol=1e-6)


def test_posterior_puts_the_configs_seen_at_the_top_above_those_seen_at_the_bottom():
    space = TOY.space
    high, low, unseen = (0, 3, 1), (2, 0, 0), (1, 1, 0)
    configs = np.array([high] * 20 + [low] * 20)
    quantiles = np.r_[np.linspace(0.8, 1.0, 20), np.linspace(0.0, 0.2, 20)]
    model = InverseModel(space, seed=0, ordinal="softmax")
    model.fit(2 * quantiles - 1, configs, steps=300)
    log_p = _top_log_probability(model, [low, unseen, high], n_top=2)
    assert log_p[2] > log_p[1] > log_p[0]
    # All grid points: every config is certainly somewhere in the quantile range.
    np.testing.assert_allclose(_top_log_probability(model, [low, high], n_top=N_GRID), 0, atol=1e-9)


def test_config_score_adds_per_dimension_scores():
    scores = [np.array([0.0, -1.0]), np.array([-2.0, 0.5, 3.0])]
    got = config_score(scores, np.array([[0, 2], [1, 0]]))
    np.testing.assert_allclose(got, [3.0, -3.0])


@pytest.mark.parametrize("ordinal", ["regression", "softmax"])
def test_inverse_model_maps_values_to_the_configs_that_reached_them(ordinal: str):
    space = TOY.space
    high, low = (0, 3, 1), (2, 0, 0)
    configs = np.array([high] * 20 + [low] * 20)
    x = np.r_[np.linspace(0.5, 1.0, 20), np.linspace(-1.0, -0.5, 20)]
    model = InverseModel(space, seed=0, ordinal=ordinal)  # type: ignore[arg-type]
    model.fit(x, configs, steps=300)
    np.testing.assert_array_equal(model.most_likely(np.array([1.0, -1.0])), [high, low])
    scores = model.log_scores(1.0)
    assert best_unexcluded(scores, set(), max_pops=1) == high
    # Asked again with the best config excluded, the next most likely one differs from it.
    assert best_unexcluded(scores, {high}, max_pops=2) not in (high, None)


def test_same_seed_gives_same_model():
    configs = TOY.space.sample_many(np.random.default_rng(1), 30)
    x = np.linspace(-1, 1, 30)
    a, b = (InverseModel(TOY.space, seed=3) for _ in range(2))
    assert a.fit(x, configs, steps=20) == b.fit(x, configs, steps=20)
    np.testing.assert_array_equal(a.log_scores(1.1)[1], b.log_scores(1.1)[1])


ALL_VARIANTS = ["asnn", "asnn-plus", "asnn-plus:scoring=contrast"]


@pytest.mark.parametrize("name", ALL_VARIANTS)
def test_never_repeats_a_config_before_the_space_is_exhausted(name: str):
    n = TOY.space.n_configs
    trace = run_strategy(
        make(name, budget=n + 5),  # type: ignore[arg-type]
        TOY,
        seed=0,
        budget=Budget(kind="evaluations", amount=n + 5),
    )
    assert trace.status == "finished", trace.traceback
    assert len(set(trace.config_index[:n].tolist())) == n


@pytest.mark.parametrize("spec", ALL_VARIANTS)
def test_minimising_negated_values_is_the_same_run(spec: str):
    name, options = parse_strategy_spec(spec)
    runs = []
    for maximize, sign in ((True, 1.0), (False, -1.0)):
        strategy = build_strategy(name, options, TOY.space, seed=4, maximize=maximize, budget=20)
        seen = []
        for _ in range(20):
            config = strategy.ask()
            seen.append(config)
            strategy.tell(config, Observation(sign * float(TOY.oracle[TOY.space.index(config)]), 1))
        runs.append(seen)
    assert runs[0] == runs[1]


def test_uses_one_torch_thread():
    torch = pytest.importorskip("torch")
    make("asnn")
    assert torch.get_num_threads() == 1


def test_all_ordinal_and_all_categorical_spaces_work():
    for kind in ("ordinal", "categorical"):
        space = Space(
            tuple(Dimension(name=f"d{i}", kind=kind, choices=(1, 2, 4, 8)) for i in range(3))  # type: ignore[arg-type]
        )
        for name in ("asnn", "asnn-plus"):
            strategy = build_strategy(name, {}, space, seed=0, maximize=True, budget=15)
            for _ in range(15):
                config = strategy.ask()
                assert space.is_valid(config)
                strategy.tell(config, Observation(float(sum(config)), 1.0))


def test_asnn_plus_finds_the_toy_optimum_more_often_than_random():
    """The toy table has one clear optimum; a learning strategy should reach it."""
    hits = {"asnn-plus": 0, "random": 0}
    for name in hits:
        for seed in range(6):
            strategy = build_strategy(name, {}, TOY.space, seed=seed, maximize=True, budget=25)
            trace = run_strategy(
                strategy, TOY, seed=seed, budget=Budget(kind="evaluations", amount=25)
            )
            hits[name] += int(trace.final_regret == 0.0)
    assert hits["asnn-plus"] > hits["random"]
