"""Check the adapters of other libraries against those libraries' own loops (issue 40).

For each library, its own optimisation loop runs outside the harness on a recorded table,
with the same settings the adapter uses, and its final regrets are compared with the
adapter's runs through the harness (``run_strategy``, seeded as ``python -m harness compare``
seeds them), exactly as ``scripts/reference_baselines.py`` checks ``tpe``, ``random`` and
``evolution``: two-sample Mann-Whitney U and Kolmogorov-Smirnov tests (two-sided) and z, the
difference of the means over its standard error; agreement means neither test rejects and
|z| <= 2.

The plain loops, each the library's documented way to optimise a function:

- ``nevergrad``: ``optimizer.minimize(f)`` of ``NGOpt`` on an ``ng.p.Instrumentation`` of
  ``Choice`` (categorical) and ``TransitionChoice`` (ordinal) parameters, budget and one
  worker;
- ``pymoo``: ``pymoo.optimize.minimize`` of NSGA-III (population 20, one offspring per
  generation, pymoo's discrete recipe: integer sampling, rounded SBX and PM with eta 3) on an
  ``ElementwiseProblem`` with integer variables, terminated after the budget's evaluations;
- ``dehb``: DEHB's ask/tell loop on a ConfigSpace of ``Categorical`` and ``Ordinal``
  hyperparameters (DEHB's ``run`` counts wall-clock seconds or calls, not charged
  evaluations), each job trained at the largest offered fidelity not above DEHB's and told
  its cost in evaluation equivalents (fidelity / largest), stopped where the next job would
  overshoot the budget;
- ``smac``: ``HyperparameterOptimizationFacade(...).optimize()`` with ``n_trials`` = budget.

The plain loops query the table through the public ``spaces`` API (`reference_baselines`'s
``PlainTable``: a config's first evaluation gets a uniformly drawn recorded seed, a repeat the
next one; the incumbent is the best observed value, scored by its oracle value; for DEHB the
best observed at the highest fidelity evaluated so far). Use seeds no default was tuned on::

    python scripts/reference_adapters.py --first-seed 1000 --seeds 20 --budget 100
"""

from __future__ import annotations

import math
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_baselines as rb

from harness import Budget, run_strategy, strategy_seed
from harness.capabilities import Setting, decide
from spaces import Config, Objective, UnknownSpaceError
from strategies import build_strategy, get_strategy


def plain_nevergrad(objective: Objective, seed: int, n_evaluations: int) -> float:
    """Final regret of Nevergrad's own ``minimize`` loop with NGOpt."""
    import nevergrad as ng

    table = rb.PlainTable(objective, rb._reference_rng(seed, "nevergrad", 1))
    dims = objective.space.dimensions
    parameters = [
        ng.p.Choice(list(range(d.size)))
        if d.kind == "categorical"
        else ng.p.TransitionChoice(list(range(d.size)))
        for d in dims
    ]
    instrumentation = ng.p.Instrumentation(*parameters)
    state = rb._reference_rng(seed, "nevergrad", 0).integers(2**32)
    instrumentation.random_state = np.random.RandomState(int(state))
    optimizer = ng.optimizers.NGOpt(
        parametrization=instrumentation, budget=n_evaluations, num_workers=1
    )

    def loss(*config: int) -> float:
        return -table.score(table.evaluate(tuple(int(c) for c in config)))

    saved = np.random.get_state()  # noqa: NPY002 - NGOpt draws from it; leave it as found
    np.random.seed(int(state) % (2**32))  # noqa: NPY002
    try:
        optimizer.minimize(loss)
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    return table.final_regret()


