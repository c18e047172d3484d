"""Command line: ``python -m harness compare | list | export | report``.

A thin layer over the library: parse, validate everything before touching the disk, call
`harness.compare`, print. Every user mistake is one line on stderr and exit code 2; runs that
fail are reported and give exit code 1; Ctrl-C gives 130 with every finished run kept.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness._compare import Comparison, RunOutcome, compare, plan_comparison
from harness._evaluator import Budget
from harness.results import ResultsStore, StoreError, open_results
from spaces import (
    ObjectiveError,
    TableError,
    TableOptions,
    UnknownSpaceError,
    available_spaces,
    sources,
    space_info,
)
from strategies import (
    StrategyOptionError,
    UnknownStrategyError,
    option_defaults,
    parse_strategy_spec,
    registry,
)

DEFAULT_SPACE = "nb201/cifar10"
DEFAULT_OUT = Path("results") / "comparison"
EXIT_OK, EXIT_RUNS_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _whole_number(text: str, *, minimum: int, allowed: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text!r} must be {allowed}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number")


def _non_negative_int(text: str) -> int:
    return _whole_number(text, minimum=0, allowed="a whole number >= 0")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m harness``."""
    parser = _Parser(prog="python -m harness", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    cmp = sub.add_parser("compare", help="run every strategy on every space and seed")
    cmp.add_argument(
        "--space",
        action="append",
        metavar="NAME",
        help=f"space to compare on (repeatable; default {DEFAULT_SPACE}); table:PATH for a CSV "
        "or Parquet file of your own",
    )
    cmp.add_argument(
        "--strategy",
        action="append",
        metavar="NAME[:OPT=VAL,...]",
        help="strategy to run (repeatable; default: all registered), with options",
    )
    cmp.add_argument(
        "--seeds",
        type=_positive_int,
        default=10,
        metavar="N",
        help="run N seeds for every strategy, from --first-seed on (default 10)",
    )
    cmp.add_argument(
        "--first-seed",
        type=_non_negative_int,
        default=0,
        metavar="K",
        help="first run seed (default 0): tune on seeds disjoint from your evidence's, "
        "e.g. --first-seed 100",
    )
    group = cmp.add_mutually_exclusive_group()
    group.add_argument(
        "--budget", type=_positive_int, metavar="N", help="evaluations per run (default 100)"
    )
    group.add_argument(
        "--budget-seconds",
        type=_positive_float,
        metavar="S",
        help="simulated training seconds per run instead of evaluations",
    )
    group.add_argument(
        "--budget-epochs",
        type=_positive_int,
        metavar="E",
        help="training epochs per run (each evaluation costs its fidelity's epochs)",
    )
    cmp.add_argument(
        "--metric",
        metavar="NAME",
        help="search metric of every space (default: each space's own; see `list`)",
    )
    cmp.add_argument(
        "--fidelity",
        type=_positive_int,
        metavar="N",
        help="fidelity (e.g. epochs) of every evaluation (default: each space's largest)",
    )
    cmp.add_argument(
        "--workers",
        type=_positive_int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: CPU count)",
    )
    cmp.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"comparison directory (default {DEFAULT_OUT})",
    )
    cmp.add_argument(
        "--table-objective",
        default="objective",
        metavar="COLUMN",
        help="objective column of table: spaces (default 'objective')",
    )
    cmp.add_argument(
        "--table-direction",
        choices=["maximize", "minimize"],
        default="maximize",
        help="whether the table objective is maximised (default) or minimised",
    )
    cmp.add_argument(
        "--table-seed-column",
        default="seed",
        metavar="COLUMN",
        help="training-seed column of table: spaces (used if present)",
    )
    cmp.add_argument(
        "--table-cost-column",
        default="cost_seconds",
        metavar="COLUMN",
        help="training-seconds column of table: spaces (used if present)",
    )
    cmp.add_argument(
        "--table-test-column",
        metavar="COLUMN",
        help="test-metric column of table: spaces, reported for the incumbent (default: none)",
    )
    cmp.add_argument(
        "--table-config-columns",
        metavar="A,B,...",
        help="config columns of table: spaces (default: all other columns)",
    )
    cmp.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("list", help="list the spaces and strategies")

    exp = sub.add_parser("export", help="write a comparison's runs and evaluations for pandas")
    exp.add_argument("directory", type=Path, help="the comparison directory")
    exp.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    exp.add_argument("--to", type=Path, metavar="DIR", help="where to write (default: DIR)")

    rep = sub.add_parser("report", help="write a comparison's statistical report into it")
    rep.add_argument("directory", type=Path, help="the comparison directory")
    rep.add_argument("--alpha", type=_positive_float, default=0.05, help="significance level")
    rep.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resamples")
    rep.add_argument(
        "--linear-scale", action="store_true", help="plot regret on a linear axis (default: log)"
    )
    return parser


