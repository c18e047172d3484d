"""The protocol itself: hand a strategy the grid, let it suggest, train, compare each suggestion.

`run_setting` runs it on one data set and grid for ASNN, ASNN+ and the control; the value
types (`Trials`, `Comparison`, `Suggestion`, `Setting`) hold what it found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

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
