"""Transfer baseline: evaluate the sources' consensus top-k, then climb from the best of them.

The obvious way to use other data sets' results on the same space: rank every config by its
mean normalised rank across the sources (within each source, ranks scaled to [0, 1] among the
configs it recorded; a config a source did not record is left out of that source's mean),
evaluate the ``k`` best in that order, then continue with `local-search` (first-improvement
hill climbing over one-dimension neighbours, random restarts at local optima) started from
the best config observed so far. The climb is the `strategies.local_search.LocalSearch` class
itself, fed the top-k results as its initial design, so the two cannot drift apart. No config
is suggested twice while unevaluated ones remain. Without sources (none given, or
`TransferTopK.learn_prior` never called) or with ``k=0`` it is local search from random starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spaces import Config, PriorData, Space
from strategies._base import PRIOR, Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._options import StrategyOptions, option
from strategies._transfer import check_priors, consensus_order
from strategies.local_search import LocalSearch


class TransferTopK(Strategy):
    """The sources' consensus top-k, then local search from the best observed config."""

    name = "transfer-topk"
    description = "Transfer: evaluates the sources' consensus top-k, then local search."
    tags = frozenset({PRIOR})

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `TransferTopK`; each field's ``help`` says what it does."""

        k: int = option(
            10,
            minimum=0,
            help="Consensus-best configs evaluated first, capped to the budget and to the"
            " configs the sources recorded; 0 means plain local search.",
        )
        n_init: int | None = n_init_option(
            "Random configs local search starts from when there is no top-k (no sources, or"
            " k=0); None means 10, capped to the budget and the space."
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        initial_design_size(self, self.opts.n_init)  # refuses an n_init that does not fit
        self._climber_seed = int(self.rng.integers(2**62))
        self._top: list[Config] = []
        self._sources: list[str] = []
        self._n_asked = 0
        self._climber: LocalSearch | None = None  # made at the first ask, after the priors

    def learn_prior(self, priors: Sequence[PriorData]) -> None:
        """Rank the configs by the sources' consensus and keep the top ``k`` (capped).

        Raises:
            ValueError: A source does not have one value per config of the space.
            RuntimeError: Called after the first ``ask``.
        """
        if self._climber is not None:
            raise RuntimeError("transfer-topk: learn_prior must be called before the first ask")
        check_priors(self.space, priors)
        k = self.opts.k if self.budget is None else min(self.opts.k, self.budget)
        order = consensus_order(self.space.n_configs, priors)[:k]
        self._top = [self.space.config(int(i)) for i in order]
        self._sources = [prior.space for prior in priors]

    def _make_climber(self) -> LocalSearch:
        # The top-k results are the climber's initial design: after them it climbs from
        # their best, exactly as local search does after its random design.
        n_init = len(self._top) if self._top else self.opts.n_init
        return LocalSearch(
            self.space,
            seed=self._climber_seed,
            maximize=self.maximize,
            budget=self.budget,
            n_init=n_init,
        )

    def ask(self) -> Config:
        """The next consensus config while any remain, then local search's suggestion."""
        if self._climber is None:
            self._climber = self._make_climber()
        if self._n_asked < len(self._top):
            self._n_asked += 1
            return self._top[self._n_asked - 1]
        return self._climber.ask()

    def tell(self, config: Config, observation: Observation) -> None:
        """Pass the result to the climb (which also sees the top-k results)."""
        if self._climber is None:
            self._climber = self._make_climber()
        self._climber.tell(config, observation)

    def diagnostics(self) -> dict[str, Any]:
        """The sources read and the consensus configs evaluated first."""
        return {
            "sources": list(self._sources),
            "top_k": [self.space.describe(config) for config in self._top],
        }
