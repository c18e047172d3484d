r"""Render the ``stats.json`` tree as Markdown, self-contained HTML, LaTeX and terminal tables.

Each renderer reads only the stats tree, so every number shown is one of ``stats.json``.
Tables are first built as plain `TextTable` values (cells of text plus which are bold or
marked) and then written in each format; LaTeX goes through pandas' ``Styler.to_latex``
(booktabs rules, bold as ``\bfseries``).
"""

from __future__ import annotations

import base64
import html as html_lib
import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reports._data import is_hypervolume
from reports._findings import (
    adjusted_pvalue,
    control_of,
    power_lines,
    settings_line,
    summary_lines,
)
from reports._pareto import pareto_figure_key
from reports._stats import MIN_BOOTSTRAP_T_SEEDS
from reports._summary import duration, fitted_tables
from reports._transfer import importance_rows
from reports._tree import (
    final_entries,
    is_report,
    measure_of,
    measure_title,
    search_figure_key,
    test_figure_key,
)

DAGGER = "†"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextTable:
    """A rendered-format-neutral table.

    Attributes:
        title: Caption.
        columns: Column headers.
        rows: Cell text, one list per row.
        bold: ``(row, column)`` cells to set in bold.
        marked: ``(row, column)`` cells that get the dagger mark.
        legend: Text under the table (what marks mean).
        text_columns: Columns of names or words, set flush left (numbers go flush right).
    """

    title: str
    columns: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]] = field(default_factory=set)
    marked: set[tuple[int, int]] = field(default_factory=set)
    legend: str = ""
    text_columns: frozenset[int] = frozenset({0})

    def justify(self, column: int) -> str:
        """``left`` for a text column, ``right`` for a column of numbers."""
        return "left" if column in self.text_columns else "right"


def fmt(x: float | None, digits: int = 4) -> str:
    """Compact number, ``-`` for missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e6):
        return str(int(x))
    return f"{x:.{digits}g}"


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _final_title(space: dict[str, Any]) -> str:
    m = measure_of(space)
    if _is_hv(m):
        return f"final hypervolume regret ({m['metric']})"
    return measure_title(m)


def _is_hv(m: dict[str, Any]) -> bool:
    """Whether a measure is the regret of a multi-objective search's hypervolume."""
    return m["kind"] == "regret" and not is_report(m) and is_hypervolume(m.get("metric"))


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
            p_text = _p(adjusted_pvalue(pair))
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
    elif _is_hv(m):
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
        f"Wilcoxon signed-rank, {_family_size(space)}, alpha={alpha:g}). "
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
        title=f"{space['name']}: {_final_title(space)} after {_budget(space)}",
        columns=cols,
        rows=rows,
        bold=bold,
        marked=marked,
        legend=legend,
    )


def _family_size(space: dict[str, Any]) -> str:
    family = space.get("family") or {}
    return adjustment_text(family)


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


def _budget(space: dict[str, Any]) -> str:
    b = space["budget"]
    if b["kind"] == "seconds":
        return f"{b['amount']:g} simulated seconds"
    return f"{int(b['amount'])} {b['kind']}"


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
                _p(p["pvalue"]),
                _p(adjusted_pvalue(p)),
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
    elif _is_hv(measure):
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


