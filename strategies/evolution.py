"""Regularized (ageing) evolution, the evolutionary baseline of NAS benchmarks.

Follows Real et al., AAAI 2019, "Regularized Evolution for Image Classifier Architecture
Search". The population is first filled with uniform random configs. After that, every
suggestion is a mutation (one dimension changed) of the best of ``tournament`` members drawn
from the population, and each evaluated child joins the population while the *oldest* member
leaves, whatever its score: ageing instead of removing the worst is what regularizes the
search, since a config that scored well on a lucky training seed cannot stay for ever.

Defaults: population 30 and tournament 10, White et al.'s regularized-evolution baseline on
NAS-Bench-201 at 150 queries (BANANAS, AAAI 2021; naszilla's ``evolution_search``). Real et
al.'s P = 100, S = 25 served 20,000 models; at 100-150 evaluations the population must leave
most of the budget for evolving. On nb201/cifar10 these defaults beat both NAS-Bench-201's own
P = 10, S = 3 and the harness's earlier 50 / 10 (docs/strategies.md, "Defaults and their
sources"). One departure from Real et al.'s Algorithm 1: a tournament draws members without
replacement (the paper draws with replacement), so that the winner of a full-population
tournament is the best member; that lowers the final regret a little (about 0.01 at 100
evaluations on nb201/cifar10), too little to tell the harness from a textbook implementation
over 2000 seeds (``scripts/reference_baselines.py``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from spaces import Config, Space
from strategies._base import Observation, Strategy
from strategies._options import StrategyOptions, option


class RegularizedEvolution(Strategy):
    """Tournament selection, one-dimension mutation and removal of the oldest member."""

    name = "evolution"
    description = "Regularized (ageing) evolution with tournament selection (Real et al. 2019)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `RegularizedEvolution`; each field's ``help`` says what it does."""

        population: int = option(
            30,
            minimum=1,
            help="Members kept alive; also the random configs evaluated before evolving.",
        )
        tournament: int = option(
            10,
            minimum=1,
            help="Members drawn (without replacement) per tournament; the best is mutated.",
        )

        def check(self) -> None:
            """A tournament draws without replacement, so it cannot exceed the population."""
            if self.tournament > self.population:
                raise self.error("tournament", f"must be at most population={self.population}")

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._members: deque[tuple[Config, float]] = deque()

    @property
    def members(self) -> tuple[tuple[Config, float], ...]:
        """The living population as ``(config, score)`` pairs, oldest first."""
        return tuple(self._members)

    def ask(self) -> Config:
        """A random config while the population fills up, then a mutated tournament winner."""
        if len(self._members) < self.opts.population:
            return self.space.sample(self.rng)
        picks = self.rng.choice(len(self._members), size=self.opts.tournament, replace=False)
        # max() keeps the first of tied members, so ties go to the earliest drawn.
        parent, _ = max((self._members[int(i)] for i in picks), key=lambda member: member[1])
        return self.space.mutate(parent, self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        """Add the evaluated config as the youngest member; the oldest dies if over size."""
        self._members.append((config, self.score(observation.value)))
        if len(self._members) > self.opts.population:
            self._members.popleft()
