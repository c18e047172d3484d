"""The ``processes`` executor: the harness's own worker processes on this machine (default).

See `harness.executors._pool` for what it guarantees: a dead worker costs only its task
(retried), a task past its time limit is stopped, no worker outlives the coordinator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from harness.executors import ExecutorBase
from harness.executors._pool import run_in_workers

Task = TypeVar("Task")
Result = TypeVar("Result")

NAME = "processes"


class ProcessExecutor(ExecutorBase):
    """A fresh pool of ``workers`` spawned processes per `run` call."""

    name = NAME

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"the processes executor needs at least 1 worker, got {workers}")
        self.workers = workers

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
        """See `harness.executors.Executor.run` (``resources`` do not apply here)."""
        run_in_workers(
            tasks,
            workers=self.workers,
            target=target,
            on_result=on_result,
            on_failure=on_failure,
            timeout=timeout,
            retries=retries,
        )


def create(*, workers: int, scheduler: str | None = None) -> ProcessExecutor:
    """A pool of ``workers`` processes (at least 1)."""
    return ProcessExecutor(max(1, workers))
