"""The transfer protocol's part of a report: prior cost, zero- and few-shot quality, importance.

A space gets this section where at least one compared strategy read prior knowledge
(`harness._priors`). It says what each transfer strategy read - sources, configs, recorded
runs and their training time (the *prior cost*, kept apart from the budget, which everyone
spends alike) - and how good every strategy's incumbent is after its 1st, 5th, 10th, 50th and
100th evaluation, search strategies included, so a reader sees what the prior buys. Where a
strategy reports learned importance scores (``autobuild``, ``pg-nag``), their mean over the
runs is tabulated too: the interpretable knowledge a user reads. Where a strategy generates
architectures from a model (``nal``, ``pg-nag``), the quality of what it sampled is
tabulated: the shares of valid, unique and novel (not among the designs it learned from)
samples, the usual measures of a generative model of architectures.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reports._data import Cell

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
    tables = [
        n["diagnostics"]["importance"]
        for n in notes
        if isinstance(n.get("diagnostics"), dict) and "importance" in n["diagnostics"]
    ]
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
        for block in (n.get("diagnostics") or {}).get("blocks", []) or []:
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


GENERATION_MEASURES = ("valid", "unique", "novel")
"""Shares a generator reports of its samples (`strategies` diagnostics ``generation``)."""


def _generation(notes: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    reports = [
        n["diagnostics"]["generation"]
        for n in notes
        if isinstance(n.get("diagnostics"), dict) and "generation" in n["diagnostics"]
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
    generation = {
        lab: gen
        for lab in cell.labels
        if (gen := _generation(cell.run_notes.get(lab, ()))) is not None
    }
    if generation:  # only where a generator ran: other reports' statistics stay as they were
        out["generation"] = generation
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
