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

import math

import numpy as np
import numpy.typing as npt

from spaces import Config, Space
from strategies._asnn_model import InverseModel, best_unexcluded, configure_torch
from strategies._base import Observation, Strategy
from strategies._design import initial_design_size
from strategies._options import check_whole_number


def check_common_options(
    space: Space,
    budget: int | None,
    *,
    n_init: int | None,
    hidden: int,
    n_steps: int,
    n_init_steps: int,
    lr: float,
) -> int:
    """Check the options shared by the ASNN variants; returns the initial design size.

    Raises:
        ValueError: One line naming the out-of-range option (the registry adds the strategy).
    """
    design_size = initial_design_size(n_init, space=space, budget=budget)
    check_whole_number("hidden", hidden)
    check_whole_number("n_steps", n_steps)
    check_whole_number("n_init_steps", n_init_steps, minimum=0)
    if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr={lr!r} must be a positive number")
    return design_size


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

    Args:
        space: The space to suggest configs from.
        seed: Seed of the numpy generator and of the model's torch generator.
        maximize: Whether larger objective values are better.
        budget: Number of evaluations of the run, or None.
        n_init: Random configs before the model is used; ``None`` means 10, capped to the
            budget and the space (see `strategies._design`); an explicit value that does not
            fit is an error.
        margin: How far above the best observed value the model is asked to suggest, as a
            fraction of the observed range (values are min-max scaled to [0, 1]); >= 0.
        hidden: Units of the model's hidden layer.
        n_steps: Adam steps of the warm-started retraining after each observation.
        n_init_steps: Adam steps of the first training, right after the initial design.
        lr: Adam learning rate.
    """

    name = "asnn"
    description = "ASNN inverse model: accuracy in, architecture out (Hong 2025)."

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        maximize: bool = True,
        budget: int | None = None,
        n_init: int | None = None,
        margin: float = 0.05,
        hidden: int = 32,
        n_steps: int = 10,
        n_init_steps: int = 200,
        lr: float = 0.01,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize, budget=budget)
        design_size = check_common_options(
            space,
            budget,
            n_init=n_init,
            hidden=hidden,
            n_steps=n_steps,
            n_init_steps=n_init_steps,
            lr=lr,
        )
        if not (isinstance(margin, int | float) and math.isfinite(margin) and margin >= 0):
            raise ValueError(f"margin={margin!r} must be a finite number >= 0")
        self.n_init = n_init
        self.margin = margin
        self.hidden = hidden
        self.n_steps = n_steps
        self.n_init_steps = n_init_steps
        self.lr = lr
        self._design = InitialDesign(space, design_size, self.rng)
        self._configs: list[Config] = []
        self._scores: list[float] = []
        self._evaluated: set[Config] = set()
        self._model: InverseModel | None = None
        # Import torch here, once per process, so that the import is not strategy overhead.
        configure_torch()

    def ask(self) -> Config:
        """An initial-design config, then the model's most likely unevaluated config."""
        if len(self._configs) < self._design.n:
            return self._design.next()
        x = self._normalised()
        if self._model is None or x is None:
            # Not one finite observation yet (all diverged): keep exploring at random.
            return self.space.sample(self.rng)
        target = 1.0 + 2.0 * self.margin
        scores = self._model.log_scores(target)
        config = best_unexcluded(scores, self._evaluated, max_pops=len(self._evaluated) + 1)
        if config is None:  # every config evaluated: repeat the most likely one
            config = tuple(int(np.argmax(s)) for s in scores)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the evaluation and retrain the model (warm start) once the design is done."""
        self._configs.append(config)
        self._scores.append(self.score(observation.value))
        self._evaluated.add(config)
        if len(self._configs) < self._design.n:
            return
        x = self._normalised()
        if x is None:
            return
        finite = np.isfinite(np.asarray(self._scores))
        configs = np.asarray(self._configs, dtype=np.int64)[finite]
        steps = self.n_steps
        if self._model is None:
            self._model = InverseModel(self.space, seed=self.seed, hidden=self.hidden, lr=self.lr)
            steps = self.n_init_steps
        self._model.fit(x, configs, steps=steps)

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
