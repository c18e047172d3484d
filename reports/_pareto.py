"""The multi-objective part of a report: Pareto fronts, hypervolumes and attainment surfaces.

A space gets this section where its runs searched several objectives at once
(``--objectives a,b``, search metric ``hv(a,b)``) and stored their final fronts
(``notes["pareto"]``, written by the harness). The rest of the report ranks and tests the
*hypervolume regret* (the true front's hypervolume minus that of the front a run found);
this section says what that hypervolume is measured in - the normalisation and the
reference point recorded with the runs - and shows the fronts themselves: the true Pareto
front, each strategy's median final hypervolume and front size, which true-front points the
runs found, and, for two objectives, each strategy's *median attainment surface*: the
boundary of the region of objective space that the final fronts of at least half the seeds
reach (the 50 % empirical attainment surface; Fonseca, Guerreiro, López-Ibáñez and Paquete
2011, computed by moocore).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from reports._data import Cell, is_hypervolume
from reports._format import budget_text, fmt, value_text
from reports.document import Block, Lines, RenderContext, Section, StatsSettings, Table, TextTable

FloatArray = npt.NDArray[np.float64]

TABLE_ROWS = 20
"""Most true-front points listed in the true-front table (an evenly spaced subset beyond)."""
MEDIAN = 50.0
"""The attainment level of the surface shown: reached by at least half the seeds."""
SURFACE_OBJECTIVES = 2
"""Attainment surfaces are computed and drawn for this many objectives only."""
NORMALISATION = (
    "each objective normalised: 0 = best value in the table, 1 = worst value on the true "
    "front; reference point 1.1 in every normalised objective"
)
"""How the hypervolume is measured (`spaces.MultiObjective`), as the report states it."""

__all__ = [
    "NORMALISATION",
    "is_hypervolume",
    "median_attainment",
    "pareto_figure_key",
    "pareto_stats",
]


def pareto_figure_key(name: str) -> str:
    """Key of a space's Pareto-front figure among the drawn figures."""
    return f"{name} (pareto)"


def _signs(directions: Sequence[str]) -> FloatArray:
    """+1 for a minimised objective, -1 for a maximised one: ``sign * value`` is minimised."""
    return np.array([1.0 if d == "minimize" else -1.0 for d in directions])


def median_attainment(
    fronts: Sequence[Sequence[Sequence[float]]], directions: Sequence[str]
) -> list[list[float]]:
    """The median (50 %) attainment surface of several runs' final fronts.

    A point is attained by a run when some point of its front is at least as good in every
    objective; the median attainment surface is the boundary of the points attained by at
    least half the runs (``ceil(n / 2)`` of ``n``), given by its corner points
    (`moocore.eaf`). A run with an empty front attains nothing but still counts in ``n``.

    Args:
        fronts: Each run's front: rows of objective values in original units.
        directions: ``maximize`` or ``minimize`` per objective.

    Returns:
        The surface's corner points in original units, sorted from the best value of the
        first objective to its worst; empty where fewer than half the runs found anything.

    Raises:
        ValueError: A row whose length is not the number of directions.
    """
    import moocore  # imported here: a report without several objectives needs no extension

    k = len(directions)
    sign = _signs(directions)
    sets = [np.asarray(f, dtype=np.float64).reshape(-1, k) * sign for f in fronts]
    sets = [s[np.isfinite(s).all(axis=1)] for s in sets]
    found = [s for s in sets if len(s)]
    if not found:
        return []
    # A run that found nothing enters as one point beyond everything, so that it counts in
    # the number of runs; surface corners that reach it are dropped below.
    beyond = np.vstack(found).max(axis=0) + 1.0
    points = np.vstack([s if len(s) else beyond[None, :] for s in sets])
    ids = np.concatenate([np.full(max(len(s), 1), i + 1) for i, s in enumerate(sets)])
    surface = np.asarray(moocore.eaf(points, ids, percentiles=[MEDIAN]))[:, :k]
    surface = surface[(surface < beyond).all(axis=1)]
    surface = surface[np.lexsort(surface.T[::-1])]
    return [[float(v) for v in row] for row in surface * sign]


