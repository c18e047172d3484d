"""`nal` and what the generators share: architecture graphs, the candidate pool, sample quality.

The behaviour every transfer strategy shares (refusals, determinism, no repeats, diagnostics
as JSON) is checked for `nal` in ``test_transfer_strategies.py``; this file checks what is
NAL's own: the graph it reads a space as, that it learns the sources' expert designs and
generates from them, that the target's results never steer it, the validity filter, and one
comparison through the command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _transfer_kit import drive, synthetic_prior

from cli import main as cli_main
from harness import ResultsStore
from spaces import NB201_PATHS, Dimension, PriorData, Space, load_objective
from strategies import Strategy, build_strategy
from strategies._arch_graph import QualityCounter, architecture_graph
from strategies._generated import CandidatePool, random_unseen

FAST: dict[str, Any] = {"prior_steps": 80, "n_samples": 64}


def chain_space() -> Space:
    """4 x 5 x 3 x 4 = 240 configs."""
    return Space(
        (
            Dimension(name="a", kind="categorical", choices=("p", "q", "r", "s")),
            Dimension(name="b", kind="ordinal", choices=(1, 2, 3, 4, 5)),
            Dimension(name="c", kind="categorical", choices=("x", "y", "z")),
            Dimension(name="d", kind="categorical", choices=("k", "l", "m", "n")),
        )
    )


PLANTED = (2, 4, 0, 3)
"""The value of each dimension of `chain_space` that the planted sources reward."""


def planted_prior(space: Space, seed: int, name: str) -> PriorData:
    """Each planted value adds 2 to a config's score, plus standard normal noise."""
    configs = space.configs(np.arange(space.n_configs))
    values = np.random.default_rng(seed).normal(0.0, 1.0, space.n_configs)
    values += 2.0 * (configs == np.asarray(PLANTED)).sum(axis=1)
    return synthetic_prior(values, name=name)


def nal(space: Space, seed: int = 0, **options: Any) -> Strategy:
    return build_strategy("nal", {**FAST, **options}, space, seed=seed, maximize=True, budget=None)


# -- graphs --------------------------------------------------------------------------------------
def test_a_nb201_cell_is_drawn_with_operations_as_nodes() -> None:
    table = load_objective("nb201/cifar10")
    graph = architecture_graph(table.space)
    assert graph.kind == "cell"
    assert graph.n_nodes == 8
    links = {(int(u), int(v)) for u, v in zip(*np.nonzero(graph.links), strict=True)}
    # Input (0) feeds the edges leaving cell node 0 (Op0, Op1, Op3 = nodes 1, 2, 4); Op0
    # (1<-0) feeds the edges leaving cell node 1 (Op2, Op4); the edges into cell node 3
    # (Op3, Op4, Op5) feed the output (7).
    assert links == {(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)}
    assert graph.order == (0, 1, 2, 3, 4, 5)
    assert graph.paths == NB201_PATHS


def test_invalid_cells_are_exactly_those_the_table_records_at_chance_accuracy() -> None:
    table = load_objective("nb201/cifar10")
    graph = architecture_graph(table.space)
    valid = graph.valid(table.space.configs(np.arange(table.space.n_configs)))
    oracle = np.asarray(table.oracle)
    assert (~valid).sum() == 341
    assert np.all(oracle[~valid] < 10.0)  # chance on CIFAR-10
    assert np.all(oracle[valid] > 30.0)


def test_the_cell_graph_follows_the_operation_order_of_the_space() -> None:
    # A user table may list the operations in another order: "none" is found by name.
    from spaces import NB201_EDGES, NB201_OPS

    reordered = Space.from_choices({edge: list(reversed(NB201_OPS)) for edge in NB201_EDGES})
    graph = architecture_graph(reordered)
    none = len(NB201_OPS) - 1
    assert graph.none_value == (none,) * 6
    assert not graph.is_valid((none,) * 6)
    assert graph.is_valid((none, none, none, 0, none, none))  # only Op3 (3<-0) carries signal


def test_any_other_space_is_a_chain_and_always_valid() -> None:
    space = chain_space()
    graph = architecture_graph(space)
    assert graph.kind == "chain"
    assert {(int(u), int(v)) for u, v in zip(*np.nonzero(graph.links), strict=True)} == {
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    }
    assert graph.valid(space.configs(np.arange(space.n_configs))).all()


# -- the pool and sample quality -----------------------------------------------------------------
def test_the_pool_hands_out_best_first_once_and_never_a_seen_config() -> None:
    space = chain_space()
    graph = architecture_graph(space)
    pool = CandidatePool(space, graph, QualityCounter(graph, [5]), valid_only=True)
    pool.seen.add(7)
    rows = space.configs([7, 5, 9, 5, 3])
    assert pool.add(rows, [9.0, 1.0, 2.0, 1.0, 2.0]) == 3  # 7 seen, 5 repeated
    got = []
    while (config := pool.pop()) is not None:
        got.append(space.index(config))
    assert got == [3, 9, 5]  # 2.0 (lower index first), 2.0, 1.0
    assert pool.add(space.configs([3, 9]), [5.0, 5.0]) == 0  # handed out: seen now
    quality = pool.quality.quality()
    assert (quality.n_samples, quality.n_valid, quality.n_unique, quality.n_novel) == (7, 7, 4, 3)
    expected = {"n_samples": 7, "valid": 1.0, "unique": round(4 / 7, 6), "novel": 0.75}
    assert quality.as_dict() == expected


