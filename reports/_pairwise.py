"""The pairwise tests of a space as a table (the tests themselves: `reports._final`).

The section computes nothing: its statistics, the paired Wilcoxon tests of the space's
family, are the final-results section's ``pairwise``. The table also shows the tests over
spaces (`pairwise_table`, used by the across-spaces part).
"""

from __future__ import annotations

from typing import Any

from reports._findings import adjusted_pvalue
from reports._format import adjustment_text, fmt, is_hv, pvalue_text
from reports._tree import is_report, measure_of
from reports.document import Block, RenderContext, Section, Table, TextTable


class PairwiseTests(Section):
    """The table of a space's pairwise tests (where there are any)."""

    name = "pairwise"

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        if not space["pairwise"]:
            return []
        table = pairwise_table(
            f"{space['name']}: pairwise tests",
            space["pairwise"],
            context.alpha,
            measure_of(space),
            family=space.get("family"),
        )
        return [Table(table=table, label=f"{space['name']}-pairwise")]


SECTION = PairwiseTests()


def pairwise_table(
    title: str,
    pairs: list[dict[str, Any]],
    alpha: float,
    measure: dict[str, Any] | None = None,
    family: dict[str, Any] | None = None,
) -> TextTable:
    """The pairwise Wilcoxon tests of one family, with their power where it was computed.

    Args:
        title: Caption.
        pairs: The entries from ``stats.json``; those outside the family (``in_family``
            false: pairs without the control) are left out of the table.
        alpha: Significance level.
        measure: What was tested (a space's ``measure``); None for the test over spaces.
        family: The family (its ``family`` block), for how the p-values were adjusted.
    """
    n_all = len(pairs)
    pairs = [p for p in pairs if p.get("in_family", True)]
    with_power = any("power" in p for p in pairs)
    cols = [
        "a",
        "b",
        "pairs",
        "zero diffs",
        "p",
        "p (adj.)",
        "A12 (a better)",
        "rank-biserial",
        *(["power now", "seeds for 80% power"] if with_power else []),
        "method",
        "note",
    ]
    rows = []
    bold = set()
    for r, p in enumerate(pairs):
        power = p.get("power") or {}
        achieved = power.get("achieved_power")
        rows.append(
            [
                p["a"],
                p["b"],
                str(p["n_pairs"]),
                str(p["n_zero_differences"]),
                pvalue_text(p["pvalue"]),
                pvalue_text(adjusted_pvalue(p)),
                fmt(p["a12"], 3),
                fmt(p["rank_biserial"], 3),
                *(
                    ["-" if achieved is None else f"{achieved:.2f}", fmt(power.get("n_seeds"))]
                    if with_power
                    else []
                ),
                p["method"] + ("" if p["method"] == "none" else f", {p['zero_method']}"),
                p["note"],
            ]
        )
        if p["significant"]:
            bold.add((r, 5))
    if measure is None:
        # Over spaces: each space's mean final loss (regret, or the oriented value).
        on = "regret(b) - regret(a) (the best value, where a space's optimum is unknown)"
        better = "a is better"
    elif is_report(measure) and measure["kind"] == "regret":
        on = f"{measure['metric']} regret(b) - regret(a) (report metric)"
        better = f"a has the lower {measure['metric']} regret"
    elif is_report(measure):
        on = f"the final {measure['metric']} of b and a (report metric, paired by seed)"
        better = f"a has the {measure['better']} {measure['metric']}"
    elif is_hv(measure):
        on = "hypervolume regret(b) - hypervolume regret(a)"
        better = "a has the lower hypervolume regret"
    elif measure["kind"] == "regret":
        on = "regret(b) - regret(a)"
        better = "a has the lower regret"
    else:
        on = f"the best {measure['metric']} of b and a (paired by seed)"
        better = f"a has the {measure['better']} {measure['metric']}"
    return TextTable(
        title=title,
        columns=cols,
        rows=rows,
        bold=bold,
        text_columns=frozenset({0, 1, len(cols) - 2, len(cols) - 1}),  # a, b, method, note
        legend=f"Two-sided paired Wilcoxon signed-rank tests on {on}, p-values from the "
        "exact sign-flip distribution (every flip counted; 'Monte Carlo' where too many to "
        f"count); bold: significant at alpha={alpha:g} after adjustment ("
        + (adjustment_text(family) if family else "Holm")
        + f") over the {sum(p['pvalue'] is not None for p in pairs)} of these {len(pairs)} "
        "tests that could be run (n/a: too few pairs that differ). A12 > 0.5 and "
        f"rank-biserial > 0 mean {better}."
        + (
            f" The other {n_all - len(pairs)} pairs are outside the family (raw p-values in "
            "stats.json; `report --all-pairs` tests every pair)."
            if n_all > len(pairs)
            else ""
        )
        + (
            " Power now: chance that this test is significant with these seeds if the true "
            "effect were the observed one; seeds for 80% power at the same effect (simulated "
            "exact Wilcoxon at the family's per-test level: alpha / number of tests for Holm, "
            "family.per_test_alpha against a best chosen on the same data)."
            if with_power
            else ""
        ),
    )