def auc_target_table(space: dict[str, Any]) -> TextTable:
    """Area under the anytime curve and the fixed-target view of one space."""
    auc = space["auc"]
    ft = space["fixed_target"]
    m = measure_of(space)
    cols = [
        "strategy",
        f"AUC ({auc['axis']}) mean ± sd",
        "AUC 95% CI",
        "reached target",
        "median evaluations",
        "median simulated time",
    ]
    rows = []
    for lab in space["order"]:
        a = auc[lab]
        fe, fs = ft["evaluations"][lab], ft["seconds"][lab]
        again = fe.get("n_above_again", 0)
        rows.append(
            [
                lab,
                f"{fmt(a['mean'])} ± {fmt(a['sd'], 3)}",
                f"[{fmt(a['ci_low'])}, {fmt(a['ci_high'])}]",
                f"{fe['n_reached']}/{fe['n']}" + (f" ({again} missed again)" if again else ""),
                fmt(fe["median"]) if fe["median"] is not None else "not reached by half",
                duration(fs["median"]) if fs["median"] is not None else "not reached by half",
            ]
        )
    if is_report(m) and m["kind"] == "regret":
        reach = f"{m['metric']} regret <= {fmt(ft['target'])}"
        what = f"{m['metric']} regret (report metric)"
        curve = f"{m['metric']} regret of the incumbent"
    elif is_report(m):
        op = ">=" if m["better"] == "higher" else "<="
        reach = f"{m['metric']} {op} {fmt(ft['target'])}"
        what = f"{m['metric']} (report metric)"
        curve = f"{m['metric']} of the incumbent"
    elif _is_hv(m):
        reach = f"hypervolume regret <= {fmt(ft['target'])}"
        what, curve = "hypervolume regret", "hypervolume regret of the run's front"
    elif m["kind"] == "regret":
        reach, what = f"regret <= {fmt(ft['target'])}", "regret"
        curve = "regret of the incumbent"
    else:
        op = ">=" if m["better"] == "higher" else "<="
        reach, what = f"{m['metric']} {op} {fmt(ft['target'])}", f"best {m['metric']}"
        curve = f"best {m['metric']} so far"
    window = auc.get("window")
    over = (
        f"from {duration(window[0])} to {duration(window[1])} of the budget, once every "
        "compared run has an incumbent"
        if window and window[0] > 0
        else "over the budget"
    )
    return TextTable(
        title=f"{space['name']}: area under the anytime curve and budget to reach {reach}",
        columns=cols,
        rows=rows,
        legend=f"AUC: mean {curve} {over} ({m['better']} is better). "
        f"Target: median final {what} of all compared runs. A run reaches it at the first "
        "evaluation whose incumbent meets it, and the simulated time is the training time "
        "spent up to that evaluation, so both medians count the same runs. The incumbent is "
        "chosen on noisy observed values, so a later one can miss the target again (missed "
        "again); the run still counts as having reached it. Medians count runs that never "
        "reach it as not reached.",
    )


def transfer_tables(space: dict[str, Any]) -> list[TextTable]:
    """The transfer protocol's tables of one space (none where no strategy read a prior)."""
    transfer = space.get("transfer")
    if not transfer:
        return []
    name = space["name"]
    tables = []
    prior_rows = []
    for lab in space["order"]:
        cost = transfer["prior_cost"].get(lab)
        if cost is None:
            prior_rows.append([lab, "none (search only)", "0", "0", "0"])
            continue
        prior_rows.append(
            [
                lab,
                ", ".join(cost["sources"]) or "none available",
                f"{cost['n_configs']:,}",
                f"{cost['n_runs']:,}",
                fmt(cost["cost_hours"], 4),
            ]
        )
    tables.append(
        TextTable(
            title=f"{name}: prior knowledge read (prior cost, apart from the budget)",
            columns=[
                "strategy",
                "sources",
                "configs read",
                "recorded runs read",
                "their training hours",
            ],
            rows=prior_rows,
            legend="Transfer strategies read the recorded results of the same space on other "
            "data sets, never the target's; their training time is what that knowledge cost "
            "to make. The budget below is charged exactly as for every other strategy. The "
            "seconds each run spent learning are stored with the run (not shown: wall time "
            "varies between identical reruns).",
            text_columns=frozenset({0, 1}),
        )
    )
    early = transfer["early"]
    m = measure_of(space)
    what = "regret" if m["kind"] == "regret" else f"best {m['metric']}"
    rows = []
    for lab in space["order"]:
        entry = early["by_strategy"][lab]
        rows.append(
            [
                lab,
                *[
                    f"{fmt(a)} ({fmt(b)})"
                    for a, b in zip(entry["mean"], entry["median"], strict=True)
                ],
            ]
        )
    tables.append(
        TextTable(
            title=f"{name}: zero- and few-shot quality ({what} of the incumbent)",
            columns=["strategy", *[f"after {e}" for e in early["evaluations"]]],
            rows=rows,
            legend=f"Mean (median) over seeds of the incumbent's {what} after that many "
            f"evaluations ({m['better']} is better): what the first suggestions are worth.",
        )
    )
    for lab, imp in transfer["importance"].items():
        tables.append(
            TextTable(
                title=f"{name}: importance learned by {lab} (mean over {imp['n_runs']} runs)",
                columns=["dimension", "highest-scored values", "lowest-scored value"],
                rows=importance_rows(imp),
                legend="Each component's learned contribution to the score (higher: "
                "predicted better), averaged over runs; blocks (pairs of components) with the "
                "largest joint scores: "
                + (
                    "; ".join(
                        f"{b['a']} + {b['b']} ({fmt(b['mean_score'], 3)}, {b['n_runs']} runs)"
                        for b in imp["blocks"]
                    )
                    or "none reported"
                )
                + ".",
                text_columns=frozenset({0, 1, 2}),
            )
        )
    generation = transfer.get("generation") or {}
    if generation:
        tables.append(
            TextTable(
                title=f"{name}: architectures generated (mean over runs)",
                columns=["strategy", "samples per run", "valid", "unique", "novel"],
                rows=[
                    [
                        lab,
                        f"{gen['mean_samples']:,.0f}",
                        *[fmt(gen[key], 3) for key in ("valid", "unique", "novel")],
                    ]
                    for lab, gen in generation.items()
                ],
                legend="Every architecture a generator sampled from its model during a run, "
                "repeats included: valid is the share that is a working network (a cell with "
                "an input-to-output path), unique the share of distinct ones, novel the share "
                "of the distinct ones that are not among the designs it learned from.",
            )
        )
    return tables


