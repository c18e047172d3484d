"""Steady-state SMS-EMOA: one child per step, the smallest hypervolume contribution leaves.

Follows Beume, Naujoks & Emmerich, EJOR 181(3) 2007, "SMS-EMOA: Multiobjective selection
based on dominated hypervolume": a population of ``population`` members (the first
``population`` evaluations are uniform random configs); each ``ask`` mutates a parent chosen
by binary tournament, each ``tell`` adds the child, and while the population is too large
the member of the worst non-dominated front whose removal loses the least hypervolume leaves.
Its (mu + 1) steady state is exactly the harness's loop, which is why it is written here:
the best-known Python implementation, pymoo's, asks and tells a whole generation of offspring
at a time and would bring matplotlib, autograd, cma and more into the environment.

Details the paper leaves to the problem (each measured or argued in docs/strategies.md,
"Multi-objective strategies"):

- Tournament: two distinct members drawn uniformly; the one of the better front wins, and in
  the same front the one with the larger hypervolume contribution to it (ties: the first
  drawn). The paper's generation step leaves parent selection open; pymoo's SMS-EMOA also
  selects by binary tournament.
- Variation: each dimension is changed with probability 1 / (number of dimensions that have
  a choice), at least one, each change made as `Space.mutate` changes a dimension (the
  mutation of `evolution`: a uniform other choice, or a log-normal step on a `Dimension.log`
  one). There is no crossover: on these small discrete spaces a mutation of a good config is
  the whole variation, as in `evolution`. Up to `MAX_MUTATION_TRIES` mutants are drawn until
  one was never evaluated; failing that, an unevaluated random config.
- Reference point of the contributions: in every objective, the population's worst finite
  loss plus ``reference_margin`` times the population's range of finite losses (plus
  ``reference_margin`` itself where the range is 0). Scaling by the range makes the choice
  independent of units (percent against millions of parameters); a margin keeps the extreme
  members of the worst front, which would contribute nothing at the worst point itself. The
  default 0.1 is the harness's own reference (1.1 in normalised objectives, 10 % beyond the
  nadir; `spaces.MultiObjective`), so that the population keeps what the score rewards;
  ``reference_margin=1`` puts it a whole range beyond (pymoo: ten ranges beyond its
  population's nadir). Measured: docs/strategies.md.
- Non-finite losses (a diverged run: NaN) are removed before anything else, oldest first.
- On a single-objective search every front is one value: the tournament keeps the better of
  two members and the worst member leaves, a steady-state evolution without ageing.

Losses come from `Strategy.observed_losses`; fronts and contributions from `spaces`
(`spaces.pareto_ranks`, `spaces.hypervolume_contributions`, moocore inside).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Config, Space, hypervolume_contributions, pareto_ranks
from strategies._base import MULTI_OBJECTIVE, Observation, Strategy
from strategies._generated import random_unseen
from strategies._options import StrategyOptions, option

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_MUTATION_TRIES = 32
"""Mutants drawn per ask until one is unevaluated, before a random unevaluated config."""


def reference_point(losses: FloatArray, margin: float) -> FloatArray:
    """The reference point of ``losses`` (``(n, k)``): worst finite + ``margin`` x range.

    Where an objective's finite losses are all equal (or there are none) the margin is added
    in the objective's own units instead.
    """
    finite = losses[np.isfinite(losses).all(axis=1)]
    if len(finite) == 0:
        return np.full(losses.shape[1], margin)
    worst, best = finite.max(axis=0), finite.min(axis=0)
    span = worst - best
    out: FloatArray = worst + margin * np.where(span > 0, span, 1.0)
    return out


def front_contributions(losses: FloatArray, ranks: IntArray, reference: FloatArray) -> FloatArray:
    """Each row's hypervolume contribution to its own front (0 for non-finite rows)."""
    out = np.zeros(len(losses))
    if losses.shape[1] < 2:
        return out  # one objective: a front is one value, and the rank says everything
    for rank in np.unique(ranks):
        members = np.flatnonzero(ranks == rank)
        out[members] = hypervolume_contributions(losses[members], reference)
    return out


