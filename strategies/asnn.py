"""ASNN: suggest configs with a network that maps an accuracy to an architecture.

Follows Hong (2025), "ASNN: Learning to Suggest Neural Architectures from Performance
Distributions", arXiv 2507.20164. The paper inverts the usual predictor: a network takes an
accuracy as input and outputs the architecture's parameters; each configuration was trained
several times, so it contributes a distribution of accuracies. Used iteratively (suggest,
train the suggestion, add the result, retrain) it found configs beyond the best of its
training grid. Here, after a random initial design, the inverse model (see
`strategies._asnn_model.InverseModel`) is trained on every evaluation so far - one sample per
evaluation, so repeated evaluations of a config form its performance distribution - and asked
for a value a margin above the best observed one. The most likely config for that value that
was not yet evaluated is the suggestion. The choices the paper leaves open (network size,
loss, target rule, training schedule) are documented in ``docs/asnn.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Config, Space
from strategies._asnn_model import InverseModel, best_unexcluded, configure_torch
from strategies._base import Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._options import StrategyOptions, option


class InitialDesign:
    """Up to ``n`` distinct uniformly random configs, drawn lazily from ``rng``.

    Args:
        space: The space to draw from.
        n: How many configs; capped at the space's size.
        rng: The strategy's generator.
    """

    def __init__(self, space: Space, n: int, rng: np.random.Generator) -> None:
        self.space = space
        self.n = min(n, space.n_configs)
        self.rng = rng
        self.drawn: set[Config] = set()

    def next(self) -> Config:
        """A config not drawn before (rejection sampling; the space holds at least ``n``)."""
        while True:
            config = self.space.sample(self.rng)
            if config not in self.drawn:
                self.drawn.add(config)
                return config


class Asnn(Strategy):
    """The faithful ASNN loop: random start, then ask the inverse model for more than the best.

    The numpy generator and the model's torch generator both derive from the seed.
    """

    name = "asnn"
    description = "ASNN inverse model: accuracy in, architecture out (Hong 2025)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `Asnn`; each field's ``help`` says what it does."""

        n_init: int | None = n_init_option(
            "Random configs before the model is used; None means 10, capped to the budget and"
            " the space."
        )
        margin: float = option(
            0.05,
            minimum=0.0,
            help="How far above the best observed value to ask for, as a fraction of the"
            " observed range (values are min-max scaled to [0, 1]).",
        )
        hidden: int = option(32, minimum=1, help="Units of the model's hidden layer.")
        n_steps: int = option(
            10, minimum=1, help="Adam steps of the warm-started retraining per observation."
        )
        n_init_steps: int = option(
            200, minimum=0, help="Adam steps of the first training, after the initial design."
        )
        lr: float = option(0.01, exclusive_minimum=0.0, help="Adam learning rate.")

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        design_size = initial_design_size(self, self.opts.n_init)
        self._design = InitialDesign(space, design_size, self.rng)
        self._configs: list[Config] = []
        self._scores: list[float] = []
        self._evaluated: set[Config] = set()
        self._model: InverseModel | None = None

    @classmethod
    def warm_up(cls) -> None:
        """Import torch (one thread), so that the import is not strategy overhead."""
        configure_torch()

    def ask(self) -> Config:
        """An initial-design config, then the model's most likely unevaluated config."""
        if len(self._configs) < self._design.n:
            return self._design.next()
        x = self._normalised()
        if self._model is None or x is None:
            # Not one finite observation yet (all diverged): keep exploring at random.
            return self.space.sample(self.rng)
        scores = self._model.log_scores(self._target(x))
        config = best_unexcluded(scores, self._evaluated, max_pops=len(self._evaluated) + 1)
        if config is None:  # every config evaluated: repeat the most likely one
            config = tuple(int(np.argmax(s)) for s in scores)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the evaluation and retrain the model (warm start) once the design is done."""
        self._configs.append(config)
        self._record(observation)
        self._evaluated.add(config)
        if len(self._configs) < self._design.n:
            return
        x = self._normalised()
        if x is None:
            return
        configs = np.asarray(self._configs, dtype=np.int64)[self._finite()]
        steps = self.opts.n_steps
        if self._model is None:
            self._model = InverseModel(
                self.space,
                seed=self.seed,
                hidden=self.opts.hidden,
                lr=self.opts.lr,
                n_inputs=1 if x.ndim == 1 else x.shape[1],
            )
            steps = self.opts.n_init_steps
        self._model.fit(x, configs, steps=steps)

    # -- what a variant changes (`strategies.asnn_mo`: several objectives) -------------------
    def _record(self, observation: Observation) -> None:
        """Keep what the model will learn from: the observation's score."""
        self._scores.append(self.score(observation.value))

    def _finite(self) -> npt.NDArray[np.bool_]:
        """Which evaluations the model learns from (not the diverged ones)."""
        finite: npt.NDArray[np.bool_] = np.isfinite(np.asarray(self._scores))
        return finite

    def _target(self, x: npt.NDArray[np.float64]) -> float | npt.NDArray[np.float64]:
        """The input to ask the model for: a margin above the best (normalised) value."""
        return 1.0 + 2.0 * self.opts.margin

    def _normalised(self) -> npt.NDArray[np.float64] | None:
        """Finite scores min-max scaled to [-1, 1] (best = 1), or None if there are none."""
        s = np.asarray(self._scores, dtype=np.float64)
        s = s[np.isfinite(s)]
        if len(s) == 0:
            return None
        low, high = float(s.min()), float(s.max())
        if high == low:
            return np.ones(len(s))
        out: npt.NDArray[np.float64] = 2.0 * (s - low) / (high - low) - 1.0
        return out


# The inverse model is public here for scripts that study it (scripts/asnn_reconstruction.py).
__all__ = ["Asnn", "InverseModel", "best_unexcluded"]
