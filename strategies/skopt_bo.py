"""Sequential model-based optimisation with scikit-optimize's ``Optimizer`` (ask/tell).

`skopt` is scikit-optimize's ``Optimizer``: ``n_initial_points`` quasi-random (by default
random) points, then a surrogate fitted to every observation and the next point chosen by an
acquisition function. The surrogate is an option: ``GP`` (Gaussian process, Matérn kernel, as
in Snoek et al., NeurIPS 2012), ``RF`` (random forest, as SMAC, Hutter et al., LION 2011),
``ET`` (extra trees) or ``GBRT`` (gradient-boosted trees with quantile regression). Defaults
are the library's: 10 initial points, the ``gp_hedge`` acquisition (a portfolio of EI, PI and
LCB), ``acq_optimizer="auto"`` (random sampling of 10,000 candidates whenever a dimension is
categorical, else L-BFGS).

Space mapping: a categorical dimension is a ``Categorical`` over its choice indices (one-hot
encoded for the GP, so no order is implied), an ordinal dimension an ``Integer`` over its
ranks, and a log dimension (mlpwide's widths) an ``Integer`` (or ``Real``, rounded to the
nearest size) with the ``log-uniform`` prior over the sizes themselves. The ``random_state``
is drawn from the strategy's generator. Losses are the negated score; a diverged run (NaN) is
told as the worst loss so far (before any finite loss it is not told, and the optimizer
suggests the same point again). Installed by ``pip install "nas-harness[skopt]"`` (BSD-3);
imported only in ``warm_up``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from spaces import Config, Dimension, Space
from strategies._base import Observation
from strategies._extras import LibraryStrategy, PrivateGlobalRandom, WorstSoFar
from strategies._options import StrategyOptions, option
from strategies._scales import from_param


def _dimension(d: Dimension) -> Any:
    from skopt.space import Categorical, Integer, Real

    if d.kind == "categorical":
        return Categorical(list(range(d.size)), name=d.name)
    if not d.log:
        return Integer(0, d.size - 1, name=d.name)
    low, high = d.choices[0], d.choices[-1]
    if all(isinstance(v, int) for v in d.choices):
        return Integer(low, high, prior="log-uniform", name=d.name)
    return Real(float(low), float(high), prior="log-uniform", name=d.name)


class ScikitOptimize(LibraryStrategy):
    """scikit-optimize's ``Optimizer``, one point per ask."""

    name = "skopt"
    description = "scikit-optimize's Optimizer: GP, random-forest or extra-trees surrogate."
    extra = "skopt"
    modules = ("skopt",)
    distribution = "scikit-optimize"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `ScikitOptimize`; each field's ``help`` says what it does."""

        base_estimator: str = option(
            "GP", choices=("GP", "RF", "ET", "GBRT"), help="The surrogate model."
        )
        n_initial_points: int = option(
            10, minimum=1, help="Random points before the surrogate is used (the library's 10)."
        )
        acq_func: str = option(
            "gp_hedge",
            choices=("gp_hedge", "EI", "PI", "LCB"),
            help="The acquisition function (gp_hedge: a portfolio of the other three).",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._seed = int(self.rng.integers(2**31 - 1))
        self._global = PrivateGlobalRandom(int(self.rng.integers(2**32)))
        self._optimizer: Any = None
        self._asked: dict[Config, list[Any]] = {}
        self._losses = WorstSoFar()

    def _make(self) -> Any:
        from skopt import Optimizer

        return Optimizer(
            [_dimension(d) for d in self.space.dimensions],
            base_estimator=self.opts.base_estimator,
            n_initial_points=self.opts.n_initial_points,
            acq_func=self.opts.acq_func,
            random_state=self._seed,
        )

    def ask(self) -> Config:
        """The optimizer's next point, as a config."""
        with self._global.active(), warnings.catch_warnings():
            # "The objective has been evaluated at point ... before": repeats are allowed here.
            warnings.simplefilter("ignore", UserWarning)
            if self._optimizer is None:
                self._optimizer = self._make()
            point = self._optimizer.ask()
        config = tuple(
            from_param(d, v) if d.log else int(v)
            for d, v in zip(self.space.dimensions, point, strict=True)
        )
        self._asked[config] = point
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Tell the point of ``config`` its loss (the worst so far for a NaN)."""
        loss = self._losses.loss(-self.score(observation.value))
        point = self._asked.get(config)
        if point is None or loss is None:
            return
        with self._global.active(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            self._optimizer.tell(point, loss)
