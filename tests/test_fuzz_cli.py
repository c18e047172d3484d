"""Fuzzing `compare`'s command line (Hypothesis): whatever the arguments, no traceback.

Argument lists are drawn from the real flags with awkward values (huge, negative and zero
numbers, ``1e400``, ``nan``, empty and very long strings, unicode, unknown spaces and
strategies, garbage strategy options, repeated flags). The property: `cli.main`
returns 0, 1 or 2 and never raises; exit code 2 is exactly one line on stderr starting with
``error:`` and writes nothing; exit code 0 stores only finished runs with at least one
evaluation, finite regrets and budgets kept.

Every drawn call is cheap: it fails while parsing or planning, or runs a tiny comparison
(a 4-config table or NB201, at most 3 evaluations, 10 seeds or a few seconds of budget, one
worker). Set HARNESS_SOAK=1 to run many more examples.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cli import main
from harness.results import open_results

soak = pytest.mark.skipif(os.environ.get("HARNESS_SOAK") != "1", reason="soak: set HARNESS_SOAK=1")

# Placeholders, filled in per example: the tiny table, a malformed one, the example's own
# temporary directory (every --out lies inside it).
GRID, BAD_TABLE, TMP = "{grid}", "{bad}", "{tmp}"

Arg = tuple[str, ...]

text = st.text(
    # No NUL (an argv cannot hold one) and no lone surrogates (Python makes those only of
    # bytes that are not UTF-8, which this fuzz does not draw).
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=30,
)
odd_text = st.sampled_from(
    ["", " ", "-", "--", "x" * 10_000, "é" * 300, "a\nb", "a\u2028b", ":smile:", "[red]x[/]"]
)
# None of these is both valid and large: a valid value must keep the run tiny.
odd_numbers = st.sampled_from(
    [
        "0",
        "-0",
        "-1",
        "+1",
        " 2 ",
        "1_0",
        "٣",
        "3.5",
        "1e3",
        "1e400",
        "-1e400",
        "nan",
        "inf",
        "-inf",
        "0x10",
        "9" * 30,
        "9" * 5000,
        "-" + "9" * 5000,
        str(2**63),
        str(2**64),
        "100001",
        "10000001",
        "1000000001",
    ]
)


def numbers(*valid: str) -> st.SearchStrategy[str]:
    """Valid values (all small) and awkward ones."""
    return st.one_of(st.sampled_from(valid), odd_numbers, odd_text, text)


strategy_names = ["random", "evolution", "local-search", "tpe", "gp", "predictor", "asnn", "nope"]
option_names = ["population", "tournament", "n_init", "first_improvement", "hidden", "foo", ""]
# Only the cheap strategies may come out valid; the others' specs fail while parsing.
strategy_specs = st.one_of(
    st.sampled_from(
        [
            "random",
            "evolution",
            "local-search",
            "random:",
            "evolution:population=2,tournament=2",
            "randm",
            "",
            ":",
            ",",
            "random:foo=1",
            "random:=",
            "evolution:population",
            "evolution:population=0",
            "evolution:population=abc",
            "evolution:population=nan",
            "evolution:population=99999999999999999999999",
            "evolution:population=2,population=3",
            "tpe:n_startup_trials=-1",
            "asnn:hidden=0",
            "predictor:ensemble_size=-1",
            "gp:n_init=1e400",
        ]
    ),
    st.builds(
        lambda name, key, value: f"{name}:{key}={value}",
        st.sampled_from(["random", "evolution", "local-search", "nope"]),
        st.sampled_from(option_names) | text,
        numbers("1", "2", "3", "true", "false"),
    ),
    text,
)
spaces = st.one_of(
    st.sampled_from(
        [
            f"table:{GRID}",
            f"table:{GRID}",
            "nb201/cifar10",
            "synthetic/open",
            "nb201/cifar-10",
            f"table:{BAD_TABLE}",
            f"table:{TMP}",
            "table:/nonexistent/t.csv",
            "table:",
        ]
    ),
    text,
)
columns = st.sampled_from(["objective", "seed", "cost_seconds", "width", "nope", ""]) | text
out_names = st.one_of(
    st.sampled_from(["cmp", "a" * 300, "é" * 200, "x\ny", "-", " ", "results.sqlite"]),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00/"),
        min_size=1,
        max_size=40,
    ).filter(lambda name: name not in (".", "..")),
).map(lambda name: f"{TMP}/{name}")

flag_values: dict[str, st.SearchStrategy[str]] = {
    "--space": spaces,
    "--strategy": strategy_specs,
    "--seeds": numbers("1", "2", "3"),
    "--first-seed": numbers("0", "5", str(2**63 - 3), str(2**63 - 1)),
    "--budget": numbers("1", "2", "3"),
    "--budget-seconds": numbers("0.5", "2", "5", "1e9", "1e-300"),
    "--budget-epochs": numbers("1", "200", "400"),
    "--metric": st.sampled_from(["val_acc", "objective", "latency", "accuracy"]) | text,
    "--fidelity": numbers("1", "12", "200"),
    "--workers": numbers("1", "257", "1000"),
    "--out": out_names | st.just(""),
    "--table-objective": columns,
    "--table-direction": st.sampled_from(["maximize", "minimize", "sideways", ""]),
    "--table-seed-column": columns,
    "--table-cost-column": columns,
    "--table-test-column": columns,
    "--table-config-columns": st.sampled_from(["width,depth", "width", ",", "width,width"]) | text,
}
# Valid values only, so that some drawn comparisons run (and their results are checked).
valid_values: dict[str, list[str]] = {
    "--space": [f"table:{GRID}", "nb201/cifar10", "synthetic/open"],
    "--strategy": ["random", "evolution", "local-search", "evolution:population=2,tournament=2"],
    "--seeds": ["1", "2", "3"],
    "--first-seed": ["0", "5", str(2**63 - 3)],
    "--budget": ["1", "2", "3"],
    "--budget-seconds": ["2", "5"],
    "--budget-epochs": ["200", "400"],
    "--table-direction": ["maximize", "minimize"],
    "--out": [f"{TMP}/cmp", f"{TMP}/é/" + "a" * 200],
}
args: st.SearchStrategy[Arg] = st.one_of(
    *(st.tuples(st.just(flag), values) for flag, values in flag_values.items()),
    st.sampled_from([("--quiet",), ("--bogus",), ("-x",), ("stray",), ("--space",)]),
    st.sampled_from(list(flag_values)).map(lambda flag: (flag,)),  # a flag without its value
)
valid_args: st.SearchStrategy[Arg] = st.one_of(
    *(st.tuples(st.just(flag), st.sampled_from(values)) for flag, values in valid_values.items())
)
# One draw in four is valid-only: runs are what takes time (a worker's start, the report).
argument_lists = st.one_of(
    st.lists(args, min_size=1, max_size=8),
    st.lists(args, min_size=1, max_size=8),
    st.lists(args, min_size=1, max_size=8),
    st.lists(valid_args, max_size=5),
)


def _write_tables(directory: Path) -> tuple[Path, Path]:
    rows = [
        {
            "width": w,
            "depth": d,
            "seed": s,
            "objective": 0.5 + w / 1000 + d / 10 - s / 100,
            "cost_seconds": 1.0 + d + s,
        }
        for w, d, s in itertools.product([16, 32], [1, 2], range(2))
    ]
    grid = directory / "grid.csv"
    pd.DataFrame(rows).to_csv(grid, index=False)
    bad = directory / "bad.csv"
    bad.write_text("width,objective\n1,0.5\n2,not-a-number\n\x01,\n")
    return grid, bad


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _write_tables(tmp_path_factory.mktemp("fuzz-tables"))


def _argv(drawn: Sequence[Arg], grid: Path, bad: Path, tmp: Path) -> list[str]:
    """The command line of one example: the drawn arguments, with defaults that keep it tiny."""
    flat = [
        part.replace(GRID, str(grid)).replace(BAD_TABLE, str(bad)).replace(TMP, str(tmp))
        for arg in drawn
        for part in arg
    ]
    defaults = [
        ("--space", f"table:{grid}"),
        ("--strategy", "random"),
        ("--seeds", "1"),
        ("--out", str(tmp / "cmp")),
    ]
    if not {"--budget", "--budget-seconds", "--budget-epochs"} & set(flat):
        defaults.append(("--budget", "3"))
    # Defaults go first (so that a drawn value, valid or not, overrides them), except for
    # append-flags, which would add to what was drawn.
    head = ["--workers", "1"]
    for flag, value in defaults:
        if flag not in flat:
            head += [flag, value]
    return ["compare", *head, *flat, "--quiet"]


def _out_of(argv: Sequence[str]) -> Path:
    """The --out that argparse keeps: the last one."""
    values = [argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "--out"]
    return Path(values[-1])


def check_compare(drawn: Sequence[Arg], tables: tuple[Path, Path]) -> None:
    """The property of one drawn command line."""
    grid, bad = tables
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        argv = _argv(drawn, grid, bad, tmp)
        stdout, stderr = io.StringIO(), io.StringIO()
        # In the example's own folder: a drawn relative path ("--out stray") lands there.
        with (
            contextlib.chdir(tmp),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            code = main(argv)
        err = stderr.getvalue()
        event(f"exit code {code}")  # shown by --hypothesis-show-statistics
        if code == 1:  # failed runs are listed as "STRATEGY on SPACE seed N: REASON"
            event(f"run failed: {err.strip().splitlines()[-1].partition(': ')[2][:60]}")
        assert code in (0, 1, 2), (argv, code, err)
        if code == 2:
            assert err.startswith("error: "), (argv, err)
            assert err.count("\n") == 1, (argv, err)
            assert err.endswith("\n"), (argv, err)
            assert len(err.splitlines()) == 1, (argv, err)
            assert sorted(tmp.iterdir()) == [], (argv, "exit 2 but something was written")
        if code == 0:
            with contextlib.chdir(tmp):
                _check_results(_out_of(argv), argv)


def _check_results(out: Path, argv: Sequence[str]) -> None:
    with open_results(out) as store:
        runs = store.runs()
    assert len(runs) > 0, argv
    assert (runs["status"] == "finished").all(), argv
    assert (runs["n_evaluations"] >= 1).all(), argv
    known = runs["final_regret"].notna()
    assert np.isfinite(runs.loc[known, "final_regret"].astype(float)).all(), argv
    assert (runs.loc[known, "final_regret"] >= 0).all(), argv
    # Only a space whose optimum is unknown has no regret; it has the best value found.
    assert set(runs.loc[~known, "space"]) <= {"synthetic/open"}, argv
    assert np.isfinite(runs.loc[~known, "final_value"].astype(float)).all(), argv
    for _, run in runs.iterrows():
        if run["budget_kind"] == "evaluations":
            assert run["n_evaluations"] <= run["budget"], argv
        elif run["budget_kind"] == "seconds":
            assert run["total_cost_seconds"] <= run["budget"] * (1 + 1e-9), argv
        assert math.isfinite(run["total_cost_seconds"]), argv


@pytest.mark.parametrize("space", ["synthetic/open", "grid"])
def test_a_seconds_budget_never_stores_a_run_without_evaluations(
    tmp_path: Path, tables: tuple[Path, Path], space: str
) -> None:
    out = tmp_path / "cmp"
    name = f"table:{tables[0]}" if space == "grid" else space
    # The grid's runs cost 2 to 4 s: a 2 s budget buys only the cheapest.
    argv = ["compare", "--space", name, "--strategy", "random", "--seeds", "10"]
    argv += ["--budget-seconds", "2", "--workers", "1", "--out", str(out), "--quiet"]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    # Runs whose first config costs more than the budget fail, named; never a silent success.
    assert code == 1, err.getvalue()
    assert "no evaluation fits the budget of 2 s: the first config proposed would cost" in (
        err.getvalue()
    )
    with open_results(out) as store:
        runs = store.runs()
    assert (runs.loc[runs["status"] == "finished", "n_evaluations"] >= 1).all()
    assert (runs.loc[runs["status"] == "failed", "n_evaluations"] == 0).all()


@settings(
    max_examples=30,  # about 20-30 s: a comparison that runs takes 1-2 s (worker start, report)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=argument_lists)
def test_compare_never_raises_and_bad_input_is_one_line(
    drawn: list[Arg], tables: tuple[Path, Path]
) -> None:
    check_compare(drawn, tables)


@soak
@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=argument_lists)
def test_compare_never_raises_soak(drawn: list[Arg], tables: tuple[Path, Path]) -> None:
    check_compare(drawn, tables)
