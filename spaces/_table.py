"""User tables: a CSV or Parquet file of recorded runs becomes a tabular benchmark.

Each row is one recorded training run: config columns, an objective column, and optionally a
training-seed column and a cost column. Numeric config columns become ordinal dimensions, text
columns categorical ones. The space is the product of each column's distinct values, so the
table must hold every combination: a strategy may propose any point of the space, and a
missing one would be a lookup with no answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spaces._cache import file_checksum
from spaces._objective import Direction, Metric, ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces._space import Choice, Dimension, Space


class TableError(ValueError):
    """A user table that cannot become a benchmark; the message names file, row and column."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableOptions:
    """How to read a user table.

    Attributes:
        objective: Name of the objective column.
        direction: ``maximize`` or ``minimize``.
        seed_column: Column naming the training seed of each row; ``None`` to number the rows
            of each config in file order. The default ``seed`` is used only if present.
        cost_column: Column with the training cost in seconds; ``None`` for zero cost. The
            default ``cost_seconds`` is used only if present.
        config_columns: The config columns, in order; by default every other column.
        test_column: Column with a test metric of the same run (same direction as the
            objective), reported for the incumbent chosen on the objective; ``None`` for none.
    """

    objective: str = "objective"
    direction: Direction = "maximize"
    seed_column: str | None = "seed"
    cost_column: str | None = "cost_seconds"
    config_columns: tuple[str, ...] | None = None
    test_column: str | None = None


