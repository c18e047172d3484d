"""Training real models: data sets, recipes, the deterministic trainer and its cache.

Importing this package does not import torch (``import spaces`` and ``python -m harness
list`` stay fast): the space definitions, the table files and `load_trained` are loaded at
once, the trainer, the data sets and the cache on first use of one of their names.

Public surface:

- the spaces: `FAMILIES` (``mlp2``, ``mlp3``, ``mlpwide``), `GRID_FAMILIES`,
  `TRAINABLE_FAMILIES`, `MLP2_SIZES`, `MLP3_SIZES` (hidden-layer sizes of the grids),
  `WIDE_RANGE` (the open space's whole sizes), `family_space`, `METRICS`, `DEFAULT_EPOCHS`;
- loading: `load_trained` (a grid's table where it is complete, else cache + trainer),
  `TrainedObjective`, table files (`export_grid`, `read_table`, `shipped_table`,
  `exported_table`; learning curves `CURVE_ARRAYS`, `curves_path`);
- data: `load_dataset`, `Dataset`, `DATASETS`, `DatasetError` (``digits`` from scikit-learn,
  ``fashion-mnist`` from local IDX files; nothing is ever downloaded);
- recipes: `Recipe`, `recipe_for`, `resolve_device`, `DeviceError`, `TRAINER_VERSION`;
- the trainer: `train_config` (one config, several training seeds, stacked into one pass)
  and `TrainingRun` (one trained model);
- the cache: `TrainingCache`, `cache_path`, `CacheError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from spaces.training._load import (
    DATA_DIR_ENV,
    export_grid,
    exported_table,
    load_trained,
    shipped_table,
    trained_dir,
    trained_provenance,
)
from spaces.training._spaces import (
    DEFAULT_EPOCHS,
    FAMILIES,
    GRID_FAMILIES,
    METRIC_NAMES,
    METRICS,
    MLP2_SIZES,
    MLP3_SIZES,
    RECIPE_DEFAULTS,
    WIDE_RANGE,
    family_space,
    hidden_sizes,
)
from spaces.training._tables import CURVE_ARRAYS, TableFileError, curves_path, read_table

if TYPE_CHECKING:
    from spaces.training._cache import CacheError, TrainingCache, cache_path
    from spaces.training._data import DATASETS, Dataset, DatasetError, load_dataset
    from spaces.training._objective import TrainedObjective, evaluation_of
    from spaces.training._recipe import (
        CPU_THREADS,
        TRAINER_VERSION,
        DeviceError,
        Recipe,
        recipe_for,
        resolve_device,
    )
    from spaces.training._trainer import MAX_WIDTH, TrainingRun, train_config

TRAINABLE_FAMILIES = tuple(FAMILIES)
"""Every family of trainable spaces."""

_LAZY = {
    "CacheError": "_cache",
    "TrainingCache": "_cache",
    "cache_path": "_cache",
    "DATASETS": "_data",
    "Dataset": "_data",
    "DatasetError": "_data",
    "load_dataset": "_data",
    "TrainedObjective": "_objective",
    "evaluation_of": "_objective",
    "CPU_THREADS": "_recipe",
    "TRAINER_VERSION": "_recipe",
    "DeviceError": "_recipe",
    "Recipe": "_recipe",
    "recipe_for": "_recipe",
    "resolve_device": "_recipe",
    "MAX_WIDTH": "_trainer",
    "TrainingRun": "_trainer",
    "train_config": "_trainer",
}


def __getattr__(name: str) -> Any:
    # PEP 562: the modules that import torch load when one of their names is first used.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spaces.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"spaces.training.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CPU_THREADS",
    "CURVE_ARRAYS",
    "DATASETS",
    "DATA_DIR_ENV",
    "DEFAULT_EPOCHS",
    "FAMILIES",
    "GRID_FAMILIES",
    "MAX_WIDTH",
    "METRICS",
    "METRIC_NAMES",
    "MLP2_SIZES",
    "MLP3_SIZES",
    "RECIPE_DEFAULTS",
    "TRAINABLE_FAMILIES",
    "TRAINER_VERSION",
    "WIDE_RANGE",
    "CacheError",
    "Dataset",
    "DatasetError",
    "DeviceError",
    "Recipe",
    "TableFileError",
    "TrainedObjective",
    "TrainingCache",
    "TrainingRun",
    "cache_path",
    "curves_path",
    "evaluation_of",
    "export_grid",
    "exported_table",
    "family_space",
    "hidden_sizes",
    "load_dataset",
    "load_trained",
    "read_table",
    "recipe_for",
    "resolve_device",
    "shipped_table",
    "train_config",
    "trained_dir",
    "trained_provenance",
]
