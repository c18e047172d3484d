"""The report: built from synthetic stores, rendered, reproducible; bad input handled."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from cli import main
from harness.results import open_results
from reports import ReportError, build_report
from reports.synthetic import write_synthetic_store


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
    # Per space final results, area and target, pairwise tests; over spaces the average
    # ranks, the Wilcoxon tests and head to head: every table of report.md (a wide one in
    # parts, each its own float).
    labels = [f"toy_{i}{part}" for i in range(3) for part in ("", "-auc", "-pairwise")]
    labels += ["average-ranks", "wilcoxon-over-spaces", "head-to-head"]
    for label in labels:
        assert f"\\label{{tab:{label}}}" in tex
    assert tex.count(r"\toprule") == tex.count(r"\begin{table}") >= len(labels)
    assert r"\bfseries s3" in tex  # the best strategy is bold


def test_stats_json_is_byte_identical(built: Path, tmp_path: Path) -> None:
    first = (built / "stats.json").read_bytes()
    build_report(built, figures=False)
    assert (built / "stats.json").read_bytes() == first
    build_report(built, figures=False, seed=1)  # other power simulations
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
            assert p["pvalue_adjusted"] is None or p["pvalue_adjusted"] >= p["pvalue"]
            assert p["pvalue_holm"] == p["pvalue_adjusted"]  # its name before issue 35
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
    # 3 spaces: the Friedman p-value counts every arrangement (24**2), not the chi-square.
    assert cross["friedman"]["method"] == "exact permutation"
    assert cross["friedman"]["n_permutations"] == 24**2
    assert cross["nemenyi"]["critical_difference_asymptotic"] == pytest.approx(
        2.569 * (4 * 5 / (6 * 3)) ** 0.5, rel=1e-3
    )
    assert len(cross["wilcoxon_holm"]) == 6
    # 3 spaces: too few pairs for any Wilcoxon test across spaces; a note, not a p-value
    assert all(p["pvalue"] is None and p["note"] for p in cross["wilcoxon_holm"])
    assert set(cross["rank_over_budget"]["ranks"]) == {"s0", "s1", "s2", "s3"}


def test_head_to_head_counts_spaces_with_holm_over_spaces(built: Path) -> None:
    """Checked against statsmodels' Holm over the spaces and the stored final regrets."""
    from statsmodels.stats.multitest import multipletests

    stats = _stats(built)
    alpha = stats["settings"]["alpha"]
    with open_results(built) as store:
        runs = store.runs()
    regret: dict[tuple[str, str], dict[int, float]] = {}
    for r in runs[runs["status"] == "finished"].itertuples():
        regret.setdefault((r.strategy, r.space), {})[r.seed] = r.final_regret
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


# ---------------------------------------------------------------- spaces without an optimum


@pytest.fixture(scope="module")
def open_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `built` store's runs, but with the optimum unknown and a test metric."""
    root = write_synthetic_store(
        tmp_path_factory.mktemp("open"),
        n_strategies=4,
        n_spaces=3,
        n_seeds=10,
        n_evaluations=30,
        failed=[(1, 0, 3)],
        open_spaces=True,
        test_metric=True,
    )
    build_report(root)
    return root


