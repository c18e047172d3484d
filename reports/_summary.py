"""The end-of-compare summary: final regret (or value) per strategy and space, as numbers and text.

The full statistical report (significance tests, plots, LaTeX) is built on the same stored
runs; this module only condenses the runs table for the terminal. It also holds the two
naming rules both share: strategy labels (a name, plus the options that differ where a name
ran with several option sets) and cell names (a space, plus whichever of budget, metric,
fidelity and checksum differ where a store holds several of those for one space).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: The run columns that make one cell of a report: runs that share them are compared.
CELL_KEY = ("space", "checksum", "metric", "fidelity", "budget_kind", "budget")


def strategy_labels(runs: pd.DataFrame) -> pd.Series:
    """Strategy label of each run: the name, plus options where a name ran with several.

    Only the options whose values differ between a name's option sets are shown, so that
    ``asnn-plus(p_local=0.5)`` and ``asnn-plus(p_local=0.8)`` stay readable. Where ``runs``
    has a ``sim_workers`` column (reports add it from the run notes) and a name ran with
    several numbers of simulated workers in one store, the number is shown too:
    ``asha(W=4)`` and ``asha(W=1)`` are compared as two strategies.
    """
    workers = runs["sim_workers"] if "sim_workers" in runs else pd.Series(1, index=runs.index)
    options = [
        {**json.loads(o), **({"W": int(w)} if w != 1 else {})}
        for o, w in zip(runs["options"], workers, strict=True)
    ]
    varying: dict[str, list[str]] = {}
    for name in runs["strategy"].unique():
        sets = [opts for n, opts in zip(runs["strategy"], options, strict=True) if n == name]
        keys = sorted({k for opts in sets for k in opts})
        differ = [
            k for k in keys if len({repr(o.get(k, 1 if k == "W" else None)) for o in sets}) > 1
        ]
        if differ:
            varying[str(name)] = differ
    labels = []
    for name, opts in zip(runs["strategy"], options, strict=True):
        if name not in varying:
            labels.append(str(name))
            continue
        shown = ", ".join(f"{k}={opts.get(k, 1 if k == 'W' else None)}" for k in varying[name])
        labels.append(f"{name}({shown})")
    return pd.Series(labels, index=runs.index, dtype=object)


def budget_label(kind: str, amount: float) -> str:
    """Short text of a budget, e.g. ``100 evaluations``, ``3600 s`` or ``2000 epochs``."""
    return f"{amount:g} s" if kind == "seconds" else f"{int(amount)} {kind}"


def time_unit(max_seconds: float, *, gpu: bool = False) -> tuple[float, str]:
    """Divisor and unit that keep simulated training times short: s, min, h or days.

    Args:
        max_seconds: The largest time to show.
        gpu: The times are recorded GPU training time: the unit says so (``GPU-h``).
    """
    prefix = "GPU-" if gpu else ""
    if max_seconds <= 180:
        return 1.0, f"{prefix}s"
    if max_seconds <= 3 * 3600:
        return 60.0, f"{prefix}min"
    if max_seconds <= 3 * 86400:
        return 3600.0, f"{prefix}h"
    return 86400.0, f"{prefix}days"


def duration(seconds: float) -> str:
    """A simulated training time in a readable unit, e.g. ``45 s``, ``12.5 min``, ``2.9 days``."""
    if not math.isfinite(seconds):
        return "-"
    divisor, unit = time_unit(abs(seconds))
    return f"{seconds / divisor:.3g} {unit}"


def cell_key_columns(runs: pd.DataFrame) -> list[str]:
    """The `CELL_KEY` columns that ``runs`` has (older or hand-made frames may lack some)."""
    return [c for c in CELL_KEY if c in runs.columns]


def cell_names(runs: pd.DataFrame) -> pd.Series:
    """Name of each run's cell: its space, or the space plus what tells its cells apart.

    A space keeps its bare name while the store holds one cell for it; with several (another
    budget, search metric, fidelity or objective checksum), each name says the parts that
    differ, e.g. ``nb201/cifar10 [200 evaluations, fidelity 12]``.
    """
    columns = cell_key_columns(runs)
    names = pd.Series([str(s) for s in runs["space"]], index=runs.index, dtype=object)
    for space, group in runs.groupby("space", sort=False):
        cells = group[columns].drop_duplicates()
        if len(cells) < 2:
            continue
        varies = {c: cells[c].nunique(dropna=False) > 1 for c in columns}
        for _, cell in cells.iterrows():
            parts = []
            if varies.get("budget_kind") or varies.get("budget"):
                parts.append(budget_label(str(cell["budget_kind"]), float(cell["budget"])))
            if varies.get("metric"):
                parts.append(str(cell["metric"]))
            if varies.get("fidelity"):
                parts.append(f"fidelity {cell['fidelity']}")
            if varies.get("checksum"):
                parts.append(f"checksum {str(cell['checksum'])[:8]}")
            match = (group[columns] == cell[columns]).all(axis=1)
            names[match[match].index] = f"{space} [{', '.join(parts)}]"
    return names


def _space_rows(spaces: pd.DataFrame | None) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    """The store's spaces rows by (name, checksum, metric, fidelity)."""
    if spaces is None or spaces.empty:
        return {}
    return {
        (str(r["name"]), str(r["checksum"]), str(r["metric"]), int(r["fidelity"])): dict(r)
        for _, r in spaces.iterrows()
    }


