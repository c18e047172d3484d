"""Per-space inference: the final results, the pairwise tests and their family, power.

The numbers of a space's final-results table and of its pairwise tests (each strategy's
final result with its interval, the paired Wilcoxon tests, the family they are adjusted
over, the power of its tests, the chance of being best) and the anytime bands; the
cross-space statistics of `reports._build` reuse the tests and the family. Randomness comes
from ``numpy.random.SeedSequence`` keyed by the report seed and a stable hash of what is
simulated or resampled, so results do not depend on the order they are computed in.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from harness.seeding import stable_hash
from reports import _best, _stats
from reports._data import Cell, FloatArray
from reports._tree import find_pair

CONFIDENCE = 0.95
POWER = 0.8


def rng_for(seed: int, *parts: str) -> np.random.Generator:
    """An independent generator per resampled quantity, whatever order they are computed in."""
    return np.random.default_rng(np.random.SeedSequence([seed, *(stable_hash(p) for p in parts)]))


def num(x: float | None) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def nums(xs: Any) -> list[float | None]:
    return [num(x) for x in np.asarray(xs, dtype=np.float64).tolist()]


def _pair_entry(
    a: str, b: str, test: _stats.PairedTest, ci: _stats.Interval, sign: float
) -> dict[str, Any]:
    # The test ran on loss(b) - loss(a), so both effect sizes are > 0.5 / > 0 when a (the
    # row strategy) has the lower loss, whatever the measure; the mean difference is shown
    # in the measure's own units (value(b) - value(a) where no optimum is known).
    diff = test.mean_difference
    better = None if not math.isfinite(diff) or diff == 0 else (a if diff > 0 else b)
    low, high = (ci.low, ci.high) if sign > 0 else (-ci.high, -ci.low)
    return {
        "a": a,
        "b": b,
        "n_pairs": test.n_pairs,
        "n_zero_differences": test.n_zero,
        "n_tied_differences": test.n_tied,
        "statistic": num(test.statistic),
        "r_plus": test.r_plus,
        "r_minus": test.r_minus,
        "pvalue": num(test.pvalue),
        "method": test.method,
        "n_permutations": test.n_permutations,
        "pvalue_standard_error": num(test.pvalue_standard_error),
        "zero_method": test.zero_method,
        "a12": num(test.a12),
        "rank_biserial": num(test.rank_biserial),
        "mean_difference_b_minus_a": num(diff if sign > 0 else sign * diff),
        "mean_difference_ci_low": num(low),
        "mean_difference_ci_high": num(high),
        "better": better,
        "note": test.note,
    }


def pairwise_tests(
    labels: tuple[str, ...],
    scores: np.ndarray[Any, Any],
    alpha: float,
    zero_method: str,
    sign: float = 1.0,
    *,
    control: str | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Every pair (a, b), a before b in label order; tests on loss(b) - loss(a).

    The family is the pairs that hold the ``control`` (``in_family``), or every pair
    without one; `_adjust` adjusts their p-values. Random draws (Monte Carlo p-values
    beyond 300 differing pairs, bootstrap intervals) are seeded from each pair's
    differences and the report seed.
    """
    entries = []
    for i, j in itertools.combinations(range(len(labels)), 2):
        d = scores[j] - scores[i]
        test = _stats.paired_wilcoxon(
            scores[j],
            scores[i],
            alpha=alpha,
            zero_method=zero_method,  # type: ignore[arg-type]
            rng=_stats.data_rng(d, seed=seed),
        )
        ci = _stats.mean_interval(d, confidence=CONFIDENCE, rng=_stats.data_rng(d, seed=seed))
        entry = _pair_entry(labels[i], labels[j], test, ci, sign)
        entry["in_family"] = control is None or control in (labels[i], labels[j])
        entries.append(entry)
    return entries


