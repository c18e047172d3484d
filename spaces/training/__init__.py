"""Training real models: data sets, recipes, the deterministic trainer and its cache.

Importing this package does not import torch (``import spaces`` and ``python -m harness
list`` stay fast): the space definitions, the table files and `load_trained` are loaded at
once, the trainer, the data sets and the cache on first use of one of their names.

Public surface:

- the spaces: `FAMILIES` (``mlp2``, ``mlp3``, ``mlpwide``), `GRID_FAMILIES`,
  `TRAINABLE_FAMILIES`, `MLP2_SIZES`, `MLP3_SIZES` (hidden-layer sizes of the grids),
  `WIDE_RANGE` (the open space's whole sizes), `family_space`, `METRICS`, `DEFAULT_EPOCHS`;
- the context: `TrainingContext` (device, data folder, cache folder, read-only caches),
  passed to the loaders; `TrainingContext.from_environment` reads `DEVICE_ENV`,
  `DATA_DIR_ENV` and `READ_ONLY_ENV`, the command line's way to fill it;
- loading: `load_trained` (a grid's table where it is complete, else cache + trainer),
  `TrainedObjective`, table files (`export_grid`, `read_table`, `shipped_table`,
  `exported_table`; learning curves `CURVE_ARRAYS`, `curves_path`);
- data: `load_dataset`, `Dataset`, `DATASETS`, `DatasetError` (``digits`` from scikit-learn,
  ``fashion-mnist`` from local IDX files; nothing is ever downloaded);
- recipes: `Recipe`, `recipe_for`, `resolve_device`, `DeviceError`, `TRAINER_VERSION`;
- the trainer: `train_config` (one config, several training seeds, stacked into one pass)
  and `TrainingRun` (one trained model);
- the cache: `TrainingCache`, `cache_path`, `CacheError`;
- the cell space (``cell/<data set>``, NAS-Bench-201's cell in a small CNN): `CELL_DATASETS`,
  `CELL_RECIPE_DEFAULTS`, `CellRecipe`, `cell_recipe_for`, `train_cell`, `cell_ops`,
  `load_cell`, `CellObjective` (stand-alone results through the cache; oracle value the mean
  over `ORACLE_SEEDS` seeds), the networks `Skeleton`, `CellNetwork`, `Supernet`, and
  weight-sharing searches: `SupernetTask` (what a search gets; `supernet_task` builds one),
  `SupernetSearch`, `SupernetRecord` (what is recorded and charged), `SupernetError`,
  `cell_cache_path`, `cell_provenance`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from spaces.training._context import (
    DATA_DIR_ENV,
    DEVICE_ENV,
    READ_ONLY_ENV,
    TrainingContext,
)
from spaces.training._load import (
    export_grid,
    exported_table,
    load_trained,
    shipped_table,
    trained_dir,
    trained_provenance,
)
from spaces.training._spaces import (
    CELL_DATASETS,
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
    from spaces.training._cell_net import CellNetwork, Skeleton, Supernet
    from spaces.training._cell_objective import (
        ORACLE_SEEDS,
        CellObjective,
        SupernetError,
        SupernetRecord,
        SupernetSearch,
        cell_cache_path,
        cell_provenance,
        load_cell,
    )
    from spaces.training._cell_trainer import (
        CELL_RECIPE_DEFAULTS,
        CellRecipe,
        SupernetTask,
        cell_ops,
        cell_recipe_for,
        supernet_task,
        train_cell,
    )
    from spaces.training._data import DATASETS, Dataset, DatasetError, load_dataset
    from spaces.training._loop import TrainingRun
    from spaces.training._objective import TrainedObjective, evaluation_of
    from spaces.training._recipe import (
        CPU_THREADS,
        TRAINER_VERSION,
        DeviceError,
        Recipe,
        recipe_for,
        resolve_device,
    )
    from spaces.training._trainer import MAX_WIDTH, train_config

TRAINABLE_FAMILIES = tuple(FAMILIES)
"""Every family of trainable spaces."""

_LAZY = {
    "CellNetwork": "_cell_net",
    "Skeleton": "_cell_net",
    "Supernet": "_cell_net",
    "ORACLE_SEEDS": "_cell_objective",
    "CellObjective": "_cell_objective",
    "SupernetError": "_cell_objective",
    "SupernetRecord": "_cell_objective",
    "SupernetSearch": "_cell_objective",
    "cell_cache_path": "_cell_objective",
    "cell_provenance": "_cell_objective",
    "load_cell": "_cell_objective",
    "CELL_RECIPE_DEFAULTS": "_cell_trainer",
    "CellRecipe": "_cell_trainer",
    "SupernetTask": "_cell_trainer",
    "cell_ops": "_cell_trainer",
    "cell_recipe_for": "_cell_trainer",
    "supernet_task": "_cell_trainer",
    "train_cell": "_cell_trainer",
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
    "TrainingRun": "_loop",
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
    "CELL_DATASETS",
    "CELL_RECIPE_DEFAULTS",
    "CPU_THREADS",
    "CURVE_ARRAYS",
    "DATASETS",
    "DATA_DIR_ENV",
    "DEFAULT_EPOCHS",
    "DEVICE_ENV",
    "FAMILIES",
    "GRID_FAMILIES",
    "MAX_WIDTH",
    "METRICS",
    "METRIC_NAMES",
    "MLP2_SIZES",
    "MLP3_SIZES",
    "ORACLE_SEEDS",
    "READ_ONLY_ENV",
    "RECIPE_DEFAULTS",
    "TRAINABLE_FAMILIES",
    "TRAINER_VERSION",
    "WIDE_RANGE",
    "CacheError",
    "CellNetwork",
    "CellObjective",
    "CellRecipe",
    "Dataset",
    "DatasetError",
    "DeviceError",
    "Recipe",
    "Skeleton",
    "Supernet",
    "SupernetError",
    "SupernetRecord",
    "SupernetSearch",
    "SupernetTask",
    "TableFileError",
    "TrainedObjective",
    "TrainingCache",
    "TrainingContext",
    "TrainingRun",
    "cache_path",
    "cell_cache_path",
    "cell_ops",
    "cell_provenance",
    "cell_recipe_for",
    "curves_path",
    "evaluation_of",
    "export_grid",
    "exported_table",
    "family_space",
    "hidden_sizes",
    "load_cell",
    "load_dataset",
    "load_trained",
    "read_table",
    "recipe_for",
    "resolve_device",
    "shipped_table",
    "supernet_task",
    "train_cell",
    "train_config",
    "trained_dir",
    "trained_provenance",
]
