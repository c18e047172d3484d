"""``--executor`` and ``--scheduler``: the options of every command that computes in workers."""

from __future__ import annotations

import argparse

from rich.console import Console

from harness.executors import Executor, executor_names, executor_option, open_executor


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--executor`` and ``--scheduler`` to ``parser``."""
    parser.add_argument(
        "--executor",
        choices=executor_names(),
        default=None,
        help="where the work is computed: processes on this machine (default), inline (this "
        "process, as --workers 0), or dask (a LocalCluster of --workers processes, or the "
        "cluster at --scheduler; needs the dask extra)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask; "
        "its workers then replace --workers)",
    )


def open_cli_executor(args: argparse.Namespace, err: Console) -> Executor:
    """The executor the options ask for, started; tells where Dask's dashboard is.

    Raises:
        ExecutorError: Unknown, not installed, or a scheduler that does not answer (one line).
    """
    executor = open_executor(
        executor_option(vars(args)), workers=args.workers, scheduler=args.scheduler
    )
    dashboard = getattr(executor, "dashboard", None)
    if dashboard and not getattr(args, "quiet", False):
        err.print(
            f"dask: {executor.workers} worker(s); dashboard {dashboard}",
            markup=False,
            highlight=False,
        )
    return executor
