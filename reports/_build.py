"""Build a comparison's statistical report: compute, then write every output file.

`compute_stats` turns loaded cells into one JSON-ready tree (``stats.json``) holding every
number the report shows and how it was computed; the Markdown, HTML, LaTeX and terminal
renderers read only that tree (and the figures only the cells), so the files cannot disagree
with ``stats.json``. Randomness (the simulated samples of the power analysis) comes from
``numpy.random.SeedSequence`` keyed by the report seed and a stable hash of what is
simulated, so the same store and settings give a byte-identical ``stats.json``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import platform
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from reports import _best, _stats
from reports._data import Cell, Loaded, ReportError, load
from reports._inference import (
    CONFIDENCE,
    POWER,
    adjust,
    by_rank,
    family_of,
    not_worse,
    num,
    nums,
    pairwise_tests,
    probability_best,
)
from reports._sections import SECTIONS
from reports._tree import final_entries, find_pair
from reports.document import StatsSettings

#: The families of pairwise tests, per space and across spaces: each strategy against the
#: best by average rank, chosen on the same data (k - 1 tests; the permutation
#: max-statistic step-down of `reports._best`, which repeats the choice of the best in every
#: permutation), or every pair (k (k - 1) / 2 tests, Holm). A control named in advance
#: (``control=``) makes the first family ``vs-control``: k - 1 tests, Holm.
FAMILIES = ("vs-best", "all-pairs")
N_RANK_POINTS = 50

__all__ = ["Report", "ReportError", "build_report", "compute_stats", "final_entries", "find_pair"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A written report.

    Attributes:
        directory: The comparison directory the files were written to.
        stats: The ``stats.json`` tree.
        files: Every file written, relative to ``directory``.
    """

    directory: Path
    stats: dict[str, Any]
    files: tuple[str, ...]


def _versions(*, pareto: bool = False) -> dict[str, str]:
    out = {"python": platform.python_version()}
    # moocore computes attainment surfaces: listed only where a report has any, so that the
    # stats.json of a single-objective comparison stays as it was.
    extra = ("moocore",) if pareto else ()
    for dist in ("nas-harness", "numpy", "scipy", "statsmodels", "pandas", "matplotlib", *extra):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _family_setting(family: str, control: str | None) -> dict[str, Any]:
    if family == "all-pairs":
        text = (
            "Holm over every pair of strategies (k(k-1)/2 tests); the control (below) is "
            "still the reference of the summary and of the final table"
        )
        design = "all-pairs"
    elif control is not None:
        text = (
            "Holm over the k-1 tests of each strategy against the control named in advance "
            "(Demsar 2006, section 3.2.2); where it was not compared in a space, that "
            "space's family is vs-best (below); the other pairs keep their raw p-values "
            "(in_family false, pvalue_adjusted null)"
        )
        design = "vs-control"
    else:
        text = (
            "the k-1 tests of each strategy against the best by average rank, which is "
            "chosen on the same data, adjusted by a permutation max-statistic step-down "
            "that repeats the choice of the best in every permutation ("
            + _best.VERSUS_BEST_METHOD
            + "); Holm over k-1 as if the best had been named in advance rejects far more "
            "often than alpha (0.12-0.13 with all strategies equal at k = 9, n = 10 and k = "
            "8, n = 30); the other pairs keep their raw p-values (in_family false, "
            "pvalue_adjusted null)"
        )
        design = "vs-best"
    chosen = (
        f"{control} where it was compared, else the lowest average rank"
        if control is not None
        else "the strategy with the lowest average rank (ties: lower mean, then label), "
        "chosen on the same data; the family's adjustment accounts for that choice"
    )
    controls = {
        "vs-best": "the family-wise error rate of the claims 'X is significantly worse or "
        "better than the best' at alpha when every strategy is equally good; each step is "
        "an exact permutation test (up to the stated Monte Carlo error), checked by "
        "simulation also with some strategies truly worse (docs/reports.md)",
        "vs-control": "the family-wise error rate of the k-1 claims about the named control "
        "(Holm: strong control)",
        "all-pairs": "the family-wise error rate of every pairwise claim (Holm: strong control)",
    }
    return {
        "kind": family,
        "design": design,
        "control": control,
        "control_chosen_by": chosen,
        "adjustment": text,
        "controls": controls[design],
        "n_permutations": _best.N_PERMUTATIONS,
    }


