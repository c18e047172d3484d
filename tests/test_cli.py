from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from _procs import sigint_by_default

from cli import main
from harness import ResultsStore
from spaces import Config
from strategies import Observation, Strategy
from strategies import _registry as registry_module

SMALL = ["--space", "nb201/cifar10", "--strategy", "random", "--seeds", "3", "--budget", "15"]


def run_cli(*args: str | Path) -> int:
    return main([str(a) for a in args])


def test_small_compare_stores_runs_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    assert run_cli("compare", *SMALL, "--workers", "1", "--out", out, "--quiet") == 0
    printed = capsys.readouterr().out
    assert "nb201/cifar10: final regret after 15 evaluations (lower is better)" in printed
    assert "random" in printed
    assert "3 runs (3 run now, 0 resumed" in printed
    with ResultsStore(out, create=False) as store:
        runs = store.runs()
        evals = store.evaluations()
    assert sorted(runs["seed"]) == [0, 1, 2]
    assert set(runs["status"]) == {"finished"}
    assert len(evals) == 45
    assert evals["config"].str.contains("Op0=").all()


def test_rerun_resumes_and_is_identical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cmp"
    assert run_cli("compare", *SMALL, "--workers", "1", "--out", out, "--quiet") == 0
    with ResultsStore(out, create=False) as store:
        first = store.evaluations()
    capsys.readouterr()
    assert (
        run_cli("compare", *SMALL, "--seeds", "4", "--workers", "1", "--out", out, "--quiet") == 0
    )
    assert "4 runs (1 run now, 3 resumed" in capsys.readouterr().out
    with ResultsStore(out, create=False) as store:
        again = store.evaluations()
    common = again[again["seed"] < 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, common)


def test_first_seed_shifts_the_seeds_and_shares_runs_with_the_same_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    assert run_cli("compare", *SMALL, "--workers", "1", "--out", out, "--quiet") == 0
    capsys.readouterr()
    # Seeds 2 and 3: seed 2 is already stored (same key), seed 3 is new.
    shifted = ["--first-seed", "2", "--seeds", "2"]
    assert run_cli("compare", *SMALL, *shifted, "--workers", "1", "--out", out, "--quiet") == 0
    assert "2 runs (1 run now, 1 resumed" in capsys.readouterr().out
    with ResultsStore(out, create=False) as store:
        assert sorted(store.runs()["seed"]) == [0, 1, 2, 3]


