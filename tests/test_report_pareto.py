"""The report's multi-objective section: reference point, hypervolumes, attainment surfaces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli import main
from harness.results import open_results
from reports import build_report
from reports._pareto import median_attainment
from reports.synthetic import write_synthetic_store
from spaces import hypervolume

SPACE = "macro/cifar10"


def _compare(out: Path, objectives: str, *strategies: str) -> dict[str, Any]:
    """Run a small real comparison (its report is written by ``compare``); its space's stats."""
    flags = [f for s in strategies for f in ("--strategy", s)]
    argv = ["compare", "--space", SPACE, "--objectives", objectives, *flags, "--scalarize"]
    argv += ["--seeds", "3", "--budget", "30", "--workers", "0", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    (space,) = json.loads((out / "stats.json").read_text())["spaces"]
    return dict(space)


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pareto") / "two"
    _compare(out, "test_acc,params", "random", "tpe")
    return out


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pareto") / "three"
    _compare(out, "test_acc,params,flops", "random", "tpe")
    return out


def _space(root: Path) -> dict[str, Any]:
    (space,) = json.loads((root / "stats.json").read_text())["spaces"]
    return dict(space)


def _notes(root: Path) -> list[dict[str, Any]]:
    with open_results(root) as store:
        return [n["pareto"] for n in store.run_notes().values()]


def test_reference_point_and_true_front_are_the_recorded_ones(two: Path) -> None:
    pareto = _space(two)["pareto"]
    recorded = _notes(two)[0]
    assert pareto["reference"] == recorded["reference"]
    assert pareto["ideal"] == recorded["ideal"]
    assert pareto["nadir"] == recorded["nadir"]
    assert pareto["reference_normalised"] == pytest.approx([1.1, 1.1])
    assert pareto["objectives"] == [
        {"name": "test_acc", "direction": "maximize"},
        {"name": "params", "direction": "minimize"},
    ]
    true = pareto["true_front"]
    assert true["hypervolume"] == recorded["true_hypervolume"]
    assert true["n_configs"] == len(recorded["true_front"])
    assert true["n_points"] == len({tuple(row) for row in recorded["true_front"]})


def test_final_hypervolume_is_that_of_the_stored_fronts(two: Path) -> None:
    space = _space(two)
    pareto = space["pareto"]
    ideal, nadir = np.array(pareto["ideal"]), np.array(pareto["nadir"])
    with open_results(two) as store:
        runs = store.runs()
        notes = store.run_notes()
    for lab in ("random", "tpe"):
        keys = runs.loc[runs["strategy"] == lab].sort_values("seed")["run_key"]
        fronts = [np.array(notes[k]["pareto"]["front"]) for k in keys]
        # Normalised as the harness does: 0 at the ideal, 1 at the true front's nadir.
        by_hand = [hypervolume((f - ideal) / (nadir - ideal), [1.1, 1.1]) for f in fronts]
        entry = pareto["by_strategy"][lab]
        assert entry["hypervolume"] == pytest.approx(by_hand, abs=1e-9)
        assert entry["median_hypervolume"] == pytest.approx(float(np.median(by_hand)))
        regret = space["final_regret"][lab]["per_seed"]
        assert [pareto["true_front"]["hypervolume"] - r for r in regret] == pytest.approx(by_hand)
        assert entry["median_front_size"] == float(np.median([len(f) for f in fronts]))
        assert entry["attainment_surface"] == median_attainment(
            [f.tolist() for f in fronts], ["maximize", "minimize"]
        )


def test_median_attainment_of_hand_made_fronts() -> None:
    # test_acc (maximised) and params (minimised), three runs: a point is reached by the
    # median (2 of 3) where two runs each have a point at least as good in both objectives.
    a, b, c = [[10.0, 5.0], [8.0, 3.0]], [[9.0, 4.0]], [[7.0, 1.0]]
    directions = ["maximize", "minimize"]
    assert median_attainment([a, b, c], directions) == [[9.0, 5.0], [8.0, 4.0], [7.0, 3.0]]
    # A run that found nothing still counts: 4 runs need 2, 5 runs need 3 (all of a, b, c).
    assert median_attainment([a, b, c, []], directions) == [[9.0, 5.0], [8.0, 4.0], [7.0, 3.0]]
    assert median_attainment([a, b, c, [], []], directions) == [[7.0, 4.0]]
    assert median_attainment([a, [], []], directions) == []
    # One run: its own front; both objectives maximised turn the steps around.
    assert median_attainment([[[1.0, 3.0], [2.0, 2.0], [1.5, 1.0]]], ["maximize"] * 2) == [
        [2.0, 2.0],
        [1.0, 3.0],
    ]


def test_found_shares_match_the_stored_fronts(two: Path) -> None:
    pareto = _space(two)["pareto"]
    table = pareto["true_front_table"]
    points = pareto["true_front"]["points"]
    assert table["rows"][0] == 0
    assert table["rows"][-1] == len(points) - 1
    assert len(table["rows"]) == min(20, len(points))
    with open_results(two) as store:
        runs = store.runs()
        notes = store.run_notes()
    for lab, shares in table["share_found"].items():
        keys = runs.loc[runs["strategy"] == lab, "run_key"]
        fronts = [notes[k]["pareto"]["front"] for k in keys]
        for row, share in zip(table["rows"], shares, strict=True):
            found = sum(points[row] in front for front in fronts)  # the same oracle numbers
            assert share == found / len(fronts)


def test_two_objective_report_has_figure_and_tables(two: Path) -> None:
    for ext in ("png", "pdf"):
        assert (two / "figures" / f"macro_cifar10_pareto.{ext}").stat().st_size > 1000
    md = (two / "report.md").read_text()
    assert "![macro/cifar10 (pareto)](figures/macro_cifar10_pareto.png)" in md
    assert "**macro/cifar10: Pareto fronts after 30 evaluations**" in md
    assert "reference point 1.1 in every normalised objective" in md
    assert "final hypervolume regret" in md
    html = (two / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2  # the four panels and the fronts
    tex = (two / "tables.tex").read_text()
    assert r"\label{tab:macro_cifar10-pareto}" in tex
    assert r"\label{tab:macro_cifar10-true-front}" in tex
    assert "the true Pareto front" in tex
    for part in ("", "-auc", "-pairwise"):  # with the Pareto tables: every table of the space
        assert f"\\label{{tab:macro_cifar10{part}}}" in tex


def test_three_objectives_skip_the_surface(three: Path) -> None:
    pareto = _space(three)["pareto"]
    assert len(pareto["objectives"]) == 3
    assert pareto["attainment"]["computed"] is False
    assert "2 objectives only" in pareto["attainment"]["note"]
    assert all(e["attainment_surface"] is None for e in pareto["by_strategy"].values())
    assert pareto["reference_normalised"] == pytest.approx([1.1, 1.1, 1.1])
    assert not (three / "figures" / "macro_cifar10_pareto.png").exists()
    md = (three / "report.md").read_text()
    assert "Pareto fronts after 30 evaluations" in md
    assert "flops (lower is better)" in md
    assert r"\label{tab:macro_cifar10-true-front}" in (three / "tables.tex").read_text()


def test_single_objective_report_has_no_pareto_section(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, n_strategies=2, n_spaces=1, n_seeds=3, n_evaluations=10)
    report = build_report(root, figures=False)
    assert all("pareto" not in space for space in report.stats["spaces"])
    assert "moocore" not in report.stats["versions"]
    assert "Pareto" not in (root / "report.md").read_text()
    assert "hypervolume" not in (root / "tables.tex").read_text()
