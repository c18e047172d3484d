"""The trainable cell space as an objective: stand-alone results and supernet searches, cached.

``cell/<data set>`` is NAS-Bench-201's cell space (`spaces.nb201_cell_space`: 15,625 cells),
trained by `spaces.training._cell_trainer`. Everything trained is recorded:

- a stand-alone (cell, training seed) in the training cache of the cell recipe, exactly as
  the MLP spaces do (`TrainedObjective`): a hit and a trained miss cost the same recorded
  seconds (design invariant 6);
- a weight-sharing search (`CellObjective.supernet`) as a JSON record beside that cache, keyed
  by the strategy's name, options, version and seed: the seconds it took when it first ran
  are what every rerun is charged, so the charge is deterministic.

A cell's oracle value (how reports score an incumbent, design invariant 5) is the mean over
the first `ORACLE_SEEDS` training seeds of its stand-alone training, trained through the
cache where missing: it depends only on the cell, never on which seed a run happened to see.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spaces._nb201 import NB201_OPS, nb201_cell_space
from spaces._objective import FloatArray, IntArray, Provenance
from spaces._space import Space
from spaces.training._cache import Hidden, TrainingCache
from spaces.training._cell_trainer import (
    CellRecipe,
    SupernetTask,
    supernet_task,
    timed,
    train_cell,
)
from spaces.training._context import TrainingContext
from spaces.training._data import Dataset
from spaces.training._load import trained_provenance
from spaces.training._loop import TrainingRun
from spaces.training._objective import TrainedObjective

ORACLE_SEEDS = 3
"""Training seeds whose mean stand-alone result is a cell's oracle value."""

SupernetSearch = Callable[[SupernetTask], dict[str, Any]]
"""A weight-sharing search: trains a supernet on the task, returns what it found (JSON)."""


class SupernetError(ValueError):
    """A supernet record that cannot be read or written; one line naming the file."""


@dataclass(frozen=True, slots=True)
class SupernetRecord:
    """One recorded weight-sharing search.

    Attributes:
        key: What identifies it (strategy, options, version, seed).
        seconds: Wall seconds of the search when it first ran, less its diagnostics: what a
            run is charged.
        diagnostic_seconds: Seconds the search spent on checks it does not need (ranking
            the cells it proposes by the supernet, for the report); not charged.
        result: What the search returned.
        device_name: What it ran on.
    """

    key: Mapping[str, Any]
    seconds: float
    diagnostic_seconds: float
    result: Mapping[str, Any]
    device_name: str


def cell_index_of(space: Space, index: int) -> Hidden:
    """The 6 operation indices (into `spaces.NB201_OPS`) of config ``index`` of the cell space."""
    return tuple(NB201_OPS.index(str(v)) for v in space.values(space.config(index)).values())


class CellObjective(TrainedObjective):
    """A cell space answered by the training cache, with recorded supernet searches.

    Args:
        name: Space name (``cell/digits``).
        recipe: The cell recipe.
        cache: The training cache of ``recipe``.
        dataset: Loads the data set on first need.
        provenance: Where the numbers come from.
        search_metric: The metric searched.
        supernet_dir: Where supernet records live (default: beside the cache file).
    """

    # The parent's keyword arguments again (less ``space``, which is always the cell space),
    # so that a cell objective is built with typed arguments; the work is the parent's.
    def __init__(
        self,
        *,
        name: str,
        recipe: CellRecipe,
        cache: TrainingCache,
        dataset: Callable[[], Dataset],
        provenance: Provenance,
        search_metric: str = "val_acc",
        supernet_dir: Path | None = None,
    ) -> None:
        super().__init__(
            name=name,
            space=nb201_cell_space(),
            recipe=recipe,
            cache=cache,
            dataset=dataset,
            provenance=provenance,
            search_metric=search_metric,
        )
        self.cell_recipe = recipe
        self.supernet_dir = (
            cache.path.with_suffix(".supernets") if supernet_dir is None else supernet_dir
        )

    def hidden(self, index: int) -> Hidden:
        """The operation indices of config ``index`` (the cache's key of a cell)."""
        return cell_index_of(self.space, index)

    def train(self, hidden: Hidden, seed: int) -> TrainingRun:
        """Train cell ``hidden`` stand-alone with training seed ``seed``."""
        (trained,) = train_cell(self.cell_recipe, self._dataset(), hidden, [seed])
        return trained

    def oracle_values(self, indices: IntArray, metric: str | None = None) -> FloatArray | None:
        """Each cell's mean ``metric`` over training seeds ``0..ORACLE_SEEDS - 1``.

        Trains (through the cache) what is missing, so use it for few cells: incumbents.
        """
        metric = metric or self.info.search_metric
        out = np.empty(len(indices))
        means: dict[int, float] = {}
        for k, index in enumerate(np.asarray(indices).tolist()):
            if index not in means:
                values = [
                    self.evaluate(index, seed).metrics[metric] for seed in range(ORACLE_SEEDS)
                ]
                means[index] = float(np.mean(values))
            out[k] = means[index]
        return out

    # -- weight sharing --------------------------------------------------------------------------
    def supernet(
        self, key: Mapping[str, Any], search: SupernetSearch, *, seed: int
    ) -> SupernetRecord:
        """The recorded weight-sharing search ``key``; runs ``search`` where none is recorded.

        The first run's seconds (its diagnostics excepted) are recorded with its result, and
        every later call returns that record: the charge is the same for every rerun. Two
        processes that run one search at once both train (the search is deterministic given
        its seed) and the first record written is kept.

        Raises:
            SupernetError: The record folder cannot be written, or a record is unreadable.
        """
        full_key = {**dict(key), "seed": int(seed), "recipe": self.recipe.checksum()}
        text = json.dumps(full_key, sort_keys=True, separators=(",", ":"))
        path = self.supernet_dir / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"
        found = _read_record(path)
        if found is not None:
            return found
        task = supernet_task(self.cell_recipe, self._dataset(), seed)
        start = timed(self.recipe.device_type)
        result = search(task)
        seconds = timed(self.recipe.device_type) - start - task.diagnostic_seconds
        record = SupernetRecord(
            key=full_key,
            seconds=max(seconds, 0.0),
            diagnostic_seconds=task.diagnostic_seconds,
            result=result,
            device_name=str(task.device),
        )
        return _write_record(path, record)


