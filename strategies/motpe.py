"""Multi-objective TPE (MOTPE) through Optuna's ask-and-tell interface.

Follows Ozaki, Tanigaki, Watanabe & Onishi, GECCO 2020, "Multiobjective Tree-Structured Parzen
Estimator for Computationally Expensive Optimization Problems" (and JAIR 2022, "Multiobjective
Tree-Structured Parzen Estimator"), as implemented by Optuna's `TPESampler` on a study with
one direction per objective: after ``n_startup_trials`` uniform random trials, the completed
trials are split into a good and a bad set by non-dominated sorting (the last front that
fits cut by hypervolume subset selection), each set is modelled by a Parzen estimator, and
the next config is the one of 24 candidates drawn from the good density with the largest
ratio of good to bad density. The good set is the best ceil(0.1 n) of n trials, Optuna's
multi-objective gamma. A NaN observation (a diverged run) is told as a failed trial, which
TPE leaves out of both densities. On a single-objective search this is the harness's `tpe`.

Defaults: Optuna's 10 startup trials, and the multivariate TPE (Falkner et al., ICML 2018),
as `tpe` uses it; Optuna's own default for several objectives is the independent TPE
(``multivariate=false``); see docs/strategies.md, "Multi-objective strategies", for what each
gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from strategies._base import MULTI_OBJECTIVE
from strategies._options import option
from strategies.tpe import TPE


class MOTPE(TPE):
    """Optuna's TPE sampler on a multi-objective study: `TPE`'s sampler, several directions."""

    name = "motpe"
    tags = frozenset({MULTI_OBJECTIVE})
    description = "Multi-objective TPE via Optuna's TPESampler (Ozaki et al. 2020)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(TPE.Options):
        """Options of `MOTPE` (`TPE`'s); each field's ``help`` says what it does."""

        multivariate: bool = option(
            True,
            help="Model the dimensions jointly (multivariate TPE); false: one independent"
            " density per dimension (Optuna's default for several objectives).",
        )

    opts: Options
