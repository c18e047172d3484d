"""Strategies from outside this package: the README's example and entry-point plugins."""

from __future__ import annotations

import pickle
import re
import sys
import textwrap
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli import main
from harness.testing import StrategyContract, toy_benchmark
from spaces import Config
from strategies import (
    Observation,
    Strategy,
    StrategyOptionError,
    StrategyOptions,
    UnknownStrategyError,
    available_strategies,
    broken_plugins,
    build_strategy,
    get_strategy,
    option,
    option_defaults,
    parse_strategy_spec,
    resolved_options,
    strategy_option_specs,
)
from strategies import _registry as registry_module

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_strategy() -> type:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    source = next(b for b in blocks if "class GreedyMutation" in b)
    module = types.ModuleType("readme_example")
    # Registered while it runs, as an imported module is: dataclasses look their module up.
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, "README.md", "exec"), module.__dict__)  # our own README's code
    finally:
        del sys.modules[module.__name__]
    return module.GreedyMutation  # type: ignore[no-any-return]


@pytest.fixture
def with_readme_strategy(monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry_module.registry()
    cls = _readme_strategy()
    monkeypatch.setattr(registry_module, "registry", lambda: {**real, cls.name: cls})


@pytest.mark.usefixtures("with_readme_strategy")
class TestReadmeExampleKeepsTheContract(StrategyContract):
    strategy_name = "greedy-mutation"


@pytest.mark.usefixtures("with_readme_strategy")
def test_readme_example_rejects_bad_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "compare",
            "--strategy",
            "greedy-mutation:n_init=0",
            "--out",
            str(tmp_path / "x"),
            "--quiet",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "strategy 'greedy-mutation': option n_init=0 must be a whole number >= 1" in err


@pytest.fixture
def install_plugin(tmp_path: Path) -> Iterator[Any]:
    """Install a one-module plugin package (under ``tmp_path``) for the registry to find."""

    def install(source: str, entry_point: str) -> None:
        (tmp_path / "third_party_strategy.py").write_text(textwrap.dedent(source))
        dist = tmp_path / "third_party_strategy-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: third-party-strategy\nVersion: 0.1\n"
        )
        (dist / "entry_points.txt").write_text(f"[harness.strategies]\n{entry_point}\n")
        sys.path.insert(0, str(tmp_path))
        registry_module.registry.cache_clear()

    yield install
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))
    sys.modules.pop("third_party_strategy", None)
    registry_module.registry.cache_clear()


def test_entry_point_plugins_are_discovered(tmp_path: Path, install_plugin: Any) -> None:
    install_plugin(
        """
        from strategies import Strategy

        class FirstChoice(Strategy):
            name = "first-choice"
            description = "Always the first config (a plugin for tests)."

            def ask(self):
                return tuple(0 for _ in self.space.sizes)

            def tell(self, config, observation):
                pass
        """,
        "first-choice = third_party_strategy:FirstChoice",
    )
    try:
        assert "first-choice" in available_strategies()
        code = main(
            [
                "compare",
                "--strategy",
                "first-choice",
                "--seeds",
                "2",
                "--budget",
                "5",
                "--workers",
                "1",
                "--out",
                str(tmp_path / "cmp"),
                "--quiet",
            ]
        )
        assert code == 0
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("third_party_strategy", None)
        registry_module.registry.cache_clear()
    assert "first-choice" not in available_strategies()


