"""Behaviour of the transfer strategies `transfer-topk` and `autobuild`.

The shared contract (validity, determinism, global RNG, tiny and huge spaces) runs them
without priors in ``test_strategy_contract.py``; this file checks what priors change: the
consensus top-k, a planted component and block found by autobuild, determinism with priors,
no repeats, the refusals, and the diagnostics. The tests call ``learn_prior`` themselves, as
the harness does before a run's first ask (``test_transfer_protocol.py`` checks that part).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from _transfer_kit import drive, synthetic_prior
from scipy.stats import rankdata

from cli import main as cli_main
from harness import Budget, run_strategy
from spaces import Dimension, PriorData, RecordedTable, Space, load_objective
from strategies import (
    Strategy,
    StrategyOptionError,
    build_strategy,
    get_strategy,
    parse_strategy_spec,
)

NAMES = ("transfer-topk", "autobuild", "nal", "pg-nag")
FAST: dict[str, dict[str, Any]] = {
    "autobuild": {"prior_steps": 150},
    "transfer-topk": {},
    "nal": {"prior_steps": 60, "n_samples": 64},
    "pg-nag": {"prior_steps": 60, "n_samples": 64, "n_shapley": 200},
}
"""Options that keep the tests quick (fewer prior steps than the default 300)."""


# -- helpers -------------------------------------------------------------------------------------
def prior_from_table(table: RecordedTable) -> PriorData:
    """A table's seed-mean search metric as a source (what the harness will hand over)."""
    values = np.array(table.oracle, dtype=np.float64)
    recorded = np.arange(table.costs.shape[1]) < table.n_seeds[:, None]
    return PriorData(
        space=table.name,
        metric=table.info.search_metric,
        maximize=table.maximize,
        values=values,
        n_configs=int(np.isfinite(values).sum()),
        n_runs=int(table.n_seeds.sum()),
        cost_seconds=float(np.where(recorded, table.costs, 0.0).sum()),
    )


def small_space() -> Space:
    """36 configs: a categorical (4), an ordinal (3) and a categorical (3) dimension."""
    return Space(
        (
            Dimension(name="op", kind="categorical", choices=("conv", "pool", "skip", "none")),
            Dimension(name="width", kind="ordinal", choices=(16, 32, 64)),
            Dimension(name="act", kind="categorical", choices=("relu", "tanh", "gelu")),
        )
    )


def planted_values(
    space: Space, seed: int, *, bonus: dict[tuple[str, int], float]
) -> npt.NDArray[np.float64]:
    """Noise plus ``bonus[(dimension, choice index)]`` for every config having that value."""
    configs = space.configs(np.arange(space.n_configs))
    values = np.random.default_rng(seed).normal(0.0, 1.0, space.n_configs)
    for (dim, choice), amount in bonus.items():
        values += amount * (configs[:, space.names.index(dim)] == choice)
    return values


def make(
    name: str, space: Space, seed: int = 0, budget: int | None = 40, **options: Any
) -> Strategy:
    return build_strategy(
        name, {**FAST[name], **options}, space, seed=seed, maximize=True, budget=budget
    )


def objective_of(space: Space, seed: int = 1) -> npt.NDArray[np.float64]:
    """A target objective related to the sources: op=skip is good, plus its own noise."""
    return planted_values(space, seed, bonus={("op", 2): 3.0})


def sources(space: Space) -> list[PriorData]:
    """Three sources on ``space``, one minimising, one with unrecorded configs."""
    a = planted_values(space, 10, bonus={("op", 2): 3.0})
    b = -planted_values(space, 11, bonus={("op", 2): 3.0})  # a loss: smaller is better
    c = planted_values(space, 12, bonus={("op", 2): 3.0})
    c[::5] = np.nan
    return [
        synthetic_prior(a, name="toy/a"),
        synthetic_prior(b, name="toy/b", maximize=False),
        synthetic_prior(c, name="toy/c"),
    ]


def expected_consensus(priors: list[PriorData], n_configs: int) -> list[int]:
    """The consensus order written out plainly: mean within-source rank, 1 = best."""
    ranks: dict[int, list[float]] = {i: [] for i in range(n_configs)}
    for prior in priors:
        scores = prior.values if prior.maximize else -prior.values
        recorded = [int(i) for i in np.flatnonzero(np.isfinite(scores))]
        for i, r in zip(recorded, rankdata(scores[recorded]), strict=True):
            ranks[i].append((float(r) - 1) / (len(recorded) - 1))
    means = {i: float(np.mean(r)) for i, r in ranks.items() if r}
    return sorted(means, key=lambda i: (-means[i], i))


# -- registry, options ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_registered_as_transfer_strategies(name: str) -> None:
    cls = get_strategy(name)
    assert cls.uses_prior is True
    assert cls.description.strip()
    assert "\n" not in cls.description