def test_open_space_report_shows_the_metric_itself(open_built: Path) -> None:
    stats = _stats(open_built)
    assert stats["settings"]["measure"]["value"]
    for space in stats["spaces"]:
        assert space["optimum"] is None
        assert space["measure"]["kind"] == "value"
        assert space["measure"]["metric"] == "accuracy"
        assert space["measure"]["direction"] == "maximize"
        assert space["measure"]["better"] == "higher"
        assert "final_regret" not in space
        final = space["final_value"]
        labels = ["s0", "s1", "s2", "s3"]
        assert sorted(final) == labels
        for lab in labels:
            f = final[lab]
            assert 0.8 < f["mean"] <= 1.0  # the accuracy itself, not a regret near 0
            assert f["n_found_optimum"] is None
            assert f["q1"] <= f["median"] <= f["q3"]
            assert f["ci_low"] <= f["mean"] <= f["ci_high"]
            curve = space["anytime"]["evaluations"][lab]["mean"]
            assert curve[-1] == pytest.approx(f["mean"])
            assert curve[0] <= curve[-1]  # the best accuracy so far can only grow
        # The best strategy has the highest mean accuracy; s3 is the best in the store.
        means = {lab: final[lab]["mean"] for lab in labels}
        assert space["best"] == max(means, key=means.__getitem__) == "s3"
        assert space["order"][-1] == "s0"
        assert any("optimum of accuracy is unknown" in n for n in space["notes"])
        # Tests and effect sizes are there, and still say "a is better" by their sign. The
        # Holm family is each strategy against the best average rank (s3 or s2 here).
        assert len(space["pairwise"]) == 6
        control = space["family"]["control"]
        assert control == space["best_by_rank"] in ("s2", "s3")
        pair = next(p for p in space["pairwise"] if (p["a"], p["b"]) == ("s0", control))
        assert pair["pvalue"] is not None
        assert pair["in_family"]
        assert pair["significant"]
        assert pair["a12"] < 0.5
        assert pair["rank_biserial"] < 0
        assert pair["better"] == control
        assert pair["mean_difference_b_minus_a"] > 0  # accuracy(control) - accuracy(s0)
        assert pair["mean_difference_ci_low"] > 0
        target = space["fixed_target"]["target"]
        assert 0.8 < target <= 1.0
    cross = stats["cross_space"]
    assert cross["friedman"]["k"] == 4
    assert min(cross["average_ranks"], key=cross["average_ranks"].__getitem__) == "s3"
    assert {(e["a"], e["b"]) for e in cross["head_to_head"]} >= {("s0", "s3")}
    assert set(cross["rank_over_budget"]["ranks"]) == {"s0", "s1", "s2", "s3"}


def test_open_space_statistics_equal_those_of_regret(
    tmp_path: Path, built: Path, open_built: Path
) -> None:
    """Value mode runs the same statistics: on the same runs, the same tests and ranks."""
    closed, opened = _stats(built), _stats(open_built)
    for c, o in zip(closed["spaces"], opened["spaces"], strict=True):
        assert o["order"] == c["order"]
        assert o["best"] == c["best"]
        assert o["not_significantly_worse"] == c["not_significantly_worse"]
        for lab, f in c["final_regret"].items():
            v = o["final_value"][lab]
            assert v["mean"] == pytest.approx(1.0 - f["mean"], abs=1e-12)
            assert v["average_rank"] == f["average_rank"]
        for pc, po in zip(c["pairwise"], o["pairwise"], strict=True):
            for key in ("pvalue", "pvalue_holm", "a12", "rank_biserial"):
                assert po[key] == pytest.approx(pc[key], abs=1e-12), key
    assert opened["cross_space"]["average_ranks"] == closed["cross_space"]["average_ranks"]
    for hc, ho in zip(
        closed["cross_space"]["head_to_head"], opened["cross_space"]["head_to_head"], strict=True
    ):
        assert (ho["a_better"], ho["b_better"]) == (hc["a_better"], hc["b_better"])
    # A minimised metric is its own loss: every number equals the regret store's exactly,
    # except that intervals of regret (never negative) are cut at 0 and a value's are not.
    low = write_synthetic_store(
        tmp_path / "low", n_spaces=2, n_seeds=8, open_spaces=True, direction="minimize"
    )
    ref = write_synthetic_store(tmp_path / "ref", n_spaces=2, n_seeds=8)
    a = build_report(low, figures=False).stats
    b = build_report(ref, figures=False).stats

    def cut(entry: dict) -> dict:  # type: ignore[type-arg]
        low = entry["ci_low"]
        if isinstance(low, list):
            return {**entry, "ci_low": [None if x is None else max(x, 0.0) for x in low]}
        return {**entry, "ci_low": None if low is None else max(low, 0.0)}

    for sa, sb in zip(a["spaces"], b["spaces"], strict=True):
        assert sa["measure"]["direction"] == "minimize"
        assert sa["measure"]["better"] == "lower"
        for lab, f in sb["final_regret"].items():
            got = dict(sa["final_value"][lab], n_found_optimum=f["n_found_optimum"])
            assert cut(got) == f
        assert sa["pairwise"] == sb["pairwise"]
        for lab in sb["final_regret"]:
            assert cut(sa["auc"][lab]) == sb["auc"][lab]
            for axis in ("evaluations", "seconds"):
                assert cut(sa["anytime"][axis][lab]) == sb["anytime"][axis][lab]
    assert {**a["cross_space"], "notes": []} == b["cross_space"]