def test_parallel_workers_give_the_same_results_as_one(tmp_path: Path) -> None:
    args = [
        "compare",
        "--space",
        "nb201/cifar10",
        "--space",
        "hpobench-mlp/kc1",
        "--strategy",
        "random",
        "--seeds",
        "3",
        "--budget",
        "10",
        "--quiet",
    ]
    assert run_cli(*args, "--workers", "1", "--out", tmp_path / "one") == 0
    assert run_cli(*args, "--workers", "2", "--out", tmp_path / "two") == 0
    frames = []
    for name in ("one", "two"):
        with ResultsStore(tmp_path / name, create=False) as store:
            frames.append(store.evaluations().drop(columns=[]).sort_values(["run_key", "step"]))
    pd.testing.assert_frame_equal(
        frames[0].reset_index(drop=True), frames[1].reset_index(drop=True)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--space", "nb201/cifar-10"],
            "unknown space 'nb201/cifar-10'; choose one of nb201/cifar10",
        ),
        (["--strategy", "randm"], "unknown strategy 'randm'; choose one of"),
        (
            ["--strategy", "random:foo=1"],
            "strategy 'random': option foo='1' does not exist; it takes no options",
        ),
        (["--budget", "0"], "argument --budget: '0' must be a positive whole number"),
        (["--budget", "-3"], "argument --budget: '-3' must be a positive whole number"),
        (["--budget-seconds", "nan"], "'nan' must be a positive finite number"),
        (["--budget", "5", "--budget-seconds", "9"], "not allowed with argument"),
        (["--seeds", "0"], "argument --seeds: '0' must be a positive whole number"),
        (["--first-seed", "-1"], "argument --first-seed: '-1' must be a whole number >= 0"),
        (["--workers", "x"], "argument --workers: 'x' is not a whole number"),
        (["--space", "table:/nonexistent/t.csv"], "/nonexistent/t.csv: no such table file"),
        (
            ["--metric", "accuracy"],
            "space 'nb201/cifar10' has no metric 'accuracy'; its metrics are val_acc@200, "
            "val_acc@12, test_acc@12, model_size, latency",
        ),
        (
            ["--space", "nb201/cifar10", "--space", "fcnet/protein", "--metric", "val_acc@200"],
            "space 'fcnet/protein' has no metric 'val_acc@200'",
        ),
        (
            ["--space", "synthetic/open", "--metric", "test_acc"],
            "'test_acc' is its test metric, which strategies never see",
        ),
        (
            ["--fidelity", "100"],
            "space 'nb201/cifar10' does not offer fidelity 100; it offers 12, 200",
        ),
        (
            ["--space", "hpobench-mlp/kc1", "--fidelity", "3"],
            "does not offer fidelity 3; it offers none (a single schedule)",
        ),
        (
            ["--space", "hpobench-mlp/kc1", "--budget-epochs", "100"],
            "space 'hpobench-mlp/kc1' states no fidelity in epochs",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "cmp"
    assert run_cli("compare", *args, "--out", out, "--quiet") == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1
    assert err.startswith("error: ")
    assert not out.exists()


def test_an_old_results_store_is_refused_in_one_line(
    schema1_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = schema1_store
    before = (old / "results.sqlite").read_bytes()
    for command in (["compare", *SMALL, "--out", old, "--quiet"], ["report", old]):
        assert run_cli(*command) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert "results schema 1" in err
        assert "rerun the comparison with a new --out" in err
    assert (old / "results.sqlite").read_bytes() == before
    assert sorted(p.name for p in old.iterdir()) == ["results.sqlite"]  # no report written


def test_open_space_compare_reports_values_and_test_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "open"
    args = ["--space", "synthetic/open", "--strategy", "random", "--strategy", "evolution"]
    args += ["--seeds", "5", "--budget", "20", "--workers", "1"]
    assert run_cli("compare", *args, "--out", out, "--quiet") == 0
    printed = capsys.readouterr().out
    assert "synthetic/open" in printed
    assert "regret" not in printed.split("report:")[0]
    with ResultsStore(out, create=False) as store:
        runs = store.runs()
        evals = store.evaluations(with_metrics=True)
    assert runs["final_regret"].isna().all()
    assert runs["final_value"].notna().all()
    assert runs["final_test"].notna().all()
    assert {"metric:val_acc", "metric:test_acc", "metric:params"} <= set(evals.columns)
    for name in ("report.md", "report.html", "tables.tex", "stats.json"):
        assert (out / name).is_file()
    assert "test_acc" in (out / "report.md").read_text()


def test_unwritable_output_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert run_cli("compare", *SMALL, "--out", blocker / "cmp", "--quiet") == 2
    assert f"{blocker} is a file, not a directory" in capsys.readouterr().err
    assert run_cli("compare", *SMALL, "--out", blocker, "--quiet") == 2
    assert blocker.read_text() == "x"


class Failing(Strategy):
    name = "failing"
    description = "raises on its fourth evaluation in odd seeds"

    def ask(self) -> Config:
        return self.space.sample(self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        self._n = getattr(self, "_n", 0) + 1
        if self._n == 4 and self.seed % 2:
            raise RuntimeError("diverged on purpose")


def test_a_failing_strategy_fails_only_its_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = registry_module.registry()
    monkeypatch.setattr(registry_module, "registry", lambda: {**real, "failing": Failing})
    out = tmp_path / "cmp"
    code = run_cli(
        "compare",
        "--strategy",
        "random",
        "--strategy",
        "failing",
        "--seeds",
        "4",
        "--budget",
        "10",
        "--workers",
        "0",  # in this process: the monkeypatched registry exists only here
        "--out",
        out,
        "--quiet",
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "run(s) failed" in err
    assert "RuntimeError: diverged on purpose" in err
    with ResultsStore(out, create=False) as store:
        runs = store.runs()
    assert (runs[runs.strategy == "random"]["status"] == "finished").all()
    failed = runs[runs.status == "failed"]
    assert len(failed) >= 1
    assert failed["error"].str.contains("diverged on purpose").all()
    assert (failed["n_evaluations"] == 4).all()


def test_user_table_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {
            "width": w,
            "depth": d,
            "seed": s,
            "acc": 0.5 + w / 1000 + d / 10 - s / 100,
            "train_s": 5.0 * d,
        }
        for w, d, s in itertools.product([16, 32, 64, 128, 256], [1, 2, 3], range(3))
    ]
    table = tmp_path / "grid.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    code = run_cli(
        "compare",
        "--space",
        f"table:{table}",
        "--strategy",
        "random",
        "--table-objective",
        "acc",
        "--table-cost-column",
        "train_s",
        "--seeds",
        "2",
        "--budget-seconds",
        "60",
        "--workers",
        "1",
        "--out",
        tmp_path / "cmp",
        "--quiet",
    )
    assert code == 0
    assert f"table:{table}: final regret after 60 s" in capsys.readouterr().out
    with ResultsStore(tmp_path / "cmp", create=False) as store:
        runs = store.runs()
    assert (runs["total_cost_seconds"] <= 60).all()


def test_seconds_budget_on_a_table_without_costs_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "nocost.csv"
    pd.DataFrame({"w": [1, 2], "objective": [0.1, 0.2]}).to_csv(table, index=False)
    code = run_cli(
        "compare",
        "--space",
        f"table:{table}",
        "--budget-seconds",
        "10",
        "--out",
        tmp_path / "cmp",
        "--quiet",
    )
    assert code == 2
    assert "records zero training costs" in capsys.readouterr().err


def test_list_shows_spaces_and_strategies(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("list") == 0
    out = capsys.readouterr().out
    for needle in (
        "nb201/cifar10",
        "15,625",
        "fcnet/slice",
        "hpobench-mlp/credit-g",
        "random",
        "Uniform random search",
    ):
        assert needle in out


def test_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cmp"
    assert run_cli("compare", *SMALL, "--workers", "1", "--out", out, "--quiet") == 0
    assert run_cli("export", out, "--format", "csv") == 0
    assert len(pd.read_csv(out / "evaluations.csv")) == 45
    assert run_cli("export", tmp_path / "nothing-here") == 2
    assert "no results store" in capsys.readouterr().err


BIG_BUDGET = 5_000  # long enough a run to interrupt mid-comparison, short enough to test


def _subprocess_compare(out: Path, log: Path) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        "-m",
        "harness",
        "compare",
        "--space",
        "nb201/cifar10",
        "--strategy",
        "random",
        "--seeds",
        "30",
        "--budget",
        str(BIG_BUDGET),
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
    ]
    # Output to files, not pipes: after a SIGKILL the orphaned workers may hold pipes open.
    with log.with_suffix(".out").open("w") as fo, log.with_suffix(".err").open("w") as fe:
        return subprocess.Popen(
            cmd,
            stdout=fo,
            stderr=fe,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=sigint_by_default,
        )


def _count_runs(out: Path) -> int:
    db = out / "results.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return int(con.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _wait_for_runs(out: Path, n: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while _count_runs(out) < n:
        assert proc.poll() is None, "compare ended before it could be interrupted"
        assert time.monotonic() < deadline, "no runs were stored in time"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_or_interrupted_compare_keeps_runs_and_resumes(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "cmp"
    proc = _subprocess_compare(out, tmp_path / "first")
    _wait_for_runs(out, 3, proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        err = (tmp_path / "first.err").read_text()
        assert "run the same command again to resume" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(out / "results.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = con.execute(
            "SELECT r.n_evaluations, count(e.step) FROM runs r JOIN evaluations e USING (run_key) "
            "GROUP BY r.run_key"
        ).fetchall()
    assert 3 <= len(stored) < 30
    assert all(n == BIG_BUDGET and m == BIG_BUDGET for n, m in stored)  # no half-written run
    resumed = _subprocess_compare(out, tmp_path / "second")
    assert resumed.wait(timeout=300) == 0
    stdout = (tmp_path / "second.out").read_text()
    assert f"{30 - len(stored)} run now, {len(stored)} resumed" in stdout
    assert _count_runs(out) == 30
