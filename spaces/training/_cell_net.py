"""The trainable cell space's networks: NAS-Bench-201's cell in a small CNN skeleton.

One skeleton serves both uses, so that a cell trained stand-alone and the same cell inside a
weight-sharing supernet are the same network:

- `CellNetwork` is one cell (each edge one operation), trained stand-alone by the trainer;
- `Supernet` holds every operation on every edge; its ``forward`` takes a weight per
  (edge, operation), as DARTS (a softmax), GDAS (a hard one-hot sample with a
  straight-through gradient) and random search with weight sharing (a one-hot sample) need.

The skeleton (`Skeleton`): a 3x3 stem convolution to C channels, ``cells_per_stage`` cells,
a residual reduction block (stride 2, C -> 2C, as NAS-Bench-201's), ``cells_per_stage`` cells
at 2C, then batch norm, ReLU, global average pooling and a linear classifier. The operations
are NAS-Bench-201's: ``none`` (zero), ``skip_connect`` (identity), ``nor_conv_1x1`` and
``nor_conv_3x3`` (ReLU, convolution, batch norm) and ``avg_pool_3x3`` (stride 1). Node ``j``
of a cell is the sum of ``op(i -> j)(node i)`` over ``i < j``; node 3 is the cell's output.

Inside the supernet, batch norm has no affine parameters and uses batch statistics at
evaluation too (DARTS, NAS-Bench-201's weight-sharing runs): running statistics collected
under a mixture of operations would not describe any one sampled cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from spaces._nb201 import NB201_OPS

N_NODES = 4
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
"""(to, from) of the 6 edges in NAS-Bench-201's order (`spaces.NB201_EDGES`)."""


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The macro skeleton around the cells.

    Attributes:
        in_channels: Image channels (1 for grey images).
        channels: C, the channels of the first stage (the second has 2C).
        cells_per_stage: Cells in each of the two stages.
        n_classes: Classifier outputs.
    """

    in_channels: int
    channels: int
    cells_per_stage: int
    n_classes: int


def _bn(channels: int, *, search: bool) -> nn.BatchNorm2d:
    if search:
        return nn.BatchNorm2d(channels, affine=False, track_running_stats=False)
    return nn.BatchNorm2d(channels)


class _ReLUConvBN(nn.Sequential):
    def __init__(self, channels: int, kernel: int, *, search: bool) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(channels, channels, kernel, padding=kernel // 2, bias=False),
            _bn(channels, search=search),
        )


class _Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(name: str, channels: int, *, search: bool) -> nn.Module:
    """The module of operation ``name`` (one of `spaces.NB201_OPS`) at ``channels``."""
    if name == "none":
        return _Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return _ReLUConvBN(channels, 1, search=search)
    if name == "nor_conv_3x3":
        return _ReLUConvBN(channels, 3, search=search)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown operation {name!r}; known: {', '.join(NB201_OPS)}")


class _Reduction(nn.Module):
    """NAS-Bench-201's residual reduction block: stride 2, channels doubled."""

    def __init__(self, channels: int, *, search: bool) -> None:
        super().__init__()
        out = 2 * channels
        self.a = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(channels, out, 3, stride=2, padding=1, bias=False),
            _bn(out, search=search),
        )
        self.b = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(out, out, 3, padding=1, bias=False),
            _bn(out, search=search),
        )
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(2, stride=2, ceil_mode=True),
            nn.Conv2d(channels, out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.b(self.a(x)) + self.shortcut(x)
        return out


class _FixedCell(nn.Module):
    """One cell: one operation per edge; ``none`` edges are left out (they add zero)."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.live = [i for i, op in enumerate(ops) if op != "none"]
        self.ops = nn.ModuleList(make_op(ops[i], channels, search=False) for i in self.live)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, N_NODES):
            total = torch.zeros_like(x)
            for k, i in enumerate(self.live):
                to, frm = EDGES[i]
                if to == j:
                    total = total + self.ops[k](nodes[frm])
            nodes.append(total)
        return nodes[-1]


class _MixedCell(nn.Module):
    """Every operation on every edge; an edge's output is the weighted sum of its ops."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleList(make_op(op, channels, search=True) for op in NB201_OPS) for _ in EDGES
        )

    def forward(
        self, x: torch.Tensor, weights: torch.Tensor, active: Sequence[int] | None
    ) -> torch.Tensor:
        nodes = [x]
        for j in range(1, N_NODES):
            total = torch.zeros_like(x)
            for e, (to, frm) in enumerate(EDGES):
                if to != j:
                    continue
                ops: nn.ModuleList = self.edges[e]  # type: ignore[assignment]
                if active is not None:
                    # One sampled operation per edge: only it is computed (GDAS, RSWS).
                    k = active[e]
                    total = total + weights[e, k] * ops[k](nodes[frm])
                else:
                    for k, op in enumerate(ops):
                        total = total + weights[e, k] * op(nodes[frm])
            nodes.append(total)
        return nodes[-1]


