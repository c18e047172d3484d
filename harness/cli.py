"""Deprecated: the command line moved to the package `cli` (``from cli import main``).

Kept for one release so that ``from harness.cli import main`` and ``harness.cli:entry`` go on
working, with a `DeprecationWarning`. It looks `cli` up by name at run time (as
``python -m harness`` does) instead of importing it, so the harness keeps no import edge up to
the command line on top of it.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_FORWARDED = (
    "main",
    "entry",
    "build_parser",
    "EXIT_OK",
    "EXIT_RUNS_FAILED",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
)


def __getattr__(name: str) -> Any:
    """Forward a name of the old module to `cli`, with a `DeprecationWarning`."""
    if name not in _FORWARDED:
        raise AttributeError(f"module 'harness.cli' has no attribute {name!r}")
    warnings.warn(
        f"harness.cli.{name} moved to cli.{name}; harness.cli goes away in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module("cli"), name)
