"""The strategy interface: the harness asks for configs and tells what their evaluation gave.

Lifecycle (the harness owns the loop; a strategy never sees the table):

1. The harness constructs the strategy with the space, a seed, the objective's direction and,
   when the budget is a number of evaluations, that number. The constructor validates its own
   options and raises ``ValueError`` naming the bad option; it must do no heavy work.
2. Then, until the budget is spent, the harness calls `Strategy.ask` once and `Strategy.tell`
   once for that config, strictly alternating. The last ``ask`` may not be followed by a
   ``tell`` (under a seconds budget, a config whose training would overshoot is not run).
3. ``tell`` reports the *observed* value of one recorded training run (noisy; NaN when the
   recorded run diverged) and its training cost in seconds. Repeating a config is allowed; it
   costs budget and returns another recorded seed.

All randomness must come from ``self.rng`` (a `numpy.random.Generator` seeded from the given
seed) or generators derived from ``seed``; never from the global ``random``, ``numpy.random``
or ``torch`` state. The same seed must give the same sequence of suggestions.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from spaces import Config, Space


@dataclass(frozen=True, slots=True)
class Observation:
    """What one evaluation reports to the strategy.

    Attributes:
        value: The observed objective of one recorded training run (NaN if it diverged).
        cost_seconds: That run's recorded training time.
    """

    value: float
    cost_seconds: float


class Strategy(ABC):
    """Base class of every strategy; subclasses set `name` and `description`.

    Args:
        space: The space to suggest configs from.
        seed: Seed of this instance's random generator.
        maximize: Whether larger objective values are better.
        budget: The number of evaluations the run will make, when the budget is counted in
            evaluations; ``None`` under a seconds budget.
    """

    name: ClassVar[str]
    """Registry name: short, kebab-case, the same in CLI, stored results and reports."""
    description: ClassVar[str]
    """One line for ``python -m harness list``."""

    def __init__(
        self, space: Space, *, seed: int, maximize: bool = True, budget: int | None = None
    ) -> None:
        self.space = space
        self.seed = seed
        self.maximize = maximize
        self.budget = budget
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def ask(self) -> Config:
        """Suggest the next config to evaluate."""

    @abstractmethod
    def tell(self, config: Config, observation: Observation) -> None:
        """Learn the result of evaluating ``config`` (the config the last ``ask`` returned)."""

    def score(self, value: float) -> float:
        """``value`` turned into a larger-is-better score; NaN becomes ``-inf``."""
        if math.isnan(value):
            return -math.inf
        return value if self.maximize else -value

    def options(self) -> dict[str, Any]:
        """The strategy's options and their current values (its keyword-only arguments)."""
        from strategies._registry import option_defaults

        return {k: getattr(self, k) for k in option_defaults(type(self))}
