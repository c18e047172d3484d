"""Worker processes that run a comparison's runs, isolated from the coordinator and each other.

`concurrent.futures.ProcessPoolExecutor` fails every queued run once one worker dies (a
strategy calling ``os._exit``, a segfault, the OOM killer), cannot stop one hung run, and its
forkserver and helper threads outlive a coordinator killed with SIGKILL. This pool is small
and owns each of those cases:

- One pipe per worker, one run at a time per worker. The coordinator waits on every pipe and
  every process sentinel at once, so it sees a result, a dead worker and a deadline alike.
- A dead worker costs only the run it was running: a fresh worker takes its place and the run
  is retried up to ``retries`` times, then stored as failed with the exit code.
- A run past its time limit is first interrupted inside the worker (SIGALRM: the run is
  stored as failed with its evaluations so far); a worker that does not answer within
  `KILL_GRACE_SECONDS` more is killed and the run is stored as failed.
- Workers die with the coordinator: on Linux the kernel kills them when it dies (parent-death
  signal), and on every platform a thread in each worker watches a pipe whose only writer is
  the coordinator and exits the worker when it closes. Workers are started with ``spawn``, so
  they inherit no other process's pipes and no forkserver outlives anyone.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from harness._execute import RunResult, execute_run
from harness._loop import failed_trace
from harness.results import RunSpec
from spaces import TableOptions

KILL_GRACE_SECONDS = 5.0
"""How long a worker may overrun a run's time limit before it is killed."""
EXIT_ORPHANED = 75
"""Exit code of a worker that outlived its coordinator."""
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int, lifeline: Connection) -> None:
    """Make this worker exit as soon as the coordinator ``parent_pid`` is gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        # The coordinator never writes here: the read returns only when its end is closed.
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()
    if os.getppid() != parent_pid:  # died before the parent-death signal was armed
        os._exit(EXIT_ORPHANED)


def _worker_main(
    conn: Connection,
    lifeline: Connection,
    parent_pid: int,
    table_options: TableOptions | None,
    run_timeout: float | None,
) -> None:
    """A worker's life: take a run, send its result, until the coordinator closes the pipe."""
    _die_with_parent(parent_pid, lifeline)
    # Ctrl-C reaches the whole process group; the coordinator decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        conn.send(execute_run(spec, table_options, run_timeout=run_timeout))


@dataclass(slots=True)
class _Task:
    spec: RunSpec
    attempt: int = 1
    deadline: float = float("inf")


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    lifeline: Connection
    task: _Task | None = None

    def stop(self, *, kill: bool) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(OSError):
            self.lifeline.close()
        if kill and self.process.is_alive():
            self.process.kill()


def describe_exit(exitcode: int | None) -> str:
    """A worker's exit status in words: ``exit code 3`` or ``killed by SIGKILL``."""
    if exitcode is None:
        return "no exit code"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def _died(worker: _Worker) -> str:
    return f"worker died: {describe_exit(worker.process.exitcode)}"


def run_in_workers(
    specs: Sequence[RunSpec],
    *,
    workers: int,
    on_result: Callable[[RunSpec, RunResult], None],
    table_options: TableOptions | None = None,
    run_timeout: float | None = None,
    retries: int = 2,
) -> None:
    """Run ``specs`` in ``workers`` processes; ``on_result`` gets each run as it ends.

    Every run ends in exactly one call of ``on_result``, with a failed trace where the run's
    worker died more than ``retries`` times or overran ``run_timeout``. Whatever way this
    function is left (return, exception, Ctrl-C), no worker outlives it.

    Args:
        specs: The runs.
        workers: Worker processes (at least 1; never more than there are runs).
        on_result: Called in this process, one run at a time.
        table_options: How workers read ``table:`` spaces.
        run_timeout: Seconds one run may take (None: no limit).
        retries: How often a run whose worker died is started again.
    """
    ctx = multiprocessing.get_context("spawn")
    queue = deque(_Task(spec) for spec in specs)
    pool: list[_Worker] = []

    def start() -> _Worker:
        ours, theirs = ctx.Pipe()
        life_r, life_w = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_worker_main,
            args=(theirs, life_r, os.getpid(), table_options, run_timeout),
            name="harness-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        life_r.close()
        worker = _Worker(process=process, conn=ours, lifeline=life_w)
        pool.append(worker)
        return worker

    def assign(worker: _Worker) -> None:
        task = queue.popleft()
        limit = float("inf") if run_timeout is None else run_timeout + KILL_GRACE_SECONDS
        task.deadline = time.monotonic() + limit
        worker.task = task
        with contextlib.suppress(OSError):  # a dead worker's sentinel reports it
            worker.conn.send(task.spec)

    def replace(worker: _Worker) -> None:
        worker.stop(kill=True)
        worker.process.join()
        pool.remove(worker)

    def lost(worker: _Worker, reason: str, *, retry: bool) -> None:
        task = worker.task
        replace(worker)
        if task is None:
            return
        if retry and task.attempt <= retries:
            queue.appendleft(_Task(task.spec, attempt=task.attempt + 1))
            return
        attempts = f" ({task.attempt} attempts)" if task.attempt > 1 else ""
        on_result(task.spec, (failed_trace(f"{reason}{attempts}"), [], 0.0))

    try:
        for _ in range(min(workers, len(queue))):
            start()
        while queue or any(w.task is not None for w in pool):
            for worker in [w for w in pool if w.task is None]:
                if not queue:
                    break
                assign(worker)
            while queue and len(pool) < workers:
                assign(start())
            busy = [w for w in pool if w.task is not None]
            now = time.monotonic()
            deadline = min((w.task.deadline for w in busy if w.task), default=now + 1.0)
            timeout = None if deadline == float("inf") else max(deadline - now, 0.0)
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(wait(handles, timeout=timeout))
            for worker in busy:
                task = worker.task
                assert task is not None
                if worker.conn in ready:
                    try:
                        result: RunResult = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join()
                        lost(worker, _died(worker), retry=True)
                        continue
                    worker.task = None
                    on_result(task.spec, result)
                elif worker.process.sentinel in ready:
                    worker.process.join()
                    lost(worker, _died(worker), retry=True)
                elif time.monotonic() >= task.deadline:
                    lost(
                        worker,
                        f"timeout: the run did not end within --run-timeout {run_timeout:g} s "
                        "(worker killed)",
                        retry=False,
                    )
        for worker in pool:
            worker.stop(kill=False)  # closing the pipe ends an idle worker's loop
        for worker in pool:
            worker.process.join(timeout=KILL_GRACE_SECONDS)
    finally:
        for worker in pool:
            worker.stop(kill=True)
        for worker in pool:
            worker.process.join()
