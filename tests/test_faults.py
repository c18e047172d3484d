"""Fault injection: misbehaving plugin strategies, dead workers, killed coordinators.

Every strategy here is a real plugin, installed as a package with an entry point in the
``harness.strategies`` group, so worker processes find it the way they find a user's.
Whatever a strategy does, only its own runs fail, with their reason; the exit code says so;
the other strategies' runs are exactly what they are without it; nothing outlives a
coordinator killed with SIGKILL.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _plugin import installed_plugin
from _procs import children, session_processes

from cli import main
from harness import ResultsStore

soak = pytest.mark.skipif(os.environ.get("HARNESS_SOAK") != "1", reason="soak: set HARNESS_SOAK=1")

# Each strategy misbehaves only in runs whose strategy seed is odd, so that every one of them
# also has runs that finish: a failure must stay inside its own run.
PLUGIN = """
import os, signal, sys, time
from strategies import Strategy


class _Base(Strategy):
    description = "misbehaves in odd-seeded runs (fault-injection tests)"

    def ask(self):
        self._n = getattr(self, "_n", 0) + 1
        if self.seed % 2 and self._n == 3:
            self.misbehave()
        return self.space.sample(self.rng)

    def tell(self, config, observation):
        pass


class SysExit(_Base):
    name = "sys-exit"
    def misbehave(self):
        sys.exit(3)


class CtrlC(_Base):
    name = "raises-ctrl-c"
    def misbehave(self):
        raise KeyboardInterrupt


class BadConfig(_Base):
    name = "bad-config"
    def misbehave(self):
        self.misbehave = lambda: None
        raise_later = ("not", "a", "config")
        self.ask = lambda: raise_later


class BadConstructor(_Base):
    name = "bad-constructor"
    def __init__(self, space, *, seed, **kwargs):
        if seed % 2:
            raise TypeError("cannot be built for this seed")
        super().__init__(space, seed=seed, **kwargs)


class OsExit(_Base):
    name = "os-exit"
    def misbehave(self):
        os._exit(3)


class Segfault(_Base):
    name = "segfault"
    def misbehave(self):
        os.kill(os.getpid(), signal.SIGSEGV)


class Sleeps(_Base):
    name = "sleeps"
    def misbehave(self):
        time.sleep(3600)


class SpinsDeaf(_Base):
    name = "spins-deaf"
    def misbehave(self):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)  # deaf to the soft time limit
        while True:
            pass
"""

NAMES = {
    "sys-exit": "SysExit",
    "raises-ctrl-c": "CtrlC",
    "bad-config": "BadConfig",
    "bad-constructor": "BadConstructor",
    "os-exit": "OsExit",
    "segfault": "Segfault",
    "sleeps": "Sleeps",
    "spins-deaf": "SpinsDeaf",
}
EXPECTED_ERROR = {
    "sys-exit": "SystemExit: 3",
    "raises-ctrl-c": "KeyboardInterrupt",
    "bad-config": "InvalidConfigError: ask() returned ('not', 'a', 'config')",
    "bad-constructor": "TypeError: cannot be built for this seed",
    "os-exit": "worker died: exit code 3 (3 attempts)",
    "segfault": "worker died: killed by SIGSEGV (3 attempts)",
    "sleeps": "timeout: the run did not end within --run-timeout 2 s",
    "spins-deaf": "timeout: the run did not end within --run-timeout 2 s (worker killed)",
}
SEEDS = 4
BUDGET = 8


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The misbehaving strategies, installed as a plugin package for this module's tests."""
    with installed_plugin(tmp_path_factory.mktemp("plugin"), "misbehaving", PLUGIN, NAMES) as root:
        yield root


def _compare(out: Path, strategies: list[str], workers: int, *extra: str) -> int:
    args = ["compare", "--space", "nb201/cifar10", "--seeds", str(SEEDS), "--budget", str(BUDGET)]
    for name in strategies:
        args += ["--strategy", name]
    return main([*args, "--workers", str(workers), "--out", str(out), "--quiet", *extra])


def _runs(out: Path) -> dict[tuple[str, int], tuple[str, str | None, float, int]]:
    with ResultsStore(out, create=False) as store:
        frame = store.runs()
    return {
        (r.strategy, r.seed): (
            r.status,
            r.error if isinstance(r.error, str) else None,  # pandas reads NULL as NaN or None
            r.final_regret,
            r.n_evaluations,
        )
        for r in frame.itertuples()
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], tuple]:
    """The runs of a well-behaved strategy alone, for comparison."""
    out = tmp_path_factory.mktemp("reference") / "cmp"
    assert _compare(out, ["random"], 0) == 0
    return _runs(out)


def _check_only_odd_seeds_failed(
    out: Path, name: str, reference: dict[tuple[str, int], tuple], stderr: str
) -> None:
    runs = _runs(out)
    assert {k: v for k, v in runs.items() if k[0] == "random"} == reference
    with ResultsStore(out, create=False) as store:
        frame = store.runs()
    ours = frame[frame.strategy == name]
    assert len(ours) == SEEDS
    from harness.seeding import strategy_seed

    for row in ours.itertuples():
        if strategy_seed(int(row.seed), name) % 2:
            assert row.status == "failed", row
            assert row.error.startswith(EXPECTED_ERROR[name]), row.error
            assert f"{name} on nb201/cifar10 seed {row.seed}: {row.error}" in stderr
        else:
            assert row.status == "finished", row
            assert row.n_evaluations == BUDGET
    n_failed = int((ours.status == "failed").sum())
    assert n_failed > 0, "no odd strategy seed among the seeds: pick other seeds"
    assert f"{n_failed} run(s) failed" in stderr


