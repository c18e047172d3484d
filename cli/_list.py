"""``python -m harness list``: the suites, spaces and strategies, compact, in detail or as Markdown.

The default fits a terminal: one line per suite, space and strategy, cut at the console's
width (``COLUMNS=80``: under 80 lines). ``list NAME`` shows everything about one of them,
``--wide`` the full tables, and ``--format markdown`` the reference tables the documentation
commits (suites, spaces, strategies, and every command's options from the parser itself).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from cli._arguments import EXIT_OK, FILE_CONVERTERS, UsageError, file_budget, shown
from cli._experiment_file import ExperimentFile, load_experiment_file
from cli._suites import DEFAULT_SUITE, available_suites, first_sentence, suite_path
from cli._train import recorded_fill
from harness import Budget
from spaces import (
    SpaceInfo,
    UnknownSpaceError,
    available_spaces,
    sources,
    space_info,
    space_training,
)
from strategies import option_defaults, registry, strategy_families

_ELLIPSIS = "…"


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


def _suite(name: str) -> ExperimentFile:
    return load_experiment_file(suite_path(name), FILE_CONVERTERS)


def _budget_text(suite: ExperimentFile) -> str:
    budget = file_budget(suite) or Budget(kind="evaluations", amount=100)
    workers = suite.options.get("sim_workers", 1)
    return f"{budget.amount:g} {budget.kind}" + (
        f", {workers} simulated workers" if workers != 1 else ""
    )


def _suites_table() -> Table:
    """The shipped suites, for ``list``: what each compares, and on what."""
    table = Table(
        title=f"Suites (compare --suite NAME; compare alone runs {DEFAULT_SUITE})",
        title_justify="left",
    )
    for col in ("name", "description", "strategies", "spaces", "budget"):
        table.add_column(col, overflow="fold", no_wrap=col == "name")
    for name in available_suites():
        suite = _suite(name)
        table.add_row(
            name,
            first_sentence(suite.description or "-"),
            str(len(suite.strategies or ())),
            ", ".join(suite.spaces or ()),
            _budget_text(suite),
        )
    return table


def _wide(console: Console) -> int:
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


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis where it was cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + _ELLIPSIS


def _optimum_known(info: SpaceInfo, fill: str) -> str:
    known = info.optimum_known if info.optimum_known is not None else fill.startswith("all")
    return "yes" if known else "no"


def _space_summary(name: str) -> str:
    """One line about a space: its size, how much is recorded, its search metric, its source."""
    info = space_info(name)
    arrow = "max" if info.direction == "maximize" else "min"
    return (
        f"{info.space.n_configs:,} configs; {info.search_metric} ({arrow}); recorded "
        f"{recorded_fill(name)}; {info.provenance.source}"
    )


def _compact(console: Console) -> int:
    """One line per suite, space and strategy, cut at the console's width."""
    width = console.width
    spaces = available_spaces()
    prefixes = [f"{s.prefix}PATH" for s in sources() if s.prefix]
    strategies = registry()
    families = strategy_families()
    suites = available_suites()
    family_names = [f"{p}:NAME" for p in families]

    def row(name: str, text: str, pad: int) -> None:
        # Names are never cut: they are what the user types next.
        line = f"{name:<{pad}}  {text}"
        console.print(_fit(line, max(width, len(name))), markup=False, highlight=False)

    def heading(text: str) -> None:
        console.print(_fit(text, width), style="bold", markup=False, highlight=False)

    heading(f"Suites (compare --suite NAME; compare alone runs {DEFAULT_SUITE})")
    pad = max(map(len, suites))
    for name in suites:
        row(name, first_sentence(_suite(name).description or "-"), pad)
    heading(f"Spaces ({len(spaces)}; list NAME for details, list --wide for every column)")
    pad = max(map(len, [*spaces, *prefixes]))
    for name in spaces:
        row(name, _space_summary(name), pad)
    for prefix in prefixes:
        row(prefix, "your CSV or Parquet file of recorded runs (--table-objective ...)", pad)
    heading(f"Strategies ({len(strategies)}; list NAME for options and defaults)")
    pad = max(map(len, [*strategies, *family_names]))
    for name, cls in strategies.items():
        row(name, cls.description, pad)
    for name, family in zip(family_names, families.values(), strict=True):
        row(name, f"{family.description} (NAME: {', '.join(family.members())})", pad)
    return EXIT_OK


