"""Simulated parallel workers: evaluations finish in order of their simulated completion time.

``--sim-workers W`` runs one run as W workers sharing a simulated clock. Whenever a worker is
free the strategy is asked (`Strategy.ask_at` for a multi-fidelity strategy, else `ask` at
the run's fidelity); the evaluation starts at the current clock and finishes after its
recorded training seconds. The earliest completion is then told (ties: the evaluation
started first), the clock moves to it, and its worker asks again. Under a seconds budget the
budget is wall-clock time: an evaluation that would finish after it is not started, and the
first such refusal ends the asking (as in the sequential loop) while the evaluations still
running finish and are told. Total worker-seconds, the makespan and the utilisation are
noted with the run.

With one worker this is the sequential loop, evaluation for evaluation and bit for bit (a
test holds the two to it); the harness still runs single-fidelity strategies with one worker
through `harness._loop`'s tighter loop.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from harness import capabilities
from harness._evaluator import Evaluator
from strategies import Observation, Strategy

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class StrategyWaitedForever(RuntimeError):
    """A strategy asked every worker to wait while nothing was running."""


@dataclass(frozen=True, slots=True)
class EventLog:
    """What an event-driven run did, in order of completion.

    Attributes:
        order: Launch position of each completed evaluation, in completion order.
        finish_seconds: Simulated wall-clock time at which each completed.
        fidelity: The fidelity of each, in completion order.
        overhead_seconds: Wall time spent in the strategy's asks and tells.
        workers: The number of simulated workers.
    """

    order: IntArray
    finish_seconds: FloatArray
    fidelity: IntArray
    overhead_seconds: float
    workers: int


class EventLoop:
    """Drives one strategy with simulated workers; `run` until the budget is spent.

    What completed stays readable through `log` whatever `run` raised (the caller fails the
    run and keeps the evaluations before the error).

    Args:
        strategy: The run's strategy.
        evaluator: The run's evaluator.
        workers: Simulated workers (1 or more).
        fidelity: The run's fidelity (that of every evaluation of a single-fidelity
            strategy).
        chooses_fidelity: Whether the strategy chooses each evaluation's fidelity through
            ``ask_at`` (None: as its capability tags say, `harness.capabilities`).
    """

    def __init__(
        self,
        strategy: Strategy,
        evaluator: Evaluator,
        *,
        workers: int,
        fidelity: int,
        chooses_fidelity: bool | None = None,
    ) -> None:
        self.strategy = strategy
        self.evaluator = evaluator
        self.workers = workers
        self.fidelity = fidelity
        self.chooses_fidelity = (
            capabilities.chooses_fidelity(type(strategy))
            if chooses_fidelity is None
            else chooses_fidelity
        )
        self.overhead_seconds = 0.0
        self._done: list[tuple[int, float, int]] = []  # (launch, finish, fidelity)

    def run(self) -> None:
        """Ask, evaluate and tell in simulated-completion order until the budget is spent.

        Raises:
            StrategyWaitedForever: ``ask_at`` returned None while nothing was running.
            BaseException: Whatever the strategy raises.
        """
        strategy, evaluator = self.strategy, self.evaluator
        perf = time.perf_counter
        multi = self.chooses_fidelity
        clock = 0.0
        running: list[tuple[float, int, Any, Observation]] = []  # (finish, launch, ...)
        idle = self.workers
        asking = True
        while True:
            while asking and idle > 0:
                if not evaluator.can_start(clock):
                    asking = False
                    break
                t0 = perf()
                request = strategy.ask_at() if multi else (strategy.ask(), self.fidelity)
                self.overhead_seconds += perf() - t0
                if request is None:
                    if not running:
                        raise StrategyWaitedForever(
                            "ask_at() returned None (wait) while no evaluation was running"
                        )
                    break  # this worker waits for the next completion
                config, at = request
                if multi and not strategy.fidelities:
                    at = self.fidelity  # a multi-fidelity strategy on one fidelity: the run's
                launch = evaluator.n_evaluations
                result = evaluator.evaluate_at(config, at if multi else None, start=clock)
                if result is None:
                    asking = False  # the budget cannot pay: no more starts, as sequentially
                    break
                value, cost, values = result
                obs = Observation(value, cost, values, fidelity=int(at) if multi else 0)
                heapq.heappush(running, (clock + cost, launch, config, obs))
                idle -= 1
            if not running:
                break
            finish, launch, config, obs = heapq.heappop(running)
            clock = finish
            self._done.append((launch, finish, int(at_of(obs, multi, self.fidelity))))
            idle += 1
            t0 = perf()
            strategy.tell(config, obs)
            self.overhead_seconds += perf() - t0

    def log(self) -> EventLog:
        """What completed so far, in order of completion."""
        return _log(self._done, self.overhead_seconds, self.workers)


def at_of(obs: Observation, multi: bool, fidelity: int) -> int:
    """The fidelity an observation ran at."""
    return obs.fidelity if multi else fidelity


def _log(done: list[tuple[int, float, int]], overhead: float, workers: int) -> EventLog:
    arr = np.asarray(done, dtype=np.float64).reshape(-1, 3)
    return EventLog(
        order=arr[:, 0].astype(np.int64),
        finish_seconds=arr[:, 1].copy(),
        fidelity=arr[:, 2].astype(np.int64),
        overhead_seconds=overhead,
        workers=workers,
    )


def worker_note(log: EventLog, cost_seconds: FloatArray) -> dict[str, Any]:
    """Worker-seconds, makespan and utilisation of a run, and seconds spent per fidelity."""
    makespan = float(log.finish_seconds.max()) if len(log.finish_seconds) else 0.0
    busy = float(np.sum(cost_seconds))
    per_fidelity: dict[str, float] = {}
    for f, c in zip(log.fidelity.tolist(), cost_seconds.tolist(), strict=True):
        per_fidelity[str(f)] = per_fidelity.get(str(f), 0.0) + float(c)
    return {
        "workers": log.workers,
        "worker_seconds": busy,
        "makespan_seconds": makespan,
        "utilisation": busy / (log.workers * makespan) if makespan > 0 else None,
        "seconds_at_fidelity": per_fidelity,
    }