class SMSEMOA(Strategy):
    """Steady-state SMS-EMOA: tournament, mutation, least hypervolume contribution leaves."""

    name = "sms-emoa"
    tags = frozenset({MULTI_OBJECTIVE})
    description = "Steady-state SMS-EMOA: hypervolume-contribution selection (Beume et al. 2007)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `SMSEMOA`; each field's ``help`` says what it does."""

        population: int = option(
            20,
            minimum=1,
            help="Members kept (mu); also the random configs evaluated before evolving.",
        )
        reference_margin: float = option(
            0.1,
            exclusive_minimum=0.0,
            help="Reference point of the contributions: the population's worst loss plus this"
            " times its range, per objective.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._members: list[tuple[Config, FloatArray]] = []  # oldest first
        self._seen: set[int] = set()
        # One-dimension spaces, so that a dimension changes exactly as `Space.mutate` would.
        self._single = tuple(Space((d,)) for d in space.dimensions)
        self._mutable = [i for i, n in enumerate(space.sizes) if n > 1]

    @property
    def members(self) -> tuple[tuple[Config, FloatArray], ...]:
        """The population as ``(config, losses)`` pairs, oldest first (losses to minimise)."""
        return tuple((config, loss.copy()) for config, loss in self._members)

    def ask(self) -> Config:
        """A random unevaluated config until the population is full, then a mutated parent."""
        if len(self._members) < self.opts.population:
            return random_unseen(self.space, self.rng, self._seen)
        parent = self._tournament()
        for _ in range(MAX_MUTATION_TRIES):
            child = self._mutate(parent)
            if self.space.index(child) not in self._seen:
                return child
        return random_unseen(self.space, self.rng, self._seen)

    def tell(self, config: Config, observation: Observation) -> None:
        """Add the evaluated config; while over size, the least valuable member leaves."""
        self._members.append((config, self.observed_losses(observation)))
        self._seen.add(self.space.index(config))
        while len(self._members) > self.opts.population:
            del self._members[self._least_valuable()]

    def diagnostics(self) -> dict[str, Any]:
        """The final population's size and how many of it are non-dominated."""
        if not self._members:
            return {"population": 0, "front": 0}
        ranks = pareto_ranks(self._losses())
        return {"population": len(self._members), "front": int((ranks == 0).sum())}

    # -- selection -----------------------------------------------------------------------------
    def _losses(self) -> FloatArray:
        return np.stack([loss for _, loss in self._members])

    def _tournament(self) -> Config:
        """The better of two distinct members: lower front, then larger contribution."""
        n = len(self._members)
        if n == 1:
            return self._members[0][0]
        losses = self._losses()
        ranks = pareto_ranks(losses)
        contributions = front_contributions(
            losses, ranks, reference_point(losses, self.opts.reference_margin)
        )
        a, b = (int(i) for i in self.rng.choice(n, size=2, replace=False))
        key_a = (int(ranks[a]), -float(contributions[a]))
        key_b = (int(ranks[b]), -float(contributions[b]))
        return self._members[b if key_b < key_a else a][0]

    def _least_valuable(self) -> int:
        """The position of the member to remove (ties: the oldest).

        A non-finite one first; else, of the worst front, the smallest hypervolume
        contribution (on one objective: the worst loss).
        """
        losses = self._losses()
        finite = np.isfinite(losses).all(axis=1)
        if not finite.all():
            return int(np.flatnonzero(~finite)[0])
        if losses.shape[1] == 1:
            return int(np.argmax(losses[:, 0]))
        ranks = pareto_ranks(losses)
        worst = np.flatnonzero(ranks == ranks.max())
        if len(worst) == 1:
            return int(worst[0])
        reference = reference_point(losses, self.opts.reference_margin)
        contributions = hypervolume_contributions(losses[worst], reference)
        return int(worst[np.argmin(contributions)])

    # -- variation -----------------------------------------------------------------------------
    def _mutate(self, parent: Config) -> Config:
        """``parent`` with each dimension changed with probability 1/n (at least one)."""
        n = len(self._mutable)
        if n == 0:
            return parent
        chosen = self.rng.random(n) < 1.0 / n
        if not chosen.any():
            chosen[int(self.rng.integers(n))] = True
        child = list(parent)
        for i, change in zip(self._mutable, chosen.tolist(), strict=True):
            if change:
                child[i] = self._single[i].mutate((parent[i],), self.rng)[0]
        return tuple(child)
