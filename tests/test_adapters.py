"""The field's optimizers as strategies (issue 40): adapters behind optional extras.

Every adapter module (`nevergrad`, `pymoo`, `dehb`, `smac`) runs the shared contract
through ``tests/test_strategy_contract.py``, which skips one whose extra is not installed.
Here: the ``optuna:<SamplerClass>`` family (resolved by name, not registered, so its contract
is run for two members), the registry's handling of family names and bad options, and the
refusal of a missing extra, each through the library API and the command line.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cli import main
from harness import ResultsStore
from harness.testing import StrategyContract, toy_benchmark, toy_fidelity_benchmark
from strategies import (
    MULTI_FIDELITY,
    MULTI_OBJECTIVE,
    StrategyOptionError,
    StrategyUnavailableError,
    UnknownStrategyError,
    available_strategies,
    build_strategy,
    get_strategy,
    parse_strategy_spec,
    resolved_options,
    split_strategy_spec,
    strategy_families,
    unavailable_reason,
)

ADAPTERS = ("dehb", "nevergrad", "pymoo", "smac")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class TestOptunaCmaEs(StrategyContract):
    strategy_name = "optuna:CmaEsSampler"

    @pytest.fixture(autouse=True)
    def _needs_cmaes(self) -> None:
        if not _installed("cmaes"):
            pytest.skip('needs cmaes: pip install "nas-harness[cmaes]"')


class TestOptunaQmcScrambled(StrategyContract):
    # Unscrambled QMC is one fixed sequence whatever the seed; scrambled, seeds differ.
    strategy_name = "optuna:QMCSampler"
    strategy_options: ClassVar[dict[str, Any]] = {"scramble": True}


def test_the_adapters_are_registered_and_the_family_is_not() -> None:
    names = available_strategies()
    assert set(ADAPTERS) <= set(names)
    assert not any(":" in n for n in names)
    assert list(strategy_families()) == ["optuna"]
    assert get_strategy("dehb").tags == frozenset({MULTI_FIDELITY})
    assert get_strategy("pymoo").tags == frozenset({MULTI_OBJECTIVE})


def test_family_members_are_named_with_their_prefix_and_take_typed_options() -> None:
    assert parse_strategy_spec("optuna:CmaEsSampler") == ("optuna:CmaEsSampler", {})
    assert parse_strategy_spec("optuna:QMCSampler:qmc_type=sobol,scramble=true") == (
        "optuna:QMCSampler",
        {"qmc_type": "sobol", "scramble": True},
    )
    assert parse_strategy_spec("optuna:TPESampler:n_startup_trials=5")[1] == {"n_startup_trials": 5}
    assert split_strategy_spec("tpe:n_startup_trials=5") == ("tpe", "n_startup_trials=5")
    cls = get_strategy("optuna:QMCSampler")
    assert cls is get_strategy("optuna:QMCSampler")  # made once per process
    assert cls.name == "optuna:QMCSampler"
    assert MULTI_OBJECTIVE in cls.tags
    assert MULTI_OBJECTIVE not in get_strategy("optuna:CmaEsSampler").tags
    assert resolved_options("optuna:QMCSampler", {})["qmc_type"] == "sobol"  # Optuna's default
    members = strategy_families()["optuna"].members()
    assert {"CmaEsSampler", "QMCSampler", "TPESampler", "GPSampler"} <= set(members)
    assert "GridSampler" not in members  # needs a search_space no option can give


@pytest.mark.parametrize(
    ("spec", "error", "named"),
    [
        ("optuna:CmaEsSampelr", UnknownStrategyError, "unknown Optuna sampler 'CmaEsSampelr'"),
        ("optuna", UnknownStrategyError, "needs a member, optuna:NAME"),
        ("optuna:", UnknownStrategyError, "needs a member, optuna:NAME"),
        ("optuna:GridSampler", UnknownStrategyError, "it needs search_space"),
        ("optuna:QMCSampler:qmc_typ=sobol", StrategyOptionError, "option qmc_typ='sobol'"),
        ("optuna:QMCSampler:qmc_type=sobl", StrategyOptionError, "refused by optuna.samplers"),
        ("optuna:QMCSampler:scramble=maybe", StrategyOptionError, "must be true or false"),
        ("optuna:CmaEsSampler:seed=3", StrategyOptionError, "option seed='3' does not exist"),
        ("nope", UnknownStrategyError, "optuna:NAME"),
    ],
)
def test_bad_family_names_and_options_are_one_line(
    spec: str, error: type[Exception], named: str
) -> None:
    with pytest.raises(error) as info:
        parse_strategy_spec(spec)
    assert named in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("optuna:CmaEsSampelr", "choose one of BruteForceSampler"),
        ("optuna:QMCSampler:qmc_type=sobl", "qmc_type='sobl'"),
    ],
)
def test_bad_family_specs_on_the_command_line_exit_2(
    spec: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["compare", "--strategy", spec, "--workers", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ")
    assert len(err.splitlines()) == 1
    assert named in err
    assert not out.exists()


@pytest.mark.skipif(not _installed("cmaes"), reason="needs the cmaes extra")
def test_the_issue_command_runs_and_stores_the_family_names(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["compare", "--strategy", "optuna:CmaEsSampler"]
    argv += ["--strategy", "optuna:QMCSampler:qmc_type=sobol", "--strategy", "random"]
    argv += ["--seeds", "2", "--budget", "12", "--workers", "0", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    store = ResultsStore(out)
    try:
        names = set(store.runs()["strategy"])
    finally:
        store.close()
    assert names == {"optuna:CmaEsSampler", "optuna:QMCSampler", "random"}


@pytest.fixture
def without_nevergrad(monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec

    def hidden(name: str, package: str | None = None) -> Any:
        return None if name.split(".")[0] == "nevergrad" else find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", hidden)


@pytest.mark.usefixtures("without_nevergrad")
def test_a_missing_extra_is_refused_with_the_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cls = get_strategy("nevergrad")
    reason = unavailable_reason(cls)
    assert reason is not None
    assert 'pip install "nas-harness[nevergrad]"' in reason
    bench = toy_benchmark()
    with pytest.raises(StrategyUnavailableError, match=r"nas-harness\[nevergrad\]"):
        build_strategy("nevergrad", {}, bench.space, seed=0, maximize=True, budget=10)
    with pytest.raises(StrategyUnavailableError, match=r"nas-harness\[nevergrad\]"):
        cls.warm_up()
    out = tmp_path / "out"
    assert main(["compare", "--strategy", "nevergrad", "--workers", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {reason}"
    assert not out.exists()


def test_every_adapter_declares_its_extra_in_pyproject() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for name in ADAPTERS:
        extra = get_strategy(name).extra  # type: ignore[attr-defined]
        assert extra in extras, name
        assert f"{extra}" in extras["adapters"][0], name
    assert "cmaes" in extras


@pytest.mark.skipif(not _installed("dehb"), reason="needs the dehb extra")
def test_dehb_asks_for_offered_fidelities_and_is_told_charged_costs() -> None:
    from harness import Budget, run_strategy

    bench = toy_fidelity_benchmark()
    strategy = build_strategy(
        "dehb",
        {},
        bench.space,
        seed=0,
        maximize=True,
        budget=20,
        fidelities=bench.info.fidelities,
        continues=False,
    )
    trace = run_strategy(strategy, bench, seed=0, budget=Budget(kind="evaluations", amount=20))
    assert trace.status == "finished", trace.traceback
    charges = trace.notes["budget"]["charges"]
    assert set(trace.metrics["fidelity"].tolist()) == {2, 8}  # both rungs used
    assert sum(charges) <= 20 + 1e-9
    assert min(charges) == pytest.approx(2 / 8)