def test_a_plugin_taking_options_as_constructor_keywords_is_skipped_and_refused_when_named(
    install_plugin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pre-Options way: the registry could neither parse, list nor store these options.
    install_plugin(
        """
        from strategies import Strategy

        class Legacy(Strategy):
            name = "legacy"
            description = "Options as constructor keywords."

            def __init__(self, space, *, seed, maximize=True, budget=None, n_init=5):
                super().__init__(space, seed=seed, maximize=maximize, budget=budget)

            def ask(self):
                return tuple(0 for _ in self.space.sizes)

            def tell(self, config, observation):
                pass
        """,
        "legacy = third_party_strategy:Legacy",
    )
    # Skipped with its reason; every other strategy, and every command, still works.
    assert "legacy" not in available_strategies()
    assert "random" in available_strategies()
    assert "n_init as constructor keywords; declare options in" in broken_plugins()["legacy"]
    with pytest.raises(UnknownStrategyError, match="strategy plugin 'legacy' cannot be used"):
        get_strategy("legacy")
    # The command line: one warning line for list, one error line when it is named.
    assert main(["list"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: strategy plugin 'legacy' skipped") == 1
    out = tmp_path / "out"
    argv = ["compare", "--strategy", "legacy", "--seeds", "1", "--workers", "0", "--out", str(out)]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("error: strategy plugin 'legacy' cannot be used: TypeError")
    assert not out.exists()


def test_a_plugin_that_cannot_be_imported_is_skipped(
    install_plugin: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("import no_such_module_anywhere\n", "gone = third_party_strategy:Gone")
    assert "random" in available_strategies()
    assert broken_plugins()["gone"].startswith("ModuleNotFoundError: No module named")
    assert main(["list"]) == 0
    assert "warning: strategy plugin 'gone' skipped" in capsys.readouterr().err


# -- declaring options -----------------------------------------------------------------------------
class Stepper(Strategy):
    """A strategy with one option of every kind, for the option machinery's tests."""

    name = "stepper"
    description = "Always the first config; options only."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Stepper's options."""

        size: int = option(3, minimum=1, help="A size.")
        limit: int | None = option(None, minimum=1, help="A limit; None means none.")
        rate: float = option(0.5, exclusive_minimum=0.0, maximum=1.0, help="A rate.")
        mode: str = option("a", choices=("a", "b"), help="A mode.")
        greedy: bool = option(True, help="A switch.")

        def check(self) -> None:
            if self.limit is not None and self.limit < self.size:
                raise self.error("limit", f"must be at least size={self.size}")

    opts: Options

    def ask(self) -> Config:
        return tuple(0 for _ in self.space.sizes)

    def tell(self, config: Config, observation: Observation) -> None:
        pass


@pytest.fixture
def with_stepper(monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry_module.registry()
    monkeypatch.setattr(registry_module, "registry", lambda: {**real, "stepper": Stepper})


@pytest.mark.usefixtures("with_stepper")
def test_declared_options_are_parsed_filled_in_and_read_back() -> None:
    name, options = parse_strategy_spec("stepper:size=4,limit=none,rate=1,mode=b,greedy=no")
    assert (name, options) == (
        "stepper",
        {"size": 4, "limit": None, "rate": 1.0, "mode": "b", "greedy": False},
    )
    assert option_defaults(Stepper) == {
        "size": 3,
        "limit": None,
        "rate": 0.5,
        "mode": "a",
        "greedy": True,
    }
    assert resolved_options("stepper", {"size": 4}) == {**option_defaults(Stepper), "size": 4}
    strategy = build_strategy("stepper", options, toy_benchmark().space, **_RUN)
    assert isinstance(strategy, Stepper)
    assert strategy.options() == options
    assert strategy.opts.size == 4
    # Keyword construction is the same thing, for code that holds the class.
    assert Stepper(toy_benchmark().space, seed=0, size=4).options()["size"] == 4
    allowed = {spec.name: spec.allowed for spec in strategy_option_specs(Stepper)}
    assert allowed == {
        "size": "a whole number >= 1",
        "limit": "a whole number >= 1 or None",
        "rate": "a number in (0, 1]",
        "mode": "one of a, b",
        "greedy": "true or false",
    }


_RUN: dict[str, Any] = {"seed": 0, "maximize": True, "budget": 10}


@pytest.mark.usefixtures("with_stepper")
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("stepper:size=0", "option size=0 must be a whole number >= 1"),
        ("stepper:size=two", "option size='two' must be a whole number >= 1"),
        ("stepper:limit=2.5", "option limit='2.5' must be a whole number >= 1 or None"),
        ("stepper:rate=0", "option rate=0.0 must be a number in (0, 1]"),
        ("stepper:rate=nan", "option rate=nan must be a number in (0, 1]"),
        ("stepper:mode=c", "option mode='c' must be one of a, b"),
        ("stepper:greedy=maybe", "option greedy='maybe' must be true or false"),
        ("stepper:size=5,limit=4", "option limit=4 must be at least size=5"),
        (
            "stepper:speed=3",
            "option speed='3' does not exist; the options are: size, limit, rate, mode, greedy",
        ),
        ("stepper:size", "option size has no value; write size=VALUE"),
    ],
)
def test_every_option_error_has_one_form(spec: str, message: str) -> None:
    with pytest.raises(StrategyOptionError) as info:
        parse_strategy_spec(spec)
    assert str(info.value) == f"strategy 'stepper': {message}"


@pytest.mark.usefixtures("with_stepper")
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"size": True}, "option size=True must be a whole number >= 1"),
        ({"size": 2.0}, "option size=2.0 must be a whole number >= 1"),
        ({"rate": "0.5"}, "option rate='0.5' must be a number in (0, 1]"),
        ({"greedy": 1}, "option greedy=1 must be true or false"),
        ({"limit": 1, "size": 2}, "option limit=1 must be at least size=2"),
    ],
)
def test_python_values_are_checked_the_same_way(options: dict[str, Any], message: str) -> None:
    space = toy_benchmark().space
    for attempt in (
        lambda: resolved_options("stepper", options),
        lambda: build_strategy("stepper", options, space, **_RUN),
        lambda: Stepper(space, **_RUN, **options),
    ):
        with pytest.raises(StrategyOptionError) as info:
            attempt()
        assert str(info.value) == f"strategy 'stepper': {message}"
        # Runs execute in worker processes: the error must survive pickling.
        assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def _declare(options_cls: type) -> None:
    type("Bad", (Strategy,), {"name": "bad", "description": "-", "Options": options_cls})


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (
            lambda: dataclass(frozen=True, kw_only=True)(
                type("O", (StrategyOptions,), {"__annotations__": {"size": "int"}})
            ),
            "needs a default",
        ),
        (
            lambda: dataclass(frozen=True)(
                type("O", (StrategyOptions,), {"__annotations__": {"xs": "list"}, "xs": None})
            ),
            "is not bool, int, float or str",
        ),
        (
            lambda: dataclass(frozen=True)(
                type(
                    "O",
                    (StrategyOptions,),
                    {"__annotations__": {"n": "int"}, "n": option(0, minimum=1)},
                )
            ),
            "the defaults are invalid",
        ),
        (
            lambda: type("O", (StrategyOptions,), {"__annotations__": {"n": "int"}, "n": 1}),
            "must be a StrategyOptions subclass decorated with @dataclass",
        ),
        (
            lambda: dataclass(frozen=True)(
                type(
                    "O",
                    (StrategyOptions,),
                    {"__annotations__": {"n": "bool"}, "n": option(True, minimum=1)},
                )
            ),
            "bounds need an int or float option",
        ),
    ],
)
def test_a_malformed_declaration_fails_when_the_class_is_defined(
    declare: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        _declare(declare())


def test_a_space_plugin_that_cannot_be_imported_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from spaces import _registry as spaces_registry
    from spaces import available_spaces
    from spaces import broken_plugins as broken_spaces

    (tmp_path / "third_party_space.py").write_text("raise RuntimeError('written for 0.1')\n")
    dist = tmp_path / "third_party_space-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: third-party-space\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[harness.spaces]\nold = third_party_space\n")
    sys.path.insert(0, str(tmp_path))
    spaces_registry.sources.cache_clear()
    try:
        assert "nb201/cifar10" in available_spaces()
        assert broken_spaces() == {"old": "RuntimeError: written for 0.1"}
        assert main(["list"]) == 0
        assert "warning: space plugin 'old' skipped (RuntimeError: written for 0.1)" in (
            capsys.readouterr().err
        )
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("third_party_space", None)
        spaces_registry.sources.cache_clear()
