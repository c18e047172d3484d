"""Nevergrad's optimisers (Rapin & Teytaud, 2018) through their ask/tell interface.

`nevergrad` runs one optimiser of Nevergrad's registry, by default ``NGOpt``, the wizard that
picks an algorithm from the budget, the number of workers and the kinds of variables
(Meunier et al., "Black-box optimization revisited", IEEE TEVC 2022); on the harness's
discrete spaces it chooses a discrete (1+1) evolution strategy with crossover. A few named
optimisers that Nevergrad recommends for discrete spaces are options too.

Space mapping, faithful to the kinds of dimension: a categorical dimension is an
``ng.p.Choice`` over its choice indices (unordered: Nevergrad keeps a weight per choice and
samples from their softmax, its default for ``Choice``), an ordinal dimension an
``ng.p.TransitionChoice`` over its ranks (ordered: mutations move to neighbouring values), and
a log dimension (mlpwide's widths) an ``ng.p.Log`` scalar over the sizes themselves, cast to
integers (rounded to the nearest size for non-integer values). The parametrisation's
``random_state`` is a ``numpy.random.RandomState`` seeded from the strategy's generator; some
optimisers also draw from the global numpy state, so ask and tell run on a private one
(`strategies._extras.PrivateGlobalRandom`): runs are reproducible and leave the global state
untouched. The optimiser is told the budget and one worker (``NGOpt`` chooses by them): an
evaluations budget as it is; under a seconds budget, ``planned_evaluations`` (100). Losses
are the negated score; a diverged run (NaN) is told as the worst loss so far (not told
before any finite one). Otherwise Nevergrad's defaults throughout. Installed by
``pip install "nas-harness[nevergrad]"`` (MIT licence); imported only in ``warm_up``.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from spaces import Config, Dimension, Space
from strategies._base import Observation
from strategies._extras import LibraryStrategy, PrivateGlobalRandom, WorstSoFar
from strategies._options import StrategyOptions, option
from strategies._scales import from_param

OPTIMIZERS = (
    "NGOpt",
    "TwoPointsDE",
    "PortfolioDiscreteOnePlusOne",
    "DiscreteLenglerOnePlusOne",
    "CMA",
    "RandomSearch",
)
"""The optimisers offered: the wizard, and those Nevergrad's docs name for discrete spaces."""


def _parameter(d: Dimension) -> Any:
    import nevergrad as ng

    if d.kind == "categorical":
        return ng.p.Choice(list(range(d.size)))
    if not d.log:
        return ng.p.TransitionChoice(list(range(d.size)))
    low, high = d.choices[0], d.choices[-1]
    scalar = ng.p.Log(lower=float(low), upper=float(high))
    integers = all(isinstance(v, int) for v in d.choices)
    return scalar.set_integer_casting() if integers else scalar


class Nevergrad(LibraryStrategy):
    """A Nevergrad optimiser asked one candidate per ask, told its loss."""

    name = "nevergrad"
    description = "Nevergrad's NGOpt wizard or a named optimiser, ask/tell (Rapin & Teytaud 2018)."
    extra = "nevergrad"
    modules = ("nevergrad",)
    distribution = "nevergrad"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `Nevergrad`; each field's ``help`` says what it does."""

        optimizer: str = option(
            "NGOpt", choices=OPTIMIZERS, help="The optimiser of Nevergrad's registry."
        )
        planned_evaluations: int = option(
            100,
            minimum=1,
            help="Under a seconds budget, the evaluations the optimiser is told to plan for"
            " (NGOpt chooses by it); an evaluations budget is told as it is.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._seed = int(self.rng.integers(2**32))
        # Some of Nevergrad's optimisers draw from the global numpy state beside their own.
        self._global = PrivateGlobalRandom(int(self.rng.integers(2**32)))
        self._optimizer: Any = None
        self._pending: defaultdict[Config, deque[Any]] = defaultdict(deque)
        self._losses = WorstSoFar()

    def _make(self) -> Any:
        import nevergrad as ng

        parametrization = ng.p.Dict(**{d.name: _parameter(d) for d in self.space.dimensions})
        parametrization.random_state = np.random.RandomState(self._seed)
        return ng.optimizers.registry[self.opts.optimizer](
            parametrization=parametrization,
            budget=self.budget or self.opts.planned_evaluations,
            num_workers=1,
        )

    def ask(self) -> Config:
        """The next candidate of the optimiser, as a config."""
        with self._global.active():
            if self._optimizer is None:
                self._optimizer = self._make()
            candidate = self._optimizer.ask()
        value = candidate.value
        config = tuple(
            from_param(d, value[d.name]) if d.log else int(value[d.name])
            for d in self.space.dimensions
        )
        self._pending[config].append(candidate)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Tell the candidate of ``config`` its loss (the worst so far for a NaN)."""
        loss = self._losses.loss(-self.score(observation.value))
        queue = self._pending.get(config)
        if not queue:
            return  # not asked by this optimiser (the harness loop never does this)
        candidate = queue.popleft()
        if not queue:
            del self._pending[config]
        if loss is not None:
            with self._global.active():
                self._optimizer.tell(candidate, loss)
