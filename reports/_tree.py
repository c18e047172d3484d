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


def test_figure_key(name: str) -> str:
    """Key of a space's test-metric figure among the drawn figures."""
    return f"{name} (test metric)"
