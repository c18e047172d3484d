"""Report figures, drawn headless with matplotlib (Agg) as PNG and PDF.

One figure per space with four panels (anytime regret against evaluations and against
simulated training time, with 95 % confidence bands; ECDFs of the budget needed to reach
the regret target), a critical-difference diagram and an average-rank-over-budget plot across
spaces. Every figure has one legend, above its panels and never over a curve; regret axes
are logarithmic with at least two labelled ticks, and simulated time is shown in s, min, h
or days, whichever keeps its numbers short. Where a space's optimum is unknown the panels
show the best value of the search metric instead, on a linear axis (a log axis suits a
regret that shrinks towards zero, not a raw metric). Where a space has a test metric, a
second figure shows the incumbent's test value over the budget. Where a space ranks on a
report metric other than its search metric, the four panels are of the report metric and a
second figure shows the search metric's regret (or best value). Where a space searched two
objectives, a figure shows its true Pareto front and each strategy's median attainment
surface (`reports._pareto`). Every plotted number comes from the ``stats.json`` tree. File
metadata that would change between runs (creation dates, software banner) is fixed, so the
same inputs give the same files.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import (
    EngFormatter,
    FixedLocator,
    FuncFormatter,
    MaxNLocator,
    NullLocator,
)

from reports._data import Cell, is_hypervolume
from reports._pareto import pareto_figure_key
from reports._stats import ecdf
from reports._summary import time_unit
from reports._tree import is_report, measure_of, search_figure_key, test_figure_key

_PNG_META: dict[str, str | None] = {"Software": None}
_PDF_META: dict[str, Any] = {"Creator": None, "Producer": None, "CreationDate": None}
_STYLE: dict[Any, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,
}


def slug(name: str) -> str:
    """A file-name-safe version of a space name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "space"


# Twelve colours that stay apart from each other (tab10 without its grey, black, and two
# darker hues), each paired with its own marker: a strategy is told apart by colour and by
# marker, so a print in black and white or a reader with a colour-vision deficiency still can.
# Grey is kept out of the palette: it marks the strategies a crowded figure plays down.
_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#000000",
    "#00586e",
    "#4400ee",
)
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p")
_GREY = "#a6a6a6"
# A figure with more strategies than distinct styles highlights the best ones (by the value
# at the end of the budget) and draws the rest thin and grey.
HIGHLIGHTED = len(_PALETTE)


