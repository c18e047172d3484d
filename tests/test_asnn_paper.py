"""The ASNN paper's protocol (`python -m harness experiment asnn-paper`)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from cli import EXIT_USAGE, main
from experiments.asnn_paper import (
    Trials,
    compare_to_best,
    control_sequence,
    run_setting,
    summarise,
)
from reports.stats import holm

SIZES = (16, 32, 64, 128, 256)


def _fake(hidden: tuple[int, ...], on_grid: bool) -> Trials:
    """Accuracy peaks at 100-100 (off the grid), with seed noise fixed by the architecture."""
    rng = np.random.default_rng(list(hidden))
    centre = 97.0 - sum((math.log2(h) - math.log2(100)) ** 2 for h in hidden) * 0.3
    val = tuple(float(v) for v in centre + rng.normal(0, 0.2, 10))
    test = tuple(float(v) for v in centre - 0.5 + rng.normal(0, 0.2, 10))
    return Trials(hidden, val, test, tuple([1.0] * 10), on_grid)


GRID = [_fake(h, True) for h in itertools.product(SIZES, repeat=2)]


def _train(hidden: tuple[int, ...]) -> Trials:
    return _fake(hidden, False)


def test_control_perturbs_the_best_off_grid_within_range_and_is_seeded() -> None:
    grid = {t.hidden for t in GRID}
    a = control_sequence((64, 128), grid, 16, 256, 20, seed=3)
    assert a == control_sequence((64, 128), grid, 16, 256, 20, seed=3)
    assert a != control_sequence((64, 128), grid, 16, 256, 20, seed=4)
    assert len(a) == len(set(a)) == 20
    assert all(h not in grid and all(16 <= x <= 256 for x in h) for h in a)
    # within a factor 2 of the best, per layer
    assert all(32 <= h[0] <= 128 and 64 <= h[1] <= 256 for h in a)


def test_comparison_direction_interval_and_one_sided_tests() -> None:
    best = Trials((1,), (0.0,) * 10, tuple(90.0 + 0.1 * i for i in range(10)), (1.0,) * 10, True)
    better = Trials((2,), (0.0,) * 10, tuple(91.0 + 0.1 * i for i in range(10)), (1.0,) * 10, False)
    c = compare_to_best(best, better)
    assert c.diff == pytest.approx(1.0)
    assert c.ci_low < 1.0 < c.ci_high
    assert c.ci_low > 0
    assert c.p_welch < 0.001
    assert c.p_mwu < 0.001
    worse = compare_to_best(better, best)
    assert worse.diff == pytest.approx(-1.0)
    assert worse.p_welch > 0.99
    assert worse.p_mwu > 0.99


def test_holm_matches_the_definition() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []


@pytest.mark.parametrize("method", ["asnn", "asnn-plus"])
def test_protocol_suggests_off_grid_in_order_and_is_deterministic(method: str) -> None:
    one = run_setting("digits", "mlp2", GRID, _train, k=4, seed=7, methods=[method])
    two = run_setting("digits", "mlp2", GRID, _train, k=4, seed=7, methods=[method])
    hiddens = [s.trials.hidden for s in one.suggestions]
    assert hiddens == [s.trials.hidden for s in two.suggestions]
    assert [s.order for s in one.suggestions] == [1, 2, 3, 4]
    assert len(set(hiddens)) == 4
    # every grid config was told, so none is suggested again; sizes stay in the grid's range
    assert not any(s.trials.on_grid for s in one.suggestions)
    assert all(16 <= x <= 256 for h in hiddens for x in h)
    assert one.grid_best.hidden == max(GRID, key=lambda t: t.val_mean).hidden
    assert one.training_seconds[method] == pytest.approx(40.0)


def test_summary_keeps_the_best_by_validation_and_counts_holm_significance() -> None:
    setting = run_setting("digits", "mlp2", GRID, _train, k=6, seed=1, methods=["control"])
    r = summarise(setting, "control", 6)
    chosen = [s for s in setting.suggestions if s.method == "control"]
    kept = max(chosen, key=lambda s: s.trials.val_mean)
    assert r["best"] == "-".join(map(str, kept.trials.hidden))
    adjusted = holm([s.vs_best.p_welch for s in chosen])
    assert r["n_significant_welch"] == sum(p < 0.05 for p in adjusted)
    assert r["n_mean_above_grid_best"] == sum(s.vs_best.diff > 0 for s in chosen)
    assert summarise(setting, "control", 5)["n"] == 5


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--k", "0"], "--k 0: must be 1..200"),
        (["--dataset", "mnist"], "--dataset 'mnist': unknown; known:"),
        (["--seed", "-1"], "--seed -1: must be >= 0"),
        (["--grid", "mlp9"], "invalid choice: 'mlp9'"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    out = tmp_path / "out"
    assert main(["experiment", "asnn-paper", *argv, "--out", str(out)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_end_to_end_on_digits_trains_through_the_cache(tmp_path: Path) -> None:
    """Two suggesters, one suggestion each, real training; a rerun trains nothing."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    argv = [
        "experiment",
        "asnn-paper",
        "--grid",
        "mlp2",
        "--k",
        "1",
        "--method",
        "asnn",
        "--method",
        "control",
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
        "--quiet",
    ]
    assert main(argv) == 0
    data = json.loads((out / "results.json").read_text())
    (setting,) = data["settings"]
    assert setting["grid"] == "mlp2"
    assert setting["dataset"] == "digits"
    assert [s["method"] for s in setting["suggestions"]] == ["asnn", "control"]
    for s in setting["suggestions"]:
        assert len(s["trials"]["test"]) == 10
        assert not s["trials"]["on_grid"]
        assert all(50.0 < a <= 100.0 for a in s["trials"]["test"])
    report = (out / "report.md").read_text()
    assert "## mlp2/digits" in report
    assert "control" in report
    assert (out / "figures" / "mlp2_digits.png").stat().st_size > 0
    cache_files = list((cache / "trained").glob("*.sqlite"))
    assert len(cache_files) == 1
    stamp = cache_files[0].stat().st_mtime_ns, cache_files[0].stat().st_size
    first = setting["suggestions"]
    assert main(argv) == 0  # everything from the cache now, same numbers
    again = json.loads((out / "results.json").read_text())["settings"][0]["suggestions"]
    assert [s["trials"] for s in again] == [s["trials"] for s in first]
    assert cache_files[0].stat().st_size == stamp[1]


def test_detectable_difference_and_the_comparison_with_the_control() -> None:
    from experiments.asnn_paper import against_control, detectable_difference

    spread = Trials(
        (1,), (0.0,) * 10, tuple(90.0 + (i % 2) * 2.0 for i in range(10)), (1,) * 10, True
    )
    sd = float(np.std(spread.test, ddof=1))
    assert detectable_difference(spread) == pytest.approx(
        (1.6449 + 0.8416) * sd * (0.2**0.5), rel=1e-3
    )
    setting = run_setting("digits", "mlp2", GRID, _train, k=6, seed=2, methods=["asnn", "control"])
    (row,) = [r for m in ("asnn", "control") if (r := against_control(setting, m)) is not None]
    assert row["method"] == "asnn"
    assert row["n"] == row["control_n"] == 6
    assert row["wins"] == sum(s.vs_best.diff > 0 for s in setting.suggestions if s.method == "asnn")
    assert 0.0 < row["p"] <= 1.0
