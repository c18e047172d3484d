r"""Each component's marginal effect in a recorded table, to check learned importance against.

For every dimension and value of a space, the mean oracle value (mean over recorded seeds)
of the search metric over all configs with that value, minus the dimension's mean: the
ground truth that an importance score such as ``autobuild``'s tries to learn. With
``--stats`` (a report's ``stats.json``) it also gives, per space and transfer strategy, the
Spearman correlation between the learned importance and the target's own marginal effects
(larger-is-better orientation), and whether their best values agree. Run from the repository
root::

    python scripts/operation_marginals.py nb201/cifar10 nb201/cifar100 \
        --stats results/transfer/stats.json --out marginals.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from spaces import load_objective


def marginals(name: str) -> dict[str, dict[str, float]]:
    """``{dimension: {value: marginal effect}}`` of space ``name`` (larger is better)."""
    table = load_objective(name)
    space = table.space
    n = space.n_configs
    oracle = np.asarray(table.oracle_values(np.arange(n)), dtype=np.float64)
    sign = 1.0 if table.maximize else -1.0
    codes = space.configs(np.arange(n))  # (n, dimensions) choice positions
    out: dict[str, dict[str, float]] = {}
    for d, dim in enumerate(space.dimensions):
        column = codes[:, d]
        means = {
            str(choice): float(np.nanmean(oracle[column == i]))
            for i, choice in enumerate(dim.choices)
        }
        centre = float(np.mean(list(means.values())))
        out[dim.name] = {v: round(sign * (m - centre), 6) for v, m in means.items()}
    return out


def agreement(truth: dict[str, dict[str, float]], learned: dict[str, Any]) -> dict[str, Any]:
    """Spearman correlation over all components, and best-value agreement per dimension."""
    pairs = [
        (truth[dim][value], float(score))
        for dim, values in learned["dimensions"].items()
        for value, score in values.items()
        if dim in truth and value in truth[dim]
    ]
    rho = spearmanr([a for a, _ in pairs], [b for _, b in pairs]).statistic if pairs else None
    same_best = {
        dim: max(values, key=lambda v: values[v]) == max(truth[dim], key=lambda v: truth[dim][v])
        for dim, values in learned["dimensions"].items()
        if dim in truth
    }
    return {
        "spearman": None if rho is None else round(float(rho), 3),
        "n_components": len(pairs),
        "best_value_agrees": same_best,
    }


def main() -> None:
    """Print and write the marginals (and the agreement with a report's importances)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spaces", nargs="+")
    parser.add_argument("--stats", type=Path, help="a report's stats.json with importances")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result: dict[str, Any] = {"marginals": {name: marginals(name) for name in args.spaces}}
    if args.stats:
        stats = json.loads(args.stats.read_text())
        result["agreement"] = {}
        for space in stats["spaces"]:
            name = space["space"] if "space" in space else space["name"]
            learned = (space.get("transfer") or {}).get("importance", {})
            if name in result["marginals"]:
                result["agreement"][name] = {
                    label: agreement(result["marginals"][name], imp)
                    for label, imp in learned.items()
                }
    for name, dims in result["marginals"].items():
        print(name)
        for dim, values in dims.items():
            ranked = sorted(values.items(), key=lambda kv: -kv[1])
            print(f"  {dim}: " + ", ".join(f"{v} {s:+.2f}" for v, s in ranked))
    for name, by_label in result.get("agreement", {}).items():
        for label, entry in by_label.items():
            print(
                f"{name} {label}: spearman {entry['spearman']}, best values agree: "
                f"{sum(entry['best_value_agrees'].values())}/{len(entry['best_value_agrees'])}"
            )
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
