"""The compatibility matrix: every strategy x kind of space x budget kind x simulated workers.

Each cell is decided by `harness.capabilities` exactly as a comparison plans it
(`check_budget`, then `decide` with ``strict=True``): it runs, under the equal-budget rules
of `harness.run_types`, or it is refused with one line and the rule that refused it. The
matrix is made from the registries (every registered strategy, every capability rule), run
by the test suite (every cell that runs must finish within its budget and give a report;
every refused cell must be refused before anything is written) and rendered as
``docs/compatibility.md`` by `markdown` (``python scripts/compatibility_table.py``), which a
test keeps equal to the committed file.

The kinds of space are small synthetic objectives of the test kit (`harness.testing`), one
per kind the harness serves: a recorded table with one schedule, a table at independent
fidelities, learning curves whose epochs continue, an open space (optimum unknown), a cell
space with a supernet, and two objectives at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harness._loop import run_strategy
from harness.capabilities import RULES, Refused, Setting, check_budget, decide, tags_of
from harness.run_types import BUDGET_KINDS, Budget, BudgetKind, RunTrace
from spaces import Objective
from strategies import available_strategies, build_strategy

WORKER_COUNTS = (1, 4)
"""Simulated workers of the matrix's runs."""


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of space, with the synthetic objective that stands for it.

    Attributes:
        name: Short name (a column group of the matrix), and the toy that stands for it.
        description: What the kind is and which real spaces are of it.
        amounts: Per budget kind, a budget that buys a few evaluations at full fidelity.
    """

    name: str
    description: str
    amounts: dict[str, float]

    def build(self) -> Objective:
        """The representative objective (fresh each time)."""
        return _toys()[self.name]()


def _toys() -> dict[str, Callable[[], Objective]]:
    # The test kit imports pytest: imported only when an objective is built.
    from harness import testing
    from spaces import load_objective

    return {
        "table": testing.toy_benchmark,
        "fidelities": testing.toy_fidelity_benchmark,
        "curves": testing.toy_curve_benchmark,
        "open": lambda: load_objective("synthetic/open"),
        "cells": testing.toy_cell_benchmark,
        "objectives": testing.toy_multi_objective,
    }


def _kind(name: str, description: str, *, seconds: float, epochs: float = 48) -> Kind:
    """A kind whose budgets buy 6 evaluations, ``epochs`` epochs or ``seconds`` seconds."""
    return Kind(
        name=name,
        description=description,
        amounts={"evaluations": 6, "epochs": epochs, "seconds": seconds},
    )


KINDS: tuple[Kind, ...] = (
    _kind(
        "table",
        "a recorded table with one schedule of unstated length (HPOBench-MLP, Macro, "
        "NAS-Bench-Graph, a table: file of your own)",
        seconds=70,
    ),
    _kind(
        "fidelities",
        "a recorded table at independent fidelities (NAS-Bench-201 at 12 and 200 epochs)",
        seconds=70,
    ),
    _kind(
        "curves",
        "learning curves, every epoch a fidelity continuing the last (mlp2/mlp3 on digits)",
        seconds=48,
    ),
    _kind(
        "open",
        "an open space whose optimum is unknown, trained or answered on demand "
        "(mlpwide, synthetic/open)",
        seconds=150,
        epochs=120,
    ),
    _kind(
        "cells",
        "a trainable cell space with a supernet (cell/digits, cell/fashion-mnist)",
        seconds=11,
    ),
    _kind(
        "objectives",
        "two objectives at once on a fully recorded table (--objectives a,b)",
        seconds=60,
    ),
)
"""Every kind of space of the matrix, in column order."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One combination and its decision.

    Attributes:
        strategy: Registry name.
        kind: `Kind.name`.
        budget: The budget of the run.
        workers: Simulated workers.
        refused: The one-line refusal, or None where the combination runs.
        rule: The rule that refused it (`harness.capabilities.RULES`), or None.
    """

    strategy: str
    kind: str
    budget: Budget
    workers: int
    refused: str | None
    rule: str | None

    @property
    def runs(self) -> bool:
        """Whether the combination runs."""
        return self.refused is None


def kind(name: str) -> Kind:
    """The kind named ``name``.

    Raises:
        KeyError: No such kind.
    """
    for k in KINDS:
        if k.name == name:
            return k
    raise KeyError(name)


def budget_of(kind_name: str, budget_kind: BudgetKind) -> Budget:
    """The matrix's budget of ``budget_kind`` on the kind ``kind_name``."""
    return Budget(kind=budget_kind, amount=kind(kind_name).amounts[budget_kind])


def decide_cell(
    strategy: str, objective: Objective, kind_name: str, budget: Budget, workers: int
) -> Cell:
    """The decision a comparison makes for this combination (no ``--scalarize``)."""
    try:
        check_budget(objective, budget)
        decide(
            strategy, Setting(objective=objective, budget=budget, sim_workers=workers, strict=True)
        )
    except Refused as exc:
        return Cell(strategy, kind_name, budget, workers, str(exc), exc.rule)
    return Cell(strategy, kind_name, budget, workers, None, None)


def cells(strategies: Iterable[str] | None = None) -> list[Cell]:
    """Every cell of the matrix for ``strategies`` (default: every registered strategy)."""
    names = list(available_strategies() if strategies is None else strategies)
    out: list[Cell] = []
    for k in KINDS:
        objective = k.build()
        for budget_kind in BUDGET_KINDS:
            budget = budget_of(k.name, budget_kind)
            for workers in WORKER_COUNTS:
                out.extend(decide_cell(n, objective, k.name, budget, workers) for n in names)
    return out