def _settings(
    alpha: float,
    seed: int,
    zero_method: str,
    log_scale: bool,
    family: str = "vs-best",
    control: str | None = None,
) -> dict[str, Any]:
    return {
        "alpha": alpha,
        "seed": seed,
        "log_scale": log_scale,
        "measure": {
            "regret": "where the space's optimum is known: regret of the incumbent, the "
            "optimum's oracle value minus the incumbent's (sign-adjusted, >= 0); lower is better",
            "value": "where the optimum is unknown: the incumbent's search metric itself "
            "(its oracle value where the objective knows it, else the observed value), in "
            "the metric's units and direction; keys final_value instead of final_regret, "
            "n_found_optimum null, log_scale not applied",
            "loss": "tests, effect sizes, ranks, areas and targets are computed on a "
            "lower-is-better loss: regret, or the value (minimised metric) or -value "
            "(maximised metric); shown numbers are converted back, so A12 > 0.5 and "
            "rank_biserial > 0 mean a is better in both measures, r_plus / r_minus / "
            "statistic are those of loss(b) - loss(a), and cross_space scores are mean "
            "final losses",
            "test_metric": "where the space has a test metric: the test value of the "
            "incumbent chosen on the search metric (never used to choose), mean ± sd over "
            "the compared seeds, and its anytime curve; where the report metric differs from "
            "the search metric, this block (role 'report') holds the report metric's values "
            "instead",
            "report_metric": "where a space's report metric (report_metric) differs from its "
            "search metric (metric), everything ranked and tested - final results, pairwise "
            "tests, ranks, areas, targets, the analysis over spaces - is of the report "
            "metric of the incumbent chosen on the search metric: its regret where its "
            "optimum (report_optimum) is known, else its value (measure.role 'report'); the "
            "search metric's regret (or best value) is shown beside it under 'search'. Where "
            "the two are the same metric, everything is of the search metric",
        },
        "interval": {
            "name": "Student-t (widened by the bootstrap-t from 10 seeds)",
            "method": _stats.INTERVAL_METHOD + "; of the mean over seeds (final results, "
            "areas, test metric) and of the mean paired difference (pairwise entries)",
            "bands": "the anytime bands of the figures (anytime.*.ci_low/ci_high) are "
            "pointwise Student-t intervals: " + _stats.T_INTERVAL,
            "confidence": CONFIDENCE,
            "n_resamples": _stats.N_INTERVAL_RESAMPLES,
            "rng": "numpy default_rng(SeedSequence([seed, blake2b of the sample's values]))",
            "bound": "intervals of regret (which is never negative) are cut at 0; their "
            "coverage is unchanged",
            "why": "chosen by a coverage simulation over normal, log-normal and "
            "zero-inflated data at 5, 10, 20 and 50 seeds against the Student-t, percentile, "
            "BCa and bootstrap-t intervals (docs/reports.md): Student-t alone covers 84-86 % "
            "on log-normal data at 10-20 seeds",
        },
        "pairwise_test": {
            "name": "Wilcoxon signed-rank test, paired by seed",
            "alternative": "two-sided",
            "zero_method": zero_method,
            "method": "the sign-flip permutation distribution of the signed-rank sum over "
            "the non-zero differences (zeros keep their zero_method share): every one of the "
            f"2**n flips counted for up to {_stats.MAX_EXACT_FLIP_PAIRS} differing pairs "
            "('exact' without zeros or ties, where it is scipy.stats.wilcoxon's exact "
            "distribution; 'exact permutation' with them), else "
            f"{_stats.N_SIGN_FLIPS} random flips seeded from the differences (Monte Carlo, "
            "with pvalue_standard_error); no normal approximation",
            "too_few_pairs": "no p-value when all pairs are equal, or when 2 / 2**n_nonzero "
            "> alpha (the smallest possible p-value cannot reach alpha)",
            "correction": "pvalue_adjusted: adjusted over the family of a space, see family "
            "(Holm's step-down, the same values as statsmodels multipletests method='holm', "
            "or the permutation max-statistic step-down against the best); pvalue_holm is "
            "the same number under its name from before issue 35",
            "family": _family_setting(family, control),
            "effect_sizes": {
                "a12": "Vargha-Delaney A12 = P(regret of a < regret of b) + 0.5 P(equal): "
                "> 0.5 means a is better",
                "rank_biserial": "matched-pairs rank-biserial correlation (Kerby 2014) of "
                "regret(b) - regret(a), zero differences left out: > 0 means a is better",
            },
        },
        "best": "lowest mean final regret (ties: lower median, then label)",
        "best_by_rank": "lowest average rank (ties: lower mean, then label)",
        "not_significantly_worse": "adjusted p-value against the control (family) >= alpha",
        "best_set": "the control (the best by average rank) and every strategy the family "
        "does not find significantly worse than it, untestable ones included: the "
        "strategies the data cannot tell from the best (null where a control was named)",
        "probability_best": "paired bootstrap over seeds ("
        f"{_best.N_BEST_RESAMPLES} resamples, seeded from the results): the share of "
        "resamples in which each strategy has the lowest mean (by_mean) and the best "
        "average rank (by_rank), ties shared",
        "average_rank": "rank of final regret among strategies within each seed (1 = best, "
        "ties averaged), averaged over seeds",
        "auc": "mean incumbent regret over the budget axis grid (evaluations 1..budget, or "
        f"{'the simulated-seconds grid'} under a seconds budget): area / length",
        "fixed_target": "target = median final regret of all compared runs of the space; "
        "a run reaches it at its first evaluation whose incumbent has regret <= target, on "
        "the run's own path (evaluations: that evaluation's number; seconds: the simulated "
        "seconds spent up to and including it), so both axes count the same runs; an "
        "incumbent chosen on noisy values can rise above the target again, which does not "
        "undo reaching it (n_above_again counts those runs); runs that never reach it count "
        "as not reached in the ECDF (it tops out below 1)",
        "power": {
            "target": POWER,
            "method": _stats.POWER_METHOD,
            "n_simulations": _stats.N_POWER_SIMULATIONS,
            "where": "per pair of the family (pairwise[].power), and for the control against "
            "the runner-up by average rank (power)",
            "rng": "numpy default_rng(SeedSequence([seed, blake2b hashes of cell and pair]))",
            "per_test_alpha": "against the best chosen on the same data: the exact two-sided "
            "level of one signed-rank test on the compared seeds whose critical |z| is the "
            "max-statistic procedure's first-step critical value (family.critical_value), "
            "used for every number of seeds",
        },
        "cross_space": {
            "scores": "mean final regret of each strategy per space, over the space's "
            "compared seeds",
            "friedman": "Friedman's statistic over spaces (blocks); pvalue from its "
            "permutation distribution (" + _stats.FRIEDMAN_PERMUTATION_METHOD + "); "
            "pvalue_chi2 the chi-square approximation (scipy.stats.friedmanchisquare), with "
            "Iman-Davenport F, both rough with few spaces",
            "nemenyi": "critical difference of average ranks from the permutation "
            "distribution of the largest difference of average ranks (the range test behind "
            "Nemenyi's, at its exact level); critical_difference_asymptotic: Demsar's "
            "q_alpha * sqrt(k(k+1)/(6N)), q_alpha = scipy.stats.studentized_range.ppf(1 - "
            "alpha, k, inf) / sqrt(2)",
            "wilcoxon_holm": "pairwise Wilcoxon signed-rank over spaces, adjusted over the "
            "same kind of family as per space, the control being the best average rank over "
            "spaces (Benavoli, Corani & Mangili 2016)",
            "rank_over_budget": "rank within each (space, seed) at each fraction of the budget, "
            "averaged over seeds and spaces",
        },
        "missing_data": "runs that failed or have no finite regret are listed; each space "
        "compares only the seeds every strategy finished",
        "leading_nan": "before a run's first finite observation its regret is undefined; "
        "the first defined regret is used for those evaluations",
    }


