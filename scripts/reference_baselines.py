"""Check the harness's baselines against plain implementations that run outside it.

Three pairs, each on the same recorded table and the same number of evaluations:

- ``tpe`` against a plain Optuna loop (``optuna.create_study`` with a multivariate
  ``TPESampler``, ``study.optimize``), suggesting every dimension with ``suggest_categorical``
  over its choice values (``suggest_int`` over the rank for ordinal dimensions);
- ``random`` against plain uniform draws;
- ``evolution`` against a minimal textbook regularized evolution (Real et al., AAAI 2019,
  Algorithm 1): ``P`` random configs, then repeatedly ``S`` members drawn with replacement, the
  best of them mutated in one uniformly chosen dimension to another uniformly chosen value, the
  child added and the oldest member removed. ``P`` and ``S`` are the harness strategy's own
  ``population`` and ``tournament``.

The plain implementations query the table through the public ``spaces`` API only: the first
evaluation of a config returns a uniformly drawn recorded training seed, a repeat the next one
(as the harness does, with its own random stream instead of the harness's common-random-numbers
hash), and the incumbent is the best *observed* value, scored by its oracle value (mean over
the recorded seeds). The harness's runs use ``run_strategy`` with the seeding of ``python -m
harness compare``. The two samples of final regret are independent, so they are compared with
two-sample tests (Mann-Whitney U and Kolmogorov-Smirnov, two-sided); agreement means neither
rejects and the means are within two standard errors of their difference.

Use seeds that no default was tuned on (the evidence uses 0..19, tuning 100 and up)::

    python scripts/reference_baselines.py --first-seed 1000 --seeds 20 --budget 100

Other pairs for a check: ``--tpe tpe:multivariate=false`` (the default before issue 14) or
``--evolution evolution:population=50,tournament=10``.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from harness import Budget, run_strategy, strategy_seed
from spaces import Config, Objective, UnknownSpaceError, available_spaces, load_objective
from strategies import StrategyOptionError, build_strategy, parse_strategy_spec, resolved_options

FloatArray = npt.NDArray[np.float64]

_STREAM = 0x5EED_BA5E
"""Mixed into every reference run's seed, so that its draws share nothing with the harness's."""


@lru_cache(maxsize=4)
def _objective(space: str) -> Objective:
    return load_objective(space)


def _reference_rng(seed: int, name: str, stream: int) -> np.random.Generator:
    """One of the independent generators of reference run ``seed`` of ``name``."""
    tag = int.from_bytes(name.encode(), "little") % (2**32)
    return np.random.default_rng(np.random.SeedSequence([seed, tag, _STREAM, stream]))


class PlainTable:
    """A recorded table queried as a plain script would query it, tracking the incumbent.

    Args:
        objective: The recorded table (its optimum must be known).
        rng: Draws the recorded training seed of each config's first evaluation.
    """

    def __init__(self, objective: Objective, rng: np.random.Generator) -> None:
        self.objective = objective
        self.space = objective.space
        self.rng = rng
        self.history: list[Config] = []
        self._last_slot: dict[int, int] = {}
        self._best_score = -math.inf
        self._incumbent: int | None = None

    def score(self, value: float) -> float:
        """Larger is better; NaN (a diverged run) is worst."""
        if math.isnan(value):
            return -math.inf
        return value if self.objective.maximize else -value

    def evaluate(self, config: Config) -> float:
        """The observed value of one recorded training run of ``config``."""
        index = self.space.index(config)
        n_slots = self.objective.n_slots(index)
        last = self._last_slot.get(index)
        slot = int(self.rng.integers(n_slots)) if last is None else (last + 1) % n_slots
        self._last_slot[index] = slot
        value = self.objective.evaluate(index, slot).value
        self.history.append(config)
        score = self.score(value)
        if score > self._best_score:  # strict: ties keep the earlier incumbent
            self._best_score, self._incumbent = score, index
        return value

    def final_regret(self) -> float:
        """Optimum minus the incumbent's oracle value (sign-adjusted; NaN without one)."""
        optimum = self.objective.optimum
        if self._incumbent is None or optimum is None:
            return math.nan
        oracle = self.objective.oracle_values(np.array([self._incumbent], dtype=np.int64))
        if oracle is None:
            return math.nan
        sign = 1.0 if self.objective.maximize else -1.0
        return max(sign * (optimum - float(oracle[0])), 0.0)


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Silence Optuna's per-trial log lines and experimental warnings; restore after."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(level)


