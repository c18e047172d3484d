"""AutoBuild-style transfer: learn which components and blocks matter, build from the best.

Follows the idea of Mills et al., "Building Optimal Neural Architectures using Interpretable
Knowledge" (AutoBuild, CVPR 2024, arXiv:2403.13293): learn embeddings of architecture
components whose scores are aligned with performance by a ranking loss, read interpretable
importances off them, then assemble architectures from the most important components and
search the space pruned to them.

The model (`strategies._transfer.ComponentModel`): a component is one value of one dimension;
each has a learnable unary score and an embedding of ``embedding_size`` (4) numbers, and a
*block* (two components of two dimensions) scores the dot product of their embeddings.
``score(config)`` is the sum of its components' unary scores and of its blocks' scores (a
second-order factorisation machine). It is trained by a pairwise logistic (BPR) ranking loss:
pairs of configs of the same data set, each pair weighted by the gap between their normalised
ranks within that data set (so near-ties, mostly noise, count little).

1. `AutoBuild.learn_prior`: every source's recorded values become ranks in [0, 1] within the
   source; ``prior_steps`` (300) Adam steps, each on 1,024 random pairs per source.
2. Every ``tell`` adds the observation to the target's group and takes ``tell_steps`` (5) more
   Adam steps: 256 random pairs per source plus the target's pairs (all of them up to 64
   observations, else 2,048 random ones), the target's loss weighted ``target_weight`` (10)
   times the sources' together. The Adam state carries over (warm start).
3. Every ``ask``: a component's importance is its main effect under the model (its mean score
   with the other dimensions drawn uniformly, minus the dimension's mean: the unary score plus
   what its embedding adds on average). Each dimension is pruned to its ``keep`` most important
   values (default half, rounded up, at least 2). The suggestion is the best-scored unevaluated
   config of the pruned space, or with probability ``epsilon`` (0.1) a uniformly random one.
   Spaces of at most 200,000 configs are scored whole; larger ones score ``n_candidates``
   configs: half drawn uniformly from the pruned space, half the best observed configs with one
   dimension changed to a kept value. Once the pruned space is exhausted, the best-scored
   unevaluated config of the whole space; a config is never repeated while unevaluated ones
   remain.

Without sources (none given, or `AutoBuild.learn_prior` never called) it first evaluates
``n_init`` random configs (10) and learns from the target alone; at the end of that design the
model takes ``prior_steps`` steps on it at once, as it would on sources, then goes on as above.
`AutoBuild.diagnostics` reports the importances, the 10 blocks of largest joint effect (a
block's joint effect: its mean score with the other dimensions drawn uniformly, minus the
overall mean) and the sources read.

Simplified relative to the paper: no graph neural network over the architecture graph and no
feature-embedding module; a component is a (dimension, value) pair whose unary score and
embedding are free parameters, not the magnitude of a node or subgraph embedding computed by
message passing; blocks are pairs of components only (the paper ranks subgraphs at several hop
levels, i.e. longer operation sequences); the ranking loss is a pairwise logistic loss on
sampled pairs rather than the paper's differentiable ranking loss on embedding magnitudes;
importances are re-read from the current model at every suggestion; and the labelled
architectures come from other data sets, then from the target's own evaluations (weighted
more), not from the target task alone, since here AutoBuild serves as a transfer strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Config, PriorData, Space
from spaces.diagnostics import BLOCKS, IMPORTANCE, SOURCES, ImportanceTable, ScoredBlock
from strategies._base import PRIOR, Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._generated import random_unseen
from strategies._options import StrategyOptions, option
from strategies._transfer import (
    ComponentModel,
    RankGroup,
    check_priors,
    keep_size,
    normalised_ranks,
    source_ranks,
)

IntArray = npt.NDArray[np.int64]

MAX_SCORED_SPACE = 200_000
"""Spaces up to this size are scored whole at every suggestion; larger ones by candidates."""
_PRIOR_PAIRS = 1024
"""Pairs drawn per source and step in `AutoBuild.learn_prior`."""
_TELL_PAIRS = 256
"""Pairs drawn per source and step while fine-tuning: the sources then only anchor the model."""
_TARGET_PAIRS = 2048
"""Pairs drawn per step from the target's observations once they have more than that."""
_N_PARENTS = 5
"""Best observed configs that candidate mutations start from (large spaces)."""
_N_BLOCKS = 10
"""Blocks reported by `AutoBuild.diagnostics`."""