def _space_identity(cell: Cell) -> dict[str, Any]:
    """What a space's entry says about the space, its budget and the runs it compares."""
    return {
        "name": cell.name,
        "space": cell.space,
        "table_checksum": cell.checksum,
        "checksum": cell.checksum,
        "metric": cell.metric,
        "fidelity": cell.fidelity,
        "budget": {"kind": cell.budget_kind, "amount": cell.budget},
        "objective": cell.space_info.get("metric"),
        "direction": cell.space_info.get("direction"),
        "optimum": num(cell.space_info.get("optimum")),
        "report_metric": cell.space_info.get("report_metric"),
        "report_optimum": num(cell.space_info.get("report_optimum")),
        "n_configs": cell.space_info.get("n_configs"),
        "measure": cell.measure.as_dict(),
        "strategies": [{"label": lab, **cell.strategies[lab]} for lab in cell.labels],
        "seeds": list(cell.seeds),
        "failed_runs": list(cell.failed),
    }


def _space_notes(cell: Cell) -> list[str]:
    """The notes of a space: what it lacks, what is shown instead, why nothing is compared."""
    k, n = len(cell.labels), len(cell.seeds)
    m = cell.measure
    notes: list[str] = [*cell.notes, *cell.excluded]
    if not cell.space_info:
        notes.append("the store has no record of this space's table (optimum, provenance)")
    if m.kind == "value" and m.is_report:
        notes.append(
            f"the optimum of {m.metric} (the report metric) is unknown: every table and "
            f"curve shows the incumbent's {m.metric} ({m.better} is better) instead of regret"
        )
    elif m.kind == "value":
        notes.append(
            f"the optimum of {cell.metric} is unknown: every table and curve shows the best "
            f"{cell.metric} so far ({m.better} is better) instead of regret"
        )
    if k == 0 or n == 0:
        what = m.label if m.is_report else ("regret" if m.kind == "regret" else cell.metric)
        if len(cell.failed) == cell.n_runs:
            notes.append(
                f"no run finished: nothing to compare ({len(cell.failed)} failed, listed below)"
            )
        elif k == 0:
            notes.append(f"no finished run has a finite {what}: nothing to compare")
        else:
            notes.append("no seed was finished by every strategy: nothing to compare")
        return notes
    if k == 1:
        notes.append(f"only one strategy ({cell.labels[0]}): nothing to compare it with")
    if n == 1:
        notes.append("a single seed: no intervals and no tests (they need spread over seeds)")
    return notes


