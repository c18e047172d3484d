"""Reports rank on the report metric where it differs from the search metric (issue 13, item 3).

The NB201 protocol searches 12-epoch validation accuracy and reports the 200-epoch accuracy of
the incumbent. A report of such a comparison ranks, tests and compares across spaces on the
report metric (its regret: the 200-epoch table is complete, so its optimum is known), shows
the search metric's regret beside it, and names both metrics wherever it used to say "test".
A comparison whose report metric is its search metric is reported as before.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from scipy.stats import rankdata

from cli import main
from harness import Budget, Comparison, ResultsStore, SpaceRecord, compare
from harness.results import open_results
from reports import build_report, render_summary, summary_lines
from spaces import load_objective

SPACES = ("nb201/cifar10", "nb201/cifar100")
STRATEGIES = ("random", "evolution")
SEEDS = (0, 1, 2, 3)


def _comparison(**kwargs: Any) -> Comparison:
    return Comparison(
        spaces=SPACES,
        strategies=tuple((name, {}) for name in STRATEGIES),
        seeds=SEEDS,
        budget=Budget(kind="evaluations", amount=20),
        **kwargs,
    )


@pytest.fixture(scope="module")
def protocol(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Search val_acc@12, report val_acc@200: 2 spaces x 2 strategies x 4 seeds x 20 evals."""
    out = tmp_path_factory.mktemp("protocol") / "cmp"
    with ResultsStore(out) as store:
        compare(_comparison(metric="val_acc@12", report_metric="val_acc@200"), store, workers=0)
    build_report(out)
    return out


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The spaces' defaults: search and report val_acc@200 (test metric test_acc@12)."""
    out = tmp_path_factory.mktemp("plain") / "cmp"
    with ResultsStore(out) as store:
        compare(_comparison(), store, workers=0)
    build_report(out)
    return out


def _stats(root: Path) -> dict[str, Any]:
    return dict(json.loads((root / "stats.json").read_text()))


def _terminal(root: Path) -> str:
    with open_results(root) as store:
        runs, spaces = store.runs(), store.spaces()
    console = Console(width=250, record=True, color_system=None)
    render_summary(runs, console, spaces)
    return console.export_text()


def _optimum(space: str, metric: str) -> float:
    table = load_objective(space)
    return float(np.max(table.oracle_values(np.arange(table.space.n_configs), metric)))


def _per_seed(root: Path, space: str, column: str) -> dict[str, np.ndarray[Any, Any]]:
    """A runs column per strategy, in seed order."""
    with open_results(root) as store:
        runs = store.runs()
    runs = runs[runs["space"] == space].sort_values("seed")
    return {s: runs.loc[runs["strategy"] == s, column].to_numpy(float) for s in STRATEGIES}


def test_the_store_records_the_report_metric_and_its_optimum(protocol: Path) -> None:
    with open_results(protocol) as store:
        spaces = store.spaces().set_index("name")
    for space in SPACES:
        row = spaces.loc[space]
        assert row["metric"] == "val_acc@12"
        assert row["report_metric"] == row["test_metric"] == "val_acc@200"
        assert row["report_optimum"] == pytest.approx(_optimum(space, "val_acc@200"), abs=1e-9)
        assert row["optimum"] == pytest.approx(_optimum(space, "val_acc@12"), abs=1e-9)


def test_final_results_ranks_and_tests_are_of_the_report_metric(protocol: Path) -> None:
    stats = _stats(protocol)
    for space in stats["spaces"]:
        name = space["name"]
        m = space["measure"]
        assert (m["kind"], m["metric"], m["role"], m["search_metric"]) == (
            "regret",
            "val_acc@200",
            "report",
            "val_acc@12",
        )
        assert space["report_metric"] == "val_acc@200"
        optimum = space["report_optimum"]
        final = _per_seed(protocol, name, "final_test")  # val_acc@200 of the incumbent
        searched = _per_seed(protocol, name, "final_regret")  # val_acc@12 regret
        report_regret = {s: np.maximum(optimum - final[s], 0.0) for s in STRATEGIES}
        ranks = rankdata(np.array([report_regret[s] for s in STRATEGIES]), axis=0).mean(axis=1)
        search_ranks = rankdata(np.array([searched[s] for s in STRATEGIES]), axis=0).mean(axis=1)
        for i, s in enumerate(STRATEGIES):
            entry = space["final_regret"][s]
            np.testing.assert_allclose(entry["per_seed"], report_regret[s], atol=1e-9)
            assert entry["average_rank"] == pytest.approx(ranks[i])
            # The search metric's regret of the same incumbents, shown beside it.
            shown = space["search"]["final"][s]
            np.testing.assert_allclose(shown["per_seed"], searched[s], atol=1e-9)
            assert shown["average_rank"] == pytest.approx(search_ranks[i])
            # The report metric's value, in its own block.
            np.testing.assert_allclose(space["test_metric"]["final"][s]["per_seed"], final[s])
        assert space["search"]["measure"]["metric"] == "val_acc@12"
        assert space["test_metric"]["role"] == "report"
        # The paired test is on the report metric's regret: b minus a, by seed.
        (pair,) = space["pairwise"]
        diff = report_regret[pair["b"]] - report_regret[pair["a"]]
        assert pair["mean_difference_b_minus_a"] == pytest.approx(float(diff.mean()), abs=1e-9)
        best = min(STRATEGIES, key=lambda s: (float(report_regret[s].mean()), s))
        assert space["best"] == best
    cross = stats["cross_space"]
    assert cross["report_metric_spaces"] == list(SPACES)
    for s in STRATEGIES:
        means = [np.mean(sp["final_regret"][s]["per_seed"]) for sp in stats["spaces"]]
        np.testing.assert_allclose(cross["scores"][s], means, atol=1e-12)
    assert "nemenyi" in cross
    assert any("report metric" in note for note in cross["notes"])


