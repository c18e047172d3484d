"""A comparison: the grid of runs (strategies x spaces x seeds), run in parallel and stored.

Runs are computed by an executor (`harness.executors`: in this process, the harness's worker
processes, or a Dask cluster), each worker loading the spaces it needs once and returning
whole runs; only the coordinating process writes to the store, one transaction per run, so
the store never sees two writers or a half run. Models a worker trained into a read-only
training cache (a Dask worker's) come back with its run and are recorded here too. Runs
already finished in the store are skipped: rerunning a command resumes it. Whatever a
strategy does, only its own run fails (`harness._execute`).
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from harness._execute import RunResult, execute_run
from harness._loop import Interrupted
from harness._priors import check_sources, default_sources
from harness.capabilities import Setting, check_budget, decide, is_transfer, training_cache
from harness.executors import Executor, open_executor
from harness.results import ResultsStore, RunSpec
from harness.run_types import Budget, failed_trace
from spaces import (
    Objective,
    TableOptions,
    available_spaces,
    load_objective,
    search_objective,
    space_training,
)
from spaces.training import TrainingContext
from strategies import build_strategy, resolved_options

DEFAULT_RUN_TIMEOUT = 3600.0
"""Seconds one run may take by default through the library call `compare`."""
RECORDED_RUN_TIMEOUT = 900.0
"""The command line's default per run where every space answers from a table or a formula:
a run of a recorded table takes seconds (minutes for the costliest model-based strategy at
a large budget), so a strategy that hangs is stopped after 15 minutes, not an hour."""
TRAINED_RUN_TIMEOUT = 6 * 3600.0
"""The default per run where a space trains what it misses: a run trains its models (an
mlpwide run on fashion-mnist recorded about 860 s of training), so six hours."""


def default_run_timeout(spaces: Sequence[str]) -> float:
    """The default time limit per run for a comparison of ``spaces``.

    By how each space gets its results (`spaces.space_training`): `TRAINED_RUN_TIMEOUT` if
    any trains on demand or fills a grid, else `RECORDED_RUN_TIMEOUT`. A ``table:`` space is
    recorded.
    """
    kinds = {space_training(s) if s in available_spaces() else "recorded" for s in spaces}
    return TRAINED_RUN_TIMEOUT if kinds & {"grid", "on-demand"} else RECORDED_RUN_TIMEOUT


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
        report_metric: The metric reports score incumbents on besides the search metric
            (None: each space's own; see `spaces.ObjectiveInfo.reported`). Strategies never
            see it.
        sources: The source spaces of transfer strategies (None: leave-one-data-set-out,
            `harness._priors.default_sources`); other strategies never see a source.
        scalarize: On a multi-objective search (``metric`` ``hv(a,b)``), let strategies
            that optimise one objective take part, on the equal-weight scalarisation of
            `spaces.MultiObjective`; without it they are refused.
        sim_workers: Simulated parallel workers of every run (`harness._events`): with more
            than one, a seconds budget is simulated wall-clock time.
        training: Where trainable spaces train and keep their caches when this process
            loads them (None: the environment's, `spaces.training.TrainingContext.
            from_environment`). Workers load in their own environment's context (a Dask
            worker's caches are read-only).
    """

    spaces: tuple[str, ...]
    strategies: tuple[tuple[str, dict[str, Any]], ...]
    seeds: tuple[int, ...]
    budget: Budget
    table_options: TableOptions | None = None
    metric: str | None = None
    fidelity: int | None = None
    report_metric: str | None = None
    sources: tuple[str, ...] | None = None
    scalarize: bool = False
    sim_workers: int = 1
    training: TrainingContext | None = None

    def objective(self, space: str) -> Objective:
        """Space ``space`` as this comparison searches and reports it.

        Raises:
            UnknownSpaceError, TableError, ObjectiveError: Bad input.
        """
        loaded = load_objective(space, table_options=self.table_options, training=self.training)
        selected = search_objective(loaded, metric=self.metric, fidelity=self.fidelity)
        return selected.reporting(self.report_metric)

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

    Each space's budget rules and each (strategy, space) combination are decided once, by
    `harness.capabilities` (`check_budget`, `decide`), and every strategy is constructed
    once per space as it will run, so bad options, options that do not fit the space or
    budget, and combinations that cannot run fairly fail here, before anything is written.

    Raises:
        UnknownSpaceError, TableError, ObjectiveError, UnknownStrategyError, ValueError: Bad
            input (`harness.capabilities.Refused` is a ValueError).
    """
    objectives = {name: comparison.objective(name) for name in comparison.spaces}
    resolved = [(name, resolved_options(name, opts)) for name, opts in comparison.strategies]
    seen: set[str] = set()
    for name, opts in resolved:
        key = f"{name}:{sorted(opts.items())}"
        if key in seen:
            raise ValueError(f"strategy {name!r} is listed twice with the same options")
        seen.add(key)
    for objective in objectives.values():
        check_budget(objective, comparison.budget)
        setting = Setting(
            objective=objective,
            budget=comparison.budget,
            sim_workers=comparison.sim_workers,
            scalarize=comparison.scalarize,
            strict=True,
        )
        for name, opts in resolved:
            plan = decide(name, setting)
            build_strategy(
                name,
                opts,
                objective.space,
                seed=0,
                maximize=objective.maximize,
                budget=comparison.budget.evaluations,
                **plan.construction,
            )
    transfer = {name for name, _ in resolved if is_transfer(name)}
    sources = {
        space: _sources_of(comparison, objectives[space]) if transfer else ()
        for space in comparison.spaces
    }
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
            report_metric=_report_key(comparison, space, objectives[space]),
            sources=sources[space] if name in transfer else (),
            sim_workers=comparison.sim_workers,
        )
        for space in comparison.spaces
        for name, opts in resolved
        for seed in comparison.seeds
    ]
    return specs, objectives


def _sources_of(comparison: Comparison, objective: Objective) -> tuple[str, ...]:
    """The source spaces transfer strategies read on ``objective`` (checked).

    Raises:
        SourceError: A named source that cannot serve this target.
    """
    if comparison.sources is None:
        return default_sources(objective)
    return check_sources(objective, comparison.sources)


def _report_key(comparison: Comparison, space: str, objective: Objective) -> str | None:
    """The report metric a run's spec records: None where it changes nothing.

    A run stores the incumbent's `spaces.ObjectiveInfo.reported` metric; where the asked
    report metric leaves that as the space's default, the run keeps the key it would have
    without ``--report-metric``.
    """
    asked = comparison.report_metric
    if asked is None:
        return None
    default = load_objective(
        space, table_options=comparison.table_options, training=comparison.training
    ).select(metric=comparison.metric, fidelity=comparison.fidelity)
    return None if objective.info.reported == default.info.reported else asked


@contextlib.contextmanager
def _interrupts_told_apart() -> Iterator[None]:
    """Ctrl-C raises `Interrupted` here, so a run tells it from strategy code's own raise."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def compare(
    comparison: Comparison,
    store: ResultsStore,
    *,
    workers: int = 1,
    executor: Executor | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
    specs: Sequence[RunSpec] | None = None,
    run_timeout: float | None = DEFAULT_RUN_TIMEOUT,
    retries: int = 2,
) -> list[RunOutcome]:
    """Run every missing run of ``comparison`` and store it.

    Every run ends stored, finished or failed with its reason: whatever a strategy does
    (raise anything, exit, hang, kill its process), only its own run fails.

    Args:
        comparison: The grid.
        store: Where runs are written (one transaction per run).
        workers: Worker processes of the default executor when ``executor`` is None; 0 runs
            everything in this process (the ``inline`` executor, for debugging: a strategy
            that kills its process then ends the comparison, and a run stuck in C code
            cannot be timed out).
        executor: Where runs are computed (see `harness.executors.open_executor`); the
            caller closes it.
        on_outcome: Called once per run of the grid, skipped ones included, as runs end.
        specs: The planned runs, if `plan_comparison` was already called.
        run_timeout: Seconds one run may take before it is stopped and failed (None: none).
        retries: How often a run whose worker process died is started again.

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

    def finish(spec: RunSpec, result: RunResult) -> None:
        trace, configs, wall, new_models = result
        cache = training_cache(objectives[spec.space])
        if new_models and cache is not None:
            for hidden, model in new_models:  # one transaction each, before the run's own
                cache.put(hidden, model)
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

    owned = executor is None
    if executor is None:
        executor = open_executor("inline" if workers <= 0 else "processes", workers=workers)
    target = functools.partial(
        execute_run, table_options=comparison.table_options, run_timeout=run_timeout
    )
    guard = _interrupts_told_apart() if executor.name == "inline" else contextlib.nullcontext()
    try:
        with guard:
            executor.run(
                todo,
                target=target,
                on_result=finish,
                on_failure=lambda spec, reason: finish(spec, (failed_trace(reason), [], 0.0, [])),
                timeout=run_timeout,
                retries=retries,
            )
    finally:
        if owned:
            executor.close()
    return outcomes
