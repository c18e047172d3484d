"""Regularized (ageing) evolution, the evolutionary baseline of NAS benchmarks.

Follows Real et al., AAAI 2019, "Regularized Evolution for Image Classifier Architecture
Search". The population is first filled with uniform random configs. After that, every
suggestion is a mutation (one dimension changed) of the best of ``tournament`` members drawn
from the population, and each evaluated child joins the population while the *oldest* member
leaves, whatever its score: ageing instead of removing the worst is what regularizes the
search, since a config that scored well on a lucky training seed cannot stay for ever.
"""

from __future__ import annotations

from collections import deque

from spaces import Config, Space
from strategies._base import Observation, Strategy


class RegularizedEvolution(Strategy):
    """Tournament selection, one-dimension mutation and removal of the oldest member.

    Args:
        space: The space to suggest configs from.
        seed: Seed of this instance's random generator.
        maximize: Whether larger objective values are better.
        budget: The run's number of evaluations, if counted in evaluations (unused).
        population: Number of members kept alive; also the number of random configs
            evaluated before evolution starts.
        tournament: Number of members drawn (without replacement) for each tournament; the
            best of them is mutated. At most ``population``.
    """

    name = "evolution"
    description = "Regularized (ageing) evolution with tournament selection (Real et al. 2019)."

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        maximize: bool = True,
        budget: int | None = None,
        population: int = 50,
        tournament: int = 10,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize, budget=budget)
        if isinstance(population, bool) or not isinstance(population, int) or population < 1:
            raise ValueError(
                f"{self.name}: option population={population!r} must be an integer >= 1"
            )
        if isinstance(tournament, bool) or not isinstance(tournament, int) or tournament < 1:
            raise ValueError(
                f"{self.name}: option tournament={tournament!r} must be an integer >= 1"
            )
        if tournament > population:
            raise ValueError(
                f"{self.name}: option tournament={tournament!r}"
                f" must be at most population={population!r}"
            )
        self.population = population
        self.tournament = tournament
        self._members: deque[tuple[Config, float]] = deque()

    @property
    def members(self) -> tuple[tuple[Config, float], ...]:
        """The living population as ``(config, score)`` pairs, oldest first."""
        return tuple(self._members)

    def ask(self) -> Config:
        """A random config while the population fills up, then a mutated tournament winner."""
        if len(self._members) < self.population:
            return self.space.sample(self.rng)
        picks = self.rng.choice(len(self._members), size=self.tournament, replace=False)
        # max() keeps the first of tied members, so ties go to the earliest drawn.
        parent, _ = max((self._members[int(i)] for i in picks), key=lambda member: member[1])
        return self.space.mutate(parent, self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        """Add the evaluated config as the youngest member; the oldest dies if over size."""
        self._members.append((config, self.score(observation.value)))
        if len(self._members) > self.population:
            self._members.popleft()
