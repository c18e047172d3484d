"""The ASNN paper's protocol, reproduced with a control and with statistics.

Hong (2025) trains ASNN on every trial of a grid of MLPs (2 hidden layers x 5 sizes, or 3 x 4,
10 training runs per config), lets it suggest architectures by its iterative procedure
(suggest, train, add the result, retrain), off-grid sizes allowed, and reports that a
suggestion's accuracy beats the grid's best. It gives no test and no control. Here, per data
set and grid:

1. The grid's recorded trials (the trained tables: every config x 10 training seeds) are told
   to the strategy, on an *open* space with every whole size in the grid's range per layer,
   so it may suggest sizes the grid never had.
2. It suggests ``k`` architectures one after another; each is trained with the same recipe
   and the same 10 training seeds as the grid (through the training cache: a rerun trains
   nothing) and its 10 validation accuracies are told back before the next suggestion.
3. A *control* suggests as many architectures by a naive rule: random perturbations of the
   grid's best (each layer's size times 2^u, u uniform in [-1, 1], kept in the range, never a
   grid config or a repeat), trained the same way.
4. Each suggestion is compared with the grid's best config (chosen on validation accuracy, as
   a search would) on **test** accuracy, which neither ASNN nor the choice of the best ever
   saw: the difference of seed-means with a Welch 95 % interval, and one-sided tests over the
   training seeds (Welch t and Mann-Whitney U, "the suggestion is better"), Holm-corrected
   over the first 5 and over all ``k`` suggestions of a method.

Everything but the timings follows from the seed (training is deterministic given recipe,
config and training seed). The write-up is `write_report`'s ``report.md``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reports.stats import holm
from spaces import Dimension, Space
from strategies import Observation, build_strategy

METHODS = ("asnn", "asnn-plus", "control")
"""What suggests: the faithful ASNN, the project's ASNN+, and the naive control."""
K_REPORTED = (5, 20)
"""Suggestion counts reported (the first 5 of the sequence, and all 20)."""
CONFIDENCE = 0.95
ALPHA = 0.05
PAPER = {
    "mlp2": {"suggested": 98.36, "grid_best": 98.31},
    "mlp3": {"suggested": 98.31, "grid_best": 98.17},
}
"""The paper's figures (MNIST-like data, percent): best suggestion vs the grid's best."""
N_TRAINING_SEEDS = 10


@dataclass(frozen=True, slots=True)
class Trials:
    """One architecture's training runs (one per training seed).

    Attributes:
        hidden: Hidden-layer sizes.
        val: Last-epoch validation accuracy per seed, percent.
        test: Last-epoch test accuracy per seed, percent.
        seconds: Recorded training seconds per seed.
        on_grid: Whether the grid holds this architecture.
    """

    hidden: tuple[int, ...]
    val: tuple[float, ...]
    test: tuple[float, ...]
    seconds: tuple[float, ...]
    on_grid: bool

    @property
    def val_mean(self) -> float:
        """Seed-mean validation accuracy."""
        return float(np.mean(self.val))

    @property
    def test_mean(self) -> float:
        """Seed-mean test accuracy."""
        return float(np.mean(self.test))


@dataclass(frozen=True, slots=True)
class Comparison:
    """A suggestion against the grid's best, on test accuracy over the training seeds.

    Attributes:
        diff: Seed-mean test accuracy of the suggestion minus the grid best's (points).
        ci_low: Lower end of the Welch 95 % interval of ``diff``.
        ci_high: Upper end.
        p_welch: One-sided Welch t-test p-value (suggestion better).
        p_mwu: One-sided Mann-Whitney U p-value (suggestion better).
    """

    diff: float
    ci_low: float
    ci_high: float
    p_welch: float
    p_mwu: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested architecture, in the order it was suggested."""

    method: str
    order: int
    trials: Trials
    vs_best: Comparison


@dataclass
class Setting:
    """The protocol's result on one data set and grid."""

    dataset: str
    grid: str
    seed: int
    sizes: tuple[int, int]
    grid_best: Trials
    grid_best_test: Trials
    suggestions: list[Suggestion] = field(default_factory=list)
    fit_seconds: dict[str, float] = field(default_factory=dict)
    training_seconds: dict[str, float] = field(default_factory=dict)


def open_space(n_layers: int, low: int, high: int) -> Space:
    """Every whole size in ``low..high`` for each of ``n_layers`` hidden layers."""
    sizes = tuple(range(low, high + 1))
    return Space(
        tuple(Dimension(name=f"h{i + 1}", kind="ordinal", choices=sizes) for i in range(n_layers))
    )


def compare_to_best(best: Trials, other: Trials) -> Comparison:
    """``other`` against ``best`` on test accuracy (Welch interval, one-sided tests)."""
    from scipy import stats

    a, b = np.asarray(other.test), np.asarray(best.test)
    diff = float(a.mean() - b.mean())
    if np.ptp(a) == 0 and np.ptp(b) == 0:  # no spread at all: the tests are undefined
        p = 0.0 if diff > 0 else 1.0
        return Comparison(diff, diff, diff, p, p)
    two_sided = stats.ttest_ind(a, b, equal_var=False)
    interval = two_sided.confidence_interval(CONFIDENCE)
    p_welch = float(stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue)
    p_mwu = float(stats.mannwhitneyu(a, b, alternative="greater").pvalue)
    return Comparison(diff, float(interval.low), float(interval.high), p_welch, p_mwu)