def plain_tpe(objective: Objective, seed: int, n_evaluations: int, **sampler: Any) -> float:
    """Final regret of a plain Optuna TPE loop (multivariate unless ``sampler`` says otherwise).

    Args:
        objective: The recorded table.
        seed: The run seed (mixed into the sampler's seed and the table's draws).
        n_evaluations: Trials to run.
        **sampler: More `optuna.samplers.TPESampler` arguments.
    """
    import optuna

    rng = _reference_rng(seed, "tpe", 0)
    table = PlainTable(objective, _reference_rng(seed, "tpe", 1))
    dimensions = objective.space.dimensions

    def evaluate(trial: optuna.Trial) -> float:
        config = tuple(
            d.choices.index(trial.suggest_categorical(d.name, d.choices))
            if d.kind == "categorical"
            else trial.suggest_int(d.name, 0, d.size - 1)
            for d in dimensions
        )
        return table.evaluate(config)  # NaN: Optuna marks the trial failed

    with _quiet_optuna():
        options = {"multivariate": True, **sampler}
        study = optuna.create_study(
            sampler=optuna.samplers.TPESampler(seed=int(rng.integers(2**32)), **options),
            direction="maximize" if objective.maximize else "minimize",
        )
        study.optimize(evaluate, n_trials=n_evaluations)
    return table.final_regret()


def plain_random(objective: Objective, seed: int, n_evaluations: int) -> float:
    """Final regret of ``n_evaluations`` uniform random configs."""
    rng = _reference_rng(seed, "random", 0)
    table = PlainTable(objective, _reference_rng(seed, "random", 1))
    sizes = objective.space.sizes
    for _ in range(n_evaluations):
        table.evaluate(tuple(int(rng.integers(n)) for n in sizes))
    return table.final_regret()


def textbook_evolution(
    objective: Objective, seed: int, n_evaluations: int, *, population: int, sample_size: int
) -> float:
    """Final regret of regularized evolution as in Real et al. (2019), Algorithm 1.

    Args:
        objective: The recorded table.
        seed: The run seed.
        n_evaluations: Evaluations in all, the initial population included.
        population: ``P``: random configs evaluated first, and members kept alive.
        sample_size: ``S``: members drawn (with replacement) per tournament.
    """
    table = PlainTable(objective, _reference_rng(seed, "evolution", 1))
    evolve(table, _reference_rng(seed, "evolution", 0), n_evaluations, population, sample_size)
    return table.final_regret()


def evolve(
    table: PlainTable, rng: np.random.Generator, n_evaluations: int, population: int, sample: int
) -> None:
    """Run Algorithm 1 of Real et al. (2019) on ``table`` for ``n_evaluations`` evaluations."""
    sizes = table.space.sizes
    mutable = [i for i, n in enumerate(sizes) if n > 1]
    alive: deque[tuple[Config, float]] = deque()
    for _ in range(n_evaluations):
        if len(table.history) < population:
            child = tuple(int(rng.integers(n)) for n in sizes)
        else:
            drawn = [alive[int(rng.integers(len(alive)))] for _ in range(sample)]
            parent = max(drawn, key=lambda member: member[1])[0]
            child = parent
            if mutable:
                dim = mutable[int(rng.integers(len(mutable)))]
                others = [v for v in range(sizes[dim]) if v != parent[dim]]
                new = others[int(rng.integers(len(others)))]
                child = parent[:dim] + (new,) + parent[dim + 1 :]
        alive.append((child, table.score(table.evaluate(child))))
        if len(alive) > population:
            alive.popleft()  # the oldest dies, however good


def harness_regret(spec: str, space: str, seed: int, n_evaluations: int) -> float:
    """Final regret of one harness run, seeded as ``python -m harness compare`` seeds it."""
    objective = _objective(space)
    name, options = parse_strategy_spec(spec)
    strategy = build_strategy(
        name,
        options,
        objective.space,
        seed=strategy_seed(seed, name),
        maximize=objective.maximize,
        budget=n_evaluations,
    )
    trace = run_strategy(
        strategy, objective, seed=seed, budget=Budget(kind="evaluations", amount=n_evaluations)
    )
    if trace.status != "finished":
        raise RuntimeError(f"{spec} on {space} seed {seed} failed: {trace.error}")
    return trace.final_regret