def test_open_space_test_metric_in_every_format(open_built: Path) -> None:
    stats = _stats(open_built)
    space = stats["spaces"][0]
    test = space["test_metric"]
    assert test["metric"] == "test_accuracy"
    assert test["direction"] == "maximize"
    for lab in ("s0", "s1", "s2", "s3"):
        t = test["final"][lab]
        assert t["n"] == len(space["seeds"])
        assert 0.7 < t["mean"] < 1.0
        assert t["sd"] > 0
        assert len(test["anytime"]["evaluations"][lab]["mean"]) == 30
        assert len(test["anytime"]["seconds"][lab]["mean"]) == 100
    md = (open_built / "report.md").read_text()
    assert "toy/0: best accuracy (higher is better) after 30 evaluations" in md
    assert "test_accuracy (test) mean ± sd" in md
    assert "budget to reach accuracy >= " in md
    assert "optimum unknown" in md
    s0 = test["final"]["s0"]
    assert f"{s0['mean']:.4g} ± {s0['sd']:.3g}" in md
    assert "test_accuracy (test) mean ± sd" in (open_built / "report.html").read_text()
    # The header wraps in tables.tex (a column as narrow as its numbers).
    assert r"{test\_accuracy}\\{(test)}\\{mean $\pm$ sd}" in (open_built / "tables.tex").read_text()
    for stem in ("toy_0", "toy_0_test", "toy_2_test"):
        assert (open_built / "figures" / f"{stem}.png").stat().st_size > 1000
        assert (open_built / "figures" / f"{stem}.pdf").stat().st_size > 1000
    assert (open_built / "report.html").read_text().count("data:image/png;base64,") == 8
    from rich.console import Console

    from reports import render_report
    from reports._build import Report

    console = Console(width=200, record=True, color_system=None)
    render_report(Report(directory=open_built, stats=stats, files=()), console)
    text = console.export_text()
    assert "toy/1: best accuracy (higher is better) after 30 evaluations" in text
    assert "test_accuracy (test) mean ± sd" in text


def test_regret_space_with_a_test_metric(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, n_spaces=2, n_seeds=6, test_metric=True)
    stats = build_report(root, figures=False).stats
    space = stats["spaces"][0]
    assert space["measure"]["kind"] == "regret"
    assert space["final_regret"]["s0"]["n_found_optimum"] is not None
    assert space["test_metric"]["final"]["s2"]["mean"] > 0.7
    assert "test_accuracy (test) mean ± sd" in (root / "report.md").read_text()


# ---------------------------------------------------------------- failures and cell names


def test_every_run_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = [(st, sp, sd) for st in range(2) for sp in range(2) for sd in range(3)]
    root = write_synthetic_store(tmp_path, n_strategies=2, n_spaces=2, n_seeds=3, failed=everything)
    report = build_report(root)
    stats = report.stats
    assert stats["source"]["n_failed"] == stats["source"]["n_runs"] == 12
    assert any(n.startswith("no run finished") for n in stats["notes"])
    for space in stats["spaces"]:
        assert len(space["failed_runs"]) == 6
        assert space["final_regret"] == {}
        assert space["pairwise"] == []
        assert any(n.startswith("no run finished") for n in space["notes"])
    assert not any(f.startswith("figures/") for f in report.files)
    md = (root / "report.md").read_text()
    assert "no run finished" in md
    assert md.count("RuntimeError: synthetic failure") == 12
    assert "no run finished" in (root / "tables.tex").read_text()
    assert "s1 seed 2: RuntimeError" in (root / "report.html").read_text()
    assert main(["report", str(root)]) == 0
    out = capsys.readouterr().out
    assert "no run finished" in out
    assert "failed: toy/1 s1 seed 2: RuntimeError: synthetic failure" in out


