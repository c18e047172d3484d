"""The architectures a generative strategy sampled: valid, unique and novel shares.

Where a strategy generates architectures from a model it learned (``nal``, ``pg-nag``), it
reports what its samples were like (`spaces.diagnostics.GenerationReport`): the shares of
valid, unique and novel (not among the designs it learned from) samples, the usual measures
of a generative model of architectures. This section averages them over runs and
tabulates them. Its numbers are stored inside the transfer section's (``transfer.generation``),
where they were before sections were modules of their own, so only reports in which some
strategy read a prior have them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from reports._data import Cell
from reports._format import fmt
from reports._transfer import read_a_prior
from reports.document import Block, RenderContext, Section, StatsSettings, Table, TextTable
from spaces.diagnostics import GENERATION_MEASURES, generation_of


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _generation(notes: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    # Read as stored: a report of an older strategy may lack a measure (it counts as NaN).
    reports: list[Mapping[str, Any]] = [
        dict(report) for n in notes if (report := generation_of(n)) is not None
    ]
    if not reports:
        return None
    out: dict[str, Any] = {
        "n_runs": len(reports),
        "mean_samples": float(np.mean([float(r.get("n_samples", 0)) for r in reports])),
    }
    for key in GENERATION_MEASURES:
        out[key] = _num(float(np.mean([float(r.get(key, math.nan)) for r in reports])))
    return out


def generation_stats(cell: Cell) -> dict[str, Any] | None:
    """Each generator's mean sample quality over its runs; None where no generator ran."""
    generation = {
        lab: gen
        for lab in cell.labels
        if (gen := _generation(cell.run_notes.get(lab, ()))) is not None
    }
    return generation or None


def generation_table(space: dict[str, Any]) -> TextTable | None:
    """The table of the generated architectures' quality, or None where none was reported."""
    name = space["name"]
    generation = (space.get("transfer") or {}).get("generation") or {}
    if not generation:
        return None
    return TextTable(
        title=f"{name}: architectures generated (mean over runs)",
        columns=["strategy", "samples per run", "valid", "unique", "novel"],
        rows=[
            [
                lab,
                f"{gen['mean_samples']:,.0f}",
                *[fmt(gen[key], 3) for key in GENERATION_MEASURES],
            ]
            for lab, gen in generation.items()
        ],
        legend="Every architecture a generator sampled from its model during a run, "
        "repeats included: valid is the share that is a working network (a cell with "
        "an input-to-output path), unique the share of distinct ones, novel the share "
        "of the distinct ones that are not among the designs it learned from.",
    )


class GeneratedArchitectures(Section):
    """The quality of the architectures generators sampled."""

    name = "generated-architectures"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        generation = generation_stats(cell) if read_a_prior(cell) else None
        # Only where a generator ran: other reports' statistics stay as they were.
        return {} if generation is None else {"transfer": {"generation": generation}}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        table = generation_table(space)
        return [] if table is None else [Table(table=table, label=f"{space['name']}-generated")]


SECTION = GeneratedArchitectures()
