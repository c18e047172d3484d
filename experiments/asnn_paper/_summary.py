"""The protocol's statistics, and its whole result as plain data (``results.json``).

Per method and suggestion count: the suggestion a user would keep and the Holm-corrected tests
(`reports.stats.holm`, the report's own); then each method against the control.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from experiments.asnn_paper._protocol import (
    ALPHA,
    K_REPORTED,
    METHODS,
    PAPER,
    Setting,
    Trials,
)
from reports.stats import holm


def _holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values of a family in which every test could be run."""
    return [math.nan if p is None else float(p) for p in holm(pvalues)]


def reported_ks(setting: Setting, method: str) -> list[int]:
    """The `K_REPORTED` counts this setting's ``method`` reaches (fewer when ``k`` was)."""
    made = sum(s.method == method for s in setting.suggestions)
    return sorted({min(k, made) for k in K_REPORTED})


def summarise(setting: Setting, method: str, k: int) -> dict[str, Any]:
    """The first ``k`` suggestions of ``method``: best (by validation), wins, Holm results."""
    chosen = [s for s in setting.suggestions if s.method == method and s.order <= k]
    if not chosen:
        return {"k": k, "n": 0}
    welch = _holm([s.vs_best.p_welch for s in chosen])
    mwu = _holm([s.vs_best.p_mwu for s in chosen])
    # The suggestion a user would keep: the best by validation accuracy (never by test).
    i = max(range(len(chosen)), key=lambda j: (chosen[j].trials.val_mean, -chosen[j].order))
    top = chosen[i]
    return {
        "k": k,
        "n": len(chosen),
        "best": "-".join(map(str, top.trials.hidden)),
        "best_on_grid": top.trials.on_grid,
        "best_val_mean": top.trials.val_mean,
        "best_test_mean": top.trials.test_mean,
        "best_diff": top.vs_best.diff,
        "best_ci": [top.vs_best.ci_low, top.vs_best.ci_high],
        "best_p_welch_holm": welch[i],
        "best_p_mwu_holm": mwu[i],
        "n_mean_above_grid_best": sum(s.vs_best.diff > 0 for s in chosen),
        "n_significant_welch": sum(p < ALPHA for p in welch),
        "n_significant_mwu": sum(p < ALPHA for p in mwu),
        "max_test_mean": max(s.trials.test_mean for s in chosen),
    }


def against_control(setting: Setting, method: str) -> dict[str, Any] | None:
    """How often ``method``'s suggestions beat the grid best's test mean, against the control's.

    Fisher's exact test, one-sided (the method beats the grid best more often than chance
    perturbations of it do).
    """
    from scipy import stats

    def wins(m: str) -> tuple[int, int]:
        chosen = [s for s in setting.suggestions if s.method == m]
        return sum(s.vs_best.diff > 0 for s in chosen), len(chosen)

    (a, n_a), (c, n_c) = wins(method), wins("control")
    if method == "control" or not n_a or not n_c:
        return None
    p = float(stats.fisher_exact([[a, n_a - a], [c, n_c - c]], alternative="greater")[1])
    return {"method": method, "wins": a, "n": n_a, "control_wins": c, "control_n": n_c, "p": p}


def detectable_difference(best: Trials, power: float = 0.8) -> float:
    """The difference of test means that 10 vs 10 seeds detect with ``power``.

    One-sided test at `ALPHA`, normal approximation, the grid best's seed spread on both sides.
    """
    from scipy import stats

    sd = float(np.std(best.test, ddof=1))
    z = float(stats.norm.ppf(1 - ALPHA) + stats.norm.ppf(power))
    return z * sd * math.sqrt(2 / len(best.test))


def as_json(settings: Sequence[Setting], meta: dict[str, Any]) -> dict[str, Any]:
    """Everything the report shows, as plain data."""
    out: dict[str, Any] = {"meta": meta, "settings": []}
    for s in settings:
        methods = sorted({x.method for x in s.suggestions}, key=METHODS.index)
        out["settings"].append(
            {
                "dataset": s.dataset,
                "grid": s.grid,
                "seed": s.seed,
                "sizes": list(s.sizes),
                "grid_best": asdict(s.grid_best),
                "grid_best_by_test": asdict(s.grid_best_test),
                "summary": {m: [summarise(s, m, k) for k in reported_ks(s, m)] for m in methods},
                "against_control": [r for m in methods if (r := against_control(s, m)) is not None],
                "detectable_difference": detectable_difference(s.grid_best),
                "paper": PAPER.get(s.grid),
                "fit_seconds": s.fit_seconds,
                "training_seconds": s.training_seconds,
                "suggestions": [
                    {
                        "method": x.method,
                        "order": x.order,
                        "trials": asdict(x.trials),
                        "vs_best": asdict(x.vs_best),
                    }
                    for x in s.suggestions
                ],
            }
        )
    return out
