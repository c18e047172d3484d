"""Tree-structured Parzen estimator through Optuna's ask-and-tell interface.

Follows Bergstra et al., NeurIPS 2011, "Algorithms for Hyper-Parameter Optimization", as
implemented by Optuna's `TPESampler` (Akiba et al., KDD 2019; Watanabe, 2023, "Tree-Structured
Parzen Estimator: Understanding Its Algorithm Components"). Categorical dimensions are
categorical parameters over the choice indices; ordinal dimensions are integer parameters over
the choice's rank, the right scale because the built-in ordinal grids are log-spaced (a
`Dimension.log` dimension, mlpwide's 8..1024 widths, is a log-scale parameter over the sizes
themselves: `strategies._scales`). A NaN
observation (a diverged training run) is told as a failed trial, which TPE leaves out of both
of its densities. Optuna is imported only when a TPE strategy is built, so that listing the
strategies stays fast.

Defaults are Optuna's own for one objective: multivariate TPE (Falkner et al., ICML 2018; in
Optuna 5.0 ``multivariate=None`` resolves to it, and its docs report it ahead of the
independent TPE) after 10 random startup trials. It is set explicitly, so that older Optuna
versions (whose default was independent TPE) run the same algorithm. Optuna's ``group``
decomposition matters only for conditional spaces, where trials use different parameter sets;
every space here is a fixed product, so it would form one group and suggest the same configs.
``constant_liar`` acts only on trials still running during another ask; the harness tells each
trial before the next ask, so it changes nothing either. Neither is an option (a test checks
that both leave the suggestions unchanged). ``multivariate=false`` restores the independent TPE
that was the harness's default before issue 14.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spaces import Config, Space
from strategies._base import Observation, Strategy
from strategies._options import StrategyOptions, option
from strategies._scales import from_param, optuna_distribution, to_param

if TYPE_CHECKING:
    import optuna


class TPE(Strategy):
    """Optuna's TPE sampler driven by the harness's ask/tell loop.

    The sampler's seed is drawn from the strategy's generator.
    """

    name = "tpe"
    description = "Tree-structured Parzen estimator via Optuna's TPESampler (Bergstra et al. 2011)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `TPE`; each field's ``help`` says what it does."""

        n_startup_trials: int = option(
            10, minimum=0, help="Uniform random suggestions before TPE takes over."
        )
        multivariate: bool = option(
            True,
            help="Model the dimensions jointly (multivariate TPE, Optuna's default); false:"
            " one independent density per dimension.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        import optuna

        self._distributions: dict[str, optuna.distributions.BaseDistribution] = {
            d.name: optuna_distribution(d) for d in space.dimensions
        }
        logger = logging.getLogger("optuna")
        level = logger.level
        with warnings.catch_warnings():
            # multivariate is flagged experimental in some Optuna versions; that is not news
            # for a benchmark run. The study's "created in memory" INFO line is not either.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            logger.setLevel(max(level, logging.WARNING))
            try:
                sampler = optuna.samplers.TPESampler(
                    seed=int(self.rng.integers(2**32)),
                    n_startup_trials=self.opts.n_startup_trials,
                    multivariate=self.opts.multivariate,
                )
                self._study = optuna.create_study(
                    sampler=sampler, direction="maximize" if self.maximize else "minimize"
                )
            finally:
                logger.setLevel(level)
        self._pending: tuple[Config, optuna.trial.Trial] | None = None

    def ask(self) -> Config:
        """The config of a new trial that TPE suggests."""
        trial = self._study.ask(self._distributions)
        config = tuple(from_param(d, trial.params[d.name]) for d in self.space.dimensions)
        self._pending = (config, trial)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Finish the trial of ``config``: complete with its value, or failed when NaN."""
        from optuna.trial import TrialState, create_trial

        failed = math.isnan(observation.value)
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == config:
            if failed:
                self._study.tell(pending[1], state=TrialState.FAIL)
            else:
                self._study.tell(pending[1], observation.value)
            return
        # Not the config just asked for (the harness loop never does this; other callers
        # may): record it as a finished trial of its own so that TPE still learns from it.
        if pending is not None:
            self._study.tell(pending[1], state=TrialState.FAIL)
        dims = self.space.dimensions
        params = {d.name: to_param(d, c) for d, c in zip(dims, config, strict=True)}
        self._study.add_trial(
            create_trial(
                params=params,
                distributions=self._distributions,
                state=TrialState.FAIL if failed else TrialState.COMPLETE,
                value=None if failed else observation.value,
            )
        )
