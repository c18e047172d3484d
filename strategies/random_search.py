"""Uniform random search (Bergstra & Bengio, JMLR 2012): the baseline every strategy must beat.

Each suggestion is drawn uniformly from the space, independently of everything observed, so
repeats happen at the rate chance gives them; that is the honest baseline under equal budgets.
"""

from __future__ import annotations

from spaces import Config
from strategies._base import MULTI_OBJECTIVE, Observation, Strategy


class RandomSearch(Strategy):
    """Suggest configs uniformly at random."""

    name = "random"
    tags = frozenset({MULTI_OBJECTIVE})  # it reads no value, so any number of objectives will do
    description = "Uniform random search (Bergstra & Bengio 2012)."

    def ask(self) -> Config:
        """A config drawn uniformly from the space."""
        return self.space.sample(self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        """Random search learns nothing."""
