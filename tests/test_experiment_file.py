"""Experiment files: ``compare --config FILE`` (TOML), flags override, recorded in the store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cli import EXIT_USAGE, main
from harness.results import ResultsStore

TINY = """
description = "two strategies on the synthetic open space"
spaces = ["synthetic/open"]
strategies = ["random", { name = "evolution", options = { population = 4, tournament = 2 } }]
seeds = 2
first_seed = 5
workers = 0
[budget]
kind = "evaluations"
amount = 6
"""


def _write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _runs(out: Path) -> list[tuple[str, int, float]]:
    with ResultsStore(out, create=False) as store:
        runs = store.runs()
    return sorted(zip(runs["strategy"], runs["seed"], runs["budget"], strict=True))


def test_file_runs_the_comparison_it_describes_and_is_recorded(tmp_path: Path) -> None:
    exp = _write(tmp_path, f'out = "{tmp_path / "out"}"\n' + TINY)
    assert main(["compare", "--config", str(exp), "--quiet"]) == 0
    assert _runs(tmp_path / "out") == [
        ("evolution", 5, 6.0),
        ("evolution", 6, 6.0),
        ("random", 5, 6.0),
        ("random", 6, 6.0),
    ]
    with ResultsStore(tmp_path / "out", create=False) as store:
        (recorded,) = store.experiments()
        options = store.runs()["options"]
    assert recorded["name"] == "exp.toml"
    assert recorded["text"] == exp.read_text()
    assert recorded["sha256"] == hashlib.sha256(exp.read_bytes()).hexdigest()
    assert any('"population": 4' in o for o in options)


def test_flags_override_the_file(tmp_path: Path) -> None:
    exp = _write(tmp_path, TINY)
    out = tmp_path / "over"
    code = main(
        [
            "compare",
            "--config",
            str(exp),
            "--seeds",
            "1",
            "--strategy",
            "random",
            "--budget",
            "3",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    # seeds from the flag (1), first seed still from the file (5)
    assert _runs(out) == [("random", 5, 3.0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sead = 3\n", "unknown key 'sead' (allowed: all_pairs, budget, cache_dir"),
        ("seeds = 0\n", "seeds = 0: '0' must be a positive whole number"),
        ('seeds = "ten"\n', "seeds = 'ten': 'ten' is not a whole number"),
        ("seeds = [1, 2]\n", "seeds must be a single value"),
        ('spaces = "nb201/cifar10"\n', "spaces must be a non-empty list"),
        ("spaces = []\n", "spaces must be a non-empty list"),
        ('[budget]\nkind = "hours"\namount = 3\n', "budget.kind = 'hours' is not one of"),
        ('[budget]\namount = "3"\n', "budget.amount must be a number"),
        ("[budget]\namount = 0\n", "budget.amount = 0: '0' must be a positive whole number"),
        ('[budget]\nkind = "seconds"\namount = -5.0\n', "budget.amount = -5.0"),
        ("strategies = [3]\n", "strategies[0] must be a name or a table"),
        ('strategies = [{ nam = "random" }]\n', "strategies[0]: unknown key 'nam'"),
        (
            'strategies = [{ name = "evolution", options = { population = "a,b" } }]\n',
            "may not contain ',' or '='",
        ),
        ('device = "tpu"\n', "device = 'tpu': 'tpu' is not one of auto, cpu, cuda"),
        ("seeds = \n", "not valid TOML"),
        ('metric = "a"\nsearch_metric = "b"\n', "metric and search_metric are one key"),
    ],
)
def test_bad_files_are_one_line_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    exp = _write(tmp_path, text)
    assert main(["compare", "--config", str(exp), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"experiment file {exp}" in err
    assert expected in err
    assert not (tmp_path / "o").exists()  # nothing written


def test_bad_strategy_option_in_file_is_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = _write(tmp_path, 'strategies = [{ name = "evolution", options = { population = 0 } }]\n')
    assert main(["compare", "--config", str(exp), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "population" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("kind", ["missing", "directory", "binary"])
def test_unreadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / "exp.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00seeds")
    assert main(["compare", "--config", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"error: experiment file {path}: ")
    assert err.count("\n") == 1


def test_control_must_be_a_compared_strategy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = _write(tmp_path, 'control = "gp"\n' + TINY)
    assert main(["compare", "--config", str(exp), "--out", str(tmp_path / "o")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--control 'gp' is not one of the strategies compared: random, evolution" in err
    assert not (tmp_path / "o").exists()


def test_all_pairs_and_control_reach_the_report(tmp_path: Path) -> None:
    exp = _write(tmp_path, f'out = "{tmp_path / "o"}"\ncontrol = "random"\n' + TINY)
    assert main(["compare", "--config", str(exp), "--quiet"]) == 0
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["settings"]["pairwise_test"]["family"]["control"] == "random"
    assert main(["report", str(tmp_path / "o"), "--all-pairs"]) == 0
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["settings"]["pairwise_test"]["family"]["kind"] == "all-pairs"
