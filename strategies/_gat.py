"""A small graph attention network over architecture graphs, for `nal`: train, then generate.

The model (Velickovic et al., "Graph Attention Networks", ICLR 2018) reads an architecture
graph (`strategies._arch_graph.ArchitectureGraph`) whose slot nodes carry a token - the
operation or value of their dimension, or MASK when not decided yet - and predicts, for every
slot, a distribution over its dimension's values. On a NAS-Bench-201 cell a slot is an
operation node, and its value ``none`` is the absence of the node and of its links, so
predicting a slot's value predicts its links and its operation at once.

- Node features: a token embedding (the operation name on a cell, shared by all edges, so
  that what the model learns about a 3x3 convolution on one edge carries to the others; the
  (dimension, value) pair on a chain) plus a learnt embedding of the node's position.
- ``n_layers`` multi-head attention layers over each node's neighbours in both directions
  and itself (messages flow from the input and from the output), each
  ``h <- h + ELU(concat_heads(sum_v alpha_uv W h_v))`` with GAT's attention
  ``alpha_uv = softmax_v(LeakyReLU(a_src . W h_u + a_dst . W h_v))``.
- A linear read-out per slot onto its dimension's values.

Training is masked prediction: each expert design gets a random share of its slots masked
(the share uniform in (0, 1], at least one slot), and the loss is the cross-entropy of the
masked slots' true values - so the model has seen every kind of partial graph that
generation produces. Generation fills the slots one by one in topological order (input side
first), each drawn from the model's prediction given the slots decided so far.

Plain PyTorch on dense ``(n_nodes, n_nodes)`` adjacency: the graphs have at most a few dozen
nodes, for which `torch_geometric`'s sparse message passing buys nothing (measured in
docs/strategies.md) and would be one more dependency. All parameters live in one flat float
tensor (`strategies._adam.FlatParameters`); every random draw comes from a private
`torch.Generator`. torch is imported lazily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from strategies._adam import FlatParameters, Layout
from strategies._arch_graph import ArchitectureGraph
from strategies._asnn_model import configure_torch
from strategies._transfer import deterministic_torch

if TYPE_CHECKING:
    import torch

    from spaces import Space

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_LEARNING_RATE = 0.01
_L2 = 1e-5
_NEGATIVE_SLOPE = 0.2
"""LeakyReLU slope of the attention logits, GAT's value."""


@dataclass(frozen=True, slots=True)
class GatShape:
    """Sizes of a `GraphAttentionGenerator`.

    Attributes:
        hidden: Width of the node states.
        heads: Attention heads per layer (``hidden`` is split between them).
        layers: Attention layers.
    """

    hidden: int = 32
    heads: int = 4
    layers: int = 2