def _merge(into: dict[str, Any], part: dict[str, Any], section: str) -> None:
    """Merge a section's keys into a space's entry; nested dictionaries are merged."""
    for key, value in part.items():
        if isinstance(into.get(key), dict) and isinstance(value, dict):
            _merge(into[key], value, section)
        elif key in into:
            raise ValueError(f"report section {section!r} writes {key!r}, which is written already")
        else:
            into[key] = value


def _space_stats(cell: Cell, settings: StatsSettings) -> dict[str, Any]:
    """A space's entry of ``stats.json``: its identity and notes, and every section's keys."""
    out = _space_identity(cell)
    compared = bool(cell.labels) and bool(cell.seeds)
    for section in SECTIONS:
        part = section.stats(cell, settings) if compared else section.empty_stats(cell)
        _merge(out, part, section.name)
    out["notes"] = _space_notes(cell)
    return out


def _rank_over_budget(cells: list[Cell], labels: list[str]) -> dict[str, Any]:
    """Average rank of each strategy at each fraction of the budget, over spaces and seeds."""
    from scipy.stats import rankdata

    fractions = np.arange(1, N_RANK_POINTS + 1) / N_RANK_POINTS
    total = np.zeros((len(labels), fractions.size))
    count = 0
    same_budget = len({(c.budget_kind, c.budget) for c in cells}) == 1
    for cell in cells:
        use_time = cell.budget_kind == "seconds"
        grid = cell.time_grid if use_time else cell.eval_grid
        curves = cell.time_curves if use_time else cell.eval_curves
        idx = np.clip(np.ceil(fractions * grid.size).astype(int) - 1, 0, grid.size - 1)
        rows = [cell.labels.index(lab) for lab in labels]
        sub = curves[rows][:, :, idx]  # (k, n, P), losses: rank 1 = lowest = best
        ranks = rankdata(sub, axis=0)
        total += ranks.sum(axis=1)
        count += sub.shape[1]
    cell0 = cells[0]
    axis = "fraction of the budget"
    x = fractions
    if same_budget and cell0.budget_kind == "evaluations":
        axis = "evaluations"
        x = np.ceil(fractions * cell0.budget)
    return {
        "axis": axis,
        "grid": nums(x),
        "ranks": {lab: nums(total[i] / count) for i, lab in enumerate(labels)},
    }


