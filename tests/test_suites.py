"""Suites: the curated comparisons of ``compare --suite NAME``, and the default one."""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _plugin import installed_plugin

import cli._compare as compare_command
from cli import EXIT_USAGE, main
from cli._arguments import FILE_CONVERTERS
from cli._experiment_file import ExperimentFile, load_experiment_file
from cli._suites import (
    DEFAULT_SUITE,
    SUITES_DIR,
    UnknownSuiteError,
    available_suites,
    first_sentence,
    suite_path,
)
from harness._compare import Comparison
from harness.results import ResultsStore, RunSpec
from spaces import Config, available_spaces
from strategies import Observation, Strategy, parse_strategy_spec, registry
from strategies import _registry as registry_module

REPO = Path(__file__).resolve().parents[1]

NINE = (
    "random",
    "evolution",
    "local-search",
    "tpe",
    "gp",
    "predictor",
    "reinforce",
    "asnn",
    "asnn-plus",
)
"""The default suite: the strategies the default comparison ran before suites existed."""

EXPECTED_SUITES = (
    "default",
    "multi-fidelity",
    "multi-objective",
    "trainable",
    "transfer",
    "weight-sharing",
)


@dataclass
class Planned:
    """What one ``compare`` planned, captured instead of running it."""

    args: argparse.Namespace | None = None
    comparison: Comparison | None = None
    specs: list[RunSpec] = field(default_factory=list)
    experiment: ExperimentFile | None = None

    @property
    def strategies(self) -> set[str]:
        return {spec.strategy for spec in self.specs}


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> Planned:
    """``compare`` plans (every input checked, `plan_comparison` included) but runs nothing."""
    seen = Planned()

    def capture(
        args: argparse.Namespace,
        console: Any,
        err: Any,
        comparison: Comparison,
        specs: list[RunSpec],
        experiment: ExperimentFile | None,
        executor: Any,
    ) -> int:
        seen.args, seen.comparison, seen.specs, seen.experiment = (
            args,
            comparison,
            specs,
            experiment,
        )
        return 0

    monkeypatch.setattr(compare_command, "_run_comparison", capture)
    return seen


def _plan(*argv: str | Path) -> int:
    return main(["compare", "--workers", "0", "--quiet", *map(str, argv)])


def _load(name: str) -> ExperimentFile:
    return load_experiment_file(suite_path(name), FILE_CONVERTERS)


# ---------------------------------------------------------------- the shipped suites


def test_suites_are_found_by_listing_their_folder() -> None:
    assert available_suites() == sorted(p.stem for p in SUITES_DIR.glob("*.toml"))
    assert set(EXPECTED_SUITES) <= set(available_suites())
    assert DEFAULT_SUITE in available_suites()


@pytest.mark.parametrize("name", available_suites())
def test_every_suite_parses_and_names_what_exists(name: str) -> None:
    suite = _load(name)
    assert suite.description
    assert first_sentence(suite.description)
    # A suite says what it compares and on what, and leaves where it goes to the command.
    assert suite.spaces
    assert suite.strategies
    assert suite.budget
    assert "out" not in suite.options
    assert set(suite.spaces) <= set(available_spaces())
    for spec in suite.strategies:
        assert parse_strategy_spec(spec)[0] in registry()


@pytest.mark.parametrize("name", available_suites())
def test_every_suite_plans(name: str, planned: Planned, tmp_path: Path) -> None:
    assert _plan("--suite", name, "--seeds", "2", "--out", tmp_path / "out") == 0
    suite = _load(name)
    assert suite.strategies is not None
    assert suite.spaces is not None
    assert planned.strategies == {parse_strategy_spec(s)[0] for s in suite.strategies}
    assert {spec.space for spec in planned.specs} == set(suite.spaces)
    assert planned.experiment is not None
    assert planned.experiment.path == suite_path(name)
    assert not (tmp_path / "out").exists()


def test_the_default_suite_is_the_nine_search_strategies() -> None:
    suite = _load(DEFAULT_SUITE)
    assert suite.strategies == NINE
    assert suite.spaces == ("nb201/cifar10",)
    assert suite.budget == ("evaluations", "100")
    assert suite.options == {"seeds": 10, "first_seed": 0}