@dataclass(frozen=True, slots=True)
class LineStyle:
    """How one strategy's curve is drawn (see `line_styles`)."""

    color: str
    marker: str | None
    linestyle: str
    linewidth: float
    alpha: float
    zorder: float
    highlighted: bool

    def plot_kwargs(self, points: int) -> dict[str, Any]:
        """Keyword arguments of ``Axes.plot`` for a curve of ``points`` data points.

        Markers sit on about eight points of each curve, offset per style so that curves
        sharing a stretch do not stack their markers.
        """
        kwargs: dict[str, Any] = {
            "color": self.color,
            "ls": self.linestyle,
            "lw": self.linewidth,
            "alpha": self.alpha,
            "zorder": self.zorder,
        }
        if self.marker is not None and points > 0:
            step = max(1, points // 8)
            offset = (_MARKERS.index(self.marker) * max(1, step // len(_MARKERS))) % step
            kwargs |= {"marker": self.marker, "ms": 4.5, "markevery": (offset, step)}
        return kwargs


def line_styles(
    labels: list[str],
    scores: dict[str, float] | None = None,
    *,
    better: str = "lower",
) -> dict[str, LineStyle]:
    """Distinct styles for up to twelve strategies; beyond that the best twelve stand out.

    Args:
        labels: The strategies, in the order that assigns colours (the legend's order).
        scores: Each strategy's value at the end of the budget; with more than
            `HIGHLIGHTED` strategies the best `HIGHLIGHTED` by this score keep their colours
            and the others are drawn thin and grey. Without scores, the first ones do.
        better: Whether a ``"lower"`` or ``"higher"`` score is better.

    Returns:
        The style of each label.
    """
    if len(labels) <= HIGHLIGHTED:
        shown = list(labels)
    else:
        sign = 1.0 if better == "lower" else -1.0

        def key(lab: str) -> tuple[float, int]:
            value = (scores or {}).get(lab)
            missing = value is None or not math.isfinite(value)
            return (math.inf if missing else sign * float(value or 0.0), labels.index(lab))

        shown = sorted(labels, key=key)[:HIGHLIGHTED]
    styles: dict[str, LineStyle] = {}
    slot = 0
    for lab in labels:
        if lab in shown:
            styles[lab] = LineStyle(
                _PALETTE[slot], _MARKERS[slot], "-", 1.5, 1.0, 3.0, highlighted=True
            )
            slot += 1
        else:
            styles[lab] = LineStyle(_GREY, None, "-", 0.9, 0.8, 2.0, highlighted=False)
    return styles


def _final_means(entry: dict[str, Any], labels: list[str]) -> dict[str, float]:
    """Each strategy's mean curve value at the end of an anytime entry's grid."""
    finals: dict[str, float] = {}
    for lab in labels:
        means = [v for v in entry[lab]["mean"] if v is not None]
        if means:
            finals[lab] = float(means[-1])
    return finals


def _save(fig: Figure, root: Path, stem: str, *, tight: bool = False) -> list[str]:
    # Fixed layouts (no constrained layout, no tight bbox) where possible: each of those
    # costs another full draw, and a 15-space report draws 34 files.
    out = root / "figures"
    out.mkdir(parents=True, exist_ok=True)
    bbox = "tight" if tight else None
    for suffix, meta in (("png", _PNG_META), ("pdf", _PDF_META)):
        # Written under a temporary name and renamed into place: a reader (a browser, another
        # report) never sees half a figure.
        target = out / f"{stem}.{suffix}"
        temporary = out / f".{stem}.{os.getpid()}.{suffix}"
        try:
            fig.savefig(temporary, metadata=meta, bbox_inches=bbox, format=suffix)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    plt.close(fig)
    return [f"figures/{stem}.png", f"figures/{stem}.pdf"]


# Legend geometry at font size 9, in inches: measured on the Agg backend (DejaVu Sans),
# rounded up so that legend entries never run into each other.
_LEGEND_CHAR_IN = 0.077
_LEGEND_HANDLE_IN = 0.65
_LEGEND_ROW_IN = 0.2
_TITLE_IN = 0.45  # the figure's title line


@dataclass(frozen=True, slots=True)
class _Layout:
    """A figure, its panels, and where its legend goes (see `_figure`)."""

    fig: Figure
    axes: np.ndarray[Any, Any]
    legend_columns: int
    legend_top: float  # figure fraction
    title_y: float  # figure fraction

    def title(self, text: str) -> None:
        """The figure's title, above the legend."""
        self.fig.suptitle(text, y=self.title_y, va="top")

    def legend(self, ax: Axes) -> None:
        """Draw the legend of ``ax``'s lines where `_figure` made room for it."""
        handles, names = ax.get_legend_handles_labels()
        self.fig.legend(
            handles,
            names,
            loc="upper center",
            bbox_to_anchor=(0.5, self.legend_top),
            ncol=self.legend_columns,
            fontsize=9,
            frameon=False,
            handlelength=2.2,
            columnspacing=1.2,
        )


def _figure(
    labels: list[str],
    *,
    nrows: int,
    ncols: int,
    width: float,
    panels: float,
    margins: tuple[float, float, float, float],
    wspace: float = 0.22,
    hspace: float = 0.42,
) -> _Layout:
    """Panels under one legend of every strategy, between the title and the panels.

    The legend sits outside the panels, so that no number of strategies covers a curve, and
    above them, so that it stays in view where a narrow page shows only part of a wide
    figure. Its size is computed up front (``bbox_inches="tight"`` would cost another draw
    per file).

    Args:
        labels: The strategies, in legend order.
        nrows: Rows of panels.
        ncols: Columns of panels.
        width: Figure width (inches).
        panels: Height of the panel area, axis titles and labels included (inches).
        margins: Left, right, bottom and top (above the panels, for their titles) margins of
            the panel area (inches).
        wspace: Space between panel columns (fraction of a panel's width).
        hspace: Space between panel rows (fraction of a panel's height).
    """
    entry = _LEGEND_HANDLE_IN + _LEGEND_CHAR_IN * max((len(lab) for lab in labels), default=8)
    ncol = max(1, min(len(labels), int((width - 0.4) // entry)))
    legend = -(-len(labels) // ncol) * _LEGEND_ROW_IN + 0.1 if labels else 0.0
    height = _TITLE_IN + legend + panels
    left, right, bottom, top = margins
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - (_TITLE_IN + legend + top) / height,
        wspace=wspace,
        hspace=hspace,
    )
    return _Layout(fig, axes, ncol, 1 - _TITLE_IN / height, 1 - 0.1 / height)


def _wall_clock(cell: Cell) -> bool:
    """Whether the cell's runs had simulated parallel workers: time is then wall-clock time."""
    return any(
        int((note.get("workers") or {}).get("workers", 1)) > 1
        for notes in cell.run_notes.values()
        for note in notes
    )


def _time_axis(ax: Axes, max_seconds: float, gpu: bool, wall: bool = False) -> str:
    """Label the x axis (simulated seconds) in a readable unit; returns the axis label."""
    divisor, unit = time_unit(max_seconds, gpu=gpu)
    # At most 6 ticks of short numbers: the labels of two panels side by side never touch.
    ax.xaxis.set_major_locator(_ScaledLocator(divisor))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x / divisor:g}"))
    what = "simulated wall-clock time" if wall else "simulated training time"
    return f"{what} ({unit})"


class _ScaledLocator(MaxNLocator):
    """`MaxNLocator` on values divided by ``divisor``: round numbers in the shown unit."""

    def __init__(self, divisor: float) -> None:
        super().__init__(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3)
        self._divisor = divisor

    def tick_values(self, vmin: float, vmax: float) -> Any:
        d = self._divisor
        return np.asarray(super().tick_values(vmin / d, vmax / d)) * d


def log_ticks(low: float, high: float) -> list[float]:
    """Readable ticks for a log axis from ``low`` to ``high`` (both > 0): at least two.

    Decades where the range spans three or more; else 1-2-5 steps, else every mantissa;
    a range within one step gets evenly spaced round numbers instead.
    """
    if not (0 < low <= high and math.isfinite(high)):
        raise ValueError(f"log axis range {low!r}..{high!r} must be positive and finite")
    e0, e1 = math.floor(math.log10(low)), math.ceil(math.log10(high))
    ticks: list[float] = []
    for mantissas in ((1,), (1, 2, 5), (1, 2, 3, 5), tuple(range(1, 10))):
        ticks = [
            float(f"{m}e{e}")  # exact decimal values: 3e-2, not 3 * 10**-2 = 0.030000000000000002
            for e in range(e0, e1 + 1)
            for m in mantissas
            if low <= float(f"{m}e{e}") <= high
        ]
        if len(ticks) >= 3:
            break
    if len(ticks) > 8:  # many decades: every second (third...) one
        ticks = ticks[:: -(-len(ticks) // 7)]
    if len(ticks) < 2:
        even = MaxNLocator(nbins=4, min_n_ticks=2).tick_values(low, high)
        ticks = [float(t) for t in even if low <= t <= high and t > 0]
        if len(ticks) < 2:
            ticks = sorted({low, high})
    return ticks


def _regret_scale(
    ax: Axes, means: np.ndarray[Any, Any], bands: np.ndarray[Any, Any], log_scale: bool
) -> None:
    """A log axis with at least two readable tick labels (symlog where a mean reaches 0).

    The range follows the mean curves; a band reaches at most one decade below the lowest
    mean and is cut off beyond (a lower bound at or below 0 runs off the bottom edge).
    """
    if not log_scale:
        return
    finite = means[np.isfinite(means)]
    positive = finite[finite > 0]
    if positive.size == 0:
        return  # every shown regret is 0: a linear axis says it best
    low, high = float(positive.min()), float(positive.max())
    band = bands[np.isfinite(bands) & (bands > 0)]
    if band.size:
        low = max(min(low, float(band.min())), low / 10)
        high = max(high, float(band.max()))
    ticks = log_ticks(low, high)
    pad = max(1.08, (high / low) ** 0.04)
    if (finite <= 0).any():
        # symlog keeps zero regret (optimum found) on the plot; below linthresh it is linear.
        linthresh = 10.0 ** math.floor(math.log10(low))
        ax.set_yscale("symlog", linthresh=linthresh, linscale=0.4)
        ticks = [0.0, *ticks]
        ax.set_ylim(-0.02 * linthresh, high * pad)
    else:
        ax.set_yscale("log")
        ax.set_ylim(low / pad, high * pad)
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:g}"))
    ax.yaxis.set_minor_locator(NullLocator())


def _anytime(
    ax: Axes,
    entry: dict[str, Any],
    labels: list[str],
    styles: dict[str, LineStyle],
    xlabel: str,
    log_scale: bool,
    ylabel: str = "regret of the incumbent",
) -> None:
    grid = np.asarray(entry["grid"], dtype=float)
    means, bands = [], []
    for lab in labels:
        mean = np.asarray(entry[lab]["mean"], dtype=float)
        low = np.asarray([np.nan if v is None else v for v in entry[lab]["ci_low"]], dtype=float)
        high = np.asarray([np.nan if v is None else v for v in entry[lab]["ci_high"]], dtype=float)
        style = styles[lab]
        ax.plot(grid, mean, label=lab, drawstyle="steps-post", **style.plot_kwargs(grid.size))
        # Played-down strategies keep their curve but not their band: a dozen grey bands
        # would hide the highlighted ones.
        if style.highlighted:
            ax.fill_between(grid, low, high, color=style.color, alpha=0.15, lw=0, step="post")
        means.append(mean)
        bands += [low, high]
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _regret_scale(
        ax,
        np.concatenate(means) if means else np.zeros(0),
        np.concatenate(bands) if bands else np.zeros(0),
        log_scale,
    )


def _ecdf_panel(
    ax: Axes,
    entry: dict[str, Any],
    labels: list[str],
    styles: dict[str, LineStyle],
    xlabel: str,
    xmax: float,
) -> None:
    for lab in labels:
        hits = np.asarray([np.inf if v is None else v for v in entry[lab]["per_seed"]], dtype=float)
        x, frac = ecdf(hits)
        xs = np.concatenate(([0.0], x, [xmax]))
        ys = np.concatenate(([0.0], frac, [frac[-1] if frac.size else 0.0]))
        ax.plot(xs, ys, label=lab, drawstyle="steps-post", **styles[lab].plot_kwargs(xs.size))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of seeds at target")


def _above_again(entry: dict[str, Any], labels: list[str]) -> str:
    """Second title line of a fixed-target panel: runs whose incumbent rose above again."""
    n_again = sum(int(entry[lab].get("n_above_again", 0)) for lab in labels)
    if not n_again:
        return ""
    n_reached = sum(int(entry[lab]["n_reached"]) for lab in labels)
    return f"\n(first time; {n_again} of the {n_reached} runs missed it again later)"


def draw_cell(root: Path, cell: Cell, stats: dict[str, Any], *, log_scale: bool) -> list[str]:
    """Draw one space's four-panel figure; returns the written files (relative)."""
    labels = list(cell.labels)
    m = measure_of(stats)
    styles = line_styles(
        labels,
        _final_means(stats["anytime"]["evaluations"], labels),
        better="lower" if m["kind"] == "regret" else str(m["better"]),
    )
    if is_report(m) and m["kind"] == "regret":
        what = f"{m['metric']} regret"
        ylabel = f"{m['metric']} regret of the incumbent"
        reach = f"{m['metric']} regret <="
    elif is_report(m):
        log_scale = False
        what = str(m["metric"])
        ylabel = f"{m['metric']} of the incumbent ({m['better']} is better)"
        reach = f"{m['metric']} {'>=' if m['better'] == 'higher' else '<='}"
    elif m["kind"] == "regret" and is_hypervolume(m.get("metric")):
        what, reach = "hypervolume regret", "hypervolume regret <="
        ylabel = "hypervolume regret of the run's front"
    elif m["kind"] == "regret":
        what, ylabel, reach = "regret", "regret of the incumbent", "regret <="
    else:
        # Raw metric values: a log axis would distort them, so value mode is always linear.
        log_scale = False
        what = f"best {m['metric']}"
        ylabel = f"best {m['metric']} ({m['better']} is better)"
        reach = f"{m['metric']} {'>=' if m['better'] == 'higher' else '<='}"
    gpu = bool((cell.space_info.get("provenance") or {}).get("gpu_trained"))
    with plt.rc_context(_STYLE):
        layout = _figure(
            labels,
            nrows=2,
            ncols=2,
            width=10,
            panels=6.9,
            margins=(0.95, 0.15, 0.5, 0.3),
            wspace=0.28,
            hspace=0.45,
        )
        axes = layout.axes
        max_seconds = float(cell.time_grid[-1]) if cell.time_grid.size else 1.0
        _anytime(
            axes[0, 0],
            stats["anytime"]["evaluations"],
            labels,
            styles,
            "evaluations",
            log_scale,
            ylabel,
        )
        time_label = _time_axis(axes[0, 1], max_seconds, gpu, _wall_clock(cell))
        _anytime(
            axes[0, 1],
            stats["anytime"]["seconds"],
            labels,
            styles,
            time_label,
            log_scale,
            ylabel,
        )
        target = stats["fixed_target"]["target"]
        axes[0, 0].set_title(f"anytime {what} (mean, 95% CI)")
        # A report metric's name makes the titles longer: the right panels say less.
        axes[0, 1].set_title(
            f"{what} against simulated time"
            if is_report(m)
            else f"anytime {what} against simulated time"
        )
        ft = stats["fixed_target"]
        _ecdf_panel(
            axes[1, 0],
            ft["evaluations"],
            labels,
            styles,
            "evaluations",
            float(cell.eval_grid[-1]),
        )
        _time_axis(axes[1, 1], max_seconds, gpu, _wall_clock(cell))
        _ecdf_panel(axes[1, 1], ft["seconds"], labels, styles, time_label, max_seconds)
        again = _above_again(ft["evaluations"], labels)
        axes[1, 0].set_title(f"evaluations to reach {reach} {target:.4g}{again}")
        time_to = "time to reach" if is_report(m) else "simulated time to reach"
        axes[1, 1].set_title(f"{time_to} {reach} {target:.4g}{again}")
        layout.legend(axes[0, 0])
        n = len(cell.seeds)
        title = f"{cell.name} ({n} seed{'s' if n != 1 else ''})"
        if is_report(m):
            title += (
                f": {m['metric']} (report metric) of the incumbent chosen on {m['search_metric']}"
            )
        layout.title(title)
        return _save(layout.fig, root, slug(cell.name))


def draw_search(root: Path, cell: Cell, stats: dict[str, Any], *, log_scale: bool) -> list[str]:
    """Draw the search metric's figure of a space that ranks on a report metric."""
    search = stats["search"]
    sm = search["measure"]
    if sm["kind"] == "regret":
        ylabel = f"{sm['metric']} regret of the incumbent"
    else:
        log_scale = False
        ylabel = f"best {sm['metric']} ({sm['better']} is better)"
    return _two_panel_anytime(
        root,
        cell,
        search["anytime"],
        ylabel=ylabel,
        better="lower" if sm["kind"] == "regret" else str(sm["better"]),
        log_scale=log_scale,
        panel_title=f"{ylabel.removesuffix(' of the incumbent')} (mean, 95% CI)",
        title=f"{cell.name}: search metric {sm['metric']} (what the strategies saw; not ranked)",
        stem=slug(cell.name) + "_search",
    )


def draw_test(root: Path, cell: Cell, stats: dict[str, Any]) -> list[str]:
    """Draw a space's test-metric figure: the incumbent's test value over the budget."""
    test = stats["test_metric"]
    return _two_panel_anytime(
        root,
        cell,
        test["anytime"],
        ylabel=f"{test['metric']} ({test['better']} is better)",
        better=str(test["better"]),
        log_scale=False,
        panel_title=f"{test['metric']} of the incumbent (mean, 95% CI)",
        title=f"{cell.name}: test metric {test['metric']} of the incumbent chosen on {cell.metric}",
        stem=slug(cell.name) + "_test",
    )


def _two_panel_anytime(
    root: Path,
    cell: Cell,
    anytime: dict[str, Any],
    *,
    ylabel: str,
    better: str,
    log_scale: bool,
    panel_title: str,
    title: str,
    stem: str,
) -> list[str]:
    """One metric's anytime curves against evaluations and against simulated time."""
    labels = list(cell.labels)
    styles = line_styles(labels, _final_means(anytime["evaluations"], labels), better=better)
    gpu = bool((cell.space_info.get("provenance") or {}).get("gpu_trained"))
    with plt.rc_context(_STYLE):
        layout = _figure(
            labels,
            nrows=1,
            ncols=2,
            width=10,
            panels=3.6,
            margins=(0.95, 0.15, 0.5, 0.3),
            wspace=0.28,
        )
        axes = layout.axes
        max_seconds = float(cell.time_grid[-1]) if cell.time_grid.size else 1.0
        _anytime(
            axes[0, 0], anytime["evaluations"], labels, styles, "evaluations", log_scale, ylabel
        )
        time_label = _time_axis(axes[0, 1], max_seconds, gpu, _wall_clock(cell))
        _anytime(axes[0, 1], anytime["seconds"], labels, styles, time_label, log_scale, ylabel)
        axes[0, 0].set_title(panel_title)
        axes[0, 1].set_title("against simulated time")
        layout.legend(axes[0, 0])
        layout.title(title)
        return _save(layout.fig, root, stem)


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
    # Colours follow the sorted names, as in the per-space figures; the highlighted
    # strategies (with many) are those with the best average rank at the full budget.
    finals = {lab: float(entry["ranks"][lab][-1]) for lab in labels if entry["ranks"][lab]}
    styles = line_styles(sorted(labels), finals, better="lower")
    with plt.rc_context(_STYLE):
        layout = _figure(
            labels, nrows=1, ncols=1, width=7, panels=3.2, margins=(0.7, 0.2, 0.5, 0.1)
        )
        ax = layout.axes[0, 0]
        for lab in labels:
            ax.plot(
                entry["grid"],
                entry["ranks"][lab],
                label=lab,
                **styles[lab].plot_kwargs(len(entry["grid"])),
            )
        ax.set_xlabel(entry["axis"])
        ax.set_ylabel("average rank (1 = best)")
        ax.set_ylim(len(labels) + 0.2, 0.8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        layout.legend(ax)
        layout.title(f"average rank over budget ({len(cross['spaces'])} spaces)")
        return _save(layout.fig, root, "rank_over_budget")


def draw_importance(root: Path, name: str, label: str, importance: dict[str, Any]) -> list[str]:
    """One panel per dimension: each value's mean learned score, best value on top.

    The scores are a transfer strategy's interpretable knowledge (``autobuild``'s).
    """
    dims = list(importance["dimensions"].items())
    n = len(dims)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 0.5 + rows * 2.1), squeeze=False)
        # Room for each panel's value names on its left and its title above.
        fig.subplots_adjust(wspace=0.75, hspace=0.55, left=0.14, right=0.98)
        for ax in axes.flat[n:]:
            ax.axis("off")
        for ax, (dim, values) in zip(axes.flat, dims, strict=False):
            ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
            items = ranked[:12][::-1]  # best at the top; long dimensions cut
            scores = [v for _, v in items]
            ax.barh(
                range(len(items)),
                scores,
                color=["tab:green" if v >= 0 else "tab:red" for v in scores],
            )
            ax.set_yticks(range(len(items)), [str(k) for k, _ in items], fontsize=7)
            ax.axvline(0, color="black", lw=0.6)
            ax.set_title(dim, fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
        fig.suptitle(
            f"{name}: importance learned by {label} (mean over {importance['n_runs']} runs)",
            fontsize=9,
        )
        return _save(fig, root, f"importance_{slug(name)}_{slug(label)}", tight=True)


def _staircase(
    points: list[list[float]], reference: list[float], sign: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The corners of the boundary of what 2-objective ``points`` dominate, up to ``reference``.

    Worked out on values to minimise (``sign * value``) and turned back, so that the steps
    face the right way whichever objectives are maximised.
    """
    ref = np.asarray(reference, dtype=float) * sign
    pts = np.asarray(points, dtype=float).reshape(-1, 2) * sign
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]
    xs, ys = [pts[0, 0]], [ref[1]]
    for i, (x, y) in enumerate(pts.tolist()):
        xs += [x, x]
        ys += [ys[-1], y]
        if i + 1 < len(pts):
            xs.append(float(pts[i + 1, 0]))
            ys.append(y)
    xs.append(ref[0])
    ys.append(ys[-1])
    return np.asarray(xs[1:]) * sign[0], np.asarray(ys[1:]) * sign[1]


def draw_pareto(root: Path, name: str, stats: dict[str, Any]) -> list[str]:
    """A 2-objective space's true Pareto front and each strategy's median attainment surface.

    Linear axes in original units: the hypervolume is measured linearly (in normalised
    objectives), so areas on the plot are proportional to what is scored.
    """
    pareto = stats["pareto"]
    objectives = pareto["objectives"]
    sign = np.array([1.0 if o["direction"] == "minimize" else -1.0 for o in objectives])
    reference = pareto["reference"]
    labels = list(stats["order"])
    # The order is the report's ranking (best first): with many strategies the best keep
    # their colours.
    rank = {lab: float(i) for i, lab in enumerate(labels)}
    styles = line_styles(sorted(labels), rank, better="lower")
    true_points = np.asarray(pareto["true_front"]["points"], dtype=float).reshape(-1, 2)
    entries = ["true Pareto front", *labels, "reference point"]
    with plt.rc_context(_STYLE):
        layout = _figure(
            entries, nrows=1, ncols=1, width=7, panels=4.6, margins=(0.9, 0.3, 0.5, 0.1)
        )
        ax = layout.axes[0, 0]
        xs, ys = _staircase(true_points.tolist(), reference, sign)
        ax.plot(xs, ys, color="0.55", lw=1.2, label="true Pareto front")
        ax.scatter(true_points[:, 0], true_points[:, 1], color="0.55", s=9, zorder=2)
        for lab in labels:
            surface = pareto["by_strategy"][lab]["attainment_surface"]
            if not surface:
                continue
            xs, ys = _staircase(surface, reference, sign)
            ax.plot(xs, ys, label=lab, **styles[lab].plot_kwargs(len(xs)))
        ax.plot(
            *reference, marker="x", color="black", ms=8, mew=1.8, ls="", label="reference point"
        )
        shown = np.vstack([true_points, np.asarray([reference], dtype=float)])
        for i, (axis, objective) in enumerate(zip((ax.xaxis, ax.yaxis), objectives, strict=True)):
            better = "higher" if objective["direction"] == "maximize" else "lower"
            axis.set_label_text(f"{objective['name']} ({better} is better)")
            if np.nanmax(np.abs(shown[:, i])) >= 1e4:  # parameter counts: 2.5M, not 2.5 x 1e6
                axis.set_major_formatter(EngFormatter(sep=""))
        layout.legend(ax)
        n = len(stats["seeds"])
        layout.title(
            f"{name}: median attainment surfaces ({n} seed{'s' if n != 1 else ''}) "
            "and the true Pareto front"
        )
        return _save(layout.fig, root, slug(name) + "_pareto")


def draw_all(
    root: Path, cells: tuple[Cell, ...], stats: dict[str, Any], *, log_scale: bool
) -> dict[str, list[str]]:
    """Draw every figure; returns written files by figure key (space name or cross key)."""
    files: dict[str, list[str]] = {}
    for cell, entry in zip(cells, stats["spaces"], strict=True):
        if entry.get("anytime"):
            files[cell.name] = draw_cell(root, cell, entry, log_scale=log_scale)
        if entry.get("search"):
            # The report metric's values would repeat the four panels: its figure is left out.
            files[search_figure_key(cell.name)] = draw_search(
                root, cell, entry, log_scale=log_scale
            )
        elif entry.get("test_metric"):
            files[test_figure_key(cell.name)] = draw_test(root, cell, entry)
        pareto = entry.get("pareto")
        if pareto and pareto["attainment"]["computed"] and entry.get("order"):
            files[pareto_figure_key(cell.name)] = draw_pareto(root, cell.name, entry)
        for label, importance in (entry.get("transfer") or {}).get("importance", {}).items():
            files.setdefault("importance", []).extend(
                draw_importance(root, cell.name, label, importance)
            )
    cross = stats.get("cross_space")
    if cross and "nemenyi" in cross:
        files["critical_difference"] = draw_cd(root, cross)
        files["rank_over_budget"] = draw_rank_over_budget(root, cross)
    return files
