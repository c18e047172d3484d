"""Strategies from outside this package: the README's example and entry-point plugins."""

from __future__ import annotations

import re
import sys
import textwrap
import types
from pathlib import Path

import pytest

from harness.cli import main
from harness.testing import StrategyContract
from strategies import _registry as registry_module
from strategies import available_strategies

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_strategy() -> type:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    source = next(b for b in blocks if "class GreedyMutation" in b)
    module = types.ModuleType("readme_example")
    exec(compile(source, "README.md", "exec"), module.__dict__)  # our own README's code
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
    assert "greedy-mutation: option n_init=0 must be at least 1" in capsys.readouterr().err


def test_entry_point_plugins_are_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "third_party_strategy.py").write_text(
        textwrap.dedent("""
        from strategies import Strategy

        class FirstChoice(Strategy):
            name = "first-choice"
            description = "Always the first config (a plugin for tests)."

            def ask(self):
                return tuple(0 for _ in self.space.sizes)

            def tell(self, config, observation):
                pass
    """)
    )
    dist = tmp_path / "third_party_strategy-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: third-party-strategy\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[harness.strategies]\nfirst-choice = third_party_strategy:FirstChoice\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry_module.registry.cache_clear()
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
