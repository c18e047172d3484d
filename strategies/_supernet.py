"""Weight-sharing searches on the cell space's supernet: DARTS, GDAS and RSWS, in PyTorch.

Each search is a function of (`spaces.training.SupernetTask`, options) that trains the
task's supernet and returns, as JSON values, the cells it proposes for stand-alone training
in its order of preference with the supernet's validation accuracy of each
(`SearchResult`). The harness runs a search once per (strategy, options, seed), records it
with its wall time and charges that time to the run's budget (`spaces.training.
CellObjective.supernet`); what a search does only for the report - measuring the supernet's
accuracy of cells that DARTS and GDAS rank by their architecture weights - runs inside
``task.diagnostic()`` and is not charged.

Shared by all three (the recipe of the stand-alone cells, so the supernet sees the same
data, batch size and optimiser): the supernet's weights are trained with Adam at the recipe's
learning rate on the train split, one pass per epoch; architecture weights, where there are
any, with Adam (betas 0.5/0.999, weight decay 1e-3: DARTS's settings) on batches of the
validation split. Departures from the papers, for a CPU: the recipe's Adam instead of SGD with
a cosine schedule for the weights; the recipe's epochs (12 on digits: about 200 steps)
instead of 50-250 (DARTS: about 20,000 steps); and so an architecture learning rate of
3e-3 (the ``arch_lr`` option's default), ten times the papers' 3e-4, without which the
architecture weights barely leave uniform in so few steps (every option can be set back).
Every random choice comes from the task's generators (its seed).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.func import functional_call

from spaces.training import Supernet, SupernetTask

ARCH_BETAS = (0.5, 0.999)
ARCH_WEIGHT_DECAY = 1e-3
N_EDGES = 6
N_OPS = 5
ALL_CELLS = np.array(list(itertools.product(range(N_OPS), repeat=N_EDGES)), dtype=np.int64)
"""Every cell as operation indices, in the space's row order (first edge slowest)."""

SearchResult = dict[str, Any]
"""``proposals`` (cells, best first), ``supernet_acc`` (one per proposal, percent, or None
where not measured), ``derived`` (the cell the method itself returns), ``epochs``, and for
DARTS and GDAS ``probabilities`` (softmax of the final architecture weights, edges x ops)."""


def _epochs(task: SupernetTask, epochs: int) -> int:
    return epochs or task.recipe.epochs


def _weights_optimiser(task: SupernetTask, net: Supernet) -> torch.optim.Optimizer:
    return torch.optim.Adam(
        net.parameters(),
        lr=task.recipe.learning_rate,
        weight_decay=task.recipe.weight_decay,
        foreach=False,
    )


def _alphas(task: SupernetTask) -> torch.Tensor:
    """Architecture weights, small random values (DARTS: 1e-3 x standard normal)."""
    noise = torch.randn((N_EDGES, N_OPS), generator=task.generator(0))
    return (1e-3 * noise).to(task.device).requires_grad_(True)


