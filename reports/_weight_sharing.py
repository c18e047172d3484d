"""Weight sharing in a report: what the supernet cost, how well it ranked, what it derived.

A space gets this section where a weight-sharing strategy (``darts``, ``gdas``, ``rsws``)
ran. Per such strategy it gives:

- the supernet search's charged seconds (median over runs: recorded once per strategy,
  options and seed, so every rerun is charged the same) and the seconds spent on report-only
  checks, which were not charged;
- the supernet's ranking quality: Kendall's tau-b, per run, between the supernet's
  validation accuracy of each cell the run evaluated stand-alone and the stand-alone
  validation accuracy observed (one training seed); mean and standard deviation over runs,
  and how many cells a run had scored on average (runs with fewer than 3 are left out);
- the operation histogram of the derived cells (the cell each method itself returns): the
  share of each operation over the 6 edges of every run's derived cell. DARTS's known
  failure mode on NAS-Bench-201 - collapse to parameter-free operations - shows as a large
  ``skip_connect`` (or ``none``) share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import kendalltau

from reports._data import Cell
from reports._format import seconds_text
from reports.document import Block, RenderContext, Section, StatsSettings, Table, TextTable
from spaces import NB201_OPS
from spaces.diagnostics import SupernetScore, derived_ops_of, supernet_scores_of

MIN_SCORED = 3
"""Cells a run must have scored both ways for its Kendall tau to count."""


def _tau(scores: list[SupernetScore]) -> float | None:
    """Kendall's tau-b between supernet and stand-alone accuracy of one run's cells."""
    pairs = [(float(s[1]), float(s[2])) for s in scores if s[1] is not None]
    if len(pairs) < MIN_SCORED:
        return None
    supernet, standalone = zip(*pairs, strict=True)
    if len(set(supernet)) < 2 or len(set(standalone)) < 2:
        return None  # tau is undefined where one side is constant
    tau = float(kendalltau(supernet, standalone).statistic)
    return tau if math.isfinite(tau) else None


def _median(xs: list[float]) -> float | None:
    return float(np.median(xs)) if xs else None


def weight_sharing_stats(cell: Cell) -> dict[str, Any] | None:
    """The section's numbers for one space; None where no weight-sharing strategy ran."""
    by: dict[str, Any] = {}
    for lab in cell.labels:
        notes = [n for n in cell.run_notes.get(lab, ()) if "supernet" in n]
        if not notes:
            continue
        taus, scored, derived = [], [], []
        for note in notes:
            scores = supernet_scores_of(note)
            scored.append(len(scores))
            tau = _tau(scores)
            if tau is not None:
                taus.append(tau)
            ops = derived_ops_of(note)
            if ops:
                derived.append(ops)
        counts = {op: 0 for op in NB201_OPS}
        for ops in derived:
            for op in ops:
                counts[op] = counts.get(op, 0) + 1
        total = sum(counts.values())
        by[lab] = {
            "n_runs": len(notes),
            "median_search_seconds": _median([float(n["supernet"]["seconds"]) for n in notes]),
            "median_diagnostic_seconds": _median(
                [float(n["supernet"]["diagnostic_seconds"]) for n in notes]
            ),
            "kendall_tau_mean": float(np.mean(taus)) if taus else None,
            "kendall_tau_sd": float(np.std(taus, ddof=1)) if len(taus) > 1 else None,
            "kendall_tau_runs": len(taus),
            "mean_cells_scored": float(np.mean(scored)) if scored else 0.0,
            "derived_op_share": {op: (c / total if total else None) for op, c in counts.items()},
            "derived_cells": derived,
        }
    if not by:
        return None
    return {"by_strategy": by, "ops": list(NB201_OPS)}


def weight_sharing_tables(space: dict[str, Any]) -> list[TextTable]:
    """Supernet cost, ranking quality and derived operations (none without weight sharing)."""
    shared = space.get("weight_sharing")
    if not shared:
        return []
    ops = shared["ops"]
    rows = []
    for lab in space["order"]:
        entry = shared["by_strategy"].get(lab)
        if entry is None:
            continue
        mean, sd = entry["kendall_tau_mean"], entry["kendall_tau_sd"]
        tau = "-" if mean is None else f"{mean:+.2f}" + ("" if sd is None else f" ± {sd:.2f}")
        shares = entry["derived_op_share"]
        rows.append(
            [
                lab,
                seconds_text(entry["median_search_seconds"]),
                seconds_text(entry["median_diagnostic_seconds"]),
                tau,
                f"{entry['mean_cells_scored']:.1f}",
                *["-" if shares.get(op) is None else f"{100 * shares[op]:.0f}" for op in ops],
            ]
        )
    return [
        TextTable(
            title=f"{space['name']}: weight sharing - supernet cost, ranking and derived cells",
            columns=[
                "strategy",
                "search s (charged)",
                "check s (not charged)",
                "Kendall tau",
                "cells scored",
                *[f"% {op}" for op in ops],
            ],
            rows=rows,
            legend="search s: median recorded seconds of the supernet search, charged to "
            "each run's budget before its first stand-alone evaluation (recorded once per "
            "strategy, options and seed: the same for every rerun); check s: seconds spent "
            "scoring proposals on the supernet for this table only, not charged. Kendall "
            "tau: tau-b between the supernet's and the stand-alone validation accuracy of "
            "the cells a run evaluated (mean ± sd over runs with at least 3 such cells). "
            "% op: share of each operation over the edges of the derived cells (the cell "
            "each method returns), over all runs; a large skip_connect or none share is "
            "the collapse to parameter-free operations reported for DARTS.",
        )
    ]


class WeightSharing(Section):
    """Supernet cost, ranking quality and derived cells (where a weight-sharing method ran)."""

    name = "weight-sharing"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        shared = weight_sharing_stats(cell)
        return {} if shared is None else {"weight_sharing": shared}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        return [
            Table(table=table, label=f"{space['name']}-weight-sharing")
            for table in weight_sharing_tables(space)
        ]


SECTION = WeightSharing()
