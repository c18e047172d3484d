"""NAL: architectures generated from expert designs by graph link prediction, without search.

Follows the idea of Liang et al., "Automating Neural Architecture Design without Search"
(NAL, arXiv:2204.11838, 2022): learn from high-performing architectures ("expert designs")
with a graph neural network for link prediction, then generate new architectures directly
from what it learned - no model of the target is fitted, no evaluation steers the generation.
The paper learns from NAS-Bench-101 and transfers to DARTS; here the expert designs are the
best configs of the source data sets (the same space on other data sets; never the target).

1. `Nal.learn_prior`: each source's top ``expert_fraction`` (5 %) of its recorded configs, by
   its own ranking, are the expert designs (each source weighs the same in training). A graph
   attention network (`strategies._gat.GraphAttentionGenerator`: ``layers`` (2) layers of
   ``heads`` (4) heads, ``hidden`` (32) units) over the architecture graph
   (`strategies._arch_graph`: a NAS-Bench-201 cell drawn with operations as nodes, where the
   value ``none`` is a missing node and its missing links; any other space a chain) is trained
   for ``prior_steps`` (300) Adam steps of masked slot prediction (``batch`` 128 designs per
   step): from the rest of a design, predict the links and operations of its masked slots.
2. Generation: ``n_samples`` (256) architectures at a time, each built slot by slot in
   topological order from the input, every slot drawn from the network's prediction given the
   slots already built (at ``temperature`` 1). Invalid ones (a cell with no input-to-output
   path) are dropped (``valid_only``); the distinct rest that were not evaluated wait in a
   pool, most likely under the model first, and each ``ask`` takes the next. An empty pool
   means generating more; a batch with nothing new raises the temperature by half (more
   diverse samples); five such batches in a row fall back to a uniformly random unevaluated
   config. A config is never repeated while unevaluated ones remain.
3. ``tell`` changes nothing: the method does not search, so the target's results do not
   steer it (the paper has no refinement step; the budget is spent on generating more).

Without sources (none given, none with two recorded configs, or `Nal.learn_prior` never
called) there are no expert designs:
it evaluates ``n_init`` (10) random configs, takes the better half of its observations as the
designs to learn from (a third of ``prior_steps``: they are a few dozen, not thousands), and
learns again (warm, and with an emptied pool) after every ``n_init`` further observations - a
fallback that makes it a search, stated so that its results are not read as NAL's.
`Nal.diagnostics` reports the sources read, the number of expert designs, the quality
of the generated samples (valid, unique, novel: not among the expert designs) and the
operation each slot's prediction prefers when nothing else is decided.

Simplified relative to the paper: the spaces here have a fixed set of possible links (a cell's
6 edges, or a chain), so predicting a link is predicting whether its slot holds ``none``, and
link and operation are one categorical prediction per slot rather than a link score for each
pair of nodes plus an operation classifier; the network is trained on each source's top 5 %
rather than on NAS-Bench-101's hand-picked high-accuracy cells; and many architectures are
generated and evaluated in turn, not one, since the harness compares strategies under a budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import PriorData, Space
from strategies._gat import GatShape, GraphAttentionGenerator
from strategies._generated import GeneratorOptions, GeneratorStrategy, expert_designs
from strategies._options import option

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class Nal(GeneratorStrategy):
    """Generates architectures from a GAT trained on the sources' best designs; no search."""

    name = "nal"
    description = (
        "Transfer generator: a graph attention network learns the sources' best designs and"
        " generates cells (after Liang et al. 2022)."
    )

    # `prior_steps` and `batch` look like pg-nag's but train another model (a graph attention
    # network, not a masked diffusion) with its own batch default: each generator owns them.
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(GeneratorOptions):
        """Options of `Nal` (besides the generators' own); each ``help`` says what it does."""

        hidden: int = option(32, minimum=1, help="Width of the network's node states.")
        heads: int = option(4, minimum=1, help="Attention heads per layer; must divide hidden.")
        layers: int = option(2, minimum=1, help="Graph attention layers.")
        prior_steps: int = option(
            300, minimum=0, help="Adam steps of masked link and operation prediction."
        )
        batch: int = option(128, minimum=1, help="Designs per training step.")
        temperature: float = option(
            1.0, exclusive_minimum=0.0, help="Sampling temperature of the first batch."
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        if self.opts.hidden % self.opts.heads:
            raise self.option_error(
                "heads", f"must divide hidden ({self.opts.hidden}); got {self.opts.heads}"
            )
        self._model: GraphAttentionGenerator | None = None

    def _first_temperature(self) -> float:
        return self.opts.temperature

    # -- learning ------------------------------------------------------------------------------
    def _learn_sources(self, priors: Sequence[PriorData]) -> None:
        """Train the generator on the sources' expert designs."""
        indices, weights = expert_designs(priors, self.opts.expert_fraction)
        self._fit(indices, weights, steps=self.opts.prior_steps)

    def _learn_target(self, scores: FloatArray, indices: IntArray) -> None:
        """Without sources: learn from the better half of the observations so far."""
        order = sorted(range(len(indices)), key=lambda k: (-scores[k], indices[k]))
        top = indices[order[: max(2, len(order) // 2)]]
        # A few dozen designs need far fewer steps than thousands of sources' designs; later
        # calls continue from the model as it is (warm start).
        steps = max(1, self.opts.prior_steps // 3)
        self._fit(top, np.full(len(top), 1.0 / len(top)), steps=steps)

    def _fit(self, indices: IntArray, weights: FloatArray, *, steps: int) -> None:
        """Fit the generator (made at the first call, warm after) to designs ``indices``."""
        if self._model is None:
            self._model = GraphAttentionGenerator(
                self.space,
                self._graph,
                shape=GatShape(
                    hidden=self.opts.hidden, heads=self.opts.heads, layers=self.opts.layers
                ),
                seed=self._torch_seed,
            )
        self._model.fit(self.space.configs(indices), weights, steps=steps, batch=self.opts.batch)
        self._learned(indices)

    def _sample(self, temperature: float) -> tuple[IntArray, FloatArray]:
        assert self._model is not None  # the lifecycle learns before it samples
        return self._model.sample(self.opts.n_samples, temperature=temperature)

    # -- report --------------------------------------------------------------------------------
    def diagnostics(self) -> dict[str, Any]:
        """Sources, expert designs, the samples' quality and each slot's preferred values."""
        out = self._generation()
        if self._model is not None:
            out["preference"] = {
                d.name: {
                    str(value): round(float(p), 6)
                    for value, p in zip(d.choices, probs, strict=True)
                }
                for d, probs in zip(
                    self.space.dimensions, self._model.value_probabilities(), strict=True
                )
            }
        return out
