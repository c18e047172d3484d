"""The deterministic trainer: MLP classifiers trained with Adam, several seeds in one pass.

A config is a tuple of hidden-layer sizes; a training seed fixes its initial weights and the
order of the train split in every epoch, each drawn from its own `torch.Generator` (the
global RNG is never used). The seeds of one config have identical shapes, so by default they
are trained together: every weight is stacked to ``(K, in, out)``, layers are batched matrix
products and Adam runs once over the stacked tensors. For the smaller configs that is most
of the cost saved (one kernel call where there would be K); the largest are bound by their
arithmetic either way.

The cache keeps one row per (config, seed), so a seed's numbers must not depend on the other
seeds it was trained with. These make that hold bit for bit (a test checks it):

- every kernel computes one model's slice of a stacked tensor from that model's slice only
  (batched matrix products, row-wise losses, reductions along a model's own rows);
- every model's slice starts on a 64-byte boundary: widths are padded with inert zeros to a
  multiple of `ALIGN` floats. MKL's batched products round differently for a matrix at
  another alignment, so without the padding a model's numbers depended on its position in
  the stack (897 of 28,800 slices over 300 random shapes differed; none with padding);
- torch runs on one thread (`CPU_THREADS`), so how a reduction is split between threads
  cannot depend on the size of the stack;
- Adam is written out of single elementwise operations, each rounded once. A fused kernel
  (``torch.optim.Adam``'s ``lerp_``, ``addcmul_``, ``addcdiv_``) may round differently in
  its vectorised body than in its scalar tail, and where a model's elements fall in the
  stacked tensor depends on K;
- on CUDA, whose libraries choose algorithms by problem size, every pass holds exactly
  ``recipe.n_seeds`` models (filler models where fewer seeds are asked for).

``batched=False`` trains one model at a time with ``nn.Linear`` and ``torch.optim.Adam``: the
textbook reference, with the same initial weights and data order, trained by the epoch loop
the cell trainer uses too (`spaces.training._loop.train_epochs`). Its numbers agree with the
stacked path up to float rounding (``tests/test_training.py`` bounds the difference).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from spaces.training._data import Dataset, Splits
from spaces.training._loop import (
    ADAM_BETAS,
    ADAM_EPS,
    TrainingRun,
    adam,
    clock,
    deterministic,
    device_name,
    generator,
    latency_ms,
    orders,
    train_epochs,
)
from spaces.training._recipe import Recipe, resolve_device

MAX_WIDTH = 4096
"""Largest hidden layer a config may have."""

ADAM_PIECE = 65_536
"""Floats per piece of a stacked Adam update (256 KB: a few such arrays fit in L2)."""

EVAL_ROWS = 2048
"""Rows evaluated per step: bounds the memory of a stacked evaluation of many models."""

ALIGN = 16
"""Stacked tensors are padded so that every model's block is a whole number of this many
floats (64 bytes): MKL's matrix products round differently at other alignments."""

_INIT_STREAM = 0
_ORDER_STREAM = 1


def train_config(
    recipe: Recipe,
    dataset: Dataset,
    hidden: tuple[int, ...],
    seeds: Sequence[int],
    *,
    batched: bool = True,
) -> list[TrainingRun]:
    """Train the MLP with hidden-layer sizes ``hidden`` once per training seed.

    Given (recipe, hidden, seed), the numbers (all but the timings) are identical on every
    run on a device type, whichever other seeds are trained in the same call.

    Args:
        recipe: How to train; ``recipe.device_type`` says where.
        dataset: The data set the recipe names.
        hidden: Hidden-layer sizes, each in ``1..MAX_WIDTH``.
        seeds: Training seeds (distinct, non-negative).
        batched: Train all seeds in one stacked pass (default), else one model at a time
            with ``nn.Linear`` and ``torch.optim.Adam`` (the reference, slower).

    Returns:
        One run per seed, in the order of ``seeds``.

    Raises:
        ValueError: A config, seed or data set that does not fit the recipe.
        DeviceError: The recipe's device is not available here.
    """
    hidden = _check(recipe, dataset, hidden, seeds)
    seeds = [int(s) for s in seeds]
    if not seeds:
        return []
    device_type = resolve_device(recipe.device_type)
    device = torch.device(device_type)
    sizes = (dataset.n_features, *hidden, dataset.n_classes)
    with deterministic(device_type):
        data = dataset.on(device)
        if batched:
            return _train_stacks(recipe, data, sizes, seeds, device)
        return [_train_single(recipe, data, sizes, seed, device) for seed in seeds]