def test_random_unseen_reaches_the_last_config_of_a_small_space() -> None:
    space = chain_space()
    rng = np.random.default_rng(0)
    seen = set(range(space.n_configs)) - {123}
    assert space.index(random_unseen(space, rng, seen)) == 123
    seen.add(123)
    assert space.is_valid(random_unseen(space, rng, seen))  # all seen: any config


# -- learning from expert designs ----------------------------------------------------------------
def test_nal_learns_the_planted_values_of_the_sources() -> None:
    space = chain_space()
    strategy = nal(space, seed=1, prior_steps=200)
    strategy.learn_prior([planted_prior(space, 10, "toy/a"), planted_prior(space, 11, "toy/b")])
    preference = strategy.diagnostics()["preference"]
    for dimension, planted in zip(space.dimensions, PLANTED, strict=True):
        probs = preference[dimension.name]
        assert max(probs, key=probs.get) == str(dimension.choices[planted])
    first = drive(strategy, np.zeros(space.n_configs), 10)
    matches = [sum(int(c == p) for c, p in zip(config, PLANTED, strict=True)) for config in first]
    # A uniformly random config has 1.03 planted values on average, the 24 expert designs
    # (each source's top 5 %) 2.75: the generated ones are like the experts.
    assert np.mean(matches) >= 2.0


def test_with_sources_the_targets_results_never_steer_nal() -> None:
    space = chain_space()
    priors = [planted_prior(space, 10, "toy/a")]
    runs = []
    for values_seed in (0, 1):
        strategy = nal(space, seed=3)
        strategy.learn_prior(priors)
        values = np.random.default_rng(values_seed).normal(size=space.n_configs)
        runs.append(drive(strategy, values, 40))
    assert runs[0] == runs[1]


def test_without_sources_nal_learns_from_the_better_half_of_its_observations() -> None:
    space = chain_space()
    values = planted_prior(space, 5, "target").values
    strategy = nal(space, seed=2, n_init=10)
    suggested = drive(strategy, values, 40)
    assert strategy.diagnostics()["n_experts"] > 0
    matches = [
        sum(int(c == p) for c, p in zip(config, PLANTED, strict=True)) for config in suggested
    ]
    assert np.mean(matches[20:]) > np.mean(matches[:10])  # it moved towards the good values


def source_preferring_disconnected_cells(space: Space) -> PriorData:
    """Scores that reward disconnected cells: the top 2 % (313 cells) are all invalid."""
    configs = space.configs(np.arange(space.n_configs))
    values = (~architecture_graph(space).valid(configs)).astype(np.float64)
    return synthetic_prior(values, name="toy/none")


@pytest.mark.parametrize("valid_only", [True, False])
def test_invalid_generated_cells_are_counted_and_dropped_unless_asked(valid_only: bool) -> None:
    space = load_objective("nb201/cifar10").space
    graph = architecture_graph(space)
    strategy = nal(space, seed=0, valid_only=valid_only, expert_fraction=0.02)
    strategy.learn_prior([source_preferring_disconnected_cells(space)])
    suggested = drive(strategy, np.zeros(space.n_configs), 30)
    generation = strategy.diagnostics()["generation"]
    assert generation["valid"] < 0.5  # it learned what it was shown: mostly disconnected cells
    n_valid = int(graph.valid(suggested).sum())
    if valid_only:
        assert n_valid == 30
    else:
        assert n_valid < 30


# -- through the command line --------------------------------------------------------------------
def test_compare_runs_nal_with_the_other_data_sets_as_sources(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "--space", "nb201/cifar10", "--strategy", "nal:prior_steps=30"]
    args += ["--strategy", "random", "--seeds", "2", "--budget", "5", "--quiet", "--out", str(out)]
    assert cli_main(args) == 0
    with ResultsStore(out, create=False) as store:
        runs = store.runs()
        notes = store.run_notes()
    generated = runs[runs.strategy.str.startswith("nal")]
    assert set(generated.status) == {"finished"}
    for key in generated.run_key:
        diagnostics = notes[key]["diagnostics"]
        assert diagnostics["sources"] == ["nb201/cifar100", "nb201/imagenet16-120"]
        assert diagnostics["n_experts"] > 0
        assert 0.0 < diagnostics["generation"]["valid"] <= 1.0
    report = (out / "report.md").read_text()
    assert "nb201/cifar10: architectures generated (mean over runs)" in report
    assert "| strategy | samples per run | valid | unique | novel |" in report
    stats = json.loads((out / "stats.json").read_text())
    (space,) = stats["spaces"]
    generation = space["transfer"]["generation"]
    assert list(generation) == ["nal"]  # labelled by name where one variant runs
    assert generation["nal"]["n_runs"] == 2
