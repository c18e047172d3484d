"""DARTS: differentiable architecture search (Liu, Simonyan & Yang, ICLR 2019).

A continuous relaxation of the cell: every edge computes all five operations, mixed by the
softmax of its architecture weights, which are learned by gradient descent on the validation
loss while the supernet's weights are trained on the train loss (first order by default,
``order=2`` for the paper's second-order unrolled gradient, about 3x the cost per step). The
derived cell takes each edge's most probable operation; the run then trains it stand-alone,
and further budget trains the next most probable cells (`strategies._weight_sharing`). The
search (`strategies._supernet.darts`) is charged to the run's seconds budget at its recorded
wall time. Known failure mode: on NAS-Bench-201 DARTS collapses to parameter-free operations
(skip connections); reports show the operation histogram of its derived cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from strategies._options import option
from strategies._weight_sharing import SupernetOptions, WeightSharing


class Darts(WeightSharing):
    """DARTS on the cell space's supernet; then the derived cell, stand-alone."""

    name = "darts"
    description = "DARTS: differentiable search on a supernet (Liu et al. 2019); weight sharing."
    algorithm = "darts"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(SupernetOptions):
        """Options of `Darts`; each field's ``help`` says what it does."""

        order: int = option(
            1, choices=(1, 2), help="1: first-order gradient; 2: second-order (unrolled)."
        )
        arch_lr: float = option(
            3e-3, exclusive_minimum=0, help="Adam's step size for the architecture weights."
        )

    opts: Options