def _read_record(path: Path) -> SupernetRecord | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SupernetError(f"supernet record {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
        return SupernetRecord(
            key=data["key"],
            seconds=float(data["seconds"]),
            diagnostic_seconds=float(data["diagnostic_seconds"]),
            result=data["result"],
            device_name=str(data["device_name"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise SupernetError(
            f"supernet record {path} is unreadable ({exc}); remove it to search again"
        ) from None


def _write_record(path: Path, record: SupernetRecord) -> SupernetRecord:
    """Write ``record`` unless another process wrote one first; returns the one kept."""
    data = {
        "key": record.key,
        "seconds": record.seconds,
        "diagnostic_seconds": record.diagnostic_seconds,
        "result": record.result,
        "device_name": record.device_name,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another process recorded this search first
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except OSError as exc:
        raise SupernetError(
            f"supernet records {path.parent}: cannot be written ({exc.strerror or exc}); "
            "point --cache-dir or HARNESS_CACHE_DIR at a writable folder"
        ) from None
    kept = _read_record(path)
    assert kept is not None
    return kept


def cell_cache_path(recipe: CellRecipe, cache_dir: Path | None = None) -> Path:
    """Where the training cache of cell recipe ``recipe`` lives (default: the user's)."""
    trained = TrainingContext(cache_dir=cache_dir).trained_dir()
    return trained / f"cell-{recipe.dataset}-{recipe.checksum()[:16]}.sqlite"


def cell_provenance(recipe: CellRecipe) -> Provenance:
    """Provenance of a cell space trained on demand with ``recipe``."""
    return trained_provenance(
        recipe,
        source="NAS-Bench-201 cells trained on demand by nas-harness",
        notes=f"cells are trained when first asked for; an incumbent is scored by its mean "
        f"over training seeds 0..{ORACLE_SEEDS - 1}; the optimum is unknown",
    )


def load_cell(
    dataset: str, *, context: TrainingContext | None = None, device: str | None = None
) -> CellObjective:
    """Space ``cell/<dataset>``: the cell recipe for this machine, its cache and trainer.

    Args:
        dataset: One of `CELL_DATASETS`.
        context: Device, data and cache folders (default: the environment's,
            `TrainingContext.from_environment`).
        device: Overrides the context's device.

    Raises:
        DatasetError, DeviceError, CacheError: Unusable input (one line).
    """
    import dataclasses
    import functools

    from spaces.training._cell_trainer import cell_recipe_for
    from spaces.training._data import load_dataset

    context = context or TrainingContext.from_environment()
    if device is not None:
        context = dataclasses.replace(context, device=device)
    recipe = cell_recipe_for(dataset, device=context.device, data_dir=context.data_dir)
    return CellObjective(
        name=f"cell/{dataset}",
        recipe=recipe,
        cache=TrainingCache(
            cell_cache_path(recipe, context.cache_dir), recipe, read_only=context.read_only
        ),
        dataset=functools.partial(load_dataset, dataset, context.data_dir),
        provenance=cell_provenance(recipe),
    )
