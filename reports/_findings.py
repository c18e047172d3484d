"""What a report found, in plain language: the summary that opens every rendered report.

Reads only the ``stats.json`` tree (like the renderers), so every number it states is one of
``stats.json``. One paragraph per space says who leads by average rank and by mean, and with
what uncertainty: a single strategy is called the best only when every other one is
significantly worse than it; otherwise the paragraph names the strategies the data cannot
tell from the leader and the chance of each being best in a paired bootstrap over the seeds.
Then which strategies differ significantly from the control of the tests (the best average
rank, unless another control was asked for) and by how much; where the design cannot reach
significance (too few seeds for the number of comparisons), it says so with the seeds needed.
"""

from __future__ import annotations

import math
from typing import Any

from reports._tree import final_entries, find_pair, is_report, measure_of


def _num(x: float | None, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}g}"


def _signed(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:+.3g}"


def adjusted_pvalue(pair: dict[str, Any]) -> float | None:
    """A pair's p-value adjusted over its family (``pvalue_holm`` in older stats.json)."""
    p = pair.get("pvalue_adjusted", pair.get("pvalue_holm"))
    return None if p is None else float(p)


def control_of(space: dict[str, Any]) -> str | None:
    """The reference strategy of a space's tests (its family's control), else its best."""
    family = space.get("family")
    if family:
        return str(family["control"])
    best = space.get("best")
    return None if best is None else str(best)


def _family_text(family: dict[str, Any], blocks: str = "seeds") -> str:
    m = family["n_comparisons"]
    tests = f"{m} test{'s' if m != 1 else ''}"
    if family["kind"] == "all-pairs":
        return f"Holm over {tests}, every pair, alpha = {family['alpha']:g}"
    if family["kind"] == "vs-best":
        return (
            f"{tests}, each against {family['control']}, the best by average rank chosen on "
            f"the same {blocks}, adjusted for that choice by a permutation max-statistic "
            f"procedure, alpha = {family['alpha']:g}"
        )
    return f"Holm over {tests}, each against {family['control']}, alpha = {family['alpha']:g}"


def _chances(chance: dict[str, float], *, at_least: float = 0.05, most: int = 5) -> str:
    """``a 0.41, b 0.32, c 0.15 (the others 0.12 together)``: the likeliest first."""
    order = sorted(chance, key=lambda lab: (-chance[lab], lab))
    shown = [lab for lab in order if chance[lab] >= at_least][:most] or order[:1]
    text = ", ".join(f"{lab} {chance[lab]:.2f}" for lab in shown)
    rest = sum(chance[lab] for lab in order if lab not in shown)
    if rest >= 0.005:
        text += f" (the others {rest:.2f} together)"
    return text


def _versus(space: dict[str, Any], control: str, other: str) -> dict[str, Any] | None:
    """The control against ``other``: significance, A12 for the control, difference."""
    pair = find_pair(space["pairwise"], control, other)
    if pair is None:
        return None
    flip = pair["a"] != control
    a12 = pair["a12"]
    diff = pair["mean_difference_b_minus_a"]
    return {
        "significant": pair["significant"],
        "testable": adjusted_pvalue(pair) is not None,
        "a12": None if a12 is None else (1.0 - a12 if flip else a12),
        # other minus control, in the shown units
        "difference": None if diff is None else (-diff if flip else diff),
        "other_better": pair["better"] == other,
    }


def space_summary(space: dict[str, Any]) -> str | None:
    """One plain-language paragraph about a space; None where nothing was compared."""
    finals = final_entries(space)
    family = space.get("family")
    if not finals or len(finals) < 2 or not family:
        return None
    m = measure_of(space)
    if is_report(m):
        what = f"{m['metric']} regret" if m["kind"] == "regret" else str(m["metric"])
    elif str(m["metric"]).startswith("hv("):  # a multi-objective search
        what = "hypervolume regret"
    else:
        what = "regret" if m["kind"] == "regret" else f"{m['metric']}"
    n = len(space["seeds"])
    head = f"{space['name']} ({n} seed{'s' if n != 1 else ''}): " + _leader_sentence(space, what)
    control = str(family["control"])
    worse: list[str] = []
    better: list[str] = []
    same: list[str] = []
    untested: list[str] = []
    for lab in space["order"]:
        if lab == control:
            continue
        v = _versus(space, control, lab)
        if v is None or not v["testable"]:
            untested.append(lab)
        elif v["significant"]:
            text = f"{lab} ({_signed(v['difference'])} mean {what}, A12 = {_num(v['a12'], 2)})"
            (better if v["other_better"] else worse).append(text)
        else:
            same.append(lab)
    parts = [head]
    chance = _chance_sentence(space.get("probability_best"), what)
    if chance:
        parts.append(chance)
    searched = _search_sentence(space)
    if searched:
        parts.append(searched)
    tests = f"Paired Wilcoxon signed-rank tests ({_family_text(family)})"
    if family["note"]:
        parts.append(family["note"])
    elif not worse and not better:
        parts.append(f"{tests}: no strategy differs significantly from {control}.")
    else:
        found = []
        if worse:
            found.append(f"significantly worse than {control}: " + ", ".join(worse))
        if better:
            found.append(f"significantly better than {control}: " + ", ".join(better))
        parts.append(f"{tests}: " + "; ".join(found) + ".")
        # The leader's sentence already names them where there is a best set.
        if same and space.get("best_set") is None:
            parts.append(f"Not significantly different from {control}: {', '.join(same)}.")
    if untested and not family["note"]:
        parts.append(f"Not testable (too few pairs that differ): {', '.join(untested)}.")
    return " ".join(parts)