def test_every_run_of_an_open_space_failed_while_another_space_ran(tmp_path: Path) -> None:
    root = write_synthetic_store(
        tmp_path,
        n_strategies=3,
        n_spaces=3,
        n_seeds=6,
        open_spaces=[0],
        test_metric=True,
        failed=[(st, 0, sd) for st in range(3) for sd in range(6)],
    )
    stats = build_report(root).stats
    dead = stats["spaces"][0]
    assert dead["measure"]["kind"] == "value"
    assert dead["final_value"] == {}
    assert dead["test_metric"] is None
    assert any("no run finished" in n for n in dead["notes"])
    assert stats["cross_space"]["spaces"] == ["toy/1", "toy/2"]
    assert stats["spaces"][1]["final_regret"]


def test_several_objectives_of_one_space_get_distinct_names(tmp_path: Path) -> None:
    write_synthetic_store(tmp_path, n_spaces=2, n_seeds=6, n_evaluations=30)
    write_synthetic_store(tmp_path, n_spaces=1, n_seeds=6, n_evaluations=20)
    stats = build_report(tmp_path, figures=False).stats
    names = [s["name"] for s in stats["spaces"]]
    assert names == ["toy/0 [20 evaluations]", "toy/0 [30 evaluations]", "toy/1"]
    assert [s["budget"]["amount"] for s in stats["spaces"]] == [20.0, 30.0, 30.0]
    assert (
        "toy/0 [20 evaluations]: final regret after 20 evaluations"
        in (tmp_path / "report.md").read_text()
    )


# ---------------------------------------------------------------- the family of tests


def test_default_family_is_each_strategy_against_the_best_rank(built: Path) -> None:
    from reports import _best
    from reports import _stats as stats_module

    stats = _stats(built)
    assert stats["settings"]["pairwise_test"]["family"]["kind"] == "vs-best"
    assert stats["settings"]["pairwise_test"]["family"]["design"] == "vs-best"
    assert stats["settings"]["interval"]["name"] == (
        "Student-t (widened by the bootstrap-t from 10 seeds)"
    )
    with open_results(built) as store:
        runs = store.runs()
    for space in stats["spaces"]:
        family = space["family"]
        control = family["control"]
        ranks = {lab: f["average_rank"] for lab, f in space["final_regret"].items()}
        assert ranks[control] == min(ranks.values())
        assert family["n_comparisons"] == 3
        assert family["min_seeds"] == _best.min_blocks_versus_best(4, 0.05) == 8
        assert family["n_permutations"] == _best.N_PERMUTATIONS
        assert family["can_reach_alpha"]
        assert family["note"] == ""
        in_family = [p for p in space["pairwise"] if p["in_family"]]
        assert {frozenset((p["a"], p["b"])) for p in in_family} == {
            frozenset((control, lab)) for lab in ranks if lab != control
        }
        # The adjusted p-values are those of the permutation max-statistic procedure on
        # the stored final regrets, seeded from their ranks (never below the raw ones).
        labels = sorted(ranks)
        ok = runs[(runs["status"] == "finished") & (runs["space"] == space["name"])]
        scores = np.array(
            [
                [float(ok[(ok["strategy"] == lab) & (ok["seed"] == sd)]["final_regret"].iloc[0])
                 for sd in space["seeds"]]
                for lab in labels
            ]
        )  # fmt: skip
        res = _best.versus_best(
            scores, rng=stats_module.data_rng(_best.block_ranks(scores), seed=0)
        )
        assert labels[res.best] == control
        for p in in_family:
            other = p["b"] if p["a"] == control else p["a"]
            if p["pvalue"] is None:
                assert p["pvalue_adjusted"] is None
                continue
            raw_adjusted = res.pvalues[labels.index(other)]
            assert raw_adjusted is not None
            assert p["pvalue_adjusted"] >= max(raw_adjusted, p["pvalue"])
            assert p["significant"] == (p["pvalue_adjusted"] < 0.05)
        for p in space["pairwise"]:
            if not p["in_family"]:
                assert p["pvalue_adjusted"] is None
                assert p["significant"] is None
                assert "power" not in p
            else:
                power = p["power"]
                assert 0.0 <= power["achieved_power"] <= 1.0
                assert power["n_seeds"] >= family["min_seeds"] - 1
        assert space["power"]["a"] == control
        assert space["power"]["n_comparisons"] == 3
        assert space["power"]["per_test_alpha"] == pytest.approx(family["per_test_alpha"])
        assert space["power"]["per_test_alpha"] < 0.05 / 3  # stricter than Holm's first step
        # The best set: the control and those not significantly worse than it.
        worse = {
            p["b"] if p["a"] == control else p["a"]
            for p in in_family
            if p["significant"] and p["better"] == control
        }
        assert space["best_set"][0] == control
        assert set(space["best_set"]) == set(ranks) - worse
        chance = space["probability_best"]
        assert sum(chance["by_mean"].values()) == pytest.approx(1.0)
        assert sum(chance["by_rank"].values()) == pytest.approx(1.0)
    md = (built / "report.md").read_text()
    assert md.startswith("# Comparison report\n\n## Summary\n")
    assert "3 tests, each against" in md
    assert "adjusted for that choice by a permutation max-statistic procedure" in md
    assert "seeds for 80% power" in md


