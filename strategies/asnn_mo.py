"""ASNN-MO: the ASNN inverse model conditioned on every objective of a multi-objective search.

Builds on Hong (2025), "ASNN: Learning to Suggest Neural Architectures from Performance
Distributions", arXiv 2507.20164, which trains a network from an accuracy to an architecture
and asks it for more than the best accuracy seen (`strategies.asnn` is the faithful version).
Here the inverse model (`strategies._asnn_model.InverseModel` with one input per objective)
takes the *vector* of an evaluation's objective values - each objective min-max scaled over
the finite observations to [-1, 1], best = 1 - and outputs the architecture; it is trained on
every evaluation so far after a random initial design. Each ask takes the next member of the
observed Pareto front in turn (the extremes included) and asks the model for a point beyond
it: that member improved by a margin of the observed range in one objective drawn at random,
the others held ("as accurate but smaller", "as small but more accurate"). The most likely
config for that target that was not yet evaluated is the suggestion. On a single-objective
search the front is the best observation and the model has one input, so the strategy makes
exactly the suggestions of `asnn`. The choices (input scaling, which front member, which
objectives to improve, the margin) and their measured effect are in ``docs/asnn.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Space, hypervolume_contributions, nondominated
from strategies._base import MULTI_OBJECTIVE, Observation
from strategies._options import option
from strategies.asnn import Asnn

FloatArray = npt.NDArray[np.float64]

TARGETS = ("cycle", "random", "contribution")
IMPROVES = ("one", "all")
REFERENCE = 1.2
"""Reference point of ``target=contribution``, in negated [-1, 1] inputs: 10 % of the observed
range beyond the worst observation, as the harness's reference lies 10 % beyond the nadir."""


class AsnnMo(Asnn):
    """ASNN with a vector of objectives as input, asked to improve on a Pareto-front member.

    `Asnn`'s loop (initial design, warm-started retraining, most likely unevaluated config);
    what it learns from and what it asks for are overridden. The numpy generator and the
    model's torch generator both derive from the seed.
    """

    name = "asnn-mo"
    tags = frozenset({MULTI_OBJECTIVE})
    description = "ASNN inverse model conditioned on every objective (Hong 2025), multi-objective."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(Asnn.Options):
        """Options of `AsnnMo` (`Asnn`'s and two more); each field's ``help`` says what it does."""

        margin: float = option(
            0.05,
            minimum=0.0,
            help="How far beyond the chosen front member to ask for, in each improved objective"
            " (see improve), as a fraction of that objective's observed range.",
        )
        target: str = option(
            "cycle",
            choices=TARGETS,
            help="Which front member to improve on: cycle (each in turn, ordered by the first"
            " objective), random, or contribution (the largest exclusive hypervolume).",
        )
        improve: str = option(
            "one",
            choices=IMPROVES,
            help="one: ask for the margin in one objective drawn at random, the others held;"
            " all: in every objective at once.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._losses: list[FloatArray] = []
        self._n_asked = 0

    def _record(self, observation: Observation) -> None:
        """Keep every objective's loss (one on a single-objective search)."""
        self._losses.append(self.observed_losses(observation))

    def _finite(self) -> npt.NDArray[np.bool_]:
        """Which evaluations have every objective finite (diverged runs are not trained on)."""
        return np.asarray(np.isfinite(np.asarray(self._losses)).all(axis=1))

    def _normalised(self) -> FloatArray | None:
        """Finite evaluations' objectives min-max scaled to [-1, 1] (best = 1), ``(n, k)``.

        None while no evaluation is finite. An objective with a single observed value gets 1.
        """
        losses = np.asarray(self._losses, dtype=np.float64)[self._finite()]
        if len(losses) == 0:
            return None
        low, high = losses.min(axis=0), losses.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        out: FloatArray = np.where(high > low, 2.0 * (high - losses) / span - 1.0, 1.0)
        return out

    def _target(self, x: FloatArray) -> FloatArray:
        """The input to ask for: a member of the observed front moved beyond it by the margin.

        Args:
            x: The normalised observations, ``(n, k)``.
        """
        n_objectives = x.shape[1]
        # Sorted rows (by the first objective): the order `target=cycle` walks the front in.
        front = np.unique(x[nondominated(-x)], axis=0)
        if len(front) == 1:
            member = front[0]
        elif self.opts.target == "cycle":
            member = front[self._n_asked % len(front)]
        elif self.opts.target == "random":
            member = front[int(self.rng.integers(len(front)))]
        else:
            reference = np.full(n_objectives, REFERENCE)
            member = front[int(np.argmax(hypervolume_contributions(-front, reference)))]
        step = np.full(n_objectives, 2.0 * self.opts.margin)
        if self.opts.improve == "one" and n_objectives > 1:
            step = np.zeros(n_objectives)
            step[int(self.rng.integers(n_objectives))] = 2.0 * self.opts.margin
        self._n_asked += 1
        target: FloatArray = member + step
        return target
