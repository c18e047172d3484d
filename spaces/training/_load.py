"""Loading a trainable space: its table where the grid is complete, else cache + trainer."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import numpy as np

from spaces._objective import Objective, Provenance
from spaces.training._context import TrainingContext
from spaces.training._spaces import GRID_FAMILIES, METRICS, family_space, hidden_sizes
from spaces.training._tables import CURVE_ARRAYS, SHIPPED, read_table, table_stem, write_table


def trained_dir(context: TrainingContext | None = None) -> Path:
    """Where training caches and exported tables live: ``<cache dir>/trained``."""
    return (context or TrainingContext()).trained_dir()


def exported_table(
    family: str, dataset: str, recipe_checksum: str, *, context: TrainingContext | None = None
) -> Path:
    """Where ``harness train`` exports a complete grid trained with that recipe."""
    stem = f"{table_stem(family, dataset)}-{recipe_checksum[:16]}.npz"
    return trained_dir(context) / stem


def shipped_table(family: str, dataset: str) -> Path:
    """Where the package's own table of a grid is (it may not exist)."""
    return SHIPPED / f"{table_stem(family, dataset)}.npz"


def load_trained(
    family: str,
    dataset: str,
    *,
    context: TrainingContext | None = None,
    device: str | None = None,
) -> Objective:
    """Space ``family/dataset``: a table where its grid is complete, else cache + trainer.

    A grid shipped in the package loads from there (instant, no torch). Otherwise the recipe
    for this machine and the context's device is built (loading torch and the data), and a
    grid that ``harness train`` exported for that recipe loads as a table; anything else is
    served by the training cache, training what it misses.

    Args:
        family: ``mlp2``, ``mlp3`` or ``mlpwide``.
        dataset: One of the data sets.
        context: Device, data and cache folders (default: the environment's,
            `TrainingContext.from_environment`).
        device: Overrides the context's device.

    Raises:
        DatasetError, DeviceError, CacheError, TableFileError: Unusable input (one line).
    """
    context = context or TrainingContext.from_environment()
    if device is not None:
        context = dataclasses.replace(context, device=device)
    name = f"{family}/{dataset}"
    shipped = shipped_table(family, dataset)
    if family in GRID_FAMILIES and shipped.exists() and context.device in ("cpu", "auto"):
        return read_table(shipped, name=name, family=family)
    from spaces.training._cache import TrainingCache, cache_path
    from spaces.training._data import load_dataset
    from spaces.training._objective import TrainedObjective
    from spaces.training._recipe import recipe_for

    recipe = recipe_for(dataset, device=context.device, data_dir=context.data_dir)
    exported = exported_table(family, dataset, recipe.checksum(), context=context)
    if family in GRID_FAMILIES and exported.exists():
        return read_table(exported, name=name, family=family)
    cache = TrainingCache(
        cache_path(recipe, context.cache_dir), recipe, read_only=context.read_only
    )
    return TrainedObjective(
        name=name,
        space=family_space(family),
        recipe=recipe,
        cache=cache,
        dataset=functools.partial(load_dataset, dataset, context.data_dir),
        provenance=trained_provenance(recipe),
    )


def trained_provenance(
    recipe: Any,
    *,
    source: str = "MLPs trained on demand by nas-harness's own trainer",
    notes: str = "configs are trained when first asked for; the optimum is unknown until the "
    "grid is complete",
) -> Provenance:
    """Provenance of a space trained on demand with ``recipe``.

    Args:
        recipe: The recipe (its one-line description follows ``source``).
        source: What was trained, by what.
        notes: How the space fills.
    """
    device_type = recipe.device_type
    return Provenance(
        source=f"{source} ({recipe.describe()})",
        package="nas-harness (training cache)",
        licence="Apache-2.0 (the data set under its own licence)",
        objective_units="validation accuracy, percent",
        cost_units="seconds of recorded training time (wall time when first trained)",
        hardware=f"this machine ({device_type})",
        gpu_trained=device_type == "cuda",
        notes=notes,
    )


def export_grid(family: str, recipe: Any, cache: Any, path: Path, *, licence: str) -> Path:
    """Write the complete grid of ``family`` from ``cache`` as a table file at ``path``.

    Raises:
        ValueError: A (config, seed) of the grid is not in the cache.
    """
    space = family_space(family)
    n, k, e = space.n_configs, recipe.n_seeds, int(recipe.epochs)
    arrays = {m: np.full((n, k), np.nan) for m in (*METRICS, "cost_seconds")}
    # Learning curves: every metric after every epoch, and the seconds of the first e epochs
    # (`spaces.CurveTable`: each epoch is a fidelity).
    arrays.update({name: np.full((n, k, e), np.nan) for name in CURVE_ARRAYS})
    devices: set[str] = set()
    for index in range(n):
        hidden = hidden_sizes(space, index)
        for seed in range(k):
            run = cache.get(hidden, seed)
            if run is None:
                raise ValueError(f"{family}: {hidden} seed {seed} is not trained yet")
            arrays["val_acc"][index, seed] = run.val_acc[-1]
            arrays["test_acc"][index, seed] = run.test_acc[-1]
            arrays["train_loss"][index, seed] = run.train_loss[-1]
            arrays["params"][index, seed] = run.n_params
            arrays["latency_ms"][index, seed] = run.latency_ms
            arrays["cost_seconds"][index, seed] = sum(run.epoch_seconds)
            arrays["val_acc_curve"][index, seed] = run.val_acc
            arrays["test_acc_curve"][index, seed] = run.test_acc
            arrays["train_loss_curve"][index, seed] = run.train_loss
            arrays["cost_curve"][index, seed] = np.cumsum(run.epoch_seconds)
            devices.add(run.device_name)
    meta = {
        "recipe": recipe.as_dict(),
        "recipe_checksum": recipe.checksum(),
        "recipe_line": recipe.describe(),
        "hardware": ", ".join(sorted(devices)),
        "licence": licence,
    }
    return write_table(path, family=family, arrays=arrays, meta=meta)
