"""The ``dask`` executor: tasks computed on a Dask cluster, results written here.

Without a scheduler address it starts a `distributed.LocalCluster` of ``workers`` processes
(one thread each) and closes it afterwards; with one (``tcp://host:8786``) it connects to an
existing cluster - a Kubernetes deployment, dask-jobqueue's ``SLURMCluster`` - and leaves it
running. Either way:

- Workers compute; this process alone writes the results store and the training cache (SQLite
  must never be shared over a network file system). Workers open the training cache, where
  they can see it, read-only and send back the models they trained with the run's result.
- Results stream back as they finish (`distributed.as_completed`): a coordinator that dies
  loses only the runs still computing, and rerunning the command resumes.
- A worker that dies while computing a task costs a retry on another worker (the task is
  resubmitted under a new key, so it is never recorded twice); a task that kills ``retries +
  1`` workers is reported failed with the reason. The scheduler is told to give up on a task
  after its first killed worker (``distributed.scheduler.allowed-failures = 0``), so the
  retries counted here are the only ones; an external scheduler keeps its own setting.
- A run's time limit is enforced inside the worker's task thread
  (`harness._execute.time_limit` stops Python code); a task still running
  `KILL_GRACE_SECONDS` later (a long sleep, C code) is reported failed and abandoned: Dask
  cannot kill a thread, so it runs on in its worker until it ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.executors import ExecutorBase, ExecutorError
from harness.executors._pool import KILL_GRACE_SECONDS

# Set in Dask workers: the training cache is read there, never written (see module doc).
from spaces.training import READ_ONLY_ENV

Task = TypeVar("Task")
Result = TypeVar("Result")

NAME = "dask"
CONNECT_TIMEOUT_SECONDS = 10.0
"""How long to wait for a scheduler given with ``--scheduler`` to answer."""
WORKERS_WAIT_SECONDS = 10.0
"""How long a scheduler without workers is given to get one before the command gives up."""
INSTALL_HINT = "install the extra: pip install -e '.[dask]' (or pip install 'dask[distributed]')"


def _distributed() -> Any:
    """The ``distributed`` module, untyped (it ships no annotations mypy can use)."""
    import importlib

    module = importlib.import_module("distributed")
    importlib.import_module("distributed.scheduler")
    return module


@dataclass(frozen=True, slots=True)
class Abandoned:
    """What a worker returns for a task that outran its time limit and could not be stopped."""

    seconds: float


def on_worker(
    target: Callable[[Any], Any], task: Any, timeout: float | None, coordinator: int
) -> Any:
    """Run ``target(task)`` in a Dask worker, with the harness's worker settings.

    A worker process (any but the ``coordinator``'s pid) reads training caches read-only
    from then on; a worker thread inside the coordinator (a threads-only cluster) changes
    nothing of its process.

    With a ``timeout`` the target runs in a thread of its own: one still running
    `KILL_GRACE_SECONDS` after the limit (stuck in a sleep or C code, where the in-thread
    limit cannot reach it) is abandoned - left to end on its own - and `Abandoned` returned,
    so the worker takes the next task.
    """
    if os.getpid() != coordinator:
        os.environ[READ_ONLY_ENV] = "1"
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
    if timeout is None:
        return target(task)
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = target(task)
        except BaseException as exc:  # handed to the worker's own thread below
            box["error"] = exc

    thread = threading.Thread(target=work, name="harness-task", daemon=True)
    thread.start()
    thread.join(timeout + KILL_GRACE_SECONDS)
    if thread.is_alive():
        return Abandoned(timeout)
    if "error" in box:
        raise box["error"]
    return box["result"]


class DaskExecutor(ExecutorBase):
    """Tasks on a Dask cluster (see module doc)."""

    name = NAME

    def __init__(self, client: Any, cluster: Any | None, workers: int) -> None:
        self._client = client
        self._cluster = cluster
        self.workers = workers

    @property
    def dashboard(self) -> str | None:
        """The address of Dask's dashboard, where one runs."""
        link = getattr(self._client, "dashboard_link", None)
        return str(link) if link else None

    def run(
        self,
        tasks: Sequence[Task],
        *,
        target: Callable[[Task], Result],
        on_result: Callable[[Task, Result], None],
        on_failure: Callable[[Task, str], None],
        timeout: float | None = None,
        retries: int = 2,
        resources: Mapping[str, float] | None = None,
    ) -> None:
        """See `harness.executors.Executor.run`."""
        distributed = _distributed()
        as_completed = distributed.as_completed
        killed_worker = distributed.scheduler.KilledWorker

        client = self._client
        # A cluster started here shares this machine's devices: resources apply only to an
        # existing cluster, whose GPU workers declare them (``--resources GPU=1``).
        needed = dict(resources) if resources and self._cluster is None else None
        if needed:
            self._check_resources(needed)
        # Each future still computing, by key: (the task's index, the task, its attempt).
        pending: dict[str, tuple[int, Task, int]] = {}
        submitted: dict[str, Any] = {}
        run_id = uuid.uuid4().hex[:8]

        def submit(index: int, task: Task, attempt: int) -> Any:
            key = f"harness-{run_id}-{index}-{attempt}"
            future = client.submit(
                on_worker,
                target,
                task,
                timeout,
                os.getpid(),
                key=key,
                pure=False,
                resources=needed,
            )
            pending[key] = (index, task, attempt)
            submitted[key] = future
            return future

        stream = as_completed([submit(i, task, 1) for i, task in enumerate(tasks)])
        try:
            for future in stream:
                index, task, attempt = pending.pop(future.key)
                submitted.pop(future.key, None)
                if future.status == "finished":
                    result = future.result()
                    future.release()
                    if isinstance(result, Abandoned):
                        on_failure(
                            task,
                            f"timeout: the run did not end within --run-timeout "
                            f"{result.seconds:g} s (abandoned on its worker)",
                        )
                    else:
                        on_result(task, result)
                    continue
                try:
                    error = future.exception()
                except Exception as exc:  # cancelled: the scheduler dropped it with a worker
                    error = exc
                status = future.status
                future.release()
                # A worker's death shows as KilledWorker, or (a task the dead worker held but
                # had not started) as a lost or cancelled future with no exception of its own.
                if isinstance(error, killed_worker) or error is None or status != "error":
                    if attempt <= retries:
                        stream.add(submit(index, task, attempt + 1))
                        continue
                    on_failure(task, f"worker died ({attempt} attempts)")
                    continue
                on_failure(task, f"{type(error).__name__}: {error}".splitlines()[0])
        finally:
            if submitted:  # interrupted: nothing queued (retries included) goes on computing
                with contextlib.suppress(Exception):
                    client.cancel(list(submitted.values()), force=True)

    def _check_resources(self, needed: dict[str, float]) -> None:
        """Refuse work no worker of the cluster could ever take (it would wait for ever)."""
        workers = self._client.scheduler_info().get("workers", {})
        for worker in workers.values():
            have = worker.get("resources") or {}
            if all(have.get(k, 0) >= v for k, v in needed.items()):
                return
        asked = ",".join(f"{k}={v:g}" for k, v in needed.items())
        raise ExecutorError(
            f"no worker of the Dask cluster declares the resources {asked} (of "
            f"{len(workers)} worker(s)); start GPU workers with `dask worker SCHEDULER "
            f"--resources {asked}`"
        )

    def close(self) -> None:
        """Disconnect; a cluster started here is shut down."""
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None


def _shown(address: str) -> str:
    return repr(address if len(address) <= 60 else address[:60] + "...")


def _connect(dask: Any, client_class: Any, scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, or one line saying why there is none.

    The address is first asked who it is (Dask's handshake and the ``identity`` call,
    without a client), in a thread of its own under one deadline: a service that accepts
    and stays silent, or one that answers something else (an HTTP server), ends in
    `ExecutorError` within ``CONNECT_TIMEOUT_SECONDS`` plus a few seconds, never a hang or a
    traceback. Only a scheduler that says it is one gets a client.

    Raises:
        ExecutorError: Nothing answered in time, or what answered is not a Dask scheduler.
    """
    box: dict[str, Any] = {}

    def probe() -> None:
        import asyncio
        import importlib

        rpc = importlib.import_module("distributed.core").rpc  # untyped: used as Any

        async def identity() -> Any:
            remote = rpc(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
            try:
                return await remote.identity()
            finally:
                await remote.close_rpc()

        try:
            with dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT_SECONDS}):
                box["identity"] = asyncio.run(asyncio.wait_for(identity(), CONNECT_TIMEOUT_SECONDS))
        except BaseException as exc:  # what a foreign service provokes: any error at all
            box["error"] = exc

    thread = threading.Thread(target=probe, name="harness-dask-probe", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT_SECONDS + 5.0)
    if thread.is_alive():
        raise ExecutorError(
            f"--scheduler {_shown(scheduler)}: no Dask scheduler answered within "
            f"{CONNECT_TIMEOUT_SECONDS + 5.0:g} s; check the address"
        )
    error = box.get("error")
    identity = box.get("identity")
    kind = identity.get("type") if isinstance(identity, dict) else None
    if error is not None or kind != "Scheduler":
        if error is None:
            reason = f"it says it is {kind!r}" if kind else "it did not say what it is"
        elif isinstance(error, TimeoutError):  # asyncio's too, from Python 3.11 on
            reason = f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
        else:
            text = str(error).strip().splitlines()
            what = f"{type(error).__name__}: {text[0][:100]}" if text else type(error).__name__
            speaks = isinstance(error, OSError) and not isinstance(error, MemoryError)
            reason = what if speaks else "what answered does not speak Dask's protocol"
        raise ExecutorError(
            f"--scheduler {_shown(scheduler)}: no Dask scheduler answered there ({reason}); "
            "check the address and that `dask scheduler` runs there"
        )
    try:
        return client_class(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
    except Exception as exc:  # it answered a moment ago: say what went wrong, in one line
        text = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {text[0][:120]}" if text else type(exc).__name__
        raise ExecutorError(f"--scheduler {_shown(scheduler)}: {reason}") from None


def _wait_for_workers(client: Any, scheduler: str) -> int:
    """The scheduler's workers, waited for up to ``WORKERS_WAIT_SECONDS``.

    Raises:
        ExecutorError: The scheduler still has no worker (closed, one line).
    """
    try:
        client.wait_for_workers(1, timeout=WORKERS_WAIT_SECONDS)
    except Exception:  # dask raises TimeoutError; any failure here means no usable worker
        try:
            seen = len(client.scheduler_info().get("workers", {}))
        except Exception:
            seen = 0
        with contextlib.suppress(Exception):
            client.close()
        raise ExecutorError(
            f"--scheduler {_shown(scheduler)}: the Dask scheduler has no workers ({seen} seen "
            f"after {WORKERS_WAIT_SECONDS:g} s); start some with `dask worker ADDRESS`"
        ) from None
    return max(1, len(client.scheduler_info().get("workers", {})))


def create(*, workers: int, scheduler: str | None = None) -> DaskExecutor:
    """Connect to ``scheduler``, or start a local cluster of ``workers`` processes.

    Raises:
        ExecutorError: Dask is not installed, or the scheduler does not answer.
    """
    try:
        import dask

        distributed = _distributed()
        client_class, cluster_class = distributed.Client, distributed.LocalCluster
    except ImportError:
        raise ExecutorError(
            f"--executor dask needs Dask, which is not installed; {INSTALL_HINT}"
        ) from None
    if scheduler is not None:
        client = _connect(dask, client_class, scheduler)
        return DaskExecutor(client, None, _wait_for_workers(client, scheduler))
    n = max(1, workers)
    # worker-saturation 1.0: a worker holds only the task it computes, none queued behind it.
    # With Dask's default (1.1, rounded up to two tasks per one-thread worker) a run waiting
    # on a worker that another run kills was charged an attempt too, and could fail
    # "worker died" without having started.
    settings = {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(settings):
        cluster = cluster_class(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: two comparisons never collide
            silence_logs=logging.ERROR,
        )
    return DaskExecutor(client_class(cluster), cluster, n)
