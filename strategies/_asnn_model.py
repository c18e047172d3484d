"""The inverse model behind the ASNN strategies: objective values in, config distribution out.

ASNN (Hong, 2025, "ASNN: Learning to Suggest Neural Architectures from Performance
Distributions", arXiv 2507.20164) trains a network that takes an accuracy and outputs layer
sizes. `InverseModel` generalises it to any `Space`: one scalar input (the normalised
objective; `asnn-mo` gives it one per objective), one hidden layer, and per dimension either
a softmax over its choices (categorical dimensions) or a scaled-rank regression (ordinal
dimensions, e.g. layer sizes). Asked for a value, the model gives every choice of every
dimension a log-score; `best_unexcluded` then walks configs from the most to the least
likely, so a suggestion that was already evaluated gives way to the next most likely one.

torch is imported lazily: importing this module stays cheap for workers that never use it.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Container, Iterator, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from spaces import Config, Space

if TYPE_CHECKING:
    import torch

FloatArray = npt.NDArray[np.float64]

ORDINAL_WEIGHT = 10.0
"""Weight of the squared scaled-rank error against the categorical cross-entropies.

A uniform guess costs ln(k) nats on a k-way categorical dimension and 1/12 in squared error on
a rank scaled to [0, 1]; a weight of 10 puts both kinds of dimension on a similar footing.
"""


_torch_configured = False


def configure_torch() -> None:
    """Import torch on first use and keep it to one thread (one strategy per worker process)."""
    global _torch_configured
    if not _torch_configured:
        import torch

        torch.set_num_threads(1)
        _torch_configured = True


class InverseModel:
    """A small torch MLP from normalised objective values to a distribution over configs.

    By default the input is one value; with ``n_inputs=k`` it is a vector of ``k`` values (one
    per objective of a multi-objective search), and every ``x`` below gains a last axis of
    length ``k``.

    Categorical dimensions always get a softmax head. Ordinal dimensions get either a
    regression head (``ordinal="regression"``: a sigmoid output fitted to the scaled rank by
    squared error, as ASNN regresses layer sizes) or a softmax over their ranks fitted to
    kernel-smoothed targets (``ordinal="softmax"``: a true rank's neighbours get part of the
    target mass, which keeps the order information).

    Weights are drawn from a private `torch.Generator`; no global random state is read or
    written. Training keeps the Adam state between calls of `fit`, so retraining after one
    more observation is a warm start.

    Args:
        space: The space whose configs the model outputs.
        seed: Seed of the model's private torch generator (weights, minibatches).
        hidden: Units of the single hidden layer (tanh).
        lr: Adam learning rate.
        ordinal: ``"regression"`` or ``"softmax"``, how ordinal dimensions are modelled.
        smoothing: For ``ordinal="softmax"``, the kernel width in ranks of the soft targets.
        n_inputs: How many normalised values the model takes.
    """

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        hidden: int = 32,
        lr: float = 0.01,
        ordinal: Literal["regression", "softmax"] = "regression",
        smoothing: float = 0.5,
        n_inputs: int = 1,
    ) -> None:
        configure_torch()
        import torch

        if ordinal not in ("regression", "softmax"):
            raise ValueError(f"ordinal={ordinal!r} is not one of regression, softmax")
        if n_inputs < 1:
            raise ValueError(f"n_inputs={n_inputs} must be at least 1")
        self.space = space
        self.n_inputs = n_inputs
        self._generator = torch.Generator().manual_seed(int(seed))
        dims = space.dimensions
        as_softmax = ("categorical", "ordinal") if ordinal == "softmax" else ("categorical",)
        self._soft = [j for j, d in enumerate(dims) if d.kind in as_softmax]
        self._reg = [j for j, d in enumerate(dims) if j not in self._soft]
        self._soft_sizes = [dims[j].size for j in self._soft]
        self._reg_steps = np.array([max(dims[j].size - 1, 1) for j in self._reg], dtype=float)
        # Regression targets: each choice's place in [0, 1], its scaled rank, or its scaled
        # logarithm on a log dimension (mlpwide's widths), where ratios matter.
        self._positions = [dims[j].positions for j in self._reg]
        width = max(self._soft_sizes, default=1)
        self._width = width
        # Per softmax dimension, the target distribution of each choice: one-hot for
        # categorical dimensions, a Gaussian kernel over ranks for ordinal ones.
        self._targets: list[FloatArray] = []
        for j, size in zip(self._soft, self._soft_sizes, strict=True):
            table = np.zeros((size, width))
            if dims[j].kind == "categorical" or smoothing <= 0:
                table[:, :size] = np.eye(size)
            else:
                ranks = dims[j].positions * (size - 1)  # ranks; log-spaced on a log dimension
                kernel = np.exp(-0.5 * ((ranks[:, None] - ranks[None, :]) / smoothing) ** 2)
                table[:, :size] = kernel / kernel.sum(axis=1, keepdims=True)
            self._targets.append(table)
        n_out = len(self._soft) * width + len(self._reg)
        # Padding columns of narrower softmax dimensions never win.
        mask = torch.zeros(len(self._soft), width)
        for k, size in enumerate(self._soft_sizes):
            mask[k, size:] = -1e9
        self._mask = mask
        self._ragged = len(set(self._soft_sizes)) > 1

        def uniform(*shape: int, bound: float) -> torch.Tensor:
            t = torch.empty(*shape)
            torch.nn.init.uniform_(t, -bound, bound, generator=self._generator)
            return t.requires_grad_()

        # PyTorch's default Linear initialisation (bound 1/sqrt(fan_in)), drawn from the
        # private generator; with one input these are the draws the model always made.
        self._params = [
            uniform(n_inputs, hidden, bound=1.0 / math.sqrt(n_inputs)),
            uniform(1, hidden, bound=1.0 / math.sqrt(n_inputs)),
            uniform(hidden, n_out, bound=1.0 / math.sqrt(hidden)),
            uniform(1, n_out, bound=1.0 / math.sqrt(hidden)),
        ]
        self._optimizer = torch.optim.Adam(self._params, lr=lr, fused=True)
        self._sigma = np.full(len(self._reg), 0.5)

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Softmax log-probabilities ``(n, n_soft, width)`` and scaled ranks ``(n, n_reg)``.

        ``x`` has shape ``(n, n_inputs)``; few, fused ops, because at the sizes used here torch's
        per-op overhead is most of the cost.
        """
        import torch

        w1, b1, w2, b2 = self._params
        out = torch.addmm(b2, torch.tanh(torch.addmm(b1, x, w1)), w2)
        n_soft = len(self._soft) * self._width
        logits = out[:, :n_soft].reshape(len(x), len(self._soft), self._width)
        if self._ragged:
            logits = logits + self._mask
        return torch.log_softmax(logits, dim=-1), torch.sigmoid(out[:, n_soft:])

    def _inputs(self, x: FloatArray | float) -> torch.Tensor:
        """``x`` as a float32 tensor ``(n, n_inputs)``: one value per row when ``n_inputs`` is 1."""
        import torch

        arr = np.asarray(x, dtype=np.float64)
        if self.n_inputs == 1 and arr.ndim < 2:
            arr = arr.reshape(-1, 1)
        else:
            arr = arr.reshape(-1, self.n_inputs)
        return torch.as_tensor(arr, dtype=torch.float32)

    def fit(
        self,
        x: FloatArray,
        configs: npt.NDArray[np.int64],
        *,
        steps: int,
        weights: FloatArray | None = None,
        batch_size: int | None = None,
    ) -> float:
        """Train on ``(value, config)`` pairs for ``steps`` Adam steps (continuing earlier fits).

        Args:
            x: Normalised objective values, shape ``(n,)`` (or ``(n, n_inputs)``); each row is
                one evaluation.
            configs: The evaluated configs, shape ``(n, n_dimensions)``.
            steps: Gradient steps.
            weights: Optional per-sample loss weights (normalised to mean 1).
            batch_size: Minibatch size; full batch when None or not smaller than ``n``.

        Returns:
            The last step's loss.
        """
        import torch

        n = len(x)
        xt = self._inputs(x)
        soft = torch.as_tensor(
            np.stack([t[configs[:, j]] for t, j in zip(self._targets, self._soft, strict=True)], 1)
            if self._soft
            else np.zeros((n, 0, self._width)),
            dtype=torch.float32,
        )
        reg = torch.as_tensor(self._reg_targets(configs), dtype=torch.float32)
        w = None
        if weights is not None:
            w = torch.as_tensor(weights / weights.mean(), dtype=torch.float32)
        loss = torch.zeros(())
        for _ in range(steps):
            if batch_size is not None and batch_size < n:
                rows = torch.randint(n, (batch_size,), generator=self._generator)
                xb, sb, rb = xt[rows], soft[rows], reg[rows]
                wb = None if w is None else w[rows]
            else:
                xb, sb, rb, wb = xt, soft, reg, w
            logp, mu = self._forward(xb)
            per_sample = torch.zeros(len(xb))
            if self._soft:
                per_sample = -(logp * sb).sum(dim=(1, 2))
            if self._reg:
                per_sample = per_sample + ORDINAL_WEIGHT * ((mu - rb) ** 2).sum(dim=1)
            loss = per_sample.mean() if wb is None else (per_sample * wb).mean()
            self._optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            self._optimizer.step()
        if self._reg:
            # The regression outputs' residual spread sets how fast their log-scores fall
            # off around the predicted rank (a Gaussian), floored at half a rank step.
            rows_used = min(n, 4096)
            with torch.no_grad():
                _, mu = self._forward(xt[:rows_used])
            err = mu.numpy().astype(float) - self._reg_targets(configs[:rows_used])
            rmse = np.sqrt(np.mean(err**2, axis=0))
            self._sigma = np.maximum(rmse, 0.5 / self._reg_steps)
        return float(loss.item())

    def _reg_targets(self, configs: npt.NDArray[np.int64]) -> FloatArray:
        """The regression dimensions' positions of ``configs``, shape ``(n, n_reg)``."""
        if not self._reg:
            return np.zeros((len(configs), 0))
        return np.stack(
            [p[configs[:, j]] for p, j in zip(self._positions, self._reg, strict=True)], axis=1
        )

    def log_scores(self, x: float | FloatArray) -> list[FloatArray]:
        """Per dimension, the log-score of each choice for a config of normalised value ``x``.

        With several inputs ``x`` is one vector of ``n_inputs`` values.

        Softmax dimensions get their log-probabilities; regression dimensions a Gaussian
        log-density (up to a constant) around the predicted scaled rank.
        """
        import torch

        with torch.no_grad():
            xt = self._inputs(x)
            if len(xt) != 1:
                raise ValueError(f"log_scores takes one point, got {len(xt)}; see log_scores_grid")
            logp, mu = self._forward(xt)
        logp_np = logp[0].numpy().astype(float)
        mu_np = mu[0].numpy().astype(float)
        out: list[FloatArray] = [np.zeros(0)] * len(self.space.dimensions)
        for k, j in enumerate(self._soft):
            out[j] = logp_np[k, : self._soft_sizes[k]]
        for k, j in enumerate(self._reg):
            ranks = self._positions[k]
            out[j] = -0.5 * ((ranks - mu_np[k]) / self._sigma[k]) ** 2
        return out

    def log_scores_grid(self, x: FloatArray) -> list[FloatArray]:
        """Like `log_scores` for many values at once: per dimension, shape ``(len(x), size)``."""
        import torch

        with torch.no_grad():
            logp, mu = self._forward(self._inputs(x))
        logp_np = logp.numpy().astype(float)
        mu_np = mu.numpy().astype(float)
        out: list[FloatArray] = [np.zeros((len(x), 0))] * len(self.space.dimensions)
        for k, j in enumerate(self._soft):
            out[j] = logp_np[:, k, : self._soft_sizes[k]]
        for k, j in enumerate(self._reg):
            ranks = self._positions[k]
            out[j] = -0.5 * ((ranks[None, :] - mu_np[:, k : k + 1]) / self._sigma[k]) ** 2
        return out

    def most_likely(self, x: FloatArray) -> npt.NDArray[np.int64]:
        """The most likely config for each normalised value in ``x`` (batched decoding)."""
        import torch

        with torch.no_grad():
            logp, mu = self._forward(self._inputs(x))
        out = np.empty((len(x), len(self.space.dimensions)), dtype=np.int64)
        if self._soft:
            out[:, self._soft] = logp.argmax(dim=-1).numpy()
        if self._reg:
            mu_np = mu.numpy().astype(float)
            for k, j in enumerate(self._reg):
                out[:, j] = self.space.dimensions[j].nearest(mu_np[:, k])
        return out


