"""The trainable cell space: NAS-Bench-201's cell in a small CNN that the harness trains.

``cell/<data set>`` (``digits``, ``fashion-mnist``) offers the 15,625 cells of NAS-Bench-201
(6 edges, each one of 5 operations) in a skeleton sized for a CPU (`spaces.training.
CELL_RECIPE_DEFAULTS`: channels, cells per stage, image size and epochs per data set). Every
cell a strategy asks for is trained stand-alone through the training cache, like the MLP
spaces; weight-sharing strategies (``darts``, ``gdas``, ``rsws``) also train a supernet on
the same skeleton and recipe, recorded once per strategy, options and seed.

Nothing here imports torch until a space is loaded.
"""

from __future__ import annotations

from spaces._nb201 import nb201_cell_space
from spaces._objective import Objective, Provenance
from spaces._source import SpaceInfo, Training, TrainingSource
from spaces._table import TableOptions
from spaces.training import CELL_DATASETS, METRIC_NAMES, TrainingContext


class CellSpaces(TrainingSource):
    """``cell/digits`` and ``cell/fashion-mnist``."""

    name = "cells"

    def names(self) -> tuple[str, ...]:
        """One cell space per data set."""
        return tuple(f"cell/{data}" for data in CELL_DATASETS)

    def describe(self, name: str) -> SpaceInfo:
        """Static facts, without torch or the data."""
        data = name.split("/", 1)[1]
        return SpaceInfo(
            name=name,
            space=nb201_cell_space(),
            search_metric="val_acc",
            direction="maximize",
            metrics=METRIC_NAMES,
            test_metric="test_acc",
            fidelities=(CELL_DATASETS[data],),
            provenance=Provenance(
                source=f"NAS-Bench-201 cells trained by nas-harness on {data}",
                package="nas-harness",
                licence="Apache-2.0 (the data set under its own licence)",
                objective_units="validation accuracy, percent",
                hardware="the machine that trained them (see the cache)",
            ),
            optimum_known=False,
        )

    def training(self, name: str) -> Training:
        """Open: 15,625 cells, each trained when a comparison asks for it."""
        return "on-demand"

    def recorded(self, name: str) -> str:
        """The models in the space's cache (an open space: never all of it)."""
        from spaces.training import TrainingCache, cell_cache_path, cell_recipe_for

        context = TrainingContext.from_environment()
        try:
            recipe = cell_recipe_for(name.split("/", 1)[1], device="cpu", data_dir=context.data_dir)
            with TrainingCache(cell_cache_path(recipe, context.cache_dir), recipe) as cache:
                return f"{cache.count():,} models in cache (open)"
        except ValueError as exc:  # the data set is missing, the cache unusable: say which
            return f"unavailable: {str(exc).split(';')[0]}"

    def load_training(
        self, name: str, *, table_options: TableOptions | None, training: TrainingContext
    ) -> Objective:
        """The cell space served by its training cache and trainer."""
        from spaces.training import load_cell

        return load_cell(name.split("/", 1)[1], context=training)