def test_harness_list_shows_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out


@pytest.mark.parametrize(
    ("name", "options", "option"),
    [
        ("transfer-topk", {"k": -1}, "k"),
        ("transfer-topk", {"k": 2.5}, "k"),
        ("transfer-topk", {"n_init": 0}, "n_init"),
        ("transfer-topk", {"n_init": 41}, "n_init"),  # the budget is 40
        ("autobuild", {"keep": 0}, "keep"),
        ("autobuild", {"keep": 5}, "keep"),  # the largest dimension has 4 values
        ("autobuild", {"epsilon": -0.1}, "epsilon"),
        ("autobuild", {"epsilon": 1.5}, "epsilon"),
        ("autobuild", {"embedding_size": 0}, "embedding_size"),
        ("autobuild", {"target_weight": 0.0}, "target_weight"),
        ("autobuild", {"n_init": 37}, "n_init"),  # the space has 36 configs
        ("autobuild", {"prior_steps": -1}, "prior_steps"),
        ("nal", {"expert_fraction": 0.0}, "expert_fraction"),
        ("nal", {"expert_fraction": 1.5}, "expert_fraction"),
        ("nal", {"heads": 3}, "heads"),  # does not divide hidden=32
        ("nal", {"temperature": 0.0}, "temperature"),
        ("nal", {"n_samples": 0}, "n_samples"),
        ("nal", {"n_init": 37}, "n_init"),
    ],
)
def test_bad_options_are_refused(name: str, options: dict[str, Any], option: str) -> None:
    with pytest.raises(StrategyOptionError) as info:
        build_strategy(name, options, small_space(), seed=0, maximize=True, budget=40)
    message = str(info.value)
    assert message.startswith(f"strategy {name!r}: option {option}=")
    assert "\n" not in message


def test_bad_options_are_refused_from_the_command_line_spelling() -> None:
    with pytest.raises(StrategyOptionError, match=r"option epsilon=2\.0 must be a number in"):
        parse_strategy_spec("autobuild:epsilon=2")
    with pytest.raises(StrategyOptionError, match=r"option k=-3 must be a whole number >= 0"):
        parse_strategy_spec("transfer-topk:k=-3")


# -- priors: refusals and copies -----------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(35,), (37,), (36, 1)])
def test_a_prior_of_the_wrong_length_is_refused(name: str, shape: tuple[int, ...]) -> None:
    space = small_space()
    good = sources(space)[0]
    bad = synthetic_prior(np.zeros(shape), name="toy/bad")
    with pytest.raises(ValueError, match=r"prior 'toy/bad' has values of shape") as info:
        make(name, space).learn_prior([good, bad])
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", NAMES)
def test_learn_prior_keeps_no_reference_to_the_sources(name: str) -> None:
    space = small_space()
    objective = objective_of(space)
    kept = make(name, space, seed=4)
    mutated = sources(space)
    kept.learn_prior(mutated)
    for prior in mutated:
        prior.values[:] = -prior.values  # after learn_prior: must change nothing
    fresh = make(name, space, seed=4)
    fresh.learn_prior(sources(space))
    assert drive(kept, objective, 15) == drive(fresh, objective, 15)


@pytest.mark.parametrize("name", NAMES)
def test_learn_prior_after_the_first_ask_is_refused(name: str) -> None:
    strategy = make(name, small_space())
    strategy.ask()
    with pytest.raises(RuntimeError, match="before the first ask"):
        strategy.learn_prior([])


# -- determinism ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("with_priors", [True, False])
def test_same_seed_and_priors_give_the_same_run(name: str, with_priors: bool) -> None:
    space = small_space()
    objective = objective_of(space)
    runs = []
    for seed in (7, 7, 8):
        strategy = make(name, space, seed=seed)
        if with_priors:
            strategy.learn_prior(sources(space))
        runs.append(drive(strategy, objective, 25))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.parametrize("name", NAMES)
def test_learn_prior_never_called_is_the_same_as_no_sources(name: str) -> None:
    space = small_space()
    objective = objective_of(space)
    never = make(name, space, seed=3)
    empty = make(name, space, seed=3)
    empty.learn_prior([])
    assert drive(never, objective, 20) == drive(empty, objective, 20)


