"""Training cells: the cell space's recipe, its images, and the deterministic trainer.

A cell (`spaces.training.cell_ops`: one NAS-Bench-201 operation per edge) is trained
stand-alone in the skeleton of `spaces.training._cell_net` with Adam, one training seed at a
time. A seed fixes the initial weights and the order of the train split in every epoch, each
from its own `torch.Generator` (the trainer of the MLP spaces derives them the same way); the
global RNG is never used (modules are built under `torch.random.fork_rng` and then
initialised again from the seed's generator, so the global state is left as it was). The
recipe's base, the deterministic settings and the epoch loop are the MLP trainer's
(`spaces.training._recipe.BaseRecipe`, `spaces.training._loop`).

The images are the data set's standardised pixels, reshaped to squares; a recipe may average
them down (`CellRecipe.image_size`) and train on a prefix of the train split
(`CellRecipe.train_rows`: the splits are stratified permutations, so a prefix is a random
subset), which keeps the larger data set trainable on a CPU.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from spaces._nb201 import NB201_OPS
from spaces.training._cell_net import CellNetwork, Skeleton, Supernet
from spaces.training._data import Dataset, Splits
from spaces.training._loop import (
    TrainingRun,
    adam,
    clock,
    deterministic,
    generator,
    train_epochs,
)
from spaces.training._recipe import BaseRecipe, resolve_device

CELL_TRAINER_VERSION = 1
"""Bump when the cell trainer or skeleton changes the numbers it produces."""

EVAL_BATCH = 1024
"""Images per step when evaluating (bounds memory; batch norm is in eval mode)."""

_INIT_STREAM = 2  # generator streams of a seed; 0 and 1 are the MLP trainer's
_ORDER_STREAM = 3

CELL_RECIPE_DEFAULTS: dict[str, dict[str, int | float]] = {
    # Digits (1,078 training images of 8x8): a cell of convolutions reaches about 98 %
    # validation accuracy in 12 epochs, skip/pool-only cells about 93-96 %, all-none cells
    # 10 %; one model takes 0.3-2.5 s on one CPU core.
    "digits": {
        "epochs": 12,
        "batch_size": 64,
        "learning_rate": 3e-3,
        "weight_decay": 0.0,
        "channels": 8,
        "cells_per_stage": 1,
        "image_size": 8,
        "train_rows": 0,
    },
    # Fashion-MNIST, a documented subset that a CPU trains in seconds: 14x14 images (2x2
    # averages), the first 3,000 images of the train split, validation and test accuracy on
    # the first 2,000 of theirs, 6 epochs. A convolution cell trains in about 6-10 s on one
    # core and reaches about 75 % (the full data at 28x28 would take minutes per cell).
    "fashion-mnist": {
        "epochs": 6,
        "batch_size": 128,
        "learning_rate": 3e-3,
        "weight_decay": 0.0,
        "channels": 8,
        "cells_per_stage": 1,
        "image_size": 14,
        "train_rows": 3_000,
        "eval_rows": 2_000,
    },
}
"""The cell space's recipe per data set (`cell_recipe_for` builds it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CellRecipe(BaseRecipe):
    """How every cell of a cell space is trained (stand-alone, and in a supernet).

    The fields of `BaseRecipe` (data set, epochs, batch size, Adam's settings, seeds,
    device, torch version, data checksum) and the skeleton's and data's own.

    Attributes:
        channels: C, the channels of the skeleton's first stage.
        cells_per_stage: Cells per stage (two stages).
        image_size: Side of the square images trained on (the data's own side, or a divisor
            of it: the pixels are averaged down).
        train_rows: Train on the first this many images of the train split (0: all).
        eval_rows: Measure validation and test accuracy on the first this many images of
            each split (0: all).
    """

    channels: int
    cells_per_stage: int
    image_size: int
    train_rows: int = 0
    eval_rows: int = 0

    _label: ClassVar[str] = "cell recipe"
    _defaults: ClassVar[Mapping[str, Mapping[str, int | float]]] = CELL_RECIPE_DEFAULTS
    _positive: ClassVar[tuple[str, ...]] = (
        "epochs",
        "batch_size",
        "n_seeds",
        "channels",
        "cells_per_stage",
    )

    def _check_more(self) -> None:
        if self.image_size < 2 or self.train_rows < 0 or self.eval_rows < 0:
            raise ValueError(
                f"cell recipe: image_size {self.image_size} must be >= 2, train_rows "
                f"{self.train_rows} and eval_rows {self.eval_rows} >= 0"
            )

    def _identity(self, values: dict[str, object]) -> None:
        if not self.eval_rows:
            # Added after the first digits caches were recorded: left out at its default, so
            # their checksums (and caches) stand.
            del values["eval_rows"]
        values["model"] = "nb201-cell"
        values["trainer_version"] = CELL_TRAINER_VERSION

    def describe(self) -> str:
        """One line for provenance and docs."""
        rows = f"first {self.train_rows} train images" if self.train_rows else "all train images"
        if self.eval_rows:
            rows += f", first {self.eval_rows} validation and test images"
        return (
            f"{self.dataset}: NB201 cell in a CNN skeleton (C={self.channels}, "
            f"{self.cells_per_stage} cell(s) per stage, 2 stages), {self.image_size}x"
            f"{self.image_size} images, {rows}, Adam lr={self.learning_rate:g} "
            f"weight_decay={self.weight_decay:g}, {self.epochs} epochs, batch "
            f"{self.batch_size}, seeds 0..{self.n_seeds - 1}, {self.device_type}, torch "
            f"{self.torch_version}, cell trainer v{CELL_TRAINER_VERSION}, data "
            f"{self.data_checksum[:12] or '?'}"
        )

    def skeleton(self, n_classes: int) -> Skeleton:
        """The skeleton this recipe trains (grey images: one input channel)."""
        return Skeleton(
            in_channels=1,
            channels=self.channels,
            cells_per_stage=self.cells_per_stage,
            n_classes=n_classes,
        )


