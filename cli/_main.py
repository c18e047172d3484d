"""The command line's entry: parse, dispatch to a command, turn every user mistake into one line.

A thin layer over the library: parse, validate everything before touching the disk, call
`harness.compare`, print. Every user mistake is one line on stderr and exit code 2; runs that
fail are reported and give exit code 1; Ctrl-C gives 130 with every finished run kept.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

from rich.console import Console

from cli._arguments import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    LINE_BREAKS,
    SHOWN_CHARS,
    UsageError,
    shown,
)
from cli._compare import check_out_dir, cmd_compare, compare_experiment
from cli._experiment import cmd_experiment
from cli._list import cmd_list
from cli._outdir import OutputFolderError, check_output_folder, experiment_out, report_lock
from cli._parser import build_parser
from cli._suites import UnknownSuiteError
from cli._train import cmd_train, restore_environment, saved_environment
from harness import Interrupted
from harness.results import StoreError, open_results
from spaces import ObjectiveError, TableError, UnknownSpaceError
from spaces import broken_plugins as space_plugins
from strategies import StrategyOptionError, UnknownStrategyError
from strategies import broken_plugins as strategy_plugins


def _cmd_export(args: argparse.Namespace, console: Console) -> int:
    store = open_results(args.directory)
    try:
        target = args.to or args.directory
        flag = "--to" if args.to else "export"
        check_out_dir(target, flag, store=False)
        check_output_folder(target, flag=flag, force=args.force or args.to is None)
        paths = store.export(target, fmt=args.format)
    finally:
        store.close()
    for path in paths:
        console.print(f"wrote {path}")
    return EXIT_OK


def _warn_broken_plugins(err: Console) -> None:
    """One line per installed plugin that was skipped (it cannot be imported or used)."""
    for kind, broken in (("strategy", strategy_plugins()), ("space", space_plugins())):
        for name, reason in broken.items():
            err.print(
                f"warning: {kind} plugin {shown(name)} skipped ({reason})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


# A run of 1,000 characters without a space or slash is no name a user typed (file names
# stop at 255 bytes); nor is anything longer than the longest path (4,096 bytes).
_LONG_RUN = re.compile(r"[^\s/]{1000,}|\S{4097,}")
_MAX_ERROR_CHARS = 5000


def _one_line(text: str) -> str:
    """``text`` as one readable line: line breaks escaped, over-long values elided.

    A value may hold a line break, and a value of 100 kB pasted by mistake would make the
    error unreadable: every run of 1,000 characters or more without a space or a slash (or
    longer than any path) keeps its first `SHOWN_CHARS` and says how long it was, and the
    line is cut at 5,000 characters.
    """
    flat = "".join(repr(c)[1:-1] if c in LINE_BREAKS else c for c in text)
    short = _LONG_RUN.sub(lambda m: f"{m.group(0)[:SHOWN_CHARS]}...({len(m.group(0))} chars)", flat)
    if len(short) > _MAX_ERROR_CHARS:
        short = f"{short[:_MAX_ERROR_CHARS]}... ({len(short)} characters)"
    return short


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted  # a kill ends like Ctrl-C: workers stopped, finished runs kept


def _piped_width() -> int:
    """Console width when not writing to a terminal: ``COLUMNS`` where set, else 160."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 160


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    # Piped output (files, CI logs, tests) gets wide tables instead of rich's 80 columns.
    # Piped output (files, CI logs, tests) gets wide tables instead of rich's 80 columns,
    # unless COLUMNS says how wide it may be.
    piped = _piped_width()
    console = Console(width=None if sys.stdout.isatty() else piped)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else piped)
    previous: Any = None
    environment = saved_environment()
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = build_parser({"out": None}).parse_args(argv)  # out None: no --out given
        if args.command in ("compare", "list", "experiment"):
            _warn_broken_plugins(err)
        if args.command == "compare":
            experiment, default_out = compare_experiment(args)
            options = dict(experiment.options)
            if "out" in options and args.out is None:
                # The file's out lands inside the file's own folder, never where a
                # downloaded file would like it to; --out overrides it. Shown before any run.
                options["out"] = experiment_out(options["out"], experiment.path)
                err.print(f"writing to {options['out']} (out of {experiment.path})", markup=False)
            args = build_parser({"out": default_out, **options}).parse_args(argv)
            args.experiment = experiment
        if args.command == "compare":
            previous = signal.signal(signal.SIGTERM, _sigterm)
            return cmd_compare(args, console, err)
        args.argv = argv
        if args.command == "experiment":
            previous = signal.signal(signal.SIGTERM, _sigterm)
            return cmd_experiment(args, console, err)
        if args.command == "train":
            previous = signal.signal(signal.SIGTERM, _sigterm)
            return cmd_train(args, console, err)
        if args.command == "export":
            return _cmd_export(args, console)
        if args.command == "report":
            from reports import build_report, render_report

            open_results(args.directory).close()  # a folder without a store: one line, no lock
            check_output_folder(args.directory, flag="report")
            with report_lock(args.directory):
                report = build_report(
                    args.directory,
                    alpha=args.alpha,
                    seed=args.seed,
                    log_scale=not args.linear_scale,
                    family="all-pairs" if args.all_pairs else "vs-best",
                    control=args.control,
                )
            render_report(report, console)
            return EXIT_OK
        return cmd_list(args, console, build_parser())
    except (
        UsageError,
        OutputFolderError,
        UnknownSpaceError,
        ObjectiveError,
        UnknownStrategyError,
        UnknownSuiteError,
        StrategyOptionError,
        TableError,
        StoreError,
        ValueError,
    ) as exc:
        err.print(
            f"error: {_one_line(str(exc))}",
            markup=False,
            highlight=False,
            emoji=False,  # a value such as ':smile:' is shown as typed
            soft_wrap=True,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Interrupted outside the run loop (while loading, or printing the summary): every
        # run that finished was already committed.
        err.print("interrupted; finished runs are stored: run the same command again to resume")
        return EXIT_INTERRUPTED
    finally:
        restore_environment(environment)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def entry() -> NoReturn:
    """Console-script entry point (also ``python -m harness``)."""
    code = main()
    if code == EXIT_INTERRUPTED:
        # Every finished run is committed and the store closed. Exit at once: a process-pool
        # thread may still wait for the rest of a result that a stopped worker was sending,
        # and the interpreter's exit would join that thread for ever.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
