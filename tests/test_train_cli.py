"""``python -m harness train`` and trainable spaces through ``compare``, as a user runs them."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _procs import children, session_processes, sigint_by_default

from cli import main


def _rows(cache_dir: Path) -> int:
    files = list((cache_dir / "trained").glob("digits-*.sqlite"))
    if not files:
        return 0
    try:
        with sqlite3.connect(files[0], timeout=5) as con:
            return int(con.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_dry_run_counts_and_estimates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "--space", "mlp2/digits", "--dry-run", "--cache-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "0 of 250 models recorded, 250 to train" in out
    assert "estimated" in out
    assert _rows(tmp_path) == 0  # a dry run trains nothing


def test_dry_run_says_when_the_grid_ships_with_the_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--space", "mlp2/digits", "--dry-run", "--cache-dir", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "mlp2/digits ships with the package (" in out
    assert "mlp2-digits.npz): compare reads that table on --device cpu or auto" in out
    assert "trains nothing" in out


def test_a_plan_of_a_grid_that_does_not_ship_says_only_what_is_left() -> None:
    from harness import TrainPlan

    plan = TrainPlan(
        space="mlp2/fashion-mnist",
        tasks=(),
        total=250,
        recorded=250,
        cache="cache.sqlite",
        recipe_line="recipe",
        recipe=None,
    )
    assert plan.dry_run_summary(workers=2) == (
        "nothing to train: every model of the grid is in the cache"
    )


def test_the_plan_uses_the_cache_folder_of_its_training_context(tmp_path: Path) -> None:
    from harness import plan_training
    from spaces.training import TrainingContext

    plan = plan_training("mlp2/digits", context=TrainingContext(cache_dir=tmp_path))
    assert Path(plan.cache).parent == tmp_path / "trained"
    assert plan.shipped is not None
    assert plan.shipped.endswith("mlp2-digits.npz")
    assert {t.data_dir for t in plan.tasks} == {None}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--space", "mlpwide/digits"], "is open (about 10^9 configs)"),
        (["--space", "nb201/cifar10"], "is a recorded table; there is nothing to train"),
        (["--space", "mlp9/digits"], "unknown space 'mlp9/digits'; trainable grids: mlp2/digits"),
        (["--space", "mlp2/digits", "--seeds", "11"], "--seeds 11: the recipe has seeds 0..9"),
        (["--space", "mlp2/digits", "--device", "cuda"], "cuda"),
        (["--space", "mlp2/fashion-mnist", "--data-dir", "/nonexistent"], "fashion-mnist"),
    ],
)
def test_bad_train_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    if "--device" in args:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
    if "--data-dir" in args:
        args = [*args, "--dry-run"]
    code = main(["train", *args, "--cache-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert message in err


@pytest.mark.slow
def test_train_resumes_after_ctrl_c(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "harness", "train", "--space", "mlp2/digits", "--seeds", "2"]
    cmd += ["--workers", "1", "--cache-dir", str(tmp_path), "--quiet"]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_by_default,
    )
    deadline = time.monotonic() + 240
    while _rows(tmp_path) < 4:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    kept = _rows(tmp_path)
    assert 4 <= kept < 50
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{kept} of 50 models recorded, {50 - kept} to train" in again.stdout
    assert _rows(tmp_path) == 50


@pytest.mark.slow
def test_open_space_trains_on_demand_then_answers_from_the_cache(tmp_path: Path) -> None:
    args = ["compare", "--space", "mlpwide/digits", "--strategy", "random", "--strategy"]
    args += ["local-search", "--budget", "4", "--seeds", "2", "--workers", "2", "--quiet"]
    env_cache = ["--cache-dir", str(tmp_path / "cache")]
    assert main([*args, *env_cache, "--out", str(tmp_path / "one")]) == 0
    trained = _rows(tmp_path / "cache")
    assert 0 < trained <= 16
    start = time.perf_counter()
    assert main([*args, *env_cache, "--out", str(tmp_path / "two")]) == 0
    assert time.perf_counter() - start < 60
    assert _rows(tmp_path / "cache") == trained  # the second command trained nothing
    one = json.loads((tmp_path / "one" / "stats.json").read_text())
    two = json.loads((tmp_path / "two" / "stats.json").read_text())
    assert one == two


def test_shipped_grid_compares_at_once_with_regret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.perf_counter()
    code = main(
        [
            "compare",
            "--space",
            "mlp3/digits",
            "--strategy",
            "random",
            "--seeds",
            "3",
            "--budget",
            "10",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "cmp"),
            "--quiet",
        ]
    )
    assert code == 0
    assert time.perf_counter() - start < 60
    out = capsys.readouterr().out
    # Searched on val_acc, ranked on test_acc (the space's report metric, its optimum known).
    assert "mlp3/digits: final test_acc regret (report metric) after 10 evaluations" in out
    assert "(search" in out  # the search metric's column (its header may wrap)


@pytest.mark.slow
def test_nothing_outlives_a_train_killed_with_sigkill(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "harness", "train", "--space", "mlp3/digits", "--seeds", "2"]
    cmd += ["--workers", "2", "--cache-dir", str(tmp_path), "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(children(proc.pid)) < 3 or _rows(tmp_path) < 2:  # 2 workers + resource tracker
        assert proc.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session_processes(proc.pid) == []
    kept = _rows(tmp_path)
    # The cache opens, keeps every finished model, and the rerun would train the rest.
    again = subprocess.run([*cmd, "--dry-run"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{kept} of 128 models recorded, {128 - kept} to train" in again.stdout
