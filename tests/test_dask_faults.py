"""Fault injection on the Dask executor: real LocalCluster worker processes killed and hung.

The misbehaving plugin strategies and the process helpers are those of `test_faults`: what
holds for the harness's own process pool must hold on Dask too - a dead worker costs a retry,
a run that keeps killing workers fails after a bounded number of tries, a run past its time
limit fails, a killed coordinator loses only unfinished runs and leaves no process behind.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from _procs import session_processes
from test_faults import (  # noqa: F401  (plugin_dir and reference are fixtures used below)
    BIG,
    _check_only_odd_seeds_failed,
    _check_store,
    _compare,
    _runs,
    _start,
    _stored,
    _wait_until,
    plugin_dir,
    reference,
)

from cli import main

pytest.importorskip("distributed", reason="the dask extra is not installed")

DASK = ("--executor", "dask")


def _dask_workers(sid: int) -> list[int]:
    """Pids of the Dask worker processes of the comparison whose session is ``sid``."""
    found = []
    for pid in session_processes(sid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline and pid != sid:
            found.append(pid)
    return found


@pytest.mark.usefixtures("plugin_dir")
def test_a_run_that_keeps_killing_its_worker_fails_after_bounded_tries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    baseline = request.getfixturevalue("reference")
    code = _compare(tmp_path / "cmp", ["random", "os-exit"], 2, *DASK)
    stderr = capsys.readouterr().err
    assert code == 1, stderr
    with pytest.raises(AssertionError, match="worker died"):
        # The pool's wording names the exit code; Dask reports the death without one.
        _check_only_odd_seeds_failed(tmp_path / "cmp", "os-exit", baseline, stderr)
    runs = _runs(tmp_path / "cmp")
    assert {k: v for k, v in runs.items() if k[0] == "random"} == baseline
    failed = [v for k, v in runs.items() if k[0] == "os-exit" and v[0] == "failed"]
    assert failed
    assert all(v[1] == "worker died (3 attempts)" for v in failed), failed


@pytest.mark.usefixtures("plugin_dir")
def test_a_run_asleep_past_its_time_limit_fails_on_dask_and_is_abandoned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    baseline = request.getfixturevalue("reference")
    # A sleep cannot be interrupted in a worker thread: the run is reported and abandoned.
    # (Python code that spins is stopped in its thread: test_executors checks time_limit.)
    name, ending = "sleeps", " (abandoned on its worker)"
    code = _compare(tmp_path / "cmp", ["random", name], 2, *DASK, "--run-timeout", "2")
    stderr = capsys.readouterr().err
    assert code == 1, stderr
    _check_only_odd_seeds_failed(tmp_path / "cmp", name, baseline, stderr)
    failed = [v for k, v in _runs(tmp_path / "cmp").items() if k[0] == name and v[0] == "failed"]
    expected = f"timeout: the run did not end within --run-timeout 2 s{ending}"
    assert failed
    assert all(v[1] == expected for v in failed), failed


@pytest.mark.slow
def test_a_killed_dask_worker_costs_nothing_but_a_retry(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    proc = _start(out, tmp_path / "first", *DASK, "--workers", "2")
    _wait_until(lambda: _stored(out) >= 2, 120, proc)
    workers = _dask_workers(proc.pid)
    assert len(workers) == 2, workers
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(timeout=300) == 0, (tmp_path / "first.err").read_text()
    assert _check_store(out) == 30  # every run once, each complete
    clean = tmp_path / "clean"
    assert main(["compare", *BIG, "--workers", "0", "--out", str(clean), "--quiet"]) == 0
    assert _runs(out) == _runs(clean)


@pytest.mark.slow
def test_a_killed_dask_coordinator_leaves_nothing_running_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    proc = _start(out, tmp_path / "first", *DASK, "--workers", "2")
    _wait_until(lambda: _stored(out) >= 3, 120, proc)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_processes(proc.pid) == [], "Dask processes outlived the killed coordinator"
    stored = _check_store(out)
    assert 3 <= stored < 30
    rerun = _start(out, tmp_path / "second", *DASK, "--workers", "2")
    assert rerun.wait(timeout=300) == 0, (tmp_path / "second.err").read_text()
    assert (
        f"30 runs ({30 - stored} run now, {stored} resumed" in (tmp_path / "second.out").read_text()
    )
    assert _check_store(out) == 30
