"""Shared fixtures; the contract kit's asserts get pytest's rewriting."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from spaces import MultiObjective, load_objective, search_objective

pytest.register_assert_rewrite("harness.testing")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the converted-table cache of the test run away from the user's own."""
    os.environ.setdefault("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def schema1_store(tmp_path: Path) -> Path:
    """A comparison directory holding a real results store of schema 1 (nas-harness 0.1)."""
    directory = tmp_path / "schema1"
    directory.mkdir()
    shutil.copy(REPO / "tests" / "data" / "schema1_results.sqlite", directory / "results.sqlite")
    return directory


@pytest.fixture(scope="module")
def objective() -> MultiObjective:
    """macro/cifar10 searched on test accuracy and parameters (the multi-objective tests')."""
    found = search_objective(load_objective("macro/cifar10"), metric="hv(test_acc,params)")
    assert isinstance(found, MultiObjective)
    return found
