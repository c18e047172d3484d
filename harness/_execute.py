"""One run of a comparison, start to end, failing only itself whatever its strategy does.

Used in a worker process and, with ``--workers 0``, in the coordinator itself; either way a
run ends with a trace: finished, or failed with the reason (an exception of any kind from the
strategy, its constructor or its space, or the run's time limit).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import json
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from types import FrameType
from typing import Any

from harness._loop import Interrupted, RunTimedOut, describe_error, run_strategy
from harness._priors import load_prior
from harness.capabilities import Setting, decide, new_models
from harness.run_types import RunSpec, RunTrace, failed_trace
from harness.seeding import strategy_seed
from spaces import TableOptions, load_objective, search_objective
from strategies import build_strategy, get_strategy, registry

NewModels = list[tuple[tuple[int, ...], Any]]
"""Models a run trained into a read-only training cache: (hidden sizes, training run)."""
RunResult = tuple[RunTrace, list[str], float, NewModels]
"""A run's trace, its configs in readable form, its wall seconds, and the models it trained
that its process could not record (a Dask worker's read-only cache; the coordinator records
them)."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `RunTimedOut` in this thread after ``seconds``.

    On the main thread SIGALRM interrupts Python code and sleeps; code stuck inside a C call
    is caught by the coordinator's deadline instead, which kills the worker. Off it (a Dask
    worker's task thread) the exception is set asynchronously in the thread, which Python
    raises at its next bytecode: Python code is stopped, a sleep or C call only once it ends.
    """
    if seconds is None:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        with _thread_time_limit(seconds):
            yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise RunTimedOut(f"the run did not end within --run-timeout {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _thread_time_limit(seconds: float) -> Iterator[None]:
    message = f"the run did not end within --run-timeout {seconds:g} s"

    class _Expired(RunTimedOut):
        def __init__(self) -> None:
            super().__init__(message)

    thread_id = threading.get_ident()
    fired = threading.Event()
    done = threading.Lock()

    def expire() -> None:
        with done:  # never fire once the block has been left
            if not fired.is_set():
                fired.set()
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread_id), ctypes.py_object(_Expired)
                )

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with done:
            fired.set()
            timer.cancel()


def execute_run(
    spec: RunSpec, table_options: TableOptions | None = None, *, run_timeout: float | None = None
) -> RunResult:
    """Run one grid cell; returns its trace, readable configs and wall seconds.

    Never raises for anything the run's own code does: a failure is a failed trace. Only a
    real interrupt (`Interrupted`) passes through.
    """
    start = time.perf_counter()
    objective: object = None
    try:
        # Loading the space is the harness's work, not the run's: the clock starts after it
        # (the coordinator's deadline, a few seconds later, still covers it).
        objective = search_objective(
            load_objective(spec.space, table_options=table_options),
            metric=spec.metric,
            fidelity=spec.fidelity,
        ).reporting(spec.report_metric)
        registry()  # discovering the strategies imports their modules (torch): harness work too
        get_strategy(spec.strategy).warm_up()  # heavy imports: harness work, outside the clock
        # Planning refused what cannot run (a single-objective strategy on several objectives
        # without --scalarize among it); here the plan only says how this run goes.
        plan = decide(
            spec.strategy,
            Setting(objective=objective, budget=spec.budget, sim_workers=spec.sim_workers),
        )
        # Reading the sources is harness work (loading tables), like loading the space.
        priors = (
            [load_prior(name, spec.metric) for name in spec.sources] if plan.reads_prior else None
        )
        with time_limit(run_timeout):
            strategy = build_strategy(
                spec.strategy,
                spec.options,
                objective.space,
                seed=strategy_seed(spec.seed, spec.strategy),
                maximize=objective.maximize,
                budget=spec.budget.evaluations,
                **plan.construction,
            )
            trace = run_strategy(
                strategy,
                objective,
                seed=spec.seed,
                budget=spec.budget,
                fidelity=spec.fidelity,
                workers=spec.sim_workers,
                priors=priors,
            )
            notes: dict[str, Any] = {}
            diagnostics = strategy.diagnostics()
            if diagnostics:
                try:
                    json.dumps(diagnostics, allow_nan=False)
                except (TypeError, ValueError) as exc:
                    raise ValueError(
                        f"diagnostics() returned what JSON cannot hold: {exc}"
                    ) from None
                notes["diagnostics"] = diagnostics
            space = objective.space
            configs = [space.describe(space.config(int(i))) for i in trace.config_index]
        if notes:
            trace = dataclasses.replace(trace, notes={**trace.notes, **notes})
    except Interrupted:
        raise
    except BaseException as exc:  # the constructor, the space or a late timer: this run only
        tb = traceback.format_exc()
        failed = failed_trace(describe_error(exc), tb)
        return failed, [], time.perf_counter() - start, new_models(objective)
    return trace, configs, time.perf_counter() - start, new_models(objective)
