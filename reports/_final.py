"""The final results of a space: each strategy's result, its tests against the best, power.

The section that opens a space's report. Its statistics are the final result of every
strategy (the regret, or the value where the optimum is unknown, with interval, median,
average rank and how often it found the optimum), the paired Wilcoxon tests and the family
they are adjusted over (each strategy against the best by average rank, or a named control,
or every pair), the power of those tests, the chance of being best, and the same incumbents
scored on a test metric and (where the space ranks on a report metric) on the search metric.
Its blocks are the final-results table and the sentences on power; the pairwise tests have
a section of their own (`reports._pairwise`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reports import _stats
from reports._data import Cell
from reports._findings import adjusted_pvalue, control_of, power_lines
from reports._format import adjustment_text, budget_text, fmt, is_hv, pvalue_text
from reports._inference import (
    adjust,
    by_rank,
    family_of,
    final_results,
    not_worse,
    on_search_metric,
    on_test_metric,
    pair_powers,
    pairwise_tests,
    probability_best,
)
from reports._stats import MIN_BOOTSTRAP_T_SEEDS
from reports._tree import final_entries, is_report, measure_of, measure_title
from reports.document import (
    DAGGER,
    Block,
    Lines,
    RenderContext,
    Section,
    StatsSettings,
    Table,
    TextTable,
)


def final_key(cell: Cell) -> str:
    """Where a space's final results are: ``final_regret``, or ``final_value`` (no optimum)."""
    return "final_regret" if cell.measure.kind == "regret" else "final_value"


class FinalResults(Section):
    """Final results, the tests against the best and their power."""

    name = "final-results"

    def empty_stats(self, cell: Cell) -> dict[str, Any]:
        return {
            final_key(cell): {},
            "pairwise": [],
            "best": None,
            "best_by_rank": None,
            "family": None,
            "not_significantly_worse": [],
            "best_set": None,
            "probability_best": None,
            "power": None,
            "test_metric": None,
            "search": None,
        }

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        k, n = len(cell.labels), len(cell.seeds)
        m = cell.measure
        sign = m.sign
        alpha, seed, control = settings.alpha, settings.seed, settings.control
        ranks = np.asarray(_stats.average_ranks(cell.final.T), dtype=np.float64)
        final = final_results(cell.labels, cell.final, ranks, kind=m.kind, sign=sign, seed=seed)
        # Order on the loss (lower is better) whatever is shown: mean, then median, then label.
        described = {lab: _stats.describe(cell.final[i]) for i, lab in enumerate(cell.labels)}
        order = sorted(
            cell.labels, key=lambda lab: (described[lab].mean, described[lab].median, lab)
        )
        ranked = by_rank(cell.labels, cell.final)
        # The family's control: the requested one where it ran here, else the best by rank.
        ctl = control if control in cell.labels else ranked[0]
        kind = (
            settings.family
            if settings.family == "all-pairs"
            else ("vs-control" if ctl == control else "vs-best")
        )
        pairs = pairwise_tests(
            cell.labels,
            cell.final,
            alpha,
            settings.zero_method,
            sign,
            control=None if kind == "all-pairs" else ctl,
            seed=seed,
        )
        fam = power = versus = None
        if k >= 2:
            versus = adjust(
                pairs,
                cell.labels,
                cell.final,
                design=kind,
                control=ctl,
                alpha=alpha,
                zero_method=settings.zero_method,
                seed=seed,
            )
        tied_with_best, best_set = not_worse(pairs, ctl, order)
        if k >= 2:
            fam = family_of(kind, ctl, k=k, n_blocks=n, alpha=alpha, pairs=pairs, versus=versus)
            runner_up = next(lab for lab in ranked if lab != ctl)
            power = pair_powers(
                cell,
                pairs,
                fam["n_comparisons"],
                (ctl, runner_up),
                alpha=alpha,
                seed=seed,
                per_test_alpha=fam["per_test_alpha"] if versus is not None else None,
            )
        return {
            final_key(cell): final,
            "best": order[0],
            "best_by_rank": ranked[0],
            "order": order,
            "family": fam,
            "not_significantly_worse": tied_with_best,
            "best_set": None if kind == "vs-control" else best_set,
            "probability_best": probability_best(cell.labels, cell.final, seed=seed),
            "pairwise": pairs,
            "power": power,
            "test_metric": on_test_metric(cell, seed=seed),
            "search": on_search_metric(cell, seed=seed),
        }

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        table = Table(table=final_table(space, context.alpha), label=space["name"])
        lines = power_lines(space)
        return [table, Lines(lines=tuple(lines))] if lines else [table]


SECTION = FinalResults()


def _final_title(space: dict[str, Any]) -> str:
    m = measure_of(space)
    if is_hv(m):
        return f"final hypervolume regret ({m['metric']})"
    return measure_title(m)


def _test_text(t: dict[str, Any]) -> str:
    """``mean ± sd`` of a strategy's final test value."""
    return f"{fmt(t['mean'])} ± {fmt(t['sd'], 3)}" + (
        "" if t["n"] == len(t["per_seed"]) else f" (n={t['n']})"
    )


def _second_column(space: dict[str, Any]) -> dict[str, Any] | None:
    """The ``test_metric`` block where the final table shows it as a column of its own.

    A test metric always; a report metric's values only beside its regret (where the table
    ranks on the report metric's value, the column would repeat it).
    """
    test = space.get("test_metric")
    if not test:
        return None
    if test.get("role") == "report" and measure_of(space)["kind"] != "regret":
        return None
    return dict(test)


def _second_header(test: dict[str, Any]) -> str:
    role = "report metric" if test.get("role") == "report" else "test"
    return f"{test['metric']} ({role}) mean ± sd"