def adjust(
    entries: list[dict[str, Any]],
    labels: tuple[str, ...],
    scores: np.ndarray[Any, Any],
    *,
    design: str,
    control: str,
    alpha: float,
    zero_method: str,
    seed: int,
) -> _best.VersusBest | None:
    """Adjust the p-values of the family (``in_family``) in place; significance from them.

    ``vs-best``: the permutation max-statistic step-down of `reports._best.versus_best`,
    which repeats the choice of the best in every permutation (its result is returned);
    ``vs-control`` and ``all-pairs``: Holm. Tests without a p-value (too few differing
    pairs) stay out: no adjusted p-value, ``significant`` null.
    """
    family = [e for e in entries if e["in_family"]]
    for entry in entries:
        entry["pvalue_adjusted"] = entry["pvalue_holm"] = entry["significant"] = None
    result = None
    if design == "vs-best":
        # Seeded from the ranks within blocks: a monotone change of the measure (regret or
        # a value) leaves the draws, like the ranks, unchanged.
        result = _best.versus_best(
            scores,
            alpha=alpha,
            zero_method=zero_method,
            rng=_stats.data_rng(_best.block_ranks(scores), seed=seed),
        )
        by_row = {labels.index(e["b"] if e["a"] == control else e["a"]): e for e in family}
        adjusted: list[float | None] = []
        running = 0.0
        for i in result.steps:
            entry = by_row[i]
            entry["z"] = num(result.statistics[i])
            entry["z_extreme"] = num(result.extremes[i])
            p = result.pvalues[i]
            if entry["pvalue"] is None or p is None:
                entry["pvalue_adjusted_standard_error"] = None
                continue
            # Never below the pair's own exact p-value (the permutation estimate can be,
            # by Monte Carlo error), and still monotone over the steps.
            running = max(running, p, float(entry["pvalue"]))
            entry["pvalue_adjusted"] = running
            entry["pvalue_adjusted_standard_error"] = num(result.standard_errors[i])
            entry["pvalue_adjusted_draws"] = result.draws[i]
        adjusted = [e.get("pvalue_adjusted") for e in family]
    else:
        adjusted = _stats.holm([e["pvalue"] for e in family])
    for entry, p in zip(family, adjusted, strict=True):
        entry["pvalue_adjusted"] = entry["pvalue_holm"] = p
        entry["significant"] = None if p is None else bool(p < alpha)
    return result


def by_rank(labels: tuple[str, ...] | list[str], scores: np.ndarray[Any, Any]) -> list[str]:
    """Labels from the lowest average rank (over the columns of ``scores``, one row each).

    Ties: lower mean, then label.
    """
    ranks = _stats.average_ranks(scores.T)
    means = scores.mean(axis=1)
    return sorted(labels, key=lambda lab: (ranks[labels.index(lab)], means[labels.index(lab)], lab))