def _read(path: Path) -> tuple[pd.DataFrame, int]:
    """Read the table as text-preserving frame; returns it and the offset from row to line."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise TableError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")
    try:
        if suffix == ".csv":
            # Strings throughout, so that type conflicts are ours to find, not pandas' to hide.
            return pd.read_csv(path, dtype=str, keep_default_na=False), 2
        return pd.read_parquet(path), 1
    except FileNotFoundError:
        raise TableError(f"{path}: no such table file") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TableError(f"{path}: cannot be read as a table: {first}") from None


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    return None


def _where(path: Path, row: int, offset: int, column: str) -> str:
    place = f"line {row + offset}" if offset == 2 else f"row {row + offset}"
    return f"{path} {place}, column {column!r}"


def _numeric_column(path: Path, frame: pd.DataFrame, column: str, offset: int) -> np.ndarray:
    out = np.empty(len(frame))
    for row, value in enumerate(frame[column].tolist()):
        number = _as_number(value)
        if number is None or math.isnan(number):
            raise TableError(f"{_where(path, row, offset, column)}: {value!r} is not a number")
        out[row] = number
    return out


def _dimension(
    path: Path, frame: pd.DataFrame, column: str, offset: int
) -> tuple[Dimension, list[int]]:
    raw = frame[column].tolist()
    numbers = [_as_number(v) for v in raw]
    first_kind = "number" if numbers[0] is not None else "text"
    for row, (value, number) in enumerate(zip(raw, numbers, strict=True)):
        kind = "number" if number is not None else "text"
        if kind != first_kind:
            raise TableError(
                f"{_where(path, row, offset, column)}: {value!r} is {kind} but earlier rows "
                f"hold {first_kind}s; a config column must be all numbers or all text"
            )
        if isinstance(value, str) and not value.strip():
            raise TableError(f"{_where(path, row, offset, column)}: empty config value")
        if number is not None and math.isnan(number):
            raise TableError(f"{_where(path, row, offset, column)}: NaN config value")
    choices: list[Choice]
    if first_kind == "number":
        values = np.asarray(numbers, dtype=float)
        distinct = np.unique(values)
        integral = bool(np.all(distinct == np.round(distinct)))
        choices = [int(v) if integral else float(v) for v in distinct]
        codes = np.searchsorted(distinct, values).tolist()
        return Dimension(name=column, kind="ordinal", choices=tuple(choices)), codes
    text = [str(v) for v in raw]
    choices = sorted(set(text))
    lookup = {c: i for i, c in enumerate(choices)}
    return (
        Dimension(name=column, kind="categorical", choices=tuple(choices)),
        [lookup[t] for t in text],
    )


def load_table(path: str | Path, options: TableOptions | None = None) -> RecordedTable:
    """Read a user table into a benchmark.

    Args:
        path: A ``.csv`` or ``.parquet`` file.
        options: Column roles; defaults to `TableOptions()`.

    Returns:
        The benchmark, named ``table:<path>``.

    Raises:
        TableError: The file is unreadable or malformed; the message names file, row, column.
    """
    opts = options or TableOptions()
    path = Path(path)
    frame, offset = _read(path)
    if frame.empty:
        raise TableError(f"{path}: the table has no rows")
    columns = [str(c) for c in frame.columns]
    frame.columns = pd.Index(columns)
    if opts.objective not in columns:
        raise TableError(f"{path}: no objective column {opts.objective!r}; columns are {columns}")
    if opts.direction not in ("maximize", "minimize"):
        raise TableError(f"direction {opts.direction!r} is not one of maximize, minimize")
    seed_col = opts.seed_column if opts.seed_column in columns else None
    cost_col = opts.cost_column if opts.cost_column in columns else None
    if opts.seed_column not in (None, "seed") and seed_col is None:
        raise TableError(f"{path}: no seed column {opts.seed_column!r}; columns are {columns}")
    if opts.cost_column not in (None, "cost_seconds") and cost_col is None:
        raise TableError(f"{path}: no cost column {opts.cost_column!r}; columns are {columns}")
    if opts.test_column is not None and opts.test_column not in columns:
        raise TableError(f"{path}: no test column {opts.test_column!r}; columns are {columns}")
    if opts.test_column == opts.objective:
        raise TableError(f"{path}: the test column {opts.test_column!r} is the objective column")
    roles = {opts.objective, seed_col, cost_col, opts.test_column}
    if opts.config_columns is not None:
        missing = [c for c in opts.config_columns if c not in columns]
        if missing:
            raise TableError(f"{path}: no config column {missing[0]!r}; columns are {columns}")
        config_cols = list(opts.config_columns)
    else:
        config_cols = [c for c in columns if c not in roles]
    if not config_cols:
        raise TableError(f"{path}: no config columns besides the objective, seed and cost")

    objective = _numeric_column(path, frame, opts.objective, offset)
    test = _numeric_column(path, frame, opts.test_column, offset) if opts.test_column else None
    costs = _numeric_column(path, frame, cost_col, offset) if cost_col else np.zeros(len(frame))
    if cost_col and np.any(costs < 0):
        row = int(np.argmax(costs < 0))
        raise TableError(f"{_where(path, row, offset, cost_col)}: negative cost {costs[row]}")
    dims, codes = [], []
    for column in config_cols:
        dim, code = _dimension(path, frame, column, offset)
        dims.append(dim)
        codes.append(code)
    space = Space(tuple(dims))
    rows = space.indices(np.asarray(codes, dtype=np.int64).T)

    n = space.n_configs
    present = np.bincount(rows, minlength=n)
    if np.any(present == 0):
        gap = int(np.argmax(present == 0))
        raise TableError(
            f"{path}: not a full grid: {int(np.count_nonzero(present == 0))} of {n} configs have "
            f"no row, for example {space.describe(space.config(gap))}"
        )
    max_seeds = int(present.max())
    values = np.full((n, max_seeds), np.nan)
    cost_arr = np.full((n, max_seeds), np.nan)
    if seed_col:
        seeds = frame[seed_col].astype(str).tolist()
        seen: dict[tuple[int, str], int] = {}
        for row, (r, s) in enumerate(zip(rows.tolist(), seeds, strict=True)):
            if (r, s) in seen:
                unit = "line" if offset == 2 else "row"
                raise TableError(
                    f"{_where(path, row, offset, seed_col)}: seed {s!r} repeats the run of "
                    f"{unit} {seen[(r, s)] + offset} for the same config"
                )
            seen[(r, s)] = row
    # Runs of one config fill its slots in file order (stable sort keeps that order).
    order = np.argsort(rows, kind="stable")
    slot = np.empty(len(rows), dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(present)[:-1]))
    slot[order] = np.arange(len(rows)) - np.repeat(starts, present)
    values[rows, slot] = objective
    cost_arr[rows, slot] = costs
    runs = {opts.objective: values}
    metrics = {opts.objective: Metric(name=opts.objective, direction=opts.direction)}
    if opts.test_column is not None and test is not None:
        test_arr = np.full((n, max_seeds), np.nan)
        test_arr[rows, slot] = test
        runs[opts.test_column] = test_arr
        metrics[opts.test_column] = Metric(name=opts.test_column, direction=opts.direction)
    info = ObjectiveInfo(
        name=f"table:{path}",
        space=space,
        metrics=metrics,
        search_metric=opts.objective,
        test_metric=opts.test_column,
        fidelities=(),
        fidelity=0,
        fully_recorded=True,
        provenance=Provenance(
            source=f"user table {path}",
            package="user-supplied",
            licence="as stated by the table's owner",
            objective_units=opts.objective,
            cost_units="seconds" if cost_col else "none (no cost column; every run costs 0 s)",
        ),
        checksum=file_checksum(path),
    )
    return RecordedTable(info=info, runs=runs, costs=cost_arr, n_seeds=present.astype(np.int64))