def _search_header(search: dict[str, Any]) -> str:
    m = search["measure"]
    what = f"{m['metric']} regret" if m["kind"] == "regret" else f"best {m['metric']}"
    return f"{what} (search metric) mean ± sd"


def final_table(space: dict[str, Any], alpha: float) -> TextTable:
    """Final-result table of one space, strategies from best to worst mean.

    The result is the final regret where the optimum is known and the best search-metric
    value otherwise (``measure``); where the space has a test metric, a column shows the
    test value of each strategy's final incumbents. Where the space ranks on a report metric
    other than the search metric, the result is the report metric's regret (or value), a
    column shows its value beside its regret, and another the search metric's regret.
    """
    best = space["best"]
    ref = control_of(space) or best  # the control of the tests: the best average rank
    m = measure_of(space)
    test = _second_column(space)
    search = space.get("search")
    cols = [
        "strategy",
        "mean ± sd",
        "median [IQR]",
        "95% CI of mean",
        "avg rank",
        "found optimum",
        "p vs best (adj.)",
        "A12 vs best",
    ]
    if test:
        cols.append(_second_header(test))
    if search:
        cols.append(_search_header(search))
    rows: list[list[str]] = []
    bold: set[tuple[int, int]] = set()
    marked: set[tuple[int, int]] = set()
    finals = final_entries(space)
    for r, lab in enumerate(space["order"]):
        f = finals[lab]
        pair = next((p for p in space["pairwise"] if {p["a"], p["b"]} == {ref, lab}), None)
        if lab == ref or pair is None:
            p_text, a12 = "-", "-"
        else:
            p_text = pvalue_text(adjusted_pvalue(pair))
            # a12 in stats is P(a better than b); show P(best better than lab).
            a12_val = (
                pair["a12"]
                if pair["a"] == ref
                else (None if pair["a12"] is None else 1 - pair["a12"])
            )
            a12 = fmt(a12_val, 3)
        found = f.get("n_found_optimum")
        row = [
            lab,
            f"{fmt(f['mean'])} ± {fmt(f['sd'], 3)}",
            f"{fmt(f['median'])} [{fmt(f['q1'], 3)}, {fmt(f['q3'], 3)}]",
            f"[{fmt(f['ci_low'])}, {fmt(f['ci_high'])}]",
            fmt(f["average_rank"], 3),
            "-" if found is None else f"{found}/{f['n']}",
            p_text,
            a12,
        ]
        if test:
            row.append(_test_text(test["final"][lab]))
        if search:
            row.append(_test_text(search["final"][lab]))
        rows.append(row)
        if lab == best:
            bold.update({(r, 0), (r, 1)})
        if lab == ref:
            bold.update({(r, 0), (r, 4)})
        if lab in space["not_significantly_worse"]:
            marked.add((r, 0))
    n = len(space["seeds"])
    if is_report(m):
        shown = "Final regret of " if m["kind"] == "regret" else "Final "
        what = (
            f"{shown}{m['metric']} (the report metric) of the incumbent chosen on "
            f"{m['search_metric']} (the search metric)"
        )
    elif is_hv(m):
        what = (
            f"Final hypervolume regret (the true Pareto front's {m['metric']} minus that of "
            "the run's final front; see the Pareto fronts below)"
        )
    elif m["kind"] == "regret":
        what = "Final regret"
    else:
        what = (
            f"Best {m['metric']} found (the final incumbent's; the optimum is unknown, so no "
            "regret and no 'found optimum')"
        )
    legend = (
        f"{what} over {n} seed(s), {m['better']} is better; 95% CI of mean: Student-t"
        + (
            ", widened to the bootstrap-t interval where that reaches further (skewed results). "
            if n >= MIN_BOOTSTRAP_T_SEEDS
            else f" (below {MIN_BOOTSTRAP_T_SEEDS} seeds not widened by the bootstrap-t). "
        )
        + f"Bold: best mean and best average rank. 'best' in the p and A12 columns: {ref}, "
        f"the reference of the tests. {DAGGER}: not significantly worse than {ref} (paired "
        f"Wilcoxon signed-rank, {adjustment_text(space.get('family') or {})}, alpha={alpha:g}). "
        f"A12: probability that {ref} beats the strategy on a seed (0.5 = no difference). "
        "n/a: too few differing pairs for a test."
    )
    chance = space.get("probability_best")
    if chance and "by_mean" in chance:
        legend += (
            " Chance of being best by mean (paired bootstrap over seeds): "
            + ", ".join(
                f"{lab} {chance['by_mean'][lab]:.2f}"
                for lab in space["order"]
                if chance["by_mean"][lab] >= 0.005
            )
            + "."
        )
    if is_report(m):
        legend += f" Ranks and tests are of {m['metric']}" + (
            "."
            if m["kind"] == "regret"
            else "; its optimum is unknown, so no regret and no 'found optimum'."
        )
    if test and test.get("role") == "report":
        legend += (
            f" {test['metric']} (report metric): its value for the final incumbent "
            f"({test['better']} is better)."
        )
    elif test:
        legend += (
            f" {test['metric']} (test): test value of the final incumbent, chosen on "
            f"{space.get('metric') or 'the search metric'} ({test['better']} is better; "
            "shown, never used to choose)."
        )
    if search:
        sm = search["measure"]
        legend += (
            f" {_search_header(search).removesuffix(' mean ± sd')}: the same incumbents "
            f"scored on {sm['metric']}, which the strategies searched ({sm['better']} is "
            "better; shown, not ranked or tested)."
        )
    return TextTable(
        title=f"{space['name']}: {_final_title(space)} after {budget_text(space)}",
        columns=cols,
        rows=rows,
        bold=bold,
        marked=marked,
        legend=legend,
    )
