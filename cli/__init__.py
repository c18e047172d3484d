"""The command line, ``python -m harness compare | list | train | experiment | export | report``.

The top layer: it parses and checks arguments and experiment files, then calls the library
(`harness` for comparisons and training, `reports` for reports, `experiments` for the
protocols that are not comparisons). Nothing below imports it. Public surface: `main` (what
tests call: ``main(argv) -> exit code``), `entry` (the console script and ``python -m
harness``), `build_parser`, the exit codes and the limits on what one command may ask for.
"""

from __future__ import annotations

from cli._arguments import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUNS_FAILED,
    EXIT_USAGE,
    MAX_EPOCHS,
    MAX_RUNS,
    MAX_SECONDS,
    MAX_SEED,
    MAX_SEEDS,
    MAX_SIM_WORKERS,
    MAX_WORKERS,
    UsageError,
)
from cli._main import entry, main
from cli._parser import build_parser
from harness import MAX_EVALUATIONS

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RUNS_FAILED",
    "EXIT_USAGE",
    "MAX_EPOCHS",
    "MAX_EVALUATIONS",
    "MAX_RUNS",
    "MAX_SECONDS",
    "MAX_SEED",
    "MAX_SEEDS",
    "MAX_SIM_WORKERS",
    "MAX_WORKERS",
    "UsageError",
    "build_parser",
    "entry",
    "main",
]