def test_all_pairs_on_request_and_a_chosen_control(built: Path, tmp_path: Path) -> None:
    from reports._build import compute_stats
    from reports._data import load

    loaded = load(built)
    every = compute_stats(loaded, family="all-pairs")
    space = every["spaces"][0]
    assert space["family"]["kind"] == "all-pairs"
    assert space["family"]["n_comparisons"] == 6
    assert all(p["in_family"] and "power" in p for p in space["pairwise"])
    default = compute_stats(loaded)
    best = default["spaces"][0]["best_by_rank"]
    named = compute_stats(loaded, control=best)
    assert named["spaces"][0]["family"]["kind"] == "vs-control"
    assert named["spaces"][0]["best_set"] is None
    # Raw p-values do not depend on the family; Holm over 6 is never below Holm over 3.
    for a, b in zip(named["spaces"][0]["pairwise"], space["pairwise"], strict=True):
        assert a["pvalue"] == b["pvalue"]
        if a["in_family"] and a["pvalue_adjusted"] is not None:
            assert b["pvalue_adjusted"] >= a["pvalue_adjusted"]
    chosen = compute_stats(loaded, control="s0")
    for sp in chosen["spaces"]:
        assert sp["family"]["kind"] == "vs-control"
        assert sp["family"]["control"] == "s0"
    assert chosen["cross_space"]["family"]["control"] == "s0"
    with pytest.raises(ReportError, match="control 'nope' is not a compared strategy"):
        compute_stats(loaded, control="nope")
    with pytest.raises(ReportError, match="family 'some' is not one of vs-best, all-pairs"):
        compute_stats(loaded, family="some")