cell_recipe_for = CellRecipe.for_dataset
"""The project's cell recipe for a data set (`BaseRecipe.for_dataset`)."""


def images_of(recipe: CellRecipe, dataset: Dataset, device: torch.device) -> Splits:
    """The splits ``recipe`` trains on, as image tensors (N, 1, side, side) on ``device``.

    Raises:
        ValueError: The data set is not the recipe's, or its pixels do not form squares
            that ``image_size`` divides.
    """
    recipe.check_data(dataset)
    side = math.isqrt(dataset.n_features)
    if side * side != dataset.n_features or side % recipe.image_size:
        raise ValueError(
            f"{dataset.name}: {dataset.n_features} pixels are not square images that "
            f"{recipe.image_size} divides"
        )

    def images(x: torch.Tensor) -> torch.Tensor:
        out = x.reshape(len(x), 1, side, side)
        if recipe.image_size != side:
            out = F.avg_pool2d(out, side // recipe.image_size)
        return out.contiguous().to(device)

    rows = recipe.train_rows or len(dataset.x_train)
    val = recipe.eval_rows or len(dataset.x_val)
    test = recipe.eval_rows or len(dataset.x_test)
    return Splits(
        x_train=images(dataset.x_train[:rows]),
        y_train=dataset.y_train[:rows].to(device),
        x_val=images(dataset.x_val[:val]),
        y_val=dataset.y_val[:val].to(device),
        x_test=images(dataset.x_test[:test]),
        y_test=dataset.y_test[:test].to(device),
    )


def initialise(module: nn.Module, generator: torch.Generator) -> None:
    """Draw every convolution's and linear layer's parameters from ``generator``.

    The same distributions as torch's defaults (Kaiming uniform with a = sqrt(5), biases
    U(+-1/sqrt(fan_in))), in the order of ``module.modules()``; batch norm keeps its ones and
    zeros.
    """
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
                if m.bias is not None:
                    fan_in = m.weight[0].numel()
                    bound = 1.0 / math.sqrt(fan_in)
                    nn.init.uniform_(m.bias, -bound, bound, generator=generator)


def build(make: type[nn.Module], *args: object, seed: int, stream: int = _INIT_STREAM) -> nn.Module:
    """``make(*args)`` with weights drawn from ``seed``'s generator, global RNG untouched."""
    with torch.random.fork_rng(devices=[]):
        # Construction draws torch's default initialisation from the global generator;
        # fork_rng restores its state afterwards, and every weight is drawn again below.
        module = make(*args)
    initialise(module, generator(seed, stream))
    return module


def cell_ops(cell: Sequence[int]) -> tuple[str, ...]:
    """The operation names of a cell given as operation indices into `spaces.NB201_OPS`."""
    return tuple(NB201_OPS[int(k)] for k in cell)


def check_cell(cell: Sequence[int]) -> tuple[int, ...]:
    """``cell`` as a tuple of 6 operation indices.

    Raises:
        ValueError: Not 6 whole numbers in ``0..4``.
    """
    if len(cell) != 6 or any(
        isinstance(k, bool) or int(k) != k or not 0 <= int(k) < len(NB201_OPS) for k in cell
    ):
        raise ValueError(f"a cell is 6 operation indices in 0..{len(NB201_OPS) - 1}: {cell}")
    return tuple(int(k) for k in cell)


def train_cell(
    recipe: CellRecipe, dataset: Dataset, cell: Sequence[int], seeds: Sequence[int]
) -> list[TrainingRun]:
    """Train ``cell`` stand-alone once per training seed.

    Given (recipe, cell, seed) the numbers (all but the timings) are identical on every run on
    a device type.

    Args:
        recipe: How to train; ``recipe.device_type`` says where.
        dataset: The data set the recipe names.
        cell: 6 operation indices (edge order of `spaces.NB201_EDGES`).
        seeds: Training seeds (distinct, non-negative).

    Returns:
        One run per seed, in the order of ``seeds``.

    Raises:
        ValueError: A cell, seed or data set that does not fit the recipe.
        DeviceError: The recipe's device is not available here.
    """
    ops = cell_ops(check_cell(cell))
    seeds = [int(s) for s in seeds]
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"training seeds must be distinct non-negative integers: {seeds}")
    device_type = resolve_device(recipe.device_type)
    device = torch.device(device_type)
    with deterministic(device_type):
        images = images_of(recipe, dataset, device)
        skeleton = recipe.skeleton(dataset.n_classes)
        return [_train_one(recipe, images, skeleton, ops, seed, device) for seed in seeds]


