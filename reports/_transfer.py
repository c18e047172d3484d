"""The transfer protocol's part of a report: prior cost, zero- and few-shot quality, importance.

A space gets this section where at least one compared strategy read prior knowledge
(`harness._priors`). It says what each transfer strategy read - sources, configs, recorded
runs and their training time (the *prior cost*, kept apart from the budget, which everyone
spends alike) - and how good every strategy's incumbent is after its 1st, 5th, 10th, 50th and
100th evaluation, search strategies included, so a reader sees what the prior buys. Where a
strategy reports learned importance scores (``autobuild``, ``pg-nag``: `spaces.diagnostics`),
their mean over the runs is tabulated and drawn too: the interpretable knowledge a user reads.
The quality of the architectures a generator sampled is a section of its own
(`reports._generated`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reports._data import Cell
from reports._format import fmt
from reports._tree import measure_of
from reports.document import (
    Block,
    Figure,
    RenderContext,
    Section,
    StatsSettings,
    Table,
    TextTable,
)
from spaces.diagnostics import blocks_of, importance_of

EARLY_EVALUATIONS = (1, 5, 10, 50, 100)
"""Evaluations at which the zero- and few-shot table scores every incumbent."""
TOP_VALUES = 3
"""Values per dimension listed in the importance table (highest mean score first)."""
TOP_BLOCKS = 5
"""Blocks (pairs of components) listed."""


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _prior_cost(notes: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    priors = [n["prior"] for n in notes if "prior" in n]
    if not priors:
        return None
    first = priors[0]
    # The seconds each run spent learning are in the store (`ResultsStore.run_notes`) but not
    # here: a wall time would make stats.json differ between identical reruns.
    return {
        "sources": list(first.get("sources", [])),
        "n_configs": int(first.get("n_configs", 0)),
        "n_runs": int(first.get("n_runs", 0)),
        "cost_hours": float(first.get("cost_seconds", 0.0)) / 3600.0,
        "n_runs_reported": len(priors),
    }


def _importance(notes: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    tables = [table for n in notes if (table := importance_of(n)) is not None]
    if not tables:
        return None
    sums: dict[str, dict[str, list[float]]] = {}
    for table in tables:
        for dim, values in table.items():
            for value, score in values.items():
                sums.setdefault(str(dim), {}).setdefault(str(value), []).append(float(score))
    per_dim = {
        dim: dict(
            sorted(
                ((v, float(np.mean(s))) for v, s in values.items()),
                key=lambda item: -item[1],
            )
        )
        for dim, values in sums.items()
    }
    blocks: dict[tuple[str, str], list[float]] = {}
    for n in notes:
        for block in blocks_of(n):
            pair = (str(block.get("a")), str(block.get("b")))
            blocks.setdefault(pair, []).append(float(block.get("score", math.nan)))
    top = sorted(
        ((pair, len(s), float(np.nanmean(s))) for pair, s in blocks.items()),
        key=lambda item: (-item[1], -item[2]),
    )[:TOP_BLOCKS]
    return {
        "n_runs": len(tables),
        "dimensions": per_dim,
        "blocks": [
            {"a": a, "b": b, "n_runs": count, "mean_score": _num(score)}
            for (a, b), count, score in top
        ],
    }


def read_a_prior(cell: Cell) -> bool:
    """Whether some compared strategy read prior knowledge in some run of ``cell``."""
    return any(_prior_cost(cell.run_notes.get(lab, ())) for lab in cell.labels)


def transfer_stats(cell: Cell) -> dict[str, Any] | None:
    """The transfer section of ``cell``'s statistics, or None where no strategy read a prior."""
    prior = {lab: _prior_cost(cell.run_notes.get(lab, ())) for lab in cell.labels}
    if not any(prior.values()):
        return None
    steps = [e for e in EARLY_EVALUATIONS if e <= cell.eval_grid.size]
    sign = cell.measure.sign
    early: dict[str, Any] = {}
    for i, lab in enumerate(cell.labels):
        # Curves hold the loss (lower is better); shown in the measure's own orientation.
        at = [cell.eval_curves[i, :, e - 1] * sign for e in steps]
        early[lab] = {
            "mean": [_num(float(np.nanmean(col))) if col.size else None for col in at],
            "median": [_num(float(np.nanmedian(col))) if col.size else None for col in at],
        }
    importance = {
        lab: imp
        for lab in cell.labels
        if (imp := _importance(cell.run_notes.get(lab, ()))) is not None
    }
    out: dict[str, Any] = {
        "prior_cost": {lab: p for lab, p in prior.items() if p is not None},
        "early": {"evaluations": steps, "by_strategy": early},
        "importance": importance,
    }
    return out