def family_of(
    kind: str,
    control: str,
    *,
    k: int,
    n_blocks: int,
    alpha: float,
    pairs: list[dict[str, Any]],
    blocks: str = "seeds",
    versus: _best.VersusBest | None = None,
) -> dict[str, Any]:
    """The family of a space (or of the spaces): its size, and whether it can reach alpha.

    Holm's families (``vs-control``, ``all-pairs``): the smallest p-value an exact Wilcoxon
    test on ``n`` blocks can give is ``2 / 2**n``; with ``m`` tests Holm needs
    ``m 2 / 2**n < alpha``. Holm runs over the tests that could be run (a pair with too few
    differing blocks has no p-value), so ``can_reach_alpha`` asks whether any of them, with
    its own number of differing blocks, could be significant in that family.

    ``vs-best`` (the permutation max-statistic procedure, ``versus``): a test can be
    significant when the most one-sided outcome its zeros and ties allow would be beyond
    the first step's critical value; ``min_<blocks>`` is the fewest blocks at which a
    strategy worse than the best on every one of them is significant
    (`reports._best.min_blocks_versus_best`). Where no test can be significant, ``note``
    says so in one sentence with the blocks needed.
    """
    m = k - 1 if kind != "all-pairs" else k * (k - 1) // 2
    in_family = [p for p in pairs if p["in_family"]]
    tested = [p for p in in_family if p["pvalue"] is not None]
    extra: dict[str, Any] = {}
    if versus is not None:
        min_blocks = _best.min_blocks_versus_best(k, alpha)
        critical = versus.critical_value
        extremes = [p.get("z_extreme") for p in tested]
        can_reach = any(z is not None and z > critical + 1e-9 for z in extremes)
        level = _stats.signed_rank_tail(n_blocks, critical)
        if not 0.0 < level < alpha:
            # No outcome of these seeds is beyond the critical value: plan with the level
            # at which a sweep of the fewest seeds that can reach alpha is significant.
            level = _stats.min_wilcoxon_pvalue(min_blocks)
        extra = {
            "adjustment": "permutation max-statistic step-down, the best chosen again in "
            "every permutation",
            "n_permutations": versus.n_permutations,
            "critical_value": num(critical),
            # Holm-style "m p < alpha" at this level rejects exactly |z| > critical_value on
            # untied blocks: the tiny margin turns its "<" into "<=".
            "per_test_alpha": level * (1.0 + 1e-9),
        }
    else:
        min_blocks = _stats.min_seeds_for_alpha(alpha, m)
        can_reach = any(
            len(tested) * _stats.min_wilcoxon_pvalue(p["n_pairs"] - p["n_zero_differences"]) < alpha
            for p in tested
        )
        extra = {"adjustment": "Holm's step-down", "per_test_alpha": alpha / m}
    word = blocks[:-1] if n_blocks == 1 else blocks
    note = ""
    if not can_reach and n_blocks < min_blocks:
        if versus is not None:
            why = (
                f"even a strategy worse than {control} on every one of them would not be "
                f"beyond the permutation distribution of the largest of the {m} statistics "
                f"against a best chosen on the same {blocks}"
            )
        else:
            why = (
                f"the exact Wilcoxon test's smallest p-value "
                f"({_stats.min_wilcoxon_pvalue(n_blocks):.2g}) times the {m} "
                f"comparison{'s' if m > 1 else ''} of Holm's correction is not below alpha"
            )
        note = (
            f"With {n_blocks} {word} no difference can be significant at alpha={alpha:g}: "
            f"{why}; at least {min_blocks} {blocks} are needed."
        )
    elif not can_reach:
        how = (
            "for the family's adjustment"
            if versus is not None
            else (f"for Holm's correction over {len(tested)} test{'s' if len(tested) != 1 else ''}")
        )
        note = (
            f"With {n_blocks} {word} no difference can be significant at alpha={alpha:g}: too "
            f"many {blocks} give {control} and the others equal results (zero differences) "
            f"{how} to reach alpha; more {blocks} are needed."
        )
    return {
        "kind": kind,
        "control": control,
        "n_comparisons": m,
        "alpha": alpha,
        f"n_{blocks}": n_blocks,
        f"min_{blocks}": min_blocks,
        "can_reach_alpha": can_reach,
        "n_significant": sum(bool(p["significant"]) for p in in_family),
        "n_untestable": len(in_family) - len(tested),
        **extra,
        "note": note,
    }


def final_results(
    labels: Sequence[str], finals: Any, ranks: Any, *, kind: str, sign: float, seed: int = 0
) -> dict[str, Any]:
    """Per strategy: location and interval of its final values, rank, optima found, seeds.

    Intervals of regret are cut at 0 (``lower_bound``); values are stored in the metric's
    own sign (``sign`` < 0 marks a loss shown as its negation).
    """
    bound = 0.0 if kind == "regret" else None
    final: dict[str, Any] = {}
    for i, lab in enumerate(labels):
        ci = _stats.mean_interval(
            finals[i],
            confidence=CONFIDENCE,
            lower_bound=bound,
            rng=_stats.data_rng(finals[i], seed=seed),
        )
        final[lab] = {
            **location(finals[i], ci, sign),
            "average_rank": num(ranks[i]),
            "n_found_optimum": (
                int(np.count_nonzero(finals[i] <= 0.0)) if kind == "regret" else None
            ),
            "per_seed": nums(sign * finals[i] if sign < 0 else finals[i]),
        }
    return final


