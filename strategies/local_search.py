"""Hill climbing with random restarts, the local-search baseline for NAS benchmarks.

Follows White et al., 2020, "Local Search is State of the Art for Neural Architecture Search
Benchmarks" (arXiv:2005.02960): evaluate ``n_init`` random configs and start from the best;
evaluate the current config's neighbours (configs that differ in one dimension) in random
order; move to the first neighbour that improves on it (or, with ``first_improvement=False``,
to the best neighbour once all are evaluated); at a local optimum restart from a fresh random
config. A config is never suggested twice while unevaluated ones remain: repeats would cost
budget and only return another training seed of a config already known. Once every config has
been evaluated (tiny spaces), suggestions fall back to uniform random configs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from spaces import Config, Space
from strategies._base import Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._generated import random_unseen
from strategies._options import StrategyOptions, option

_MAX_LISTED_CONFIGS = 1_000_000
"""Spaces larger than this are never listed; rejection sampling goes on there instead."""


class LocalSearch(Strategy):
    """Hill climbing over one-dimension neighbours, restarting at local optima."""

    name = "local-search"
    description = "Hill climbing with random restarts (White et al. 2020)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `LocalSearch`; each field's ``help`` says what it does."""

        n_init: int | None = n_init_option(
            "Random configs evaluated first; the climb starts from their best. None means 10,"
            " capped to the budget and the space."
        )
        first_improvement: bool = option(
            True,
            help="Move to the first improving neighbour (true) or to the best neighbour after"
            " evaluating them all (false).",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._n_init = initial_design_size(self, self.opts.n_init)
        self._scores: dict[Config, float] = {}  # score of each evaluated config's first run
        self._n_told = 0
        self._current: Config | None = None  # None while sampling the start or a restart
        self._queue: list[Config] = []  # unevaluated neighbours of _current, next one last

    @property
    def current(self) -> Config | None:
        """The config the climb is at (``None`` while drawing the start or a restart)."""
        return self._current

    def ask(self) -> Config:
        """The next unevaluated neighbour, or a fresh random config to start from."""
        while self._current is not None:
            while self._queue:
                config = self._queue.pop()
                if config not in self._scores:
                    return config
            # Neighbourhood done without a first improvement (or in best-improvement mode).
            best = self._best_known_neighbour(self._current)
            if best is not None and self._scores[best] > self._scores[self._current]:
                self._enter(best)
            else:
                self._current = None  # local optimum: restart
        return self._fresh_config()

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the score; move the climb or pick its start as the phase requires."""
        score = self.score(observation.value)
        self._scores.setdefault(config, score)
        self._n_told += 1
        if self._current is None:
            if self._n_told < self._n_init:
                return
            if self._n_told == self._n_init:
                start = max(self._scores, key=self._scores.__getitem__)
            else:
                start = config  # a restart climbs from wherever it landed
            self._enter(start)
        elif self.opts.first_improvement and score > self._scores[self._current]:
            self._enter(config)

    def _enter(self, config: Config) -> None:
        """Make ``config`` the current config and queue its unevaluated neighbours."""
        while self.opts.first_improvement:
            # A neighbour evaluated earlier that already beats the config is a free step.
            best = self._best_known_neighbour(config)
            if best is None or not self._scores[best] > self._scores[config]:
                break
            config = best
        self._current = config
        fresh = [c for c in self.space.neighbours(config) if c not in self._scores]
        self._queue = [fresh[int(i)] for i in self.rng.permutation(len(fresh))]

    def _best_known_neighbour(self, config: Config) -> Config | None:
        """The evaluated neighbour of ``config`` with the highest score, if any."""
        best: Config | None = None
        best_score = -math.inf
        for c in self.space.neighbours(config):
            score = self._scores.get(c)
            if score is not None and (best is None or score > best_score):
                best, best_score = c, score
        return best

    def _fresh_config(self) -> Config:
        """A uniformly drawn unevaluated config; any config once all have been evaluated."""
        seen = {self.space.index(c) for c in self._scores}
        return random_unseen(self.space, self.rng, seen, listed_up_to=_MAX_LISTED_CONFIGS)