# -- no repeats ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("transfer-topk", {}),
        ("transfer-topk", {"k": 100}),  # more than the space: capped to what is ranked
        ("autobuild", {}),
        ("autobuild", {"keep": 1, "epsilon": 0.0}),  # the pruned space is one config
        ("autobuild", {"epsilon": 1.0}),
        ("nal", {}),
        ("nal", {"valid_only": False, "temperature": 5.0}),
        ("pg-nag", {}),
        ("pg-nag", {"guidance": 0.0, "valid_only": False}),
    ],
)
@pytest.mark.parametrize("with_priors", [True, False])
def test_no_repeats_until_the_space_is_exhausted(
    name: str, options: dict[str, Any], with_priors: bool
) -> None:
    space = small_space()
    strategy = make(name, space, seed=2, budget=None, **options)
    if with_priors:
        strategy.learn_prior(sources(space))
    suggested = drive(strategy, objective_of(space), space.n_configs)
    assert len(set(suggested)) == space.n_configs
    drive(strategy, objective_of(space), 3)  # then repeats, still valid configs


# -- transfer-topk -------------------------------------------------------------------------------
def test_topk_first_suggestions_are_the_consensus_top_k() -> None:
    space = small_space()
    priors = sources(space)
    strategy = make("transfer-topk", space, seed=0, k=7)
    strategy.learn_prior(priors)
    objective = objective_of(space)
    expected = [space.config(i) for i in expected_consensus(priors, space.n_configs)[:7]]
    first = drive(strategy, objective, 7)
    assert first == expected
    # Then local search from the best of them: its first move is a one-dimension neighbour.
    best = max(first, key=lambda c: objective[space.index(c)])
    following = strategy.ask()
    assert following in space.neighbours(best)


def test_topk_on_recorded_tables_evaluates_the_consensus_first() -> None:
    cifar100 = prior_from_table(load_objective("nb201/cifar100"))  # type: ignore[arg-type]
    imagenet = prior_from_table(load_objective("nb201/imagenet16-120"))  # type: ignore[arg-type]
    target = load_objective("nb201/cifar10")
    assert isinstance(target, RecordedTable)
    strategy = build_strategy("transfer-topk", {}, target.space, seed=0, maximize=True, budget=100)
    strategy.learn_prior([cifar100, imagenet])
    ranks = []
    for prior in (cifar100, imagenet):
        r = rankdata(prior.values)  # both fully recorded, larger is better
        ranks.append((r - 1) / (len(r) - 1))
    mean = np.mean(ranks, axis=0)
    expected = np.lexsort((np.arange(len(mean)), -mean))[:10]
    trace = run_strategy(strategy, target, seed=0, budget=Budget(kind="evaluations", amount=20))
    assert trace.status == "finished", trace.traceback
    np.testing.assert_array_equal(trace.config_index[:10], expected)
    assert len(set(trace.config_index.tolist())) == 20
    assert strategy.diagnostics()["sources"] == ["nb201/cifar100", "nb201/imagenet16-120"]


def test_topk_k_is_capped_to_the_budget_and_zero_means_local_search() -> None:
    space = small_space()
    capped = make("transfer-topk", space, seed=0, budget=4, k=10)
    capped.learn_prior(sources(space))
    expected = [space.config(i) for i in expected_consensus(sources(space), space.n_configs)]
    assert drive(capped, objective_of(space), 4) == expected[:4]
    plain = make("transfer-topk", space, seed=0, k=0)
    plain.learn_prior(sources(space))
    assert plain.diagnostics()["top_k"] == []
    assert len(set(drive(plain, objective_of(space), 20))) == 20


def test_consensus_ignores_a_source_that_did_not_record_a_config() -> None:
    space = Space((Dimension(name="x", kind="categorical", choices=tuple("abcd")),))
    # Config 0 is best in the only source recording it; config 1 second in both.
    a = np.array([4.0, 3.0, 2.0, 1.0])
    b = np.array([np.nan, 3.0, 4.0, 1.0])
    strategy = make("transfer-topk", space, seed=0, budget=4, k=4)
    strategy.learn_prior([synthetic_prior(a), synthetic_prior(b)])
    # Means: config 0: 1.0 (a only), 1: (2/3 + 1/2) / 2, 2: (1/3 + 1) / 2, 3: 0.
    assert drive(strategy, np.zeros(4), 4) == [(0,), (2,), (1,), (3,)]


# -- autobuild -----------------------------------------------------------------------------------
def planted_sources(space: Space, bonus: dict[tuple[str, int], float]) -> list[PriorData]:
    return [
        synthetic_prior(planted_values(space, seed, bonus=bonus), name=f"toy/{seed}")
        for seed in (20, 21)
    ]


@pytest.mark.parametrize(("dim", "choice"), [("op", 3), ("width", 0), ("act", 1)])
def test_autobuild_finds_a_planted_good_component(dim: str, choice: int) -> None:
    space = small_space()
    strategy = make("autobuild", space, seed=0, epsilon=0.0)
    strategy.learn_prior(planted_sources(space, {(dim, choice): 4.0}))
    importance = strategy.diagnostics()["importance"][dim]
    value = str(space.dimensions[space.names.index(dim)].choices[choice])
    assert max(importance, key=importance.__getitem__) == value
    first = strategy.ask()
    assert first[space.names.index(dim)] == choice


