"""Shared fixtures; the contract kit's asserts get pytest's rewriting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.register_assert_rewrite("harness.testing")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the converted-table cache of the test run away from the user's own."""
    os.environ.setdefault("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
