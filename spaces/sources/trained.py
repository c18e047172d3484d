"""Trainable spaces: MLP classifiers that the harness trains itself and records.

``mlp2/<data set>`` and ``mlp3/<data set>`` are the grids of ASNN's setting (2 or 3 hidden
layers, each size from a short list, 10 training seeds per config); ``mlpwide/<data set>``
is open (3 hidden layers of any whole size in a wide range, about 10^9 configs) and only its
cache grows. Data sets: ``digits`` and ``fashion-mnist`` (`spaces.training.DATASETS`).

A grid whose every (config, seed) has been recorded into a table file - shipped in the
package for ``digits``, exported by ``python -m harness train`` for other data sets - loads as
a `RecordedTable` (optimum known: reports show regret). Otherwise the space loads as a
`spaces.training.TrainedObjective`: a query hits the training cache or trains that model now.
Both give identical numbers for a (config, seed): the table is an export of the cache.

Nothing here imports torch until a space is actually trained: ``list`` and tables stay fast.
"""

from __future__ import annotations

from spaces._objective import Objective, Provenance
from spaces._source import SpaceInfo, Training, TrainingSource
from spaces._table import TableOptions
from spaces.training import (
    DEFAULT_EPOCHS,
    FAMILIES,
    GRID_FAMILIES,
    METRIC_NAMES,
    TrainingContext,
    curves_path,
    family_space,
    hidden_sizes,
    load_trained,
    shipped_table,
)


def _fidelities(family: str, data: str) -> tuple[int, ...]:
    """Every epoch where the shipped table has learning curves, else the last one."""
    epochs = DEFAULT_EPOCHS[data]
    shipped = shipped_table(family, data)
    if shipped.exists() and curves_path(shipped).exists():
        return tuple(range(1, epochs + 1))
    return (epochs,)


class TrainedSpaces(TrainingSource):
    """``mlp2``, ``mlp3`` and ``mlpwide`` on every data set."""

    name = "trained"

    def names(self) -> tuple[str, ...]:
        """Every family on every data set."""
        return tuple(f"{family}/{data}" for family in FAMILIES for data in DEFAULT_EPOCHS)

    def describe(self, name: str) -> SpaceInfo:
        """Static facts, without torch or the data."""
        family, data = name.split("/", 1)
        return SpaceInfo(
            name=name,
            space=family_space(family),
            search_metric="val_acc",
            direction="maximize",
            metrics=METRIC_NAMES,
            test_metric="test_acc",
            fidelities=_fidelities(family, data),
            provenance=Provenance(
                source=f"MLPs trained by nas-harness on {data}",
                package="nas-harness",
                licence="Apache-2.0 (the data set under its own licence)",
                objective_units="validation accuracy, percent",
                hardware="the machine that trained them (see the table or cache)",
            ),
        )

    def training(self, name: str) -> Training:
        """A grid ``harness train`` fills (mlp2, mlp3), or an open space (mlpwide)."""
        return "grid" if name.split("/", 1)[0] in GRID_FAMILIES else "on-demand"

    def recorded(self, name: str) -> str:
        """A shipped table, else how many of the grid's models (or any) the cache holds."""
        family, data = name.split("/", 1)
        if family in GRID_FAMILIES and shipped_table(family, data).exists():
            return "all (shipped table)"
        # Imported here: the cache and the recipe import torch, which listing the spaces
        # (and loading a recorded table in a worker) must not pay for.
        from spaces.training import TrainingCache, cache_path, recipe_for

        context = TrainingContext.from_environment()
        try:
            recipe = recipe_for(data, device="cpu", data_dir=context.data_dir)
            with TrainingCache(cache_path(recipe, context.cache_dir), recipe) as cache:
                if family not in GRID_FAMILIES:
                    return f"{cache.count():,} models in cache (open)"
                done = cache.keys()
        except ValueError as exc:  # the data set is missing, the cache unusable: say which
            return f"unavailable: {str(exc).split(';')[0]}"
        grid = family_space(family)
        keys = {"-".join(map(str, hidden_sizes(grid, i))) for i in range(grid.n_configs)}
        held = sum(1 for key, seed in done if key in keys and seed < recipe.n_seeds)
        return f"{held:,}/{grid.n_configs * recipe.n_seeds:,} models in cache"

    def load_training(
        self, name: str, *, table_options: TableOptions | None, training: TrainingContext
    ) -> Objective:
        """The shipped or exported table of a full grid, else the cache with its trainer."""
        family, data = name.split("/", 1)
        return load_trained(family, data, context=training)