def _is_open(group: pd.DataFrame, row: dict[str, Any] | None) -> bool:
    """Whether a cell's optimum is unknown, so that it shows values instead of regret."""
    if row is not None:
        # A column of only unknown optima reads as None, not NaN.
        return row["optimum"] is None or not math.isfinite(float(row["optimum"]))
    ok = group[group["status"] == "finished"]
    regret = ok["final_regret"].to_numpy(dtype=float, na_value=np.nan)
    value = ok.get("final_value", pd.Series(dtype=float)).to_numpy(dtype=float, na_value=np.nan)
    return not np.isfinite(regret).any() and bool(np.isfinite(value).any())


def _report_of(row: dict[str, Any] | None, metric: str | None) -> tuple[str, str, float] | None:
    """A cell's report metric, its direction and optimum (NaN: unknown), where it differs.

    None where the report metric is the search metric, or the store did not record it.
    """
    if row is None:
        return None
    report = row.get("report_metric")
    if not isinstance(report, str) or report == metric or report != row.get("test_metric"):
        return None
    direction = str((row.get("metrics") or {}).get(report, {}).get("direction", "maximize"))
    optimum = row.get("report_optimum")
    return report, direction, math.nan if optimum is None else float(optimum)


def _mean_sd(x: np.ndarray[Any, Any]) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    return (
        float(x.mean()) if len(x) else np.nan,
        float(x.std(ddof=1)) if len(x) > 1 else np.nan,
    )


