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
from typing import Any, Generic, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

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
    conn: Connection, lifeline: Connection, parent_pid: int, target: Callable[[Any], Any]
) -> None:
    """A worker's life: take a task, send ``target(task)``, until the pipe is closed."""
    _die_with_parent(parent_pid, lifeline)
    # Ctrl-C reaches the whole process group; the coordinator decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(target(task))


@dataclass(slots=True)
class _Job(Generic[Task]):
    task: Task
    attempt: int = 1
    deadline: float = float("inf")


@dataclass(slots=True)
class _Worker(Generic[Task]):
    process: BaseProcess
    conn: Connection
    lifeline: Connection
    job: _Job[Task] | None = None

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


def _died(worker: _Worker[Any]) -> str:
    return f"worker died: {describe_exit(worker.process.exitcode)}"


def run_in_workers(
    tasks: Sequence[Task],
    *,
    workers: int,
    target: Callable[[Task], Result],
    on_result: Callable[[Task, Result], None],
    on_failure: Callable[[Task, str], None],
    timeout: float | None = None,
    retries: int = 2,
) -> None:
    """Run ``target`` on each of ``tasks`` in ``workers`` processes.

    Every task ends in exactly one call, in this process: ``on_result`` with what ``target``
    returned, or ``on_failure`` with the reason where its worker died more than ``retries``
    times or did not answer within ``timeout`` plus `KILL_GRACE_SECONDS`. Whatever way this
    function is left (return, exception, Ctrl-C), no worker outlives it.

    Args:
        tasks: Picklable task descriptions.
        workers: Worker processes (at least 1; never more than there are tasks).
        target: A picklable callable (a module-level function, or a `functools.partial` of
            one) that runs one task in a worker; it should enforce ``timeout`` itself and
            return a failure as a result, since the coordinator can only kill the worker.
        on_result: Gets each task's result as it ends.
        on_failure: Gets each task that could not produce a result, with the reason.
        timeout: Seconds one task may take (None: no limit).
        retries: How often a task whose worker died is started again.
    """
    ctx = multiprocessing.get_context("spawn")
    queue: deque[_Job[Task]] = deque(_Job(task) for task in tasks)
    pool: list[_Worker[Task]] = []

    def start() -> _Worker[Task]:
        ours, theirs = ctx.Pipe()
        life_r, life_w = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_worker_main,
            args=(theirs, life_r, os.getpid(), target),
            name="harness-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        life_r.close()
        worker: _Worker[Task] = _Worker(process=process, conn=ours, lifeline=life_w)
        pool.append(worker)
        return worker

    def assign(worker: _Worker[Task]) -> None:
        job = queue.popleft()
        limit = float("inf") if timeout is None else timeout + KILL_GRACE_SECONDS
        job.deadline = time.monotonic() + limit
        worker.job = job
        with contextlib.suppress(OSError):  # a dead worker's sentinel reports it
            worker.conn.send(job.task)

    def lost(worker: _Worker[Task], reason: str, *, retry: bool) -> None:
        job = worker.job
        worker.stop(kill=True)
        worker.process.join()
        pool.remove(worker)
        if job is None:
            return
        if retry and job.attempt <= retries:
            queue.appendleft(_Job(job.task, attempt=job.attempt + 1))
            return
        attempts = f" ({job.attempt} attempts)" if job.attempt > 1 else ""
        on_failure(job.task, f"{reason}{attempts}")

    try:
        for _ in range(min(workers, len(queue))):
            start()
        while queue or any(w.job is not None for w in pool):
            for worker in [w for w in pool if w.job is None]:
                if not queue:
                    break
                assign(worker)
            while queue and len(pool) < workers:
                assign(start())
            busy = [w for w in pool if w.job is not None]
            now = time.monotonic()
            deadline = min((w.job.deadline for w in busy if w.job), default=now + 1.0)
            wait_for = None if deadline == float("inf") else max(deadline - now, 0.0)
            handles = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(wait(handles, timeout=wait_for))
            for worker in busy:
                job = worker.job
                assert job is not None
                if worker.conn in ready:
                    try:
                        result: Result = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join()
                        lost(worker, _died(worker), retry=True)
                        continue
                    worker.job = None
                    on_result(job.task, result)
                elif worker.process.sentinel in ready:
                    worker.process.join()
                    lost(worker, _died(worker), retry=True)
                elif time.monotonic() >= job.deadline:
                    lost(
                        worker,
                        f"timeout: the run did not end within --run-timeout {timeout:g} s "
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
