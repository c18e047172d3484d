"""A comparison: the grid of runs (strategies x spaces x seeds), run in parallel and stored.

Workers are processes (``--workers``); each loads the spaces it needs once and returns whole
runs, and only the coordinating process writes to the store, one transaction per run, so
the store never sees two writers or a half run. Runs already finished in the store are
skipped: rerunning a command resumes it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from harness._evaluator import Budget, Evaluator
from harness._loop import RunTrace, failed_trace, run_strategy
from harness.results import ResultsStore, RunSpec
from harness.seeding import strategy_seed
from spaces import Objective, TableOptions, load_objective
from strategies import build_strategy, resolved_options


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """The grid a comparison runs.

    Attributes:
        spaces: Space names.
        strategies: ``(name, options)`` pairs; options as given (defaults filled in later).
        seeds: Run seeds; every strategy runs on every seed, which is what pairs the runs.
        budget: The budget of every run.
        table_options: How to read ``table:`` spaces.
        metric: The search metric of every space (None: each space's own).
        fidelity: The fidelity of every evaluation (None: each space's own, its largest).
    """

    spaces: tuple[str, ...]
    strategies: tuple[tuple[str, dict[str, Any]], ...]
    seeds: tuple[int, ...]
    budget: Budget
    table_options: TableOptions | None = None
    metric: str | None = None
    fidelity: int | None = None

    def objective(self, space: str) -> Objective:
        """Space ``space`` as this comparison searches it (metric and fidelity selected).

        Raises:
            UnknownSpaceError, TableError, ObjectiveError: Bad input.
        """
        loaded = load_objective(space, table_options=self.table_options)
        return loaded.select(metric=self.metric, fidelity=self.fidelity)

    def __post_init__(self) -> None:
        for label, items in (("spaces", self.spaces), ("strategies", self.strategies)):
            if not items:
                raise ValueError(f"a comparison needs at least one of {label}")
        if not self.seeds:
            raise ValueError("a comparison needs at least one seed")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOutcome:
    """What the coordinator learns of one run (the rest is in the store)."""

    spec: RunSpec
    status: str
    error: str | None
    skipped: bool = False
    final_regret: float | None = None
    wall_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def plan_comparison(comparison: Comparison) -> tuple[list[RunSpec], dict[str, Objective]]:
    """Load every space and check every strategy's options; return the grid's runs.

    Every strategy is constructed once per space, so bad options and options that do not fit
    the space or budget fail here, before anything is written.

    Raises:
        UnknownSpaceError, TableError, ObjectiveError, UnknownStrategyError, ValueError: Bad
            input.
    """
    objectives = {name: comparison.objective(name) for name in comparison.spaces}
    resolved = [(name, resolved_options(name, opts)) for name, opts in comparison.strategies]
    for objective in objectives.values():
        costs = getattr(objective, "costs", None)  # known up front for recorded tables only
        if comparison.budget.kind == "seconds" and costs is not None and not (costs > 0).all():
            raise ValueError(
                f"space {objective.name!r} records zero training costs; "
                "use --budget (evaluations) instead of --budget-seconds"
            )
        # The evaluator refuses a budget the objective cannot be charged in (epochs without a
        # stated fidelity): build one now so that this fails before anything is written.
        Evaluator(objective, seed=0, budget=comparison.budget)
        for name, opts in resolved:
            build_strategy(
                name,
                opts,
                objective.space,
                seed=0,
                maximize=objective.maximize,
                budget=comparison.budget.evaluations,
            )
    specs = [
        RunSpec(
            strategy=name,
            options=opts,
            space=space,
            seed=seed,
            budget=comparison.budget,
            checksum=objectives[space].checksum,
            metric=objectives[space].search_metric,
            fidelity=objectives[space].info.fidelity,
        )
        for space in comparison.spaces
        for name, opts in resolved
        for seed in comparison.seeds
    ]
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError("the same strategy with the same options is listed twice")
    return specs, objectives


def execute_run(
    spec: RunSpec, table_options: TableOptions | None = None
) -> tuple[RunTrace, list[str], float]:
    """Run one grid cell; returns its trace, readable configs and wall seconds.

    This is what a worker process executes; it is a plain function so tests can call it.
    """
    start = time.perf_counter()
    objective = load_objective(spec.space, table_options=table_options).select(
        metric=spec.metric, fidelity=spec.fidelity
    )
    strategy = build_strategy(
        spec.strategy,
        spec.options,
        objective.space,
        seed=strategy_seed(spec.seed, spec.strategy),
        maximize=objective.maximize,
        budget=spec.budget.evaluations,
    )
    trace = run_strategy(
        strategy, objective, seed=spec.seed, budget=spec.budget, fidelity=spec.fidelity
    )
    space = objective.space
    configs = [space.describe(space.config(int(i))) for i in trace.config_index]
    return trace, configs, time.perf_counter() - start


def _worker_init() -> None:
    # The coordinator handles Ctrl-C and stops the workers; they should not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: children do not inherit the coordinator's threads (rich's refresh thread),
    # and preloading the harness there means each worker starts with it already imported.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["harness", "strategies", "spaces"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)


def compare(
    comparison: Comparison,
    store: ResultsStore,
    *,
    workers: int = 1,
    on_outcome: Callable[[RunOutcome], None] | None = None,
    specs: Sequence[RunSpec] | None = None,
) -> list[RunOutcome]:
    """Run every missing run of ``comparison`` and store it.

    Args:
        comparison: The grid.
        store: Where runs are written (one transaction per run).
        workers: Processes to use; 1 runs everything in this process.
        on_outcome: Called once per run of the grid, skipped ones included, as runs end.
        specs: The planned runs, if `plan_comparison` was already called.

    Returns:
        One outcome per run of the grid.

    Raises:
        KeyboardInterrupt: Passed on after stopping the workers; finished runs are stored.
    """
    if specs is None:
        specs, objectives = plan_comparison(comparison)
    else:
        objectives = {s: comparison.objective(s) for s in comparison.spaces}
    for objective in objectives.values():
        store.record_space(objective)
    done = store.finished_keys()
    outcomes: list[RunOutcome] = []

    def emit(outcome: RunOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    todo = []
    for spec in specs:
        if spec.key in done:
            emit(RunOutcome(spec=spec, status="finished", error=None, skipped=True))
        else:
            todo.append(spec)

    def finish(spec: RunSpec, result: tuple[RunTrace, list[str], float]) -> None:
        trace, configs, wall = result
        store.write_run(spec, trace, configs=configs, wall_seconds=wall)
        emit(
            RunOutcome(
                spec=spec,
                status=trace.status,
                error=trace.error,
                final_regret=trace.final_regret,
                wall_seconds=wall,
            )
        )

    if workers <= 1 or len(todo) <= 1:
        for spec in todo:
            finish(spec, execute_run(spec, comparison.table_options))
        return outcomes

    pool = _pool(min(workers, len(todo)))
    try:
        futures: dict[Future[tuple[RunTrace, list[str], float]], RunSpec] = {
            pool.submit(execute_run, spec, comparison.table_options): spec for spec in todo
        }
        for future in as_completed(futures):
            spec = futures[future]
            exc = future.exception()
            if exc is not None:
                # The worker process itself broke (killed, out of memory); strategy errors
                # are already inside the trace. Fail this run only; a rerun retries it.
                finish(spec, (failed_trace(f"worker process failed: {exc!r}"), [], 0.0))
                continue
            finish(spec, future.result())
    except BaseException:
        # Stop runs in flight now (their work is not stored anyway). `_processes` is the only
        # handle on the workers, and shutdown() clears it, so it is read first.
        workers_alive = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in workers_alive:
            proc.terminate()
        raise
    pool.shutdown(wait=True)
    return outcomes
