"""The write-up: ``report.md`` with one figure per data set and grid, and ``results.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from experiments.asnn_paper._protocol import N_TRAINING_SEEDS


def _f(x: float, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def markdown(data: dict[str, Any], figures: dict[str, str]) -> str:
    """The write-up: per data set and grid, the figures the issue asks for, then every row."""
    meta = data["meta"]
    lines = [
        "# ASNN on its own ground: the paper's protocol, with a control and tests",
        "",
        f"Command: `{meta['command']}`  ",
        f"Recipe(s): {'; '.join(meta['recipes'])}  ",
        f"Seed {meta['seed']}; {meta['k']} suggestions per method; {N_TRAINING_SEEDS} training "
        "seeds per architecture; harness " + meta["harness_version"] + ".",
        "",
        "Each method is told every trial of the grid, then suggests architectures one at a "
        "time (each trained with the grid's recipe and seeds and told back before the next), "
        "off-grid sizes allowed. The control perturbs the grid's best at random. Every "
        "suggestion is compared with the grid's best config (chosen on validation accuracy) "
        "on **test** accuracy over the 10 training seeds: difference of means with a Welch "
        "95 % interval; one-sided Welch t and Mann-Whitney U tests, Holm over the first k "
        "suggestions of the method. 'Kept' is the suggestion with the best validation mean, "
        "the one a user would keep.",
        "",
    ]
    for s in data["settings"]:
        best = s["grid_best"]
        name = f"{s['grid']}/{s['dataset']}"
        lines += [
            f"## {name}",
            "",
            f"Grid best (by validation): {'-'.join(map(str, best['hidden']))}, validation "
            f"{_f(float(np.mean(best['val'])))} %, test {_f(float(np.mean(best['test'])))} % "
            f"(best test mean in the grid: {_f(float(np.mean(s['grid_best_by_test']['test'])))}"
            f" %, {'-'.join(map(str, s['grid_best_by_test']['hidden']))}). Sizes "
            f"{s['sizes'][0]}..{s['sizes'][1]} per layer.",
            "",
            "| method | k | kept suggestion | its test % | diff vs grid best (95 % CI) | "
            "Holm p Welch / MWU | suggestions with higher mean | significant (Welch / MWU) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for method, rows in s["summary"].items():
            for r in rows:
                if not r["n"]:
                    continue
                grid_mark = " (on grid)" if r["best_on_grid"] else ""
                lines.append(
                    f"| {method} | {r['n']} | {r['best']}{grid_mark} | {_f(r['best_test_mean'])} "
                    f"| {r['best_diff']:+.2f} ({r['best_ci'][0]:+.2f}, {r['best_ci'][1]:+.2f}) | "
                    f"{_p(r['best_p_welch_holm'])} / {_p(r['best_p_mwu_holm'])} | "
                    f"{r['n_mean_above_grid_best']} / {r['n']} | "
                    f"{r['n_significant_welch']} / {r['n_significant_mwu']} |"
                )
        for r in s["against_control"]:
            lines.append(
                f"- {r['method']}: {r['wins']} of {r['n']} suggestions have a higher test mean "
                f"than the grid best, the control's perturbations {r['control_wins']} of "
                f"{r['control_n']} (Fisher exact, one-sided p = {_p(r['p'])})."
            )
        paper = s["paper"]
        if paper:
            lines.append(
                f"- The paper's claim on its MNIST-like data: best suggestion "
                f"{paper['suggested']:.2f} % vs grid best {paper['grid_best']:.2f} %, a "
                f"difference of {paper['suggested'] - paper['grid_best']:+.2f} points. With 10 "
                f"training seeds a side and this grid best's seed spread, a difference of "
                f"{s['detectable_difference']:.2f} points is what a one-sided test detects with "
                "80 % power."
            )
        lines += ["", "Cost: " + _cost_line(s), ""]
        if name in figures:
            lines += [f"![{name}]({figures[name]})", ""]
    lines += ["## Every suggestion", ""]
    lines += [
        "| setting | method | # | architecture | val % | test % | diff (95 % CI) | p Welch | "
        "p MWU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in data["settings"]:
        for x in s["suggestions"]:
            t, v = x["trials"], x["vs_best"]
            lines.append(
                f"| {s['grid']}/{s['dataset']} | {x['method']} | {x['order']} | "
                f"{'-'.join(map(str, t['hidden']))}{' (grid)' if t['on_grid'] else ''} | "
                f"{_f(float(np.mean(t['val'])))} | {_f(float(np.mean(t['test'])))} | "
                f"{v['diff']:+.2f} ({v['ci_low']:+.2f}, {v['ci_high']:+.2f}) | "
                f"{_p(v['p_welch'])} | {_p(v['p_mwu'])} |"
            )
    return "\n".join(lines) + "\n"


def _cost_line(s: dict[str, Any]) -> str:
    parts = []
    for method in s["fit_seconds"]:
        parts.append(
            f"{method}: fit + suggest {s['fit_seconds'][method]:.2f} s, training of its "
            f"suggestions {s['training_seconds'].get(method, 0.0):.0f} s (recorded)"
        )
    return "; ".join(parts) + "."


def draw(data: dict[str, Any], root: Path) -> dict[str, str]:
    """One figure per setting: each suggestion's test mean and interval vs the grid best."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    out: dict[str, str] = {}
    colours = {"asnn": "tab:blue", "asnn-plus": "tab:orange", "control": "tab:gray"}
    offsets = {"asnn": -0.2, "asnn-plus": 0.0, "control": 0.2}
    for s in data["settings"]:
        name = f"{s['grid']}/{s['dataset']}"
        fig, ax = plt.subplots(figsize=(8, 4))
        best = float(np.mean(s["grid_best"]["test"]))
        ax.axhline(best, color="black", lw=1, ls="--", label="grid best (test mean)")
        for method in colours:
            xs = [x for x in s["suggestions"] if x["method"] == method]
            if not xs:
                continue
            order = np.array([x["order"] for x in xs]) + offsets[method]
            means = np.array([float(np.mean(x["trials"]["test"])) for x in xs])
            low = np.array([x["vs_best"]["ci_low"] for x in xs]) + best
            high = np.array([x["vs_best"]["ci_high"] for x in xs]) + best
            ax.errorbar(
                order,
                means,
                yerr=[means - low, high - means],
                fmt="o",
                ms=4,
                capsize=2,
                color=colours[method],
                label=method,
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("suggestion (in the order made)")
        ax.set_ylabel("test accuracy, mean of 10 seeds (%)")
        ax.set_title(f"{name}: suggestions vs the grid's best (95 % Welch interval)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        fig.tight_layout()
        stem = f"{s['grid']}_{s['dataset']}.png"
        (root / "figures").mkdir(parents=True, exist_ok=True)
        fig.savefig(root / "figures" / stem, dpi=110)
        plt.close(fig)
        out[name] = f"figures/{stem}"
    return out


def write_report(data: dict[str, Any], root: Path) -> list[Path]:
    """Write ``results.json``, ``report.md`` and the figures into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    figures = draw(data, root)
    paths = [root / "results.json", root / "report.md"]
    paths[0].write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    paths[1].write_text(markdown(data, figures))
    return paths + [root / f for f in figures.values()]
