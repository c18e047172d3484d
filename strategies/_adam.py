"""One Adam step on a flat parameter tensor, shared by the strategies' small torch models.

The models keep all their parameters in one flat tensor (one optimiser state, no
``torch.optim`` object to rebuild per fit); this is Adam (Kingma & Ba 2015) with bias
correction, written out once so that every model steps the same way. `FlatParameters` lays
named parameters out in such a tensor and keeps the Adam state that goes with it.
"""

from __future__ import annotations

import math
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


Layout = list[tuple[str, tuple[int, ...], float]]
"""A model's parameters: ``(name, shape, scale of its random initial values)`` each."""


class FlatParameters:
    """Named parameter tensors laid out in one flat float32 tensor, with Adam's state.

    Each parameter starts as standard normal values times its scale (0: zeros), drawn from
    ``generator`` in layout order, so a model's initial weights follow from its seed.

    Args:
        layout: The parameters, in order.
        generator: The model's private torch generator.
    """

    def __init__(self, layout: Layout, generator: torch.Generator) -> None:
        import torch

        self.layout = list(layout)
        parts = [
            torch.randn(shape, generator=generator, dtype=torch.float32).ravel() * scale
            for _, shape, scale in self.layout
        ]
        self.flat = torch.cat(parts).requires_grad_()
        self._m = torch.zeros_like(self.flat)
        self._v = torch.zeros_like(self.flat)
        self._n_steps = 0

    def views(self) -> dict[str, torch.Tensor]:
        """Each parameter by name, a view into `flat` (gradients flow to it)."""
        out: dict[str, torch.Tensor] = {}
        start = 0
        for name, shape, _ in self.layout:
            n = math.prod(shape)
            out[name] = self.flat[start : start + n].view(shape)
            start += n
        return out

    def step(self, learning_rate: float) -> None:
        """One `adam_step` from the gradient in ``flat.grad``."""
        self._n_steps += 1
        adam_step(self.flat, self._m, self._v, n_steps=self._n_steps, learning_rate=learning_rate)
