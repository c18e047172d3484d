"""Command line: ``python -m harness compare | list | export | report``.

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
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness._cli_executor import add_executor_arguments, open_cli_executor
from harness._cli_experiment import add_experiment_parser, cmd_experiment
from harness._cli_train import (
    DEVICES,
    add_train_parser,
    add_training_arguments,
    apply_training_arguments,
    cmd_train,
    recorded_fill,
    restore_environment,
    saved_environment,
)
from harness._compare import (
    RECORDED_RUN_TIMEOUT,
    TRAINED_RUN_TIMEOUT,
    Comparison,
    RunOutcome,
    compare,
    default_run_timeout,
    plan_comparison,
)
from harness._experiment_file import ExperimentFile, load_experiment_file
from harness._loop import Interrupted
from harness._outdir import (
    OutputFolderError,
    check_output_folder,
    experiment_out,
    report_lock,
)
from harness._suites import (
    DEFAULT_SUITE,
    UnknownSuiteError,
    available_suites,
    first_sentence,
    suite_path,
)
from harness.executors import Executor, executor_names
from harness.results import DB_NAME, ResultsStore, RunSpec, StoreError, open_results
from harness.run_types import MAX_EVALUATIONS, Budget
from spaces import (
    ObjectiveError,
    SpaceInfo,
    TableError,
    TableOptions,
    UnknownSpaceError,
    available_spaces,
    pareto_metric,
    sources,
    space_info,
)
from spaces import (
    broken_plugins as space_plugins,
)
from strategies import (
    StrategyOptionError,
    UnknownStrategyError,
    option_defaults,
    parse_strategy_spec,
    registry,
    strategy_families,
)
from strategies import (
    broken_plugins as strategy_plugins,
)

DEFAULT_OUT = Path("results") / "comparison"
"""Where the default suite's comparison goes; ``--suite NAME`` writes to ``results/NAME``."""
EXIT_OK, EXIT_RUNS_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Limits on what one command may ask for, checked while parsing, before anything is loaded or
# allocated: a typo such as `--seeds 1000000000` must be a one-line error, not a process that
# plans a billion runs and is killed for memory.
MAX_SEEDS = 100_000
"""Most seeds per comparison (``--seeds``): the grid of runs is planned in memory at once."""
MAX_SEED = 2**63 - 1
"""Largest run seed (``--first-seed`` + ``--seeds`` - 1): the store keeps signed 64-bit ints."""
MAX_EPOCHS = 10**7
"""Most training epochs per run (``--budget-epochs``); an evaluation costs at least one."""
MAX_SECONDS = 1e9
"""Most simulated training seconds per run (``--budget-seconds``), about 32 years."""
MAX_WORKERS = 256
MAX_SIM_WORKERS = 1024
"""Most simulated workers per run: far beyond any cluster a NAS paper simulates."""
"""Most worker processes (``--workers``): each one loads every space it runs on."""
MAX_RUNS = 1_000_000
"""Most runs per comparison (spaces x strategies x seeds): planning one takes about 250 MB and
15 s per million runs before the first starts."""
_SHOWN_CHARS = 60  # a bad value is echoed in the error up to this length, then elided
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # all str.splitlines splits on
# SQLite's unix VFS opens paths of up to 512 bytes, less its "-journal" suffix (measured with
# SQLite 3.40): a longer --out would only fail once every space had been loaded.
_SQLITE_MAX_PATH = 504


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _shown(text: str) -> str:
    """``text`` quoted for an error message, elided when long: the error stays one short line."""
    if len(text) > _SHOWN_CHARS:
        return f"{text[:_SHOWN_CHARS]!r}... ({len(text)} characters)"
    return repr(text)


def _whole_number(text: str, *, minimum: int, allowed: str, maximum: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        # int() refuses numbers of more than 4,300 digits: such a text is a whole number all
        # the same, only far out of range, and the error should say so.
        digits = re.fullmatch(r"\s*([+-]?)[0-9]+\s*", text)
        if digits is None:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not a whole number") from None
        if digits.group(1) == "-":
            raise argparse.ArgumentTypeError(f"{_shown(text)} must be {allowed}") from None
        limit = "is too large" if maximum is None else f"must be at most {maximum}"
        raise argparse.ArgumentTypeError(f"{_shown(text)} {limit}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{_shown(text)} must be {allowed}")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"{_shown(text)} must be at most {maximum}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number")


