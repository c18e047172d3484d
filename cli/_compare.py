"""``python -m harness compare``: check everything, plan, run (resumable), summarise, report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli._arguments import (
    DEFAULT_OUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUNS_FAILED,
    FILE_CONVERTERS,
    MAX_RUNS,
    MAX_SEED,
    MAX_SIM_WORKERS,
    MAX_WORKERS,
    UsageError,
    file_budget,
    shown,
)
from cli._executor import open_cli_executor
from cli._experiment_file import ExperimentFile, load_experiment_file
from cli._outdir import check_output_folder, report_lock
from cli._suites import DEFAULT_SUITE, suite_path
from cli._train import apply_training_arguments
from harness import (
    Budget,
    Comparison,
    RunOutcome,
    RunSpec,
    compare,
    default_run_timeout,
    plan_comparison,
)
from harness.executors import Executor
from harness.results import DB_NAME, ResultsStore
from spaces import TableOptions, pareto_metric
from strategies import parse_strategy_spec

# SQLite's unix VFS opens paths of up to 512 bytes, less its "-journal" suffix (measured with
# SQLite 3.40): a longer --out would only fail once every space had been loaded.
_SQLITE_MAX_PATH = 504


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


def _os_reason(exc: OSError) -> str:
    """The file system's reason alone (``file name too long``): the caller names the path."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _name_max(directory: Path) -> int:
    """Longest file name, in bytes, that ``directory``'s file system takes."""
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):  # no pathconf (Windows), or no answer
        return 255


def check_out_dir(out: Path, flag: str = "--out", *, store: bool = True) -> None:
    """Fail early, before any run, if ``out`` cannot become a comparison directory.

    Args:
        out: The directory.
        flag: How the command line named it (``--out``, ``--to``), for the error.
        store: Whether a results store will be created in it (then its path must suit SQLite).

    Raises:
        UsageError: ``out`` cannot be used; the one-line message names it and the reason.
    """
    try:
        probe, missing = out, []
        while not probe.exists():
            if probe.parent == probe:
                break
            missing.append(probe.name)
            probe = probe.parent
        if probe.exists() and not probe.is_dir():
            raise UsageError(f"{flag} {out}: {probe} is a file, not a directory")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise UsageError(f"{flag} {out}: {probe} is not writable")
        # mkdir would refuse these names, but only after every space had been loaded and with
        # the directories above them already created: refuse them now.
        name_max = _name_max(probe)
        for name in missing:
            if len(os.fsencode(name)) > name_max:
                raise UsageError(
                    f"{flag} {out}: file name too long ({shown(name)} has "
                    f"{len(os.fsencode(name))} bytes, at most {name_max})"
                )
        db = Path(os.path.realpath(probe), *reversed(missing), DB_NAME)
        if store and len(os.fsencode(db)) > _SQLITE_MAX_PATH:
            raise UsageError(
                f"{flag} {out}: path too long for SQLite ({db} has {len(os.fsencode(db))} "
                f"bytes, at most {_SQLITE_MAX_PATH})"
            )
        if out.is_dir() and not os.access(out, os.R_OK):
            raise UsageError(f"{flag} {out}: directory is not readable")
        if (out / DB_NAME).exists() and not os.access(out / DB_NAME, os.R_OK | os.W_OK):
            raise UsageError(f"{flag} {out}: {DB_NAME} is not readable and writable")
    except OSError as exc:
        # The file system's own refusal (a name or path too long, a loop of links...).
        raise UsageError(f"{flag} {out}: {_os_reason(exc)}") from None
    except ValueError as exc:  # a name that cannot be encoded for the file system
        raise UsageError(f"{flag} {shown(str(out))}: {exc}") from None


def _check_compare_limits(args: argparse.Namespace) -> None:
    """Refuse the limits a flag's own parsing cannot check: seeds, --workers, the grid's size.

    Raises:
        UsageError: A limit is exceeded; the message names the values and the limit.
    """
    last = args.first_seed + args.seeds - 1
    if last > MAX_SEED:
        raise UsageError(
            f"--first-seed {args.first_seed} with --seeds {args.seeds}: the last seed would be "
            f"{last}; at most {MAX_SEED} (2**63 - 1, the largest seed the results store keeps)"
        )
    if args.workers > MAX_WORKERS:
        raise UsageError(f"argument --workers: '{args.workers}' must be at most {MAX_WORKERS}")
    spaces, strategies = _compare_selection(args)
    n_spaces, n_strategies = len(spaces), len(strategies)
    if n_spaces * n_strategies * args.seeds > MAX_RUNS:
        raise UsageError(
            f"--seeds {args.seeds} on {n_spaces} space(s) with {n_strategies} strategy(ies) "
            f"makes {n_spaces * n_strategies * args.seeds} runs; at most {MAX_RUNS} per "
            "comparison"
        )


def compare_experiment(args: argparse.Namespace) -> tuple[ExperimentFile, Path]:
    """The experiment file ``compare`` runs from, and its default ``--out``.

    ``--config FILE``, else ``--suite NAME``, else the default suite: a comparison always
    runs from a file, which is recorded in its store.

    Raises:
        UsageError: Both ``--suite`` and ``--config`` are given.
        UnknownSuiteError: ``--suite`` names no shipped suite.
        ExperimentFileError: The file cannot be used.
    """
    if args.config is not None:
        if args.suite is not None:
            raise UsageError("--suite and --config both name the experiment to run; give one")
        return load_experiment_file(args.config, FILE_CONVERTERS), DEFAULT_OUT
    name = DEFAULT_SUITE if args.suite is None else args.suite
    out = DEFAULT_OUT if name == DEFAULT_SUITE else Path("results") / name
    return load_experiment_file(suite_path(name), FILE_CONVERTERS), out