def _table_options(args: argparse.Namespace) -> TableOptions:
    columns = None
    if args.table_config_columns:
        columns = tuple(c.strip() for c in args.table_config_columns.split(",") if c.strip())
    return TableOptions(
        objective=args.table_objective,
        direction=args.table_direction,
        seed_column=args.table_seed_column,
        cost_column=args.table_cost_column,
        config_columns=columns,
        test_column=args.table_test_column,
    )


def _check_out_dir(out: Path) -> None:
    """Fail early, before any run, if ``out`` cannot become a comparison directory."""
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"--out {out}: {probe} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {probe} is not writable")
    if out.is_dir() and not os.access(out, os.R_OK):
        raise UsageError(f"--out {out}: directory is not readable")
    if (out / "results.sqlite").exists() and not os.access(
        out / "results.sqlite", os.R_OK | os.W_OK
    ):
        raise UsageError(f"--out {out}: results.sqlite is not readable and writable")


def _cmd_compare(args: argparse.Namespace, console: Console, err: Console) -> int:
    strategies = []
    for spec in args.strategy or list(registry()):
        strategies.append(parse_strategy_spec(spec))
    if args.budget_seconds is not None:
        budget = Budget(kind="seconds", amount=args.budget_seconds)
    elif args.budget_epochs is not None:
        budget = Budget(kind="epochs", amount=args.budget_epochs)
    else:
        budget = Budget(kind="evaluations", amount=args.budget or 100)
    spaces = tuple(dict.fromkeys(args.space or [DEFAULT_SPACE]))
    comparison = Comparison(
        spaces=spaces,
        strategies=tuple(strategies),
        seeds=tuple(range(args.first_seed, args.first_seed + args.seeds)),
        budget=budget,
        table_options=_table_options(args),
        metric=args.metric,
        fidelity=args.fidelity,
    )
    _check_out_dir(args.out)
    specs, _ = plan_comparison(comparison)  # every input checked before anything is written
    store = ResultsStore(args.out)
    failed: list[RunOutcome] = []
    progress = Progress(
        TextColumn("[bold]compare[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=err,
        disable=args.quiet,
        transient=False,
    )
    try:
        with progress:
            task = progress.add_task("runs", total=len(specs), last="")

            def on_outcome(outcome: RunOutcome) -> None:
                s = outcome.spec
                tag = "resumed" if outcome.skipped else outcome.status
                progress.update(
                    task, advance=1, last=f"{s.strategy} on {s.space} seed {s.seed}: {tag}"
                )
                if outcome.status != "finished":
                    failed.append(outcome)

            outcomes = compare(
                comparison, store, workers=args.workers, on_outcome=on_outcome, specs=specs
            )
    except KeyboardInterrupt:
        n_done = len(store.finished_keys() & {s.key for s in specs})
        store.close()
        err.print(
            f"interrupted: {n_done} of {len(specs)} runs are stored in {args.out}; "
            "run the same command again to resume"
        )
        return EXIT_INTERRUPTED
    runs = store.runs(keys=[s.key for s in specs])
    recorded_spaces = store.spaces()
    store.close()
    from reports import render_summary

    render_summary(runs, console, spaces=recorded_spaces)
    from reports import ReportError, build_report

    try:
        report = build_report(args.out)
        console.print(f"report: {report.directory / 'report.html'} (and report.md, tables.tex)")
    except ReportError as exc:
        err.print(f"no report: {exc}", markup=False)
    n_skipped = sum(o.skipped for o in outcomes)
    console.print(
        f"{len(specs)} runs ({len(specs) - n_skipped} run now, {n_skipped} resumed from the "
        f"store) in {args.out}"
    )
    if failed:
        err.print(f"[red]{len(failed)} run(s) failed[/]; the others completed:")
        for o in failed:
            s = o.spec
            err.print(f"  {s.strategy} on {s.space} seed {s.seed}: {o.error}", markup=False)
        return EXIT_RUNS_FAILED
    return EXIT_OK


def _cmd_list(console: Console) -> int:
    spaces = Table(title="Spaces", title_justify="left")
    for col in ("name", "configs", "dimensions", "search metric", "metrics", "source", "licence"):
        spaces.add_column(col)
    for name in available_spaces():
        info = space_info(name)
        dims = ", ".join(
            f"{d.name}({d.size}{'' if d.kind == 'categorical' else ', ordinal'})"
            for d in info.space.dimensions
        )
        fidelities = (
            f"; fidelities {', '.join(map(str, info.fidelities))} epochs" if info.fidelities else ""
        )
        prov = info.provenance
        spaces.add_row(
            name,
            f"{info.space.n_configs:,}",
            dims,
            f"{info.search_metric} ({info.direction}; {prov.objective_units})",
            ", ".join(info.metrics)
            + (f"; test: {info.test_metric}" if info.test_metric else "")
            + fidelities,
            f"{prov.source}; {prov.hardware}",
            prov.licence,
        )
    for source in sources():
        if source.prefix:
            spaces.add_row(
                f"{source.prefix}PATH", "-", "your columns", "--table-objective", "-", "you", "-"
            )
    console.print(spaces)
    strategies = Table(title="Strategies", title_justify="left")
    for col in ("name", "description", "options (defaults)"):
        strategies.add_column(col)
    for name, cls in registry().items():
        opts = ", ".join(f"{k}={v}" for k, v in option_defaults(cls).items()) or "-"
        strategies.add_row(name, cls.description, opts)
    console.print(strategies)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, console: Console) -> int:
    store = open_results(args.directory)
    try:
        target = args.to or args.directory
        _check_out_dir(target)
        paths = store.export(target, fmt=args.format)
    finally:
        store.close()
    for path in paths:
        console.print(f"wrote {path}")
    return EXIT_OK


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a kill ends like Ctrl-C: workers stopped, finished runs kept


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    # Piped output (files, CI logs, tests) gets wide tables instead of rich's 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    previous: Any = None
    try:
        args = build_parser().parse_args(argv)
        if args.command == "compare":
            previous = signal.signal(signal.SIGTERM, _sigterm)
            return _cmd_compare(args, console, err)
        if args.command == "export":
            return _cmd_export(args, console)
        if args.command == "report":
            from reports import build_report, render_report

            render_report(
                build_report(
                    args.directory,
                    alpha=args.alpha,
                    seed=args.seed,
                    log_scale=not args.linear_scale,
                ),
                console,
            )
            return EXIT_OK
        return _cmd_list(console)
    except (
        UsageError,
        UnknownSpaceError,
        ObjectiveError,
        UnknownStrategyError,
        StrategyOptionError,
        TableError,
        StoreError,
        ValueError,
    ) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Interrupted outside the run loop (while loading, or printing the summary): every
        # run that finished was already committed.
        err.print("interrupted; finished runs are stored: run the same command again to resume")
        return EXIT_INTERRUPTED
    finally:
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