IN_PROCESS = ["sys-exit", "raises-ctrl-c", "bad-config", "bad-constructor", "sleeps"]


@pytest.mark.usefixtures("plugin_dir")
@pytest.mark.parametrize("workers", [0, 1, 2])
@pytest.mark.parametrize("name", IN_PROCESS)
def test_a_strategy_raising_anything_fails_only_its_own_runs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    reference: dict[tuple[str, int], tuple],
    name: str,
    workers: int,
) -> None:
    if name == "sleeps" and workers == 1:
        pytest.skip("covered with 0 and 2 workers; each costs a timeout")
    code = _compare(tmp_path / "cmp", ["random", name], workers, "--run-timeout", "2")
    stderr = capsys.readouterr().err
    assert code == 1, stderr  # a failed run is never a silent success
    _check_only_odd_seeds_failed(tmp_path / "cmp", name, reference, stderr)


@pytest.mark.usefixtures("plugin_dir")
@pytest.mark.parametrize("name", ["os-exit", "segfault", "spins-deaf"])
def test_a_strategy_killing_or_hanging_its_worker_fails_only_its_own_runs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    reference: dict[tuple[str, int], tuple],
    name: str,
) -> None:
    code = _compare(tmp_path / "cmp", ["random", name], 2, "--run-timeout", "2")
    stderr = capsys.readouterr().err
    assert code == 1, stderr
    _check_only_odd_seeds_failed(tmp_path / "cmp", name, reference, stderr)


@pytest.mark.usefixtures("plugin_dir")
def test_a_real_ctrl_c_in_process_stops_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The strategy's own KeyboardInterrupt fails its run (above); a SIGINT stops everything.
    def interrupt_soon() -> None:
        os.kill(os.getpid(), signal.SIGINT)

    import threading

    timer = threading.Timer(1.0, interrupt_soon)
    timer.start()
    try:
        code = _compare(tmp_path / "cmp", ["sleeps"], 0, "--run-timeout", "30")
    finally:
        timer.cancel()
    assert code == 130
    assert "run the same command again to resume" in capsys.readouterr().err


# -- processes: killed workers, killed coordinators ------------------------------------------


BIG = ["--space", "nb201/cifar10", "--strategy", "random", "--seeds", "30", "--budget", "5000"]


def _start(out: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "harness", "compare", *BIG, "--out", str(out), "--quiet"]
    with log.with_suffix(".out").open("w") as fo, log.with_suffix(".err").open("w") as fe:
        # A session of its own: every process of the comparison is found by its session id.
        return subprocess.Popen(
            [*cmd, *extra], stdout=fo, stderr=fe, start_new_session=True, env=os.environ.copy()
        )


def _stored(out: Path) -> int:
    try:
        with sqlite3.connect(out / "results.sqlite", timeout=5) as con:
            return int(con.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _wait_until(predicate: object, seconds: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert proc.poll() is None, "compare ended too early"
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _check_store(out: Path) -> int:
    with sqlite3.connect(out / "results.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = con.execute(
            "SELECT r.status, r.n_evaluations, count(e.step) FROM runs r "
            "LEFT JOIN evaluations e USING (run_key) GROUP BY r.run_key"
        ).fetchall()
    assert all(s == "finished" and n == m == 5000 for s, n, m in stored), stored
    return len(stored)


def _kill_coordinator_and_check(tmp_path: Path, delay: float, tag: str) -> None:
    out = tmp_path / f"cmp-{tag}"
    proc = _start(out, tmp_path / tag, "--workers", "2")
    _wait_until(lambda: len(children(proc.pid)) >= 2, 60, proc)
    time.sleep(delay)
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session_processes(proc.pid) == [], "processes outlived the killed coordinator"
    if (out / "results.sqlite").exists():
        _check_store(out)


@pytest.mark.slow
def test_nothing_outlives_a_coordinator_killed_with_sigkill(tmp_path: Path) -> None:
    for i, delay in enumerate((0.0, 0.3, 1.5)):
        _kill_coordinator_and_check(tmp_path, delay, f"kill{i}")


@pytest.mark.slow
def test_a_killed_worker_costs_nothing_but_a_retry(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    proc = _start(out, tmp_path / "first", "--workers", "2")
    _wait_until(lambda: _stored(out) >= 2, 120, proc)
    # The coordinator's children are its workers and multiprocessing's resource tracker.
    workers = [
        p for p in children(proc.pid) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(timeout=300) == 0, (tmp_path / "first.err").read_text()
    assert _check_store(out) == 30
    # Identical to the same comparison with no worker killed, run by run.
    clean = tmp_path / "clean"
    assert main([*(["compare", *BIG]), "--workers", "0", "--out", str(clean), "--quiet"]) == 0
    killed_runs, clean_runs = _runs(out), _runs(clean)
    assert killed_runs == clean_runs


@soak
def test_soak_kill_coordinator_at_random_moments_then_resume(tmp_path: Path) -> None:
    rng = random.Random(20)
    out = tmp_path / "cmp"
    for i in range(20):
        proc = _start(out, tmp_path / f"run{i}", "--workers", "2")
        time.sleep(rng.uniform(0.0, 4.0))
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        time.sleep(5)
        assert session_processes(proc.pid) == []
        if (out / "results.sqlite").exists():
            _check_store(out)
    final = _start(out, tmp_path / "final", "--workers", "2")
    assert final.wait(timeout=600) == 0
    assert _check_store(out) == 30