def _check(
    recipe: Recipe, dataset: Dataset, hidden: tuple[int, ...], seeds: Sequence[int]
) -> tuple[int, ...]:
    recipe.check_data(dataset)
    if not hidden or any(
        isinstance(h, bool) or int(h) != h or not 1 <= h <= MAX_WIDTH for h in hidden
    ):
        raise ValueError(f"hidden layer sizes must be whole numbers in 1..{MAX_WIDTH}: {hidden}")
    if any(isinstance(s, bool) or int(s) != s or s < 0 for s in seeds):
        raise ValueError(f"training seeds must be non-negative integers: {list(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"training seeds must be distinct: {list(seeds)}")
    return tuple(int(h) for h in hidden)


def _initial_weights(seed: int, sizes: tuple[int, ...]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(weight (out, in), bias (out,)) per layer, as ``nn.Linear`` draws them by default.

    ``nn.Linear`` draws both from U(-1/sqrt(in), 1/sqrt(in)) (Kaiming uniform with
    a = sqrt(5)); drawn here from the seed's own generator, in a fixed order.
    """
    weights = generator(seed, _INIT_STREAM)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(n_in)
        weight = torch.rand((n_out, n_in), generator=weights) * (2 * bound) - bound
        bias = torch.rand((n_out,), generator=weights) * (2 * bound) - bound
        layers.append((weight, bias))
    return layers


def _n_params(sizes: tuple[int, ...]) -> int:
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))


# ---- stacked: K models of one config in one pass --------------------------------------------


def _padded(n: int) -> int:
    """``n`` rounded up to a whole number of `ALIGN` floats."""
    return -(-n // ALIGN) * ALIGN


def _stacked_forward(
    x: torch.Tensor, weights: list[torch.Tensor], biases: list[torch.Tensor]
) -> torch.Tensor:
    """Padded logits (K, rows, classes padded) of K models for inputs (K, rows, in padded)."""
    last = len(weights) - 1
    for i, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        x = torch.baddbmm(bias, x, weight)
        if i < last:
            x = torch.relu(x)
    return x


def _stacked_accuracy(
    x: torch.Tensor,
    y: torch.Tensor,
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    n_classes: int,
) -> list[float]:
    """Accuracy in percent of each of the K models on (x, y)."""
    n_models = weights[0].shape[0]
    correct = torch.zeros(n_models, dtype=torch.int64, device=x.device)
    for start in range(0, len(x), EVAL_ROWS):
        rows = x[start : start + EVAL_ROWS]
        logits = _stacked_forward(rows.expand(n_models, *rows.shape), weights, biases)
        hits = logits[..., :n_classes].argmax(dim=2) == y[start : start + EVAL_ROWS]
        correct += hits.sum(dim=1)
    return [100.0 * c / len(x) for c in correct.tolist()]


class _StackedAdam:
    """Adam (L2 weight decay added to the gradient, as ``torch.optim.Adam``) on stacked weights.

    Only single elementwise operations, each rounded once in any code path, so a model's
    update does not depend on where its elements sit in the stack (module docstring).
    Padding stays zero: its gradient is zero, and so are its moments and updates.

    The update runs piece by piece, a few models' slice of one tensor at a time, in place:
    every operation on a slice that fits in the core's cache before the next slice,
    instead of a dozen sweeps over stacks of megabytes.
    """

    def __init__(self, params: list[torch.Tensor], *, lr: float, weight_decay: float) -> None:
        self.params = params
        self.lr = lr
        self.weight_decay = weight_decay
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        per_model = [p[0].numel() for p in params]
        self.models_per_piece = [max(1, ADAM_PIECE // n) for n in per_model]
        self.scratch = torch.empty(
            max(n * m for n, m in zip(per_model, self.models_per_piece, strict=True)),
            device=params[0].device,
        )
        # 0-dim tensors: a Python number is wrapped into a tensor on every call, which costs
        # more than the operation itself on a small model. Same float32 value either way.
        beta1, beta2 = ADAM_BETAS
        self._beta1, self._beta2 = _scalar(beta1), _scalar(beta2)
        self._one_minus_beta1, self._one_minus_beta2 = _scalar(1 - beta1), _scalar(1 - beta2)
        self._eps, self._weight_decay = _scalar(ADAM_EPS), _scalar(weight_decay)

    @torch.no_grad()
    def step(self, grads: Sequence[torch.Tensor]) -> None:
        """One update; ``grads`` (fresh from autograd) are used as scratch space."""
        beta1, beta2 = ADAM_BETAS
        self.steps += 1
        step_size = _scalar(self.lr / (1 - beta1**self.steps))
        bias_correction2_sqrt = _scalar(math.sqrt(1 - beta2**self.steps))
        for i, grad in enumerate(grads):
            param, exp_avg, exp_avg_sq = self.params[i], self.exp_avg[i], self.exp_avg_sq[i]
            piece = self.models_per_piece[i]
            for first in range(0, len(param), piece):
                p = param[first : first + piece]
                g = grad[first : first + piece]
                m = exp_avg[first : first + piece]
                v = exp_avg_sq[first : first + piece]
                t = self.scratch[: p.numel()].view(p.shape)
                if self.weight_decay:
                    torch.mul(p, self._weight_decay, out=t)
                    g.add_(t)
                torch.mul(g, g, out=t)
                v.mul_(self._beta2).add_(t.mul_(self._one_minus_beta2))
                m.mul_(self._beta1).add_(g.mul_(self._one_minus_beta1))
                torch.sqrt(v, out=t)
                t.div_(bias_correction2_sqrt).add_(self._eps)
                torch.div(m, t, out=g)
                p.sub_(g.mul_(step_size))


def _scalar(value: float) -> torch.Tensor:
    """A float32 0-dim CPU tensor: usable as a scalar operand on any device."""
    return torch.tensor(value, dtype=torch.float32)


def _train_stacks(
    recipe: Recipe, data: Splits, sizes: tuple[int, ...], seeds: list[int], device: torch.device
) -> list[TrainingRun]:
    """Train ``seeds`` stacked: all in one pass on CPU, in stacks of ``n_seeds`` on CUDA.

    On CUDA every pass holds exactly ``recipe.n_seeds`` models (fillers where fewer seeds are
    asked for), so kernels and their launch shapes never depend on how many seeds were asked:
    GPU libraries pick algorithms by problem size. On one CPU thread, alignment was the only
    thing that mattered (module docstring), so a pass holds just the seeds asked for.
    """
    if device.type != "cuda":
        return _train_stacked(recipe, data, sizes, seeds, device, n_fillers=0)
    runs = []
    stack = recipe.n_seeds
    for first in range(0, len(seeds), stack):
        chunk = seeds[first : first + stack]
        runs += _train_stacked(recipe, data, sizes, chunk, device, n_fillers=stack - len(chunk))
    return runs


def _train_stacked(
    recipe: Recipe,
    data: Splits,
    sizes: tuple[int, ...],
    seeds: list[int],
    device: torch.device,
    *,
    n_fillers: int,
) -> list[TrainingRun]:
    # Fillers repeat the first seed; they are trained and thrown away.
    stacked_seeds = seeds + [seeds[0]] * n_fillers
    n_models = len(stacked_seeds)
    n_layers = len(sizes) - 1
    padded = tuple(_padded(n) for n in sizes)
    initial = [_initial_weights(seed, sizes) for seed in stacked_seeds]
    # Weights (K, in, out) so that x @ w needs no transpose; biases (K, 1, out) broadcast over
    # rows. Zero padding is inert: padded inputs are zero, padded units have zero weights in
    # and out (and so zero gradients), padded logits are -inf: no probability, no gradient.
    # (Masked rather than cut off: log-softmax over 16 columns is vectorised, over 10 it
    # takes ten times as long.)
    weights, biases = [], []
    for i in range(n_layers):
        weight = torch.zeros(n_models, padded[i], padded[i + 1])
        bias = torch.zeros(n_models, 1, padded[i + 1])
        for k, model in enumerate(initial):
            weight[k, : sizes[i], : sizes[i + 1]] = model[i][0].T
            bias[k, 0, : sizes[i + 1]] = model[i][1]
        weights.append(weight.to(device).requires_grad_(True))
        biases.append(bias.to(device).requires_grad_(True))
    params = [*weights, *biases]
    optimiser = _StackedAdam(params, lr=recipe.learning_rate, weight_decay=recipe.weight_decay)
    n_classes = sizes[-1]
    mask = torch.zeros(padded[-1], device=device)
    mask[n_classes:] = -math.inf
    x_train, x_val, x_test = data.x_train, data.x_val, data.x_test
    if padded[0] != sizes[0]:  # (not for 64 or 784 pixels: no copy of the data set)
        x_train, x_val, x_test = (
            F.pad(x, (0, padded[0] - sizes[0])) for x in (x_train, x_val, x_test)
        )
    n_rows = len(x_train)
    epoch_orders = [orders(seed, n_rows, recipe.epochs, _ORDER_STREAM) for seed in stacked_seeds]
    losses: list[list[float]] = [[] for _ in stacked_seeds]
    val_acc: list[list[float]] = [[] for _ in stacked_seeds]
    test_acc: list[list[float]] = [[] for _ in stacked_seeds]
    seconds: list[float] = []
    for _ in range(recipe.epochs):
        order = torch.stack([next(o) for o in epoch_orders]).to(device)
        loss_sum = torch.zeros(n_models, dtype=torch.float64, device=device)
        start = clock(device)
        for first in range(0, n_rows, recipe.batch_size):
            rows = order[:, first : first + recipe.batch_size]  # (K, B)
            n_batch = rows.shape[1]
            logits = _stacked_forward(x_train[rows], weights, biases) + mask
            loss = (
                F.cross_entropy(
                    logits.view(n_models * n_batch, padded[-1]),
                    data.y_train[rows].reshape(-1),
                    reduction="none",
                )
                .view(n_models, n_batch)
                .mean(dim=1)
            )
            # Each model's loss depends on its own weights only, so the gradient of the sum
            # is every model's own gradient.
            grads = torch.autograd.grad(loss.sum(), params)
            optimiser.step(grads)
            loss_sum += loss.detach().double() * n_batch
        seconds.append((clock(device) - start) / n_models)
        with torch.no_grad():
            for k, value in enumerate((loss_sum / n_rows).tolist()):
                losses[k].append(value)
            for split, x, y in ((val_acc, x_val, data.y_val), (test_acc, x_test, data.y_test)):
                for k, acc in enumerate(_stacked_accuracy(x, y, weights, biases, n_classes)):
                    split[k].append(acc)
    name = device_name(device)
    runs = []
    for k, seed in enumerate(seeds):
        # Latency of the model as it would be deployed: unpadded, alone.
        model = [
            (
                w[k, : sizes[i], : sizes[i + 1]].detach().contiguous(),
                b[k, 0, : sizes[i + 1]].detach().contiguous(),
            )
            for i, (w, b) in enumerate(zip(weights, biases, strict=True))
        ]
        runs.append(
            TrainingRun(
                seed=seed,
                train_loss=tuple(losses[k]),
                val_acc=tuple(val_acc[k]),
                test_acc=tuple(test_acc[k]),
                epoch_seconds=tuple(seconds),
                n_params=_n_params(sizes),
                device_name=name,
                latency_ms=latency_ms(functools.partial(_plain_forward, layers=model), data),
            )
        )
    return runs


def _plain_forward(
    x: torch.Tensor, *, layers: list[tuple[torch.Tensor, torch.Tensor]]
) -> torch.Tensor:
    for i, (weight, bias) in enumerate(layers):
        x = torch.addmm(bias, x, weight)
        if i < len(layers) - 1:
            x = torch.relu(x)
    return x


# ---- the reference: one model at a time with nn.Linear and torch.optim.Adam ------------------


def _train_single(
    recipe: Recipe, data: Splits, sizes: tuple[int, ...], seed: int, device: torch.device
) -> TrainingRun:
    layers: list[nn.Module] = []
    for i, (weight, bias) in enumerate(_initial_weights(seed, sizes)):
        # skip_init: a plain nn.Linear would draw its own initial weights from the global RNG.
        linear = nn.utils.skip_init(  # type: ignore[no-untyped-call]
            nn.Linear, weight.shape[1], weight.shape[0]
        )
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(device)
    return train_epochs(
        model,
        adam(model.parameters(), recipe),
        data,
        recipe=recipe,
        seed=seed,
        order_stream=_ORDER_STREAM,
        eval_rows=EVAL_ROWS,
    )
