"""Training recipes: everything that decides a trained model's numbers, with a checksum.

A recipe fixes the data set (by checksum), the optimiser settings, the number of training
seeds, the device type and the torch version. Its checksum also covers `TRAINER_VERSION`, so
a change to the training code, bumped there, makes every old cache a cache of another recipe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

import torch

from spaces.training._data import DATASETS, Dataset, DatasetError, load_dataset
from spaces.training._spaces import RECIPE_DEFAULTS

TRAINER_VERSION = 1
"""Bump when the training code changes the numbers it produces (model, init, loss, order)."""

CPU_THREADS = 1
"""Threads torch uses while training on CPU.

Pinned because the result of a parallel reduction can depend on how it is split between
threads, so a model trained on a 2-core and a 16-core machine could differ in the last bits.
One thread per model also gives the best throughput for these small models when configs are
trained in parallel processes (the cache's workers), one per core.
"""

DEVICE_TYPES = ("cpu", "cuda")
"""Device types a recipe can name."""

_CUBLAS_DETERMINISTIC = ":4096:8"  # cuBLAS's documented setting for reproducible matmuls


class RecipeLike(Protocol):
    """What the training cache and a trainable objective need of a recipe (MLP or cell)."""

    @property
    def dataset(self) -> str:
        """The data set's name."""

    @property
    def epochs(self) -> int:
        """Training epochs (the space's fidelity)."""

    @property
    def n_seeds(self) -> int:
        """Training seeds per config."""

    @property
    def device_type(self) -> str:
        """``cpu`` or ``cuda``."""

    def checksum(self) -> str:
        """The checksum that keys the cache."""

    def describe(self) -> str:
        """One line for provenance."""


class DeviceError(ValueError):
    """A device that cannot be used here; the message is one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseRecipe:
    """What every recipe fixes (MLP or cell): data, optimiser, epochs, seeds, device, torch.

    Two recipes with equal checksums produce identical numbers for a (config, training seed)
    on the same device type. A subclass adds its model's settings (fields, `_check_more`)
    and what its checksum adds (`_identity`).

    Attributes:
        dataset: One of `DATASETS`.
        epochs: Passes over the train split.
        batch_size: Rows per optimiser step (the last step of an epoch takes the rest).
        learning_rate: Adam's step size.
        weight_decay: Adam's L2 penalty (added to the gradient, as `torch.optim.Adam` does).
        n_seeds: Training seeds ``0..n_seeds - 1`` per config.
        device_type: ``"cpu"`` or ``"cuda"``.
        torch_version: The torch version the numbers were produced with.
        data_checksum: The data set's checksum (the ``*_for`` builders fill it in).
    """

    dataset: str
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    n_seeds: int = 10
    device_type: str = "cpu"
    torch_version: str = field(default_factory=lambda: str(torch.__version__))
    data_checksum: str = ""

    _label: ClassVar[str] = "recipe"
    """How error messages name this kind of recipe."""
    _positive: ClassVar[tuple[str, ...]] = ("epochs", "batch_size", "n_seeds")
    """Fields that must be positive whole numbers."""
    _defaults: ClassVar[Mapping[str, Mapping[str, int | float]]] = {}
    """The project's settings (field values) per data set, for `for_dataset`."""

    def __post_init__(self) -> None:
        label = self._label
        if self.dataset not in DATASETS:
            raise DatasetError(f"unknown data set {self.dataset!r}; known: {', '.join(DATASETS)}")
        for name in self._positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{label}: {name} must be a positive integer, got {value!r}")
        self._check_more()
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"{label}: learning_rate must be positive, got {self.learning_rate}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"{label}: weight_decay must be >= 0, got {self.weight_decay}")
        if self.device_type not in DEVICE_TYPES:
            raise DeviceError(
                f"{label}: device_type {self.device_type!r}; known: {', '.join(DEVICE_TYPES)}"
            )

    def _check_more(self) -> None:
        """A subclass's own checks (raise ValueError); none here."""

    def _identity(self, values: dict[str, object]) -> None:
        """Add the trainer's version (and a subclass its model) to ``values``, in place."""
        values["trainer_version"] = TRAINER_VERSION

    def as_dict(self) -> dict[str, object]:
        """Every field, plus the trainer's version and CPU thread count, as plain values."""
        values: dict[str, object] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self)
        }
        self._identity(values)
        values["cpu_threads"] = CPU_THREADS
        return values

    def checksum(self) -> str:
        """SHA-256 of the canonical JSON of `as_dict`."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def check_data(self, dataset: Dataset) -> None:
        """Refuse a data set other than the one this recipe was made for.

        Raises:
            ValueError: Another data set, or other files than the recipe's checksum says.
        """
        if self.dataset != dataset.name:
            raise ValueError(f"recipe trains on {self.dataset}, got data set {dataset.name}")
        if self.data_checksum and self.data_checksum != dataset.checksum:
            raise ValueError(
                f"{dataset.name}: data checksum {dataset.checksum[:12]} is not the recipe's "
                f"{self.data_checksum[:12]} (other files than the recipe was made for)"
            )

    @classmethod
    def for_dataset(
        cls,
        dataset: str,
        *,
        device: str = "cpu",
        data_dir: str | Path | None = None,
        device_here: bool = True,
    ) -> Self:
        """The project's recipe for ``dataset`` (`_defaults`), tied to the data found here.

        Args:
            dataset: One of `DATASETS` that the class's `_defaults` has.
            device: ``"auto"``, ``"cpu"`` or ``"cuda"`` (see `resolve_device`).
            data_dir: Where to look for the data (see `load_dataset`).
            device_here: False where the models are trained on other machines (a Dask
                cluster's GPU workers): ``cuda`` is then taken as asked, without a CUDA
                device here.

        Raises:
            DatasetError: Unknown data set, or its files are missing or malformed.
            DeviceError: ``cuda`` asked for where there is none.
        """
        if dataset not in cls._defaults:
            raise DatasetError(f"unknown data set {dataset!r}; known: {', '.join(DATASETS)}")
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        settings: dict[str, Any] = {
            name: float(value) if kinds[name] == "float" else int(value)
            for name, value in cls._defaults[dataset].items()
        }
        return cls(
            dataset=dataset,
            **settings,
            device_type=target_device(device, device_here=device_here),
            data_checksum=load_dataset(dataset, data_dir).checksum,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipe(BaseRecipe):
    """How every model of an MLP space is trained (the fields are `BaseRecipe`'s)."""

    _defaults: ClassVar[Mapping[str, Mapping[str, int | float]]] = RECIPE_DEFAULTS

    def describe(self) -> str:
        """One line for provenance and docs."""
        return (
            f"{self.dataset}: MLP (ReLU), Adam lr={self.learning_rate:g} "
            f"weight_decay={self.weight_decay:g}, {self.epochs} epochs, batch {self.batch_size}, "
            f"seeds 0..{self.n_seeds - 1}, {self.device_type}, torch {self.torch_version}, "
            f"trainer v{TRAINER_VERSION}, data {self.data_checksum[:12] or '?'}"
        )


def target_device(device: str, *, device_here: bool) -> str:
    """The device type a recipe names for ``device`` (see `recipe_for`'s arguments).

    Raises:
        DeviceError: ``cuda`` asked for here where there is none, or an unknown name.
    """
    return "cuda" if device == "cuda" and not device_here else resolve_device(device)


recipe_for = Recipe.for_dataset
"""The project's MLP recipe for a data set (`BaseRecipe.for_dataset`)."""


def resolve_device(device: str) -> str:
    """The device type to train on: ``"auto"`` picks CUDA where there is one.

    Args:
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.

    Returns:
        ``"cpu"`` or ``"cuda"``.

    Raises:
        DeviceError: An unknown name, or ``"cuda"`` where torch sees no CUDA device.
    """
    if device not in ("auto", *DEVICE_TYPES):
        raise DeviceError(f"unknown device {device!r}; known: auto, {', '.join(DEVICE_TYPES)}")
    if device == "cpu":
        return "cpu"
    available = torch.cuda.is_available()
    if device == "cuda" and not available:
        raise DeviceError(
            f"device cuda: torch {torch.__version__} sees no CUDA device here "
            "(a CPU build, or no GPU); use --device cpu or auto"
        )
    if available:
        # Read by cuBLAS when it first starts; without it deterministic mode refuses matmuls.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", _CUBLAS_DETERMINISTIC)
        return "cuda"
    return "cpu"