def control_sequence(
    best: tuple[int, ...], grid: set[tuple[int, ...]], low: int, high: int, k: int, seed: int
) -> list[tuple[int, ...]]:
    """``k`` distinct random perturbations of ``best``, none on the grid (the control)."""
    rng = np.random.default_rng([seed, 2025, len(best)])
    out: list[tuple[int, ...]] = []
    capacity = (high - low + 1) ** len(best) - len(grid)
    while len(out) < min(k, capacity):
        u = rng.uniform(-1.0, 1.0, size=len(best))
        hidden = tuple(
            int(min(high, max(low, round(h * 2.0**x)))) for h, x in zip(best, u, strict=True)
        )
        if hidden not in grid and hidden not in out:
            out.append(hidden)
    return out


TrainFn = Callable[[tuple[int, ...]], Trials]


def _strategy_sequence(
    method: str,
    space: Space,
    grid_trials: Sequence[Trials],
    train: TrainFn,
    k: int,
    seed: int,
) -> tuple[list[Trials], float]:
    """Hand ``grid_trials`` to ``method``, then ``k`` suggest-train-tell rounds.

    The grid's trials were never asked for: they reach the strategy through
    `strategies.Strategy.tell_unasked`. Each suggestion is one ``ask``; its first training seed is
    that ask's ``tell`` and its other seeds are told unasked, in the seeds' order (the order in
    which the strategy learns them is the protocol's, so results do not depend on which call
    carries them for a strategy that learns both alike).

    Returns:
        The suggestions' trials in order, and the strategy's own seconds (fit + suggest).
    """
    n_told = len(grid_trials) * N_TRAINING_SEEDS + k * N_TRAINING_SEEDS
    strategy = build_strategy(method, {}, space, seed=seed, maximize=True, budget=n_told)
    index = {v: i for i, v in enumerate(space.dimensions[0].choices)}
    busy = 0.0

    def learn(trials: Trials, *, asked: bool) -> float:
        config = tuple(index[h] for h in trials.hidden)
        start = time.perf_counter()
        for seed_no, (value, seconds) in enumerate(zip(trials.val, trials.seconds, strict=True)):
            observation = Observation(value=value, cost_seconds=seconds)
            if asked and seed_no == 0:
                strategy.tell(config, observation)
            else:
                strategy.tell_unasked(config, observation)
        return time.perf_counter() - start

    for trials in grid_trials:
        busy += learn(trials, asked=False)
    out: list[Trials] = []
    for _ in range(k):
        start = time.perf_counter()
        config = strategy.ask()
        busy += time.perf_counter() - start
        hidden = tuple(int(v) for v in space.values(config).values())
        trials = train(hidden)
        out.append(trials)
        busy += learn(trials, asked=True)
    return out, busy


def run_setting(
    dataset: str,
    grid: str,
    grid_trials: Sequence[Trials],
    train: TrainFn,
    *,
    k: int,
    seed: int,
    methods: Sequence[str] = METHODS,
    on_suggestion: Callable[[str], None] | None = None,
) -> Setting:
    """The protocol on one data set and grid.

    Args:
        dataset: Data set name (for the record).
        grid: ``mlp2`` or ``mlp3`` (for the record).
        grid_trials: Every grid config's trials (all training seeds).
        train: Trials of any architecture in the grid's size range (trains what is missing).
        k: Suggestions per method.
        seed: Seed of the strategies and of the control.
        methods: Which of `METHODS` to run.
        on_suggestion: Called with the method's name after each suggestion (progress).
    """
    n_layers = len(grid_trials[0].hidden)
    low = min(min(t.hidden) for t in grid_trials)
    high = max(max(t.hidden) for t in grid_trials)
    best = max(grid_trials, key=lambda t: (t.val_mean, t.hidden))
    best_test = max(grid_trials, key=lambda t: (t.test_mean, t.hidden))
    setting = Setting(dataset, grid, seed, (low, high), best, best_test)
    space = open_space(n_layers, low, high)
    on_grid = {t.hidden: t for t in grid_trials}

    def counted(method: str) -> TrainFn:
        def inner(hidden: tuple[int, ...]) -> Trials:
            trials = on_grid.get(hidden) or train(hidden)
            setting.training_seconds[method] = setting.training_seconds.get(method, 0.0) + sum(
                trials.seconds
            )
            if on_suggestion is not None:
                on_suggestion(method)
            return trials

        return inner

    for method in methods:
        if method == "control":
            start = time.perf_counter()
            hiddens = control_sequence(best.hidden, set(on_grid), low, high, k, seed)
            setting.fit_seconds[method] = time.perf_counter() - start
            sequence = [counted(method)(h) for h in hiddens]
        else:
            sequence, busy = _strategy_sequence(
                method, space, grid_trials, counted(method), k, seed
            )
            setting.fit_seconds[method] = busy
        for order, trials in enumerate(sequence, start=1):
            setting.suggestions.append(
                Suggestion(method, order, trials, compare_to_best(best, trials))
            )
    return setting


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