def _arch_optimiser(alphas: torch.Tensor, lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam(
        [alphas], lr=lr, betas=ARCH_BETAS, weight_decay=ARCH_WEIGHT_DECAY, foreach=False
    )


def _cycle(
    task: SupernetTask, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Shuffled batches of (x, y) forever (the validation split is smaller than train)."""
    while True:
        yield from task.batches(x, y, generator)


def supernet_accuracy(
    task: SupernetTask, net: Supernet, cell: Sequence[int], rows: int = 0
) -> float:
    """Validation accuracy (percent) of ``cell`` inside the supernet: one-hot weights.

    ``rows`` > 0 scores on the first that many validation images only.
    """
    x, y = task.x_val, task.y_val
    if rows:
        x, y = x[:rows], y[:rows]
    weights = F.one_hot(torch.as_tensor(list(cell)), N_OPS).float().to(task.device)
    correct = 0
    net.eval()
    with torch.no_grad():
        for first in range(0, len(x), 1024):
            logits = net(x[first : first + 1024], weights, list(cell))
            correct += int((logits.argmax(dim=1) == y[first : first + 1024]).sum())
    net.train()
    return 100.0 * correct / len(x)


def ranked_by_probability(probabilities: np.ndarray[Any, Any], n: int) -> list[list[int]]:
    """The ``n`` cells of highest probability under independent per-edge distributions."""
    log_p = np.log(np.maximum(probabilities, 1e-30))
    score = log_p[np.arange(N_EDGES), ALL_CELLS].sum(axis=1)
    order = np.argsort(-score, kind="stable")[:n]
    return [ALL_CELLS[i].tolist() for i in order]


def _diagnose(
    task: SupernetTask, net: Supernet, proposals: list[list[int]], rows: int
) -> list[float]:
    """The supernet's accuracy of each proposal, measured for the report (not charged)."""
    with task.diagnostic():
        return [supernet_accuracy(task, net, cell, rows) for cell in proposals]


def _result(
    probabilities: torch.Tensor,
    proposals: list[list[int]],
    accuracies: list[float],
    epochs: int,
    history: list[list[list[float]]],
) -> SearchResult:
    return {
        "proposals": proposals,
        "supernet_acc": accuracies,
        "derived": proposals[0],
        "epochs": epochs,
        "probabilities": probabilities.tolist(),
        "probability_history": history,
    }


def darts(
    task: SupernetTask,
    *,
    epochs: int,
    order: int,
    arch_lr: float,
    candidates: int,
    rank_rows: int,
) -> SearchResult:
    """DARTS (Liu, Simonyan & Yang, ICLR 2019) on the task's supernet.

    Each step updates the architecture weights on a validation batch - first order: the
    gradient at the current weights; second order: at one virtual weight step ahead, with the
    finite-difference Hessian-vector product of the paper (eq. 7-8; the virtual step uses the
    weights' learning rate) - then the supernet's weights on a train batch, every operation
    weighted by the softmax of its edge's architecture weights. The derived cell takes each
    edge's most probable operation (``none`` included, as NAS-Bench-201's runs do); the
    proposals follow in order of probability.
    """
    epochs = _epochs(task, epochs)
    net = task.supernet()
    w_opt = _weights_optimiser(task, net)
    alphas = _alphas(task)
    a_opt = _arch_optimiser(alphas, arch_lr)
    order_gen, val_gen = task.generator(1), task.generator(2)
    val_batches = _cycle(task, task.x_val, task.y_val, val_gen)
    xi = task.recipe.learning_rate
    history = []
    net.train()
    for _ in range(epochs):
        for xb, yb in task.batches(task.x_train, task.y_train, order_gen):
            xv, yv = next(val_batches)
            a_opt.zero_grad(set_to_none=True)
            if order == 2:
                _unrolled_gradient(net, alphas, xb, yb, xv, yv, xi)
            else:
                loss = F.cross_entropy(net(xv, F.softmax(alphas, dim=-1)), yv)
                loss.backward()  # type: ignore[no-untyped-call]
            a_opt.step()
            w_opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(xb, F.softmax(alphas.detach(), dim=-1)), yb)
            loss.backward()  # type: ignore[no-untyped-call]
            w_opt.step()
        history.append(F.softmax(alphas.detach(), dim=-1).cpu().tolist())
    probabilities = F.softmax(alphas.detach(), dim=-1).cpu()
    proposals = ranked_by_probability(probabilities.numpy(), candidates)
    accuracies = _diagnose(task, net, proposals, rank_rows)
    return _result(probabilities, proposals, accuracies, epochs, history)


def _unrolled_gradient(
    net: Supernet,
    alphas: torch.Tensor,
    xb: torch.Tensor,
    yb: torch.Tensor,
    xv: torch.Tensor,
    yv: torch.Tensor,
    xi: float,
) -> None:
    """Set ``alphas.grad`` to DARTS's second-order architecture gradient."""
    names = [n for n, _ in net.named_parameters()]
    params = [p.detach() for _, p in net.named_parameters()]

    def loss_at(
        weights: Sequence[torch.Tensor], a: torch.Tensor, x: torch.Tensor, y: torch.Tensor
    ) -> torch.Tensor:
        out = functional_call(net, dict(zip(names, weights, strict=True)), (x, F.softmax(a, -1)))
        return F.cross_entropy(out, y)

    # One virtual SGD step of the weights on the train batch: w' = w - xi * dL_train/dw.
    w = [p.clone().requires_grad_(True) for p in params]
    grads = torch.autograd.grad(loss_at(w, alphas.detach(), xb, yb), w)
    w_virtual = [
        (p - xi * g).detach().requires_grad_(True) for p, g in zip(params, grads, strict=True)
    ]
    a = alphas.detach().clone().requires_grad_(True)
    val_loss = loss_at(w_virtual, a, xv, yv)
    d_alpha, *d_w = torch.autograd.grad(val_loss, [a, *w_virtual])
    # Hessian-vector product by central differences around w (the paper's eq. 8).
    eps = 0.01 / (torch.sqrt(sum((g * g).sum() for g in d_w)) + 1e-12)  # type: ignore[arg-type]
    a_plus = alphas.detach().clone().requires_grad_(True)
    w_plus = [p + eps * g for p, g in zip(params, d_w, strict=True)]
    (g_plus,) = torch.autograd.grad(loss_at(w_plus, a_plus, xb, yb), [a_plus])
    a_minus = alphas.detach().clone().requires_grad_(True)
    w_minus = [p - eps * g for p, g in zip(params, d_w, strict=True)]
    (g_minus,) = torch.autograd.grad(loss_at(w_minus, a_minus, xb, yb), [a_minus])
    alphas.grad = d_alpha - xi * (g_plus - g_minus) / (2 * eps)


def _gumbel_hard(
    alphas: torch.Tensor, tau: float, generator: torch.Generator
) -> tuple[torch.Tensor, list[int]]:
    """GDAS's sample: one operation per edge, one-hot weights with the softmax's gradient."""
    uniform = torch.rand(alphas.shape, generator=generator).to(alphas.device)
    exponential = (-torch.log(uniform.clamp_min(1e-20))).clamp_min(1e-20)
    gumbel = -torch.log(exponential)
    soft = F.softmax((F.log_softmax(alphas, dim=-1) + gumbel) / tau, dim=-1)
    index = soft.argmax(dim=-1)
    hard = F.one_hot(index, N_OPS).to(soft.dtype)
    # Straight-through: the forward pass sees the one-hot weights, the gradient the softmax's.
    return hard - soft.detach() + soft, index.tolist()


def gdas(
    task: SupernetTask,
    *,
    epochs: int,
    tau_max: float,
    tau_min: float,
    arch_lr: float,
    candidates: int,
    rank_rows: int,
) -> SearchResult:
    """GDAS (Dong & Yang, CVPR 2019) on the task's supernet.

    Every step samples one operation per edge with the Gumbel-max trick and computes only
    those (a differentiable one-hot sample: straight-through Gumbel-softmax), updates the
    supernet's weights on a train batch and the architecture weights on a validation batch,
    each with its own sample. The temperature falls linearly from ``tau_max`` to ``tau_min``
    over the epochs (the paper: 10 to 0.1). Derived cell and proposals as DARTS's.
    """
    epochs = _epochs(task, epochs)
    net = task.supernet()
    w_opt = _weights_optimiser(task, net)
    alphas = _alphas(task)
    a_opt = _arch_optimiser(alphas, arch_lr)
    order_gen, val_gen, gumbel_gen = task.generator(1), task.generator(2), task.generator(3)
    val_batches = _cycle(task, task.x_val, task.y_val, val_gen)
    history = []
    net.train()
    for epoch in range(epochs):
        tau = tau_max - (tau_max - tau_min) * epoch / max(epochs - 1, 1)
        for xb, yb in task.batches(task.x_train, task.y_train, order_gen):
            w_opt.zero_grad(set_to_none=True)
            hard, index = _gumbel_hard(alphas.detach(), tau, gumbel_gen)
            F.cross_entropy(net(xb, hard, index), yb).backward()  # type: ignore[no-untyped-call]
            w_opt.step()
            xv, yv = next(val_batches)
            a_opt.zero_grad(set_to_none=True)
            hard, index = _gumbel_hard(alphas, tau, gumbel_gen)
            F.cross_entropy(net(xv, hard, index), yv).backward()  # type: ignore[no-untyped-call]
            a_opt.step()
        history.append(F.softmax(alphas.detach(), dim=-1).cpu().tolist())
    probabilities = F.softmax(alphas.detach(), dim=-1).cpu()
    proposals = ranked_by_probability(probabilities.numpy(), candidates)
    accuracies = _diagnose(task, net, proposals, rank_rows)
    return _result(probabilities, proposals, accuracies, epochs, history)


def rsws(task: SupernetTask, *, epochs: int, candidates: int, rank_rows: int) -> SearchResult:
    """Random search with weight sharing (Li & Talwalkar, UAI 2019) on the task's supernet.

    The supernet is trained with one uniformly sampled cell per train batch (only its
    operations computed); then ``candidates`` cells drawn uniformly are scored by their
    accuracy inside the supernet on the validation split (``rank_rows`` > 0: its first rows)
    and proposed best first. Scoring them is part of the method, so it is charged.
    """
    epochs = _epochs(task, epochs)
    net = task.supernet()
    w_opt = _weights_optimiser(task, net)
    order_gen, path_gen = task.generator(1), task.generator(3)
    ones = torch.ones((N_EDGES, N_OPS), device=task.device)
    net.train()
    for _ in range(epochs):
        for xb, yb in task.batches(task.x_train, task.y_train, order_gen):
            index = torch.randint(N_OPS, (N_EDGES,), generator=path_gen).tolist()
            w_opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(xb, ones, index), yb).backward()  # type: ignore[no-untyped-call]
            w_opt.step()
    rng = task.numpy_rng(0)
    rows = rng.choice(len(ALL_CELLS), size=min(candidates, len(ALL_CELLS)), replace=False)
    cells = [ALL_CELLS[i].tolist() for i in rows]
    accuracies = [supernet_accuracy(task, net, cell, rank_rows) for cell in cells]
    # Best first; ties keep the order drawn (a stable sort).
    best_first = sorted(range(len(cells)), key=lambda i: -accuracies[i])
    return {
        "proposals": [cells[i] for i in best_first],
        "supernet_acc": [accuracies[i] for i in best_first],
        "derived": cells[best_first[0]],
        "epochs": epochs,
    }
