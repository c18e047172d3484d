"""Figures stay readable with many strategies: distinct styles, and the best highlighted.

Figures are captured as they are saved (``reports._figures._save``), after a full
``build_report`` of a synthetic comparison, so the styles checked are those a report draws.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D

from reports import build_report
from reports.synthetic import write_synthetic_store


def _figures_of(directory: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from reports import _figures

    drawn: dict[str, Any] = {}
    save = _figures._save

    def keep(fig: Any, root: Path, stem: str, *, tight: bool = False) -> list[str]:
        drawn[stem] = fig  # still readable after saving closes it
        return save(fig, root, stem, tight=tight)

    monkeypatch.setattr(_figures, "_save", keep)
    build_report(directory)
    return drawn


def _curves(fig: Any, names: list[str]) -> dict[str, Line2D]:
    """The anytime panel's line of each strategy (the first panel)."""
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    return {name: lines[name] for name in names}


def _distance(a: Any, b: Any) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b), strict=True)) ** 0.5)


def test_twelve_strategies_get_twelve_distinguishable_styles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"strategy-{i:02d}" for i in range(12)]
    store = write_synthetic_store(
        tmp_path, strategy_names=names, n_spaces=1, n_seeds=4, n_evaluations=30
    )
    drawn = _figures_of(store, monkeypatch)
    stem = next(s for s in drawn if s not in {"critical_difference", "rank_over_budget"})
    curves = _curves(drawn[stem], names)
    colours = [line.get_color() for line in curves.values()]
    markers = [line.get_marker() for line in curves.values()]
    # Every strategy has its own colour and its own marker, and no two colours are near
    # each other (Euclidean distance in RGB, each channel 0-1).
    assert len(set(markers)) == 12
    assert all(m not in ("None", "", None) for m in markers)
    closest = min(_distance(a, b) for a, b in itertools.combinations(colours, 2))
    assert closest > 0.25, closest
    # None is greyed out: with twelve, all are highlighted, and every one has its band.
    assert all(line.get_alpha() == 1.0 for line in curves.values())


def test_more_than_twelve_strategies_highlight_the_best_twelve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"s{i:02d}" for i in range(15)]
    store = write_synthetic_store(
        tmp_path, strategy_names=names, n_spaces=1, n_seeds=4, n_evaluations=30
    )
    drawn = _figures_of(store, monkeypatch)
    stats = json.loads((store / "stats.json").read_text())
    space = stats["spaces"][0]
    finals = {
        name: [v for v in space["anytime"]["evaluations"][name]["mean"] if v is not None][-1]
        for name in names
    }
    best = sorted(names, key=lambda n: (finals[n], names.index(n)))[:12]
    stem = next(s for s in drawn if s not in {"critical_difference", "rank_over_budget"})
    curves = _curves(drawn[stem], names)
    grey = {name for name, line in curves.items() if line.get_marker() in ("None", "", None)}
    assert grey == set(names) - set(best)
    assert len({curves[name].get_color() for name in best}) == 12
    assert {curves[name].get_color() for name in grey} == {"#a6a6a6"}
    # The legend still names every strategy.
    legend = drawn[stem].legends[0]
    assert sorted(t.get_text() for t in legend.get_texts()) == names