def test_every_rendering_names_both_metrics(protocol: Path) -> None:
    md = (protocol / "report.md").read_text()
    assert "final val_acc@200 regret (report metric; incumbents chosen on val_acc@12)" in md
    assert "val_acc@12 regret (search metric) mean ± sd" in md
    assert "val_acc@200 (report metric) mean ± sd" in md
    assert "report metric val_acc@200 (maximize), optimum" in md
    assert "Two-sided paired Wilcoxon signed-rank tests on val_acc@200 regret" in md
    assert "(test)" not in md  # val_acc@200 is no test metric
    assert "val_acc@200 regret of the incumbent over the budget" in md
    html = (protocol / "report.html").read_text()
    assert "val_acc@12 regret (search metric) mean ± sd" in html
    tex = (protocol / "tables.tex").read_text()
    # Headers wrap in tables.tex (columns as narrow as their numbers).
    assert r"{val\_acc@200}\\{(report}\\{metric)}\\{mean $\pm$ sd}" in tex
    assert r"{val\_acc@12}\\{regret}\\{(search}\\{metric)}\\{mean $\pm$ sd}" in tex
    assert "(test)" not in tex
    figures = protocol / "figures"
    assert (figures / "nb201_cifar10_search.png").is_file()
    assert not (figures / "nb201_cifar10_test.png").exists()
    (first, *_) = summary_lines(_stats(protocol))
    assert "mean final val_acc@200 regret" in first
    assert "Ranked on val_acc@200 (the report metric) of the incumbents chosen on val_acc@12" in (
        first
    )
    text = _terminal(protocol)
    assert (
        "nb201/cifar10: final val_acc@200 regret (report metric) after 20 evaluations (lower is "
        "better; incumbents chosen on val_acc@12, the search metric)"
    ) in text
    assert "val_acc@200 (report metric)" in text
    assert "val_acc@12 regret (search metric)" in text
    assert "final test" not in text


def test_the_terminal_summary_ranks_on_the_report_metric(protocol: Path) -> None:
    text = _terminal(protocol)
    section = text.split("nb201/cifar10:")[1].split("nb201/cifar100:")[0]
    rows = [line.split("│") for line in section.splitlines() if line.startswith("│")]
    optimum = _optimum("nb201/cifar10", "val_acc@200")
    final = _per_seed(protocol, "nb201/cifar10", "final_test")
    means = {s: float(np.mean(optimum - final[s])) for s in STRATEGIES}
    assert [r[1].strip() for r in rows] == sorted(STRATEGIES, key=lambda s: means[s])
    for r in rows:
        mean = float(r[3].split("±")[0])
        assert mean == pytest.approx(means[r[1].strip()], rel=1e-3)


def test_the_cli_prints_both_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", "--space", "nb201/cifar10", "--search-metric", "val_acc@12"]
    args += ["--report-metric", "val_acc@200", "--strategy", "random", "--strategy", "evolution"]
    args += ["--seeds", "3", "--budget", "20", "--workers", "0", "--out", str(tmp_path / "c")]
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())  # headers may wrap
    assert "final val_acc@200 regret (report metric) after 20 evaluations" in out
    assert "Ranked on val_acc@200 (the report metric)" in out