def test_a_design_that_cannot_reach_significance_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 9 strategies, 10 seeds: Holm over 36 pairs needs 11 seeds; over 8 tests, 9.
    root = write_synthetic_store(tmp_path, n_strategies=9, n_spaces=1, n_seeds=10)
    every = build_report(root, figures=False, family="all-pairs").stats["spaces"][0]
    assert every["family"]["min_seeds"] == 11
    assert not every["family"]["can_reach_alpha"]
    assert not any(p["significant"] for p in every["pairwise"])
    sentence = every["family"]["note"]
    assert sentence.startswith("With 10 seeds no difference can be significant at alpha=0.05")
    assert "at least 11 seeds are needed" in sentence
    assert sentence in (root / "report.md").read_text()
    # The default family: 8 tests against a best chosen on the same seeds, 10 suffice (Holm
    # as if the best had been named in advance would claim 9).
    assert main(["report", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("summary: toy/0 (10 seeds)")
    default = _stats(root)["spaces"][0]
    assert default["family"]["min_seeds"] == 10
    assert default["family"]["can_reach_alpha"]
    assert default["family"]["note"] == ""
    seven = write_synthetic_store(tmp_path / "seven", n_strategies=9, n_spaces=1, n_seeds=7)
    short = build_report(seven, figures=False).stats["spaces"][0]["family"]
    assert not short["can_reach_alpha"]
    assert short["note"].startswith("With 7 seeds no difference can be significant")
    assert "even a strategy worse than" in short["note"]
    assert "at least 10 seeds are needed" in short["note"]


def test_family_reach_counts_the_tests_holm_corrects() -> None:
    from reports._inference import family_of as _family

    def pair(n_pairs: int, n_zero: int, tested: bool) -> dict:  # type: ignore[type-arg]
        return {
            "in_family": True,
            "pvalue": 0.01 if tested else None,
            "significant": False,
            "n_pairs": n_pairs,
            "n_zero_differences": n_zero,
        }

    # 9 strategies, 8 seeds: Holm over 8 tests would need 9 seeds, but 3 pairs tie too often
    # to be tested, and Holm over the other 5 can reach alpha (5 * 2/256 < 0.05).
    pairs = [pair(8, 0, True)] * 5 + [pair(8, 6, False)] * 3
    fam = _family("vs-control", "a", k=9, n_blocks=8, alpha=0.05, pairs=pairs)
    assert fam["min_seeds"] == 9
    assert fam["can_reach_alpha"]
    assert fam["note"] == ""
    assert fam["n_untestable"] == 3
    # Enough seeds, but every pair ties on most of them: nothing can be significant.
    pairs = [pair(10, 4, True)] * 8  # 6 differing seeds each: 8 * 2/64 > 0.05
    fam = _family("vs-control", "a", k=9, n_blocks=10, alpha=0.05, pairs=pairs)
    assert not fam["can_reach_alpha"]
    assert "equal results (zero differences)" in fam["note"]


def test_family_reach_against_a_best_chosen_on_the_same_data() -> None:
    """vs-best: a test can be significant when its most one-sided outcome passes the bar."""
    from reports import _best
    from reports._inference import family_of as _family

    # 9 strategies, 10 seeds: s8 worse than s0 on every seed, the others close to s0.
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(9, 10)) * 0.1 + np.linspace(0.0, 0.3, 9)[:, None]
    scores[8] = scores[0] + 1.0
    versus = _best.versus_best(scores, rng=np.random.default_rng(1))
    pairs = [
        {
            "in_family": True,
            "a": "s0",
            "b": f"s{i}",
            "pvalue": 0.01,
            "significant": versus.pvalues[i] is not None and versus.pvalues[i] < 0.05,
            "z_extreme": versus.extremes[i],
            "n_pairs": 10,
            "n_zero_differences": 0,
        }
        for i in range(1, 9)
    ]
    fam = _family("vs-best", "s0", k=9, n_blocks=10, alpha=0.05, pairs=pairs, versus=versus)
    assert fam["min_seeds"] == 10
    assert fam["can_reach_alpha"]
    assert fam["n_significant"] >= 1  # s8
    assert fam["n_permutations"] == _best.N_PERMUTATIONS
    assert fam["critical_value"] == versus.critical_value
    # Its per-test level: one exact test on 10 seeds rejecting beyond the critical value.
    assert fam["per_test_alpha"] == pytest.approx(2 / 2**10, rel=1e-6)
    assert fam["note"] == ""
