"""Assemble a report's `Document` from its statistics: the report, across spaces, each space.

The report part (title, summary, settings, notes) and the across-spaces part (average ranks,
Friedman and Nemenyi, the tests over spaces, head to head) are the report's frame; each
space's part is its heading, settings, notes and failed runs followed by the blocks of every
registered section (`reports._sections.SECTIONS`), in their order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reports._findings import settings_line, summary_lines
from reports._format import budget_text, fmt, pvalue_text
from reports._pairwise import pairwise_table
from reports._sections import SECTIONS
from reports._tree import final_entries, is_report, measure_of
from reports.document import (
    Block,
    Document,
    Heading,
    Items,
    Lines,
    Notes,
    Part,
    RenderContext,
    Table,
    TextTable,
)


def build_document(stats: dict[str, Any], figures: Mapping[str, Sequence[str]]) -> Document:
    """The whole report as blocks, from ``stats.json``'s tree and the drawn figures' files."""
    context = RenderContext(alpha=stats["settings"]["alpha"], figures=figures)
    parts = [_report_part(stats)]
    cross = stats.get("cross_space")
    if cross:
        parts.append(_across_part(cross, context))
    parts += [_space_part(space, context) for space in stats["spaces"]]
    return Document(parts=tuple(parts))


def _report_part(stats: dict[str, Any]) -> Part:
    blocks: list[Block] = [Heading(text="Comparison report", level=1)]
    summary = summary_lines(stats)
    if summary:
        blocks += [
            Heading(text="Summary"),
            Items(items=tuple(summary), tag="summary", tag_style="bold"),
        ]
    blocks.append(Lines(lines=tuple(_header(stats))))
    if stats["notes"]:
        blocks.append(Notes(texts=tuple(stats["notes"])))
    return Part(scope="report", blocks=tuple(blocks))


def _across_part(cross: dict[str, Any], context: RenderContext) -> Part:
    blocks: list[Block] = [Heading(text="Across spaces")]
    if cross["notes"]:
        blocks.append(Notes(texts=tuple(cross["notes"]), scope="across spaces"))
    if "nemenyi" in cross:
        alpha = context.alpha
        blocks += [
            Table(table=cross_table(cross), label="average-ranks"),
            Lines(lines=tuple(_cross_lines(cross))),
            *context.figure("critical_difference"),
            *context.figure("rank_over_budget"),
            Table(
                table=pairwise_table(
                    "Wilcoxon signed-rank tests over spaces (Benavoli et al. 2016)",
                    cross["wilcoxon_holm"],
                    alpha,
                    family=cross.get("family"),
                ),
                label="wilcoxon-over-spaces",
            ),
            Table(table=head_to_head_table(cross, alpha), label="head-to-head"),
        ]
    return Part(scope="across", blocks=tuple(blocks))


def _space_part(space: dict[str, Any], context: RenderContext) -> Part:
    name = space["name"]
    blocks: list[Block] = [Heading(text=name), Lines(lines=(_space_meta(space),))]
    if space["notes"]:
        blocks.append(Notes(texts=tuple(space["notes"]), scope=name))
    if space["failed_runs"]:
        blocks.append(
            Items(
                items=tuple(
                    f"{f['label']} seed {f['seed']}: {f['error']}" for f in space["failed_runs"]
                ),
                title="Failed runs:",
                tag="failed",
                tag_style="red",
                scope=name,
                markdown=False,
            )
        )
    if final_entries(space):
        for section in SECTIONS:
            blocks += section.blocks(space, context)
    return Part(scope="space", blocks=tuple(blocks))


def _report_clause(cross: dict[str, Any]) -> str:
    """What the scores over spaces are of, where some spaces entered with a report metric."""
    if not cross.get("report_metric_spaces"):
        return ""
    return "; of the report metric where it differs from the search metric"


def cross_table(cross: dict[str, Any]) -> TextTable:
    """Average ranks across spaces."""
    ranks = cross["average_ranks"]
    order = sorted(ranks, key=lambda lab: (ranks[lab], lab))
    rows = [[lab, fmt(ranks[lab], 3)] for lab in order]
    cd = cross["nemenyi"]["critical_difference"]
    return TextTable(
        title=f"Average rank over {len(cross['spaces'])} spaces",
        columns=["strategy", "average rank"],
        rows=rows,
        bold={(0, 0), (0, 1)},
        legend="Rank of each strategy's mean final regret (the best value where the optimum "
        f"is unknown{_report_clause(cross)}) per space (1 = best), averaged. "
        f"Nemenyi critical difference at alpha={cross['nemenyi']['alpha']:g}: {cd:.3f}.",
    )


def head_to_head_table(cross: dict[str, Any], alpha: float) -> TextTable:
    """Per pair of strategies: spaces where each is significantly better (Holm over spaces)."""
    entries = cross["head_to_head"]
    # The column is shown only when some space could not test some pair (e.g. equal runs).
    keys = ["a", "b", "a_better", "b_better", "neither"]
    columns = ["a", "b", "a better", "b better", "neither"]
    if any(e["untested"] for e in entries):
        keys.append("untested")
        columns.append("not testable")
    rows = [[str(e[k]) for k in keys] for e in entries]
    n = len(cross["spaces"])
    return TextTable(
        title=f"Head-to-head over {n} spaces",
        columns=columns,
        rows=rows,
        text_columns=frozenset({0, 1}),
        legend="Spaces where a (or b) has the better mean final result (regret, or the value "
        f"where the optimum is unknown{_report_clause(cross)}) and the paired Wilcoxon "
        f"p-value of that space, Holm-corrected over the {n} spaces for each pair, is below "
        f"alpha={alpha:g}: the family of a claim such as 'a beats b on most spaces'.",
    )


def _cross_lines(cross: dict[str, Any]) -> list[str]:
    lines = []
    fr = cross.get("friedman")
    if fr:
        how = fr.get("method", "chi-square")
        chi2_p = fr.get("pvalue_chi2")
        lines.append(
            f"Friedman test over {fr['n_spaces']} spaces and {fr['k']} strategies: "
            f"chi2 = {fr['chi2']:.3f}, p = {pvalue_text(fr['pvalue'])} ({how}"
            + ("" if chi2_p is None else f"; chi-square approximation p = {pvalue_text(chi2_p)}")
            + f"); Iman-Davenport F = {fmt(fr['iman_davenport_f'])}, "
            f"p = {pvalue_text(fr['iman_davenport_pvalue'])}."
            + (f" Note: {fr['note']}." if fr["note"] else "")
        )
    nem = cross["nemenyi"]
    sig = [f"{p['a']} vs {p['b']}" for p in nem["pairs"] if p["significant"]]
    asymptotic = nem.get("critical_difference_asymptotic")
    lines.append(
        f"Nemenyi critical difference (alpha={nem['alpha']:g}"
        + (
            f", {nem['method']}; Demšar's studentized-range value {asymptotic:.3f}"
            if asymptotic is not None
            else f", q = {nem['q_alpha']:.3f}"
        )
        + f"): {nem['critical_difference']:.3f}; pairs differing by more: "
        + (", ".join(sig) if sig else "none")
        + "."
    )
    return lines


def _header(stats: dict[str, Any]) -> list[str]:
    v = stats["versions"]
    src = stats["source"]
    return [
        f"{src['n_runs']} runs ({src['n_failed']} failed) on {len(stats['spaces'])} space(s). "
        + settings_line(stats),
        "Versions: " + ", ".join(f"{k} {val}" for k, val in sorted(v.items())) + ".",
        "Every number below, and how it was computed, is in `stats.json`.",
    ]


def _space_meta(space: dict[str, Any]) -> str:
    parts = [f"budget {budget_text(space)}", f"{len(space['seeds'])} paired seeds"]
    if space.get("objective"):
        optimum = space.get("optimum")
        parts.append(
            f"search metric {space['objective']} ({space['direction']}), "
            + ("optimum unknown" if optimum is None else f"optimum {fmt(optimum, 6)}")
        )
    m = measure_of(space)
    if is_report(m):
        optimum = space.get("report_optimum")
        parts.append(
            f"report metric {m['metric']} ({m['direction']}), "
            + ("optimum unknown" if optimum is None else f"optimum {fmt(optimum, 6)}")
            + ": ranked and tested"
        )
    if space.get("fidelity"):
        parts.append(f"fidelity {space['fidelity']}")
    test = space.get("test_metric")
    if test and test.get("role") != "report":
        parts.append(f"test metric {test['metric']}")
    parts.append(f"shown: {m['text']}")
    parts.append(f"checksum `{space['table_checksum'][:16]}`")
    return "; ".join(parts)