def final_regret_summary(runs: pd.DataFrame, spaces: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per cell (space, objective, budget) and strategy: runs, final regret or value, overhead.

    Where the space's optimum is unknown (the ``spaces`` row has no optimum, or without
    ``spaces`` no finished run has a regret) the row describes the final value of the search
    metric instead: ``measure`` says which. Where the store records a report metric other
    than the search metric, the row describes that metric of the final incumbent instead
    (its regret where its optimum is known, else its value) and the search metric's regret
    (or value) goes to ``search_mean`` / ``search_sd``.

    Args:
        runs: The store's runs table (`ResultsStore.runs`).
        spaces: The store's spaces table (`ResultsStore.spaces`), for each open space's
            direction and the report metric; without it, the direction of open spaces is
            unknown and every cell is described on its search metric.

    Returns:
        One row per (cell, strategy) with ``space`` (the cell name), ``strategy``,
        ``measure`` (``regret`` or ``value``), ``metric`` (the metric described: the report
        metric where it differs from the search metric), ``search_metric``,
        ``report_metric`` (None where it is the search metric or unrecorded), ``direction``
        (of ``metric``; None if unknown), ``n_runs`` (finished), ``n_failed``, ``mean``,
        ``sd``, ``median`` (of the final regret or value), ``n_optimum`` (runs whose
        incumbent is the optimum; None for values), ``test_metric`` and ``test_role``
        (the stored second metric, ``test`` or ``report``; None without one), ``test_mean``
        and ``test_sd`` (its final value, NaN without one), ``search_measure``,
        ``search_mean`` and ``search_sd`` (the search metric's final regret or value where
        ``metric`` is the report metric; else None and NaN), ``unique`` (mean distinct
        configs) and ``overhead_ms`` (mean strategy wall time per evaluation).
    """
    rows: list[dict[str, Any]] = []
    if runs.empty:
        return pd.DataFrame(rows)
    runs = runs.assign(label=strategy_labels(runs), cell=cell_names(runs))
    known = _space_rows(spaces)
    columns = cell_key_columns(runs)
    for _, cell in runs.groupby(columns, sort=False, dropna=False):
        first = cell.iloc[0]
        row = known.get(
            (
                str(first["space"]),
                str(first.get("checksum")),
                str(first.get("metric")),
                int(first.get("fidelity", 0)),
            )
        )
        search_open = _is_open(cell, row)
        metric = str(first["metric"]) if "metric" in cell.columns else None
        search_column = "final_value" if search_open else "final_regret"
        report = _report_of(row, metric)
        test_metric = None if row is None else row.get("test_metric") or None
        if report is None:
            is_open = search_open
            direction = None if row is None else str(row["direction"])
        else:
            is_open = not math.isfinite(report[2])
            direction = report[1]
        for strategy, group in cell.groupby("label", sort=False):
            ok = group[group["status"] == "finished"]
            searched = ok[search_column].to_numpy(dtype=float, na_value=np.nan)
            test = ok.get("final_test", pd.Series(dtype=float)).to_numpy(
                dtype=float, na_value=np.nan
            )
            if report is None:
                final = searched
            elif is_open:
                final = test
            else:
                toward = 1.0 if report[1] == "maximize" else -1.0
                with np.errstate(invalid="ignore"):
                    final = np.where(
                        np.isnan(test), np.nan, np.maximum(toward * (report[2] - test), 0.0)
                    )
            n_eval = ok["n_evaluations"].to_numpy(dtype=float)
            per_eval = ok["overhead_seconds"].to_numpy(dtype=float) / np.maximum(n_eval, 1)
            finite = final[np.isfinite(final)]
            mean, sd = _mean_sd(final)
            test_mean, test_sd = _mean_sd(test)
            search_mean, search_sd = _mean_sd(searched) if report else (np.nan, np.nan)
            rows.append(
                {
                    "space": str(first["cell"]),
                    "strategy": strategy,
                    "measure": "value" if is_open else "regret",
                    "metric": metric if report is None else report[0],
                    "search_metric": metric,
                    "report_metric": None if report is None else report[0],
                    "direction": direction,
                    "n_runs": len(ok),
                    "n_failed": int((group["status"] != "finished").sum()),
                    "mean": mean,
                    "sd": sd,
                    "median": float(np.median(finite)) if len(finite) else np.nan,
                    "n_optimum": None if is_open else int(np.count_nonzero(finite <= 0.0)),
                    "test_metric": test_metric,
                    "test_role": None if test_metric is None else ("report" if report else "test"),
                    "test_mean": test_mean,
                    "test_sd": test_sd,
                    "search_measure": None
                    if report is None
                    else ("value" if search_open else "regret"),
                    "search_mean": search_mean,
                    "search_sd": search_sd,
                    "unique": float(ok["n_unique"].mean()) if len(ok) else np.nan,
                    "overhead_ms": float(per_eval.mean() * 1e3) if len(ok) else np.nan,
                    "budget_kind": str(first["budget_kind"]),
                    "budget": float(first["budget"]),
                }
            )
    return pd.DataFrame(rows)


def _fmt(x: Any, digits: int = 4) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.{digits}g}"


def _summary_title(space: str, first: pd.Series) -> str:
    """Title of a cell's summary table: what its numbers are, and which way is better."""
    label = budget_label(str(first["budget_kind"]), float(first["budget"]))
    better = {"maximize": "higher", "minimize": "lower"}.get(str(first["direction"]))
    report = first.get("report_metric")
    if isinstance(report, str):
        chosen = f"incumbents chosen on {first['search_metric']}, the search metric"
        if first["measure"] == "regret":
            return (
                f"{space}: final {report} regret (report metric) after {label} "
                f"(lower is better; {chosen})"
            )
        return (
            f"{space}: final {report} (report metric) after {label} ({better} is better; "
            f"optimum unknown; {chosen})"
        )
    if first["measure"] == "regret":
        if str(first["metric"]).startswith("hv("):  # a multi-objective search
            return (
                f"{space}: final hypervolume regret of {first['metric'][3:-1]} after {label} "
                "(lower is better)"
            )
        return f"{space}: final regret after {label} (lower is better)"
    how = f"{better} is better" if better else "direction unknown"
    return f"{space}: best {first['metric']} after {label} ({how}; optimum unknown)"