def run_cell(cell: Cell, objective: Objective | None = None, *, seed: int = 0) -> RunTrace:
    """Run a cell the matrix allows, as a comparison would (transfer strategies get no source).

    Raises:
        ValueError: The cell is refused.
    """
    if cell.refused is not None:
        raise ValueError(f"cell is refused: {cell.refused}")
    objective = objective or kind(cell.kind).build()
    setting = Setting(objective=objective, budget=cell.budget, sim_workers=cell.workers)
    plan = decide(cell.strategy, setting)
    strategy = build_strategy(
        cell.strategy,
        {},
        objective.space,
        seed=seed,
        maximize=objective.maximize,
        budget=cell.budget.evaluations,
        **plan.construction,
    )
    return run_strategy(
        strategy,
        objective,
        seed=seed,
        budget=cell.budget,
        workers=cell.workers,
        priors=[] if plan.reads_prior else None,
    )


def spent(trace: RunTrace, objective: Objective, budget: Budget) -> float:
    """What a run spent in its budget's unit, recomputed from its trace.

    Evaluations: one each, or the shares a multi-fidelity run noted; epochs: the searched
    fidelity each, or the epochs a multi-fidelity run noted; seconds: the end of its time
    axis (a supernet search and simulated workers included).
    """
    charges = (trace.notes.get("budget") or {}).get("charges")
    if budget.kind == "seconds":
        return float(trace.cumulative_cost_seconds.max()) if trace.n_evaluations else 0.0
    if charges is not None:
        return float(sum(charges))
    per = objective.info.fidelity if budget.kind == "epochs" else 1
    return float(trace.n_evaluations * per)


def _verdict(group: Sequence[Cell]) -> str:
    """One matrix entry: the cells of one strategy, kind and budget kind, by workers."""
    running = [c.workers for c in group if c.runs]
    if len(running) == len(group):
        return "runs"
    if running:
        refused = [c for c in group if not c.runs]
        workers = ", ".join(str(w) for w in running)
        return f"runs ({workers} worker{'s' if running != [1] else ''}); {_rules(refused)}"
    return _rules(group)


def _rules(group: Iterable[Cell]) -> str:
    return ", ".join(dict.fromkeys(f"`{c.rule}`" for c in group if c.rule))


def markdown(matrix: Sequence[Cell] | None = None) -> str:
    """``docs/compatibility.md``: one table per kind of space, and the rules that refuse."""
    matrix = cells() if matrix is None else matrix
    strategies = list(dict.fromkeys(c.strategy for c in matrix))
    by_key: dict[tuple[str, str, str], list[Cell]] = {}
    for c in matrix:
        by_key.setdefault((c.strategy, c.kind, c.budget.kind), []).append(c)
    lines = [
        "# Compatibility: which strategy runs where",
        "",
        "<!-- Generated by `python scripts/compatibility_table.py` from the strategy registry",
        "     and harness/capabilities.py; tests/test_compatibility.py checks this file. -->",
        "",
        "Every registered strategy against every kind of space, under each budget kind, with "
        f"{' and '.join(map(str, WORKER_COUNTS))} simulated workers (`--sim-workers`). A "
        "combination either runs under equal budgets, or `compare` refuses it before anything "
        "is written, with one line and exit code 2. The test suite runs every cell of this "
        "matrix on a small synthetic space of each kind: every cell that runs finishes within "
        "its budget, in the budget's own unit, and its report builds.",
        "",
        "What a budget buys (the same for every strategy):",
        "",
        "- **evaluations**: evaluations at the searched fidelity; an evaluation at a lower "
        "fidelity costs its share (fidelity / searched fidelity; a continued training only "
        "the epochs it adds);",
        "- **epochs**: the epochs each evaluation trains;",
        "- **seconds**: recorded training seconds (simulated wall-clock time with several "
        "workers); a weight-sharing strategy's supernet search is charged first.",
        "",
        "Multi-objective searches (`--objectives`) are shown without `--scalarize`, which "
        "lets single-objective strategies take part on the equal-weight scalarisation.",
        "",
    ]
    for k in KINDS:
        lines += [f"## {k.name}: {k.description}", ""]
        lines.append("| strategy | tags | " + " | ".join(BUDGET_KINDS) + " |")
        lines.append("|---|---|" + "---|" * len(BUDGET_KINDS))
        for name in strategies:
            entries = [_verdict(by_key[(name, k.name, b)]) for b in BUDGET_KINDS]
            tags = ", ".join(sorted(tags_of(name))) or "-"
            lines.append(f"| {name} | {tags} | " + " | ".join(entries) + " |")
        lines.append("")
    used = sorted({c.rule for c in matrix if c.rule})
    lines += ["## The rules that refuse", ""]
    lines += [f"- `{rule}`: {RULES[rule]}." for rule in used]
    lines.append("")
    return "\n".join(lines)


def describe(matrix: Sequence[Cell]) -> dict[str, Any]:
    """Counts of the matrix: cells, running cells, refused cells by rule."""
    rules: dict[str, int] = {}
    for c in matrix:
        if c.rule:
            rules[c.rule] = rules.get(c.rule, 0) + 1
    return {
        "cells": len(matrix),
        "runs": sum(c.runs for c in matrix),
        "refused": rules,
    }


__all__ = [
    "KINDS",
    "WORKER_COUNTS",
    "Cell",
    "Kind",
    "budget_of",
    "cells",
    "decide_cell",
    "describe",
    "kind",
    "markdown",
    "run_cell",
    "spent",
]