def _value(x: float | None) -> str:
    """An objective's value in its own units: large counts in full, others to 5 digits."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1e4 else fmt(x, 5)


def _objective_header(objective: dict[str, Any]) -> str:
    better = "higher" if objective["direction"] == "maximize" else "lower"
    return f"{objective['name']} ({better} is better)"


def _reference_text(pareto: dict[str, Any]) -> str:
    """The reference point in original units, e.g. ``test_acc 40.587, params 2,145,277``."""
    return ", ".join(
        f"{o['name']} {_value(r)}"
        for o, r in zip(pareto["objectives"], pareto["reference"], strict=True)
    )


def pareto_lines(space: dict[str, Any]) -> list[str]:
    """What the hypervolume of a multi-objective space is measured in, in a few sentences."""
    pareto = space.get("pareto")
    if not pareto:
        return []
    objectives = ", ".join(_objective_header(o) for o in pareto["objectives"])
    true = pareto["true_front"]
    k = len(pareto["objectives"])
    n_seeds = len(space["seeds"])
    lines = [
        f"Pareto fronts of {objectives}. Hypervolumes are measured with {pareto['normalisation']}"
        f" ({_reference_text(pareto)} in original units). The true Pareto front has "
        f"{true['n_configs']} configs ({true['n_points']} distinct points) and hypervolume "
        f"{fmt(true['hypervolume'], 6)} (of a box of {fmt(1.1**k, 4)}); the report ranks the "
        "hypervolume regret, this minus the hypervolume of a run's final front (chosen on "
        "observed values, scored on oracle values).",
    ]
    attainment = pareto["attainment"]
    if attainment["computed"]:
        lines.append(
            f"Median attainment surface: the boundary of the region that the final fronts of "
            f"at least half the seeds ({-(-n_seeds // 2)} of {n_seeds}) reach, each strategy's "
            "drawn against the true front."
        )
    elif attainment["note"]:
        lines.append(f"{attainment['note'][0].upper()}{attainment['note'][1:]}.")
    return lines


def _seconds(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def workers_tables(space: dict[str, Any]) -> list[TextTable]:
    """Simulated workers and the budget per fidelity (none where no run used them)."""
    workers = space.get("workers")
    if not workers:
        return []
    fidelities = workers["fidelities"]
    rows = []
    for lab in space["order"]:
        entry = workers["by_strategy"].get(lab)
        if entry is None:
            continue
        shares = entry["median_share_at_fidelity"]
        utilisation = entry["median_utilisation"]
        rows.append(
            [
                lab,
                str(entry["workers"]),
                _seconds(entry["median_makespan_seconds"]),
                _seconds(entry["median_worker_seconds"]),
                "-" if utilisation is None else f"{100 * utilisation:.1f}",
                *["-" if shares.get(f) is None else f"{100 * shares[f]:.1f}" for f in fidelities],
            ]
        )
    return [
        TextTable(
            title=f"{space['name']}: simulated workers and the budget per fidelity",
            columns=[
                "strategy",
                "workers",
                "median makespan (s)",
                "median worker-seconds",
                "median utilisation %",
                *[f"% at fidelity {f}" for f in fidelities],
            ],
            rows=rows,
            legend="Simulated workers: evaluations run in parallel on a simulated clock and "
            "finish after their recorded training seconds; the makespan is the simulated "
            "wall-clock time of the last evaluation (the anytime curves' seconds axis), "
            "worker-seconds the training time charged over all workers, utilisation "
            "worker-seconds / (workers x makespan). % at fidelity: median share of a run's "
            f"worker-seconds spent at each fidelity, over {len(space['seeds'])} seeds.",
        )
    ]


def weight_sharing_tables(space: dict[str, Any]) -> list[TextTable]:
    """Supernet cost, ranking quality and derived operations (none without weight sharing)."""
    shared = space.get("weight_sharing")
    if not shared:
        return []
    ops = shared["ops"]
    rows = []
    for lab in space["order"]:
        entry = shared["by_strategy"].get(lab)
        if entry is None:
            continue
        mean, sd = entry["kendall_tau_mean"], entry["kendall_tau_sd"]
        tau = "-" if mean is None else f"{mean:+.2f}" + ("" if sd is None else f" ± {sd:.2f}")
        shares = entry["derived_op_share"]
        rows.append(
            [
                lab,
                _seconds(entry["median_search_seconds"]),
                _seconds(entry["median_diagnostic_seconds"]),
                tau,
                f"{entry['mean_cells_scored']:.1f}",
                *["-" if shares.get(op) is None else f"{100 * shares[op]:.0f}" for op in ops],
            ]
        )
    return [
        TextTable(
            title=f"{space['name']}: weight sharing - supernet cost, ranking and derived cells",
            columns=[
                "strategy",
                "search s (charged)",
                "check s (not charged)",
                "Kendall tau",
                "cells scored",
                *[f"% {op}" for op in ops],
            ],
            rows=rows,
            legend="search s: median recorded seconds of the supernet search, charged to "
            "each run's budget before its first stand-alone evaluation (recorded once per "
            "strategy, options and seed: the same for every rerun); check s: seconds spent "
            "scoring proposals on the supernet for this table only, not charged. Kendall "
            "tau: tau-b between the supernet's and the stand-alone validation accuracy of "
            "the cells a run evaluated (mean ± sd over runs with at least 3 such cells). "
            "% op: share of each operation over the edges of the derived cells (the cell "
            "each method returns), over all runs; a large skip_connect or none share is "
            "the collapse to parameter-free operations reported for DARTS.",
        )
    ]


def pareto_tables(space: dict[str, Any]) -> list[TextTable]:
    """The Pareto fronts of one space and its true front (none without several objectives)."""
    pareto = space.get("pareto")
    if not pareto:
        return []
    name = space["name"]
    true = pareto["true_front"]
    by = pareto["by_strategy"]
    true_hv = float(true["hypervolume"])

    def share(hv: float | None) -> str:
        return "-" if hv is None or true_hv <= 0 else f"{100 * hv / true_hv:.1f}"

    rows = [
        [
            "true Pareto front",
            fmt(true_hv, 5),
            "100.0",
            str(true["n_points"]),
            str(true["n_points"]),
        ]
    ]
    for lab in space["order"]:
        entry = by[lab]
        rows.append(
            [
                lab,
                fmt(entry["median_hypervolume"], 5),
                share(entry["median_hypervolume"]),
                fmt(entry["median_front_size"]),
                fmt(entry["median_on_true_front"]),
            ]
        )
    fronts = TextTable(
        title=f"{name}: Pareto fronts after {_budget(space)}",
        columns=[
            "strategy",
            "median final hypervolume",
            "% of the true front's",
            "median front size",
            "median points on the true front",
        ],
        rows=rows,
        legend=f"Medians over {len(space['seeds'])} seeds. The hypervolume of a run's final "
        "front (the configs no other evaluation of the run dominates, on observed values) is "
        f"scored on their oracle values, with {pareto['normalisation']}. Reference point in "
        f"original units: {_reference_text(pareto)}. Front size: configs on the final front; "
        "points on the true front: those with a true Pareto-optimal config's values. The true "
        f"front counts distinct points ({true['n_configs']} configs).",
    )
    table = pareto["true_front_table"]
    listed = table["rows"]
    objectives = pareto["objectives"]
    points = true["points"]
    cut = len(listed) < true["n_points"]
    point_rows = []
    for r, j in enumerate(listed):
        found = []
        for lab in space["order"]:
            value = table["share_found"][lab][r]
            n = by[lab]["n_fronts"]
            found.append("-" if value is None else f"{round(value * n)}/{n}")
        point_rows.append([str(j + 1), *[_value(v) for v in points[j]], *found])
    what = (
        f"{len(listed)} of its {true['n_points']} points, evenly spaced along the front"
        if cut
        else f"all {true['n_points']} points"
    )
    true_table = TextTable(
        title=f"{name}: the true Pareto front ({what})",
        columns=[
            "#",
            *[_objective_header(o) for o in objectives],
            *[f"found by {lab}" for lab in space["order"]],
        ],
        rows=point_rows,
        legend=f"Oracle values (mean over recorded seeds), from the best {objectives[0]['name']} "
        "to the worst; # numbers the front's distinct points in that order"
        + (", so gaps show the points left out" if cut else "")
        + ". Found by: seeds whose final front holds a config with that point's values.",
        text_columns=frozenset(),
    )
    return [fronts, true_table]


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
            f"chi2 = {fr['chi2']:.3f}, p = {_p(fr['pvalue'])} ({how}"
            + ("" if chi2_p is None else f"; chi-square approximation p = {_p(chi2_p)}")
            + f"); Iman-Davenport F = {fmt(fr['iman_davenport_f'])}, "
            f"p = {_p(fr['iman_davenport_pvalue'])}."
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


def _space_lines(space: dict[str, Any]) -> list[str]:
    return power_lines(space)


def _figure_keys(name: str) -> tuple[str, str, str]:
    """A space's figures in the order the report shows them."""
    return (name, search_figure_key(name), test_figure_key(name))


