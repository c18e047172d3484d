"""Behaviour of `pg-nag`: Shapley contributions, guided diffusion generation, the fallback.

The shared contract (validity, determinism, global RNG, tiny and huge spaces) runs it without
priors in ``test_strategy_contract.py``; this file checks the contribution estimator against
exact Shapley values, what a planted prior does to contributions and suggestions, what
guidance changes, no repeats, the source-less fallback, the refusals and the diagnostics.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import sys
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from _transfer_kit import drive, synthetic_prior

from spaces import Config, Dimension, PriorData, Space
from strategies import (
    Strategy,
    StrategyOptionError,
    build_strategy,
    get_strategy,
)
from strategies._contributions import component_means, explained_sample, shapley_samples
from strategies._diffusion import MaskedDiffusion

FAST: dict[str, Any] = {"prior_steps": 150, "n_samples": 64, "diffusion_steps": 8}
"""Options that keep the tests quick."""
PLANTED = (2, 0, 3, 1)
"""The best value of each dimension of `grid_space` in the planted sources."""


# -- helpers -------------------------------------------------------------------------------------
def grid_space() -> Space:
    """256 configs: four categorical dimensions of four values each."""
    return Space(
        tuple(
            Dimension(name=f"d{i}", kind="categorical", choices=("a", "b", "c", "d"))
            for i in range(4)
        )
    )


def planted_values(space: Space, seed: int, *, effect: float = 2.0) -> npt.NDArray[np.float64]:
    """``effect`` for each dimension holding its `PLANTED` value, plus unit noise."""
    configs = space.configs(np.arange(space.n_configs))
    values: npt.NDArray[np.float64] = np.random.default_rng(seed).normal(0.0, 1.0, space.n_configs)
    values += effect * (configs == np.asarray(PLANTED)).sum(axis=1)
    return values


def planted_sources(space: Space) -> list[PriorData]:
    """Two planted sources: one minimising, one with unrecorded configs."""
    a = -planted_values(space, 10)  # a loss: smaller is better
    b = planted_values(space, 11)
    b[::7] = np.nan
    return [synthetic_prior(a, name="toy/a", maximize=False), synthetic_prior(b, name="toy/b")]


def make(space: Space, seed: int = 0, budget: int | None = 40, **options: Any) -> Strategy:
    return build_strategy(
        "pg-nag", {**FAST, **options}, space, seed=seed, maximize=True, budget=budget
    )


def planted_share(configs: list[Config]) -> float:
    """Share of the dimensions of ``configs`` that hold their planted value."""
    return float(np.mean(np.asarray(configs) == np.asarray(PLANTED)))


def exact_shapley(f: Any, x: tuple[int, ...], sizes: tuple[int, ...]) -> list[float]:
    """Interventional Shapley values of ``x`` with a uniform background, by enumeration."""
    d = len(sizes)
    backgrounds = np.asarray(list(itertools.product(*(range(s) for s in sizes))))

    def value(coalition: frozenset[int]) -> float:
        rows = backgrounds.copy()
        for i in coalition:
            rows[:, i] = x[i]
        return float(np.mean(f(rows)))

    out = []
    for i in range(d):
        others = [j for j in range(d) if j != i]
        total = 0.0
        for k in range(d):
            for subset in itertools.combinations(others, k):
                s = frozenset(subset)
                weight = math.factorial(k) * math.factorial(d - k - 1) / math.factorial(d)
                total += weight * (value(s | {i}) - value(s))
        out.append(total)
    return out


# -- the Shapley estimator -----------------------------------------------------------------------
def test_an_additive_function_gives_its_centred_effects() -> None:
    sizes = (3, 4, 2)
    effects = [np.array([0.0, 1.0, 5.0]), np.array([2.0, -1.0, 0.5, 0.0]), np.array([3.0, -3.0])]

    def f(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        out = np.zeros(len(rows))
        for i, e in enumerate(effects):
            out += e[rows[:, i]]
        return out

    x = np.asarray(list(itertools.product(range(3), range(4), range(2))))
    rows, samples = shapley_samples(f, x, sizes, np.random.default_rng(0), n_permutations=2000)
    assert rows.shape == samples.shape == (len(x) * 2000, 3)
    # For an additive f a walk's sample of dimension i is e_i[x_i] - e_i[z_i], whatever the
    # order: exactly one of those differences, never anything mixed in from other dimensions.
    for i, e in enumerate(effects):
        possible = e[rows[:, i]][:, None] - e[None, :]
        assert np.isclose(samples[:, i : i + 1], possible, atol=1e-12).any(axis=1).all()
    means, counts = component_means(rows, samples, sizes)
    exact = np.concatenate([e - e.mean() for e in effects])  # the exact Shapley values
    np.testing.assert_allclose(means, exact, atol=0.05)
    assert counts.tolist() == [8 * 2000] * 3 + [6 * 2000] * 4 + [12 * 2000] * 2


def test_samples_average_to_the_exact_shapley_values_of_an_interaction() -> None:
    sizes = (2, 3, 2)

    def f(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        product = rows[:, 0] * rows[:, 1]
        both = (rows[:, 2] == 1) & (rows[:, 1] == 2)
        out: npt.NDArray[np.float64] = (product + 0.5 * both).astype(np.float64)
        return out

    x = (1, 2, 1)
    exact = exact_shapley(f, x, sizes)
    everything = np.asarray(list(itertools.product(range(2), range(3), range(2))))
    # The reference is right: efficiency, the values add up to f(x) minus the mean of f.
    assert sum(exact) == pytest.approx(f(np.asarray([x]))[0] - f(everything).mean())
    rng = np.random.default_rng(1)
    _, samples = shapley_samples(f, np.asarray([x]), sizes, rng, n_permutations=40_000)
    np.testing.assert_allclose(samples.mean(axis=0), exact, atol=0.02)


def test_walks_through_undefined_configs_are_dropped() -> None:
    sizes = (2, 2)

    def f(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = rows.sum(axis=1).astype(np.float64)
        out[(rows[:, 0] == 1) & (rows[:, 1] == 0)] = np.nan  # config (1, 0) is unrecorded
        return out

    x = np.asarray([[1, 1]] * 200)
    rows, samples = shapley_samples(f, x, sizes, np.random.default_rng(2), n_permutations=2)
    # A walk from z = (1, 0), or from (0, 0) switching dimension 0 first, meets (1, 0).
    assert 0 < len(rows) < 400
    assert np.isfinite(samples).all()
    assert np.isin(samples, [0.0, 1.0]).all()  # x_i - z_i of the walks kept


def test_explained_sample_takes_experts_and_uniform_draws_within_the_cap() -> None:
    recorded = np.arange(100, dtype=np.int64) * 3
    ranks = np.linspace(0.0, 1.0, 100)
    rng = np.random.default_rng(0)
    picked = explained_sample(recorded, ranks, expert_fraction=0.1, cap=1000, rng=rng)
    assert len(picked) == 20
    assert set(picked[:10].tolist()) == set(recorded[90:].tolist())  # the 10 best
    assert set(picked.tolist()) <= set(recorded.tolist())
    capped = explained_sample(recorded, ranks, expert_fraction=0.5, cap=12, rng=rng)
    assert len(capped) == 12
    assert set(capped[:6].tolist()) <= set(recorded[50:].tolist())


def test_the_estimator_is_fast_on_benchmark_sized_sources() -> None:
    rng = np.random.default_rng(0)
    shapes = [(5,) * 6] * 3 + [(8,) * 5]  # three NAS-Bench-201-sized, one of 32,768 configs
    start = time.perf_counter()
    for sizes in shapes:
        space = Space.from_choices({f"d{i}": list(range(s)) for i, s in enumerate(sizes)})
        table = rng.random(space.n_configs)

        def f(rows: npt.NDArray[np.int64], s: Space = space, t: Any = table) -> Any:
            return t[s.indices(rows)]

        x = space.configs(rng.choice(space.n_configs, size=2000, replace=False))
        rows, samples = shapley_samples(f, x, sizes, rng, n_permutations=4)
        component_means(rows, samples, sizes)
    assert time.perf_counter() - start < 2.0


# -- registry and options ------------------------------------------------------------------------
def test_registered_as_a_transfer_strategy() -> None:
    cls = get_strategy("pg-nag")
    assert cls.uses_prior is True
    assert cls.description.strip()
    assert "\n" not in cls.description


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"expert_fraction": 0.0}, "expert_fraction"),
        ({"expert_fraction": 1.5}, "expert_fraction"),
        ({"n_samples": 0}, "n_samples"),
        ({"n_shapley": 0}, "n_shapley"),
        ({"guidance": -1.0}, "guidance"),
        ({"diffusion_steps": 0}, "diffusion_steps"),
        ({"prior_steps": -1}, "prior_steps"),
        ({"batch": 0}, "batch"),
        ({"n_init": 41}, "n_init"),  # the budget is 40
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], option: str) -> None:
    with pytest.raises(StrategyOptionError) as info:
        build_strategy("pg-nag", options, grid_space(), seed=0, maximize=True, budget=40)
    assert str(info.value).startswith(f"strategy 'pg-nag': option {option}=")


def test_learn_prior_after_the_first_ask_is_refused() -> None:
    strategy = make(grid_space())
    strategy.ask()
    with pytest.raises(RuntimeError, match="before the first ask"):
        strategy.learn_prior([])


def test_a_prior_of_the_wrong_length_is_refused() -> None:
    space = grid_space()
    bad = synthetic_prior(np.zeros(255), name="toy/bad")
    with pytest.raises(ValueError, match=r"prior 'toy/bad' has values of shape"):
        make(space).learn_prior([bad])


# -- with a planted prior ------------------------------------------------------------------------
def test_the_planted_values_have_the_largest_contributions() -> None:
    space = grid_space()
    strategy = make(space)
    strategy.learn_prior(planted_sources(space))
    table = strategy.diagnostics()["contributions"]
    for dim, best in zip(space.dimensions, PLANTED, strict=True):
        values = table[dim.name]
        assert max(values, key=values.__getitem__) == dim.choices[best]
        assert values[dim.choices[best]] > 0.05


def test_the_first_suggestions_are_built_from_the_planted_values() -> None:
    space = grid_space()
    strategy = make(space)
    strategy.learn_prior(planted_sources(space))
    first = drive(strategy, planted_values(space, 1), 10)
    assert first[0] == PLANTED
    assert planted_share(first) >= 0.7  # random configs: 0.25


def test_guidance_moves_generation_to_high_contribution_values() -> None:
    space = grid_space()
    shares = {}
    for guidance in (0.0, 3.0):
        # Every recorded config is an expert: the denoiser alone learns no preference.
        strategy = make(space, expert_fraction=1.0, guidance=guidance)
        strategy.learn_prior(planted_sources(space))
        shares[guidance] = planted_share(drive(strategy, planted_values(space, 1), 20))
    assert shares[0.0] < 0.45
    assert shares[3.0] > shares[0.0] + 0.3


def test_same_seed_and_priors_give_the_same_run_and_other_seeds_differ() -> None:
    space = grid_space()
    objective = planted_values(space, 1)
    runs = []
    for seed in (7, 7, 8):
        strategy = make(space, seed=seed, expert_fraction=0.3)
        strategy.learn_prior(planted_sources(space))
        runs.append(drive(strategy, objective, 30))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_learn_prior_leaves_the_global_random_state_alone() -> None:
    space = grid_space()
    random.seed(3)
    np.random.seed(3)  # noqa: NPY002 - the point is to check that nobody uses this state
    before = (random.getstate(), repr(np.random.get_state()))  # noqa: NPY002
    strategy = make(space)
    torch_before = sys.modules["torch"].get_rng_state() if "torch" in sys.modules else None
    strategy.learn_prior(planted_sources(space))
    drive(strategy, planted_values(space, 1), 5)
    assert (random.getstate(), repr(np.random.get_state())) == before  # noqa: NPY002
    if torch_before is not None:
        assert bool((sys.modules["torch"].get_rng_state() == torch_before).all())


@pytest.mark.parametrize("with_priors", [True, False])
def test_no_repeats_while_unevaluated_configs_remain(with_priors: bool) -> None:
    space = Space.from_choices({"a": ["x", "y", "z"], "b": [1, 2, 3, 4], "c": ["p", "q"]})
    values = np.random.default_rng(5).normal(size=space.n_configs)
    strategy = make(space, budget=30, expert_fraction=0.2)
    if with_priors:
        strategy.learn_prior([synthetic_prior(values, name="toy/src")])
    suggested = [space.index(c) for c in drive(strategy, -values, 30)]
    assert sorted(suggested[:24]) == list(range(24))  # all 24 configs before any repeat


# -- without sources -----------------------------------------------------------------------------
def test_learn_prior_never_called_is_the_same_as_no_sources() -> None:
    space = grid_space()
    objective = planted_values(space, 1)
    never = make(space, seed=3)
    empty = make(space, seed=3)
    empty.learn_prior([])
    assert drive(never, objective, 25) == drive(empty, objective, 25)


def test_without_sources_it_learns_from_its_own_observations() -> None:
    space = grid_space()
    objective = planted_values(space, 1, effect=3.0)
    strategy = make(space, seed=2, n_init=8)
    seen = drive(strategy, objective, 8)
    assert strategy.diagnostics()["n_experts"] == 0  # the random design: nothing learned yet
    seen += drive(strategy, objective, 24)
    assert len(set(seen)) == len(seen)
    diagnostics = strategy.diagnostics()
    assert diagnostics["sources"] == []
    # It learned at 8, 16 and 24 observations, each time from the better half (ties: the
    # lower index first); the designs learned from are all of those halves.
    indices = [space.index(config) for config in seen]
    learned: set[int] = set()
    for n in (8, 16, 24):
        ranked = sorted(indices[:n], key=lambda i: (-objective[i], i))
        learned.update(ranked[: n // 2])
    assert diagnostics["n_experts"] == len(learned)
    assert diagnostics["generation"]["n_samples"] > 0
    # After the design, the generated configs lean to the planted values it has observed.
    assert planted_share(seen[8:]) > planted_share(seen[:8])


# -- diagnostics ---------------------------------------------------------------------------------
def test_diagnostics_are_json_and_have_the_documented_keys() -> None:
    space = grid_space()
    strategy = make(space)
    strategy.learn_prior(planted_sources(space))
    drive(strategy, planted_values(space, 1), 12)
    diagnostics = strategy.diagnostics()
    assert json.loads(json.dumps(diagnostics)) == diagnostics
    assert set(diagnostics) >= {"sources", "contributions", "importance", "generation"}
    assert diagnostics["sources"] == ["toy/a", "toy/b"]
    assert diagnostics["importance"] == diagnostics["contributions"]
    assert list(diagnostics["importance"]) == list(space.names)
    for dim in space.dimensions:
        assert list(diagnostics["importance"][dim.name]) == [str(c) for c in dim.choices]
    generation = diagnostics["generation"]
    assert set(generation) == {"n_samples", "valid", "unique", "novel"}
    assert generation["n_samples"] >= FAST["n_samples"]
    assert 0.0 < generation["unique"] <= 1.0


# -- the diffusion model -------------------------------------------------------------------------
def test_the_diffusion_model_learns_its_designs_and_follows_a_bias() -> None:
    designs = np.asarray([[0, 1, 2], [3, 2, 1]])
    model = MaskedDiffusion((4, 3, 3), seed=0)
    model.fit(designs, np.array([0.5, 0.5]), steps=200, batch=64)
    # Many steps: dimensions unmasked in the same step are drawn independently, which mixes
    # the two designs; with 30 steps for 3 dimensions that is rare.
    configs, log_likelihood = model.sample(200, n_steps=30)
    assert configs.shape == (200, 3)
    assert log_likelihood.shape == (200,)
    assert np.all(log_likelihood <= 0.0)
    learned = (configs == designs[0]).all(axis=1) | (configs == designs[1]).all(axis=1)
    assert learned.mean() > 0.9
    # A bias on value 1 of the first dimension (component 1), which no design has: sampling
    # from p(v) * exp(bias) draws it the more, the larger the bias.
    shares = []
    for size in (0.0, 10.0, 50.0):
        bias = np.zeros(10)
        bias[1] = size
        biased, _ = model.sample(200, n_steps=30, bias=bias)
        shares.append(float((biased[:, 0] == 1).mean()))
    assert shares[0] < 0.05
    assert shares[0] < shares[1] < shares[2]
    assert shares[2] > 0.9
    again = MaskedDiffusion((4, 3, 3), seed=0)
    again.fit(designs, np.array([0.5, 0.5]), steps=200, batch=64)
    np.testing.assert_array_equal(again.sample(200, n_steps=30)[0], configs)
