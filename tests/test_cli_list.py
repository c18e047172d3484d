"""``list`` fits a terminal, shows one item in detail, and prints the reference as Markdown;
no option may be abbreviated."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cli import EXIT_OK, EXIT_USAGE, build_parser, main
from spaces import available_spaces
from strategies import registry


def _run(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "80")
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_fits_80_columns_in_under_80_lines_and_names_everything(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(["list"], capsys, monkeypatch)
    assert code == EXIT_OK
    lines = out.splitlines()
    assert len(lines) < 80
    assert max(len(line) for line in lines) <= 80
    first_words = {line.split()[0] for line in lines if line.strip()}
    assert set(available_spaces()) <= first_words
    assert set(registry()) <= first_words


def test_list_name_shows_a_space_a_strategy_and_a_suite(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(["list", "nb201/cifar10"], capsys, monkeypatch)
    assert code == EXIT_OK
    assert "licence:" in out
    assert "fidelities:    12, 200 epochs" in out
    code, out, _ = _run(["list", "tpe"], capsys, monkeypatch)
    assert code == EXIT_OK
    assert "n_startup_trials=10" in out
    code, out, _ = _run(["list", "default"], capsys, monkeypatch)
    assert code == EXIT_OK
    assert "strategies:" in out
    assert "nb201/cifar10" in out


def test_list_of_an_unknown_name_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["list", "nope"], capsys, monkeypatch)
    assert code == EXIT_USAGE
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("error: list 'nope': no suite, space or strategy")
    assert "nb201/cifar10" in err  # the valid names are named


@pytest.mark.parametrize(
    "argv", [["list", "--format", "markdown", "tpe"], ["list", "tpe", "--wide"]]
)
def test_list_refuses_options_that_contradict_each_other(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(argv, capsys, monkeypatch)
    assert code == EXIT_USAGE
    assert out == ""
    assert len(err.splitlines()) == 1


def test_list_wide_keeps_every_column(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["list", "--wide"]) == EXIT_OK
    out = capsys.readouterr().out
    for column in ("licence", "fidelities", "optimum known", "options (defaults)"):
        assert column in out


def _markdown_tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    return tables


def test_markdown_reference_has_every_registry_and_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(["list", "--format", "markdown"], capsys, monkeypatch)
    assert code == EXIT_OK
    for heading in ("## Suites", "## Spaces", "## Strategies", "## Command-line options"):
        assert f"\n{heading}\n" in f"\n{out}"
    for name in [*available_spaces(), *registry()]:
        assert f"| `{name}` |" in out
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in commands.choices:
        assert f"### `python -m harness {command}`" in out
    assert "| `--budget-seconds` | S |" in out
    for table in _markdown_tables(out):
        # Every row has its header's number of cells (a stray pipe would add one).
        widths = {row.replace("\\|", "").count("|") for row in table}
        assert len(widths) == 1, table[0]
    # The reference depends on the registries and the parser only: the same text twice.
    assert main(["list", "--format", "markdown"]) == EXIT_OK
    assert capsys.readouterr().out == out


def test_every_parser_refuses_abbreviated_options() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert parser.allow_abbrev is False
    assert all(sub.allow_abbrev is False for sub in commands.choices.values())


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["compare", "--seed", "5"], "--seed"),
        (["compare", "--budget-sec", "10"], "--budget-sec"),
        (["report", "somewhere", "--alph", "0.01"], "--alph"),
    ],
)
def test_an_abbreviated_option_is_one_line_and_exit_2(
    argv: list[str],
    named: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(argv, capsys, monkeypatch)
    assert code == EXIT_USAGE
    assert out == ""
    assert err.splitlines() == [f"error: unrecognized arguments: {named} {argv[-1]}"]
    assert list(tmp_path.iterdir()) == []  # nothing was run or written