# ---------------------------------------------------------------------------- Markdown


# Characters that would turn a table cell's text into Markdown: escaped, so that a label
# such as "evo*2" or an error message shows as written. An underscore inside a word
# ("p_local") never starts emphasis, so it is left alone and the raw file stays readable.
_MD_SPECIAL = re.compile(r"[\\`*\[\]|]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _slug_of(space: dict[str, Any]) -> str:
    from reports._figures import slug

    return f"importance_{slug(space['name'])}"


def md_escape(text: str) -> str:
    """``text`` as Markdown that renders as exactly this text (in a table cell, too)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_cell(t: TextTable, r: int, c: int) -> str:
    text = md_escape(t.rows[r][c])
    if (r, c) in t.marked:
        text += f" {DAGGER}"
    return f"**{text}**" if (r, c) in t.bold else text


def md_table(t: TextTable) -> str:
    """A GitHub-flavoured Markdown table with caption and legend."""
    lines = [
        f"**{t.title}**",
        "",
        "| " + " | ".join(md_escape(c) for c in t.columns) + " |",
        "|" + "|".join("---" for _ in t.columns) + "|",
    ]
    for r in range(len(t.rows)):
        lines.append("| " + " | ".join(_md_cell(t, r, c) for c in range(len(t.columns))) + " |")
    if t.legend:
        lines += ["", f"*{t.legend}*"]
    return "\n".join(lines) + "\n"


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
    parts = [f"budget {_budget(space)}", f"{len(space['seeds'])} paired seeds"]
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


def markdown(stats: dict[str, Any], figures: dict[str, list[str]]) -> str:
    """``report.md``: the whole report, figures linked as PNG files."""
    alpha = stats["settings"]["alpha"]
    out = ["# Comparison report", ""]
    summary = summary_lines(stats)
    if summary:
        out += ["## Summary", "", *[f"- {line}" for line in summary], ""]
    out += [*_header(stats), ""]
    out += [f"> {n}" for n in stats["notes"]]
    cross = stats.get("cross_space")
    if cross:
        out += ["", "## Across spaces", ""]
        out += [f"> {n}" for n in cross["notes"]]
        if "nemenyi" in cross:
            out += ["", md_table(cross_table(cross)), *_cross_lines(cross), ""]
            for key in ("critical_difference", "rank_over_budget"):
                if key in figures:
                    out += [f"![{key}]({figures[key][0]})", ""]
            out += [
                md_table(
                    pairwise_table(
                        "Wilcoxon signed-rank tests over spaces (Benavoli et al. 2016)",
                        cross["wilcoxon_holm"],
                        alpha,
                        family=cross.get("family"),
                    )
                )
            ]
            out += ["", md_table(head_to_head_table(cross, alpha))]
    for space in stats["spaces"]:
        out += ["", f"## {space['name']}", "", _space_meta(space), ""]
        out += [f"> {n}" for n in space["notes"]]
        if space["failed_runs"]:
            out += ["", "Failed runs:", ""]
            out += [f"- {f['label']} seed {f['seed']}: {f['error']}" for f in space["failed_runs"]]
        if not final_entries(space):
            continue
        out += ["", md_table(final_table(space, alpha)), *_space_lines(space), ""]
        for key in _figure_keys(space["name"]):
            if key in figures:
                out += [f"![{key}]({figures[key][0]})", ""]
        for line in pareto_lines(space):
            out += [line, ""]
        for i, table in enumerate(pareto_tables(space)):
            out += [md_table(table)]
            if i == 0 and (key := pareto_figure_key(space["name"])) in figures:
                out += [f"![{key}]({figures[key][0]})", ""]
        out += [md_table(auc_target_table(space))]
        if space["pairwise"]:
            out += [
                md_table(
                    pairwise_table(
                        f"{space['name']}: pairwise tests",
                        space["pairwise"],
                        alpha,
                        measure_of(space),
                        family=space.get("family"),
                    )
                )
            ]
        for table in [
            *transfer_tables(space),
            *workers_tables(space),
            *weight_sharing_tables(space),
        ]:
            out += ["", md_table(table)]
        out += [
            f"![importance]({f})"
            for f in figures.get("importance", [])
            if f.endswith(".png") and _slug_of(space) in f
        ]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
.table{overflow-x:auto;margin:.6em 0}
table{border-collapse:collapse;font-size:.9em}
th,td{padding:.25em .5em;text-align:right;border-bottom:1px solid #ddd;vertical-align:top}
th{border-bottom:2px solid #444;vertical-align:bottom}
th.text,td.text{text-align:left} td.name{white-space:nowrap}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
.legend{font-size:.85em;color:#555;margin-top:0} .note{background:#fff6dd;padding:.4em .8em;
border-left:4px solid #e0b000;margin:.4em 0}
.figure{overflow-x:auto;margin:.8em 0} .figure img{max-width:100%;height:auto}
code{font-size:.9em;background:#f3f3f3;padding:0 .2em;border-radius:3px}
@media (max-width:900px){body{margin:1em auto} table{font-size:.8em} th,td{padding:.2em .35em}}
"""

# CommonMark with raw HTML turned off: a note that holds "<...>" is shown, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def md_inline(text: str) -> str:
    """One line of the report's Markdown (code spans, emphasis) as escaped HTML."""
    return str(_MARKDOWN.renderInline(text))


# "0.1 ± 0.02" and "[0.1, 0.2]" read as one value each: a narrow window may break a cell
# between values ("0.05 [0.01, 0.1]" before its "["), never inside one.
_ONE_VALUE = re.compile(r" ± |(?<=,) (?=[^\[\]]*\])")


def _html_cell(text: str) -> str:
    return _ONE_VALUE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), html_lib.escape(text))


