"""What strategies report about a run beyond their suggestions, and reports read back.

A strategy's ``diagnostics()`` returns a JSON-ready dictionary that the harness stores with
the run (under the run note's ``diagnostics``) and that report sections read. This module is
the one declaration of the keys and shapes both sides rely on. It sits in ``spaces``, the
bottom layer, because both sides may import it there: strategies import only ``spaces``, and
reports never import ``strategies``.

Keys a strategy may report (each optional; a strategy gives those that apply):

- `IMPORTANCE` (`ImportanceTable`): the learned score of each value of each dimension
  (higher: predicted better), e.g. ``autobuild``'s main effects or ``pg-nag``'s
  contributions. Reports tabulate its mean over runs and draw it.
- `BLOCKS` (list of `ScoredBlock`): pairs of components with the largest joint scores.
- `SOURCES` (list of str): the data sets a transfer strategy learned from.
- `GENERATION` (`GenerationReport`): what a generative strategy's samples were like.
- `DERIVED_OPS` (list of str): the operations of the cell a weight-sharing method derived.
- `SUPERNET_SCORES` (list of `SupernetScore`): each stand-alone evaluated cell's supernet
  accuracy beside its observed value, for the supernet's ranking quality.

The readers (`importance_of`, ...) take a run note's diagnostics as loaded from the store,
where anything may be missing, and return None (or an empty list) where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias, TypedDict

IMPORTANCE: Final = "importance"
BLOCKS: Final = "blocks"
SOURCES: Final = "sources"
GENERATION: Final = "generation"
DERIVED_OPS: Final = "derived_ops"
SUPERNET_SCORES: Final = "supernet_scores"
DIAGNOSTICS: Final = "diagnostics"
"""The run note's key the harness stores a strategy's diagnostics under."""

ImportanceTable: TypeAlias = dict[str, dict[str, float]]
"""Dimension name -> value (as text) -> learned score (higher: predicted better)."""


class ScoredBlock(TypedDict):
    """A pair of components (``dimension=value``) and their joint learned score."""

    a: str
    b: str
    score: float


class GenerationReport(TypedDict):
    """What a generator sampled from its model during a run, repeats included.

    Attributes:
        n_samples: Configs sampled.
        valid: Share that is a working network.
        unique: Share of distinct configs among the samples.
        novel: Share of the distinct ones not among the designs it learned from.
    """

    n_samples: int
    valid: float
    unique: float
    novel: float


GENERATION_MEASURES: Final = ("valid", "unique", "novel")
"""The shares of a `GenerationReport`."""

SupernetScore: TypeAlias = tuple[list[int], float, float]
"""(config as dimension indices, supernet validation accuracy, observed stand-alone value);
stored as a JSON list of the three."""


def diagnostics_of(note: Mapping[str, Any]) -> Mapping[str, Any]:
    """A run note's diagnostics, or an empty mapping where it has none."""
    diagnostics = note.get(DIAGNOSTICS)
    return diagnostics if isinstance(diagnostics, dict) else {}


def importance_of(note: Mapping[str, Any]) -> ImportanceTable | None:
    """The importance table a run note's diagnostics report, or None."""
    table: ImportanceTable | None = diagnostics_of(note).get(IMPORTANCE)
    return table


def blocks_of(note: Mapping[str, Any]) -> list[ScoredBlock]:
    """The scored blocks a run note's diagnostics report (none where it reports none)."""
    return list(diagnostics_of(note).get(BLOCKS) or [])


def generation_of(note: Mapping[str, Any]) -> GenerationReport | None:
    """The generation report of a run note's diagnostics, or None."""
    report: GenerationReport | None = diagnostics_of(note).get(GENERATION)
    return report


def supernet_scores_of(note: Mapping[str, Any]) -> list[SupernetScore]:
    """The supernet scores of a run note's diagnostics (none where it reports none)."""
    return list(diagnostics_of(note).get(SUPERNET_SCORES) or [])


def derived_ops_of(note: Mapping[str, Any]) -> list[str] | None:
    """The derived cell's operations of a run note's diagnostics, or None (or empty)."""
    ops = diagnostics_of(note).get(DERIVED_OPS)
    return list(ops) if ops else None


__all__ = [
    "BLOCKS",
    "DERIVED_OPS",
    "DIAGNOSTICS",
    "GENERATION",
    "GENERATION_MEASURES",
    "IMPORTANCE",
    "SOURCES",
    "SUPERNET_SCORES",
    "GenerationReport",
    "ImportanceTable",
    "ScoredBlock",
    "SupernetScore",
    "blocks_of",
    "derived_ops_of",
    "diagnostics_of",
    "generation_of",
    "importance_of",
    "supernet_scores_of",
]
