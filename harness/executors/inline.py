"""The ``inline`` executor: every task in this process, one after another (for debugging).

A task that exits the process ends the command; one stuck in C code cannot be timed out.
Exceptions from the target propagate: the caller sees its traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from harness.executors import ExecutorBase

Task = TypeVar("Task")
Result = TypeVar("Result")

NAME = "inline"


class InlineExecutor(ExecutorBase):
    """Runs each task here, in order."""

    name = NAME
    workers = 1

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
        """See `harness.executors.Executor.run` (``timeout`` is the target's to enforce)."""
        for task in tasks:
            on_result(task, target(task))


def create(*, workers: int, scheduler: str | None = None) -> InlineExecutor:
    """The inline executor (``workers`` and ``scheduler`` do not apply)."""
    return InlineExecutor()
