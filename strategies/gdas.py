"""GDAS: searching by a differentiable architecture sampler (Dong & Yang, CVPR 2019).

Like DARTS, architecture weights per (edge, operation) are learned on the validation loss;
unlike it, every step samples a single operation per edge with the Gumbel-max trick and
computes only those (gradients through the straight-through Gumbel-softmax), so a step costs
about one cell's forward pass rather than five. The temperature falls from ``tau_max`` to
``tau_min`` over the epochs. Derived cell, proposals and charge as DARTS's
(`strategies._weight_sharing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strategies._options import option
from strategies._weight_sharing import SupernetOptions, WeightSharing


class Gdas(WeightSharing):
    """GDAS on the cell space's supernet; then the derived cell, stand-alone."""

    name = "gdas"
    description = "GDAS: Gumbel-sampled differentiable search (Dong & Yang 2019); weight sharing."
    algorithm = "gdas"

    # Declared like `Darts.Options` (arch_lr is last in both): moving arch_lr into a shared
    # base would put it first, reordering what `list` and the docs show.
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(SupernetOptions):
        """Options of `Gdas`; each field's ``help`` says what it does."""

        tau_max: float = option(10.0, exclusive_minimum=0, help="Gumbel temperature at first.")
        tau_min: float = option(0.1, exclusive_minimum=0, help="Gumbel temperature at the end.")
        arch_lr: float = option(
            3e-3, exclusive_minimum=0, help="Adam's step size for the architecture weights."
        )

    opts: Options

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.opts.tau_min > self.opts.tau_max:
            raise self.option_error("tau_min", f"must be at most tau_max={self.opts.tau_max:g}")