def plain_pymoo(objective: Objective, seed: int, n_evaluations: int) -> float:
    """Final regret of pymoo's own ``minimize`` with steady-state NSGA-III."""
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.core.problem import ElementwiseProblem
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling
    from pymoo.optimize import minimize

    table = rb.PlainTable(objective, rb._reference_rng(seed, "pymoo", 1))
    sizes = np.asarray(objective.space.sizes)

    class TableProblem(ElementwiseProblem):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(n_var=len(sizes), n_obj=1, xl=np.zeros(len(sizes)), xu=sizes - 1)

        def _evaluate(self, x: Any, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            config = tuple(int(np.rint(v)) for v in x)
            value = -table.score(table.evaluate(config))
            out["F"] = value if math.isfinite(value) else 1e12

    algorithm = NSGA3(
        ref_dirs=np.ones((1, 1)),
        pop_size=20,
        n_offsprings=1,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
        mutation=PM(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    pymoo_seed = int(rb._reference_rng(seed, "pymoo", 0).integers(2**31 - 1))
    minimize(TableProblem(), algorithm, ("n_evals", n_evaluations), seed=pymoo_seed)
    return table.final_regret()


class FidelityTable(rb.PlainTable):
    """A `PlainTable` that evaluates at a fidelity.

    The incumbent is the best observation at the highest fidelity evaluated so far, as the
    harness scores multi-fidelity runs.
    """

    def __init__(self, objective: Objective, rng: np.random.Generator) -> None:
        super().__init__(objective, rng)
        self._at = {f: objective.select(fidelity=f) for f in objective.info.fidelities}
        self._top_seen = -1

    def evaluate_at(self, config: Config, fidelity: int) -> float:
        """The observed value of one recorded training run of ``config`` at ``fidelity``."""
        index = self.space.index(config)
        at = self._at[fidelity]
        n_slots = at.n_slots(index)
        key = index * 100_000 + fidelity  # a fidelity's run is a training of its own
        last = self._last_slot.get(key)
        slot = int(self.rng.integers(n_slots)) if last is None else (last + 1) % n_slots
        self._last_slot[key] = slot
        value = at.evaluate(index, slot).value
        score = self.score(value)
        if fidelity > self._top_seen:
            self._top_seen, self._best_score = fidelity, -math.inf
        if fidelity == self._top_seen and score > self._best_score:
            self._best_score, self._incumbent = score, index
        return value


def plain_dehb(objective: Objective, seed: int, n_evaluations: int) -> float:
    """Final regret of DEHB's own ``run(total_cost=...)`` loop."""
    import ConfigSpace as CS
    from dehb import DEHB
    from loguru import logger

    logger.disable("dehb")
    table = FidelityTable(objective, rb._reference_rng(seed, "dehb", 1))
    fidelities = sorted(objective.info.fidelities)
    top = fidelities[-1]
    dims = objective.space.dimensions
    space = CS.ConfigurationSpace(seed=int(rb._reference_rng(seed, "dehb", 2).integers(2**31)))
    space.add(
        [
            CS.CategoricalHyperparameter(d.name, list(range(d.size)))
            if d.kind == "categorical"
            else CS.OrdinalHyperparameter(d.name, list(range(d.size)))
            for d in dims
        ]
    )

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # DEHB 0.1.1 on ConfigSpace 1.x
        optimizer = DEHB(
            f=None,
            cs=space,
            min_fidelity=fidelities[0],
            max_fidelity=top,
            eta=3,
            n_workers=1,
            output_path=folder,
            seed=int(rb._reference_rng(seed, "dehb", 0).integers(2**32)),
            save_freq="end",
        )
        # DEHB's run() counts wall-clock seconds or function calls, not charged evaluations:
        # its ask/tell loop, stopped where the next job would overshoot the budget.
        spent = 0.0
        while True:
            job = optimizer.ask()
            at = max(f for f in fidelities if f <= job["fidelity"] + 1e-9)
            if spent + at / top > n_evaluations + 1e-9:
                break
            spent += at / top
            config = tuple(int(job["config"][d.name]) for d in dims)
            loss = -table.score(table.evaluate_at(config, at))
            result = {"fitness": loss if math.isfinite(loss) else math.inf, "cost": at / top}
            optimizer.tell(job, result)
    return table.final_regret()


def plain_smac(objective: Objective, seed: int, n_evaluations: int) -> float:
    """Final regret of SMAC's own ``optimize`` loop (the HPO facade)."""
    from ConfigSpace import Categorical, ConfigurationSpace, Integer
    from smac import HyperparameterOptimizationFacade, Scenario

    table = rb.PlainTable(objective, rb._reference_rng(seed, "smac", 1))
    dims = objective.space.dimensions
    smac_seed = int(rb._reference_rng(seed, "smac", 0).integers(2**31 - 1))
    space = ConfigurationSpace(seed=smac_seed)
    space.add(
        [
            Categorical(d.name, list(range(d.size)))
            if d.kind == "categorical"
            else Integer(d.name, (0, d.size - 1))
            for d in dims
        ]
    )

    def train(config: Any, seed: int = 0) -> float:
        loss = -table.score(table.evaluate(tuple(int(config[d.name]) for d in dims)))
        return loss if math.isfinite(loss) else math.inf

    with tempfile.TemporaryDirectory() as folder:
        scenario = Scenario(
            space, n_trials=n_evaluations, seed=smac_seed, output_directory=Path(folder)
        )
        smac = HyperparameterOptimizationFacade(scenario, train, overwrite=True, logging_level=40)
        smac.optimize()
    return table.final_regret()


REFERENCES: dict[str, tuple[str, Callable[[Objective, int, int], float]]] = {
    "nevergrad": ("Nevergrad NGOpt.minimize", plain_nevergrad),
    "pymoo": ("pymoo minimize, NSGA-III", plain_pymoo),
    "dehb": ("DEHB ask/tell loop", plain_dehb),
    "smac": ("SMAC HPO facade .optimize", plain_smac),
}
"""Each adapter (its default options) and the library loop it is checked against."""


def harness_regret(name: str, space: str, seed: int, n_evaluations: int) -> float:
    """Final regret of one harness run of adapter ``name`` at its default options."""
    objective = rb._objective(space)
    budget = Budget(kind="evaluations", amount=n_evaluations)
    plan = decide(name, Setting(objective=objective, budget=budget))
    get_strategy(name).warm_up()
    strategy = build_strategy(
        name,
        {},
        objective.space,
        seed=strategy_seed(seed, name),
        maximize=objective.maximize,
        budget=n_evaluations,
        **plan.construction,
    )
    trace = run_strategy(strategy, objective, seed=seed, budget=budget)
    if trace.status != "finished":
        raise RuntimeError(f"{name} on {space} seed {seed} failed: {trace.error}")
    return trace.final_regret


def _run(job: tuple[str, str, str, int, int]) -> float:
    side, name, space, seed, n_evaluations = job
    if side == "harness":
        return harness_regret(name, space, seed, n_evaluations)
    return REFERENCES[name][1](rb._objective(space), seed, n_evaluations)


def run_pairs(
    names: Sequence[str], space: str, seeds: Sequence[int], n_evaluations: int, *, workers: int = 1
) -> list[tuple[str, Any]]:
    """Run each adapter and its library's loop on ``space`` for every seed; compare them."""
    found = rb.run_sides(_run, names, space, seeds, n_evaluations, workers=workers)
    return list(zip(names, found, strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pairs and print each side's mean final regret and the tests between them."""
    parser = rb.comparison_parser("reference_adapters.py", __doc__)
    parser.add_argument(
        "--adapter", action="append", choices=sorted(REFERENCES), help="default: all"
    )
    args = rb.parse_comparison(parser, argv)
    names = args.adapter or list(REFERENCES)
    try:
        objective = rb._objective(args.space)
    except (UnknownSpaceError, ValueError) as exc:
        parser.error(str(exc).splitlines()[0])
    if objective.optimum is None:
        parser.error(f"--space {args.space!r} has no known optimum, so no regret")
    if "dehb" in names and len(objective.info.fidelities) < 2:
        parser.error(f"--adapter dehb needs a space with several fidelities, not {args.space!r}")
    for name in names:
        reason = getattr(get_strategy(name), "unavailable", lambda: None)()
        if reason:
            parser.error(reason)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = run_pairs(names, args.space, seeds, args.budget, workers=args.workers)
    rows = [(name, REFERENCES[name][0], a) for name, a in results]
    rb.print_agreements(args.space, args.budget, seeds, rows, alpha=args.alpha, widths=(12, 28))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