def _second_header(first: pd.Series) -> str | None:
    """Header of the column of the stored second metric, or None where it is not shown."""
    metric = first.get("test_metric")
    role = first.get("test_role")
    if role == "report":
        # Beside the report metric's regret only: where it is ranked on its value, the
        # column would repeat the table's numbers.
        return None if first["measure"] != "regret" else f"{metric} (report metric)"
    return f"{metric} (test)" if isinstance(metric, str) else "final test"


def render_summary(
    runs: pd.DataFrame, console: Console, spaces: pd.DataFrame | None = None
) -> None:
    """Print one rich table per cell, strategies sorted from best to worst final result.

    Where a cell's report metric differs from its search metric, the table is of the
    report metric, with the search metric's regret (or best value) in a column beside it.

    Args:
        runs: The store's runs table (`ResultsStore.runs`).
        console: Where to print.
        spaces: The store's spaces table, for the direction of spaces without a known
            optimum (their strategies are listed by name without it) and the report metric.
    """
    summary = final_regret_summary(runs, spaces)
    if summary.empty:
        console.print("no runs to summarise", highlight=False)
        return
    for space, table_rows in summary.groupby("space", sort=False):
        first = table_rows.iloc[0]
        direction = first["direction"]
        title = _summary_title(str(space), first)
        if first["measure"] == "regret":
            ordered = table_rows.sort_values(["mean", "strategy"], na_position="last")
        else:
            better = {"maximize": "higher", "minimize": "lower"}.get(str(direction))
            if better is None:
                ordered = table_rows.sort_values("strategy")
            else:
                key = table_rows["mean"] * (-1.0 if better == "higher" else 1.0)
                ordered = table_rows.assign(_key=key).sort_values(
                    ["_key", "strategy"], na_position="last"
                )
        has_test = bool(np.isfinite(table_rows["test_mean"].to_numpy(dtype=float)).any())
        test_header = _second_header(first) if has_test else None
        search_measure = first["search_measure"]
        search_header = None
        if isinstance(search_measure, str):
            sm = str(first["search_metric"])
            search_header = (
                f"{sm} regret (search metric)"
                if search_measure == "regret"
                else f"best {sm} (search metric)"
            )
        columns = [("strategy", "left"), ("runs", "right"), ("mean ± sd", "right")]
        columns += [("median", "right"), ("found optimum", "right")]
        if test_header:
            columns.append((test_header, "right"))
        if search_header:
            columns.append((search_header, "right"))
        columns += [("unique configs", "right"), ("overhead / eval", "right")]
        rows: list[list[str]] = []
        for _, r in ordered.iterrows():
            runs_text = str(r["n_runs"]) + (f" ({r['n_failed']} failed)" if r["n_failed"] else "")
            n_optimum = r["n_optimum"]
            found = (
                "-"
                if n_optimum is None or not np.isfinite(n_optimum)
                else f"{int(n_optimum)}/{r['n_runs']}"
            )
            cells = [
                str(r["strategy"]),
                runs_text,
                f"{_fmt(r['mean'])} ± {_fmt(r['sd'], 3)}",
                _fmt(r["median"]),
                found,
            ]
            if test_header:
                cells.append(f"{_fmt(r['test_mean'])} ± {_fmt(r['test_sd'], 3)}")
            if search_header:
                cells.append(f"{_fmt(r['search_mean'])} ± {_fmt(r['search_sd'], 3)}")
            cells += [_fmt(r["unique"], 4), f"{_fmt(r['overhead_ms'], 3)} ms"]
            rows.append(cells)
        for table in fitted_tables(title, columns, rows, console.width):
            console.print(table)