class CellNetwork(nn.Module):
    """The skeleton with one fixed cell (every cell of the network is the same).

    Args:
        skeleton: The macro skeleton.
        ops: One operation name per edge, in `EDGES` order.
    """

    def __init__(self, skeleton: Skeleton, ops: Sequence[str]) -> None:
        super().__init__()
        c, n = skeleton.channels, skeleton.cells_per_stage
        self.stem = nn.Sequential(
            nn.Conv2d(skeleton.in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        )
        self.stage1 = nn.Sequential(*(_FixedCell(ops, c) for _ in range(n)))
        self.reduction = _Reduction(c, search=False)
        self.stage2 = nn.Sequential(*(_FixedCell(ops, 2 * c) for _ in range(n)))
        self.head = nn.Sequential(nn.BatchNorm2d(2 * c), nn.ReLU(inplace=False))
        self.classifier = nn.Linear(2 * c, skeleton.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch of images (N, channels, H, W)."""
        x = self.stage2(self.reduction(self.stage1(self.stem(x))))
        logits: torch.Tensor = self.classifier(self.head(x).mean(dim=(2, 3)))
        return logits


class Supernet(nn.Module):
    """The skeleton with every operation on every edge (weights shared by all cells).

    The cells of a stage have their own weights, as in DARTS; every cell uses the same
    architecture weights (a cell space: one cell repeated).

    Args:
        skeleton: The macro skeleton.
    """

    def __init__(self, skeleton: Skeleton) -> None:
        super().__init__()
        c, n = skeleton.channels, skeleton.cells_per_stage
        self.stem = nn.Sequential(
            nn.Conv2d(skeleton.in_channels, c, 3, padding=1, bias=False),
            _bn(c, search=True),
        )
        self.stage1 = nn.ModuleList(_MixedCell(c) for _ in range(n))
        self.reduction = _Reduction(c, search=True)
        self.stage2 = nn.ModuleList(_MixedCell(2 * c) for _ in range(n))
        self.head = nn.Sequential(_bn(2 * c, search=True), nn.ReLU(inplace=False))
        self.classifier = nn.Linear(2 * c, skeleton.n_classes)

    def forward(
        self,
        x: torch.Tensor,
        weights: torch.Tensor,
        active: Sequence[int] | None = None,
    ) -> torch.Tensor:
        """Logits with operation weights ``weights`` (edges x operations).

        Args:
            x: Images (N, channels, H, W).
            weights: One weight per (edge, operation), `EDGES` x `spaces.NB201_OPS`.
            active: One operation index per edge: only it is computed, scaled by its weight
                (a sampled cell); None computes every operation (a mixture).
        """
        x = self.stem(x)
        for cell in self.stage1:
            x = cell(x, weights, active)
        x = self.reduction(x)
        for cell in self.stage2:
            x = cell(x, weights, active)
        logits: torch.Tensor = self.classifier(self.head(x).mean(dim=(2, 3)))
        return logits