REFERENCES: dict[str, Callable[..., float]] = {
    "tpe": plain_tpe,
    "random": plain_random,
    "evolution": textbook_evolution,
}
"""The plain implementations by name: ``(objective, seed, n_evaluations, **options)``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """A harness strategy and the plain implementation it is checked against.

    Attributes:
        label: Name of the plain implementation, for the printout.
        spec: The harness strategy, as for ``--strategy``.
        reference: Key of the plain implementation in `REFERENCES`.
        options: Its keyword options.
    """

    label: str
    spec: str
    reference: str
    options: tuple[tuple[str, int], ...] = ()


def default_pairs(tpe: str = "tpe", evolution: str = "evolution") -> list[Pair]:
    """The three pairs; textbook evolution takes P and S from the ``evolution`` spec."""
    name, options = parse_strategy_spec(evolution)
    resolved = resolved_options(name, options)
    population, sample_size = int(resolved["population"]), int(resolved["tournament"])
    return [
        Pair(label="plain Optuna TPE (multivariate)", spec=tpe, reference="tpe"),
        Pair(label="plain uniform random", spec="random", reference="random"),
        Pair(
            label=f"textbook RE (P={population}, S={sample_size})",
            spec=evolution,
            reference="evolution",
            options=(("population", population), ("sample_size", sample_size)),
        ),
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """Two samples of final regret and the two-sample tests between them.

    Attributes:
        harness: The harness's final regrets, one per seed.
        reference: The plain implementation's, one per seed.
        mann_whitney_p: Two-sided Mann-Whitney U p-value (1 when every value is the same).
        ks_p: Two-sided two-sample Kolmogorov-Smirnov p-value (1 likewise).
    """

    harness: FloatArray
    reference: FloatArray
    mann_whitney_p: float
    ks_p: float

    @staticmethod
    def mean_se(values: FloatArray) -> tuple[float, float]:
        """Mean and its standard error (sample standard deviation / sqrt(n))."""
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))

    @property
    def z(self) -> float:
        """Difference of the means in standard errors of the difference (0 when both are 0)."""
        (a, sa), (b, sb) = self.mean_se(self.harness), self.mean_se(self.reference)
        se = math.hypot(sa, sb)
        return (a - b) / se if se > 0 else 0.0 if a == b else math.copysign(math.inf, a - b)

    def agrees(self, alpha: float, max_z: float = 2.0) -> bool:
        """Neither test rejects at ``alpha`` and the means are within ``max_z`` standard errors."""
        return self.mann_whitney_p > alpha and self.ks_p > alpha and abs(self.z) <= max_z


def compare_samples(harness: Sequence[float], reference: Sequence[float]) -> Agreement:
    """Test whether two samples of final regret come from the same distribution."""
    a = np.asarray(harness, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if len(a) < 2 or len(b) < 2 or np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("each sample needs at least 2 finite final regrets")
    if np.all(a == a[0]) and np.all(b == a[0]):
        return Agreement(harness=a, reference=b, mann_whitney_p=1.0, ks_p=1.0)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    ks = stats.ks_2samp(a, b, alternative="two-sided")
    return Agreement(harness=a, reference=b, mann_whitney_p=float(mw.pvalue), ks_p=float(ks.pvalue))


def _run(job: tuple[str, Pair, str, int, int]) -> float:
    """One run: ``(side, pair, space, seed, n_evaluations)``, side ``harness`` or ``reference``."""
    side, pair, space, seed, n_evaluations = job
    if side == "harness":
        return harness_regret(pair.spec, space, seed, n_evaluations)
    reference = REFERENCES[pair.reference]
    return reference(_objective(space), seed, n_evaluations, **dict(pair.options))


def run_pairs(
    space: str,
    seeds: Sequence[int],
    n_evaluations: int,
    *,
    tpe: str = "tpe",
    evolution: str = "evolution",
    workers: int = 1,
) -> list[tuple[Pair, Agreement]]:
    """Run every pair on ``space`` for every seed and compare the two sides of each."""
    pairs = default_pairs(tpe, evolution)
    found = run_sides(_run, pairs, space, seeds, n_evaluations, workers=workers, chunksize=2)
    return list(zip(pairs, found, strict=True))


def run_sides(
    run: Callable[[tuple[str, Any, str, int, int]], float],
    keys: Sequence[Any],
    space: str,
    seeds: Sequence[int],
    n_evaluations: int,
    *,
    workers: int = 1,
    chunksize: int = 1,
) -> list[Agreement]:
    """``run`` both sides of every key on ``space`` for every seed; compare the two sides.

    Args:
        run: Called with ``(side, key, space, seed, n_evaluations)``, side ``harness`` or
            ``reference``; returns the final regret (a module-level function: it may run in
            a worker process).
        keys: What is compared (a pair, a strategy name).
        space: The space.
        seeds: The seeds of each side.
        n_evaluations: The budget.
        workers: Processes (1: this one).
        chunksize: Jobs per hand-out to a worker.
    """
    jobs = [
        (side, key, space, seed, n_evaluations)
        for key in keys
        for side in ("harness", "reference")
        for seed in seeds
    ]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            regrets = list(pool.map(run, jobs, chunksize=chunksize))
    else:
        regrets = [run(job) for job in jobs]
    table = np.asarray(regrets).reshape(len(keys), 2, len(seeds))
    return [compare_samples(t[0], t[1]) for t in table]


def comparison_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """The options of a side-by-side script: space, seeds, budget (add yours after them).

    Args:
        prog: The script's name.
        doc: Its module docstring (the first paragraph is the description).
    """
    parser = argparse.ArgumentParser(prog=prog, description=(doc or "").split("\n\n")[0])
    parser.add_argument("--space", default="nb201/cifar10")
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=100, help="evaluations per run")
    return parser


def parse_comparison(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """Add ``--alpha`` and ``--workers``, parse ``argv`` and check the shared options."""
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if args.space not in available_spaces():
        parser.error(f"--space {args.space!r} is not one of {', '.join(available_spaces())}")
    if args.seeds < 2 or args.budget < 1 or args.workers < 1:
        parser.error("--seeds must be at least 2, --budget and --workers at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pairs and print each side's mean final regret and the tests between them."""
    parser = comparison_parser("reference_baselines.py", __doc__)
    parser.add_argument("--tpe", default="tpe", help="the harness's TPE spec to check")
    parser.add_argument("--evolution", default="evolution", help="the harness's RE spec")
    args = parse_comparison(parser, argv)
    try:
        if _objective(args.space).optimum is None:
            parser.error(f"--space {args.space!r} has no known optimum, so no regret")
        for spec, name in ((args.tpe, "tpe"), (args.evolution, "evolution")):
            if parse_strategy_spec(spec)[0] != name:
                parser.error(f"--{name} {spec!r} must be a spec of strategy {name!r}")
            resolved_options(*parse_strategy_spec(spec))
    except (StrategyOptionError, UnknownSpaceError, ValueError) as exc:
        parser.error(str(exc).splitlines()[0])
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = run_pairs(
        args.space,
        seeds,
        args.budget,
        tpe=args.tpe,
        evolution=args.evolution,
        workers=args.workers,
    )
    rows = [(pair.spec, pair.label, a) for pair, a in results]
    print_agreements(args.space, args.budget, seeds, rows, alpha=args.alpha, widths=(30, 36))
    return 0


