"""Training cells: the cell space's recipe, its images, and the deterministic trainer.

A cell (`spaces.training.cell_ops`: one NAS-Bench-201 operation per edge) is trained
stand-alone in the skeleton of `spaces.training._cell_net` with Adam, one training seed at a
time. A seed fixes the initial weights and the order of the train split in every epoch, each
from its own `torch.Generator` (the trainer of the MLP spaces derives them the same way); the
global RNG is never used (modules are built under `torch.random.fork_rng` and then
initialised again from the seed's generator, so the global state is left as it was).
Deterministic kernels, IEEE float32 matmuls and one CPU thread, as for the MLPs.

The images are the data set's standardised pixels, reshaped to squares; a recipe may average
them down (`CellRecipe.image_size`) and train on a prefix of the train split
(`CellRecipe.train_rows`: the splits are stratified permutations, so a prefix is a random
subset), which keeps the larger data set trainable on a CPU.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from spaces._nb201 import NB201_OPS
from spaces.training._cell_net import CellNetwork, Skeleton, Supernet
from spaces.training._data import DATASETS, Dataset, DatasetError, load_dataset
from spaces.training._recipe import CPU_THREADS, DEVICE_TYPES, DeviceError, resolve_device
from spaces.training._trainer import (
    TrainingRun,
    _clock,
    _deterministic,
    _device_name,
    _generator,
    _latency_ms,
)

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
class CellRecipe:
    """How every cell of a cell space is trained (stand-alone, and in a supernet).

    Attributes:
        dataset: One of `DATASETS`.
        epochs: Passes over the (possibly shortened) train split.
        batch_size: Images per optimiser step.
        learning_rate: Adam's step size.
        weight_decay: Adam's L2 penalty.
        channels: C, the channels of the skeleton's first stage.
        cells_per_stage: Cells per stage (two stages).
        image_size: Side of the square images trained on (the data's own side, or a divisor
            of it: the pixels are averaged down).
        train_rows: Train on the first this many images of the train split (0: all).
        eval_rows: Measure validation and test accuracy on the first this many images of
            each split (0: all).
        n_seeds: Training seeds ``0..n_seeds - 1`` per cell.
        device_type: ``"cpu"`` or ``"cuda"``.
        torch_version: The torch version the numbers were produced with.
        data_checksum: The data set's checksum (`cell_recipe_for` fills it in).
    """

    dataset: str
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    channels: int
    cells_per_stage: int
    image_size: int
    train_rows: int = 0
    eval_rows: int = 0
    n_seeds: int = 10
    device_type: str = "cpu"
    torch_version: str = field(default_factory=lambda: str(torch.__version__))
    data_checksum: str = ""

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise DatasetError(f"unknown data set {self.dataset!r}; known: {', '.join(DATASETS)}")
        for name in ("epochs", "batch_size", "n_seeds", "channels", "cells_per_stage"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"cell recipe: {name} must be a positive integer, got {value!r}")
        if self.image_size < 2 or self.train_rows < 0 or self.eval_rows < 0:
            raise ValueError(
                f"cell recipe: image_size {self.image_size} must be >= 2, train_rows "
                f"{self.train_rows} and eval_rows {self.eval_rows} >= 0"
            )
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"cell recipe: learning_rate must be positive: {self.learning_rate}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"cell recipe: weight_decay must be >= 0: {self.weight_decay}")
        if self.device_type not in DEVICE_TYPES:
            raise DeviceError(
                f"cell recipe: device_type {self.device_type!r}; known: {', '.join(DEVICE_TYPES)}"
            )

    def as_dict(self) -> dict[str, object]:
        """Every field, plus the model family, trainer version and CPU threads."""
        values: dict[str, object] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self)
        }
        if not self.eval_rows:
            # Added after the first digits caches were recorded: left out at its default, so
            # their checksums (and caches) stand.
            del values["eval_rows"]
        values["model"] = "nb201-cell"
        values["trainer_version"] = CELL_TRAINER_VERSION
        values["cpu_threads"] = CPU_THREADS
        return values

    def checksum(self) -> str:
        """SHA-256 of the canonical JSON of `as_dict`."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

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


def cell_recipe_for(
    dataset: str, *, device: str = "cpu", data_dir: str | None = None, device_here: bool = True
) -> CellRecipe:
    """The project's cell recipe for ``dataset``, tied to the data found on this machine.

    Raises:
        DatasetError: Unknown data set, or its files are missing or malformed.
        DeviceError: ``cuda`` asked for where there is none.
    """
    if dataset not in CELL_RECIPE_DEFAULTS:
        raise DatasetError(f"unknown data set {dataset!r}; known: {', '.join(DATASETS)}")
    device_type = "cuda" if device == "cuda" and not device_here else resolve_device(device)
    d = CELL_RECIPE_DEFAULTS[dataset]
    return CellRecipe(
        dataset=dataset,
        epochs=int(d["epochs"]),
        batch_size=int(d["batch_size"]),
        learning_rate=float(d["learning_rate"]),
        weight_decay=float(d["weight_decay"]),
        channels=int(d["channels"]),
        cells_per_stage=int(d["cells_per_stage"]),
        image_size=int(d["image_size"]),
        train_rows=int(d["train_rows"]),
        eval_rows=int(d.get("eval_rows", 0)),
        device_type=device_type,
        data_checksum=load_dataset(dataset, data_dir).checksum,
    )