def test_equal_metrics_are_reported_as_before(plain: Path) -> None:
    stats = _stats(plain)
    for space in stats["spaces"]:
        assert space["measure"]["role"] == "search"
        assert space["measure"]["metric"] == space["metric"] == "val_acc@200"
        assert space["measure"]["label"] == "regret"
        assert space["report_metric"] == "val_acc@200"
        assert space["search"] is None
        assert space["test_metric"]["role"] == "test"
        assert space["test_metric"]["metric"] == "test_acc@12"
        for s in STRATEGIES:
            per_seed = _per_seed(plain, space["name"], "final_regret")[s]
            np.testing.assert_allclose(space["final_regret"][s]["per_seed"], per_seed)
    assert stats["cross_space"]["report_metric_spaces"] == []
    md = (plain / "report.md").read_text()
    assert "nb201/cifar10: final regret after 20 evaluations" in md
    assert "test_acc@12 (test) mean ± sd" in md
    assert "report metric" not in md
    assert "search metric)" not in md
    text = _terminal(plain)
    assert "nb201/cifar10: final regret after 20 evaluations (lower is better)" in text
    assert "test_acc@12 (test)" in text
    assert (plain / "figures" / "nb201_cifar10_test.png").is_file()


def _without_report_table(root: Path, tmp_path: Path) -> Path:
    """A copy of ``root``'s store as a harness before the report metric wrote it."""
    copy = tmp_path / "old"
    copy.mkdir()
    (copy / "results.sqlite").write_bytes((root / "results.sqlite").read_bytes())
    db = sqlite3.connect(copy / "results.sqlite")
    db.execute("DROP TABLE space_reports")
    db.commit()
    db.close()
    return copy


def test_a_store_without_the_report_metric_is_read_and_upgraded_on_resume(
    protocol: Path, tmp_path: Path
) -> None:
    old = _without_report_table(protocol, tmp_path)
    with open_results(old) as store:
        assert store.spaces()["report_metric"].isna().all()
    stats = build_report(old, figures=False).stats
    # As before: ranked on the search metric, the stored second metric beside it.
    assert {s["measure"]["role"] for s in stats["spaces"]} == {"search"}
    assert {s["measure"]["metric"] for s in stats["spaces"]} == {"val_acc@12"}
    # Running the same comparison again resumes every run and records the report metric.
    with ResultsStore(old) as store:
        outcomes = compare(
            _comparison(metric="val_acc@12", report_metric="val_acc@200"), store, workers=0
        )
    assert all(o.skipped for o in outcomes)
    stats = build_report(old, figures=False).stats
    assert json.loads(json.dumps(stats["spaces"])) == _stats(protocol)["spaces"]


def test_a_report_metric_without_a_known_optimum_is_ranked_on_its_value(tmp_path: Path) -> None:
    # synthetic/open searches val_acc and reports test_acc, and knows neither optimum.
    out = tmp_path / "open"
    args = ["compare", "--space", "synthetic/open", "--strategy", "random", "--strategy"]
    args += ["evolution", "--seeds", "3", "--budget", "10", "--workers", "0", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    (space,) = _stats(out)["spaces"]
    assert (space["measure"]["kind"], space["measure"]["metric"]) == ("value", "test_acc")
    assert space["measure"]["role"] == "report"
    assert space["search"]["measure"]["kind"] == "value"
    assert space["report_optimum"] is None
    with open_results(out) as store:
        runs = store.runs().sort_values("seed")
    for s in STRATEGIES:
        final = runs.loc[runs["strategy"] == s, "final_test"].to_numpy(float)
        np.testing.assert_allclose(space["final_value"][s]["per_seed"], final)
    md = (out / "report.md").read_text()
    assert "final test_acc (report metric, higher is better; incumbents chosen on val_acc)" in md
    assert "best val_acc (search metric) mean ± sd" in md
    text = _terminal(out)
    assert "synthetic/open: final test_acc (report metric) after 10 evaluations" in text


def test_the_report_optimum_follows_the_report_metrics_direction() -> None:
    base = load_objective("nb201/cifar10")
    latency = base.oracle_values(np.arange(base.space.n_configs), "latency")
    record = SpaceRecord.of(base.select(metric="val_acc@12").reporting("latency"))
    assert record.report_metric == record.test_metric == "latency"
    assert record.report_optimum == pytest.approx(float(np.nanmin(latency)))
    assert load_objective("synthetic/open").optimum_of("test_acc") is None
    with pytest.raises(ValueError, match="must store it as their second metric"):
        SpaceRecord(**{**_fields(record), "test_metric": "test_acc@12"})


def _fields(record: SpaceRecord) -> dict[str, Any]:
    return {f: getattr(record, f) for f in SpaceRecord.__dataclass_fields__}
