"""The trainable cell space and the weight-sharing strategies (darts, gdas, rsws).

Checked here: a cell's stand-alone training is deterministic and goes through the training
cache like every trained result; incumbents are scored by their stand-alone oracle value
(the mean over the first training seeds); a supernet search is recorded once and charged the
same recorded seconds on every rerun, before the first evaluation; the searches themselves
on a tiny task; refusals; the report's section; and the CLI end to end on cell/digits.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from cli import main
from harness import Budget, Comparison, plan_comparison, run_strategy
from harness.results import open_results
from harness.testing import TOY_SEARCH_SECONDS, tiny_supernet_task, toy_cell_benchmark
from reports._weight_sharing import weight_sharing_stats
from spaces import NB201_OPS, Space
from spaces.training import (
    ORACLE_SEEDS,
    CellObjective,
    CellRecipe,
    TrainingCache,
    cell_ops,
    cell_provenance,
    load_dataset,
    train_cell,
)
from spaces.training import (
    cell_cache_path as cache_file,
)
from strategies import build_strategy
from strategies._supernet import ALL_CELLS, darts, gdas, rsws

CONV_CELL = (3, 3, 3, 3, 3, 3)


def _cheap_recipe() -> CellRecipe:
    # One epoch of 2 channels: a tenth of a second per model on digits.
    return CellRecipe(
        dataset="digits",
        epochs=1,
        batch_size=64,
        learning_rate=3e-3,
        weight_decay=0.0,
        channels=2,
        cells_per_stage=1,
        image_size=8,
        data_checksum=load_dataset("digits").checksum,
    )


def _objective(cache_dir: Path) -> CellObjective:
    recipe = _cheap_recipe()
    return CellObjective(
        name="cell/digits",
        recipe=recipe,
        cache=TrainingCache(cache_file(recipe, cache_dir), recipe),
        dataset=lambda: load_dataset("digits"),
        provenance=cell_provenance(recipe),
    )


def test_cell_training_is_deterministic_and_leaves_the_global_rng_alone() -> None:
    recipe, data = _cheap_recipe(), load_dataset("digits")
    torch.manual_seed(5)
    before = torch.get_rng_state()
    (a,) = train_cell(recipe, data, CONV_CELL, [0])
    (b, c) = train_cell(recipe, data, CONV_CELL, [0, 1])
    assert torch.equal(torch.get_rng_state(), before)
    assert (a.val_acc, a.test_acc, a.train_loss) == (b.val_acc, b.test_acc, b.train_loss)
    assert a.train_loss != c.train_loss  # another seed: other weights and data order
    assert a.n_params == b.n_params > 0
    (none,) = train_cell(recipe, data, (0,) * 6, [0])
    assert none.val_acc[-1] == pytest.approx(100 * float((data.y_val == 0).float().mean()), abs=15)
    assert cell_ops(CONV_CELL) == ("nor_conv_3x3",) * 6


def test_bad_cells_are_refused() -> None:
    recipe, data = _cheap_recipe(), load_dataset("digits")
    with pytest.raises(ValueError, match="6 operation indices"):
        train_cell(recipe, data, (3, 3, 3), [0])
    with pytest.raises(ValueError, match="6 operation indices"):
        train_cell(recipe, data, (3, 3, 3, 3, 3, 5), [0])
    with pytest.raises(ValueError, match="distinct"):
        train_cell(recipe, data, CONV_CELL, [1, 1])


def test_stand_alone_results_go_through_the_cache(tmp_path: Path) -> None:
    first = _objective(tmp_path)
    index = first.space.index(first.space.config(1234))
    got = first.evaluate(index, 2)
    assert first.trained == 1
    assert first.cache.count() == 1
    again = _objective(tmp_path)  # a later command: same file, nothing trained
    hit = again.evaluate(index, 2)
    assert again.trained == 0
    assert (hit.value, hit.cost_seconds, hit.metrics) == (got.value, got.cost_seconds, got.metrics)


def test_incumbents_are_scored_by_their_stand_alone_oracle_value(tmp_path: Path) -> None:
    objective = _objective(tmp_path)
    strategy = build_strategy("random", {}, objective.space, seed=3, maximize=True, budget=3)
    trace = run_strategy(strategy, objective, seed=3, budget=Budget(kind="evaluations", amount=3))
    assert trace.status == "finished", trace.traceback
    for step in range(3):
        index = int(trace.incumbent_index[step])
        seeds = [objective.evaluate(index, s) for s in range(ORACLE_SEEDS)]
        assert trace.incumbent_value[step] == pytest.approx(np.mean([e.value for e in seeds]))
        assert trace.incumbent_test[step] == pytest.approx(
            np.mean([e.metrics["test_acc"] for e in seeds])
        )
    # What the strategy saw is one training seed, not the oracle value.
    assert set(trace.slot.tolist()) <= set(range(objective.recipe.n_seeds))


def test_a_search_is_recorded_once_and_replayed_at_the_same_charge(tmp_path: Path) -> None:
    calls: list[int] = []

    def search(task: Any) -> dict[str, Any]:
        calls.append(task.seed)
        time.sleep(0.05)
        with task.diagnostic():
            time.sleep(0.2)  # report-only work: recorded apart, not charged
        return {"proposals": [list(CONV_CELL)], "supernet_acc": [50.0]}

    key = {"strategy": "probe", "version": 1, "options": {}}
    record = _objective(tmp_path).supernet(key, search, seed=7)
    assert calls == [7]
    assert 0.05 <= record.seconds < 0.2
    assert record.diagnostic_seconds >= 0.2
    replay = _objective(tmp_path).supernet(key, search, seed=7)  # a fresh process's objective
    assert calls == [7]
    assert (replay.seconds, replay.result) == (record.seconds, record.result)
    _objective(tmp_path).supernet(key, search, seed=8)
    assert calls == [7, 8]


def test_an_unreadable_search_record_is_one_clear_error(tmp_path: Path) -> None:
    objective = _objective(tmp_path)
    key = {"strategy": "probe", "version": 1, "options": {}}
    objective.supernet(key, lambda task: {"x": 1}, seed=0)
    (path,) = objective.supernet_dir.glob("*.json")
    path.write_text("{not json")
    from spaces.training import SupernetError

    with pytest.raises(SupernetError, match=r"unreadable.*remove it"):
        _objective(tmp_path).supernet(key, lambda task: {"x": 1}, seed=0)


@pytest.mark.parametrize("name", ["darts", "gdas", "rsws"])
def test_the_search_is_charged_first_and_reruns_are_identical(name: str) -> None:
    bench = toy_cell_benchmark()
    budget = Budget(kind="seconds", amount=TOY_SEARCH_SECONDS + 10)

    def run() -> Any:
        strategy = build_strategy(
            name, {"candidates": 4}, bench.space, seed=1, maximize=True, budget=None
        )
        return run_strategy(strategy, bench, seed=1, budget=budget)

    trace = run()
    assert trace.status == "finished", trace.traceback
    assert trace.n_evaluations == 10  # 5 s of search, then 1 s per evaluation
    assert trace.cumulative_cost_seconds[0] == TOY_SEARCH_SECONDS + 1
    assert trace.cumulative_cost_seconds[-1] == budget.amount
    assert trace.notes["supernet"]["seconds"] == TOY_SEARCH_SECONDS
    np.testing.assert_array_equal(run().config_index, trace.config_index)


def test_a_search_costing_more_than_the_budget_fails_its_run() -> None:
    bench = toy_cell_benchmark()
    strategy = build_strategy("darts", {}, bench.space, seed=0, maximize=True, budget=None)
    trace = run_strategy(
        strategy, bench, seed=0, budget=Budget(kind="seconds", amount=TOY_SEARCH_SECONDS - 1)
    )
    assert trace.status == "failed"
    assert "supernet search of darts costs 5.0 s" in str(trace.error)
    assert "budget of 4 s" in str(trace.error)


def test_the_derived_cell_is_proposed_first_then_the_ranked_ones() -> None:
    bench = toy_cell_benchmark()
    strategy = build_strategy(
        "rsws", {"candidates": 6}, bench.space, seed=2, maximize=True, budget=None
    )
    trace = run_strategy(
        strategy, bench, seed=2, budget=Budget(kind="seconds", amount=TOY_SEARCH_SECONDS + 8)
    )
    diagnostics = strategy.diagnostics()
    derived = [NB201_OPS.index(op) for op in diagnostics["derived_ops"]]
    first = bench.space.values(bench.space.config(int(trace.config_index[0])))
    assert [NB201_OPS.index(str(v)) for v in first.values()] == derived
    assert len(diagnostics["supernet_scores"]) == 6  # every proposal, then 2 random cells
    assert diagnostics["fallback_evaluations"] == 2
    assert trace.n_unique == 8


def _search(name: str, seed: int, **kw: Any) -> dict[str, Any]:
    task = tiny_supernet_task(seed)
    if name == "darts":
        return darts(task, **{"epochs": 2, "order": 1, "arch_lr": 3e-3, "candidates": 5,
                               "rank_rows": 0, **kw})  # fmt: skip
    if name == "gdas":
        return gdas(task, **{"epochs": 2, "tau_max": 10.0, "tau_min": 0.1, "arch_lr": 3e-3,
                              "candidates": 5, "rank_rows": 0, **kw})  # fmt: skip
    return rsws(task, **{"epochs": 2, "candidates": 5, "rank_rows": 0, **kw})


@pytest.mark.parametrize("name", ["darts", "gdas", "rsws"])
def test_searches_are_deterministic_and_rank_what_they_propose(name: str) -> None:
    torch.manual_seed(0)
    before = torch.get_rng_state()
    a, b, other = _search(name, 0), _search(name, 0), _search(name, 1)
    assert torch.equal(torch.get_rng_state(), before)
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(other)
    assert a["derived"] == a["proposals"][0]
    assert len(a["proposals"]) == len(a["supernet_acc"]) == 5
    assert all(0.0 <= acc <= 100.0 for acc in a["supernet_acc"])
    if name == "rsws":
        assert a["supernet_acc"] == sorted(a["supernet_acc"], reverse=True)
    else:
        p = np.array(a["probabilities"])
        assert np.all(np.isfinite(p))
        assert np.allclose(p.sum(axis=1), 1.0)
        # Proposals in order of probability; the first takes every edge's argmax.
        score = [np.log(p[np.arange(6), cell]).sum() for cell in a["proposals"]]
        assert score == sorted(score, reverse=True)
        assert a["derived"] == p.argmax(axis=1).tolist()
        assert len(a["probability_history"]) == 2


def test_second_order_darts_differs_from_first_order() -> None:
    first = _search("darts", 0, order=1)
    second = _search("darts", 0, order=2)
    assert first["probabilities"] != second["probabilities"]


def test_all_cells_follow_the_space_order() -> None:
    bench = toy_cell_benchmark()
    for index in (0, 1, 777, 15_624):
        values = bench.space.values(bench.space.config(index)).values()
        assert ALL_CELLS[index].tolist() == [NB201_OPS.index(str(v)) for v in values]


def test_weight_sharing_strategies_are_refused_where_they_cannot_run() -> None:
    seconds = Budget(kind="seconds", amount=100)
    for space, budget, workers, match in (
        ("nb201/cifar10", Budget(kind="seconds", amount=12000), 1, "does not offer"),
        ("cell/digits", Budget(kind="evaluations", amount=10), 1, "--budget-seconds"),
        ("cell/digits", seconds, 2, "--sim-workers"),
    ):
        comparison = Comparison(
            spaces=(space,),
            strategies=(("darts", {}),),
            seeds=(0,),
            budget=budget,
            sim_workers=workers,
        )
        with pytest.raises(ValueError, match=match):
            plan_comparison(comparison)
    with pytest.raises(ValueError, match="not one"):
        build_strategy("gdas", {}, Space.from_choices({"a": ["x", "y"]}), seed=0,
                       maximize=True, budget=None)  # fmt: skip
    with pytest.raises(ValueError, match="tau_min"):
        build_strategy("gdas", {"tau_min": 5.0, "tau_max": 1.0}, toy_cell_benchmark().space,
                       seed=0, maximize=True, budget=None)  # fmt: skip


def test_report_section_from_run_notes() -> None:
    def note(derived: list[str], scores: list[list[Any]]) -> dict[str, Any]:
        return {
            "supernet": {"seconds": 10.0, "diagnostic_seconds": 1.0, "device": "cpu"},
            "diagnostics": {"derived_ops": derived, "supernet_scores": scores},
        }

    perfect = [[[0] * 6, 10.0, 90.0], [[1] * 6, 20.0, 95.0], [[2] * 6, 30.0, 97.0]]
    reversed_ = [[[0] * 6, 30.0, 90.0], [[1] * 6, 20.0, 95.0], [[2] * 6, 10.0, 97.0]]
    cell = SimpleNamespace(
        labels=("darts", "random"),
        run_notes={
            "darts": (
                note(["skip_connect"] * 6, perfect),
                note(["skip_connect"] * 3 + ["nor_conv_3x3"] * 3, reversed_),
                note(["none"] * 6, perfect[:2]),  # too few cells for a tau
            ),
            "random": ({},),
        },
    )
    stats = weight_sharing_stats(cell)  # type: ignore[arg-type]
    assert stats is not None
    assert list(stats["by_strategy"]) == ["darts"]
    darts_stats = stats["by_strategy"]["darts"]
    assert darts_stats["kendall_tau_mean"] == pytest.approx(0.0)
    assert darts_stats["kendall_tau_runs"] == 2
    assert darts_stats["derived_op_share"]["skip_connect"] == pytest.approx(9 / 18)
    assert darts_stats["derived_op_share"]["none"] == pytest.approx(6 / 18)
    assert darts_stats["median_search_seconds"] == 10.0
    assert weight_sharing_stats(SimpleNamespace(labels=("random",), run_notes={})) is None  # type: ignore[arg-type]


def test_compare_on_cell_digits_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    # 30 s: the search is charged its measured wall time (about 1.5 s alone), which grew to
    # 15-19 s at a load average of 7-9; at 6 s it once left no room for a cell, at 12 s none
    # under that load.
    argv = ["compare", "--space", "cell/digits", "--strategy", "rsws:epochs=1,candidates=3",
            "--strategy", "random", "--seeds", "1", "--budget-seconds", "30", "--workers", "0",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    with open_results(out) as store:
        notes = store.run_notes()
    searched = [n for n in notes.values() if "supernet" in n]
    assert len(searched) == 1
    assert searched[0]["supernet"]["seconds"] > 0
    report = (out / "report.md").read_text()
    assert "weight sharing - supernet cost, ranking and derived cells" in report
    # The seconds AUC starts after the charged search, and the report says over which window.
    (space,) = json.loads((out / "stats.json").read_text())["spaces"]
    start, end = space["auc"]["window"]
    assert searched[0]["supernet"]["seconds"] < start < end == 30
    assert "of the budget, once every compared run has an incumbent" in report
    capsys.readouterr()
    # Rerun: resumes, nothing trained or searched again.
    assert main(argv) == 0
    assert "0 run now" in capsys.readouterr().out
    assert main([*argv[:-2], "--budget", "5", "--out", str(tmp_path / "x")]) == 2
    assert "--budget-seconds" in capsys.readouterr().err


def test_cell_space_refusals_train_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    out = str(tmp_path / "out")
    # Several objectives need a fully recorded table: refused before a single cell trains
    # (it once tried to train all 15,625 for their oracle values).
    argv = ["compare", "--space", "cell/digits", "--strategy", "random", "--objectives",
            "val_acc,params", "--budget-seconds", "10", "--out", out]  # fmt: skip
    assert main(argv) == 2
    assert "not fully recorded" in capsys.readouterr().err
    assert main(["train", "--space", "cell/digits", "--dry-run"]) == 2
    assert "trained on demand by `compare`" in capsys.readouterr().err
    import sqlite3

    for path in (tmp_path / "cache").rglob("*.sqlite"):
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_cell_space_epochs_follow_the_recipes() -> None:
    from spaces.training import CELL_DATASETS, CELL_RECIPE_DEFAULTS

    assert set(CELL_DATASETS) == set(CELL_RECIPE_DEFAULTS)
    for data, epochs in CELL_DATASETS.items():
        assert CELL_RECIPE_DEFAULTS[data]["epochs"] == epochs


def test_simulated_workers_fail_a_weight_sharing_run_through_the_api() -> None:
    # compare refuses --sim-workers (above); a direct call gets a failed run, not a search
    # whose charge the event loop's clock would ignore.
    bench = toy_cell_benchmark()
    strategy = build_strategy("rsws", {}, bench.space, seed=0, maximize=True, budget=None)
    trace = run_strategy(
        strategy, bench, seed=0, budget=Budget(kind="seconds", amount=50), workers=2
    )
    assert trace.status == "failed"
    assert "one worker" in str(trace.error)


def test_list_shows_a_cell_space_cache_fill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli._train import recorded_fill

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    assert recorded_fill("cell/digits") == "0 models in cache (open)"
