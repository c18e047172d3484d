"""Reading the ``stats.json`` tree: helpers shared by the renderers, figures and scripts.

A leaf module (it imports nothing of the package), so that the statistics, the renderers and
the figures can all use it without import cycles.
"""

from __future__ import annotations

from typing import Any

#: The measure of a space whose stats.json predates value mode: regret.
_REGRET = {
    "kind": "regret",
    "better": "lower",
    "label": "regret",
    "text": "regret of the incumbent (lower is better)",
}


def find_pair(pairs: list[dict[str, Any]], a: str, b: str) -> dict[str, Any] | None:
    """The entry of ``pairs`` (pairwise tests or head-to-head rows) for a and b, either order."""
    for p in pairs:
        if {p["a"], p["b"]} == {a, b}:
            return p
    return None


def final_entries(space: dict[str, Any]) -> dict[str, Any]:
    """A space's per-strategy final results from ``stats.json``, whatever its measure.

    They are under ``final_regret`` where the optimum is known and ``final_value`` where it
    is not; empty where nothing could be compared.
    """
    return dict(space.get("final_regret") or space.get("final_value") or {})


def measure_of(space: dict[str, Any]) -> dict[str, Any]:
    """What a space's tables show (``stats.json``'s ``measure``; regret if absent)."""
    return dict(space.get("measure") or _REGRET)


def is_report(measure: dict[str, Any]) -> bool:
    """Whether a ``measure`` is of a report metric other than the search metric."""
    return measure.get("role") == "report"


def measure_title(measure: dict[str, Any]) -> str:
    """What a space's final table shows, in a few words.

    For example ``final regret``, ``best val_acc (higher is better)`` or ``final val_acc@200
    regret (report metric; incumbents chosen on val_acc@12)``.
    """
    m = measure
    if is_report(m):
        chosen = f"incumbents chosen on {m['search_metric']}"
        if m["kind"] == "regret":
            return f"final {m['metric']} regret (report metric; {chosen})"
        return f"final {m['metric']} (report metric, {m['better']} is better; {chosen})"
    if m["kind"] == "regret":
        return "final regret"
    return f"best {m['metric']} ({m['better']} is better)"


def test_figure_key(name: str) -> str:
    """Key of a space's test-metric figure among the drawn figures."""
    return f"{name} (test metric)"


def search_figure_key(name: str) -> str:
    """Key of a space's search-metric figure (where it ranks on a report metric)."""
    return f"{name} (search metric)"
