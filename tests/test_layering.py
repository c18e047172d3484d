"""The layering stays: spaces <- strategies <- harness <- reports <- experiments <- cli.

Three checks: the import-linter contracts in pyproject.toml (which layer may import which),
no import cycle between modules of the packages, and a private module (``pkg._x``) imported
only from inside its own package - by the packages, the scripts and the README's examples;
and importing `reports` loads none of the harness's loop, planning or strategies.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("harness", "strategies", "spaces", "reports", "experiments", "cli")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_import_linter_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    assert code == 0, "an import-linter contract is broken: run `lint-imports` to see which"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    # A package's __init__ importing its own submodules to re-export them is how a public
    # surface is made, not a dependency of design; every other edge counts, so a submodule
    # that imports its package's __init__ (and so every sibling) shows up as a cycle.
    pruned = grimp.build_graph(*PACKAGES, cache_dir=None)
    for importer in list(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.startswith(importer + "."):
                pruned.remove_import(importer=importer, imported=imported)
    assert _cycles(pruned) == []


def _private_owner(module: str) -> str | None:
    """The package a private module belongs to (``harness._loop`` -> ``harness``)."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def test_private_modules_are_imported_only_inside_their_package(
    graph: grimp.ImportGraph,
) -> None:
    offences = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            owner = _private_owner(imported)
            if owner and not (importer == owner or importer.startswith(owner + ".")):
                offences.append(f"{importer} imports {imported}")
    assert offences == []


_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+((?:harness|strategies|spaces|reports|experiments|cli)[\w.]*)", re.M
)


def _private_imports(text: str) -> list[str]:
    return [m for m in _IMPORT.findall(text) if _private_owner(m)]


def test_scripts_benchmarks_and_readme_use_public_names_only() -> None:
    offences = []
    for folder in ("scripts", "benchmarks"):
        for path in sorted((REPO / folder).glob("*.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                offences += [f"{path.name}: {n}" for n in names if _private_owner(n)]
    for doc in (REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))):
        offences += [f"{doc.name}: {m}" for m in _private_imports(doc.read_text())]
    assert offences == []


def test_the_repository_root_is_where_the_packages_are() -> None:
    # grimp imports the packages from sys.path; make sure it saw this checkout's.
    import harness

    assert Path(os.path.dirname(harness.__file__)).parent == REPO


def _loaded_by(statement: str) -> set[str]:
    """The project's modules a fresh interpreter has loaded after ``statement``."""
    code = (
        f"import sys\n{statement}\n"
        f"print('\\n'.join(m for m in sys.modules if m.split('.')[0] in {PACKAGES!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_importing_reports_loads_no_loop_planning_or_strategy() -> None:
    loaded = _loaded_by("import reports, reports.synthetic")
    assert {"reports", "harness.results", "harness.run_types"} <= loaded  # it saw the imports
    heavy = {"harness._loop", "harness._compare", "harness._evaluator", "harness.capabilities"}
    assert not loaded & heavy
    assert not {m for m in loaded if m.split(".")[0] in ("strategies", "experiments", "cli")}


def test_importing_the_harness_loads_nothing_until_a_name_is_used() -> None:
    assert not {"harness._loop", "strategies"} & _loaded_by("import harness")
    loaded = _loaded_by("from harness import compare")
    assert {"harness._compare", "strategies"} <= loaded
    assert not {m for m in loaded if m.split(".")[0] in ("reports", "cli")}


def test_an_unknown_harness_name_is_an_attribute_error() -> None:
    import harness

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = harness.nope  # type: ignore[attr-defined]


def test_python_m_harness_runs_the_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "harness", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    assert out.stdout.startswith("usage: python -m harness")


def test_the_old_harness_cli_module_warns_and_forwards() -> None:
    import cli
    import harness.cli as old

    with pytest.warns(DeprecationWarning, match="moved to cli.main"):
        assert old.main is cli.main
    with pytest.raises(AttributeError):
        _ = old.nope


def test_every_public_harness_name_resolves_to_its_home() -> None:
    import importlib

    import harness

    homes = harness._HOMES  # the table the lazy lookup reads
    assert sorted(harness._HOME_OF) == sorted(n for n in harness.__all__ if n != "__version__")
    for module, names in homes.items():
        for name in names:
            assert getattr(harness, name) is getattr(importlib.import_module(module), name)
