"""The documentation site builds in strict mode, offline, and its generated pages are current.

CI runs only ``python -m pytest``, so the site is built here: ``mkdocs build --strict`` turns
every warning (a broken link or anchor, a page missing from the navigation, a docstring the
API reference cannot read) into a failure.
"""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to open a network connection from this process."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("the docs build must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.usefixtures("no_network")
def test_site_builds_strictly_and_offline(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = tmp_path / "site"
    config = load_config(str(ROOT / "mkdocs.yml"), strict=True, site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    assert (site / "index.html").is_file()
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    # The API reference is generated from the docstrings, not left empty.
    assert "run_strategy" in api
    assert "StrategyContract" in api


def test_site_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    """Strict mode is on: a page with a broken link does not build."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [missing](missing.md).\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        (ROOT / "mkdocs.yml")
        .read_text(encoding="utf-8")
        .split("\nnav:")[0]
        .replace("  - mkdocstrings:", "  - mkdocstrings:\n      enabled: false", 1)
        + "\nnav:\n  - Home: index.md\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)]
        + ["-d", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "missing.md" in done.stderr


def test_reference_pages_match_the_registries() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs_reference.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _script(name: str) -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def test_reference_check_names_a_stale_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs_reference = _script("docs_reference")
    listing = docs_reference.list_markdown()
    monkeypatch.setattr(docs_reference, "list_markdown", lambda: listing)
    monkeypatch.setattr(docs_reference, "ROOT", tmp_path)
    monkeypatch.setattr(docs_reference, "REFERENCE", tmp_path / "docs" / "reference")
    assert docs_reference.main([]) == 0
    assert docs_reference.main(["--check"]) == 0
    stale = tmp_path / "docs" / "reference" / "suites.md"
    stale.write_text(stale.read_text(encoding="utf-8").replace("`default`", "`old`"))
    assert docs_reference.main(["--check"]) == 1
    assert "docs/reference/suites.md" in capsys.readouterr().err


def test_reference_pages_are_the_sections_of_one_command() -> None:
    docs_reference = _script("docs_reference")
    pages = docs_reference.render_pages(
        "## Suites\n\n| a |\n## Spaces\n\ns\n## Strategies\n\nt\n"
        "## Command-line options\n\n### `python -m harness compare`\n\no\n"
    )
    assert pages["suites.md"].endswith("| a |\n")
    assert "\n## `python -m harness compare`\n" in pages["options.md"]
    with pytest.raises(SystemExit, match="no section 'Spaces'"):
        docs_reference.render_pages("## Suites\n")


def test_performance_page_records_machine_load_and_command() -> None:
    render_performance = _script("render_performance")
    data = {
        "datetime": "2026-12-08T02:00:00",
        "machine_info": {"python_version": "3.11.7"},
        "benchmarks": [
            {
                "fullname": "benchmarks/test_bench_core.py::test_lookup_under_2us",
                "name": "test_lookup_under_2us",
                "stats": {"median": 0.0015, "min": 0.0012, "max": 0.004, "rounds": 50},
                "extra_info": {"us_per_lookup": 0.75},
            }
        ],
    }
    page = render_performance.render(
        data, command="python -m pytest benchmarks", load_before="1.00", load_after="2.00"
    )
    assert "- Date: 2026-12-08 02:00:00 UTC" in page
    assert "cores" in page
    assert "1.00 before, 2.00 after" in page
    assert (
        "| `test_lookup_under_2us` | 1.5 ms | 1.2 ms | 4 ms | 50 | us per lookup = 0.75 |" in page
    )


def test_performance_page_is_generated() -> None:
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert page.startswith("<!-- Generated by `python scripts/render_performance.py`")
    for fact in ("- Date:", "- Machine:", "- Load average", "- Command:"):
        assert fact in page