def config_score(scores: Sequence[FloatArray], configs: npt.NDArray[np.int64]) -> FloatArray:
    """Joint log-score of each config in ``configs`` (shape ``(n, n_dimensions)``)."""
    grid = config_score_grid([s[None, :] for s in scores], configs)
    return np.asarray(grid[0], dtype=np.float64)


def config_score_grid(scores: Sequence[FloatArray], configs: npt.NDArray[np.int64]) -> FloatArray:
    """Joint log-scores for many values at once: ``scores[j]`` has shape ``(n_values, size)``.

    Returns:
        Shape ``(n_values, len(configs))``.
    """
    total = np.zeros((len(scores[0]) if scores else 1, len(configs)))
    for j, s in enumerate(scores):
        total += s[:, configs[:, j]]
    return total


def best_unexcluded(
    scores: Sequence[FloatArray], exclude: Container[Config], *, max_pops: int
) -> Config | None:
    """The highest-scoring config not in ``exclude``, enumerating configs best first.

    Args:
        scores: Per dimension, a score for each choice.
        exclude: Configs to skip (for example those already evaluated).
        max_pops: Give up after this many configs; with ``len(exclude) + 1`` the search finds
            an unexcluded config whenever one exists.

    Returns:
        The best unexcluded config, or None if none was found within ``max_pops``.
    """
    for n, config in enumerate(ranked_configs(scores)):
        if n >= max_pops:
            return None
        if config not in exclude:
            return config
    return None


def ranked_configs(scores: Sequence[FloatArray]) -> Iterator[Config]:
    """Every config in order of decreasing total score, generated lazily.

    Scores add over dimensions, so configs can be enumerated in order of total score lazily
    (k-best over a product): each position vector's parent is itself with the last advanced
    dimension stepped back, which makes the enumeration a tree that a heap walks in order.
    """
    orders = [np.argsort(-s, kind="stable") for s in scores]
    ranked = [s[o] for s, o in zip(scores, orders, strict=True)]
    n_dims = len(scores)
    start = (0,) * n_dims
    heap: list[tuple[float, tuple[int, ...], int]] = [(-float(sum(r[0] for r in ranked)), start, 0)]
    while heap:
        neg, pos, last = heapq.heappop(heap)
        yield tuple(int(orders[j][p]) for j, p in enumerate(pos))
        for j in range(last, n_dims):
            p = pos[j]
            if p + 1 < len(orders[j]):
                step = float(ranked[j][p] - ranked[j][p + 1])
                heapq.heappush(heap, (neg + step, pos[:j] + (p + 1,) + pos[j + 1 :], j))
