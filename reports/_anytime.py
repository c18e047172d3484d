"""The anytime view of a space: the incumbent's result against the budget spent.

Its statistics are, on both axes (evaluations, and simulated training seconds), the grid and
each strategy's mean (or median) band over seeds; its blocks are the figures drawn from them
(the search metric's and the test metric's figures too, where the space has them).
"""

from __future__ import annotations

from typing import Any

from reports._data import Cell
from reports._inference import anytime_curves, band
from reports._tree import search_figure_key, test_figure_key
from reports.document import Block, RenderContext, Section, StatsSettings


class Anytime(Section):
    """Anytime bands over evaluations and seconds, and the figures drawn from them."""

    name = "anytime"

    def empty_stats(self, cell: Cell) -> dict[str, Any]:
        return {"anytime": {}}

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        sign = cell.measure.sign
        # Regret is never negative: its bands stop at 0.
        bound = 0.0 if cell.measure.kind == "regret" else None
        curves = anytime_curves(
            cell, cell.eval_curves, cell.time_curves, lambda seeds: band(seeds, sign, bound)
        )
        return {"anytime": curves}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        name = space["name"]
        return [
            figure
            for key in (name, search_figure_key(name), test_figure_key(name))
            for figure in context.figure(key)
        ]


SECTION = Anytime()