def test_an_unknown_suite_names_the_valid_ones() -> None:
    with pytest.raises(UnknownSuiteError) as raised:
        suite_path("nope")
    assert str(raised.value) == (
        f"unknown suite 'nope'; choose one of {', '.join(available_suites())}"
    )
    with pytest.raises(UnknownSuiteError):
        suite_path("../suites/default")


def test_first_sentence() -> None:
    assert first_sentence("One thing.\nTwo  things. Three.") == "One thing."
    assert first_sentence("  no full stop\n here ") == "no full stop here"
    assert first_sentence("on nb201/cifar10, 1.5 s each") == "on nb201/cifar10, 1.5 s each"


# ---------------------------------------------------------------- the default comparison


def test_default_compare_plans_exactly_the_nine(planned: Planned, tmp_path: Path) -> None:
    assert _plan("--out", tmp_path / "x") == 0
    assert planned.strategies == set(NINE)
    assert len(planned.specs) == 9 * 10
    assert {s.seed for s in planned.specs} == set(range(10))
    assert {s.space for s in planned.specs} == {"nb201/cifar10"}
    assert {(s.budget.kind, s.budget.amount) for s in planned.specs} == {("evaluations", 100)}
    assert planned.experiment is not None
    assert planned.experiment.path == suite_path(DEFAULT_SUITE)
    keys = [s.key for s in planned.specs]
    # Naming the suite, or the nine strategies by hand as before suites existed, plans the
    # same runs: the default comparison's stored results resume.
    assert _plan("--suite", DEFAULT_SUITE, "--out", tmp_path / "x") == 0
    assert [s.key for s in planned.specs] == keys
    by_hand = [arg for name in NINE for arg in ("--strategy", name)]
    assert _plan("--space", "nb201/cifar10", *by_hand, "--out", tmp_path / "x") == 0
    assert sorted(s.key for s in planned.specs) == sorted(keys)


