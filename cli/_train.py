"""``python -m harness train``: fill a trainable grid's cache, with progress, resumable."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cli._executor import add_executor_arguments, open_cli_executor
from harness import (
    TrainPlan,
    TrainTask,
    export_if_complete,
    plan_training,
    run_training,
)
from harness.executors import Executor
from spaces import space_fill
from spaces.training import DATA_DIR_ENV, DEVICE_ENV, TrainingContext

DEVICES = ("auto", "cpu", "cuda")
CACHE_DIR_ENV = "HARNESS_CACHE_DIR"


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that may train shares."""
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default=None,
        help="where trainable spaces train what the cache misses (default cpu; auto: cuda "
        "where present)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help=f"training caches and converted tables (default ${CACHE_DIR_ENV} or "
        "~/.cache/nas-harness)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"folder with the fashion-mnist IDX files (default ${DATA_DIR_ENV}, else "
        "Debian's dataset-fashion-mnist)",
    )


def apply_training_arguments(args: argparse.Namespace) -> str:
    """Pass the training options on through the environment (worker processes inherit it).

    Returns:
        The device asked for.
    """
    if args.cache_dir is not None:
        os.environ[CACHE_DIR_ENV] = str(args.cache_dir)
    if args.data_dir is not None:
        os.environ[DATA_DIR_ENV] = str(args.data_dir)
    device: str = args.device or TrainingContext.from_environment().device
    os.environ[DEVICE_ENV] = device
    return device


def saved_environment() -> dict[str, str | None]:
    """The training variables as they are, for `restore_environment`."""
    return {k: os.environ.get(k) for k in (CACHE_DIR_ENV, DATA_DIR_ENV, DEVICE_ENV)}


def restore_environment(saved: dict[str, str | None]) -> None:
    """Undo `apply_training_arguments` (``main`` may be called again in one process)."""
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def recorded_fill(space: str) -> str:
    """How much of ``space`` is recorded, for ``list``: all of a table, a cache's fill."""
    return space_fill(space)


def add_train_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``train``."""
    train = sub.add_parser(
        "train",
        help="train a grid's missing models into its cache (resumable)",
        description="Train every configuration of a trainable space's grid that its training\n"
        "cache lacks, with each training seed; interrupted, it resumes where it stopped.",
        epilog="examples:\n"
        "  what would be trained, and about how long it takes:\n"
        "    python -m harness train --space mlp2/digits --dry-run\n"
        "\n"
        "  train the grid with 3 seeds on 2 processes:\n"
        "    python -m harness train --space mlp3/digits --seeds 3 --workers 2\n"
        "\n"
        "  on a Dask cluster whose GPU workers declare --resources GPU=1:\n"
        "    python -m harness train --space mlp3/fashion-mnist --device cuda \\\n"
        "        --executor dask --scheduler tcp://10.0.0.5:8786",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("--space", required=True, metavar="NAME", help="mlp2/... or mlp3/...")
    train.add_argument(
        "--seeds", type=int, metavar="N", help="training seeds 0..N-1 (default: the recipe's 10)"
    )
    train.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="processes, one config each (default: CPU count; 0: this process)",
    )
    add_executor_arguments(train)
    train.add_argument(
        "--dry-run", action="store_true", help="print what would be trained and how long"
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    add_training_arguments(train)


def cmd_train(args: argparse.Namespace, console: Console, err: Console) -> int:
    """Run ``train``; returns the exit code (interrupts propagate: everything done is kept)."""
    if args.workers < 0 or args.workers > 256:
        raise ValueError(f"--workers {args.workers}: must be 0..256")
    device = apply_training_arguments(args)
    # On an existing Dask cluster the models train on its workers, which may have the GPU
    # this machine lacks: --device cuda is then not checked here (the workers check it).
    here = args.scheduler is None
    # A scheduler is checked before anything is planned, printed or created (the cache file
    # included): an address that does not answer is one line and leaves nothing behind.
    executor = open_cli_executor(args, err) if not here and not args.dry_run else None
    try:
        return _train(args, console, err, device, here, executor)
    finally:
        if executor is not None:
            executor.close()


def _train(
    args: argparse.Namespace,
    console: Console,
    err: Console,
    device: str,
    here: bool,
    executor: Executor | None,
) -> int:
    """`cmd_train` once its executor (for a Dask scheduler) is known to work."""
    plan = plan_training(args.space, seeds=args.seeds, device=device, device_here=here)
    console.print(
        f"{plan.space}: {plan.recorded} of {plan.total} models recorded, {plan.missing} to "
        f"train\n  recipe: {plan.recipe_line}\n  cache: {plan.cache}",
        markup=False,
        highlight=False,
    )
    if args.dry_run:
        console.print(plan.dry_run_summary(workers=args.workers), markup=False, highlight=False)
        return 0
    if plan.missing:
        owned = executor is None
        executor = open_cli_executor(args, err) if executor is None else executor
        try:
            failed = _train_with_progress(args, err, plan, executor)
        finally:
            if owned:
                executor.close()
        if failed:
            for t, reason in failed:
                err.print(f"  {t.hidden} seeds {list(t.seeds)}: {reason}", markup=False)
            err.print(f"{len(failed)} config(s) failed; run the same command again to retry")
            return 1
    exported = (
        export_if_complete(plan.space, device=device, device_here=here)
        if args.seeds is None
        else None
    )
    if exported:
        console.print(f"grid complete: table {exported}", markup=False, highlight=False)
    return 0


def _train_with_progress(
    args: argparse.Namespace, err: Console, plan: TrainPlan, executor: Executor
) -> list[tuple[TrainTask, str]]:
    """Train ``plan`` on ``executor`` under a progress bar; returns the failed tasks."""
    progress = Progress(
        TextColumn("[bold]train[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("models"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=args.quiet,
    )
    with progress:
        task = progress.add_task("models", total=plan.missing, rate="")

        def on_models(n: int) -> None:
            progress.advance(task, n)
            elapsed = progress.tasks[task].elapsed or 0.0
            done = progress.tasks[task].completed
            if elapsed > 0:
                progress.update(task, rate=f"{done / elapsed:.2f} models/s")

        return run_training(plan, executor=executor, on_models=on_models)
