"""Gaussian-process Bayesian optimisation through Optuna's ``GPSampler`` (ask-and-tell).

Optuna's GP (Matérn-5/2 kernel with automatic relevance determination; categorical
parameters enter through a Hamming distance, so no one-hot relaxation is needed; log expected
improvement, maximised by quasi-random sampling followed by local search that enumerates the
choices of categorical and small integer parameters) follows the standard recipe of Snoek,
Larochelle & Adams ("Practical Bayesian Optimization of Machine Learning Algorithms",
NeurIPS 2012). Categorical dimensions are suggested as categorical parameters over their
choice indices, ordinal dimensions as integer parameters over their ranks (log dimensions,
mlpwide's widths, as log-scale integers over the sizes; the same rank scale
as `Space.encode`). The first ``n_init`` configs come from Optuna's seeded random sampler.

Optuna samplers keep their own seeded generators and the GP uses torch without random draws,
so the global torch state is neither read nor changed (the shared contract test checks this).
Optuna's per-trial INFO log lines are silenced during ask and tell, and its level restored.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spaces import Config, Space
from strategies._base import Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._gp_sampler import gp_sampler
from strategies._options import StrategyOptions
from strategies._scales import from_param, optuna_distribution

if TYPE_CHECKING:
    import optuna


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class GaussianProcess(Strategy):
    """Bayesian optimisation with Optuna's ``GPSampler``, seeded from the strategy's seed."""

    name = "gp"
    description = "Gaussian-process BO with log-EI via Optuna's GPSampler (Snoek et al. 2012)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `GaussianProcess`; each field's ``help`` says what it does."""

        n_init: int | None = n_init_option(
            "Size of the random initial design (the sampler's startup trials); None means 10,"
            " capped to the budget and the space."
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._n_init = initial_design_size(self, self.opts.n_init)
        self._sampler_seed = int(self.rng.integers(2**32))
        self._study: optuna.Study | None = None
        self._trial: optuna.Trial | None = None
        self._worst: float | None = None

    def _make_study(self) -> optuna.Study:
        import optuna
        import torch

        torch.set_num_threads(1)
        sampler = gp_sampler(seed=self._sampler_seed, n_startup_trials=self._n_init)
        return optuna.create_study(
            sampler=sampler, direction="maximize" if self.maximize else "minimize"
        )

    def ask(self) -> Config:
        """The config of the next Optuna trial."""
        with _quiet_optuna():
            if self._study is None:
                self._study = self._make_study()
            trial = self._study.ask()
            config = []
            for d in self.space.dimensions:
                if d.kind == "categorical":
                    config.append(int(trial.suggest_categorical(d.name, list(range(d.size)))))
                elif d.log:  # mlpwide's widths: the size itself, on a log scale
                    dist = optuna_distribution(d)
                    value = (
                        trial.suggest_int(d.name, dist.low, dist.high, log=True)
                        if isinstance(dist.low, int)
                        else trial.suggest_float(d.name, dist.low, dist.high, log=True)
                    )
                    config.append(from_param(d, value))
                else:
                    config.append(trial.suggest_int(d.name, 0, d.size - 1))
        self._trial = trial
        return tuple(config)

    def tell(self, config: Config, observation: Observation) -> None:
        """Complete the pending trial with the observed value.

        A diverged run (NaN) is told as the worst value observed so far, so that the GP
        learns the region is bad; before any finite value it is told as failed (ignored).
        """
        import optuna

        if self._study is None or self._trial is None:
            return
        value = observation.value
        if math.isfinite(value):
            if self._worst is None or self.score(value) < self.score(self._worst):
                self._worst = value
        else:
            value = math.nan if self._worst is None else self._worst
        with _quiet_optuna():
            if math.isnan(value):
                self._study.tell(self._trial, state=optuna.trial.TrialState.FAIL)
            else:
                self._study.tell(self._trial, value)
        self._trial = None