def test_autobuild_finds_a_planted_block() -> None:
    space = small_space()
    strategy = make("autobuild", space, seed=0, epsilon=0.0)
    # Only the combination pays: op=pool together with act=gelu.
    configs = space.configs(np.arange(space.n_configs))
    priors = []
    for seed in (30, 31):
        values = np.random.default_rng(seed).normal(0.0, 0.3, space.n_configs)
        values += 4.0 * ((configs[:, 0] == 1) & (configs[:, 2] == 2))
        priors.append(synthetic_prior(values, name=f"toy/{seed}"))
    strategy.learn_prior(priors)
    top = strategy.diagnostics()["blocks"][0]
    assert {top["a"], top["b"]} == {"op=pool", "act=gelu"}
    first = strategy.ask()
    assert (first[0], first[2]) == (1, 2)


def test_autobuild_fine_tunes_towards_the_target() -> None:
    """Sources say op=conv; the target rewards op=none: the model moves towards the target."""
    space = small_space()
    strategy = make("autobuild", space, seed=0)
    strategy.learn_prior(planted_sources(space, {("op", 0): 4.0}))
    before = strategy.diagnostics()["importance"]["op"]
    assert max(before, key=before.__getitem__) == "conv"
    drive(strategy, planted_values(space, 5, bonus={("op", 3): 6.0}), 16)
    after = strategy.diagnostics()["importance"]["op"]
    assert after["none"] - after["conv"] > before["none"] - before["conv"] + 0.5


def test_autobuild_without_sources_learns_from_the_target() -> None:
    space = small_space()
    strategy = make("autobuild", space, seed=0, n_init=10)
    drive(strategy, planted_values(space, 6, bonus={("act", 2): 4.0}), 14)
    importance = strategy.diagnostics()["importance"]["act"]
    assert max(importance, key=importance.__getitem__) == "gelu"


def test_autobuild_without_sources_starts_with_a_random_design() -> None:
    space = small_space()
    strategy = make("autobuild", space, seed=0, n_init=6)
    suggested = drive(strategy, objective_of(space), 12)
    assert len(set(suggested)) == 12
    assert strategy.diagnostics()["sources"] == []


def test_autobuild_scores_candidates_on_a_space_too_large_to_score_whole() -> None:
    space = Space(
        (
            Dimension(name="a", kind="ordinal", choices=tuple(range(1, 501)), log=True),
            Dimension(name="b", kind="categorical", choices=tuple(f"v{i}" for i in range(501))),
        )
    )
    assert space.n_configs > 200_000
    values = planted_values(space, 0, bonus={("b", 7): 5.0})
    strategy = make("autobuild", space, seed=0, prior_steps=30, epsilon=0.0, n_candidates=300)
    strategy.learn_prior([synthetic_prior(values)])
    suggested = drive(strategy, values, 12)
    assert len(set(suggested)) == 12
    assert sum(config[1] == 7 for config in suggested) >= 6


# -- diagnostics ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("with_priors", [True, False])
def test_diagnostics_are_json(name: str, with_priors: bool) -> None:
    space = small_space()
    strategy = make(name, space, seed=0)
    if with_priors:
        strategy.learn_prior(sources(space))
    drive(strategy, objective_of(space), 12)
    diagnostics = strategy.diagnostics()
    assert json.loads(json.dumps(diagnostics)) == diagnostics
    assert diagnostics["sources"] == (["toy/a", "toy/b", "toy/c"] if with_priors else [])


def test_autobuild_diagnostics_layout() -> None:
    space = small_space()
    strategy = make("autobuild", space, seed=0)
    strategy.learn_prior(sources(space))
    diagnostics = strategy.diagnostics()
    assert set(diagnostics) == {"importance", "blocks", "sources"}
    importance = diagnostics["importance"]
    assert list(importance) == list(space.names)
    assert list(importance["width"]) == ["16", "32", "64"]
    for scores in importance.values():
        for x in scores.values():
            assert type(x) is float
            assert round(x, 6) == x
    blocks = diagnostics["blocks"]
    assert len(blocks) == 10
    assert [b["score"] for b in blocks] == sorted((b["score"] for b in blocks), reverse=True)
    for block in blocks:
        assert set(block) == {"a", "b", "score"}
        assert block["a"].split("=")[0] != block["b"].split("=")[0]
    # The planted op=skip is the most important op and in the best block.
    assert max(importance["op"], key=importance["op"].__getitem__) == "skip"
    assert "op=skip" in (blocks[0]["a"], blocks[0]["b"])
