"""User tables: a CSV or Parquet file of recorded runs becomes a tabular benchmark.

Each row is one recorded training run: config columns, an objective column, and optionally a
training-seed column and a cost column. Numeric config columns become ordinal dimensions, text
columns categorical ones. The space is the product of each column's distinct values, so the
table must hold every combination: a strategy may propose any point of the space, and a
missing one would be a lookup with no answer.

An empty or ``nan`` objective or test value is a diverged training run: it stays in the table
as NaN, a config's oracle value is the mean over its other runs, and a config whose every run
diverged has no oracle value, so it can never be the optimum. Infinite values, costs that are
not finite seconds >= 0 and values beyond `MAX_ABS_VALUE` are refused, as is any file that
could exhaust memory: the grid size is computed exactly before anything of that size is
allocated, and files, rows and padded arrays have the limits below.
"""

from __future__ import annotations

import math
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from spaces._cache import file_checksum
from spaces._objective import Direction, Metric, ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces._space import Choice, Dimension, Space

MAX_TABLE_BYTES = 1 << 30
"""Largest table file read (1 GiB); a CSV is parsed into text cells several times its size."""
MAX_TABLE_ROWS = 10_000_000
"""Most rows (recorded runs) of a table, and so most configs of its full grid."""
MAX_TABLE_CELLS = 50_000_000
"""Most configs x seeds of the widest config: each metric and the costs are arrays that big."""
MAX_ABS_VALUE = 1e300
"""Largest magnitude of a value or cost. With at most `MAX_TABLE_ROWS` runs a mean over seeds,
a sum of costs or a regret (a difference of two values) stays far below float overflow."""


class TableError(ValueError):
    """A user table that cannot become a benchmark; the message names file, row and column.

    The message is always a single line (the CLI prints it as one), even when a value or a
    path holds a line break.
    """

    def __init__(self, message: str) -> None:
        super().__init__("\\n".join(message.splitlines()))


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


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), "not a plain file")


