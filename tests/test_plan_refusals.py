"""Comparisons that could not produce a result are refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--space", "fcnet/protein", "--budget-seconds", "10"],
            "error: a budget of 10 s cannot buy one evaluation on 'fcnet/protein': its cheapest "
            "recorded training run takes 55.0448 s",
        ),
        (
            ["--space", "synthetic/open", "--budget-epochs", "5"],
            "error: a budget of 5 epochs cannot buy one evaluation on 'synthetic/open': each "
            "evaluation trains 20 epochs (use --fidelity or a larger budget)",
        ),
        (
            ["--strategy", "random", "--strategy", "tpe", "--strategy", "random:"],
            "error: strategy 'random' is listed twice with the same options",
        ),
        (
            ["--strategy", "evolution:population=30", "--strategy", "evolution"],
            "error: strategy 'evolution' is listed twice with the same options",
        ),
    ],
)
def test_a_comparison_that_cannot_produce_a_result_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", *args, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == message + "\n"
    assert not out.exists()


def test_a_budget_that_buys_one_evaluation_is_accepted(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["--space", "fcnet/protein", "--budget-seconds", "2000", "--strategy", "random"]
    assert main(["compare", *args, "--seeds", "2", "--out", str(out), "--quiet"]) == 0
