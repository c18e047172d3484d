"""ASNN+: the ASNN inverse model made into a competitive search strategy (this project's own).

Builds on Hong (2025), "ASNN: Learning to Suggest Neural Architectures from Performance
Distributions", arXiv 2507.20164 (see `strategies.asnn` for the faithful version). Changes,
each an option so that its effect can be measured (``docs/asnn.md`` has the numbers):

- Quantile conditioning: the model's input is an observation's rank among all observations
  (its empirical quantile), not its min-max scaled value, so one outlier (a diverged or
  degenerate architecture) cannot squash every good value together; the model is asked for a
  target quantile instead of a fixed margin above the best.
- Posterior scoring (``scoring="posterior"``, the default): the inverse model is inverted back
  with Bayes' rule. Its inputs are quantiles, which are uniform by construction, so over a grid
  of quantiles the posterior of a config's quantile is ``p(q | config) ~ p(config | q)``, and a
  candidate's score is its posterior probability of lying in the top ``top_fraction`` - a
  probability of improvement read off the inverse model, integrating over every quantile
  instead of comparing two.
- Contrast: the decodings are ranked by how much more likely a config is for a top value than
  for a typical one, ``log p(config | top) - contrast * log p(config | median)`` - the
  density-ratio idea of TPE (Bergstra et al., NeurIPS 2011) with the inverse model as both
  densities. The score adds over dimensions, so configs are enumerated best-first exactly as in
  `asnn`. With ``scoring="contrast"`` (the previous default, kept as an ablation) this score
  also picks the suggestion. Ordinal dimensions get a softmax over their ranks with smoothed
  targets: with regression heads the ratio of two equal-width Gaussians is linear in the rank
  and would always pick an end of the range.
- Top weighting: observations are weighted by ``exp(top_weight * quantile)`` in the loss.
- Ensemble: several inverse models from different initialisations; each suggestion uses one
  picked at random, which diversifies suggestions like sampling among their decodings.
- Local moves: with probability ``p_local`` the candidates are the unevaluated one-dimension
  neighbours of the incumbent; otherwise (or when there are none) the posterior scoring
  chooses among the best contrast decodings and a uniform sample of unevaluated configs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Config, Space
from strategies._asnn_model import (
    InverseModel,
    best_unexcluded,
    config_score,
    config_score_grid,
    configure_torch,
    ranked_configs,
)
from strategies._base import Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._options import StrategyOptions, option
from strategies.asnn import InitialDesign

SCORINGS = ("posterior", "contrast")
N_GRID = 20
"""Quantile grid points of the posterior; the top 10 % is then the top two points."""
N_DECODED = 32
"""Best contrast decodings in the candidate pool of a global (non-local) move."""
N_RANDOM = 256
"""Uniformly drawn configs in the candidate pool of a global move (the evaluated ones dropped)."""


class AsnnPlus(Strategy):
    """ASNN with quantile targets, posterior scoring, an ensemble and local moves.

    The numpy generator and the models' torch generators all derive from the seed.
    """

    name = "asnn-plus"
    description = "ASNN with quantile targets, posterior scoring, ensemble, local moves."

    # These options start as `Asnn.Options` do (n_init, and later hidden, n_steps,
    # n_init_steps, lr) with their own defaults and help; a shared base class would list
    # the shared ones first, reordering what `list`, the docs and error messages show.

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `AsnnPlus`; each field's ``help`` says what it does."""

        n_init: int | None = n_init_option(
            "Random configs before the models are used; None means 10, capped to the budget"
            " and the space."
        )
        target_quantile: float = option(
            1.0,
            exclusive_minimum=0.0,
            maximum=2.0,
            help="The quantile the models are asked for; observations sit at (rank + 0.5) / n,"
            " so 1 asks for slightly more than the best.",
        )
        contrast: float = option(
            1.0,
            minimum=0.0,
            maximum=1.0,
            help="Weight of the typical-value likelihood subtracted from the target's; 0 gives"
            " plain ASNN scoring.",
        )
        top_weight: float = option(
            2.0,
            minimum=0.0,
            maximum=20.0,
            help="Loss weight exponent on an observation's quantile; 0 weights all equally.",
        )
        n_models: int = option(2, minimum=1, help="Ensemble size.")
        p_local: float = option(
            0.8,
            minimum=0.0,
            maximum=1.0,
            help="Probability of a local move around the incumbent.",
        )
        hidden: int = option(32, minimum=1, help="Units of each model's hidden layer.")
        n_steps: int = option(
            20,
            minimum=1,
            help="Adam steps of each model's warm-started retraining per observation.",
        )
        n_init_steps: int = option(
            200, minimum=0, help="Adam steps of the first training, after the initial design."
        )
        lr: float = option(0.01, exclusive_minimum=0.0, help="Adam learning rate.")
        scoring: str = option(
            "posterior",
            choices=SCORINGS,
            help="posterior: probability of the top quantiles by Bayes' rule; contrast: the"
            " density-ratio score, best-first decoding.",
        )
        top_fraction: float = option(
            0.1,
            exclusive_minimum=0.0,
            maximum=1.0,
            help="With posterior scoring, the top share of quantiles a suggestion should reach.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        design_size = initial_design_size(self, self.opts.n_init)
        self._n_top = max(1, round(self.opts.top_fraction * N_GRID))
        self._design = InitialDesign(space, design_size, self.rng)
        self._configs: list[Config] = []
        self._scores: list[float] = []
        self._evaluated: set[Config] = set()
        self._models: list[InverseModel] = []

    @classmethod
    def warm_up(cls) -> None:
        """Import torch (one thread), so that the import is not strategy overhead."""
        configure_torch()

    def ask(self) -> Config:
        """An initial-design config, then a model-scored local move or global suggestion."""
        if len(self._configs) < self._design.n:
            return self._design.next()
        if not self._models:
            return self.space.sample(self.rng)
        model = self._models[int(self.rng.integers(len(self._models)))]
        if self.opts.scoring == "posterior":
            return self._posterior_ask(model)
        scores = self._contrast_scores(model)
        if self.rng.random() < self.opts.p_local:
            config = self._local_move(scores)
            if config is not None:
                return config
        config = best_unexcluded(scores, self._evaluated, max_pops=len(self._evaluated) + 1)
        if config is None:  # every config evaluated: repeat the best-scoring one
            config = tuple(int(np.argmax(s)) for s in scores)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the evaluation and retrain every model (warm start) after the design."""
        self._configs.append(config)
        self._scores.append(self.score(observation.value))
        self._evaluated.add(config)
        if len(self._configs) < self._design.n:
            return
        scores = np.asarray(self._scores)
        finite = np.isfinite(scores)
        if not finite.any():
            return
        # Diverged runs (-inf) rank below every finite one and stay in the data: they tell
        # the model which configs belong to the bottom quantiles.
        quantile = _quantiles(scores)
        x = 2.0 * quantile - 1.0
        configs = np.asarray(self._configs, dtype=np.int64)
        weights = np.exp(self.opts.top_weight * quantile) if self.opts.top_weight > 0 else None
        steps = self.opts.n_steps
        if not self._models:
            self._models = [
                InverseModel(
                    self.space,
                    seed=seed,
                    hidden=self.opts.hidden,
                    lr=self.opts.lr,
                    ordinal="softmax",
                )
                for seed in np.random.SeedSequence(self.seed).generate_state(self.opts.n_models)
            ]
            steps = self.opts.n_init_steps
        for model in self._models:
            model.fit(x, configs, steps=steps, weights=weights)

    def _contrast_scores(self, model: InverseModel) -> list[npt.NDArray[np.float64]]:
        """Per dimension, ``log p(choice | top) - contrast * log p(choice | median)``."""
        scores = model.log_scores(2.0 * self.opts.target_quantile - 1.0)
        if self.opts.contrast > 0:
            typical = model.log_scores(0.0)
            scores = [s - self.opts.contrast * t for s, t in zip(scores, typical, strict=True)]
        return scores

    def _fresh_neighbours(self) -> list[Config]:
        """The incumbent's one-dimension neighbours that were not evaluated yet."""
        incumbent = self._configs[int(np.argmax(self._scores))]
        return [c for c in self.space.neighbours(incumbent) if c not in self._evaluated]

    def _posterior_ask(self, model: InverseModel) -> Config:
        """The candidate most probably in the top quantiles (see the module docstring)."""
        candidates: list[Config] = []
        if self.rng.random() < self.opts.p_local:
            candidates = self._fresh_neighbours()
        if not candidates:
            # Only a global move needs the contrast decodings: two forward passes saved
            # on every local move.
            candidates = self._global_pool(self._contrast_scores(model))
        if not candidates:  # every config evaluated: any one is a repeat
            return self.space.sample(self.rng)
        probability = _top_log_probability(model, candidates, self._n_top)
        return candidates[int(np.argmax(probability))]

    def _global_pool(self, scores: list[npt.NDArray[np.float64]]) -> list[Config]:
        """Unevaluated configs: the best contrast decodings and a uniform sample, sorted."""
        pool: set[Config] = set()
        # Enumerating past the evaluated configs is bounded: each pop is either one of them
        # or a new pool member.
        for popped, config in enumerate(ranked_configs(scores)):
            if len(pool) >= N_DECODED or popped > len(self._evaluated) + N_DECODED:
                break
            if config not in self._evaluated:
                pool.add(config)
        for row in self.space.sample_many(self.rng, N_RANDOM):
            config = tuple(int(v) for v in row)
            if config not in self._evaluated:
                pool.add(config)
        return sorted(pool)  # a set's order is not reproducible across processes

    def _local_move(self, scores: list[npt.NDArray[np.float64]]) -> Config | None:
        """The best-scoring unevaluated one-dimension neighbour of the incumbent, if any."""
        candidates = self._fresh_neighbours()
        if not candidates:
            return None
        values = config_score(scores, np.asarray(candidates, dtype=np.int64))
        return candidates[int(np.argmax(values))]


def _top_log_probability(
    model: InverseModel, candidates: list[Config], n_top: int
) -> npt.NDArray[np.float64]:
    """Log posterior probability that each candidate's quantile is among the top ``n_top``.

    The model's inputs are quantiles, uniform by construction, so on an even grid of
    quantiles the prior is flat and ``p(q | config)`` is ``p(config | q)`` normalised over q.
    """
    grid = (np.arange(N_GRID) + 0.5) / N_GRID
    table = model.log_scores_grid(2.0 * grid - 1.0)
    loglik = config_score_grid(table, np.asarray(candidates, dtype=np.int64))
    log_posterior = loglik - np.logaddexp.reduce(loglik, axis=0)
    return np.asarray(np.logaddexp.reduce(log_posterior[-n_top:], axis=0))


def _quantiles(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mid-rank empirical quantiles ``(rank + 0.5) / n`` in (0, 1); ties share their mean."""
    n = len(scores)
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n, dtype=float)
    # Average the ranks of tied scores so that equal values get equal inputs.
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums[inverse] / counts[inverse] + 0.5) / n