def _check_file(path: Path) -> None:
    """Refuse a path that is missing, not a regular file, or too large, before opening it."""
    try:
        # stat follows symlinks, so a link to a FIFO is refused like the FIFO itself.
        info = path.stat()
    except FileNotFoundError:
        raise TableError(f"{path}: no such table file") from None
    except OSError as exc:
        raise TableError(f"{path}: cannot be read as a table: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO blocks until a writer appears, and a device may never end: refuse
        # without opening.
        raise TableError(f"{path} is not a regular file ({_file_kind(info.st_mode)})")
    if info.st_size > MAX_TABLE_BYTES:
        raise TableError(
            f"{path}: {info.st_size:,} bytes is above the limit of {MAX_TABLE_BYTES:,} bytes "
            "for a table file (MAX_TABLE_BYTES)"
        )


def _too_many_rows(path: Path) -> TableError:
    return TableError(
        f"{path}: more than {MAX_TABLE_ROWS:,} rows, the limit for a table (MAX_TABLE_ROWS)"
    )


def _read(path: Path) -> tuple[pd.DataFrame, int]:
    """Read the table as text-preserving frame; returns it and the offset from row to line."""
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise TableError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")
    try:
        if suffix == ".csv":
            # Strings throughout, so that type conflicts are ours to find, not pandas' to hide;
            # one row past the limit is enough to know a table is too long.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=MAX_TABLE_ROWS + 1)
            offset = 2
        else:
            # Imported here: only Parquet tables need it, and the CLI starts faster without.
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            # A compressed Parquet file can hold far more rows than its size suggests: count
            # them from the footer before decoding any.
            if pq.ParquetFile(path).metadata.num_rows > MAX_TABLE_ROWS:
                raise _too_many_rows(path)
            frame, offset = pd.read_parquet(path), 1
    except (OSError, ValueError, pd.errors.ParserError, pa.ArrowException) as exc:
        if isinstance(exc, TableError):
            raise
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise TableError(f"{path}: cannot be read as a table: {first}") from None
    if len(frame) > MAX_TABLE_ROWS:
        raise _too_many_rows(path)
    if suffix != ".csv":  # CSV cells are text; Parquet's may be nested
        _check_scalar_cells(path, frame, offset)
    return frame, offset


def _check_scalar_cells(path: Path, frame: pd.DataFrame, offset: int) -> None:
    """Refuse a cell holding a list, an array or a record (Parquet's nested types).

    Such a value would otherwise become the text of a choice (``"[1 2]"``) without a word.

    Raises:
        TableError: The first nested cell, by file, row and column.
    """
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object:
            continue
        for row, value in enumerate(values.tolist()):
            if isinstance(value, list | tuple | dict | set | np.ndarray):
                kind = "an array" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"
                raise TableError(
                    f"{path} row {row + offset}, column {column!r}: holds {kind}, not a single "
                    "value; a config, objective, seed or cost cell must be one number or text"
                )


def _is_missing(value: object) -> bool:
    """An empty cell: an empty CSV field, or a null of Parquet (which pandas may read as NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


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


def _too_large(value: object) -> str:
    return (
        f"{value!r} is beyond {MAX_ABS_VALUE:g} in magnitude (MAX_ABS_VALUE); means and "
        "regrets of such values overflow"
    )


def _parse(path: Path, frame: pd.DataFrame, column: str, offset: int, missing: str) -> np.ndarray:
    """A column as floats, empty cells NaN; text is refused, ``missing`` says if empty is."""
    out = []
    for row, value in enumerate(frame[column].tolist()):
        number = _as_number(value)
        if number is None:
            if not _is_missing(value):
                raise TableError(f"{_where(path, row, offset, column)}: {value!r} is not a number")
            if missing:
                raise TableError(f"{_where(path, row, offset, column)}: {missing}")
            number = math.nan
        out.append(number)
    return np.asarray(out, dtype=np.float64)


def _cell(frame: pd.DataFrame, column: str, row: int) -> object:
    """One cell as `tolist` gives it (a Python scalar, so messages show ``inf``)."""
    value = frame[column].iloc[row]
    return value.item() if isinstance(value, np.generic) else value


def _metric_column(path: Path, frame: pd.DataFrame, column: str, offset: int) -> np.ndarray:
    """An objective or test column: finite numbers, or NaN (an empty cell) for a diverged run."""
    out = _parse(path, frame, column, offset, missing="")
    # Whole-column checks (fast); the row loop only names the first offender.
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.abs(out) > MAX_ABS_VALUE)  # NaN compares False: allowed
    if len(bad):
        row = int(bad[0])
        value = _cell(frame, column, row)
        where = _where(path, row, offset, column)
        if math.isinf(out[row]):
            raise TableError(
                f"{where}: {value!r} is infinite; a recorded value must be finite (an empty "
                "cell or NaN marks a diverged run)"
            )
        raise TableError(f"{where}: {_too_large(value)}")
    return out


def _cost_column(path: Path, frame: pd.DataFrame, column: str, offset: int) -> np.ndarray:
    """The cost column: finite seconds >= 0 in every row (a diverged run still took time)."""
    rule = "a cost is finite seconds >= 0"
    out = _parse(path, frame, column, offset, missing=f"an empty cost; {rule}")
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(~((out >= 0) & (out <= MAX_ABS_VALUE)))  # NaN fails both
    if len(bad):
        row = int(bad[0])
        value = _cell(frame, column, row)
        where = _where(path, row, offset, column)
        if not math.isfinite(out[row]):
            raise TableError(f"{where}: {value!r} is not a cost; {rule}")
        if out[row] < 0:
            raise TableError(f"{where}: negative cost {out[row]:g}; {rule}")
        raise TableError(f"{where}: {_too_large(value)}")
    return out


def _config_error(path: Path, row: int, offset: int, column: str, value: object, kind: str) -> str:
    """Why the config value in ``row`` cannot be used (``kind``: what the column holds)."""
    where = _where(path, row, offset, column)
    number = _as_number(value)
    if _is_missing(value):
        return f"{where}: empty config value"
    if ("number" if number is not None else "text") != kind:
        return (
            f"{where}: {value!r} is {'text' if number is None else 'number'} but earlier rows "
            f"hold {kind}s; a config column must be all numbers or all text"
        )
    if number is not None and math.isnan(number):
        return f"{where}: NaN config value"
    return f"{where}: {value!r} is an infinite config value"


def _dimension(
    path: Path, frame: pd.DataFrame, column: str, offset: int
) -> tuple[Dimension, list[int]]:
    raw = frame[column].tolist()
    numbers = [_as_number(v) for v in raw]
    numeric = numbers[0] is not None
    kind = "number" if numeric else "text"
    for row, (value, number) in enumerate(zip(raw, numbers, strict=True)):
        # One cheap test per cell; `_config_error` then says what is wrong with a bad one.
        if (
            (number is None and (numeric or _is_missing(value)))
            or (number is not None and (not numeric or not math.isfinite(number)))
        ):  # fmt: skip
            raise TableError(_config_error(path, row, offset, column, value, kind))
    choices: list[Choice]
    if numeric:
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
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        # (pandas renames repeated CSV headers; Parquet, or names equal as text, can repeat.)
        raise TableError(f"{path}: column name {repeated[0]!r} repeats; columns are {columns}")
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
        twice = [c for c in config_cols if config_cols.count(c) > 1]
        if twice:
            raise TableError(f"{path}: config column {twice[0]!r} is named twice")
        taken = [c for c in config_cols if c in roles]
        if taken:
            raise TableError(
                f"{path}: config column {taken[0]!r} is also the objective, seed, cost or test "
                "column"
            )
    else:
        config_cols = [c for c in columns if c not in roles]
    if not config_cols:
        raise TableError(f"{path}: no config columns besides the objective, seed and cost")

    objective = _metric_column(path, frame, opts.objective, offset)
    if np.all(np.isnan(objective)):
        raise TableError(
            f"{path}: column {opts.objective!r} holds no number, every run is empty or NaN "
            "(diverged), so the table has no optimum"
        )
    test = _metric_column(path, frame, opts.test_column, offset) if opts.test_column else None
    costs = _cost_column(path, frame, cost_col, offset) if cost_col else np.zeros(len(frame))
    dims, codes = [], []
    for column in config_cols:
        try:
            dim, code = _dimension(path, frame, column, offset)
        except TableError:
            raise
        except ValueError as exc:  # a column name Dimension refuses (Parquet allows "")
            raise TableError(f"{path}: column {column!r}: {exc}") from None
        dims.append(dim)
        codes.append(code)
    # The grid size, exactly (Python ints), before anything of that size exists: a full grid
    # has a row per config, so a grid larger than the table is refused from the counts alone.
    implied = math.prod(d.size for d in dims)
    if implied > len(frame):
        sizes = " x ".join(f"{d.size:,}" for d in dims)
        product = f" ({sizes} distinct values)" if len(dims) <= 10 else ""
        raise TableError(
            f"{path}: not a full grid: its config columns imply {implied:,} configs{product} "
            f"but it has {len(frame):,} rows; a full grid has a row for every combination of "
            "config values"
        )
    try:
        space = Space(tuple(dims))
    except ValueError as exc:
        raise TableError(f"{path}: {exc}") from None
    rows = space.indices(np.asarray(codes, dtype=np.int64).T)

    n = space.n_configs
    present = np.bincount(rows, minlength=n)
    if np.any(present == 0):
        gap = int(np.argmax(present == 0))
        raise TableError(
            f"{path}: not a full grid: {int(np.count_nonzero(present == 0)):,} of {n:,} configs "
            f"have no row, for example {space.describe(space.config(gap))}"
        )
    max_seeds = int(present.max())
    if n * max_seeds > MAX_TABLE_CELLS:
        # Each metric is a (configs, most seeds) array: one config with many runs widens all.
        widest = space.describe(space.config(int(np.argmax(present))))
        raise TableError(
            f"{path}: config {widest} has {max_seeds:,} runs; {n:,} configs x {max_seeds:,} "
            f"seeds is above the limit of {MAX_TABLE_CELLS:,} cells (MAX_TABLE_CELLS)"
        )
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
