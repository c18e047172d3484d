"""Markdown tables for docs/ from a comparison's ``stats.json`` (written by the report).

Usage::

    python -m harness report DIR            # writes DIR/stats.json
    python scripts/evidence_tables.py DIR --pair asnn-plus:asnn --pair asnn:random

Prints (1) mean final regret of every strategy on every space with its within-space rank
(the mean best value of the search metric on spaces whose optimum is unknown), (2) for each
requested pair, per space, which one has the lower regret (is better) and the paired
Wilcoxon p-value after Holm's correction, twice: within the report's family of tests on that
space (by default each strategy against the space's best; "-" for a pair outside it, or with
too few differing seeds) and over the spaces for that one pair (the family of a claim such as
"A beats B on most spaces"), and (3) the cross-space average ranks with the Friedman test and
Nemenyi critical difference. Every number is read from ``stats.json`` (the Holm correction
over spaces from the report's head-to-head section).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from reports import final_entries, find_pair


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.3g}"


def _is_regret(space: dict[str, Any]) -> bool:
    """Whether a space's results are regret (else the metric, where the optimum is unknown)."""
    return bool(space.get("measure", {}).get("kind", "regret") == "regret")


def regret_table(stats: dict[str, Any]) -> str:
    """Space x strategy table of mean final regret (rank in parentheses; best in bold).

    Spaces whose optimum is unknown show the mean best value of the search metric instead,
    ranked in the metric's direction.
    """
    spaces = stats["spaces"]
    labels = sorted({lab for s in spaces for lab in final_entries(s)})
    lines = [
        "| space | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for s in spaces:
        finals = final_entries(s)
        means = {lab: finals[lab]["mean"] for lab in finals}
        sign = -1.0 if s.get("measure", {}).get("better") == "higher" else 1.0
        order = sorted(means, key=lambda lab: sign * means[lab])
        rank = {lab: i + 1 for i, lab in enumerate(order)}
        cells = []
        for lab in labels:
            if lab not in means:
                cells.append("-")
                continue
            text = f"{_fmt(means[lab])} ({rank[lab]})"
            cells.append(f"**{text}**" if rank[lab] == 1 else text)
        # Name what is shown unless it is the search metric's regret (a report metric's
        # regret, or a value where the optimum is unknown).
        plain = _is_regret(s) and s.get("measure", {}).get("role", "search") == "search"
        name = s["name"] if plain else f"{s['name']} ({s['measure']['label']})"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _lower(p: dict[str, Any]) -> str | None:
    """The strategy with the lower mean regret from a pair's b - a difference (or None)."""
    diff = p["mean_difference_b_minus_a"]
    return None if not diff else (p["a"] if diff > 0 else p["b"])


def pair_table(stats: dict[str, Any], pairs: list[tuple[str, str]], alpha: float) -> str:
    """Per space and pair: which has the lower mean regret, and Holm-corrected p-values.

    Each cell reads ``X lower, p=<Holm in the space's family> / <Holm over spaces>``
    (``X better`` on a space whose optimum is unknown); bold where the second is below alpha.
    """
    header = "| space | " + " | ".join(f"{x} vs {y}" for x, y in pairs) + " |"
    lines = [header, "|---|" + "---|" * len(pairs)]
    # The report's head-to-head rows hold the Holm correction over spaces and the counts.
    rows = {}
    for x, y in pairs:
        row = find_pair(stats["cross_space"]["head_to_head"], x, y)
        if row is None:
            raise SystemExit(f"--pair {x}:{y}: not a pair of the compared strategies")
        rows[(x, y)] = row
    for i, s in enumerate(stats["spaces"]):
        cells = []
        for x, y in pairs:
            p = find_pair(s["pairwise"], x, y)
            if p is None:
                cells.append("-")
                continue
            # The strategy with the lower mean final loss (regret, or the oriented value);
            # stats.json files from before value mode have only the regret difference.
            better = p["better"] if "better" in p else _lower(p)
            word = "lower" if _is_regret(s) else "better"
            p_spaces = rows[(x, y)]["spaces"][i]["pvalue_holm"]
            verdict = "equal" if better is None else f"{better} {word}"
            text = f"{verdict}, p={_fmt(p['pvalue_holm'])} / {_fmt(p_spaces)}"
            cells.append(f"**{text}**" if p_spaces is not None and p_spaces < alpha else text)
        lines.append(f"| {s['name']} | " + " | ".join(cells) + " |")
    counts = []
    for (x, _), row in rows.items():
        better, worse = (row["a_better"], row["b_better"])[:: 1 if row["a"] == x else -1]
        counts.append(f"{better} / {worse} / {row['neither'] + row['untested']}")
    how = "lower / higher" if all(map(_is_regret, stats["spaces"])) else "better / worse"
    lines.append(f"| **X significantly {how} / neither** | " + " | ".join(counts) + " |")
    return "\n".join(lines)


def cross_table(stats: dict[str, Any]) -> str:
    """Average ranks across spaces, Friedman test and Nemenyi critical difference."""
    cross = stats.get("cross_space")
    if not cross:
        return "(single space: no cross-space analysis)"
    ranks = sorted(cross["average_ranks"].items(), key=lambda kv: kv[1])
    lines = ["| strategy | average rank |", "|---|---|"]
    lines += [f"| {lab} | {r:.2f} |" for lab, r in ranks]
    fr = cross.get("friedman")
    if fr:
        lines.append("")
        lines.append(
            f"Friedman chi2 = {_fmt(fr['chi2'])}, p = {_fmt(fr['pvalue'])} over "
            f"{len(stats['spaces'])} spaces; Nemenyi critical difference = "
            f"{_fmt(cross['nemenyi'].get('critical_difference'))} ranks."
        )
    return "\n".join(lines)


def main() -> None:
    """Print the three tables for the comparison directory given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--pair", action="append", default=[], metavar="A:B")
    args = parser.parse_args()
    stats = json.loads((args.directory / "stats.json").read_text())
    alpha = float(stats["settings"]["alpha"])
    pairs = [(x, y) for x, _, y in (p.partition(":") for p in args.pair)]
    print(regret_table(stats))
    if pairs:
        print()
        print(pair_table(stats, pairs, alpha))
    print()
    print(cross_table(stats))


if __name__ == "__main__":
    main()