def importance_rows(importance: dict[str, Any]) -> list[list[str]]:
    """Rows (dimension, best values with their mean scores) of one strategy's importance."""
    rows = []
    for dim, values in importance["dimensions"].items():
        # Sorted here: stats.json is written with sorted keys, so its order is alphabetical.
        ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        best = ordered[:TOP_VALUES]
        worst = ordered[-1]
        rows.append(
            [
                dim,
                ", ".join(f"{v} ({s:+.3f})" for v, s in best),
                f"{worst[0]} ({worst[1]:+.3f})",
            ]
        )
    return rows


def transfer_tables(space: dict[str, Any]) -> list[TextTable]:
    """The transfer protocol's tables of one space (none where no strategy read a prior)."""
    transfer = space.get("transfer")
    if not transfer:
        return []
    name = space["name"]
    tables = []
    prior_rows = []
    for lab in space["order"]:
        cost = transfer["prior_cost"].get(lab)
        if cost is None:
            prior_rows.append([lab, "none (search only)", "0", "0", "0"])
            continue
        prior_rows.append(
            [
                lab,
                ", ".join(cost["sources"]) or "none available",
                f"{cost['n_configs']:,}",
                f"{cost['n_runs']:,}",
                fmt(cost["cost_hours"], 4),
            ]
        )
    tables.append(
        TextTable(
            title=f"{name}: prior knowledge read (prior cost, apart from the budget)",
            columns=[
                "strategy",
                "sources",
                "configs read",
                "recorded runs read",
                "their training hours",
            ],
            rows=prior_rows,
            legend="Transfer strategies read the recorded results of the same space on other "
            "data sets, never the target's; their training time is what that knowledge cost "
            "to make. The budget below is charged exactly as for every other strategy. The "
            "seconds each run spent learning are stored with the run (not shown: wall time "
            "varies between identical reruns).",
            text_columns=frozenset({0, 1}),
        )
    )
    early = transfer["early"]
    m = measure_of(space)
    what = "regret" if m["kind"] == "regret" else f"best {m['metric']}"
    rows = []
    for lab in space["order"]:
        entry = early["by_strategy"][lab]
        rows.append(
            [
                lab,
                *[
                    f"{fmt(a)} ({fmt(b)})"
                    for a, b in zip(entry["mean"], entry["median"], strict=True)
                ],
            ]
        )
    tables.append(
        TextTable(
            title=f"{name}: zero- and few-shot quality ({what} of the incumbent)",
            columns=["strategy", *[f"after {e}" for e in early["evaluations"]]],
            rows=rows,
            legend=f"Mean (median) over seeds of the incumbent's {what} after that many "
            f"evaluations ({m['better']} is better): what the first suggestions are worth.",
        )
    )
    for lab, imp in transfer["importance"].items():
        tables.append(
            TextTable(
                title=f"{name}: importance learned by {lab} (mean over {imp['n_runs']} runs)",
                columns=["dimension", "highest-scored values", "lowest-scored value"],
                rows=importance_rows(imp),
                legend="Each component's learned contribution to the score (higher: "
                "predicted better), averaged over runs; blocks (pairs of components) with the "
                "largest joint scores: "
                + (
                    "; ".join(
                        f"{b['a']} + {b['b']} ({fmt(b['mean_score'], 3)}, {b['n_runs']} runs)"
                        for b in imp["blocks"]
                    )
                    or "none reported"
                )
                + ".",
                text_columns=frozenset({0, 1, 2}),
            )
        )
    return tables


class Transfer(Section):
    """Prior cost, zero- and few-shot quality and learned importance (where a prior was read)."""

    name = "transfer"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        transfer = transfer_stats(cell)
        # Only where a strategy read a prior: other reports' statistics stay as they were.
        return {} if transfer is None else {"transfer": transfer}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        return [
            Table(table=table, label=f"{space['name']}-transfer-{i + 1}")
            for i, table in enumerate(transfer_tables(space))
        ]


class ImportanceFigures(Section):
    """The figures of the learned importance; registered after every table of a space."""

    name = "importance-figures"

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        from reports._figures import slug  # matplotlib is imported only where figures are

        files = context.figures.get("importance", [])
        if not files:
            return []
        mine = tuple(
            f for f in files if f.endswith(".png") and f"importance_{slug(space['name'])}" in f
        )
        return [Figure(files=mine, alt="importance")] if mine else []


SECTION = Transfer()
FIGURES = ImportanceFigures()
