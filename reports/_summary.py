"""The end-of-compare summary: final regret per strategy and space, as numbers and as text.

The full statistical report (significance tests, plots, LaTeX) is built on the same stored
runs; this module only condenses the final-regret column for the terminal.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table


def strategy_labels(runs: pd.DataFrame) -> pd.Series:
    """Strategy label of each run: the name, plus options where a name ran with several.

    Only the options whose values differ between a name's option sets are shown, so that
    ``asnn-plus(p_local=0.5)`` and ``asnn-plus(p_local=0.8)`` stay readable.
    """
    varying: dict[str, list[str]] = {}
    for name, group in runs.groupby("strategy"):
        sets = [json.loads(o) for o in group["options"].unique()]
        if len(sets) > 1:
            keys = sorted({k for opts in sets for k in opts})
            varying[str(name)] = [k for k in keys if len({repr(o.get(k)) for o in sets}) > 1]
    labels = []
    for name, options in zip(runs["strategy"], runs["options"], strict=True):
        if name not in varying:
            labels.append(str(name))
            continue
        opts = json.loads(options)
        shown = ", ".join(f"{k}={opts.get(k)}" for k in varying[name])
        labels.append(f"{name}({shown})")
    return pd.Series(labels, index=runs.index, dtype=object)


def final_regret_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per space and strategy: finished runs, final regret statistics and overhead.

    Args:
        runs: The store's runs table (`ResultsStore.runs`).

    Returns:
        One row per (space, strategy) with ``n_runs``, ``n_failed``, ``mean``, ``sd``,
        ``median``, ``n_optimum`` (runs whose incumbent is the optimum), ``unique`` (mean
        distinct configs) and ``overhead_ms`` (mean strategy wall time per evaluation).
    """
    rows = []
    runs = runs.assign(label=strategy_labels(runs))
    for (space, strategy), group in runs.groupby(["space", "label"], sort=False):
        ok = group[group["status"] == "finished"]
        regret = ok["final_regret"].to_numpy(dtype=float)
        n_eval = ok["n_evaluations"].to_numpy(dtype=float)
        per_eval = ok["overhead_seconds"].to_numpy(dtype=float) / np.maximum(n_eval, 1)
        finite = regret[np.isfinite(regret)]
        rows.append(
            {
                "space": space,
                "strategy": strategy,
                "n_runs": len(ok),
                "n_failed": int((group["status"] != "finished").sum()),
                "mean": float(finite.mean()) if len(finite) else np.nan,
                "sd": float(finite.std(ddof=1)) if len(finite) > 1 else np.nan,
                "median": float(np.median(finite)) if len(finite) else np.nan,
                "n_optimum": int(np.count_nonzero(finite <= 0.0)),
                "unique": float(ok["n_unique"].mean()) if len(ok) else np.nan,
                "overhead_ms": float(per_eval.mean() * 1e3) if len(ok) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _fmt(x: float, digits: int = 4) -> str:
    return "-" if not np.isfinite(x) else f"{x:.{digits}g}"


def render_summary(runs: pd.DataFrame, console: Console) -> None:
    """Print one rich table per space, strategies sorted by mean final regret."""
    summary = final_regret_summary(runs)
    for space, table_rows in summary.groupby("space", sort=False):
        budget = runs[runs["space"] == space].iloc[0]
        kind = budget["budget_kind"]
        amount = budget["budget"]
        label = f"{int(amount)} evaluations" if kind == "evaluations" else f"{amount:g} s"
        title = f"{space}: final regret after {label} (lower is better)"
        table = Table(title=title, title_justify="left")
        for col, justify in (
            ("strategy", "left"),
            ("runs", "right"),
            ("mean ± sd", "right"),
            ("median", "right"),
            ("found optimum", "right"),
            ("unique configs", "right"),
            ("overhead / eval", "right"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for _, r in table_rows.sort_values(["mean", "strategy"], na_position="last").iterrows():
            runs_text = str(r["n_runs"]) + (f" ({r['n_failed']} failed)" if r["n_failed"] else "")
            table.add_row(
                str(r["strategy"]),
                runs_text,
                f"{_fmt(r['mean'])} ± {_fmt(r['sd'], 3)}",
                _fmt(r["median"]),
                f"{r['n_optimum']}/{r['n_runs']}",
                _fmt(r["unique"], 4),
                f"{_fmt(r['overhead_ms'], 3)} ms",
            )
        console.print(table)


def options_label(options_json: str) -> str:
    """Compact text of a stored options JSON, e.g. ``population=50, tournament=10``."""
    opts = json.loads(options_json)
    return ", ".join(f"{k}={v}" for k, v in sorted(opts.items()))