def _distinct(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """``rows`` without repeats, in their order (configs with equal values are one point)."""
    seen: set[tuple[float, ...]] = set()
    out = []
    for row in rows:
        key = tuple(float(v) for v in row)
        if key not in seen:
            seen.add(key)
            out.append(list(key))
    return out


def _listed(n: int) -> list[int]:
    """Which of ``n`` true-front points the table lists: all, or an evenly spaced subset."""
    if n <= TABLE_ROWS:
        return list(range(n))
    return sorted({int(i) for i in np.linspace(0, n - 1, TABLE_ROWS).round()})


def _contains(front: FloatArray, point: FloatArray) -> bool:
    """Whether a front holds a point with ``point``'s values (up to rounding)."""
    if not len(front):
        return False
    return bool(np.isclose(front, point, rtol=1e-9, atol=0.0).all(axis=1).any())


def _median(values: Sequence[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else None


def pareto_stats(cell: Cell) -> dict[str, Any] | None:
    """The Pareto section of ``cell``'s statistics, or None where no run stored a front.

    The final hypervolume of a run is the true front's minus its final regret (the number the
    rest of the report ranks), so both always agree; fronts, their sizes and which true-front
    points they hold come from the fronts the runs stored.
    """
    noted = {
        lab: [n["pareto"] for n in cell.run_notes.get(lab, ()) if "pareto" in n]
        for lab in cell.labels
    }
    first = next((p for notes in noted.values() for p in notes), None)
    if first is None:
        return None
    names = [str(n) for n in first["objectives"]]
    directions = [str(d) for d in first["directions"]]
    k = len(names)
    ideal = np.asarray(first["ideal"], dtype=np.float64)
    nadir = np.asarray(first["nadir"], dtype=np.float64)
    reference = np.asarray(first["reference"], dtype=np.float64)
    span = nadir - ideal
    # The reference point in normalised objectives, read back from the recorded numbers
    # (1.1 by construction; None where the true front is one value in that objective and the
    # harness scaled by the whole table instead).
    reference_loss = [
        float((r - i) / s) if s != 0 else None
        for r, i, s in zip(reference.tolist(), ideal.tolist(), span.tolist(), strict=True)
    ]
    true_hv = float(first["true_hypervolume"])
    true_points = _distinct(first["true_front"])
    true_arr = np.asarray(true_points, dtype=np.float64).reshape(-1, k)
    listed = _listed(len(true_points))
    m = cell.measure
    by_strategy: dict[str, Any] = {}
    shares: dict[str, list[float | None]] = {}
    for i, lab in enumerate(cell.labels):
        losses = cell.final[i].tolist()
        hv = [true_hv - x if m.kind == "regret" else m.shown(x) for x in losses]
        fronts = [np.asarray(p["front"], dtype=np.float64).reshape(-1, k) for p in noted[lab]]
        sizes = [len(p["configs"]) for p in noted[lab]]
        on_true = [sum(_contains(true_arr, row) for row in f) for f in fronts]
        surface = (
            median_attainment([f.tolist() for f in fronts], directions)
            if k == SURFACE_OBJECTIVES and fronts
            else None
        )
        by_strategy[lab] = {
            "n_fronts": len(fronts),
            "hypervolume": [float(v) for v in hv],
            "median_hypervolume": _median(hv),
            "front_size": sizes,
            "median_front_size": _median([float(s) for s in sizes]),
            "on_true_front": on_true,
            "median_on_true_front": _median([float(s) for s in on_true]),
            "attainment_surface": surface,
        }
        shares[lab] = [
            sum(_contains(f, true_arr[j]) for f in fronts) / len(fronts) if fronts else None
            for j in listed
        ]
    return {
        "objectives": [
            {"name": name, "direction": d} for name, d in zip(names, directions, strict=True)
        ],
        "normalisation": NORMALISATION,
        "ideal": ideal.tolist(),
        "nadir": nadir.tolist(),
        "reference": reference.tolist(),
        "reference_normalised": reference_loss,
        "true_front": {
            "n_configs": len(first["true_front"]),
            "n_points": len(true_points),
            "hypervolume": true_hv,
            "points": true_points,
        },
        "attainment": {
            "percentile": MEDIAN,
            "computed": k == SURFACE_OBJECTIVES,
            "note": None
            if k == SURFACE_OBJECTIVES
            else (
                f"{k} objectives: median attainment surfaces are computed and drawn for 2 "
                "objectives only"
            ),
        },
        "by_strategy": by_strategy,
        "true_front_table": {"rows": listed, "share_found": shares},
    }


def _objective_header(objective: dict[str, Any]) -> str:
    better = "higher" if objective["direction"] == "maximize" else "lower"
    return f"{objective['name']} ({better} is better)"


def _reference_text(pareto: dict[str, Any]) -> str:
    """The reference point in original units, e.g. ``test_acc 40.587, params 2,145,277``."""
    return ", ".join(
        f"{o['name']} {value_text(r)}"
        for o, r in zip(pareto["objectives"], pareto["reference"], strict=True)
    )


def pareto_lines(space: dict[str, Any]) -> list[str]:
    """What the hypervolume of a multi-objective space is measured in, in a few sentences."""
    pareto = space.get("pareto")
    if not pareto:
        return []
    objectives = ", ".join(_objective_header(o) for o in pareto["objectives"])
    true = pareto["true_front"]
    k = len(pareto["objectives"])
    n_seeds = len(space["seeds"])
    lines = [
        f"Pareto fronts of {objectives}. Hypervolumes are measured with {pareto['normalisation']}"
        f" ({_reference_text(pareto)} in original units). The true Pareto front has "
        f"{true['n_configs']} configs ({true['n_points']} distinct points) and hypervolume "
        f"{fmt(true['hypervolume'], 6)} (of a box of {fmt(1.1**k, 4)}); the report ranks the "
        "hypervolume regret, this minus the hypervolume of a run's final front (chosen on "
        "observed values, scored on oracle values).",
    ]
    attainment = pareto["attainment"]
    if attainment["computed"]:
        lines.append(
            f"Median attainment surface: the boundary of the region that the final fronts of "
            f"at least half the seeds ({-(-n_seeds // 2)} of {n_seeds}) reach, each strategy's "
            "drawn against the true front."
        )
    elif attainment["note"]:
        lines.append(f"{attainment['note'][0].upper()}{attainment['note'][1:]}.")
    return lines


def pareto_tables(space: dict[str, Any]) -> list[TextTable]:
    """The Pareto fronts of one space and its true front (none without several objectives)."""
    pareto = space.get("pareto")
    if not pareto:
        return []
    name = space["name"]
    true = pareto["true_front"]
    by = pareto["by_strategy"]
    true_hv = float(true["hypervolume"])

    def share(hv: float | None) -> str:
        return "-" if hv is None or true_hv <= 0 else f"{100 * hv / true_hv:.1f}"

    rows = [
        [
            "true Pareto front",
            fmt(true_hv, 5),
            "100.0",
            str(true["n_points"]),
            str(true["n_points"]),
        ]
    ]
    for lab in space["order"]:
        entry = by[lab]
        rows.append(
            [
                lab,
                fmt(entry["median_hypervolume"], 5),
                share(entry["median_hypervolume"]),
                fmt(entry["median_front_size"]),
                fmt(entry["median_on_true_front"]),
            ]
        )
    fronts = TextTable(
        title=f"{name}: Pareto fronts after {budget_text(space)}",
        columns=[
            "strategy",
            "median final hypervolume",
            "% of the true front's",
            "median front size",
            "median points on the true front",
        ],
        rows=rows,
        legend=f"Medians over {len(space['seeds'])} seeds. The hypervolume of a run's final "
        "front (the configs no other evaluation of the run dominates, on observed values) is "
        f"scored on their oracle values, with {pareto['normalisation']}. Reference point in "
        f"original units: {_reference_text(pareto)}. Front size: configs on the final front; "
        "points on the true front: those with a true Pareto-optimal config's values. The true "
        f"front counts distinct points ({true['n_configs']} configs).",
    )
    table = pareto["true_front_table"]
    listed = table["rows"]
    objectives = pareto["objectives"]
    points = true["points"]
    cut = len(listed) < true["n_points"]
    point_rows = []
    for r, j in enumerate(listed):
        found = []
        for lab in space["order"]:
            value = table["share_found"][lab][r]
            n = by[lab]["n_fronts"]
            found.append("-" if value is None else f"{round(value * n)}/{n}")
        point_rows.append([str(j + 1), *[value_text(v) for v in points[j]], *found])
    what = (
        f"{len(listed)} of its {true['n_points']} points, evenly spaced along the front"
        if cut
        else f"all {true['n_points']} points"
    )
    true_table = TextTable(
        title=f"{name}: the true Pareto front ({what})",
        columns=[
            "#",
            *[_objective_header(o) for o in objectives],
            *[f"found by {lab}" for lab in space["order"]],
        ],
        rows=point_rows,
        legend=f"Oracle values (mean over recorded seeds), from the best {objectives[0]['name']} "
        "to the worst; # numbers the front's distinct points in that order"
        + (", so gaps show the points left out" if cut else "")
        + ". Found by: seeds whose final front holds a config with that point's values.",
        text_columns=frozenset(),
    )
    return [fronts, true_table]


class Pareto(Section):
    """Pareto fronts, hypervolume and attainment (where runs searched several objectives)."""

    name = "pareto"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        pareto = pareto_stats(cell)
        # Only where runs stored Pareto fronts: other reports' statistics stay as they were.
        return {} if pareto is None else {"pareto": pareto}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        blocks: list[Block] = [Lines(lines=(line,)) for line in pareto_lines(space)]
        labels = ("pareto", "true-front")
        for i, table in enumerate(pareto_tables(space)):
            blocks.append(Table(table=table, label=f"{space['name']}-{labels[i]}"))
            if i == 0:  # the attainment surfaces next to the fronts' numbers
                blocks += context.figure(pareto_figure_key(space["name"]))
        return blocks


SECTION = Pareto()
