"""The training context: where a trainable space trains, reads its data and keeps its cache.

A `TrainingContext` is a read-only value handed to the trainable sources (`load_trained`,
`load_cell`) and to ``harness train``; nothing below it reads the environment.
`TrainingContext.from_environment` is the one place that reads the variables the command
line sets for its worker processes (``--device``, ``--data-dir``, ``--cache-dir``) and that a
Dask worker sets for itself (read-only caches).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from spaces._cache import cache_dir as default_cache_dir

DEVICE_ENV = "HARNESS_DEVICE"
"""Environment variable naming the training device (``auto``, ``cpu``, ``cuda``)."""
DATA_DIR_ENV = "HARNESS_DATA_DIR"
"""Environment variable naming the folder with the fashion-mnist IDX files."""
READ_ONLY_ENV = "HARNESS_CACHE_READ_ONLY"
"""Environment variable that, set to ``1``, makes every training cache opened read-only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingContext:
    """Where and how the models of a trainable space are trained and recorded.

    Attributes:
        device: ``"auto"``, ``"cpu"`` or ``"cuda"`` (see `spaces.training.resolve_device`).
        data_dir: The folder with the fashion-mnist IDX files (None: Debian's install path;
            digits needs none).
        cache_dir: The cache folder; training caches live in its ``trained`` folder (None:
            the user's cache folder, ``$HARNESS_CACHE_DIR`` or ``~/.cache/nas-harness``).
        read_only: Open training caches as private in-memory copies that are never written
            (a Dask worker: the coordinator alone writes).
    """

    device: str = "cpu"
    data_dir: Path | None = None
    cache_dir: Path | None = None
    read_only: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> TrainingContext:
        """The context the environment describes (the command line's way to fill it).

        Args:
            environ: The variables to read (default: this process's environment).
        """
        env = os.environ if environ is None else environ
        data_dir = env.get(DATA_DIR_ENV)
        return cls(
            device=env.get(DEVICE_ENV) or "cpu",
            data_dir=Path(data_dir) if data_dir else None,
            read_only=env.get(READ_ONLY_ENV) == "1",
        )

    def trained_dir(self) -> Path:
        """Where training caches and exported tables live: ``<cache dir>/trained``."""
        return (default_cache_dir() if self.cache_dir is None else self.cache_dir) / "trained"
