from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from harness.results import open_results
from reports import final_regret_summary, render_summary
from reports._summary import strategy_labels
from reports.synthetic import write_synthetic_store


def runs_frame() -> pd.DataFrame:
    rows = []
    for strategy, options, regrets in (
        ("random", {}, [0.5, 0.0, 1.0]),
        ("evolution", {"population": 50, "tournament": 10}, [0.2, 0.0, 0.0]),
        ("evolution", {"population": 10, "tournament": 10}, [0.4, 0.4, np.nan]),
    ):
        for seed, regret in enumerate(regrets):
            rows.append(
                {
                    "space": "toy/mixed",
                    "strategy": strategy,
                    "options": json.dumps(options),
                    "seed": seed,
                    "status": "failed" if np.isnan(regret) else "finished",
                    "checksum": "c0ffee",
                    "metric": "accuracy",
                    "fidelity": 0,
                    "final_regret": regret,
                    "final_value": 1.0 - regret,
                    "final_test": np.nan,
                    "n_evaluations": 10,
                    "n_unique": 9,
                    "overhead_seconds": 0.01,
                    "budget_kind": "evaluations",
                    "budget": 10.0,
                }
            )
    return pd.DataFrame(rows)


def test_labels_show_only_the_options_that_differ() -> None:
    labels = strategy_labels(runs_frame())
    assert set(labels) == {"random", "evolution(population=50)", "evolution(population=10)"}


def test_summary_numbers() -> None:
    summary = final_regret_summary(runs_frame()).set_index("strategy")
    random = summary.loc["random"]
    assert random["n_runs"] == 3
    assert random["mean"] == 0.5
    assert random["sd"] == 0.5
    assert random["median"] == 0.5
    assert random["n_optimum"] == 1
    assert random["overhead_ms"] == 1.0
    small = summary.loc["evolution(population=10)"]
    assert small["n_runs"] == 2
    assert small["n_failed"] == 1
    assert summary.loc["evolution(population=50)", "n_optimum"] == 2


def test_rendered_table_text() -> None:
    console = Console(width=140, record=True, color_system=None)
    render_summary(runs_frame(), console)
    text = console.export_text()
    lines = [line for line in text.splitlines() if "│" in line]
    assert text.startswith("toy/mixed: final regret after 10 evaluations (lower is better)")
    # Sorted by mean final regret; failed runs are counted, not hidden.
    assert "evolution(population=50)" in lines[0]
    assert "0.06667 ± 0.115" in lines[0]
    assert "2/3" in lines[0]
    assert "evolution(population=10)" in lines[1]
    assert "2 (1 failed)" in lines[1]
    assert "random" in lines[2]


def _render(runs: pd.DataFrame, spaces: pd.DataFrame | None = None) -> str:
    console = Console(width=160, record=True, color_system=None)
    render_summary(runs, console, spaces)
    return console.export_text()


def test_open_space_shows_the_best_value_in_its_direction(tmp_path: Path) -> None:
    root = write_synthetic_store(
        tmp_path, n_strategies=3, n_spaces=2, n_seeds=5, open_spaces=[1], test_metric=True
    )
    with open_results(root) as store:
        runs, spaces = store.runs(), store.spaces()
    summary = final_regret_summary(runs, spaces).set_index(["space", "strategy"])
    closed, opened = summary.loc["toy/0"], summary.loc["toy/1"]
    assert set(closed["measure"]) == {"regret"}
    assert set(opened["measure"]) == {"value"}
    assert set(opened["direction"]) == {"maximize"}
    assert opened["n_optimum"].isna().all()
    assert (opened["mean"] > 0.8).all()
    assert (opened["test_mean"] > 0.7).all()
    text = _render(runs, spaces)
    assert "toy/0: final regret after 30 evaluations (lower is better)" in text
    assert "toy/1: best accuracy after 30 evaluations (higher is better; optimum unknown)" in text
    lines = [line for line in text.split("toy/1:")[1].splitlines() if "│" in line]
    # Highest accuracy first; no optimum, so "found optimum" is "-".
    assert [line.split("│")[1].strip() for line in lines] == ["s2", "s1", "s0"]
    assert all(line.split("│")[5].strip() == "-" for line in lines)
    # The column names the test metric (a test metric here: the store's report metric is
    # the search metric).
    assert "test_accuracy (test)" in text
    assert "final test" not in text
    # Without the spaces table the open space is still recognised, its direction unknown.
    text = _render(runs)
    assert "toy/1: best accuracy after 30 evaluations (direction unknown; optimum unknown)" in text


def test_failed_runs_and_all_failed(tmp_path: Path) -> None:
    root = write_synthetic_store(
        tmp_path,
        n_strategies=2,
        n_spaces=2,
        n_seeds=3,
        failed=[(0, 0, 1), *((st, 1, sd) for st in range(2) for sd in range(3))],
    )
    with open_results(root) as store:
        runs, spaces = store.runs(), store.spaces()
    summary = final_regret_summary(runs, spaces).set_index(["space", "strategy"])
    assert summary.loc[("toy/0", "s0"), "n_runs"] == 2
    assert summary.loc[("toy/0", "s0"), "n_failed"] == 1
    assert summary.loc[("toy/1", "s1"), "n_runs"] == 0
    assert np.isnan(summary.loc[("toy/1", "s1"), "mean"])
    text = _render(runs, spaces)
    assert "2 (1 failed)" in text
    assert "0 (3 failed)" in text
    assert _render(runs.iloc[:0]) == "no runs to summarise\n"


def test_several_budgets_of_one_space_are_separate_tables(tmp_path: Path) -> None:
    write_synthetic_store(tmp_path, n_spaces=1, n_seeds=3, n_evaluations=10)
    write_synthetic_store(tmp_path, n_spaces=1, n_seeds=3, n_evaluations=20)
    with open_results(tmp_path) as store:
        text = _render(store.runs(), store.spaces())
    assert "toy/0 [10 evaluations]: final regret after 10 evaluations" in text
    assert "toy/0 [20 evaluations]: final regret after 20 evaluations" in text
