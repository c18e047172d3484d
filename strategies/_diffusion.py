"""A masked (absorbing-state) discrete diffusion model over configs, for `pg-nag`.

The model is D3PM's absorbing variant (Austin et al., "Structured Denoising Diffusion Models in
Discrete State-Spaces", NeurIPS 2021) in continuous time (as in Shi et al. 2024 and Sahoo et
al. 2024, "MD4"/"MDLM"): a config is a vector of ``n_dimensions`` categorical values, and the
forward process at time ``t`` in (0, 1] replaces each value independently, with probability
``t``, by its dimension's MASK token; at ``t = 1`` everything is masked.

- Denoiser: every dimension's token (one of its values, or its own MASK) is embedded
  (``embedding_size`` numbers per token); the embeddings of all dimensions are concatenated
  with a time embedding (``t`` and ``sin``/``cos`` of ``k pi t``, k = 1..3), and a two-layer
  ReLU MLP (``hidden`` units) maps them to logits over every dimension's values.
- Training: an expert design is drawn (by the given weights), ``t`` uniform in (0, 1], each
  dimension masked with probability ``t`` (and one random dimension always, so that every row
  teaches something); the loss is the mean cross-entropy of the masked dimensions' true values
  (MaskGIT's unweighted loss, rather than the ELBO's ``1/t`` weights, which over-weight the
  nearly unmasked rows that generation meets least).
- Sampling: all dimensions masked at ``t = 1``; ``n_steps`` reverse steps from ``t`` to
  ``s = t - 1/n_steps`` each unmask every still-masked dimension with probability
  ``(t - s) / t`` (the exact absorbing reverse step; the last one unmasks the rest), drawing
  its value from the denoiser's softmax. A per-component ``bias`` is added to the logits
  first: sampling from ``p(v) * exp(bias[v])`` is how `pg-nag`'s guidance enters.

All parameters live in one flat float32 tensor (`strategies._adam.FlatParameters`); every
random draw (initial weights, masks, batches, samples) comes from a private
`torch.Generator`; torch is imported lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from strategies._adam import FlatParameters, Layout
from strategies._asnn_model import configure_torch
from strategies._transfer import deterministic_torch

if TYPE_CHECKING:
    import torch

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_LEARNING_RATE = 0.005
"""Adam step size: a few hundred steps must fit a few thousand expert designs."""
_L2 = 1e-5
"""Weight decay on every parameter, against logits that grow without bound on few designs."""
_N_FREQUENCIES = 3
"""Sine/cosine pairs of the time embedding (plus ``t`` itself)."""
_READOUT = 32
"""Length of each dimension's query and each value's read-out vector."""


class MaskedDiffusion:
    """Absorbing-state discrete diffusion over configs: fit on designs, sample new ones.

    Args:
        sizes: Number of values of each dimension.
        seed: Seed of the private torch generator (initial weights, training, sampling).
        embedding_size: Numbers per token embedding.
        hidden: Units of each of the MLP's two hidden layers.
    """

    def __init__(
        self, sizes: Sequence[int], *, seed: int, embedding_size: int = 16, hidden: int = 128
    ) -> None:
        import torch

        # One thread, as the other strategies' models: a run is one worker process, and a
        # model this small loses far more to threads waiting on a busy machine than it gains
        # (300 steps took 0.6 s on one thread, 3-15 s on two beside another busy process).
        configure_torch()
        self.sizes = tuple(int(s) for s in sizes)
        n_dims = len(self.sizes)
        self._offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self._n_components = int(sum(self.sizes))
        self._max_size = max(self.sizes)
        self._generator = torch.Generator().manual_seed(seed)
        self._offsets_t = torch.as_tensor(self._offsets)
        # Token of dimension i's MASK: one per dimension, after all the components.
        self._mask_tokens = torch.arange(n_dims, dtype=torch.int64) + self._n_components
        self._bounds = [
            (int(o), int(o) + size) for o, size in zip(self._offsets, self.sizes, strict=True)
        ]
        n_inputs = n_dims * embedding_size + 1 + 2 * _N_FREQUENCIES
        # The read-out is factorised: each dimension gets a query of _READOUT numbers, and a
        # value's logit is its dot product with the value's own read-out vector. A full
        # hidden-to-every-value layer cost 10x more on dimensions of a thousand values.
        layout: Layout = [
            ("tokens", (self._n_components + n_dims, embedding_size), 1.0),
            ("w1", (n_inputs, hidden), math.sqrt(2.0 / n_inputs)),  # He: ReLU follows
            ("b1", (hidden,), 0.0),
            ("w2", (hidden, hidden), math.sqrt(2.0 / hidden)),
            ("b2", (hidden,), 0.0),
            ("w3", (hidden, n_dims * _READOUT), 1.0 / math.sqrt(hidden)),
            ("readout", (self._n_components, _READOUT), 1.0 / math.sqrt(_READOUT)),
            ("b3", (self._n_components,), 0.0),
        ]
        self._weights = FlatParameters(layout, self._generator)

    # -- the denoiser --------------------------------------------------------------------------
    def _params(self) -> dict[str, torch.Tensor]:
        return self._weights.views()

    def _logits(self, x: torch.Tensor, t: torch.Tensor) -> list[torch.Tensor]:
        """Per dimension, logits ``(b, size)`` of noisy configs ``x`` (-1: masked) at ``t``."""
        import torch

        p = self._params()
        b, n_dims = x.shape
        tokens = torch.where(x < 0, self._mask_tokens, x + self._offsets_t)
        embedded = p["tokens"].index_select(0, tokens.reshape(-1)).view(b, -1)
        k = torch.arange(1, _N_FREQUENCIES + 1, dtype=torch.float32) * math.pi
        angle = t.view(b, 1).float() * k
        time = torch.cat([t.view(b, 1).float(), angle.sin(), angle.cos()], dim=1)
        h = torch.relu(torch.cat([embedded, time], dim=1) @ p["w1"] + p["b1"])
        h = torch.relu(h @ p["w2"] + p["b2"])
        query = (h @ p["w3"]).view(b, n_dims, _READOUT)
        readout, bias = p["readout"], p["b3"]
        return [
            query[:, i, :] @ readout[lo:hi].T + bias[lo:hi]
            for i, (lo, hi) in enumerate(self._bounds)
        ]

    # -- training ------------------------------------------------------------------------------
    def fit(
        self, configs: npt.ArrayLike, weights: npt.ArrayLike, *, steps: int, batch: int
    ) -> None:
        """``steps`` Adam steps of masked-value prediction on ``configs`` drawn by ``weights``.

        Training continues from the current parameters and Adam state (a warm start).

        Args:
            configs: ``(n, n_dimensions)`` designs to learn (choice indices).
            weights: ``(n,)`` non-negative sampling weights of the designs.
            steps: Adam steps.
            batch: Designs drawn (with replacement) per step.
        """
        import torch

        data = torch.as_tensor(np.asarray(configs, dtype=np.int64).reshape(-1, len(self.sizes)))
        draw = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        if data.shape[0] == 0 or steps < 1:
            return
        n_dims = len(self.sizes)
        g = self._generator
        with deterministic_torch():
            for _ in range(steps):
                rows = torch.multinomial(draw, batch, replacement=True, generator=g)
                clean = data.index_select(0, rows)
                t = 1.0 - torch.rand(batch, generator=g)  # (0, 1]
                masked = torch.rand(batch, n_dims, generator=g) < t.unsqueeze(1)
                forced = torch.randint(n_dims, (batch,), generator=g)
                masked[torch.arange(batch), forced] = True
                noisy = torch.where(masked, torch.full_like(clean, -1), clean)
                self._weights.flat.grad = None
                picked = torch.stack(
                    [
                        torch.log_softmax(logits, dim=-1).gather(1, clean[:, i : i + 1])[:, 0]
                        for i, logits in enumerate(self._logits(noisy, t))
                    ],
                    dim=1,
                )
                loss = -(picked * masked).sum() / masked.sum()
                loss = loss + _L2 * self._weights.flat.square().sum()
                loss.backward()  # type: ignore[no-untyped-call]
                self._weights.step(_LEARNING_RATE)

    # -- generation ----------------------------------------------------------------------------
    def sample(
        self,
        n: int,
        *,
        n_steps: int,
        bias: npt.ArrayLike | None = None,
        temperature: float = 1.0,
    ) -> tuple[IntArray, FloatArray]:
        """``n`` configs by ``n_steps`` reverse steps from all-masked, and their log-likelihoods.

        Args:
            n: Configs to draw.
            n_steps: Reverse steps (the last one unmasks whatever is left).
            bias: Per component, added to the denoiser's logits (guidance); None for none.
            temperature: Divides the biased logits before drawing (above 1: more diverse).

        Returns:
            ``(n, n_dimensions)`` choice indices, and each config's log-likelihood under the
            biased model at temperature 1: the sum over dimensions of the log-probability of
            the value drawn, at the step it was unmasked.
        """
        import torch

        n_dims = len(self.sizes)
        shift = torch.zeros(self._n_components, dtype=torch.float64)
        if bias is not None:
            shift = torch.as_tensor(np.asarray(bias, dtype=np.float64).reshape(-1))
        g = self._generator
        x = torch.full((n, n_dims), -1, dtype=torch.int64)
        log_likelihood = torch.zeros(n, dtype=torch.float64)
        with torch.no_grad(), deterministic_torch():
            for k in range(n_steps):
                masked = x < 0
                if not bool(masked.any()):
                    break
                t = 1.0 - k / n_steps
                s = 1.0 - (k + 1) / n_steps
                # All dimensions in one (n, n_dimensions, max_size) array for one draw; the
                # slots beyond a dimension's values stay -inf (probability 0).
                logits = torch.full((n, n_dims, self._max_size), -math.inf, dtype=torch.float64)
                for i, (part, (lo, hi)) in enumerate(
                    zip(self._logits(x, torch.full((n,), t)), self._bounds, strict=True)
                ):
                    logits[:, i, : hi - lo] = part.double() + shift[lo:hi]
                probs = torch.softmax(logits / temperature, dim=-1)
                flat_probs = probs.view(-1, self._max_size)
                drawn = torch.multinomial(flat_probs, 1, generator=g).view(n, n_dims)
                reveal = masked & (torch.rand(n, n_dims, generator=g) < (t - s) / t)
                log_p = torch.log_softmax(logits, dim=-1).gather(2, drawn.unsqueeze(-1))
                log_likelihood += torch.where(reveal, log_p.squeeze(-1), 0.0).sum(dim=1)
                x = torch.where(reveal, drawn, x)
        return x.numpy().astype(np.int64), log_likelihood.numpy()


__all__ = ["MaskedDiffusion"]