def print_agreements(
    space: str,
    budget: int,
    seeds: range,
    rows: Sequence[tuple[str, str, Agreement]],
    *,
    alpha: float,
    widths: tuple[int, int],
) -> None:
    """Print the table of (harness label, reference label, agreement) rows and its legend."""
    wide, ref = widths
    print(
        f"{space}: final regret after {budget} evaluations, seeds "
        f"{seeds.start}..{seeds.stop - 1} ({len(seeds)} per side); mean ± standard error"
    )
    header = f"{'harness':{wide}s} {'mean ± se':>17s}   {'reference':{ref}s} {'mean ± se':>17s}"
    print(f"{header}  {'z':>6s}  {'MW p':>6s}  {'KS p':>6s}  verdict")
    for label, reference, a in rows:
        (hm, hs), (rm, rs) = a.mean_se(a.harness), a.mean_se(a.reference)
        verdict = "agree" if a.agrees(alpha) else "DIFFER"
        print(
            f"{label:{wide}s} {hm:8.4f} ± {hs:6.4f}   {reference:{ref}s} {rm:8.4f} ± {rs:6.4f}"
            f"  {a.z:6.2f}  {a.mann_whitney_p:6.3f}  {a.ks_p:6.3f}  {verdict}"
        )
    print(
        f"agree = Mann-Whitney and KS (two-sided) both p > {alpha:g} and |z| <= 2, "
        "z = difference of the means / its standard error"
    )


if __name__ == "__main__":
    raise SystemExit(main())