class AutoBuild(Strategy):
    """Component and block importances learned from the sources; builds from the best."""

    name = "autobuild"
    description = (
        "Transfer: learns component and block importances, searches the pruned space"
        " (after Mills et al. 2024)."
    )
    tags = frozenset({PRIOR})

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `AutoBuild`; each field's ``help`` says what it does."""

        n_init: int | None = n_init_option(
            "Random configs evaluated first when there are no sources; None means 10, capped"
            " to the budget and the space."
        )
        keep: int | None = option(
            None,
            minimum=1,
            help="Values kept per dimension, the most important first; None means half of"
            " each dimension's values, rounded up, at least 2.",
        )
        epsilon: float = option(
            0.1,
            minimum=0.0,
            maximum=1.0,
            help="Probability of a random unevaluated config of the pruned space instead of"
            " the best-scored one.",
        )
        embedding_size: int = option(
            4, minimum=1, help="Length of each component's embedding (rank of the block term)."
        )
        prior_steps: int = option(
            300, minimum=0, help="Adam steps on the sources' ranking loss in learn_prior."
        )
        tell_steps: int = option(
            5, minimum=0, help="Adam steps after each observation (sources plus target)."
        )
        target_weight: float = option(
            10.0,
            exclusive_minimum=0.0,
            help="Weight of the target's ranking loss against all sources' together.",
        )
        n_candidates: int = option(
            2000,
            minimum=1,
            help="Configs scored per suggestion on spaces of more than 200,000 configs.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._n_init = initial_design_size(self, self.opts.n_init)
        keep = self.opts.keep
        if keep is not None and keep > max(space.sizes):
            raise self.option_error(
                "keep",
                f"must be at most the largest dimension's size ({max(space.sizes)} values),"
                " which already keeps every value",
            )
        self._keep = [keep_size(size, keep) for size in space.sizes]
        self._torch_seed = int(self.rng.integers(2**62))
        self._model: ComponentModel | None = None
        self._sources: list[str] = []
        self._source_groups: list[tuple[IntArray, npt.NDArray[np.float64]]] = []
        self._components: list[IntArray] = []  # of each observation, in order
        self._scores: list[float] = []
        self._n_asked = 0
        self._whole = space.n_configs <= MAX_SCORED_SPACE
        self._all_components: IntArray | None = None  # whole spaces: every config's
        self._evaluated: npt.NDArray[np.bool_] | None = None  # whole spaces: by config index
        self._seen: set[int] = set()  # indices of evaluated configs
        self._best: list[tuple[float, int]] = []  # (score, index) of the best observed

    # -- model ---------------------------------------------------------------------------------
    def _get_model(self) -> ComponentModel:
        if self._model is None:
            self._model = ComponentModel(
                self.space, embedding_size=self.opts.embedding_size, seed=self._torch_seed
            )
        return self._model

    def learn_prior(self, priors: Sequence[PriorData]) -> None:
        """Fit the model to the sources' within-source rankings.

        Raises:
            ValueError: A source does not have one value per config of the space.
            RuntimeError: Called after the first ``ask``.
        """
        if self._n_asked:
            raise RuntimeError("autobuild: learn_prior must be called before the first ask")
        check_priors(self.space, priors)
        model = self._get_model()
        self._sources = [prior.space for prior in priors]
        self._source_groups = []
        for prior in priors:
            recorded, ranks = source_ranks(prior)  # fresh arrays: nothing of the prior is kept
            if len(recorded) >= 2:
                configs = self.space.configs(recorded)
                self._source_groups.append((model.components(configs), ranks))
        groups = [
            model.group(comps, ranks, weight=1.0 / len(self._source_groups), n_pairs=_PRIOR_PAIRS)
            for comps, ranks in self._source_groups
        ]
        model.fit(groups, steps=self.opts.prior_steps)

    def _fine_tune(self) -> None:
        model = self._get_model()
        n_sources = len(self._source_groups)
        groups: list[RankGroup] = [
            model.group(comps, ranks, weight=1.0 / n_sources, n_pairs=_TELL_PAIRS)
            for comps, ranks in self._source_groups
        ]
        target = np.asarray(self._scores)
        groups.append(
            model.group(
                np.stack(self._components),
                normalised_ranks(target),
                weight=self.opts.target_weight,
                n_pairs=_TARGET_PAIRS,
            )
        )
        steps = self.opts.tell_steps
        if not self._source_groups and len(self._scores) == self._n_init:
            # Without sources the design's end is where the model is first used: fit it to
            # the design as thoroughly as learn_prior fits sources, not by a few steps.
            steps = max(steps, self.opts.prior_steps)
        model.fit(groups, steps=steps)

    # -- ask and tell --------------------------------------------------------------------------
    def ask(self) -> Config:
        """A random config during the design, else the best of the pruned space (or explore)."""
        self._n_asked += 1
        if not self._source_groups and len(self._scores) < self._n_init:
            return self._random_unseen()
        explore = bool(self.rng.random() < self.opts.epsilon)
        model = self._get_model()
        allowed = self._allowed_values(model)
        if self._whole:
            return self._pick_whole(model, allowed, explore)
        return self._pick_candidates(model, allowed, explore)

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the observation and fine-tune the model on sources and target."""
        score = self.score(observation.value)
        index = self.space.index(config)
        self._seen.add(index)
        if self._whole:
            if self._evaluated is None:
                self._evaluated = np.zeros(self.space.n_configs, dtype=bool)
            self._evaluated[index] = True
        self._components.append(self._get_model().components(config)[0])
        self._scores.append(score)
        self._best = sorted([*self._best, (score, index)], key=lambda b: (-b[0], b[1]))
        del self._best[_N_PARENTS:]
        self._fine_tune()

    def _allowed_values(self, model: ComponentModel) -> list[npt.NDArray[np.bool_]]:
        """Per dimension, a mask of the ``keep`` values of largest main effect."""
        out = []
        for main, keep in zip(model.main_effects(), self._keep, strict=True):
            mask = np.zeros(len(main), dtype=bool)
            mask[np.argsort(-main, kind="stable")[:keep]] = True
            out.append(mask)
        return out

    def _pick_whole(
        self, model: ComponentModel, allowed: list[npt.NDArray[np.bool_]], explore: bool
    ) -> Config:
        """Best-scored (or, exploring, a random) unevaluated config, scoring the whole space."""
        n = self.space.n_configs
        if self._all_components is None:
            self._all_components = model.components(self.space.configs(np.arange(n)))
        if self._evaluated is None:
            self._evaluated = np.zeros(n, dtype=bool)
        unevaluated = ~self._evaluated
        # Components are numbered dimension by dimension, so the masks concatenated in order
        # are indexed by component.
        kept = np.concatenate(allowed)[self._all_components].all(axis=1)
        candidates = np.flatnonzero(unevaluated & kept)
        if len(candidates) == 0:
            candidates = np.flatnonzero(unevaluated)
        if len(candidates) == 0:
            return self.space.sample(self.rng)  # every config evaluated: repeats are all left
        if explore:
            return self.space.config(int(candidates[self.rng.integers(len(candidates))]))
        scores = model.scores(self._all_components[candidates])
        return self.space.config(int(candidates[int(np.argmax(scores))]))

    def _pick_candidates(
        self, model: ComponentModel, allowed: list[npt.NDArray[np.bool_]], explore: bool
    ) -> Config:
        """Best-scored (or a random) unevaluated config among candidates (large spaces)."""
        kept = [np.flatnonzero(mask) for mask in allowed]
        n_random = self.opts.n_candidates if not self._best else (self.opts.n_candidates + 1) // 2
        columns = [k[self.rng.integers(len(k), size=n_random)] for k in kept]
        drawn = np.stack(columns, axis=1).astype(np.int64)
        if self._best and self.opts.n_candidates > n_random:
            n_mutants = self.opts.n_candidates - n_random
            parents = self.space.configs([index for _, index in self._best])
            mutants = parents[self.rng.integers(len(parents), size=n_mutants)].copy()
            dims = self.rng.integers(len(kept), size=n_mutants)
            for d, k in enumerate(kept):
                rows = np.flatnonzero(dims == d)
                mutants[rows, d] = k[self.rng.integers(len(k), size=len(rows))]
            drawn = np.concatenate([drawn, mutants])
        indices = np.unique(self.space.indices(drawn))  # sorted: order-free, deterministic
        fresh = indices[[int(i) not in self._seen for i in indices]]
        if len(fresh) == 0:
            return self._random_unseen()
        if explore:
            return self.space.config(int(fresh[self.rng.integers(len(fresh))]))
        scores = model.scores(model.components(self.space.configs(fresh)))
        return self.space.config(int(fresh[int(np.argmax(scores))]))

    def _random_unseen(self) -> Config:
        """A config drawn as `Space.sample` does, not evaluated yet (any once all have been)."""
        return random_unseen(self.space, self.rng, self._seen)

    # -- report --------------------------------------------------------------------------------
    def diagnostics(self) -> dict[str, Any]:
        """Importances (main effects) per value, the top blocks, and the sources read."""
        model = self._get_model()
        dims = self.space.dimensions
        importance: ImportanceTable = {
            d.name: {
                str(value): round(float(x), 6) for value, x in zip(d.choices, main, strict=True)
            }
            for d, main in zip(dims, model.main_effects(), strict=True)
        }
        blocks = [
            ScoredBlock(
                a=f"{dims[i].name}={dims[i].choices[a]}",
                b=f"{dims[j].name}={dims[j].choices[b]}",
                score=round(score, 6),
            )
            for i, a, j, b, score in model.top_blocks(_N_BLOCKS)
        ]
        return {IMPORTANCE: importance, BLOCKS: blocks, SOURCES: list(self._sources)}
