"""One Adam step on a flat parameter tensor, shared by the strategies' small torch models.

The models keep all their parameters in one flat tensor (one optimiser state, no
``torch.optim`` object to rebuild per fit); this is Adam (Kingma & Ba 2015) with bias
correction, written out once so that every model steps the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported by the models that call this, when they first fit
    import torch

BETA1 = 0.9
BETA2 = 0.999
EPS = 1e-8


def adam_step(
    flat: torch.Tensor, m: torch.Tensor, v: torch.Tensor, *, n_steps: int, learning_rate: float
) -> None:
    """Update ``flat`` in place from ``flat.grad`` (``m``, ``v``: the moment estimates).

    Args:
        flat: The parameters, with their gradient in ``.grad``.
        m: First-moment estimate, updated in place.
        v: Second-moment estimate, updated in place.
        n_steps: This step's number, from 1 (for the bias correction).
        learning_rate: Adam's step size.
    """
    import torch

    grad = flat.grad
    assert grad is not None
    with torch.no_grad():
        m.mul_(BETA1).add_(grad, alpha=1.0 - BETA1)
        v.mul_(BETA2).addcmul_(grad, grad, value=1.0 - BETA2)
        step = learning_rate / (1.0 - BETA1**n_steps)
        denominator = (v / (1.0 - BETA2**n_steps)).sqrt_().add_(EPS)
        flat.addcdiv_(m, denominator, value=-step)
