"""Executors: where a comparison's runs and a training cache's models are computed.

An executor takes picklable tasks and a picklable target, computes ``target(task)`` somewhere
and hands every result back *to the calling process*, which alone writes the results store
and the training cache. Every task ends in exactly one call: ``on_result`` or ``on_failure``
(with a one-line reason). Three ship with the harness, one module each in this package,
found by name:

- ``inline``: this process, one task after another (debugging; no protection against a task
  that exits or hangs).
- ``processes``: the harness's own pool of worker processes on this machine (the default):
  a dead worker costs only its task (retried), a run past its time limit is stopped, no
  worker outlives the coordinator.
- ``dask``: a Dask cluster - a `distributed.LocalCluster` started and closed here, or an
  existing scheduler (``--scheduler tcp://host:8786``; Kubernetes, Slurm through
  dask-jobqueue). Needs the ``dask`` extra.

A module here that defines ``NAME`` and ``create(*, workers, scheduler)`` is an executor; no
list elsewhere names them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType, TracebackType
from typing import Any, Protocol, Self, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

DEFAULT_EXECUTOR = "processes"
"""The executor of ``compare`` and ``train`` when none is named."""


class ExecutorError(ValueError):
    """An executor that cannot be used (unknown, not installed, unreachable); one line."""


class Executor(Protocol):
    """Computes tasks somewhere and reports each one back to the caller, in the caller."""

    name: str
    workers: int
    """How many tasks run at once (1 for ``inline``)."""

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
        """Compute ``target(task)`` for every task; each ends in one callback, here.

        Args:
            tasks: Picklable task descriptions.
            target: A picklable callable (module-level function or a `functools.partial`).
            on_result: Gets each task's result as it ends.
            on_failure: Gets each task that produced no result, with the reason: its worker
                died more than ``retries`` times, or it outran ``timeout``.
            timeout: Seconds one task may take (None: no limit).
            retries: How often a task whose worker died is started again.
            resources: Worker resources each task needs (Dask's ``{"GPU": 1}``); ignored
                by executors that run on this machine only.
        """
        ...

    def close(self) -> None:
        """Release the workers (idempotent)."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ExecutorBase:
    """What the shipped executors share: use as a context manager, `close` on leaving."""

    def close(self) -> None:
        """Release the workers (nothing to release unless a subclass says otherwise)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@functools.cache
def _modules() -> dict[str, ModuleType]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        if isinstance(name, str) and callable(getattr(module, "create", None)):
            found[name] = module
    return dict(sorted(found.items()))


def executor_names() -> tuple[str, ...]:
    """The executors this installation has, by name."""
    return tuple(_modules())


def open_executor(name: str, *, workers: int, scheduler: str | None = None) -> Executor:
    """Start executor ``name`` (use it as a context manager, or call ``close``).

    Args:
        name: One of `executor_names`.
        workers: Worker processes (``processes``, a Dask ``LocalCluster``); ignored by
            ``inline`` and by an existing Dask scheduler, whose cluster has its own.
        scheduler: An existing Dask scheduler's address (``dask`` only).

    Raises:
        ExecutorError: Unknown name, a scheduler for an executor that takes none, Dask not
            installed, or a scheduler that does not answer.
    """
    modules = _modules()
    if name not in modules:
        raise ExecutorError(f"unknown executor {name!r}; known: {', '.join(modules)}")
    if scheduler is not None and name != "dask":
        raise ExecutorError(f"--scheduler {scheduler!r} needs --executor dask (got {name!r})")
    executor: Executor = modules[name].create(workers=workers, scheduler=scheduler)
    return executor


def executor_option(options: Mapping[str, Any]) -> str:
    """The executor ``compare``/``train`` options name: ``--executor``, else ``--workers 0``."""
    chosen = options.get("executor")
    if chosen:
        return str(chosen)
    return "inline" if options.get("workers") == 0 else DEFAULT_EXECUTOR


__all__ = [
    "DEFAULT_EXECUTOR",
    "Executor",
    "ExecutorBase",
    "ExecutorError",
    "executor_names",
    "executor_option",
    "open_executor",
]