def _details(name: str) -> list[tuple[str, str]]:
    """Every fact ``list`` knows about the suite, space or strategy called ``name``.

    Raises:
        UsageError: ``name`` is none of them.
    """
    if name in available_suites():
        suite = _suite(name)
        return [
            ("suite", name),
            ("description", suite.description or "-"),
            ("strategies", ", ".join(suite.strategies or ())),
            ("spaces", ", ".join(suite.spaces or ())),
            ("budget", _budget_text(suite)),
            ("file", str(suite_path(name))),
        ]
    strategies = registry()
    if name in strategies:
        cls = strategies[name]
        options = ", ".join(f"{k}={v}" for k, v in option_defaults(cls).items()) or "-"
        return [("strategy", name), ("description", cls.description), ("options", options)]
    for prefix, family in strategy_families().items():
        if name in (prefix, f"{prefix}:", f"{prefix}:NAME"):
            return [
                ("strategy family", f"{prefix}:NAME"),
                ("description", family.description),
                ("NAME", ", ".join(family.members())),
            ]
    try:
        info = space_info(name)
    except UnknownSpaceError:
        known = [*available_suites(), *available_spaces(), *strategies, *strategy_families()]
        raise UsageError(
            f"list {shown(name)}: no suite, space or strategy has this name; choose one of "
            f"{', '.join(known)}"
        ) from None
    fill = recorded_fill(name)
    prov = info.provenance
    return [
        ("space", name),
        ("source", prov.source),
        ("licence", prov.licence),
        ("configs", f"{info.space.n_configs:,} ({len(info.space.dimensions)} dimensions)"),
        ("dimensions", ", ".join(d.name for d in info.space.dimensions)),
        ("results", space_training(name)),
        ("recorded", fill),
        ("seeds", str(info.seeds or "-")),
        ("fidelities", _fidelity_text(info.fidelities)),
        ("metrics", _metrics_cell(info)),
        ("optimum known", _optimum_known(info, fill)),
    ]


def _show_details(name: str, console: Console) -> int:
    rows = _details(name)
    pad = max(len(key) for key, _ in rows)
    for key, value in rows:
        console.print(f"{key + ':':<{pad + 1}} {value}", markup=False, highlight=False)
    return EXIT_OK


def _cell(text: object) -> str:
    """``text`` as one Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    columns = list(header)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _option_rows(parser: argparse.ArgumentParser) -> list[tuple[str, str, str]]:
    """Each option of ``parser``: its spellings, its value's name and its help text."""
    rows = []
    for action in parser._actions:  # argparse keeps no public list of a parser's options
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        names = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.metavar}`"
        if action.nargs == 0 or not action.option_strings:
            value = ""  # a flag takes no value; a positional's name is its value
        elif action.choices is not None:
            value = " or ".join(map(str, action.choices))
        else:
            value = str(action.metavar or action.dest.upper())
        text = (action.help or "") % {**vars(action), "prog": parser.prog}
        rows.append((names, value, text))
    return rows


def markdown(parser: argparse.ArgumentParser) -> str:
    """The reference tables of suites, spaces, strategies and every command's options.

    Only what the registries and the parser say, nothing of this machine (a training cache's
    fill is left out), so the committed documentation can be checked against it.
    """
    lines = ["## Suites", ""]
    lines += _table(
        ("name", "description", "strategies", "spaces", "budget"),
        (
            (
                f"`{n}`",
                first_sentence((s := _suite(n)).description or "-"),
                len(s.strategies or ()),
                ", ".join(f"`{x}`" for x in s.spaces or ()),
                _budget_text(s),
            )
            for n in available_suites()
        ),
    )
    lines += ["", "## Spaces", ""]
    space_rows = []
    for name in available_spaces():
        info = space_info(name)
        known = info.optimum_known
        space_rows.append(
            (
                f"`{name}`",
                info.provenance.source,
                info.provenance.licence,
                f"{info.space.n_configs:,}",
                space_training(name),
                info.seeds or "-",
                _fidelity_text(info.fidelities),
                _metrics_cell(info),
                "when fully trained" if known is None else ("yes" if known else "no"),
            )
        )
    for source in sources():
        if source.prefix:
            space_rows.append(
                (f"`{source.prefix}PATH`", "your file", "yours", "your rows", "recorded")
                + ("`--table-seed-column`", "-", "`--table-objective`", "yes")
            )
    lines += _table(
        (
            "name",
            "source",
            "licence",
            "configs",
            "results",
            "seeds",
            "fidelities",
            "metrics",
            "optimum known",
        ),
        space_rows,
    )
    lines += ["", "## Strategies", ""]
    strategy_rows: list[tuple[str, str, str]] = [
        (
            f"`{name}`",
            cls.description,
            ", ".join(f"`{k}={v}`" for k, v in option_defaults(cls).items()) or "-",
        )
        for name, cls in registry().items()
    ]
    strategy_rows += [
        (f"`{p}:NAME`", f.description, "NAME one of " + ", ".join(f.members()))
        for p, f in strategy_families().items()
    ]
    lines += _table(("name", "description", "options (defaults)"), strategy_rows)
    lines += ["", "## Command-line options"]
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, sub in commands.choices.items():
        lines += ["", f"### `python -m harness {command}`", ""]
        lines += [_cell(sub.description or ""), ""]
        lines += _table(("option", "value", "meaning"), _option_rows(sub))
    return "\n".join(lines) + "\n"


def cmd_list(args: argparse.Namespace, console: Console, parser: argparse.ArgumentParser) -> int:
    """``list``: compact, ``list NAME``, ``--wide`` or ``--format markdown``."""
    if args.format == "markdown":
        if args.name is not None or args.wide:
            raise UsageError("--format markdown prints every table; give no NAME and no --wide")
        print(markdown(parser), end="")  # plain text: rich would wrap the table lines
        return EXIT_OK
    if args.name is not None:
        if args.wide:
            raise UsageError("list NAME shows every detail already; give no --wide with it")
        return _show_details(args.name, console)
    return _wide(console) if args.wide else _compact(console)
