"""Simulated workers and fidelities in a report: utilisation and where the budget went.

A space gets this section where runs went through the event loop (`harness._events`):
simulated parallel workers (``--sim-workers``) or multi-fidelity strategies. Per strategy it
gives the number of workers, the median makespan (simulated wall-clock seconds until the
last evaluation finished: the axis the anytime curves use), the median worker-seconds (the
training time charged, summed over workers), the median utilisation (worker-seconds over
workers x makespan) and the median share of the worker-seconds spent at each fidelity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reports._data import Cell
from reports._format import seconds_text
from reports.document import Block, RenderContext, Section, StatsSettings, Table, TextTable


def _median(xs: list[float]) -> float | None:
    finite = [x for x in xs if x is not None and np.isfinite(x)]
    return float(np.median(finite)) if finite else None


def workers_stats(cell: Cell) -> dict[str, Any] | None:
    """The section's numbers for one space; None where no run used the event loop."""
    by: dict[str, Any] = {}
    fidelities: set[str] = set()
    for lab in cell.labels:
        notes = [n["workers"] for n in cell.run_notes.get(lab, ()) if "workers" in n]
        if not notes:
            continue
        shares: dict[str, list[float]] = {}
        for note in notes:
            total = float(note["worker_seconds"])
            for f, seconds in note["seconds_at_fidelity"].items():
                fidelities.add(f)
                shares.setdefault(f, []).append(float(seconds) / total if total > 0 else 0.0)
        # A run that spent nothing at a fidelity counts as a zero share there.
        n = len(notes)
        by[lab] = {
            "n_runs": n,
            "workers": int(notes[0]["workers"]),
            "median_makespan_seconds": _median([float(x["makespan_seconds"]) for x in notes]),
            "median_worker_seconds": _median([float(x["worker_seconds"]) for x in notes]),
            "median_utilisation": _median(
                [float(x["utilisation"]) for x in notes if x["utilisation"] is not None]
            ),
            "median_share_at_fidelity": {
                f: _median(v + [0.0] * (n - len(v))) for f, v in sorted(shares.items())
            },
        }
    if not by:
        return None
    return {
        "by_strategy": by,
        "fidelities": sorted(fidelities, key=int),
    }


def workers_tables(space: dict[str, Any]) -> list[TextTable]:
    """Simulated workers and the budget per fidelity (none where no run used them)."""
    workers = space.get("workers")
    if not workers:
        return []
    fidelities = workers["fidelities"]
    rows = []
    for lab in space["order"]:
        entry = workers["by_strategy"].get(lab)
        if entry is None:
            continue
        shares = entry["median_share_at_fidelity"]
        utilisation = entry["median_utilisation"]
        rows.append(
            [
                lab,
                str(entry["workers"]),
                seconds_text(entry["median_makespan_seconds"]),
                seconds_text(entry["median_worker_seconds"]),
                "-" if utilisation is None else f"{100 * utilisation:.1f}",
                *["-" if shares.get(f) is None else f"{100 * shares[f]:.1f}" for f in fidelities],
            ]
        )
    return [
        TextTable(
            title=f"{space['name']}: simulated workers and the budget per fidelity",
            columns=[
                "strategy",
                "workers",
                "median makespan (s)",
                "median worker-seconds",
                "median utilisation %",
                *[f"% at fidelity {f}" for f in fidelities],
            ],
            rows=rows,
            legend="Simulated workers: evaluations run in parallel on a simulated clock and "
            "finish after their recorded training seconds; the makespan is the simulated "
            "wall-clock time of the last evaluation (the anytime curves' seconds axis), "
            "worker-seconds the training time charged over all workers, utilisation "
            "worker-seconds / (workers x makespan). % at fidelity: median share of a run's "
            f"worker-seconds spent at each fidelity, over {len(space['seeds'])} seeds.",
        )
    ]


class Workers(Section):
    """Simulated workers and the budget per fidelity (where runs used the event loop)."""

    name = "workers"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        workers = workers_stats(cell)
        # Only where runs used simulated workers or several fidelities.
        return {} if workers is None else {"workers": workers}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        return [
            Table(table=table, label=f"{space['name']}-workers") for table in workers_tables(space)
        ]


SECTION = Workers()
