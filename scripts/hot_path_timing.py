r"""Time the harness's hot path the same way on this checkout and on an older one.

Prints the best-of-15 time per evaluation of (a) 1,000 evaluations on nb201/cifar10 through
the evaluator (the old ``harness.Lookup`` on checkouts before the objective redesign) and (b)
the whole ask/evaluate/tell loop with a strategy that only replays configs. Minimums of many
repeats are what a shared, noisy machine can compare. To compare with the previous commit::

    git worktree add /tmp/before HEAD~1
    for i in 1 2 3; do (cd /tmp/before && python $OLDPWD/scripts/hot_path_timing.py before); \\
        python scripts/hot_path_timing.py after; done
"""

from __future__ import annotations

import sys
import timeit
from typing import Any

import numpy as np

import harness
import spaces
from harness import Budget, run_strategy
from strategies import Observation, Strategy

N = 1000
LOAD = getattr(spaces, "load_objective", None) or spaces.load_space  # type: ignore[attr-defined]
OBJECTIVE = LOAD("nb201/cifar10")
CONFIGS = [tuple(r) for r in OBJECTIVE.space.sample_many(np.random.default_rng(0), N).tolist()]
BUDGET = Budget(kind="evaluations", amount=N)
NEW = hasattr(harness, "Evaluator")


class Replay(Strategy):
    """Replays the pre-drawn configs and learns nothing: what is left is the harness."""

    name = "replay-timing"
    description = "timing double"

    def __init__(self, space: Any, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._it = iter(CONFIGS)

    def ask(self) -> Any:
        """The next pre-drawn config."""
        return next(self._it)

    def tell(self, config: Any, observation: Observation) -> None:
        """Nothing to learn."""


def evaluations() -> None:
    """1,000 first evaluations, budget charged (the old Lookup had no budget to charge)."""
    if NEW:
        evaluator = harness.Evaluator(OBJECTIVE, seed=0, budget=BUDGET)
        for config in CONFIGS:
            evaluator.evaluate(config)
    else:
        lookup = harness.Lookup(OBJECTIVE, seed=0)  # type: ignore[attr-defined]
        for config in CONFIGS:
            lookup.evaluate(config)


def loop() -> None:
    """A whole 1,000-evaluation run of the replaying strategy."""
    run_strategy(Replay(OBJECTIVE.space, seed=0), OBJECTIVE, seed=0, budget=BUDGET)


if __name__ == "__main__":
    label = sys.argv[1] if len(sys.argv) > 1 else "this checkout"
    for job in (evaluations, loop):
        best = min(timeit.repeat(job, number=20, repeat=15)) / 20 / N * 1e6
        print(f"{label}: {job.__name__} {best:.3f} us per evaluation")