def _non_negative_int(text: str) -> int:
    return _whole_number(text, minimum=0, allowed="a whole number >= 0")


def _positive_float(text: str, *, maximum: float | None = None) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a number") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{_shown(text)} must be a positive finite number")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"{_shown(text)} must be at most {maximum:.0f}")
    return value


def _seed_count(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number", maximum=MAX_SEEDS)


def _seed(text: str) -> int:
    return _whole_number(text, minimum=0, allowed="a whole number >= 0", maximum=MAX_SEED)


def _evaluations(text: str) -> int:
    return _whole_number(
        text, minimum=1, allowed="a positive whole number", maximum=MAX_EVALUATIONS
    )


def _epochs(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number", maximum=MAX_EPOCHS)


def _seconds(text: str) -> float:
    return _positive_float(text, maximum=MAX_SECONDS)


def _device(text: str) -> str:
    if text not in DEVICES:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not one of {', '.join(DEVICES)}")
    return text


def _executor(text: str) -> str:
    known = executor_names()
    if text not in known:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not one of {', '.join(known)}")
    return text


def _scheduler(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("'' is an empty address; name a Dask scheduler")
    return text


def _path(text: str) -> Path:
    # Path("") is the current directory: an empty value (an unset shell variable, say) would
    # silently write there.
    if not text:
        raise argparse.ArgumentTypeError("'' is an empty path; name a directory")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{_shown(text)} holds a NUL character; no path can")
    return Path(text)


def _flag(text: str) -> bool:
    if text not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not true or false")
    return text == "true"


_FILE_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "all_pairs": _flag,
    "seeds": _seed_count,
    "first_seed": _seed,
    "fidelity": _positive_int,
    "workers": _non_negative_int,
    "executor": _executor,
    "scheduler": _scheduler,
    "run_timeout": _positive_float,
    "out": _path,
    "device": _device,
    "cache_dir": _path,
    "data_dir": _path,
}
"""An experiment file's values pass through the parsers of their flags."""


_DESCRIPTION = """\
Compare architecture-suggestion strategies under equal budgets on recorded training
tables, and write a statistical report (Markdown, HTML, LaTeX tables, figures)."""

_EPILOG = """\
examples:
  python -m harness list
  python -m harness compare --out results/first
  python -m harness report results/first --alpha 0.01

Run "python -m harness COMMAND --help" for a command's options and examples."""

_COMPARE_DESCRIPTION = """\
Run every strategy on every space with every seed under the same budget, store each
finished run in DIR/results.sqlite (re-running the same command resumes), print a
summary and write the report into DIR. Without --suite or --config it runs the curated
default suite (nine search strategies on nb201/cifar10, 10 seeds, 100 evaluations);
flags replace the suite's values key by key."""

_COMPARE_EPILOG = f"""\
examples:
  the default suite: nine curated search strategies on nb201/cifar10, 10 seeds of 100
  evaluations (a newly registered strategy joins it only when the suite names it):
    python -m harness compare --out results/default

  the default suite's strategies on another space, with 20 seeds:
    python -m harness compare --space fcnet/protein --seeds 20 --out results/protein

  a shipped suite (see "python -m harness list"), written to results/multi-fidelity:
    python -m harness compare --suite multi-fidelity

  two spaces, two strategies (one with an option), 20 seeds:
    python -m harness compare --space nb201/cifar10 --space fcnet/protein \\
        --strategy random --strategy evolution:population=50 --seeds 20 --out results/evo

  a budget of simulated training time instead of evaluations (100 hours):
    python -m harness compare --budget-seconds 360000 --out results/time

  your own table of recorded runs (one row per config and training seed):
    python -m harness compare --space table:runs.csv --table-objective val_acc \\
        --table-direction maximize --out results/mine

  transfer strategies, which read the other nb201 data sets' results, against tpe:
    python -m harness compare --space nb201/cifar100 --strategy autobuild \\
        --strategy transfer-topk --strategy tpe --out results/transfer

  on a Dask cluster (docs/dask.md; a local one without --scheduler):
    python -m harness compare --executor dask --scheduler tcp://10.0.0.5:8786 --seeds 50

limits: --workers takes at most {MAX_WORKERS} worker processes; a comparison has at most
{MAX_RUNS} runs (spaces x strategies x seeds).
See "python -m harness list" for the suites, spaces, strategies and their options."""

_REPORT_DESCRIPTION = """\
Recompute a comparison's statistics from its stored runs and write report.md,
report.html (figures embedded), tables.tex, stats.json and figures/ into DIR."""

_REPORT_EPILOG = """\
examples:
  python -m harness report results/default
  python -m harness report results/default --alpha 0.01 --seed 1
  python -m harness report results/default --linear-scale"""

_LIST_EPILOG = """\
example:
  python -m harness list"""

_EXPORT_DESCRIPTION = """\
Write a comparison's runs and evaluations as Parquet or CSV files, for pandas."""

_EXPORT_EPILOG = """\
examples:
  python -m harness export results/default
  python -m harness export results/default --format csv --to exported"""


def _add_family_arguments(parser: argparse.ArgumentParser) -> None:
    """The family of tests a report corrects for (Holm)."""
    parser.add_argument(
        "--all-pairs",
        action="store_true",
        help="test every pair of strategies, Holm over all k(k-1)/2 (default: each strategy "
        "against the best by average rank, Holm over k-1, as Demsar 2006 recommends)",
    )
    parser.add_argument(
        "--control",
        metavar="LABEL",
        help="test every strategy against this one instead of the best (name it before the "
        "runs, e.g. your method)",
    )


def build_parser(compare_defaults: dict[str, Any] | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``python -m harness``.

    Args:
        compare_defaults: Defaults of ``compare``'s options that replace the built-in ones
            (an experiment file's values; flags still override them).
    """
    raw = argparse.RawDescriptionHelpFormatter  # keeps the examples' line breaks
    parser = _Parser(
        prog="python -m harness", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=raw
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    cmp = sub.add_parser(
        "compare",
        help="run every strategy on every space and seed",
        description=_COMPARE_DESCRIPTION,
        # --workers' limit is checked after parsing (_check_compare_limits): stated here.
        epilog=_COMPARE_EPILOG,
        formatter_class=raw,
    )
    cmp.add_argument(
        "--space",
        action="append",
        metavar="NAME",
        help="space to compare on (repeatable; default: the suite's spaces, nb201/cifar10 for "
        "the default suite); table:PATH for a CSV or Parquet file of your own",
    )
    cmp.add_argument(
        "--strategy",
        action="append",
        metavar="NAME[:OPT=VAL,...]",
        help="strategy to run, with options (repeatable; replaces the suite's or file's list; "
        "default: the curated default suite's nine search strategies, never every registered "
        "one)",
    )
    cmp.add_argument(
        "--source",
        action="append",
        metavar="SPACE",
        help="a source space transfer strategies (autobuild, transfer-topk) may read: the "
        "same search space on another data set (repeatable; default: every other data set of "
        "the target's family, leave-one-data-set-out); other strategies never read one",
    )
    cmp.add_argument(
        "--seeds",
        type=_seed_count,
        default=10,
        metavar="N",
        help="run N seeds for every strategy, from --first-seed on (default: the suite's, 10 "
        f"for the default suite; at most {MAX_SEEDS})",
    )
    cmp.add_argument(
        "--first-seed",
        type=_seed,
        default=0,
        metavar="K",
        help="first run seed (default: the suite's, 0 for the default suite): tune on seeds "
        "disjoint from your evidence's, "
        f"e.g. --first-seed 100; K + N - 1 must be at most {MAX_SEED} (2**63 - 1)",
    )
    group = cmp.add_mutually_exclusive_group()
    group.add_argument(
        "--budget",
        type=_evaluations,
        metavar="N",
        help="evaluations per run (default: the suite's budget, 100 evaluations for the "
        f"default suite; at most {MAX_EVALUATIONS})",
    )
    group.add_argument(
        "--budget-seconds",
        type=_seconds,
        metavar="S",
        help=f"simulated training seconds per run instead of evaluations (at most "
        f"{MAX_SECONDS:.0f}, and at most {MAX_EVALUATIONS} of a space's cheapest evaluations)",
    )
    group.add_argument(
        "--budget-epochs",
        type=_epochs,
        metavar="E",
        help="training epochs per run (each evaluation costs its fidelity's epochs; at most "
        f"{MAX_EPOCHS})",
    )
    cmp.add_argument(
        "--search-metric",
        "--metric",
        dest="metric",
        metavar="NAME",
        help="search metric of every space (default: each space's own; see the list command)",
    )
    cmp.add_argument(
        "--sim-workers",
        type=_positive_int,
        default=1,
        metavar="W",
        help="simulated parallel workers per run (default 1): evaluations finish in order of "
        "their recorded training time on a simulated clock, and a --budget-seconds budget "
        f"is wall-clock time (at most {MAX_SIM_WORKERS})",
    )
    cmp.add_argument(
        "--objectives",
        metavar="A,B",
        help="search two or more metrics at once (e.g. test_acc,params; directions as the "
        "space declares them): reports rank the hypervolume of each run's Pareto front",
    )
    cmp.add_argument(
        "--scalarize",
        action="store_true",
        help="with --objectives, let single-objective strategies take part on the "
        "equal-weight sum of normalised objectives (refused otherwise)",
    )
    cmp.add_argument(
        "--report-metric",
        metavar="NAME",
        help="metric reports score the incumbent on beside the search metric; strategies "
        "never see it (default: each space's own; see the list command)",
    )
    cmp.add_argument(
        "--fidelity",
        type=_positive_int,
        metavar="N",
        help="fidelity (e.g. epochs) of every evaluation (default: each space's largest)",
    )
    cmp.add_argument(
        "--workers",
        type=_non_negative_int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: CPU count); 0 runs in this process, for debugging "
        "(no protection against a strategy that exits or hangs)",
    )
    add_executor_arguments(cmp)
    cmp.add_argument(
        "--run-timeout",
        type=_positive_float,
        default=None,
        metavar="S",
        help=f"seconds one run may take before it is stopped and stored as failed (default "
        f"{RECORDED_RUN_TIMEOUT:g} on recorded tables, {TRAINED_RUN_TIMEOUT:g} where a space "
        "trains what it misses)",
    )
    cmp.add_argument(
        "--out",
        type=_path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"comparison directory (default {DEFAULT_OUT}; results/NAME for --suite NAME, "
        "unless the experiment file names one)",
    )
    cmp.add_argument(
        "--force",
        action="store_true",
        help="write into --out although it holds files this harness did not write (never "
        "into a system folder)",
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
    _add_family_arguments(cmp)
    # --suite with --config is refused when the file is loaded (_compare_experiment).
    cmp.add_argument(
        "--config",
        type=_path,
        metavar="FILE",
        help="experiment file (TOML): spaces, strategies, seeds, budget, out, ...; flags "
        "given here override its values; the file and its SHA-256 are recorded in the store",
    )
    cmp.add_argument(
        "--suite",
        metavar="NAME",
        help=f"run a shipped suite, a curated experiment file ({', '.join(available_suites())}; "
        f"see the list command): as --config with that file (default: {DEFAULT_SUITE}); "
        "not with --config",
    )
    add_training_arguments(cmp)

    if compare_defaults:
        cmp.set_defaults(**compare_defaults)

    sub.add_parser(
        "list",
        help="list the suites, spaces and strategies",
        description="List the suites (curated comparisons for compare --suite), the spaces\n"
        "(with their metrics, sources and licences) and the strategies (with their options\n"
        "and defaults).",
        epilog=_LIST_EPILOG,
        formatter_class=raw,
    )
    add_train_parser(sub)
    add_experiment_parser(sub)

    exp = sub.add_parser(
        "export",
        help="write a comparison's runs and evaluations for pandas",
        description=_EXPORT_DESCRIPTION,
        epilog=_EXPORT_EPILOG,
        formatter_class=raw,
    )
    exp.add_argument("directory", type=_path, metavar="DIR", help="the comparison directory")
    exp.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default="parquet",
        help="file format (default parquet)",
    )
    exp.add_argument("--to", type=_path, metavar="OUT", help="where to write (default: DIR)")
    exp.add_argument(
        "--force",
        action="store_true",
        help="write into --to although it holds files this harness did not write (never into "
        "a system folder)",
    )

    rep = sub.add_parser(
        "report",
        help="write a comparison's statistical report into it",
        description=_REPORT_DESCRIPTION,
        epilog=_REPORT_EPILOG,
        formatter_class=raw,
    )
    rep.add_argument("directory", type=_path, metavar="DIR", help="the comparison directory")
    rep.add_argument(
        "--alpha",
        type=_positive_float,
        default=0.05,
        help="significance level of every test (default 0.05)",
    )
    rep.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="K",
        help=f"seed of the power simulations (default 0, at most {MAX_SEED})",
    )
    rep.add_argument(
        "--linear-scale", action="store_true", help="plot regret on a linear axis (default: log)"
    )
    _add_family_arguments(rep)
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


def _check_out_dir(out: Path, flag: str = "--out", *, store: bool = True) -> None:
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
                    f"{flag} {out}: file name too long ({_shown(name)} has "
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
        raise UsageError(f"{flag} {_shown(str(out))}: {exc}") from None


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


def _file_budget(experiment: ExperimentFile) -> Budget | None:
    """The experiment file's budget, held to the rules of its flag."""
    if experiment.budget is None:
        return None
    kind, amount = experiment.budget
    convert = {"evaluations": _evaluations, "seconds": _seconds, "epochs": _epochs}[kind]
    try:
        return Budget(kind=kind, amount=convert(amount))  # type: ignore[arg-type]
    except argparse.ArgumentTypeError as exc:
        raise UsageError(
            f"experiment file {experiment.path}: budget.amount = {amount}: {exc}"
        ) from None


def _compare_experiment(args: argparse.Namespace) -> tuple[ExperimentFile, Path]:
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
        return load_experiment_file(args.config, _FILE_CONVERTERS), DEFAULT_OUT
    name = DEFAULT_SUITE if args.suite is None else args.suite
    out = DEFAULT_OUT if name == DEFAULT_SUITE else Path("results") / name
    return load_experiment_file(suite_path(name), _FILE_CONVERTERS), out


def _default_suite() -> ExperimentFile:
    """The default suite, which fills in what an experiment file leaves out."""
    return load_experiment_file(suite_path(DEFAULT_SUITE), _FILE_CONVERTERS)


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


def _cmd_compare(args: argparse.Namespace, console: Console, err: Console) -> int:
    _check_compare_limits(args)
    experiment: ExperimentFile | None = getattr(args, "experiment", None)
    spaces, specs_named = _compare_selection(args)
    strategies = [parse_strategy_spec(spec) for spec in specs_named]
    if args.control is not None and args.control.split("(")[0] not in {n for n, _ in strategies}:
        raise UsageError(
            f"--control {_shown(args.control)} is not one of the strategies compared: "
            f"{', '.join(dict.fromkeys(n for n, _ in strategies))}"
        )
    file_budget = _file_budget(experiment) if experiment else None
    if args.budget_seconds is not None:
        budget = Budget(kind="seconds", amount=args.budget_seconds)
    elif args.budget_epochs is not None:
        budget = Budget(kind="epochs", amount=args.budget_epochs)
    elif args.budget is not None or file_budget is None:
        budget = Budget(kind="evaluations", amount=args.budget or 100)
    else:
        budget = file_budget
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
    _check_out_dir(args.out)
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
            f"--objectives {_shown(args.objectives)} must name two or more metrics, comma "
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


def _fidelity_text(fidelities: tuple[int, ...]) -> str:
    """``12, 200 epochs``, or ``1-40 epochs`` for every epoch of a learning curve."""
    if not fidelities:
        return "-"
    if len(fidelities) > 2 and list(fidelities) == list(range(fidelities[0], fidelities[-1] + 1)):
        return f"{fidelities[0]}-{fidelities[-1]} epochs"
    return f"{', '.join(map(str, fidelities))} epochs"


def _metrics_cell(info: SpaceInfo) -> str:
    """``search X (max) / report Y; test Z; also ...`` of a space, for ``list``."""
    report = info.report_metric or info.test_metric or info.search_metric
    arrow = "max" if info.direction == "maximize" else "min"
    text = f"search {info.search_metric} ({arrow}) / report {report}"
    if info.test_metric and info.test_metric != report:
        text += f"; test {info.test_metric}"
    others = [m for m in info.metrics if m not in (info.search_metric, report, info.test_metric)]
    return text + (f"; also {', '.join(others)}" if others else "")


def _suites_table() -> Table:
    """The shipped suites, for ``list``: what each compares, and on what."""
    table = Table(
        title=f"Suites (compare --suite NAME; compare alone runs {DEFAULT_SUITE})",
        title_justify="left",
    )
    for col in ("name", "description", "strategies", "spaces", "budget"):
        table.add_column(col, overflow="fold", no_wrap=col == "name")
    for name in available_suites():
        suite = load_experiment_file(suite_path(name), _FILE_CONVERTERS)
        budget = _file_budget(suite) or Budget(kind="evaluations", amount=100)
        workers = suite.options.get("sim_workers", 1)
        table.add_row(
            name,
            first_sentence(suite.description or "-"),
            str(len(suite.strategies or ())),
            ", ".join(suite.spaces or ()),
            f"{budget.amount:g} {budget.kind}"
            + (f", {workers} simulated workers" if workers != 1 else ""),
        )
    return table


def _cmd_list(console: Console) -> int:
    console.print(_suites_table())
    spaces = Table(title="Spaces", title_justify="left")
    columns = (
        "name",
        "source",
        "licence",
        "configs",
        "recorded",
        "seeds",
        "fidelities",
        "metrics (search / report)",
        "optimum known",
    )
    names = available_spaces()
    for col in columns:
        # Names are never wrapped or cut short: they are what the user types next.
        width = max(len(n) for n in names) if col == "name" else None
        spaces.add_column(col, overflow="fold", min_width=width, no_wrap=col == "name")
    for name in names:
        info = space_info(name)
        fill = recorded_fill(name)
        known = info.optimum_known if info.optimum_known is not None else fill.startswith("all")
        prov = info.provenance
        spaces.add_row(
            name,
            prov.source,
            prov.licence,
            f"{info.space.n_configs:,} ({len(info.space.dimensions)} dimensions)",
            fill,
            info.seeds or "-",
            _fidelity_text(info.fidelities),
            _metrics_cell(info),
            "yes" if known else "no",
        )
    for source in sources():
        if source.prefix:
            spaces.add_row(
                f"{source.prefix}PATH",
                "your file",
                "yours",
                "your columns",
                "all",
                "--table-seed-column",
                "-",
                "--table-objective / --table-test-column",
                "yes",
            )
    console.print(spaces)
    strategies = Table(title="Strategies", title_justify="left")
    for col in ("name", "description", "options (defaults)"):
        strategies.add_column(col)
    for name, cls in registry().items():
        opts = ", ".join(f"{k}={v}" for k, v in option_defaults(cls).items()) or "-"
        strategies.add_row(name, cls.description, opts)
    for prefix, family in strategy_families().items():
        # A family's members are named with its prefix; their options are the member's own.
        members = ", ".join(family.members())
        strategies.add_row(f"{prefix}:NAME", family.description, f"NAME one of {members}")
    console.print(strategies)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, console: Console) -> int:
    store = open_results(args.directory)
    try:
        target = args.to or args.directory
        flag = "--to" if args.to else "export"
        _check_out_dir(target, flag, store=False)
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
                f"warning: {kind} plugin {_shown(name)} skipped ({reason})",
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
    longer than any path) keeps its first `_SHOWN_CHARS` and says how long it was, and the
    line is cut at 5,000 characters.
    """
    flat = "".join(repr(c)[1:-1] if c in _LINE_BREAKS else c for c in text)
    short = _LONG_RUN.sub(
        lambda m: f"{m.group(0)[:_SHOWN_CHARS]}...({len(m.group(0))} chars)", flat
    )
    if len(short) > _MAX_ERROR_CHARS:
        short = f"{short[:_MAX_ERROR_CHARS]}... ({len(short)} characters)"
    return short


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted  # a kill ends like Ctrl-C: workers stopped, finished runs kept


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    # Piped output (files, CI logs, tests) gets wide tables instead of rich's 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    previous: Any = None
    environment = saved_environment()
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = build_parser({"out": None}).parse_args(argv)  # out None: no --out given
        if args.command in ("compare", "list", "experiment"):
            _warn_broken_plugins(err)
        if args.command == "compare":
            experiment, default_out = _compare_experiment(args)
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
            return _cmd_compare(args, console, err)
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
        return _cmd_list(console)
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