def _leader_sentence(space: dict[str, Any], what: str) -> str:
    """Who leads by average rank and by mean, and whether the data can tell it from others.

    A strategy is called "the best" only where every other one is significantly worse than
    it (its best set holds it alone); elsewhere the sentence says which strategies the
    data cannot tell from it.
    """
    finals = final_entries(space)
    best_mean = str(space["best"])
    by_rank = str(space.get("best_by_rank") or best_mean)
    rank = finals[by_rank]["average_rank"]
    mean = f"mean final {what}"
    if by_rank == best_mean:
        lead = (
            f"{by_rank} has the best average rank ({_num(rank)}) and the best {mean} "
            f"({_num(finals[best_mean]['mean'], 5)})"
        )
    else:
        lead = (
            f"{by_rank} has the best average rank ({_num(rank)}); {best_mean} the best {mean} "
            f"({_num(finals[best_mean]['mean'], 5)}, against {_num(finals[by_rank]['mean'], 5)} "
            f"for {by_rank})"
        )
    best_set = space.get("best_set")
    if best_set is None:  # tests against a control named in advance: see them below
        return lead + "."
    others = [lab for lab in best_set if lab != by_rank]
    if not others:
        return f"{lead}, and every other strategy is significantly worse than {by_rank}."
    many = len(others) != 1
    return (
        f"{lead}, but the data cannot tell it from {len(others)} other "
        f"strateg{'ies' if many else 'y'} (not significantly worse than {by_rank}): "
        f"{', '.join(others)}."
    )


def _chance_sentence(chance: dict[str, Any] | None, what: str, blocks: str = "seeds") -> str:
    """The chance of being best in a paired bootstrap, where it is not one strategy's alone."""
    if not chance:
        return ""
    key, how = (
        ("by_mean", f"by mean final {what}") if "by_mean" in chance else ("by_rank", "by rank")
    )
    values = chance[key]
    if max(values.values()) >= 0.995:
        return ""
    return (
        f"Chance of being best {how} when the {blocks} are resampled (paired bootstrap, "
        f"{chance['n_resamples']} resamples): {_chances(values)}."
    )


def _search_sentence(space: dict[str, Any]) -> str | None:
    """Where a space ranks on a report metric: what was searched, and who led on it."""
    m = measure_of(space)
    search = space.get("search")
    if not is_report(m) or not search:
        return None
    sm = search["measure"]
    finals = search["final"]
    sign = -1.0 if sm["better"] == "higher" else 1.0

    def key(lab: str) -> tuple[float, str]:
        mean = finals[lab]["mean"]
        return (math.inf if mean is None else sign * mean, lab)

    lead = min(finals, key=key)
    what = (
        f"mean final {sm['metric']} regret"
        if sm["kind"] == "regret"
        else f"mean best {sm['metric']} found"
    )
    return (
        f"Ranked on {m['metric']} (the report metric) of the incumbents chosen on "
        f"{sm['metric']} (the search metric); by {what}, {lead} leads "
        f"({_num(finals[lead]['mean'], 5)})."
    )