def _default_suite() -> ExperimentFile:
    """The default suite, which fills in what an experiment file leaves out."""
    return load_experiment_file(suite_path(DEFAULT_SUITE), FILE_CONVERTERS)


def _compare_selection(args: argparse.Namespace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The spaces and strategy specs ``compare`` runs.

    Flags replace the experiment file's lists; a list the file leaves out is the default
    suite's. So the strategies compared are always a list someone wrote down, never every
    registered strategy.
    """
    experiment: ExperimentFile | None = getattr(args, "experiment", None)
    spaces = args.space or (experiment.spaces if experiment else None)
    strategies = args.strategy or (experiment.strategies if experiment else None)
    if not spaces or not strategies:
        default = _default_suite()
        spaces = spaces or default.spaces or ()
        strategies = strategies or default.strategies or ()
    return tuple(dict.fromkeys(spaces)), tuple(strategies)


def _sources(args: argparse.Namespace, experiment: ExperimentFile | None) -> tuple[str, ...] | None:
    """The sources named by ``--source`` (or the file's ``sources``); None: the default."""
    named = args.source or (experiment.sources if experiment else None)
    return tuple(named) if named else None


def cmd_compare(args: argparse.Namespace, console: Console, err: Console) -> int:
    _check_compare_limits(args)
    experiment: ExperimentFile | None = getattr(args, "experiment", None)
    spaces, specs_named = _compare_selection(args)
    strategies = [parse_strategy_spec(spec) for spec in specs_named]
    if args.control is not None and args.control.split("(")[0] not in {n for n, _ in strategies}:
        raise UsageError(
            f"--control {shown(args.control)} is not one of the strategies compared: "
            f"{', '.join(dict.fromkeys(n for n, _ in strategies))}"
        )
    from_file = file_budget(experiment) if experiment else None
    if args.budget_seconds is not None:
        budget = Budget(kind="seconds", amount=args.budget_seconds)
    elif args.budget_epochs is not None:
        budget = Budget(kind="epochs", amount=args.budget_epochs)
    elif args.budget is not None or from_file is None:
        budget = Budget(kind="evaluations", amount=args.budget or 100)
    else:
        budget = from_file
    comparison = Comparison(
        spaces=spaces,
        strategies=tuple(strategies),
        seeds=tuple(range(args.first_seed, args.first_seed + args.seeds)),
        budget=budget,
        table_options=_table_options(args),
        metric=_search_metric(args),
        fidelity=args.fidelity,
        report_metric=args.report_metric,
        sources=_sources(args, experiment),
        scalarize=args.scalarize,
        sim_workers=_sim_workers(args),
    )
    check_out_dir(args.out)
    check_output_folder(args.out, flag="--out", force=args.force)
    apply_training_arguments(args)
    specs, _ = plan_comparison(comparison)  # every input checked before any write
    # Started before the store exists: a scheduler that does not answer writes nothing.
    executor = open_cli_executor(args, err)
    try:
        return _run_comparison(args, console, err, comparison, specs, experiment, executor)
    finally:
        executor.close()


def _sim_workers(args: argparse.Namespace) -> int:
    """``--sim-workers``, checked.

    Raises:
        UsageError: More than `MAX_SIM_WORKERS`.
    """
    workers = int(args.sim_workers)
    if workers > MAX_SIM_WORKERS:
        raise UsageError(f"--sim-workers {workers} is more than {MAX_SIM_WORKERS}")
    return workers


def _search_metric(args: argparse.Namespace) -> str | None:
    """The search metric ``--metric`` or ``--objectives`` asks for (None: each space's own).

    Raises:
        UsageError: Both are given, ``--objectives`` names fewer than two metrics, or
            ``--scalarize`` comes without ``--objectives``.
    """
    if args.objectives is None:
        if args.scalarize:
            raise UsageError("--scalarize applies only with --objectives")
        return args.metric  # type: ignore[no-any-return]
    if args.metric is not None:
        raise UsageError("--metric and --objectives both choose what is searched; give one")
    names = [name.strip() for name in args.objectives.split(",")]
    if len(names) < 2 or not all(names):
        raise UsageError(
            f"--objectives {shown(args.objectives)} must name two or more metrics, comma "
            "separated (e.g. test_acc,params)"
        )
    return pareto_metric(names)


def _run_comparison(
    args: argparse.Namespace,
    console: Console,
    err: Console,
    comparison: Comparison,
    specs: list[RunSpec],
    experiment: ExperimentFile | None,
    executor: Executor,
) -> int:
    store = ResultsStore(args.out)
    if experiment is not None:
        store.record_experiment(experiment.path.name, experiment.text)
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
                comparison,
                store,
                executor=executor,
                on_outcome=on_outcome,
                specs=specs,
                run_timeout=(
                    default_run_timeout(comparison.spaces)
                    if args.run_timeout is None
                    else args.run_timeout
                ),
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
        with report_lock(args.out):
            report = build_report(
                args.out,
                family="all-pairs" if args.all_pairs else "vs-best",
                control=args.control,
            )
        from reports import summary_lines

        for line in summary_lines(report.stats):
            console.print(line, markup=False, highlight=False)
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
