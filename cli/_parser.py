"""The argument parser of ``python -m harness``: commands, options, help texts and examples."""

from __future__ import annotations

import argparse
import os
from typing import Any

from cli._arguments import (
    DEFAULT_OUT,
    MAX_EPOCHS,
    MAX_RUNS,
    MAX_SECONDS,
    MAX_SEED,
    MAX_SEEDS,
    MAX_SIM_WORKERS,
    MAX_WORKERS,
    Parser,
    epoch_count,
    evaluation_count,
    non_negative_int,
    path_value,
    positive_float,
    positive_int,
    seconds_amount,
    seed_count,
    seed_number,
)
from cli._executor import add_executor_arguments
from cli._experiment import add_experiment_parser
from cli._suites import DEFAULT_SUITE, available_suites
from cli._train import add_train_parser, add_training_arguments
from harness import MAX_EVALUATIONS, RECORDED_RUN_TIMEOUT, TRAINED_RUN_TIMEOUT

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
examples:
  python -m harness list
  python -m harness list nb201/cifar10
  python -m harness list tpe
  python -m harness list --wide
  python -m harness list --format markdown"""

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
    parser = Parser(
        prog="python -m harness", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=raw
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

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
        type=seed_count,
        default=10,
        metavar="N",
        help="run N seeds for every strategy, from --first-seed on (default: the suite's, 10 "
        f"for the default suite; at most {MAX_SEEDS})",
    )
    cmp.add_argument(
        "--first-seed",
        type=seed_number,
        default=0,
        metavar="K",
        help="first run seed (default: the suite's, 0 for the default suite): tune on seeds "
        "disjoint from your evidence's, "
        f"e.g. --first-seed 100; K + N - 1 must be at most {MAX_SEED} (2**63 - 1)",
    )
    group = cmp.add_mutually_exclusive_group()
    group.add_argument(
        "--budget",
        type=evaluation_count,
        metavar="N",
        help="evaluations per run (default: the suite's budget, 100 evaluations for the "
        f"default suite; at most {MAX_EVALUATIONS})",
    )
    group.add_argument(
        "--budget-seconds",
        type=seconds_amount,
        metavar="S",
        help=f"simulated training seconds per run instead of evaluations (at most "
        f"{MAX_SECONDS:.0f}, and at most {MAX_EVALUATIONS} of a space's cheapest evaluations)",
    )
    group.add_argument(
        "--budget-epochs",
        type=epoch_count,
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
        type=positive_int,
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
        type=positive_int,
        metavar="N",
        help="fidelity (e.g. epochs) of every evaluation (default: each space's largest)",
    )
    cmp.add_argument(
        "--workers",
        type=non_negative_int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: CPU count); 0 runs in this process, for debugging "
        "(no protection against a strategy that exits or hangs)",
    )
    add_executor_arguments(cmp)
    cmp.add_argument(
        "--run-timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help=f"seconds one run may take before it is stopped and stored as failed (default "
        f"{RECORDED_RUN_TIMEOUT:g} on recorded tables, {TRAINED_RUN_TIMEOUT:g} where a space "
        "trains what it misses)",
    )
    cmp.add_argument(
        "--out",
        type=path_value,
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
    # --suite with --config is refused when the file is loaded (compare_experiment).
    cmp.add_argument(
        "--config",
        type=path_value,
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

    lst = sub.add_parser(
        "list",
        help="list the suites, spaces and strategies",
        description="List the suites (curated comparisons for compare --suite), the spaces\n"
        "and the strategies, one line each; NAME shows everything about one of them.",
        epilog=_LIST_EPILOG,
        formatter_class=raw,
    )
    lst.add_argument(
        "name",
        nargs="?",
        metavar="NAME",
        help="a suite, space or strategy: show its details (a space's source, licence, "
        "metrics and fidelities; a strategy's options and defaults)",
    )
    lst.add_argument(
        "--wide", action="store_true", help="every column of every table (a wide terminal)"
    )
    lst.add_argument(
        "--format",
        choices=["text", "markdown"],
        default="text",
        help="markdown: the reference tables of suites, spaces, strategies and every "
        "command's options, for the documentation (default text)",
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
    exp.add_argument("directory", type=path_value, metavar="DIR", help="the comparison directory")
    exp.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default="parquet",
        help="file format (default parquet)",
    )
    exp.add_argument("--to", type=path_value, metavar="OUT", help="where to write (default: DIR)")
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
    rep.add_argument("directory", type=path_value, metavar="DIR", help="the comparison directory")
    rep.add_argument(
        "--alpha",
        type=positive_float,
        default=0.05,
        help="significance level of every test (default 0.05)",
    )
    rep.add_argument(
        "--seed",
        type=seed_number,
        default=0,
        metavar="K",
        help=f"seed of the power simulations (default 0, at most {MAX_SEED})",
    )
    rep.add_argument(
        "--linear-scale", action="store_true", help="plot regret on a linear axis (default: log)"
    )
    _add_family_arguments(rep)
    return parser
