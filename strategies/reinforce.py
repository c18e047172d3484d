"""REINFORCE: the policy-gradient controller of Zoph & Le, as simplified in NAS-Bench-201.

Follows Zoph & Le, "Neural Architecture Search with Reinforcement Learning" (ICLR 2017), in the
form Dong & Yang used as a baseline in "NAS-Bench-201: Extending the Scope of Reproducible
Neural Architecture Search" (ICLR 2020). Instead of an RNN controller the policy is one
independent categorical distribution per dimension (ordinal dimensions are treated as
categories), parameterised by logits that start at zero (uniform). Each evaluated config is one
episode: its score is the reward, the baseline is an exponential moving average of the rewards
(updated before use, as in Dong & Yang's code), and the logits take one Adam step along
``(reward - baseline) * grad log p(config)``. The gradient of a categorical log-probability is
``onehot - probabilities``, so everything is a few numpy operations: no neural network is
involved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from spaces import Config, Space
from strategies._base import Observation, Strategy
from strategies._options import StrategyOptions, option
from strategies._scales import initial_logits

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8  # Adam's defaults, as in Dong & Yang's torch code


class Reinforce(Strategy):
    """Independent categorical policies per dimension, trained by REINFORCE with Adam."""

    name = "reinforce"
    description = "REINFORCE with per-dimension categorical policies (Zoph & Le 2017; NB201)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `Reinforce`; each field's ``help`` says what it does."""

        learning_rate: float = option(
            0.01, exclusive_minimum=0.0, help="Adam's step size on the logits."
        )
        baseline_momentum: float = option(
            0.9,
            minimum=0.0,
            exclusive_maximum=1.0,
            help="Momentum of the moving average of rewards used as the baseline (0: the last"
            " reward, so no update happens).",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        sizes = np.asarray(space.sizes)
        # All dimensions' logits in one flat vector; dimension j owns [starts[j], starts[j+1]).
        self._starts = np.concatenate(([0], np.cumsum(sizes)))
        # Zero logits (a uniform policy), except log-uniform on log dimensions (mlpwide's
        # 8..1024 widths), where uniform would put 90 % of the mass above 100 units.
        self._logits = np.concatenate([initial_logits(d) for d in space.dimensions])
        self._m = np.zeros_like(self._logits)
        self._v = np.zeros_like(self._logits)
        self._n_steps = 0
        # Dong & Yang's bias-corrected moving average: numerator / denominator.
        self._baseline_numerator = 0.0
        self._baseline_denominator = 0.0
        self._worst_reward = math.inf

    def _probabilities(self) -> list[np.ndarray]:
        out = []
        for a, b in zip(self._starts[:-1], self._starts[1:], strict=True):
            z = self._logits[a:b]
            e = np.exp(z - z.max())
            out.append(e / e.sum())
        return out

    def ask(self) -> Config:
        """A config drawn from the current policy (uniform at first)."""
        u = self.rng.random(len(self.space.sizes))
        config = []
        for p, uj in zip(self._probabilities(), u, strict=True):
            # Inverse-CDF draw; min() guards against the cumulative sum ending just below 1.
            config.append(min(int(np.searchsorted(np.cumsum(p), uj, side="right")), len(p) - 1))
        return tuple(config)

    def tell(self, config: Config, observation: Observation) -> None:
        """One REINFORCE step with the observed score as the reward.

        A diverged run (NaN) gets the worst reward seen so far; before any finite reward
        there is nothing to compare with, and the policy is left unchanged.
        """
        reward = self.score(observation.value)
        if math.isinf(reward):
            if math.isinf(self._worst_reward):
                return
            reward = self._worst_reward
        self._worst_reward = min(self._worst_reward, reward)

        mu = self.opts.baseline_momentum
        self._baseline_numerator = mu * self._baseline_numerator + (1.0 - mu) * reward
        self._baseline_denominator = mu * self._baseline_denominator + (1.0 - mu)
        advantage = reward - self._baseline_numerator / self._baseline_denominator

        # Gradient of the loss -advantage * log p(config): advantage * (p - onehot(config)).
        grad = np.concatenate(self._probabilities())
        grad[self._starts[:-1] + np.asarray(config)] -= 1.0
        grad *= advantage

        self._n_steps += 1
        self._m = _BETA1 * self._m + (1.0 - _BETA1) * grad
        self._v = _BETA2 * self._v + (1.0 - _BETA2) * grad * grad
        m_hat = self._m / (1.0 - _BETA1**self._n_steps)
        v_hat = self._v / (1.0 - _BETA2**self._n_steps)
        self._logits -= self.opts.learning_rate * m_hat / (np.sqrt(v_hat) + _EPS)
