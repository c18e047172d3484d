"""The one ask -> evaluate -> tell loop, owned by the harness.

A strategy gets the space and the `Observation` of each evaluation, never the objective. The
evaluator (`harness.Evaluator`) charges the budget; bookkeeping inside the loop is kept to a
few calls per evaluation, and incumbents, their oracle or observed values, test values and
regrets are derived afterwards with numpy in one pass.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from harness._evaluator import Evaluator
from harness._events import EventLoop, worker_note
from harness._pareto_trace import front_note, pareto_steps
from harness.capabilities import RunContext, Setting, decide, pareto_scored
from harness.run_types import Budget, RunTrace, failed_trace, incumbents
from spaces import Objective, PriorData
from strategies import Observation, Strategy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Interrupted(KeyboardInterrupt):
    """The user's Ctrl-C or a SIGTERM: the comparison stops.

    A plain `KeyboardInterrupt` (or `SystemExit`) raised by strategy code fails only its run;
    the harness raises this subclass for a real interrupt so that the two are told apart.
    """


class RunTimedOut(BaseException):
    """A run passed its time limit (raised inside the run by a timer)."""


def run_strategy(
    strategy: Strategy,
    objective: Objective,
    *,
    seed: int,
    budget: Budget,
    fidelity: int | None = None,
    workers: int = 1,
    priors: Sequence[PriorData] | None = None,
) -> RunTrace:
    """Run ``strategy`` on ``objective`` until ``budget`` is spent.

    How it runs is decided by `harness.capabilities.decide`: the features that apply (a
    supernet search charged first, prior knowledge handed over, Pareto scoring, the
    strategy choosing fidelities, simulated workers) have their hooks called before the
    first ask; a run whose strategy chooses fidelities, or with more than one simulated
    worker, goes through the event loop of `harness._events` (evaluations told in order of
    simulated completion); every other run through the plain loop below, which the event
    loop reproduces exactly.

    A strategy that raises anything (``SystemExit`` and ``KeyboardInterrupt`` included),
    proposes something that is not a config, or runs past its time limit ends its run as
    ``failed`` with the error recorded; the evaluations before that are kept. A combination
    that `harness.capabilities.decide` refuses fails the run with its one-line reason. Only
    a real interrupt (`Interrupted`) passes through.

    Args:
        strategy: A freshly constructed strategy for this run.
        objective: What answers the evaluations.
        seed: The run seed; with the space's name it fixes which training-seed slot each
            evaluation gets (common random numbers across strategies).
        budget: The budget.
        fidelity: The fidelity of every evaluation (default: the objective's selected one);
            a multi-fidelity strategy's largest.
        workers: Simulated parallel workers (``--sim-workers``).
        priors: For a transfer strategy, the sources' results to hand it before its first
            ask (None: the caller has called ``learn_prior`` itself).
    """
    evaluator = Evaluator(objective, seed=seed, budget=budget, fidelity=fidelity)
    type(strategy).warm_up()  # heavy imports, before the overhead clock starts
    try:
        plan = decide(
            type(strategy), Setting(objective=objective, budget=budget, sim_workers=workers)
        )
        context = RunContext(
            strategy=strategy,
            objective=objective,
            evaluator=evaluator,
            seed=seed,
            budget=budget,
            priors=priors,
        )
        feature_notes = plan.before_first_ask(context)
    except Interrupted:
        raise
    except BaseException as exc:  # a refusal, or strategy code in a hook: only its run fails
        return failed_trace(describe_error(exc), traceback.format_exc())
    if plan.event_loop:
        trace = _run_events(
            strategy,
            objective,
            evaluator,
            budget=budget,
            workers=workers,
            chooses_fidelity=plan.chooses_fidelity,
        )
    else:
        trace = _run_plain(strategy, objective, evaluator, budget=budget)
    if feature_notes:
        trace = dataclasses.replace(trace, notes={**trace.notes, **feature_notes})
    return trace


def _run_plain(
    strategy: Strategy, objective: Objective, evaluator: Evaluator, *, budget: Budget
) -> RunTrace:
    """`run_strategy`'s plain loop: ask, evaluate, tell, one evaluation at a time."""
    perf = time.perf_counter
    overhead = 0.0
    status: Literal["finished", "failed"] = "finished"
    error = tb = None
    try:
        while not evaluator.exhausted:
            t0 = perf()
            config = strategy.ask()
            overhead += perf() - t0
            result = evaluator.evaluate(config)
            if result is None:
                break
            t0 = perf()
            strategy.tell(config, Observation(*result))
            overhead += perf() - t0
    except Interrupted:
        raise
    except BaseException as exc:  # strategy code may raise anything; only its run fails
        status = "failed"
        error = describe_error(exc)
        tb = traceback.format_exc()
    if status == "finished" and evaluator.n_evaluations == 0:
        # A result without a single evaluation would be stored as a success with no value.
        status, error = "failed", _nothing_fits(evaluator, budget)
    record = evaluator.record()
    # A supernet search is charged first: the time axis starts where it ended.
    searched = evaluator.search_seconds
    return build_trace(
        objective,
        *record,
        overhead_seconds=overhead,
        status=status,
        error=error,
        tb=tb,
        finish_seconds=searched + np.cumsum(record[3]) if searched else None,
    )


def _run_events(
    strategy: Strategy,
    objective: Objective,
    evaluator: Evaluator,
    *,
    budget: Budget,
    workers: int,
    chooses_fidelity: bool = False,
) -> RunTrace:
    """`run_strategy` through the event loop: simulated workers, fidelities per evaluation."""
    fidelity = objective.info.fidelity
    chooses = chooses_fidelity
    loop = EventLoop(
        strategy, evaluator, workers=workers, fidelity=fidelity, chooses_fidelity=chooses
    )
    status: Literal["finished", "failed"] = "finished"
    error = tb = None
    try:
        loop.run()
    except Interrupted:
        raise
    except BaseException as exc:  # strategy code may raise anything; only its run fails
        status = "failed"
        error = describe_error(exc)
        tb = traceback.format_exc()
    log = loop.log()
    config_index, slot, value, cost = evaluator.record()
    order = log.order  # what completed, in order of completion; the rest was never told
    config_index, slot, value, cost = config_index[order], slot[order], value[order], cost[order]
    if status == "finished" and len(order) == 0:
        status, error = "failed", _nothing_fits(evaluator, budget)
    trace = build_trace(
        objective,
        config_index,
        slot,
        value,
        cost,
        overhead_seconds=log.overhead_seconds,
        status=status,
        error=error,
        tb=tb,
        fidelity=log.fidelity if chooses else None,
        finish_seconds=log.finish_seconds,
    )
    notes = {**trace.notes, "workers": worker_note(log, cost)}
    if chooses:
        # What each evaluation was charged, in completion order and the budget's unit: under
        # an evaluations budget a lower fidelity costs its share of one, and the report's
        # evaluation axis is what was charged.
        charges = np.asarray(evaluator.charges, dtype=np.float64)[order]
        notes["budget"] = {"unit": budget.kind, "charges": [float(c) for c in charges]}
    return dataclasses.replace(trace, notes=notes)


def _nothing_fits(evaluator: Evaluator, budget: Budget) -> str:
    """The error of a run that could not pay for a single evaluation."""
    charge = evaluator.refused_charge
    if charge is None:
        return f"no evaluation fits the budget of {budget.label()}"
    unit = " s" if budget.kind == "seconds" else f" {budget.kind}"
    return (
        f"no evaluation fits the budget of {budget.label()}: the first config proposed "
        f"would cost {charge:g}{unit}"
    )


def describe_error(exc: BaseException) -> str:
    """One line for a failed run's error: its type and the first line of its message."""
    if isinstance(exc, RunTimedOut):
        return f"timeout: {exc}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _incumbents_by_fidelity(values: FloatArray, fidelity: IntArray, *, maximize: bool) -> IntArray:
    """Position of the best finite value at the highest fidelity seen so far (-1 before)."""
    pos = np.full(len(values), -1, dtype=np.int64)
    best_at, best_score, best = -1, -math.inf, -1
    for t, (v, f) in enumerate(zip(values.tolist(), fidelity.tolist(), strict=True)):
        if not math.isnan(v):
            score = v if maximize else -v
            # Ties keep the earlier evaluation, as for one fidelity.
            if f > best_at or (f == best_at and score > best_score):
                best_at, best_score, best = f, score, t
        pos[t] = best
    return pos


def _metrics_by_fidelity(
    objective: Objective, config_index: IntArray, slot: IntArray, fidelity: IntArray
) -> dict[str, FloatArray]:
    """Every metric of each evaluation as recorded at its own fidelity, and the fidelity."""
    out: dict[str, FloatArray] = {}
    n = len(config_index)
    for f in np.unique(fidelity).tolist():
        mask = fidelity == f
        at = objective.select(fidelity=int(f)) if f != objective.info.fidelity else objective
        for name, column in at.metric_columns(config_index[mask], slot[mask]).items():
            out.setdefault(name, np.full(n, np.nan))[mask] = column
    out["fidelity"] = fidelity.astype(np.float64)
    return out


def _scored(
    objective: Objective,
    metric: str | None,
    observed: FloatArray,
    pos: IntArray,
    inc_index: IntArray,
) -> FloatArray:
    """The incumbent's ``metric``: its oracle value where known, else what was observed."""
    if metric is None or len(pos) == 0:
        return np.full(len(pos), np.nan)
    oracle = objective.oracle_values(np.maximum(inc_index, 0), metric)
    source = oracle if oracle is not None else observed[np.maximum(pos, 0)]
    return np.where(pos >= 0, source, np.nan)


def build_trace(
    objective: Objective,
    config_index: IntArray,
    slot: IntArray,
    value: FloatArray,
    cost: FloatArray,
    *,
    overhead_seconds: float,
    status: Literal["finished", "failed"],
    error: str | None = None,
    tb: str | None = None,
    fidelity: IntArray | None = None,
    finish_seconds: FloatArray | None = None,
) -> RunTrace:
    """Derive incumbents, their scored values and regrets from a run's raw evaluations.

    ``fidelity`` (a multi-fidelity run) gives each evaluation's fidelity: its metrics are
    those recorded at it, and the incumbent is the best observed at the highest fidelity
    evaluated so far (a 12-epoch result never displaces a 200-epoch one), scored at the
    run's fidelity like any other. ``finish_seconds`` (simulated workers) replaces the
    running sum of costs as the time axis.
    """
    info = objective.info
    notes: dict[str, Any] = {}
    if fidelity is not None:
        metrics = _metrics_by_fidelity(objective, config_index, slot, fidelity)
    else:
        metrics = objective.metric_columns(config_index, slot) if len(config_index) else {}
    if fidelity is not None:
        pos = _incumbents_by_fidelity(value, fidelity, maximize=objective.maximize)
        inc_index = np.where(pos >= 0, config_index[np.maximum(pos, 0)] if len(pos) else pos, -1)
        inc_value = _scored(objective, info.search_metric, value, pos, inc_index)
        test = info.reported
        observed_test = metrics.get(test, np.full(len(value), np.nan)) if test else value
        inc_test = _scored(objective, test, observed_test, pos, inc_index)
    elif (pareto := pareto_scored(objective)) is not None:
        # Several objectives: the incumbent value is the hypervolume of the observed front,
        # scored on oracle values (`harness._pareto_trace`); there is no second track.
        inc_value, inc_index, front = pareto_steps(pareto, config_index, slot)
        inc_test = np.full(len(value), np.nan)
        notes["pareto"] = front_note(pareto, config_index, front)
    else:
        pos = incumbents(value, maximize=objective.maximize)
        inc_index = np.where(pos >= 0, config_index[np.maximum(pos, 0)] if len(pos) else pos, -1)
        inc_value = _scored(objective, info.search_metric, value, pos, inc_index)
        # The second track: the report metric where it differs from the search metric, else
        # the test metric (`ObjectiveInfo.reported`). Never shown to the strategy.
        test = info.reported
        observed_test = metrics.get(test, np.full(len(value), np.nan)) if test else value
        inc_test = _scored(objective, test, observed_test, pos, inc_index)
    optimum = objective.optimum
    if optimum is None:
        regret = np.full(len(value), np.nan)
    else:
        sign = 1.0 if objective.maximize else -1.0
        regret = np.maximum(sign * (optimum - inc_value), 0.0)
    return RunTrace(
        config_index=config_index,
        slot=slot,
        value=value,
        cost_seconds=cost,
        cumulative_cost_seconds=np.cumsum(cost) if finish_seconds is None else finish_seconds,
        metrics=metrics,
        incumbent_index=inc_index.astype(np.int64),
        incumbent_value=inc_value,
        incumbent_test=inc_test,
        regret=regret,
        overhead_seconds=overhead_seconds,
        status=status,
        error=error,
        traceback=tb,
        notes=notes,
    )
