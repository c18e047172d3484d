"""Fuzzing user tables: any CSV either loads as a sound benchmark or is refused in one line.

Hypothesis writes small random CSV files (random column counts; numbers, text, empty cells,
``inf``, ``nan``, huge values; duplicated rows, missing combinations, odd headers, ragged
rows) and loads each as a ``table:`` space. The property: the load raises a `TableError` whose
message is one line, or returns a table whose optimum is finite, whose values are finite or
NaN (a diverged run), whose costs are finite seconds >= 0, and whose optimum matches an
independent reading of the same file with pandas. Any other exception fails.

The quick variant runs with the suite; the soak variant (many more examples) only when
``HARNESS_SOAK=1`` is set in the environment, e.g. ``HARNESS_SOAK=1 pytest -k soak``.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spaces import RecordedTable, TableError, TableOptions, load_objective

# An env var, not a marker deselected by addopts: a plain `pytest` run stays fast, and a soak run
# needs no change to pyproject.toml or conftest.py (shared with other test suites).
soak = pytest.mark.skipif(os.environ.get("HARNESS_SOAK") != "1", reason="soak: set HARNESS_SOAK=1")

# Cells a table may hold beside its regular values: what real files get wrong.
ODD_CELLS = (
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e309", "1e305",
    "1e300", "-0", "1_000", "abc", "a,b", 'say "hi"', "two\nlines", "None", "null", "0x10",
)  # fmt: skip
HEADER_NAMES = ("objective", "seed", "cost_seconds", "test", "", " ", "a", "a", "Unnamed: 0")

numbers = st.one_of(
    st.integers(-3, 3).map(str),
    st.floats(-1e3, 1e3, allow_nan=False).map(repr),
    st.sampled_from(("0.5", "1e299", "-1e299", "1.7e308")),
)
texts = st.sampled_from(("relu", "tanh", "gelu", "x y", "ÄÖ", "1a"))


@st.composite
def csv_tables(draw: st.DrawFn) -> tuple[str, TableOptions]:
    """A CSV file's text and the options to read it with."""
    n_config = draw(st.integers(0, 3))
    pools = [
        draw(st.lists(draw(st.sampled_from((numbers, texts))), min_size=1, max_size=4, unique=True))
        for _ in range(n_config)
    ]
    seeds = draw(st.integers(1, 3))
    has_seed, has_cost, has_test = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    header = [f"c{k}" for k in range(n_config)] + ["objective"]
    header += ["seed"] * has_seed + ["cost_seconds"] * has_cost + ["test"] * has_test
    rows = []
    for combo in itertools.product(*pools):
        for s in range(seeds):
            row = [*combo, draw(numbers)]
            row += [str(s)] * has_seed + [draw(numbers).lstrip("-")] * has_cost
            row += [draw(numbers)] * has_test
            rows.append(row)
    # Break the grid: drop rows (missing combinations), repeat rows, plant odd cells.
    rows = [r for r in rows if not draw(st.booleans()) or len(rows) < 2]
    rows += draw(st.lists(st.sampled_from(rows), max_size=3)) if rows else []
    for _ in range(draw(st.integers(0, 3))):
        if rows:
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(ODD_CELLS))
    if draw(st.integers(0, 9)) == 0:  # a header oddity: a renamed, repeated or empty name
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(HEADER_NAMES))
    if rows and draw(st.integers(0, 9)) == 0:  # a ragged row
        rows[0] = rows[0][:-1] if draw(st.booleans()) else [*rows[0], "1"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(draw(st.permutations(rows)) if rows else [])
    options = TableOptions(
        direction=draw(st.sampled_from(("maximize", "minimize"))),
        test_column="test" if has_test and draw(st.booleans()) else None,
    )
    return out.getvalue(), options


def _number(text: object) -> float:
    """A cell as the table reads it: a number, or NaN for an empty or non-numeric cell."""
    try:
        return float(str(text).strip())
    except ValueError:
        return math.nan


def expected_optimum(path: Path, table: RecordedTable) -> float:
    """The optimum from pandas alone: best over configs of the mean of their runs."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    names = list(table.space.names)

    def key(text: object) -> float | str:
        number = _number(text)
        return str(text) if math.isnan(number) else number

    keys = frame[names].map(key)
    value = frame[table.info.search_metric].map(_number)
    means = value.groupby([keys[c] for c in names]).mean()  # pandas skips NaN
    assert len(means) == table.space.n_configs
    return float(means.max() if table.maximize else means.min())


_files = itertools.count()


def check_table(directory: Path, text: str, options: TableOptions) -> None:
    path = directory / f"t{next(_files)}.csv"  # a new name: load_objective caches by name
    path.write_text(text, encoding="utf-8")
    try:
        table = load_objective(f"table:{path}", table_options=options)
    except TableError as exc:
        message = str(exc)
        assert message.strip(), "an empty error message"
        assert len(message.splitlines()) == 1, f"a multi-line error: {message!r}"
        return
    assert isinstance(table, RecordedTable)
    assert math.isfinite(table.optimum)
    for values in table.runs.values():
        assert not np.isinf(values).any()
    recorded = np.arange(table.max_seeds) < table.n_seeds[:, None]
    assert np.isfinite(table.costs[recorded]).all()
    assert (table.costs[recorded] >= 0).all()
    assert np.all(np.isfinite(table.oracle) | np.isnan(table.oracle))
    # pandas sums with compensation, numpy without: values of mixed magnitude (1e299 beside
    # 0.5) round differently, so the tolerance scales with the largest value.
    scale = float(np.nanmax(np.abs(table.values)))
    assert table.optimum == pytest.approx(
        expected_optimum(path, table), rel=1e-9, abs=1e-12 * scale
    )


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Module-scoped: Hypothesis reruns the test body, so a function-scoped tmp_path would be
    # shared by every example anyway (and Hypothesis refuses it).
    return tmp_path_factory.mktemp("fuzz-tables")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=csv_tables())
def test_any_csv_loads_soundly_or_is_refused_in_one_line(
    table_dir: Path, table: tuple[str, TableOptions]
) -> None:
    check_table(table_dir, *table)


@soak
@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=csv_tables())
def test_soak_any_csv_loads_soundly_or_is_refused_in_one_line(
    table_dir: Path, table: tuple[str, TableOptions]
) -> None:
    check_table(table_dir, *table)
