"""Report figures, drawn headless with matplotlib (Agg) as PNG and PDF.

One figure per space with four panels (anytime regret against evaluations and against
simulated training seconds, with 95 % bootstrap bands; ECDFs of the budget needed to reach
the regret target), a critical-difference diagram and an average-rank-over-budget plot across
spaces. Where a space's optimum is unknown the panels show the best value of the search
metric instead, on a linear axis (a log axis suits a regret that shrinks towards zero, not a
raw metric). Where a space has a test metric, a second figure shows the incumbent's test
value over the budget. Every plotted number comes from the ``stats.json`` tree. File metadata
that would change between runs (creation dates, software banner) is fixed, so the same inputs
give the same files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports._data import Cell
from reports._stats import ecdf
from reports._tree import measure_of, test_figure_key

_PNG_META: dict[str, str | None] = {"Software": None}
_PDF_META: dict[str, Any] = {"Creator": None, "Producer": None, "CreationDate": None}
_STYLE: dict[Any, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,
}


def slug(name: str) -> str:
    """A file-name-safe version of a space name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "space"


def _colors(labels: list[str]) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10")
    return {lab: cmap(i % 10) for i, lab in enumerate(labels)}


def _save(fig: Figure, root: Path, stem: str, *, tight: bool = False) -> list[str]:
    # Fixed layouts (no constrained layout, no tight bbox) where possible: each of those
    # costs another full draw, and a 15-space report draws 34 files.
    out = root / "figures"
    out.mkdir(parents=True, exist_ok=True)
    bbox = "tight" if tight else None
    fig.savefig(out / f"{stem}.png", metadata=_PNG_META, bbox_inches=bbox)
    fig.savefig(out / f"{stem}.pdf", metadata=_PDF_META, bbox_inches=bbox)
    plt.close(fig)
    return [f"figures/{stem}.png", f"figures/{stem}.pdf"]


def _regret_scale(ax: Axes, values: np.ndarray[Any, Any], log_scale: bool) -> None:
    if not log_scale:
        return
    positive = values[np.isfinite(values) & (values > 0)]
    floor = float(positive.min()) if positive.size else 1e-6
    # symlog keeps zero regret (optimum found) on the plot; below linthresh it is linear.
    ax.set_yscale("symlog", linthresh=10 ** np.floor(np.log10(floor)))


def _anytime(
    ax: Axes,
    entry: dict[str, Any],
    labels: list[str],
    colors: dict[str, Any],
    xlabel: str,
    log_scale: bool,
    ylabel: str = "regret of the incumbent",
) -> None:
    grid = np.asarray(entry["grid"], dtype=float)
    values = []
    for lab in labels:
        mean = np.asarray(entry[lab]["mean"], dtype=float)
        low = np.asarray([np.nan if v is None else v for v in entry[lab]["ci_low"]], dtype=float)
        high = np.asarray([np.nan if v is None else v for v in entry[lab]["ci_high"]], dtype=float)
        ax.plot(grid, mean, color=colors[lab], label=lab, lw=1.4, drawstyle="steps-post")
        ax.fill_between(grid, low, high, color=colors[lab], alpha=0.18, lw=0, step="post")
        values.append(mean)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _regret_scale(ax, np.concatenate(values) if values else np.zeros(0), log_scale)


def _ecdf_panel(
    ax: Axes,
    entry: dict[str, Any],
    labels: list[str],
    colors: dict[str, Any],
    xlabel: str,
    xmax: float,
) -> None:
    for lab in labels:
        hits = np.asarray([np.inf if v is None else v for v in entry[lab]["per_seed"]], dtype=float)
        x, frac = ecdf(hits)
        xs = np.concatenate(([0.0], x, [xmax]))
        ys = np.concatenate(([0.0], frac, [frac[-1] if frac.size else 0.0]))
        ax.plot(xs, ys, color=colors[lab], label=lab, lw=1.4, drawstyle="steps-post")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of seeds at target")


def draw_cell(root: Path, cell: Cell, stats: dict[str, Any], *, log_scale: bool) -> list[str]:
    """Draw one space's four-panel figure; returns the written files (relative)."""
    labels = list(cell.labels)
    colors = _colors(labels)
    m = measure_of(stats)
    if m["kind"] == "regret":
        what, ylabel, reach = "regret", "regret of the incumbent", "regret <="
    else:
        # Raw metric values: a log axis would distort them, so value mode is always linear.
        log_scale = False
        what = f"best {m['metric']}"
        ylabel = f"best {m['metric']} ({m['better']} is better)"
        reach = f"{m['metric']} {'>=' if m['better'] == 'higher' else '<='}"
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(2, 2, figsize=(10, 7))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.07, top=0.91, wspace=0.2, hspace=0.32)
        _anytime(
            axes[0, 0],
            stats["anytime"]["evaluations"],
            labels,
            colors,
            "evaluations",
            log_scale,
            ylabel,
        )
        _anytime(
            axes[0, 1],
            stats["anytime"]["seconds"],
            labels,
            colors,
            "simulated training seconds",
            log_scale,
            ylabel,
        )
        target = stats["fixed_target"]["target"]
        axes[0, 0].set_title(f"anytime {what} (mean, 95% bootstrap CI)")
        axes[0, 1].set_title(f"anytime {what} against simulated time")
        _ecdf_panel(
            axes[1, 0],
            stats["fixed_target"]["evaluations"],
            labels,
            colors,
            "evaluations",
            float(cell.eval_grid[-1]),
        )
        _ecdf_panel(
            axes[1, 1],
            stats["fixed_target"]["seconds"],
            labels,
            colors,
            "simulated training seconds",
            float(cell.time_grid[-1]),
        )
        axes[1, 0].set_title(f"evaluations to reach {reach} {target:.4g}")
        axes[1, 1].set_title(f"seconds to reach {reach} {target:.4g}")
        axes[0, 0].legend(loc="best", fontsize=8)
        n = len(cell.seeds)
        fig.suptitle(f"{cell.name} ({n} seed{'s' if n != 1 else ''})")
        return _save(fig, root, slug(cell.name))