def _friedman_note(n: int, k: int, perm: _stats.FriedmanPermutation, alpha: float) -> str:
    """What to keep in mind about the Friedman test over ``n`` spaces."""
    smallest = 1.0 / math.factorial(k) ** (n - 1) if perm.exact else None
    if smallest is not None and smallest >= alpha:
        return (
            f"{n} spaces and {k} strategies: even complete agreement of the ranks on every "
            f"space has permutation p = {smallest:.2g}, not below alpha={alpha:g}; no "
            "difference over spaces can be significant"
        )
    if n < 10 or k < 5:
        return (
            f"{n} spaces and {k} strategies: the chi-square approximation (pvalue_chi2) is "
            "rough below about 10 spaces and 5 strategies (Demsar 2006), so the p-value is "
            "the permutation distribution's"
        )
    return ""


def _cross_stats(
    cells: list[Cell],
    per_cell: list[dict[str, Any]],
    *,
    alpha: float,
    zero_method: str,
    family: str = "vs-best",
    control: str | None = None,
    seed: int = 0,
) -> dict[str, Any] | None:
    usable = [(c, s) for c, s in zip(cells, per_cell, strict=True) if final_entries(s)]
    if len(cells) < 2:
        return None
    notes: list[str] = []
    if len(usable) < len(cells):
        notes.append(f"{len(cells) - len(usable)} space(s) without comparable seeds left out")
    label_sets = [set(c.labels) for c, _ in usable]
    labels = sorted(set.intersection(*label_sets)) if label_sets else []
    every = sorted(set.union(*label_sets)) if label_sets else []
    if len(labels) < len(every):
        notes.append(
            "strategies not compared on every space are left out of the cross-space "
            f"analysis: {', '.join(sorted(set(every) - set(labels)))}"
        )
    reported = [c.name for c, _ in usable if c.measure.is_report]
    if reported:
        notes.append(
            "spaces whose report metric differs from their search metric enter with the "
            "report metric's mean final regret (or value, where its optimum is unknown): "
            + ", ".join(reported)
        )
    if any(c.measure.kind == "value" for c, _ in usable):
        notes.append(
            "spaces without a known optimum enter the cross-space analysis with their mean "
            "final value, oriented so that lower is better (minus the value of a maximised "
            "metric): ranks and the signs of differences mean the same as for regret"
        )
    out: dict[str, Any] = {
        "spaces": [c.name for c, _ in usable],
        "strategies": labels,
        # Spaces whose scores are of their report metric (not the search metric).
        "report_metric_spaces": reported,
        "notes": notes,
    }
    if len(usable) < 2 or len(labels) < 2:
        notes.append("the cross-space analysis needs at least 2 spaces and 2 strategies")
        return out
    # Mean final loss per space: the same number as the space's mean final regret where the
    # optimum is known (describe() takes the same mean), the oriented value where it is not.
    scores = np.array(
        [[float(c.final[c.labels.index(lab)].mean()) for lab in labels] for c, _ in usable],
        dtype=float,
    )
    ranks = _stats.average_ranks(scores)
    out["scores"] = {lab: nums(scores[:, i]) for i, lab in enumerate(labels)}
    out["average_ranks"] = {lab: float(ranks[i]) for i, lab in enumerate(labels)}
    n, k = scores.shape
    perm = _stats.friedman_permutation(
        scores, alpha=alpha, rng=_stats.data_rng(_best.block_ranks(scores.T), seed=seed)
    )
    cd = perm.critical_difference
    if k >= 3:
        fr = _stats.friedman(scores, alpha=alpha)
        out["friedman"] = {
            "chi2": fr.chi2,
            "pvalue": perm.pvalue,
            "method": "exact permutation" if perm.exact else "Monte Carlo permutation",
            "n_permutations": perm.n_permutations,
            "pvalue_standard_error": perm.standard_error,
            "pvalue_chi2": fr.pvalue,
            "iman_davenport_f": num(fr.iman_davenport_f),
            "iman_davenport_pvalue": num(fr.iman_davenport_pvalue),
            "n_spaces": n,
            "k": k,
            "significant": bool(perm.pvalue < alpha),
            "note": _friedman_note(n, k, perm, alpha),
        }
    else:
        out["friedman"] = None
        notes.append("the Friedman test needs at least 3 strategies; see the Wilcoxon test")
    nemenyi_pairs = [
        {
            "a": labels[i],
            "b": labels[j],
            "rank_difference": abs(float(ranks[i] - ranks[j])),
            "pvalue": perm.pair_pvalues[i][j],
            "significant": bool(perm.pair_pvalues[i][j] < alpha),
        }
        for i, j in itertools.combinations(range(k), 2)
    ]
    out["nemenyi"] = {
        "alpha": alpha,
        "q_alpha": _stats.nemenyi_q(k, alpha=alpha),
        "critical_difference": cd,
        "critical_difference_asymptotic": _stats.nemenyi_cd(k, n, alpha=alpha),
        "method": "exact permutation" if perm.exact else "Monte Carlo permutation",
        "n_permutations": perm.n_permutations,
        "pairs": nemenyi_pairs,
    }
    ctl = control if control in labels else by_rank(labels, scores.T)[0]
    kind = family if family == "all-pairs" else ("vs-control" if ctl == control else "vs-best")
    pairs = pairwise_tests(
        tuple(labels),
        scores.T,
        alpha,
        zero_method,
        control=None if kind == "all-pairs" else ctl,
        seed=seed,
    )
    versus = adjust(
        pairs,
        tuple(labels),
        scores.T,
        design=kind,
        control=ctl,
        alpha=alpha,
        zero_method=zero_method,
        seed=seed,
    )
    out["wilcoxon_holm"] = pairs
    out["family"] = family_of(
        kind, ctl, k=k, n_blocks=n, alpha=alpha, pairs=pairs, blocks="spaces", versus=versus
    )
    if kind != "vs-control":
        out["best_set"] = not_worse(pairs, ctl, by_rank(labels, scores.T))[1]
    out["probability_best"] = probability_best(labels, scores.T, seed=seed, by_mean=False)
    out["head_to_head"] = _head_to_head(usable, labels, alpha)
    out["rank_over_budget"] = _rank_over_budget([c for c, _ in usable], labels)
    return out