def location(
    samples: FloatArray, ci: _stats.Interval, sign: float
) -> dict[str, float | int | None]:
    """Mean, sd, quartiles and confidence interval of a loss sample, in shown units.

    With ``sign = -1`` (a maximised value) the order statistics swap ends: the first
    quartile of the value is minus the third quartile of the loss, and so on.
    """
    d = _stats.describe(samples)
    if sign > 0:
        return {
            "n": d.n,
            "mean": num(d.mean),
            "sd": num(d.sd),
            "median": num(d.median),
            "q1": num(d.q1),
            "q3": num(d.q3),
            "ci_low": num(ci.low),
            "ci_high": num(ci.high),
        }
    return {
        "n": d.n,
        "mean": num(-d.mean),
        "sd": num(d.sd),
        "median": num(-d.median),
        "q1": num(-d.q3),
        "q3": num(-d.q1),
        "ci_low": num(-ci.high),
        "ci_high": num(-ci.low),
    }


def band(
    curves: FloatArray, sign: float, lower_bound: float | None = None
) -> dict[str, list[float | None]]:
    """Mean curve over seeds and its confidence band, in shown units."""
    low, high = _stats.mean_ci(curves, confidence=CONFIDENCE, lower_bound=lower_bound)
    mean = curves.mean(axis=0)
    if sign < 0:
        mean, low, high = -mean, -high, -low
    return {"mean": nums(mean), "ci_low": nums(low), "ci_high": nums(high)}


def anytime_curves(
    cell: Cell,
    eval_curves: FloatArray,
    time_curves: FloatArray,
    curve: Callable[[FloatArray], dict[str, Any]],
) -> dict[str, Any]:
    """Each strategy's curve summary on both budget axes: evaluations, then seconds.

    Args:
        cell: The space (its labels and the two grids).
        eval_curves: Per strategy, the seeds' values on the evaluations grid.
        time_curves: The same on the seconds grid.
        curve: What one strategy's seeds become (for example `band`).
    """
    anytime: dict[str, Any] = {}
    for axis, grid, curves in (
        ("evaluations", cell.eval_grid, eval_curves),
        ("seconds", cell.time_grid, time_curves),
    ):
        entry: dict[str, Any] = {"grid": nums(grid)}
        for i, lab in enumerate(cell.labels):
            entry[lab] = curve(curves[i])
        anytime[axis] = entry
    return anytime


