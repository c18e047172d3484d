"""BOHB (Falkner et al., ICML 2018): Hyperband whose new configs come from a TPE model.

The brackets, rungs and promotions are `hyperband`'s. A bracket's new configs are drawn, as in
the paper's Algorithm 2, uniformly at random with probability ``random_fraction`` and
otherwise from a model fitted on the results at the *largest* fidelity that has at least
``min_points_in_model + 2`` of them (uniformly at random while none has). The model is
Optuna's multivariate `TPESampler` (Bergstra et al. 2011; its multivariate kernel follows
Falkner et al.), one in-memory study per fidelity into which every finite result at that
fidelity is added as a completed trial; a suggestion is a trial asked from it and closed at
once as failed, so that it teaches the model nothing. A diverged run (NaN) is left out, as
TPE leaves out failed trials.

Defaults are BOHB's (the paper and its implementation, HpBandSter) where Optuna can follow
them: ``eta = 3``, ``random_fraction = 1/3``, ``min_points_in_model`` = dimensions + 1 (the
paper's ``N_min = d + 1``) and ``n_candidates = 64`` (``num_samples``: candidates drawn from
the good density, the best by ``l/g`` is suggested). Optuna's own where it cannot: the good
density is fitted on the best ``ceil(0.1 n)`` results (at most 25) rather than BOHB's
``max(N_min, 0.15 n)``, and results older than the last 25 weigh less, since TPE's ``gamma``
and ``weights`` arguments are deprecated since Optuna 4.9; its bandwidths replace HpBandSter's
``bandwidth_factor`` and ``min_bandwidth``. As in HpBandSter (the paper's parallel BOHB) and
`hyperband`, a simulated worker that no open bracket can serve opens the next bracket
(``parallel_brackets``, the default); the model learns from the results of every bracket.
``parallel_brackets=false`` runs one bracket at a time.

Written here because the ``dehb`` package implements DEHB (differential evolution in the
brackets), a different algorithm; Optuna's pruners are driven by
``trial.report``/``should_prune`` inside one training loop and can neither ask for an
independent 200-epoch schedule nor make a simulated worker wait for a rung; and syne-tune,
which has a BOHB-like searcher, is a heavy dependency. Optuna is imported when the model is
first needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spaces import Config, Space
from strategies._base import Observation
from strategies._options import option
from strategies._optuna_study import quiet_optuna
from strategies._rungs import BracketStrategy
from strategies._scales import from_param, optuna_distribution, to_param
from strategies.hyperband import Hyperband

if TYPE_CHECKING:
    import optuna


class BOHB(Hyperband):
    """Hyperband with new configs from a TPE model of the largest well-observed fidelity."""

    name = "bohb"
    description = "BOHB: Hyperband with a TPE model for new configs (Falkner et al. 2018)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(BracketStrategy.Options):
        """Options of `BOHB`; each field's ``help`` says what it does."""

        random_fraction: float = option(
            1 / 3, minimum=0.0, maximum=1.0, help="Share of new configs drawn uniformly at random."
        )
        min_points_in_model: int | None = option(
            None,
            minimum=1,
            help="N_min: a fidelity's model needs N_min + 2 results; None: dimensions + 1.",
        )
        n_candidates: int = option(
            64, minimum=1, help="Candidates drawn from the good density per suggestion."
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        n_min = self.opts.min_points_in_model
        self._n_min = len(space.dimensions) + 1 if n_min is None else n_min
        # Seeds drawn now, in rung order, so that the models' randomness is fixed by the seed
        # whichever fidelity is modelled first.
        self._model_seeds = [int(self.rng.integers(2**32)) for _ in self.rungs]
        self._studies: dict[int, optuna.Study] = {}
        self._distributions: dict[str, optuna.distributions.BaseDistribution] = {}
        self._n_results = [0] * len(self.rungs)
        self._from_model = {str(f): 0 for f in self.rungs}
        self._n_random = 0

    @classmethod
    def warm_up(cls) -> None:
        """Import Optuna, which the model needs."""
        import optuna  # noqa: F401

    def _study(self, rung: int) -> optuna.Study:
        """The model's study of rung index ``rung``, made when first needed."""
        study = self._studies.get(rung)
        if study is None:
            import optuna

            if not self._distributions:
                self._distributions = {
                    d.name: optuna_distribution(d) for d in self.space.dimensions
                }
            with quiet_optuna():
                sampler = optuna.samplers.TPESampler(
                    seed=self._model_seeds[rung],
                    n_startup_trials=0,  # BOHB decides when there is enough to model
                    n_ei_candidates=self.opts.n_candidates,
                    multivariate=True,
                    constant_liar=False,  # suggestions are closed at once
                )
                study = self._studies[rung] = optuna.create_study(
                    sampler=sampler, direction="maximize"
                )
        return study

    def new_config(self, rung: int) -> Config:
        """A new config for a bracket: at random, or from the model (Algorithm 2).

        Uniform with probability ``random_fraction`` or while no fidelity can be modelled;
        else the TPE suggestion of the largest fidelity with ``N_min + 2`` results.
        """
        modelled = [r for r, n in enumerate(self._n_results) if n >= self._n_min + 2]
        if self.rng.random() < self.opts.random_fraction or not modelled:
            self._n_random += 1
            return self.space.sample(self.rng)
        from optuna.trial import TrialState

        top = modelled[-1]
        study = self._study(top)
        dims = self.space.dimensions
        with quiet_optuna():
            trial = study.ask(self._distributions)
            study.tell(trial, state=TrialState.FAIL)
        self._from_model[str(self.rungs[top])] += 1
        return tuple(from_param(d, trial.params[d.name]) for d in dims)

    def observe(self, config: Config, observation: Observation, *, rung: int, tag: int) -> None:
        """Record the result in its rung and, if finite, in the model of its fidelity."""
        super().observe(config, observation, rung=rung, tag=tag)
        if rung < 0 or math.isnan(observation.value):
            return
        from optuna.trial import create_trial

        dims = self.space.dimensions
        study = self._study(rung)
        study.add_trial(
            create_trial(
                params={d.name: to_param(d, c) for d, c in zip(dims, config, strict=True)},
                distributions=self._distributions,
                value=self.score(observation.value),
            )
        )
        self._n_results[rung] += 1

    def diagnostics(self) -> dict[str, Any]:
        """Hyperband's, and how many new configs came from each fidelity's model or at random."""
        return {
            **super().diagnostics(),
            "model_suggestions": dict(self._from_model),
            "random_suggestions": self._n_random,
        }