def html_table(t: TextTable) -> str:
    """An HTML table with caption and legend."""
    esc = html_lib.escape
    head = "".join(
        f'<th class="text">{esc(h)}</th>' if c in t.text_columns else f"<th>{esc(h)}</th>"
        for c, h in enumerate(t.columns)
    )
    body = []
    for r, row in enumerate(t.rows):
        cells = []
        for c, text in enumerate(row):
            v = _html_cell(text) + (f" {DAGGER}" if (r, c) in t.marked else "")
            v = f"<b>{v}</b>" if (r, c) in t.bold else v
            # Names (first column, and a and b of a pair) never break at their hyphens.
            cls = ("text name" if c in (0, 1) else "text") if c in t.text_columns else ""
            cells.append(f'<td class="{cls}">{v}</td>' if cls else f"<td>{v}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    legend = f'<p class="legend">{md_inline(t.legend)}</p>' if t.legend else ""
    # The wrapper scrolls a table wider than the page sideways instead of widening the page.
    return (
        f'<div class="table"><table><caption>{esc(t.title)}</caption><thead><tr>{head}</tr>'
        "</thead><tbody>" + "".join(body) + f"</tbody></table></div>{legend}\n"
    )


# Narrowest a figure is shown (px): in a narrower window it scrolls sideways in its box
# instead, because scaled down further its labels would be too small to read.
_MIN_FIGURE_PX = 720


def _img(root: Path, rel: str, alt: str) -> str:
    png = (root / rel).read_bytes()
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<div class="figure"><img alt="{html_lib.escape(alt)}" width="{width}" '
        f'height="{height}" style="min-width:{min(width, _MIN_FIGURE_PX)}px" '
        f'src="data:image/png;base64,{data}"></div>\n'
    )


