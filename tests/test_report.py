"""The report: built from synthetic stores, rendered, reproducible; bad input handled."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from harness.cli import main
from reports import ReportError, build_report
from reports._synthetic import write_synthetic_store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_synthetic_store(
        tmp_path_factory.mktemp("cmp"),
        n_strategies=4,
        n_spaces=3,
        n_seeds=10,
        n_evaluations=30,
        failed=[(1, 0, 3)],
    )
    build_report(root)
    return root


def _stats(root: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((root / "stats.json").read_text())


def test_writes_every_output(built: Path) -> None:
    for name in ("report.md", "report.html", "tables.tex", "stats.json"):
        assert (built / name).stat().st_size > 0
    for stem in ("toy_0", "toy_1", "toy_2", "critical_difference", "rank_over_budget"):
        for ext in ("png", "pdf"):
            assert (built / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    html = (built / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5
    assert "figures/" not in html
    tex = (built / "tables.tex").read_text()
    assert tex.count(r"\toprule") == 5  # 3 spaces, average ranks, head-to-head
    assert tex.count(r"\begin{table}") == 5
    assert r"\bfseries s3" in tex  # the best strategy is bold


def test_stats_json_is_byte_identical(built: Path, tmp_path: Path) -> None:
    first = (built / "stats.json").read_bytes()
    build_report(built, figures=False)
    assert (built / "stats.json").read_bytes() == first
    build_report(built, figures=False, seed=1)  # other bootstrap resamples, other intervals
    assert (built / "stats.json").read_bytes() != first
    build_report(built, figures=False)  # restore for the other tests
    assert (built / "stats.json").read_bytes() == first


def test_failed_run_is_reported_and_its_seed_left_out(built: Path) -> None:
    space = next(s for s in _stats(built)["spaces"] if s["name"] == "toy/0")
    assert space["failed_runs"] == [
        {"label": "s1", "seed": 3, "error": "RuntimeError: synthetic failure"}
    ]
    assert space["seeds"] == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    assert any("seed 3" in n for n in space["notes"])
    assert "s1 seed 3: RuntimeError" in (built / "report.md").read_text()


def test_statistics_are_consistent(built: Path) -> None:
    stats = _stats(built)
    assert stats["settings"]["pairwise_test"]["zero_method"] == "zsplit"
    assert "scipy" in stats["versions"]
    assert "statsmodels" in stats["versions"]
    for space in stats["spaces"]:
        labels = [s["label"] for s in space["strategies"]]
        assert labels == ["s0", "s1", "s2", "s3"]
        assert len(space["pairwise"]) == 6
        means = {lab: space["final_regret"][lab]["mean"] for lab in labels}
        assert space["best"] == min(means, key=means.__getitem__)
        ranks = [space["final_regret"][lab]["average_rank"] for lab in labels]
        assert sum(ranks) == pytest.approx(10.0)
        for p in space["pairwise"]:
            assert p["pvalue_holm"] is None or p["pvalue_holm"] >= p["pvalue"]
        # s3 is clearly better than s0 in this synthetic store
        pair = next(p for p in space["pairwise"] if (p["a"], p["b"]) == ("s0", "s3"))
        assert pair["a12"] < 0.5
        assert pair["rank_biserial"] < 0
        for lab in labels:
            f = space["final_regret"][lab]
            assert f["ci_low"] <= f["mean"] <= f["ci_high"]
            assert len(space["anytime"]["evaluations"][lab]["mean"]) == 30
            assert space["fixed_target"]["evaluations"][lab]["n"] == len(space["seeds"])
    cross = stats["cross_space"]
    assert cross["friedman"]["k"] == 4
    assert cross["friedman"]["n_spaces"] == 3
    assert cross["nemenyi"]["q_alpha"] == pytest.approx(2.569, abs=1e-3)
    assert len(cross["wilcoxon_holm"]) == 6
    # 3 spaces: too few pairs for any Wilcoxon test across spaces; a note, not a p-value
    assert all(p["pvalue"] is None and p["note"] for p in cross["wilcoxon_holm"])
    assert set(cross["rank_over_budget"]["ranks"]) == {"s0", "s1", "s2", "s3"}


def test_head_to_head_counts_spaces_with_holm_over_spaces(built: Path) -> None:
    """Checked against statsmodels' Holm over the spaces and the stored final regrets."""
    from statsmodels.stats.multitest import multipletests

    stats = _stats(built)
    alpha = stats["settings"]["alpha"]
    con = sqlite3.connect(built / "results.sqlite")
    regret: dict[tuple[str, str], dict[int, float]] = {}
    for strategy, space, seed, value in con.execute(
        "SELECT strategy, space, seed, final_regret FROM runs WHERE status = 'finished'"
    ):
        regret.setdefault((strategy, space), {})[seed] = value
    con.close()
    entries = stats["cross_space"]["head_to_head"]
    assert [(e["a"], e["b"]) for e in entries] == [
        ("s0", "s1"), ("s0", "s2"), ("s0", "s3"), ("s1", "s2"), ("s1", "s3"), ("s2", "s3")
    ]  # fmt: skip
    for e in entries:
        raw, lower = [], []
        for space in stats["spaces"]:
            test = next(p for p in space["pairwise"] if (p["a"], p["b"]) == (e["a"], e["b"]))
            raw.append(test["pvalue"])  # the space's own test, before its Holm correction
            seeds = space["seeds"]  # the seeds every strategy finished
            x = sum(regret[(e["a"], space["name"])][sd] for sd in seeds)
            y = sum(regret[(e["b"], space["name"])][sd] for sd in seeds)
            lower.append(e["a"] if x < y else e["b"])
        adjusted = multipletests(raw, method="holm")[1]
        assert [s["pvalue_holm"] for s in e["spaces"]] == pytest.approx(list(adjusted))
        assert [s["lower"] for s in e["spaces"]] == lower
        significant = [lo for lo, p in zip(lower, adjusted, strict=True) if p < alpha]
        assert e["a_better"] == significant.count(e["a"])
        assert e["b_better"] == significant.count(e["b"])
        assert e["a_better"] + e["b_better"] + e["neither"] + e["untested"] == 3
    # s3 is much better than s0 in the synthetic store: significant on all 3 spaces
    best = next(e for e in entries if (e["a"], e["b"]) == ("s0", "s3"))
    assert (best["a_better"], best["b_better"]) == (0, 3)
    assert "Head-to-head over 3 spaces" in (built / "report.md").read_text()
    assert "tab:head-to-head" in (built / "tables.tex").read_text()