def _natural_width(header: str, cells: Sequence[Text]) -> int:
    """Width a column needs to show every cell on one line (its header may wrap at spaces)."""
    widest_cell = max((cell_len(line) for c in cells for line in c.plain.split("\n")), default=0)
    widest_word = max((cell_len(w) for w in header.split()), default=0)
    return max(widest_cell, widest_word, 1)


def _span(widths: Sequence[int]) -> int:
    """Width of a rich table (default box) whose columns hold ``widths`` cells of text."""
    # One cell of padding on each side of a column, one rule between and around them.
    return sum(w + 3 for w in widths) + 1


def column_groups(widths: Sequence[int], available: int, *, keep: int = 1) -> list[list[int]]:
    """Split columns into groups that each fit ``available`` terminal cells.

    Every group starts with the first ``keep`` columns (the names a row is read by), so a
    table too wide for the terminal is printed as several narrower tables instead of one
    whose cells rich would squeeze onto several lines or cut short.

    Args:
        widths: Natural width of each column (its widest cell).
        available: The console width.
        keep: Leading columns repeated in every group.

    Returns:
        Column indices per group; a single group where everything fits. A column too wide
        for any group still gets a group of its own (its cells then wrap, never cut).

    Raises:
        ValueError: ``keep`` is negative or more than the columns.
    """
    if keep < 0 or keep > len(widths):
        raise ValueError(f"keep={keep} must be between 0 and the {len(widths)} columns")
    head = list(range(keep))
    groups: list[list[int]] = []
    current = list(head)
    for col in range(keep, len(widths)):
        if len(current) > keep and _span([widths[c] for c in (*current, col)]) > available:
            groups.append(current)
            current = list(head)
        current.append(col)
    groups.append(current)
    return groups


def _spread(natural: list[int], headers: list[int], available: int) -> list[int]:
    """Column widths: each at least its cells' width, widened while the table still fits.

    A column grows towards its header's length, so that its header takes fewer lines.
    """
    widths = list(natural)
    spare = available - _span(widths)
    # Headers that need the least room first: as many as possible fit on one line.
    for i in sorted(range(len(widths)), key=lambda i: headers[i] - widths[i]):
        grow = max(0, min(headers[i] - widths[i], spare))
        widths[i] += grow
        spare -= grow
    return widths


def fitted_tables(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[str | Text]],
    width: int,
) -> list[Table]:
    """One table, or several narrower ones, that show every cell whole at ``width``.

    Cells keep their text on one line and the first column (strategy or space names) is
    never wrapped or cut: a table too wide for the console is split by columns into parts
    that each repeat the first column; headers wrap at spaces instead.

    Args:
        title: Title of the first part; later parts add "(continued)".
        columns: ``(header, justify)`` of each column.
        rows: Cell text (plain or styled) of each row.
        width: Console width in cells.
    """
    cells = [[c if isinstance(c, Text) else Text(c) for c in row] for row in rows]
    natural = [
        _natural_width(header, [row[i] for row in cells]) for i, (header, _) in enumerate(columns)
    ]
    tables = []
    for g, group in enumerate(column_groups(natural, width)):
        table = Table(title=title if g == 0 else f"{title} (continued)", title_justify="left")
        need = [natural[i] for i in group]
        fits = _span(need) <= width
        fixed = _spread(need, [cell_len(columns[i][0]) for i in group], width) if fits else need
        for i, w in zip(group, fixed, strict=True):
            header, justify = columns[i]
            table.add_column(
                header,
                justify=justify,  # type: ignore[arg-type]
                # Fixed widths where the part fits: rich never squeezes a cell onto two
                # lines, and a header wraps at its spaces. A column wider than the console
                # folds its text instead of cutting it.
                width=w if fits else None,
                overflow="fold",
            )
        for row in cells:
            table.add_row(*(row[i] for i in group))
        tables.append(table)
    return tables


def options_label(options_json: str) -> str:
    """Compact text of a stored options JSON, e.g. ``population=50, tournament=10``."""
    opts = json.loads(options_json)
    return ", ".join(f"{k}={v}" for k, v in sorted(opts.items()))