def _head_to_head(
    usable: list[tuple[Cell, dict[str, Any]]], labels: list[str], alpha: float
) -> list[dict[str, Any]]:
    """Per pair, on how many spaces each is significantly better, Holm over the spaces.

    The per-space tests are the report's own (paired Wilcoxon on the final loss, before
    their per-space Holm correction); correcting them over the spaces, one family per pair,
    is what a claim such as "a beats b on most spaces" needs.
    """
    entries = []
    for a, b in itertools.combinations(labels, 2):
        found = [find_pair(stats["pairwise"], a, b) for _, stats in usable]
        raw = [None if f is None else f["pvalue"] for f in found]
        per_space: list[dict[str, Any]] = []
        counts = {"a_better": 0, "b_better": 0, "neither": 0, "untested": 0}
        for (cell, _), f, p in zip(usable, found, _stats.holm(raw), strict=True):
            if f is None or p is None:
                counts["untested"] += 1
                per_space.append(
                    {
                        "space": cell.name,
                        "pvalue": None,
                        "pvalue_holm": None,
                        "lower": None,
                        "better": None,
                    }
                )
                continue
            # "better" is the one with the lower mean final loss; "lower" (its schema-1
            # name, when the loss was always regret) is kept for readers of that key.
            better = f["better"]
            if p < alpha and better is not None:
                counts["a_better" if better == a else "b_better"] += 1
            else:
                counts["neither"] += 1
            per_space.append(
                {
                    "space": cell.name,
                    "pvalue": f["pvalue"],
                    "pvalue_holm": p,
                    "lower": better,
                    "better": better,
                }
            )
        entries.append({"a": a, "b": b, **counts, "spaces": per_space})
    return entries