def test_single_strategy_and_single_seed(tmp_path: Path) -> None:
    one = write_synthetic_store(tmp_path / "one", n_strategies=1, n_spaces=1, n_seeds=5)
    report = build_report(one, figures=False)
    space = report.stats["spaces"][0]
    assert any("only one strategy" in n for n in space["notes"])
    assert space["pairwise"] == []
    assert space["power"] is None
    assert report.stats["cross_space"] is None
    seed1 = write_synthetic_store(tmp_path / "seed1", n_strategies=2, n_spaces=2, n_seeds=1)
    report = build_report(seed1, figures=False)
    space = report.stats["spaces"][0]
    assert any("single seed" in n for n in space["notes"])
    assert space["pairwise"][0]["pvalue"] is None
    assert space["final_regret"]["s0"]["ci_low"] is None
    assert "single seed" in (seed1 / "report.md").read_text()


def test_same_strategy_with_two_option_sets_gets_two_labels(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, strategy_names=["evo", "evo", "rnd"], n_spaces=1)
    labels = [
        s["label"] for s in build_report(root, figures=False).stats["spaces"][0]["strategies"]
    ]
    assert labels == ["evo(variant=0)", "evo(variant=1)", "rnd"]


def test_all_runs_of_a_strategy_failed(tmp_path: Path) -> None:
    root = write_synthetic_store(
        tmp_path,
        n_strategies=3,
        n_spaces=1,
        n_seeds=6,
        failed=[(2, 0, s) for s in range(6)],
    )
    space = build_report(root, figures=False).stats["spaces"][0]
    assert [s["label"] for s in space["strategies"]] == ["s0", "s1"]
    assert any("strategy s2" in n for n in space["notes"])
    assert len(space["failed_runs"]) == 6


def test_bad_directories_give_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "no results store" in capsys.readouterr().err
    empty = write_synthetic_store(tmp_path / "empty", n_strategies=0, n_spaces=0)
    assert main(["report", str(empty)]) == 2
    assert "holds no runs" in capsys.readouterr().err
    with pytest.raises(ReportError):
        build_report(empty)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "results.sqlite").write_text("not a database")
    assert main(["report", str(garbage)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert err.count("\n") == 1
    old = write_synthetic_store(tmp_path / "old", n_strategies=1, n_spaces=1, n_seeds=1)
    with sqlite3.connect(old / "results.sqlite") as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    assert main(["report", str(old)]) == 2
    assert "schema version 99" in capsys.readouterr().err


def test_cli_report_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_synthetic_store(tmp_path, n_strategies=3, n_spaces=2, n_seeds=6, n_evaluations=10)
    assert main(["report", str(root), "--alpha", "0.1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "toy/1: final regret after 10 evaluations" in out
    assert "Friedman test over 2 spaces" in out
    assert "report written to" in out
    assert json.loads((root / "stats.json").read_text())["settings"]["alpha"] == 0.1


@pytest.mark.slow
def test_compare_writes_the_report(tmp_path: Path) -> None:
    table = tmp_path / "toy.csv"
    rows = ["a,b,objective"] + [
        f"{a},{b},{(a * 7 + b * 3) % 10}" for a in range(4) for b in range(4)
    ]
    table.write_text("\n".join(rows) + "\n")
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "--space",
            f"table:{table}",
            "--strategy",
            "random",
            "--seeds",
            "3",
            "--budget",
            "5",
            "--workers",
            "1",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["spaces"][0]["seeds"] == [0, 1, 2]
    assert (out / "report.html").exists()
    assert (out / "tables.tex").exists()
