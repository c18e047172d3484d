"""How the report's text writes numbers, p-values, budgets and the family of a test."""

from __future__ import annotations

import math
from typing import Any

from reports._data import is_hypervolume
from reports._tree import is_report


def fmt(x: float | None, digits: int = 4) -> str:
    """Compact number, ``-`` for missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e6):
        return str(int(x))
    return f"{x:.{digits}g}"


def pvalue_text(p: float | None) -> str:
    """A p-value to 3 decimals, ``<0.001`` below that, ``n/a`` where no test ran."""
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def value_text(x: float | None) -> str:
    """An objective's value in its own units: large counts in full, others to 5 digits."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1e4 else fmt(x, 5)


def seconds_text(x: float | None) -> str:
    """Seconds: whole ones from 100 on, else 3 significant digits."""
    return "-" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def budget_text(space: dict[str, Any]) -> str:
    """A space's budget, e.g. ``100 evaluations`` or ``12000 simulated seconds``."""
    b = space["budget"]
    if b["kind"] == "seconds":
        return f"{b['amount']:g} simulated seconds"
    return f"{int(b['amount'])} {b['kind']}"


def is_hv(m: dict[str, Any]) -> bool:
    """Whether a measure is the regret of a multi-objective search's hypervolume."""
    return m["kind"] == "regret" and not is_report(m) and is_hypervolume(m.get("metric"))


def adjustment_text(family: dict[str, Any]) -> str:
    """How a family's p-values were adjusted, e.g. ``Holm over 8 tests, each against it``."""
    m = family.get("n_comparisons", 0)
    tests = f"{m} test{'s' if m != 1 else ''}"
    if family.get("kind") == "all-pairs":
        return f"Holm-corrected over {tests}, every pair"
    if family.get("kind") == "vs-best":
        return (
            f"{tests}, each against the best by average rank, adjusted for choosing that best "
            "on the same data (permutation max-statistic step-down)"
        )
    return f"Holm-corrected over {tests}, each against it"
