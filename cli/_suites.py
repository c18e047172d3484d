"""Suites: curated comparisons shipped with the package, run by ``compare --suite NAME``.

A suite is an experiment file (the format of `cli._experiment_file`) kept in
``cli/suites/NAME.toml``: which spaces, strategies, seeds and budget make a meaningful
comparison of one kind of strategy (search, multi-fidelity, multi-objective, transfer,
weight sharing, trainable spaces). ``compare`` without ``--suite`` or ``--config`` runs the
``default`` suite, so the default comparison is a list someone chose and a strategy never
joins it by being registered. Suites are found by listing the folder: adding one is adding a
file.
"""

from __future__ import annotations

from pathlib import Path

SUITES_DIR = Path(__file__).resolve().parent / "suites"
"""Where the suites' TOML files are installed (package data)."""

DEFAULT_SUITE = "default"
"""The suite ``compare`` runs when given neither ``--suite`` nor ``--config``."""

_SHOWN_CHARS = 60  # an unknown name is echoed in the error up to this length


class UnknownSuiteError(ValueError):
    """A suite name that no file in `SUITES_DIR` has; the message lists the valid ones."""


def available_suites() -> list[str]:
    """Names of the shipped suites (their files' names without ``.toml``), sorted."""
    return sorted(path.stem for path in SUITES_DIR.glob("*.toml") if path.is_file())


def suite_path(name: str) -> Path:
    """The experiment file of suite ``name``.

    Raises:
        UnknownSuiteError: No suite has that name (the one-line message names the valid ones).
    """
    names = available_suites()
    if name not in names:
        shown = repr(name[:_SHOWN_CHARS]) + ("..." if len(name) > _SHOWN_CHARS else "")
        raise UnknownSuiteError(f"unknown suite {shown}; choose one of {', '.join(names)}")
    return SUITES_DIR / f"{name}.toml"


def first_sentence(text: str) -> str:
    """The first sentence of a description, on one line (for tables such as ``list``'s)."""
    words = " ".join(text.split())
    head, dot, _ = words.partition(". ")
    return head + dot.strip() if dot else words