def _test_band(seeds: FloatArray) -> dict[str, Any]:
    """A test metric's band; where some runs lack test values, their mean and no band."""
    if np.isfinite(seeds).all():
        return band(seeds, 1.0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(seeds, axis=0)
    none: list[float | None] = [None] * mean.size
    return {"mean": nums(mean), "ci_low": none, "ci_high": list(none)}


def on_test_metric(cell: Cell, *, seed: int = 0) -> dict[str, Any] | None:
    """The test-metric block of a space: final test value and anytime curves per strategy.

    Runs can lack a test value (NaN) even where the space has a test metric, so each
    strategy's numbers are over the seeds that have one (``n``).
    """
    track = cell.test
    if track is None:
        return None
    better = "higher" if track.direction == "maximize" else "lower"
    final: dict[str, Any] = {}
    for i, lab in enumerate(cell.labels):
        values = track.final[i][np.isfinite(track.final[i])]
        ci = _stats.mean_interval(
            values, confidence=CONFIDENCE, rng=_stats.data_rng(values, seed=seed)
        )
        final[lab] = {**location(values, ci, 1.0), "per_seed": nums(track.final[i])}
    anytime = anytime_curves(cell, track.eval_curves, track.time_curves, _test_band)
    if track.role == "report":
        text = (
            f"report metric {track.metric} of the incumbent chosen on {cell.metric} "
            f"({better} is better; never used to choose)"
        )
    else:
        text = (
            f"test metric {track.metric} of the incumbent chosen on {cell.metric} "
            f"({better} is better; never used to choose)"
        )
    return {
        "metric": track.metric,
        "role": track.role,
        "direction": track.direction,
        "better": better,
        "text": text,
        "final": final,
        "anytime": anytime,
    }


def on_search_metric(cell: Cell, *, seed: int = 0) -> dict[str, Any] | None:
    """The search metric's block where a space ranks on a report metric; None elsewhere.

    The search metric's regret (or best value where its optimum is unknown) of the same
    incumbents, per strategy, with its average rank and anytime curves: shown beside the
    report metric, never ranked or tested.
    """
    track = cell.search
    if track is None:
        return None
    m = track.measure
    bound = 0.0 if m.kind == "regret" else None
    ranks = _stats.average_ranks(track.final.T)
    final = final_results(cell.labels, track.final, ranks, kind=m.kind, sign=m.sign, seed=seed)
    anytime = anytime_curves(
        cell, track.eval_curves, track.time_curves, lambda seeds: band(seeds, m.sign, bound)
    )
    return {
        "metric": m.metric,
        "measure": m.as_dict(),
        "optimum": num(cell.space_info.get("optimum")),
        "text": f"{m.text}; the search metric, shown beside the report metric "
        f"{cell.measure.metric} (not ranked or tested)",
        "final": final,
        "anytime": anytime,
    }


def pair_powers(
    cell: Cell,
    pairs: list[dict[str, Any]],
    n_comparisons: int,
    closest: tuple[str, str],
    *,
    alpha: float,
    seed: int,
    per_test_alpha: float | None = None,
) -> dict[str, Any] | None:
    """Power at the observed effect and seeds needed, into each pair of the family.

    Returns:
        The whole estimate of the ``closest`` pair (the control and the runner-up by average
        rank): the space's headline figure, ``power`` in ``stats.json``.
    """
    headline = None
    for pair in pairs:
        if not pair["in_family"]:
            continue
        ia, ib = cell.labels.index(pair["a"]), cell.labels.index(pair["b"])
        est = _stats.seeds_for_power(
            cell.final[ib],
            cell.final[ia],
            alpha=alpha,
            power=POWER,
            n_comparisons=n_comparisons,
            per_test_alpha=per_test_alpha,
            rng=rng_for(seed, "power", cell.name, pair["a"], pair["b"]),
        )
        pair["power"] = {
            "effect_size": num(est.effect_size),
            "achieved_power": num(est.achieved_power),
            "n_seeds": est.n_seeds,
            "note": est.note,
        }
        if {pair["a"], pair["b"]} == set(closest):
            headline = {
                "a": closest[0],
                "b": closest[1],
                **asdict(est),
                "effect_size": num(est.effect_size),
                "achieved_power": num(est.achieved_power),
            }
    return headline


def not_worse(
    pairs: list[dict[str, Any]], control: str, order: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Strategies the family does not find significantly worse than the control.

    Returns:
        The tested ones that are not significant (``not_significantly_worse``, as before),
        and the best set: the control, then every strategy (in ``order``) that is not
        significantly worse than it - untestable ones included, since the data cannot tell
        them from it either, and any significantly better one.
    """
    tested, best_set = [], [control]
    for lab in [lab for lab in order if lab != control]:
        pair = find_pair(pairs, control, lab)
        if pair is None or not pair["in_family"]:
            continue
        if pair["pvalue_adjusted"] is not None and not pair["significant"]:
            tested.append(lab)
        worse = bool(pair["significant"]) and pair["better"] == control
        if not worse:
            best_set.append(lab)
    return tested, best_set


def probability_best(
    labels: Sequence[str], scores: np.ndarray[Any, Any], *, seed: int, by_mean: bool = True
) -> dict[str, Any] | None:
    """`reports._best.probability_best` as a stats.json block (None without 2 strategies)."""
    if len(labels) < 2 or scores.shape[1] < 1:
        return None
    pb = _best.probability_best(scores, rng=_stats.data_rng(_best.block_ranks(scores), seed=seed))
    out: dict[str, Any] = {
        "by_rank": {lab: pb.by_rank[i] for i, lab in enumerate(labels)},
        "n_resamples": pb.n_resamples,
    }
    if by_mean:
        out["by_mean"] = {lab: pb.by_mean[i] for i, lab in enumerate(labels)}
    return out
