"""The area under the anytime curve and the budget each strategy needs to reach a target.

Its statistics are each strategy's normalised area under its anytime curve (mean with an
interval over seeds; on the seconds axis from where every compared run has an incumbent)
and the fixed-target view: how many runs reach the median final result of all compared
runs, and the median evaluations and simulated seconds they need. Its block is one table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reports import _stats
from reports._data import Cell
from reports._format import fmt, is_hv
from reports._inference import CONFIDENCE, location, num, nums
from reports._summary import duration
from reports._tree import is_report, measure_of
from reports.document import Block, RenderContext, Section, StatsSettings, Table, TextTable


class AreaAndTarget(Section):
    """Area under the anytime curve and the fixed-target view."""

    name = "auc-target"

    def empty_stats(self, cell: Cell) -> dict[str, Any]:
        return {"auc": {}, "fixed_target": {}}

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        return {"auc": _auc(cell, seed=settings.seed), "fixed_target": _fixed_target(cell)}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        return [Table(table=auc_target_table(space), label=f"{space['name']}-auc")]


SECTION = AreaAndTarget()


def _auc(cell: Cell, *, seed: int) -> dict[str, Any]:
    sign = cell.measure.sign
    bound = 0.0 if cell.measure.kind == "regret" else None
    use_time = cell.budget_kind == "seconds"
    auc_grid = cell.time_curves if use_time else cell.eval_curves
    auc: dict[str, Any] = {"axis": "seconds" if use_time else "evaluations"}
    if use_time and len(cell.time_grid):
        # The seconds grid starts where every compared run has an incumbent (after the
        # costliest first evaluation, or a weight-sharing search): readers need the window.
        auc["window"] = [float(cell.time_grid[0]), float(cell.time_grid[-1])]
    for i, lab in enumerate(cell.labels):
        areas = _stats.normalized_area(auc_grid[i])
        ci = _stats.mean_interval(
            areas,
            confidence=CONFIDENCE,
            lower_bound=bound,
            rng=_stats.data_rng(areas, seed=seed),
        )
        where = location(areas, ci, sign)
        auc[lab] = {
            **{key: where[key] for key in ("mean", "sd", "ci_low", "ci_high")},
            "per_seed": nums(sign * areas if sign < 0 else areas),
        }
    return auc


def _fixed_target(cell: Cell) -> dict[str, Any]:
    sign = cell.measure.sign
    n = len(cell.seeds)
    target = float(np.median(cell.final))
    fixed: dict[str, Any] = {
        "target": sign * target if sign < 0 else target,
        "evaluations": {},
        "seconds": {},
    }
    # Both axes read the same per-evaluation path (the time grid could step over a dip of
    # the incumbent's regret), so they count the same runs as reaching the target.
    for i, lab in enumerate(cell.labels):
        again = _stats.above_target_again(cell.eval_curves[i], target)
        for axis, grid in (
            ("evaluations", cell.eval_grid),
            ("seconds", cell.eval_seconds[i]),
        ):
            hits = _stats.hitting_points(cell.eval_curves[i], grid, target)
            reached = hits[np.isfinite(hits)]
            # The median exists only if at least half the runs reached the target.
            median = float(np.sort(hits)[(n - 1) // 2]) if reached.size * 2 >= n else None
            fixed[axis][lab] = {
                "n_reached": int(reached.size),
                "n_above_again": int(again.sum()),
                "n": n,
                "median": num(median),
                "per_seed": nums(hits),
            }
    return fixed


def auc_target_table(space: dict[str, Any]) -> TextTable:
    """Area under the anytime curve and the fixed-target view of one space."""
    auc = space["auc"]
    ft = space["fixed_target"]
    m = measure_of(space)
    cols = [
        "strategy",
        f"AUC ({auc['axis']}) mean ± sd",
        "AUC 95% CI",
        "reached target",
        "median evaluations",
        "median simulated time",
    ]
    rows = []
    for lab in space["order"]:
        a = auc[lab]
        fe, fs = ft["evaluations"][lab], ft["seconds"][lab]
        again = fe.get("n_above_again", 0)
        rows.append(
            [
                lab,
                f"{fmt(a['mean'])} ± {fmt(a['sd'], 3)}",
                f"[{fmt(a['ci_low'])}, {fmt(a['ci_high'])}]",
                f"{fe['n_reached']}/{fe['n']}" + (f" ({again} missed again)" if again else ""),
                fmt(fe["median"]) if fe["median"] is not None else "not reached by half",
                duration(fs["median"]) if fs["median"] is not None else "not reached by half",
            ]
        )
    if is_report(m) and m["kind"] == "regret":
        reach = f"{m['metric']} regret <= {fmt(ft['target'])}"
        what = f"{m['metric']} regret (report metric)"
        curve = f"{m['metric']} regret of the incumbent"
    elif is_report(m):
        op = ">=" if m["better"] == "higher" else "<="
        reach = f"{m['metric']} {op} {fmt(ft['target'])}"
        what = f"{m['metric']} (report metric)"
        curve = f"{m['metric']} of the incumbent"
    elif is_hv(m):
        reach = f"hypervolume regret <= {fmt(ft['target'])}"
        what, curve = "hypervolume regret", "hypervolume regret of the run's front"
    elif m["kind"] == "regret":
        reach, what = f"regret <= {fmt(ft['target'])}", "regret"
        curve = "regret of the incumbent"
    else:
        op = ">=" if m["better"] == "higher" else "<="
        reach, what = f"{m['metric']} {op} {fmt(ft['target'])}", f"best {m['metric']}"
        curve = f"best {m['metric']} so far"
    window = auc.get("window")
    over = (
        f"from {duration(window[0])} to {duration(window[1])} of the budget, once every "
        "compared run has an incumbent"
        if window and window[0] > 0
        else "over the budget"
    )
    return TextTable(
        title=f"{space['name']}: area under the anytime curve and budget to reach {reach}",
        columns=cols,
        rows=rows,
        legend=f"AUC: mean {curve} {over} ({m['better']} is better). "
        f"Target: median final {what} of all compared runs. A run reaches it at the first "
        "evaluation whose incumbent meets it, and the simulated time is the training time "
        "spent up to that evaluation, so both medians count the same runs. The incumbent is "
        "chosen on noisy observed values, so a later one can miss the target again (missed "
        "again); the run still counts as having reached it. Medians count runs that never "
        "reach it as not reached.",
    )