def cross_summary(cross: dict[str, Any] | None) -> str | None:
    """One paragraph about the analysis over spaces; None without one."""
    if not cross or "average_ranks" not in cross:
        return None
    ranks = cross["average_ranks"]
    family = cross.get("family")
    best = (
        str(family["control"])
        if family and family["kind"] != "vs-control"
        else min(ranks, key=lambda lab: (ranks[lab], lab))
    )
    n = len(cross["spaces"])
    text = f"Across {n} spaces: {best} has the best average rank ({_num(ranks[best])})"
    fr = cross.get("friedman")
    if fr:
        verdict = "the ranks differ significantly" if fr["significant"] else "no significant"
        verdict += " (Friedman" if fr["significant"] else " difference in ranks (Friedman"
        how = "" if fr.get("method") is None else f", {fr['method']}"
        text += f"; {verdict} p = {_num(fr['pvalue'], 2)}{how})"
    best_set = cross.get("best_set")
    if best_set is not None and len(best_set) > 1:
        others = [lab for lab in best_set if lab != best]
        text += (
            f"; the data cannot tell it from {len(others)} other "
            f"strateg{'ies' if len(others) != 1 else 'y'}: {', '.join(others)}"
        )
    text += "."
    chance = _chance_sentence(cross.get("probability_best"), "regret", "spaces")
    if chance:
        text += " " + chance
    if family and family["note"]:
        text += " " + family["note"]
    elif family:
        worse = [
            p["b"] if p["a"] == family["control"] else p["a"]
            for p in cross["wilcoxon_holm"]
            if p["in_family"] and p["significant"]
        ]
        text += f" Wilcoxon tests over spaces ({_family_text(family, 'spaces')}): " + (
            f"significantly different from {family['control']}: {', '.join(worse)}."
            if worse
            else f"none differs significantly from {family['control']}."
        )
    return text


def summary_lines(stats: dict[str, Any]) -> list[str]:
    """The report's opening summary: one paragraph per compared space, one across spaces."""
    lines = [s for s in map(space_summary, stats["spaces"]) if s]
    cross = cross_summary(stats.get("cross_space"))
    if cross:
        lines.append(cross)
    if lines:
        lines.append(
            "Effect size A12: the chance that a run of the reference strategy beats a run of "
            "the other (0.5 = no difference, 1 = always)."
        )
    return lines


def settings_line(stats: dict[str, Any]) -> str:
    """How the report's intervals and tests were computed, in one line."""
    s = stats["settings"]
    interval = s.get("interval", {})
    family = s["pairwise_test"].get("family", {})
    kind = (
        "every pair"
        if family.get("kind") == "all-pairs"
        else f"each strategy against {family.get('control') or 'the best average rank'}"
    )
    how = (
        "adjusted for choosing the best on the same data (permutation max-statistic step-down)"
        if family.get("design", "vs-best") == "vs-best" and family.get("kind") != "all-pairs"
        else "Holm-corrected"
    )
    controls = family.get("controls")
    return (
        f"alpha = {s['alpha']:g}; {interval.get('confidence', 0.95):.0%} "
        f"{interval.get('name', 'Student-t')} intervals of means; paired Wilcoxon signed-rank "
        f"tests (exact sign-flip p-values, zero_method = "
        f"{s['pairwise_test']['zero_method']}), {how} over {kind} per space"
        + (f"; it controls {str(controls).split(';')[0]}" if controls else "")
        + f"; power and resampling seeded with seed {s['seed']} and the results."
    )


def power_lines(space: dict[str, Any]) -> list[str]:
    """The headline power figure of a space: the control against the runner-up."""
    pw = space.get("power")
    if not pw:
        return []
    pair = f"{pw['a']} vs {pw['b']}"
    m = pw["n_comparisons"]
    family = space.get("family") or {}
    if family.get("kind") == "vs-best" and pw.get("per_test_alpha") is not None:
        how = (
            f"paired Wilcoxon signed-rank at {_num(pw['per_test_alpha'], 2)}, the level of one "
            f"test of {m} against a best chosen on the same seeds, alpha = {pw['alpha']:g}"
        )
    else:
        how = (
            f"paired Wilcoxon signed-rank, Holm over {m} test{'s' if m != 1 else ''}, "
            f"alpha = {pw['alpha']:g}"
        )
    if pw["n_seeds"] is None:
        return [f"Seeds for {pw['power']:.0%} power ({pair}): {pw['note']}."]
    now = pw["achieved_power"]
    effect = (
        f"the observed effect (dz = {_num(pw['effect_size'])})"
        if pw["effect_size"] is not None
        else "the observed, constant difference"
    )
    return [
        f"Power for the closest call, {pair} ({how}): "
        f"{'-' if now is None else f'{now:.0%}'} with {pw['n_seeds_now']} seeds at {effect}; "
        f"{pw['n_seeds']} seeds would give {pw['power']:.0%} (the test cannot be significant "
        f"with fewer than {pw['min_seeds']}). Per pair: the tests table of the report and "
        "stats.json."
    ]
