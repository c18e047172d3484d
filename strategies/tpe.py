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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strategies._options import StrategyOptions, option
from strategies._optuna_study import OptunaStrategy

if TYPE_CHECKING:
    import optuna


class TPE(OptunaStrategy):
    """Optuna's TPE sampler driven by the harness's ask/tell loop (`OptunaStrategy`).

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

    def make_sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        """Optuna's `TPESampler` with this strategy's options."""
        import optuna

        return optuna.samplers.TPESampler(
            seed=seed,
            n_startup_trials=self.opts.n_startup_trials,
            multivariate=self.opts.multivariate,
        )
