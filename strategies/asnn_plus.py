"""ASNN+: the ASNN inverse model made into a competitive search strategy (this project's own).

Builds on Hong (2025), "ASNN: Learning to Suggest Neural Architectures from Performance
Distributions", arXiv 2507.20164 (see `strategies.asnn` for the faithful version). Changes,
each an option so that its effect can be measured (``docs/asnn.md`` has the numbers):

- Quantile conditioning: the model's input is an observation's rank among all observations
  (its empirical quantile), not its min-max scaled value, so one outlier (a diverged or
  degenerate architecture) cannot squash every good value together; the model is asked for a
  target quantile instead of a fixed margin above the best.
- Contrast: a config is scored by how much more likely it is for a top value than for a typical
  one, ``log p(config | top) - contrast * log p(config | median)`` - the density-ratio idea of
  TPE (Bergstra et al., NeurIPS 2011) with the inverse model as both densities. The score still
  adds over dimensions, so the best unevaluated config is found exactly by the same best-first
  enumeration as in `asnn`. Ordinal dimensions get a softmax over their ranks with smoothed
  targets here: with regression heads the ratio of two equal-width Gaussians is linear in the
  rank and would always pick an end of the range.
- Top weighting: observations are weighted by ``exp(top_weight * quantile)`` in the loss.
- Ensemble: several inverse models from different initialisations; each suggestion uses one
  picked at random, which diversifies suggestions like sampling among their decodings.
- Local moves: with probability ``p_local`` the suggestion is the best-scoring unevaluated
  one-dimension neighbour of the incumbent.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from spaces import Config, Space
from strategies._asnn_model import (
    InverseModel,
    best_unexcluded,
    config_score,
    configure_torch,
)
from strategies._base import Observation, Strategy
from strategies.asnn import InitialDesign, check_common_options


class AsnnPlus(Strategy):
    """ASNN with quantile targets, contrastive scoring, an ensemble and local moves.

    Args:
        space: The space to suggest configs from.
        seed: Seed of the numpy generator and of the models' torch generators.
        maximize: Whether larger objective values are better.
        budget: Number of evaluations of the run, or None.
        n_init: Random configs before the models are used; ``None`` means 10, capped to the
            budget and the space; an explicit value that does not fit is an error.
        target_quantile: The quantile the models are asked for; observations sit at quantiles
            ``(rank + 0.5) / n``, so 1 asks for slightly more than the best; in (0, 2].
        contrast: Weight of the typical-value likelihood subtracted from the target's; 0 gives
            plain ASNN scoring; in [0, 1].
        top_weight: Loss weight exponent on an observation's quantile; 0 weights all equally.
        n_models: Ensemble size.
        p_local: Probability of a local move around the incumbent; in [0, 1].
        hidden: Units of each model's hidden layer.
        n_steps: Adam steps of each model's warm-started retraining after each observation.
        n_init_steps: Adam steps of the first training, right after the initial design.
        lr: Adam learning rate.
    """

    name = "asnn-plus"
    description = "ASNN with quantile targets, contrastive scores, ensemble, local moves."

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        maximize: bool = True,
        budget: int | None = None,
        n_init: int | None = None,
        target_quantile: float = 1.0,
        contrast: float = 1.0,
        top_weight: float = 2.0,
        n_models: int = 2,
        p_local: float = 0.8,
        hidden: int = 32,
        n_steps: int = 20,
        n_init_steps: int = 200,
        lr: float = 0.01,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize, budget=budget)
        design_size = check_common_options(
            self.name,
            space,
            budget,
            n_init=n_init,
            hidden=hidden,
            n_steps=n_steps,
            n_init_steps=n_init_steps,
            lr=lr,
        )
        for option, value, low, high in (
            ("target_quantile", target_quantile, 0.0, 2.0),
            ("contrast", contrast, 0.0, 1.0),
            ("p_local", p_local, 0.0, 1.0),
            ("top_weight", top_weight, 0.0, 20.0),
        ):
            ok = isinstance(value, int | float) and math.isfinite(value) and low <= value <= high
            if not ok or (option == "target_quantile" and value == 0):
                interval = "(0, 2]" if option == "target_quantile" else f"[{low:g}, {high:g}]"
                raise ValueError(f"asnn-plus: {option}={value!r} must be in {interval}")
        if isinstance(n_models, bool) or not isinstance(n_models, int) or n_models < 1:
            raise ValueError(f"asnn-plus: n_models={n_models!r} must be an integer >= 1")
        self.n_init = n_init
        self.target_quantile = target_quantile
        self.contrast = contrast
        self.top_weight = top_weight
        self.n_models = n_models
        self.p_local = p_local
        self.hidden = hidden
        self.n_steps = n_steps
        self.n_init_steps = n_init_steps
        self.lr = lr
        self._design = InitialDesign(space, design_size, self.rng)
        self._configs: list[Config] = []
        self._scores: list[float] = []
        self._evaluated: set[Config] = set()
        self._models: list[InverseModel] = []
        configure_torch()  # once per process, outside the measured strategy overhead

    def ask(self) -> Config:
        """An initial-design config, then a contrastive decoding or a local move."""
        if len(self._configs) < self._design.n:
            return self._design.next()
        if not self._models:
            return self.space.sample(self.rng)
        model = self._models[int(self.rng.integers(len(self._models)))]
        scores = model.log_scores(2.0 * self.target_quantile - 1.0)
        if self.contrast > 0:
            typical = model.log_scores(0.0)
            scores = [s - self.contrast * t for s, t in zip(scores, typical, strict=True)]
        if self.rng.random() < self.p_local:
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
        weights = np.exp(self.top_weight * quantile) if self.top_weight > 0 else None
        steps = self.n_steps
        if not self._models:
            self._models = [
                InverseModel(
                    self.space, seed=seed, hidden=self.hidden, lr=self.lr, ordinal="softmax"
                )
                for seed in np.random.SeedSequence(self.seed).generate_state(self.n_models)
            ]
            steps = self.n_init_steps
        for model in self._models:
            model.fit(x, configs, steps=steps, weights=weights)

    def _local_move(self, scores: list[npt.NDArray[np.float64]]) -> Config | None:
        """The best-scoring unevaluated one-dimension neighbour of the incumbent, if any."""
        incumbent = self._configs[int(np.argmax(self._scores))]
        candidates = [c for c in self.space.neighbours(incumbent) if c not in self._evaluated]
        if not candidates:
            return None
        values = config_score(scores, np.asarray(candidates, dtype=np.int64))
        return candidates[int(np.argmax(values))]


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