def draw_test(root: Path, cell: Cell, stats: dict[str, Any]) -> list[str]:
    """Draw a space's test-metric figure: the incumbent's test value over the budget."""
    labels = list(cell.labels)
    colors = _colors(labels)
    test = stats["test_metric"]
    ylabel = f"{test['metric']} ({test['better']} is better)"
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.83, wspace=0.2)
        for ax, axis, xlabel in (
            (axes[0], "evaluations", "evaluations"),
            (axes[1], "seconds", "simulated training seconds"),
        ):
            _anytime(ax, test["anytime"][axis], labels, colors, xlabel, False, ylabel)
        axes[0].set_title(f"{test['metric']} of the incumbent (mean, 95% bootstrap CI)")
        axes[1].set_title("against simulated time")
        axes[0].legend(loc="best", fontsize=8)
        fig.suptitle(
            f"{cell.name}: test metric {test['metric']} of the incumbent chosen on {cell.metric}"
        )
        return _save(fig, root, slug(cell.name) + "_test")


def _cd_groups(names: list[str], ranks: list[float], cd: float) -> list[tuple[int, int]]:
    """Maximal runs of consecutive (rank-sorted) strategies within one critical difference."""
    groups: list[tuple[int, int]] = []
    for i in range(len(ranks)):
        j = i
        while j + 1 < len(ranks) and ranks[j + 1] - ranks[i] <= cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in groups):
            groups.append((i, j))
    return groups


def draw_cd(root: Path, cross: dict[str, Any]) -> list[str]:
    """Critical-difference diagram (Demšar 2006) of the cross-space average ranks."""
    items = sorted(cross["average_ranks"].items(), key=lambda kv: (kv[1], kv[0]))
    names = [k for k, _ in items]
    ranks = [v for _, v in items]
    k = len(names)
    cd = float(cross["nemenyi"]["critical_difference"])
    half = (k + 1) // 2
    height = 1.2 + 0.3 * max(half, k - half)
    n_side = max(half, k - half)
    with plt.rc_context({**_STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(7, height))
        ax.set_xlim(0.5, k + 0.5)
        ax.set_ylim(-0.3 * (n_side + 1) - 0.1, 0.9)
        ax.axis("off")
        ax.hlines(0, 1, k, color="black", lw=1)
        for r in range(1, k + 1):
            ax.vlines(r, 0, 0.08, color="black", lw=1)
            ax.text(r, 0.15, str(r), ha="center", va="bottom")
        ax.hlines(0.6, 1, 1 + cd, color="black", lw=1.5)
        ax.vlines([1, 1 + cd], 0.55, 0.65, color="black", lw=1.5)
        ax.text(1 + cd / 2, 0.68, f"CD = {cd:.2f}", ha="center", va="bottom")
        # Best half labelled on the left (rank 1 side), the rest on the right.
        for i, (name, rank) in enumerate(zip(names, ranks, strict=True)):
            left = i < half
            level = -0.3 * ((i if left else k - 1 - i) + 1)
            x_end = 0.7 if left else k + 0.3
            ax.plot([rank, rank, x_end], [0, level, level], color="black", lw=0.8)
            text = f"{name} ({rank:.2f})" if left else f"({rank:.2f}) {name}"
            ax.text(x_end, level, text, ha="right" if left else "left", va="center")
        for g, (a, b) in enumerate(_cd_groups(names, ranks, cd)):
            y = -0.12 - 0.08 * g
            ax.hlines(y, ranks[a] - 0.03, ranks[b] + 0.03, color="tab:red", lw=3)
        alpha = cross["nemenyi"]["alpha"]
        ax.set_title(
            f"average rank over {len(cross['spaces'])} spaces (Nemenyi, alpha={alpha:g}); "
            "bars join strategies not significantly different",
            fontsize=8,
        )
        return _save(fig, root, "critical_difference", tight=True)


def draw_rank_over_budget(root: Path, cross: dict[str, Any]) -> list[str]:
    """Average rank of each strategy against the budget spent, over spaces and seeds."""
    entry = cross["rank_over_budget"]
    labels = list(entry["ranks"])
    colors = _colors(sorted(labels))
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.9)
        for lab in labels:
            ax.plot(entry["grid"], entry["ranks"][lab], label=lab, color=colors[lab], lw=1.4)
        ax.set_xlabel(entry["axis"])
        ax.set_ylabel("average rank (1 = best)")
        ax.set_ylim(len(labels) + 0.2, 0.8)
        ax.legend(fontsize=8)
        ax.set_title(f"average rank over budget ({len(cross['spaces'])} spaces)")
        return _save(fig, root, "rank_over_budget")


def draw_all(
    root: Path, cells: tuple[Cell, ...], stats: dict[str, Any], *, log_scale: bool
) -> dict[str, list[str]]:
    """Draw every figure; returns written files by figure key (space name or cross key)."""
    files: dict[str, list[str]] = {}
    for cell, entry in zip(cells, stats["spaces"], strict=True):
        if entry.get("anytime"):
            files[cell.name] = draw_cell(root, cell, entry, log_scale=log_scale)
        if entry.get("test_metric"):
            files[test_figure_key(cell.name)] = draw_test(root, cell, entry)
    cross = stats.get("cross_space")
    if cross and "nemenyi" in cross:
        files["critical_difference"] = draw_cd(root, cross)
        files["rank_over_budget"] = draw_rank_over_budget(root, cross)
    return files