class GraphAttentionGenerator:
    """A GAT that predicts slot values of partial architecture graphs, and samples whole ones.

    Args:
        space: The space whose configs are generated.
        graph: Its graph view.
        shape: Layer sizes.
        seed: Seed of the private torch generator (initial weights, masks, sampling).
    """

    def __init__(
        self, space: Space, graph: ArchitectureGraph, *, shape: GatShape, seed: int
    ) -> None:
        import torch

        configure_torch()  # one thread: a model this small loses to threads on a busy machine
        if shape.hidden % shape.heads:
            raise ValueError(f"hidden={shape.hidden} is not a multiple of heads={shape.heads}")
        self.space = space
        self.graph = graph
        self.shape = shape
        self._generator = torch.Generator().manual_seed(seed)
        sizes = np.asarray(space.sizes, dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        n_components = int(sizes.sum())
        # Tokens of the slots' values; a cell shares one token per operation name.
        if graph.kind == "cell":
            names = sorted({str(c) for d in space.dimensions for c in d.choices})
            value_token = [[names.index(str(c)) for c in d.choices] for d in space.dimensions]
            n_value_tokens = len(names)
        else:
            value_token = [
                list(range(int(o), int(o) + len(d.choices)))
                for o, d in zip(self._offsets, space.dimensions, strict=True)
            ]
            n_value_tokens = n_components
        self._mask_token = n_value_tokens
        self._in_token = n_value_tokens + 1
        self._out_token = n_value_tokens + 2
        self._value_token = torch.as_tensor(
            np.concatenate([np.asarray(v, dtype=np.int64) for v in value_token])
        )
        self._offsets_t = torch.as_tensor(self._offsets)
        neighbours = graph.links | graph.links.T | np.eye(graph.n_nodes, dtype=bool)
        self._blocked = torch.as_tensor(~neighbours)
        self._sizes = [int(s) for s in sizes]
        # Logit slots outside a dimension's own values are set to -inf.
        allowed = np.zeros((graph.n_slots, n_components), dtype=bool)
        for i, (o, s) in enumerate(zip(self._offsets, sizes, strict=True)):
            allowed[i, int(o) : int(o) + int(s)] = True
        self._outside = torch.as_tensor(~allowed)

        h = shape.hidden
        layout: Layout = [
            ("tokens", (n_value_tokens + 3, h), 1.0),
            ("positions", (graph.n_nodes, h), 1.0),
        ]
        for layer in range(shape.layers):
            layout += [
                (f"w{layer}", (h, h), 1.0 / math.sqrt(h)),
                (f"src{layer}", (shape.heads, h // shape.heads), 1.0 / math.sqrt(h)),
                (f"dst{layer}", (shape.heads, h // shape.heads), 1.0 / math.sqrt(h)),
            ]
        layout += [
            ("readout", (h, n_components), 1.0 / math.sqrt(h)),
            ("bias", (n_components,), 0.0),
        ]
        self._weights = FlatParameters(layout, self._generator)

    # -- parameters ------------------------------------------------------------------------------
    def _params(self) -> dict[str, torch.Tensor]:
        return self._weights.views()

    def _tokens(self, slots: torch.Tensor) -> torch.Tensor:
        """Node tokens ``(b, n_nodes)`` of slot values ``(b, n_slots)``; -1 means masked."""
        import torch

        b = slots.shape[0]
        component = (slots.clamp(min=0) + self._offsets_t).reshape(-1)
        value = self._value_token.index_select(0, component).view(b, -1)
        value = torch.where(slots < 0, torch.full_like(value, self._mask_token), value)
        ends = torch.full((b, 1), self._in_token, dtype=torch.int64)
        return torch.cat([ends, value, torch.full_like(ends, self._out_token)], dim=1)

    def _logits(self, slots: torch.Tensor) -> torch.Tensor:
        """Per slot, logits over all components ``(b, n_slots, n_components)`` (others -inf)."""
        import torch

        p = self._params()
        heads, h = self.shape.heads, self.shape.hidden
        state = p["tokens"][self._tokens(slots)] + p["positions"]
        b, n, _ = state.shape
        for layer in range(self.shape.layers):
            wh = (state @ p[f"w{layer}"]).view(b, n, heads, h // heads)
            src = (wh * p[f"src{layer}"]).sum(-1)  # (b, n, heads)
            dst = (wh * p[f"dst{layer}"]).sum(-1)
            scores = torch.nn.functional.leaky_relu(
                src.unsqueeze(2) + dst.unsqueeze(1), _NEGATIVE_SLOPE
            )  # (b, u, v, heads)
            scores = scores.masked_fill(self._blocked.unsqueeze(0).unsqueeze(-1), -math.inf)
            alpha = torch.softmax(scores, dim=2)
            message = torch.einsum("buvk,bvkd->bukd", alpha, wh).reshape(b, n, h)
            state = state + torch.nn.functional.elu(message)
        slot_states = state[:, 1:-1, :]
        logits = slot_states @ p["readout"] + p["bias"]
        return logits.masked_fill(self._outside.unsqueeze(0), -math.inf)

    # -- training ----------------------------------------------------------------------------
    def fit(self, configs: IntArray, weights: FloatArray, *, steps: int, batch: int) -> None:
        """``steps`` Adam steps of masked prediction on ``configs`` drawn by ``weights``."""
        import torch

        data = torch.as_tensor(np.asarray(configs, dtype=np.int64))
        draw = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        n_slots = self.graph.n_slots
        target_component = data + self._offsets_t
        with deterministic_torch():
            for _ in range(steps):
                rows = torch.multinomial(draw, batch, replacement=True, generator=self._generator)
                share = 1.0 - torch.rand(batch, 1, generator=self._generator)  # (0, 1]
                masked = torch.rand(batch, n_slots, generator=self._generator) < share
                forced = torch.randint(n_slots, (batch,), generator=self._generator)
                masked[torch.arange(batch), forced] = True
                slots = torch.where(masked, torch.full_like(data[rows], -1), data[rows])
                self._weights.flat.grad = None
                logits = self._logits(slots)
                log_p = torch.log_softmax(logits, dim=-1)
                picked = log_p.gather(2, target_component[rows].unsqueeze(-1)).squeeze(-1)
                loss = -(picked * masked).sum() / masked.sum()
                loss = loss + _L2 * self._weights.flat.square().sum()
                loss.backward()  # type: ignore[no-untyped-call]
                self._weights.step(_LEARNING_RATE)

    # -- generation --------------------------------------------------------------------------
    def sample(self, n: int, *, temperature: float) -> tuple[IntArray, FloatArray]:
        """``n`` configs generated slot by slot in topological order, and their log-likelihoods.

        Returns:
            ``(n, n_slots)`` choice indices and each one's log-probability under the model
            (the sum over slots of the log-probability of the value drawn, at temperature 1).
        """
        import torch

        slots = torch.full((n, self.graph.n_slots), -1, dtype=torch.int64)
        log_likelihood = torch.zeros(n, dtype=torch.float64)
        with torch.no_grad(), deterministic_torch():
            for d in self.graph.order:
                logits = self._logits(slots)[:, d, :]
                offset, size = int(self._offsets[d]), self._sizes[d]
                own = logits[:, offset : offset + size].double()
                probs = torch.softmax(own / temperature, dim=-1)
                drawn = torch.multinomial(probs, 1, generator=self._generator).squeeze(1)
                log_likelihood += torch.log_softmax(own, dim=-1).gather(1, drawn[:, None])[:, 0]
                slots[:, d] = drawn
        return slots.numpy().astype(np.int64), log_likelihood.numpy()

    def value_probabilities(self) -> list[FloatArray]:
        """Per dimension, the model's distribution of its value with nothing else decided."""
        import torch

        with torch.no_grad():
            logits = self._logits(torch.full((1, self.graph.n_slots), -1, dtype=torch.int64))[0]
        out: list[FloatArray] = []
        for d, (offset, size) in enumerate(zip(self._offsets, self._sizes, strict=True)):
            own = logits[d, int(offset) : int(offset) + size].double()
            out.append(torch.softmax(own, dim=-1).numpy())
        return out


__all__ = ["GatShape", "GraphAttentionGenerator"]