@dataclass(frozen=True, slots=True)
class Images:
    """A data set's splits as image tensors (N, 1, side, side) on the training device."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @classmethod
    def of(cls, recipe: CellRecipe, dataset: Dataset, device: torch.device) -> Images:
        """The images ``recipe`` trains on.

        Raises:
            ValueError: The data set is not the recipe's, or its pixels do not form squares
                that ``image_size`` divides.
        """
        if recipe.dataset != dataset.name:
            raise ValueError(f"recipe trains on {recipe.dataset}, got data set {dataset.name}")
        if recipe.data_checksum and recipe.data_checksum != dataset.checksum:
            raise ValueError(
                f"{dataset.name}: data checksum {dataset.checksum[:12]} is not the recipe's "
                f"{recipe.data_checksum[:12]} (other files than the recipe was made for)"
            )
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
        return cls(
            x_train=images(dataset.x_train[:rows]),
            y_train=dataset.y_train[:rows].to(device),
            x_val=images(dataset.x_val[:val]),
            y_val=dataset.y_val[:val].to(device),
            x_test=images(dataset.x_test[:test]),
            y_test=dataset.y_test[:test].to(device),
            n_classes=dataset.n_classes,
        )


def seed_generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator for one purpose (``stream``) of one seed (see `_trainer._generator`)."""
    return _generator(seed, stream)


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
    initialise(module, seed_generator(seed, stream))
    return module


def orders(
    seed: int, n_rows: int, epochs: int, stream: int = _ORDER_STREAM
) -> Iterator[torch.Tensor]:
    """The train split's row order in each epoch (CPU)."""
    generator = seed_generator(seed, stream)
    for _ in range(epochs):
        yield torch.randperm(n_rows, generator=generator)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy of ``model`` (in its current mode) on (x, y), in percent."""
    correct = 0
    with torch.no_grad():
        for first in range(0, len(x), EVAL_BATCH):
            logits = model(x[first : first + EVAL_BATCH])
            correct += int((logits.argmax(dim=1) == y[first : first + EVAL_BATCH]).sum())
    return 100.0 * correct / len(x)


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
    with _deterministic(device_type):
        images = Images.of(recipe, dataset, device)
        skeleton = recipe.skeleton(images.n_classes)
        return [_train_one(recipe, images, skeleton, ops, seed, device) for seed in seeds]


def _train_one(
    recipe: CellRecipe,
    images: Images,
    skeleton: Skeleton,
    ops: tuple[str, ...],
    seed: int,
    device: torch.device,
) -> TrainingRun:
    model = build(CellNetwork, skeleton, ops, seed=seed).to(device)
    optimiser = torch.optim.Adam(
        model.parameters(),
        lr=recipe.learning_rate,
        weight_decay=recipe.weight_decay,
        foreach=False,
    )
    n_rows = len(images.x_train)
    losses, val_acc, test_acc, seconds = [], [], [], []
    for order in orders(seed, n_rows, recipe.epochs):
        model.train()
        order = order.to(device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        start = _clock(device)
        for first in range(0, n_rows, recipe.batch_size):
            rows = order[first : first + recipe.batch_size]
            loss = F.cross_entropy(model(images.x_train[rows]), images.y_train[rows])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            loss_sum += loss.detach().double() * len(rows)
        seconds.append(_clock(device) - start)
        losses.append(float(loss_sum) / n_rows)
        model.eval()
        val_acc.append(accuracy(model, images.x_val, images.y_val))
        test_acc.append(accuracy(model, images.x_test, images.y_test))
    model.eval()
    return TrainingRun(
        seed=seed,
        train_loss=tuple(losses),
        val_acc=tuple(val_acc),
        test_acc=tuple(test_acc),
        epoch_seconds=tuple(seconds),
        n_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        device_name=_device_name(device),
        latency_ms=_latency_ms(model, images),  # type: ignore[arg-type]
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
        return seed_generator(self.seed, 100 + stream)

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
        self.start = _clock(self.task.device)

    def __exit__(self, *exc: object) -> None:
        self.task.diagnostic_seconds += _clock(self.task.device) - self.start


def supernet_task(recipe: CellRecipe, dataset: Dataset, seed: int) -> SupernetTask:
    """The task of one weight-sharing search with ``seed`` on ``recipe``'s data."""
    device = torch.device(resolve_device(recipe.device_type))
    images = Images.of(recipe, dataset, device)
    return SupernetTask(
        recipe=recipe,
        seed=int(seed),
        x_train=images.x_train,
        y_train=images.y_train,
        x_val=images.x_val,
        y_val=images.y_val,
        skeleton=recipe.skeleton(images.n_classes),
        device=device,
    )


def timed(device_type: str) -> float:
    """The clock the supernet charge is measured with (after queued device work)."""
    return _clock(torch.device(device_type))
