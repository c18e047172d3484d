from __future__ import annotations

import json

import numpy as np
import pandas as pd
from rich.console import Console

from reports import final_regret_summary, render_summary
from reports._summary import strategy_labels


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
                    "final_regret": regret,
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