def _train_one(
    recipe: CellRecipe,
    images: Splits,
    skeleton: Skeleton,
    ops: tuple[str, ...],
    seed: int,
    device: torch.device,
) -> TrainingRun:
    model = build(CellNetwork, skeleton, ops, seed=seed).to(device)
    return train_epochs(
        model,
        adam(model.parameters(), recipe, foreach=False),
        images,
        recipe=recipe,
        seed=seed,
        order_stream=_ORDER_STREAM,
        eval_rows=EVAL_BATCH,
    )


@dataclass
class SupernetTask:
    """What a weight-sharing search gets: the supernet, the data and the recipe's settings.

    Built by `spaces.training.CellObjective.supernet` for one search; the search trains the
    supernet's weights on the train split and may use the validation split (architecture
    updates, ranking cells), never the test split or any stand-alone result.

    Attributes:
        recipe: The cell space's recipe (batch size, learning rate, epochs...).
        seed: The run's seed: every generator of the search derives from it.
        x_train: Training images (N, 1, side, side) on the device.
        y_train: Their labels.
        x_val: Validation images.
        y_val: Their labels.
        skeleton: The skeleton the supernet is built on.
        device: Where to compute.
        ops: The operation names, in index order (`spaces.NB201_OPS`).
    """

    recipe: CellRecipe
    seed: int
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    skeleton: Skeleton
    device: torch.device
    ops: tuple[str, ...] = NB201_OPS
    diagnostic_seconds: float = 0.0
    """Seconds spent inside `diagnostic` blocks: recorded, not charged to the budget."""

    def generator(self, stream: int) -> torch.Generator:
        """A CPU generator of this search's ``stream`` (0, 1, ...)."""
        return generator(self.seed, 100 + stream)

    def numpy_rng(self, stream: int) -> np.random.Generator:
        """A numpy generator of this search's ``stream`` (independent of `generator`)."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, 200 + stream]))

    def supernet(self) -> Supernet:
        """A freshly initialised supernet on the device (weights drawn from the seed)."""
        net = build(Supernet, self.skeleton, seed=self.seed, stream=300)
        assert isinstance(net, Supernet)
        return net.to(self.device)

    def batches(
        self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of shuffled batches of ``recipe.batch_size`` from (x, y)."""
        order = torch.randperm(len(x), generator=generator).to(x.device)
        for first in range(0, len(x), self.recipe.batch_size):
            rows = order[first : first + self.recipe.batch_size]
            yield x[rows], y[rows]

    def diagnostic(self) -> _Stopwatch:
        """A ``with`` block whose time is recorded apart and not charged (ranking checks)."""
        return _Stopwatch(self)


class _Stopwatch:
    def __init__(self, task: SupernetTask) -> None:
        self.task = task
        self.start = 0.0

    def __enter__(self) -> None:
        self.start = clock(self.task.device)

    def __exit__(self, *exc: object) -> None:
        self.task.diagnostic_seconds += clock(self.task.device) - self.start


def supernet_task(recipe: CellRecipe, dataset: Dataset, seed: int) -> SupernetTask:
    """The task of one weight-sharing search with ``seed`` on ``recipe``'s data."""
    device = torch.device(resolve_device(recipe.device_type))
    images = images_of(recipe, dataset, device)
    return SupernetTask(
        recipe=recipe,
        seed=int(seed),
        x_train=images.x_train,
        y_train=images.y_train,
        x_val=images.x_val,
        y_val=images.y_val,
        skeleton=recipe.skeleton(dataset.n_classes),
        device=device,
    )


def timed(device_type: str) -> float:
    """The clock the supernet charge is measured with (after queued device work)."""
    return clock(torch.device(device_type))