def test_default_output_directories(
    planned: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _plan() == 0
    assert planned.args is not None
    assert planned.args.out == Path("results/comparison")
    assert _plan("--suite", DEFAULT_SUITE) == 0
    assert planned.args.out == Path("results/comparison")
    assert _plan("--suite", "multi-objective") == 0
    assert planned.args.out == Path("results/multi-objective")
    assert _plan("--suite", "multi-objective", "--out", "mine") == 0
    assert planned.args.out == Path("mine")
    exp = tmp_path / "exp.toml"
    exp.write_text('spaces = ["synthetic/open"]\nstrategies = ["random"]\n')
    assert _plan("--config", exp) == 0
    assert planned.args.out == Path("results/comparison")
    exp.write_text('out = "elsewhere"\nspaces = ["synthetic/open"]\nstrategies = ["random"]\n')
    assert _plan("--config", exp) == 0
    assert planned.args.out == tmp_path / "elsewhere"  # the file's out: beside the file
    assert not (tmp_path / "results").exists()


def test_flags_replace_the_suites_values(planned: Planned, tmp_path: Path) -> None:
    assert _plan("--space", "fcnet/protein", "--seeds", "2", "--out", tmp_path) == 0
    assert planned.strategies == set(NINE)
    assert {s.space for s in planned.specs} == {"fcnet/protein"}
    assert {s.seed for s in planned.specs} == {0, 1}
    assert _plan("--strategy", "random", "--strategy", "tpe", "--out", tmp_path) == 0
    assert planned.strategies == {"random", "tpe"}
    assert _plan("--suite", "multi-fidelity", "--budget", "5", "--out", tmp_path) == 0
    assert {(s.budget.kind, s.budget.amount) for s in planned.specs} == {("evaluations", 5)}
    assert {s.sim_workers for s in planned.specs} == {4}  # the suite's, not overridden
    assert {s.seed for s in planned.specs} == set(range(_load("multi-fidelity").options["seeds"]))


def test_a_file_without_strategies_runs_the_default_suites(
    planned: Planned, tmp_path: Path
) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text('spaces = ["synthetic/open"]\nseeds = 2\n')
    assert _plan("--config", exp, "--out", tmp_path / "o") == 0
    assert planned.strategies == set(NINE)
    assert {s.space for s in planned.specs} == {"synthetic/open"}


class Newcomer(Strategy):
    name = "newcomer"
    description = "a search strategy registered after the default suite was written"

    def ask(self) -> Config:
        return self.space.sample(self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        pass


PLUGIN = """
from strategies import Strategy


class Outsider(Strategy):
    name = "outsider"
    description = "a third-party search strategy (suite tests)"

    def ask(self):
        return self.space.sample(self.rng)

    def tell(self, config, observation):
        pass
"""


@pytest.fixture
def outsider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with installed_plugin(
        tmp_path_factory.mktemp("plugin"), "outsider", PLUGIN, {"outsider": "Outsider"}
    ):
        yield


def test_a_registered_module_does_not_join_the_default(
    planned: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = registry_module.registry()
    monkeypatch.setattr(registry_module, "registry", lambda: {**real, "newcomer": Newcomer})
    assert "newcomer" in registry_module.registry()
    assert _plan("--out", tmp_path / "x") == 0
    assert planned.strategies == set(NINE)
    # It runs when named, as any strategy does.
    assert _plan("--strategy", "newcomer", "--out", tmp_path / "x") == 0
    assert planned.strategies == {"newcomer"}


@pytest.mark.usefixtures("outsider")
def test_an_entry_point_plugin_does_not_join_the_default(planned: Planned, tmp_path: Path) -> None:
    assert "outsider" in registry()
    assert _plan("--out", tmp_path / "x") == 0
    assert planned.strategies == set(NINE)
    assert _load(DEFAULT_SUITE).strategies == NINE


# ---------------------------------------------------------------- running and refusing


def test_a_suite_runs_and_is_recorded_like_a_config_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = _plan(
        "--suite",
        "multi-objective",
        "--strategy",
        "random",
        "--strategy",
        "nsga2",
        "--budget",
        "5",
        "--seeds",
        "2",
        "--out",
        out,
    )
    assert code == 0
    with ResultsStore(out, create=False) as store:
        (recorded,) = store.experiments()
        runs = store.runs()
    assert recorded["name"] == "multi-objective.toml"
    assert recorded["text"] == suite_path("multi-objective").read_text()
    assert sorted(set(runs["strategy"])) == ["nsga2", "random"]
    assert set(runs["space"]) == {"mlp3/digits"}
    assert set(runs["status"]) == {"finished"}


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_an_unknown_suite_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["compare", "--suite", "nope", "--out", str(out)]) == EXIT_USAGE
    assert _one_line_error(capsys) == (
        f"error: unknown suite 'nope'; choose one of {', '.join(available_suites())}"
    )
    assert not out.exists()
    assert main(["compare", "--suite", "x" * 5000, "--out", str(out)]) == EXIT_USAGE
    assert len(_one_line_error(capsys)) < 300
    assert main(["compare", "--suite", "a\nb", "--out", str(out)]) == EXIT_USAGE
    assert "'a\\nb'" in _one_line_error(capsys)
    assert not out.exists()


def test_suite_and_config_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "exp.toml"
    exp.write_text('spaces = ["synthetic/open"]\n')
    out = tmp_path / "out"
    argv = ["compare", "--suite", "default", "--config", str(exp), "--out", str(out)]
    assert main(argv) == EXIT_USAGE
    assert _one_line_error(capsys) == (
        "error: --suite and --config both name the experiment to run; give one"
    )
    assert main(["compare", "--config", str(exp), "--suite", "nope"]) == EXIT_USAGE
    assert "--suite and --config" in _one_line_error(capsys)
    assert not out.exists()


def test_list_names_every_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "Suites" in out
    for name in available_suites():
        assert name in out
    # A suite's budget is among its details (and in the wide table).
    assert main(["list", "multi-fidelity"]) == 0
    assert "budget:      12000 seconds, 4 simulated workers" in capsys.readouterr().out
    assert main(["list", "--wide"]) == 0
    assert "12000 seconds, 4 simulated workers" in capsys.readouterr().out


def test_help_says_the_default_is_the_suite(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "every registered search strategy" not in text
    assert "default suite" in text
    assert "--suite NAME" in text


# ---------------------------------------------------------------- published experiment files


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "docs" / "evidence").rglob("*.toml")),
    ids=lambda p: str(p.relative_to(REPO / "docs" / "evidence")),
)
def test_every_evidence_file_names_its_strategies(path: Path) -> None:
    table = tomllib.loads(path.read_text())
    assert table.get("strategies"), "an evidence file must list the strategies it compared"
    assert "every registered" not in table.get("description", "")
    load_experiment_file(path, FILE_CONVERTERS)