def html(stats: dict[str, Any], figures: dict[str, list[str]], root: Path) -> str:
    """``report.html``: the whole report in one file, figures embedded as PNG data URIs."""
    esc = html_lib.escape
    alpha = stats["settings"]["alpha"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Comparison report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Comparison report</h1>",
    ]
    summary = summary_lines(stats)
    if summary:
        items = "".join(f"<li>{md_inline(line)}</li>" for line in summary)
        parts.append(f"<h2>Summary</h2><ul>{items}</ul>")
    parts += [f"<p>{md_inline(line)}</p>" for line in _header(stats)]
    parts += [f'<p class="note">{md_inline(n)}</p>' for n in stats["notes"]]
    cross = stats.get("cross_space")
    if cross:
        parts.append("<h2>Across spaces</h2>")
        parts += [f'<p class="note">{md_inline(n)}</p>' for n in cross["notes"]]
        if "nemenyi" in cross:
            parts.append(html_table(cross_table(cross)))
            parts += [f"<p>{md_inline(line)}</p>" for line in _cross_lines(cross)]
            for key in ("critical_difference", "rank_over_budget"):
                if key in figures:
                    parts.append(_img(root, figures[key][0], key))
            parts.append(
                html_table(
                    pairwise_table(
                        "Wilcoxon signed-rank tests over spaces (Benavoli et al. 2016)",
                        cross["wilcoxon_holm"],
                        alpha,
                        family=cross.get("family"),
                    )
                )
            )
            parts.append(html_table(head_to_head_table(cross, alpha)))
    for space in stats["spaces"]:
        parts.append(f"<h2>{esc(space['name'])}</h2><p>{md_inline(_space_meta(space))}</p>")
        parts += [f'<p class="note">{md_inline(n)}</p>' for n in space["notes"]]
        if space["failed_runs"]:
            items = "".join(
                f"<li>{esc(f['label'])} seed {f['seed']}: {esc(f['error'])}</li>"
                for f in space["failed_runs"]
            )
            parts.append(f"<p>Failed runs:</p><ul>{items}</ul>")
        if not final_entries(space):
            continue
        parts.append(html_table(final_table(space, alpha)))
        parts += [f"<p>{md_inline(line)}</p>" for line in _space_lines(space)]
        for key in _figure_keys(space["name"]):
            if key in figures:
                parts.append(_img(root, figures[key][0], key))
        parts += [f"<p>{md_inline(line)}</p>" for line in pareto_lines(space)]
        for i, table in enumerate(pareto_tables(space)):
            parts.append(html_table(table))
            if i == 0 and (key := pareto_figure_key(space["name"])) in figures:
                parts.append(_img(root, figures[key][0], key))
        parts.append(html_table(auc_target_table(space)))
        if space["pairwise"]:
            parts.append(
                html_table(
                    pairwise_table(
                        f"{space['name']}: pairwise tests",
                        space["pairwise"],
                        alpha,
                        measure_of(space),
                        family=space.get("family"),
                    )
                )
            )
        parts += [
            html_table(t)
            for t in [
                *transfer_tables(space),
                *workers_tables(space),
                *weight_sharing_tables(space),
            ]
        ]
        parts += [
            _img(root, f, "importance")
            for f in figures.get("importance", [])
            if f.endswith(".png") and _slug_of(space) in f
        ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "≈": r"$\approx$",
    "<": r"$<$",
    ">": r"$>$",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX specials (and typeset ±, <, >) in plain text."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def latex_table(t: TextTable, label: str) -> str:
    r"""A booktabs table via pandas ``Styler.to_latex``, ready for ``\input``."""
    body = [
        [
            latex_escape(text) + (r"$^\dagger$" if (r, c) in t.marked else "")
            for c, text in enumerate(row)
        ]
        for r, row in enumerate(t.rows)
    ]
    frame = pd.DataFrame(body, columns=[latex_escape(c) for c in t.columns])
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for r, c in t.bold:
        styles.iloc[r, c] = "font-weight: bold"
    styler = frame.style.hide(axis="index").apply(lambda _: styles, axis=None)
    caption = latex_escape(t.title) + (f". {latex_escape(t.legend)}" if t.legend else "")
    tex = styler.to_latex(
        hrules=True,
        column_format="".join(t.justify(c)[0] for c in range(len(t.columns))),
        caption=caption.replace(DAGGER, r"$^\dagger$"),
        label=label,
        position_float="centering",
        convert_css=True,
    )
    return _fit_width(tex)


# A table set in \small with narrower column gaps, scaled down only where it is still wider
# than the text (graphicx's \resizebox sees the natural width as \width): a narrow table
# keeps its size, a wide one (9 columns of numbers) fits the page instead of running off it.
_FIT_BEGIN = (
    "\\small\n\\setlength{\\tabcolsep}{4pt}\n"
    "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n"
)


def _fit_width(tex: str) -> str:
    """Wrap the one ``tabular`` of a ``table`` float so that it never overflows the page."""
    begin, end = tex.find("\\begin{tabular}"), tex.rfind("\\end{tabular}")
    if begin < 0 or end < 0:
        return tex
    stop = end + len("\\end{tabular}")
    return tex[:begin] + _FIT_BEGIN + tex[begin:stop] + "%\n}" + tex[stop:]


def latex(stats: dict[str, Any]) -> str:
    """``tables.tex``: one final-regret table per space, plus the cross-space ranks.

    A multi-objective space adds its Pareto-fronts table and its true front.
    """
    alpha = stats["settings"]["alpha"]
    summary = summary_lines(stats)
    out = [
        "% Generated by `python -m harness report`; needs \\usepackage{booktabs} and",
        "% \\usepackage{graphicx} (wide tables are scaled down to \\linewidth).",
        "% Every number is in stats.json.",
        *[f"% {line}" for line in summary],
        "",
    ]
    from reports._figures import slug

    for space in stats["spaces"]:
        if final_entries(space):
            out.append(latex_table(final_table(space, alpha), f"tab:{slug(space['name'])}"))
            for i, table in enumerate(transfer_tables(space)):
                out.append(latex_table(table, f"tab:{slug(space['name'])}-transfer-{i + 1}"))
            for table, part in zip(pareto_tables(space), ("pareto", "true-front"), strict=False):
                out.append(latex_table(table, f"tab:{slug(space['name'])}-{part}"))
            for table in workers_tables(space):
                out.append(latex_table(table, f"tab:{slug(space['name'])}-workers"))
            for table in weight_sharing_tables(space):
                out.append(latex_table(table, f"tab:{slug(space['name'])}-weight-sharing"))
    cross = stats.get("cross_space")
    if cross and "nemenyi" in cross:
        out.append(latex_table(cross_table(cross), "tab:average-ranks"))
        out.append(latex_table(head_to_head_table(cross, alpha), "tab:head-to-head"))
    if len(out) == 4 + len(summary):
        out += [f"% {n}" for n in stats["notes"]] or ["% nothing to compare: no tables"]
    return "\n".join(out)


# ---------------------------------------------------------------------------- terminal


def terminal(stats: dict[str, Any], console: Console) -> None:
    """Print the report's summary, tables and notes as rich tables."""
    alpha = stats["settings"]["alpha"]
    for line in summary_lines(stats):
        console.print(Text("summary: ", style="bold") + Text(line), highlight=False)
    for n in stats["notes"]:
        console.print(f"[yellow]note:[/] {n}", highlight=False)
    for space in stats["spaces"]:
        for n in space["notes"]:
            console.print(f"[yellow]note ({space['name']}):[/] {n}", highlight=False)
        for f in space["failed_runs"]:
            console.print(
                Text("failed: ", style="red")
                + Text(f"{space['name']} {f['label']} seed {f['seed']}: {f['error']}"),
                highlight=False,
            )
        if not final_entries(space):
            continue
        _print_table(final_table(space, alpha), console)
        for line in _space_lines(space):
            console.print(line, highlight=False)
        for table in pareto_tables(space)[:1]:  # the fronts; the true front is in the files
            _print_table(table, console)
    cross = stats.get("cross_space")
    if cross:
        for n in cross["notes"]:
            console.print(f"[yellow]note (across spaces):[/] {n}", highlight=False)
        if "nemenyi" in cross:
            _print_table(cross_table(cross), console)
            for line in _cross_lines(cross):
                console.print(line, highlight=False)
            _print_table(head_to_head_table(cross, alpha), console)


def _print_table(t: TextTable, console: Console) -> None:
    # Too wide for the console: several narrower tables that each repeat the names.
    for table in _rich(t, console.width):
        console.print(table)
    if t.legend:
        console.print(Text(t.legend, style="dim"))


def _rich(t: TextTable, width: int) -> list[Table]:
    rows: list[list[str | Text]] = []
    for r, row in enumerate(t.rows):
        cells: list[str | Text] = []
        for c, text in enumerate(row):
            v = text + (f" {DAGGER}" if (r, c) in t.marked else "")
            cells.append(Text(v, style="bold" if (r, c) in t.bold else ""))
        rows.append(cells)
    columns = [(col, t.justify(i)) for i, col in enumerate(t.columns)]
    return fitted_tables(t.title, columns, rows, width)
