"""Hardening of the command line (issue 20): limits, unusable paths, damaged stores.

Every bad input is one line on stderr (``error: ...``, naming the value and what is allowed),
exit code 2 and nothing written; limits are checked while parsing, before any space is loaded
or any run planned.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cli._compare as compare_command
from cli import (
    MAX_EPOCHS,
    MAX_EVALUATIONS,
    MAX_RUNS,
    MAX_SECONDS,
    MAX_SEED,
    MAX_SEEDS,
    MAX_WORKERS,
    main,
)
from harness.results import open_results
from reports.synthetic import write_synthetic_store


def write_grid(directory: Path, *, cost: float = 1.0) -> Path:
    """A full grid of 4 configs x 2 training seeds, with the columns `compare` reads by default."""
    rows = [
        {
            "width": w,
            "depth": d,
            "seed": s,
            "objective": 0.5 + w / 1000 + d / 10 - s / 100,
            "cost_seconds": cost * (1 + d + s),
        }
        for w, d, s in itertools.product([16, 32], [1, 2], range(2))
    ]
    path = directory / "grid.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    return write_grid(tmp_path)


@pytest.fixture
def no_planning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a command gets as far as loading spaces and planning runs."""

    def planned(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the input was planned: it should have been refused while parsing")

    monkeypatch.setattr(compare_command, "plan_comparison", planned)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.strip()


def assert_usage_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.startswith("error: "), err
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "1000000000"], "argument --seeds: '1000000000' must be at most 100000"),
        (["--seeds", str(MAX_SEEDS + 1)], f"must be at most {MAX_SEEDS}"),
        (
            ["--first-seed", str(2**63 - 1)],
            "--first-seed 9223372036854775807 with --seeds 10: the last seed would be "
            "9223372036854775816; at most 9223372036854775807",
        ),
        (
            ["--first-seed", str(2**63 - 2), "--seeds", "3"],
            "--first-seed 9223372036854775806 with --seeds 3",
        ),
        (
            ["--first-seed", str(2**63)],
            "argument --first-seed: '9223372036854775808' must be at most 9223372036854775807",
        ),
        (["--budget", "10000001"], "argument --budget: '10000001' must be at most 10000000"),
        (["--budget-epochs", "10000001"], "argument --budget-epochs: '10000001' must be at most"),
        (
            ["--budget-seconds", "1000000001"],
            "argument --budget-seconds: '1000000001' must be at most 1000000000",
        ),
        (["--budget-seconds", "1e400"], "'1e400' must be a positive finite number"),
        (["--budget-seconds", "inf"], "'inf' must be a positive finite number"),
        (["--workers", "1000"], "argument --workers: '1000' must be at most 256"),
        (
            ["--seeds", "100000", *itertools.chain(*(["--space", f"s{i}"] for i in range(10)))],
            "--seeds 100000 on 11 space(s) with 1 strategy(ies) makes 1100000 runs; "
            "at most 1000000 per comparison",
        ),
        # More digits than int() converts: still named a number out of range, and elided.
        (["--budget", "9" * 5000], "(5000 characters) must be at most 10000000"),
        (["--seeds", "-" + "9" * 5000], "must be a positive whole number"),
        (["--budget", "x" * 1000], "(1000 characters) is not a whole number"),
        (["--out", ""], "argument --out: '' is an empty path"),
    ],
)
@pytest.mark.usefixtures("no_planning")
def test_limits_are_refused_while_parsing(
    tmp_path: Path, grid: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "cmp"
    base = ["compare", "--space", f"table:{grid}", "--strategy", "random", "--quiet"]
    code, err = run(capsys, *base, "--out", out, *args)
    assert_usage_error(code, err, message)
    assert len(err) < 400  # a huge value is elided, not echoed
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--seeds", str(MAX_SEEDS), "--budget", str(MAX_EVALUATIONS)],
        ["--first-seed", str(MAX_SEED - 2), "--seeds", "3"],
        ["--budget-epochs", str(MAX_EPOCHS)],
        ["--budget-seconds", f"{MAX_SECONDS:.0f}"],
        ["--workers", str(MAX_WORKERS)],
    ],
)
def test_values_at_the_limits_are_accepted(
    tmp_path: Path,
    grid: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    planned: list[Any] = []

    def plan(comparison: Any) -> Any:
        planned.append(comparison)
        raise ValueError("stopped at planning")

    monkeypatch.setattr(compare_command, "plan_comparison", plan)
    base = ["compare", "--space", f"table:{grid}", "--strategy", "random", "--quiet"]
    code, err = run(capsys, *base, "--out", tmp_path / "cmp", *args)
    assert_usage_error(code, err, "stopped at planning")
    seeds = planned[0].seeds
    assert len(seeds) <= MAX_SEEDS
    assert seeds[-1] <= MAX_SEED


def test_help_states_every_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["compare", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for limit in (MAX_SEEDS, MAX_SEED, MAX_EVALUATIONS, MAX_EPOCHS, int(MAX_SECONDS), MAX_RUNS):
        assert f"at most {limit}" in text
    assert f"--workers takes at most {MAX_WORKERS}" in text


def test_the_largest_seeds_are_run_and_stored(
    tmp_path: Path, grid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    args = ["--space", f"table:{grid}", "--strategy", "random", "--budget", "2"]
    args += ["--first-seed", str(MAX_SEED - 1), "--seeds", "2", "--workers", "1"]
    code, err = run(capsys, "compare", *args, "--out", out, "--quiet")
    assert code == 0, err
    with open_results(out) as store:
        runs = store.runs()
    assert sorted(runs["seed"]) == [MAX_SEED - 1, MAX_SEED]
    assert set(runs["status"]) == {"finished"}


def test_a_seconds_budget_that_buys_too_many_evaluations_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cheap = write_grid(tmp_path, cost=0.001)  # the cheapest run takes 2 ms
    out = tmp_path / "cmp"
    code, err = run(
        capsys,
        "compare",
        "--space",
        f"table:{cheap}",
        "--strategy",
        "random",
        "--budget-seconds",
        "100000",
        "--out",
        out,
        "--quiet",
    )
    assert_usage_error(
        code,
        err,
        f"--budget-seconds 100000 on space 'table:{cheap}'",
        "cheapest recorded run takes 0.002 s",
        f"more than {MAX_EVALUATIONS} evaluations",
    )
    assert not out.exists()


# -- unusable paths -------------------------------------------------------------------------


@pytest.mark.usefixtures("no_planning")
@pytest.mark.parametrize("name", ["a" * 300, "é" * 200, "x/" + "a" * 300 + "/y"])
def test_an_out_name_too_long_is_one_line_before_anything_is_loaded(
    tmp_path: Path, grid: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / name
    code, err = run(capsys, "compare", "--space", f"table:{grid}", "--out", out, "--quiet")
    assert_usage_error(code, err, f"error: --out {out}: file name too long")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv"]  # no directory made


@pytest.mark.usefixtures("no_planning")
def test_an_out_path_too_long_for_sqlite_is_refused(
    tmp_path: Path, grid: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path.joinpath(*["d" * 100] * 6)  # every name fits; the whole path does not
    code, err = run(capsys, "compare", "--space", f"table:{grid}", "--out", out, "--quiet")
    assert_usage_error(code, err, f"error: --out {out}: path too long for SQLite", "at most 504")
    assert not (tmp_path / ("d" * 100)).exists()


@pytest.mark.parametrize("breaker", ["\n", "\r\n", "\u2028"])
def test_a_line_break_in_a_value_keeps_the_error_on_one_line(
    tmp_path: Path, grid: Path, capsys: pytest.CaptureFixture[str], breaker: str
) -> None:
    out = tmp_path / f"a{breaker}b" / ("c" * 300)
    code, err = run(capsys, "compare", "--space", f"table:{grid}", "--out", out, "--quiet")
    assert_usage_error(code, err, "file name too long")
    out = tmp_path / "cmp"
    code, err = run(capsys, "compare", "--space", f"nb201{breaker}cifar10", "--out", out)
    assert_usage_error(code, err, "unknown space")
    assert not out.exists()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A small, valid comparison directory (made-up runs, written through the store's API)."""
    return write_synthetic_store(tmp_path / "good", n_spaces=1, n_seeds=3, n_evaluations=20)


def test_report_and_export_name_too_long(
    tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = tmp_path / ("a" * 300)
    for command in ("report", "export"):
        code, err = run(capsys, command, long)
        assert_usage_error(code, err, f"error: {long}: ", "file name too long")
    code, err = run(capsys, "export", store, "--to", long)
    assert_usage_error(code, err, f"error: --to {long}: file name too long")
    code, err = run(capsys, "export", store, "--to", tmp_path / "x" / ("b" * 300))
    assert_usage_error(code, err, "error: --to ", "file name too long")
    assert not (tmp_path / "x").exists()


# -- damaged stores -------------------------------------------------------------------------


def _damage_a_page_of(db: Path, table: str) -> None:
    """Overwrite one page of ``table``'s b-tree with random bytes (a bad disk, say)."""
    with sqlite3.connect(db) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = ?", (table,))]
    data = bytearray(db.read_bytes())
    start = (max(pages) - 1) * page_size
    data[start : start + page_size] = random.Random(0).randbytes(page_size)
    db.write_bytes(bytes(data))


def _damage(db: Path, how: str) -> None:
    data = db.read_bytes()
    if how == "random bytes":
        db.write_bytes(random.Random(1).randbytes(len(data)))
    elif how == "truncated at a page":
        db.write_bytes(data[: len(data) // 2 // 4096 * 4096])
    elif how == "truncated mid-page":
        db.write_bytes(data[: len(data) - 1000])
    elif how == "a damaged page":
        _damage_a_page_of(db, "evaluations")
    elif how == "a row that is not JSON":
        with sqlite3.connect(db) as con:
            con.execute("UPDATE spaces SET provenance = '{not json'")
            con.execute("UPDATE evaluations SET metrics = 'nan]'")
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "random bytes",
        "truncated at a page",
        "truncated mid-page",
        "a damaged page",
        "a row that is not JSON",
    ],
)
def test_a_damaged_store_is_named_by_its_file(
    tmp_path: Path, store: Path, grid: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    db = store / "results.sqlite"
    _damage(db, how)
    before = db.read_bytes()
    commands: list[list[str | Path]] = [
        ["report", store],
        ["export", store, "--to", tmp_path / "exported"],
    ]
    if how != "a row that is not JSON":  # compare reads no JSON back from the store
        compare: list[str | Path] = ["compare", "--space", f"table:{grid}", "--strategy", "random"]
        compare += ["--seeds", "1", "--budget", "2", "--workers", "1", "--out", store, "--quiet"]
        commands.append(compare)
    for command in commands:
        code, err = run(capsys, *command)
        assert_usage_error(code, err, f"error: {db}: ")
        assert db.read_bytes() == before
        assert sorted(p.name for p in store.iterdir()) == ["results.sqlite"]  # no report
    assert not (tmp_path / "exported").exists()


@pytest.mark.parametrize(
    "option",
    [
        ["--strategy", "evolution:population={big}"],
        ["--strategy", "evolution:{big}=3"],
        ["--space", "{big}"],
        ["--metric", "{big}"],
        ["--report-metric", "{big}"],
        ["--space", "{spaced}"],
    ],
)
def test_a_100_kb_value_is_not_echoed_back_whole(
    option: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big, spaced = "x" * 100_000, "a b " * 25_000
    argv = [part.format(big=big, spaced=spaced) for part in option]
    assert main(["compare", *argv, "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert len(err) < 5100
    assert not (tmp_path / "o").exists()


def test_the_default_run_timeout_follows_how_the_spaces_get_their_results() -> None:
    from harness._compare import (
        RECORDED_RUN_TIMEOUT,
        TRAINED_RUN_TIMEOUT,
        default_run_timeout,
    )

    assert default_run_timeout(["nb201/cifar10", "fcnet/protein"]) == RECORDED_RUN_TIMEOUT
    assert default_run_timeout(["table:runs.csv", "synthetic/open"]) == RECORDED_RUN_TIMEOUT
    assert default_run_timeout(["nb201/cifar10", "cell/digits"]) == TRAINED_RUN_TIMEOUT
    assert default_run_timeout(["mlpwide/digits"]) == TRAINED_RUN_TIMEOUT
    assert RECORDED_RUN_TIMEOUT < TRAINED_RUN_TIMEOUT