def compute_stats(
    loaded: Loaded,
    *,
    alpha: float = 0.05,
    seed: int = 0,
    zero_method: str = "zsplit",
    log_scale: bool = True,
    family: str = "vs-best",
    control: str | None = None,
) -> dict[str, Any]:
    """Every number of the report, and how it was computed, as a JSON-ready tree.

    Args:
        loaded: The cells of a comparison (`reports._data.load`).
        alpha: Significance level of every test and of the critical difference.
        seed: Seed of the simulations of the power analysis.
        zero_method: Zero-difference handling of the Wilcoxon tests.
        log_scale: Recorded for the figures.
        family: The pairwise tests Holm's correction covers: ``vs-best`` (each strategy
            against the control, k - 1 tests, the default) or ``all-pairs``.
        control: The control of the family, a strategy label; default the strategy with the
            lowest average rank of each space (and across spaces).

    Raises:
        ReportError: A bad setting, or a control that no space compared.
    """
    if not 0 < alpha < 1:
        raise ReportError(f"alpha {alpha!r} must be between 0 and 1")
    if zero_method not in ("zsplit", "pratt", "wilcox"):
        raise ReportError(f"zero method {zero_method!r} is not one of zsplit, pratt, wilcox")
    if family not in FAMILIES:
        raise ReportError(f"family {family!r} is not one of {', '.join(FAMILIES)}")
    cells = list(loaded.cells)
    if control is not None and not any(control in c.labels for c in cells):
        labels = sorted({lab for c in cells for lab in c.labels})
        raise ReportError(
            f"control {control!r} is not a compared strategy; compared: {', '.join(labels)}"
        )
    settings = StatsSettings(
        alpha=alpha, seed=seed, zero_method=zero_method, family=family, control=control
    )
    per_cell = [_space_stats(c, settings) for c in cells]
    notes = []
    if loaded.n_failed == loaded.n_runs:
        notes.append(
            f"no run finished: all {loaded.n_runs} runs failed, so there is nothing to "
            "compare; each space lists its failed runs and their errors"
        )
    elif loaded.n_failed:
        notes.append(f"{loaded.n_failed} of {loaded.n_runs} runs failed; see each space")
    return {
        "format": "nas-harness report stats, version 1",
        "settings": _settings(alpha, seed, zero_method, log_scale, family, control),
        "versions": _versions(pareto=any("pareto" in c for c in per_cell)),
        "source": {
            "schema_version": loaded.schema_version,
            "harness_versions_of_runs": list(loaded.harness_versions),
            "n_runs": loaded.n_runs,
            "n_failed": loaded.n_failed,
        },
        "notes": notes,
        "spaces": per_cell,
        "cross_space": _cross_stats(
            cells,
            per_cell,
            alpha=alpha,
            zero_method=zero_method,
            family=family,
            control=control,
            seed=seed,
        ),
    }


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates 0600 files; a report is for sharing, so use the usual umask mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(
    directory: str | Path,
    *,
    alpha: float = 0.05,
    seed: int = 0,
    log_scale: bool = True,
    zero_method: str = "zsplit",
    figures: bool = True,
    family: str = "vs-best",
    control: str | None = None,
) -> Report:
    """Compute the statistics of a comparison directory and write the report into it.

    Writes ``report.md``, ``report.html`` (figures embedded), ``tables.tex``, ``stats.json``
    and ``figures/*.png|pdf``.

    Args:
        directory: The comparison directory (holding ``results.sqlite``).
        alpha: Significance level of every test and of the critical difference.
        seed: Seed of the simulations of the power analysis.
        log_scale: Plot regret on a (symmetric) log scale, the default: on a linear axis
            the first evaluations dwarf everything after them.
        zero_method: Zero-difference handling of the Wilcoxon tests.
        figures: Whether to draw figures (off for quick, text-only reports).
        family: The pairwise tests Holm's correction covers: ``vs-best`` (each strategy
            against the control, k - 1 tests; the default) or ``all-pairs``.
        control: The control of the family, a strategy label; default the strategy with the
            lowest average rank of each space (and across spaces).

    Raises:
        StoreError: Missing, unreadable or incompatible results store.
        ReportError: Nothing to report, or bad settings.
    """
    from reports import _figures, _render

    root = Path(directory)
    loaded = load(root)
    if not os.access(root, os.W_OK | os.X_OK):
        raise ReportError(f"{root}: not writable, so the report cannot be written there")
    stats = compute_stats(
        loaded,
        alpha=alpha,
        seed=seed,
        zero_method=zero_method,
        log_scale=log_scale,
        family=family,
        control=control,
    )
    written: list[str] = []
    figure_files: dict[str, list[str]] = {}
    if figures:
        figure_files = _figures.draw_all(root, loaded.cells, stats, log_scale=log_scale)
        written += [f for files in figure_files.values() for f in files]
    text = json.dumps(stats, indent=1, sort_keys=True, allow_nan=False) + "\n"
    outputs = {
        "stats.json": text.encode(),
        "report.md": _render.markdown(stats, figure_files).encode(),
        "report.html": _render.html(stats, figure_files, root).encode(),
        "tables.tex": _render.latex(stats).encode(),
    }
    for name, data in outputs.items():
        _write_atomic(root / name, data)
        written.append(name)
    return Report(directory=root, stats=stats, files=tuple(written))
