"""Filling a training cache: ``python -m harness train``.

The models a grid still misses are trained config by config (all missing seeds of a config in
one batched pass) by an executor's workers (`harness.executors`: the harness's processes, or
a Dask cluster with GPU workers), so the same guarantees as for a comparison hold: a worker
that dies costs only its config (retried), none outlives the command. Workers send the
trained models back and this process alone writes the cache, one transaction per model as
each config ends, so Ctrl-C or ``kill -9`` keeps every model already recorded and the same
command resumes with what is missing. A grid that is complete is exported as a table
file, so that ``compare`` then knows its optimum and reports regret.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.executors import Executor, open_executor
from spaces import UnknownSpaceError, available_spaces, space_info, space_training
from spaces.training import TrainingContext, shipped_table

if TYPE_CHECKING:
    from spaces.training import Dataset, Recipe

Hidden = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TrainTask:
    """One config's missing training seeds."""

    family: str
    dataset: str
    device: str
    hidden: Hidden
    seeds: tuple[int, ...]
    recipe_checksum: str = ""
    """The coordinator's recipe: a worker whose own recipe differs (another torch version,
    other data files) refuses the task instead of mixing its numbers into the cache."""
    data_dir: Path | None = None
    """Where the worker finds the data (the coordinator's `TrainingContext.data_dir`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainPlan:
    """What ``harness train`` will do for one space.

    Attributes:
        space: The space name.
        tasks: One task per config with missing seeds.
        total: Models in the grid (configs x seeds asked for).
        recorded: Models of the grid already in the cache.
        cache: The cache file.
        recipe_line: The recipe, in one line.
        recipe: The recipe itself (`spaces.training.Recipe`).
        shipped: The table of the whole grid that ships with the package, where there is
            one: ``compare`` reads it (on ``cpu`` or ``auto``) and never trains this grid.
        context: Where the models train, and the folders of the data and the cache.
    """

    space: str
    tasks: tuple[TrainTask, ...]
    total: int
    recorded: int
    cache: str
    recipe_line: str
    recipe: Any
    shipped: str | None = None
    context: TrainingContext = field(default_factory=TrainingContext)

    @property
    def missing(self) -> int:
        """Models still to train."""
        return self.total - self.recorded

    def dry_run_summary(self, *, workers: int) -> str:
        """What ``train --dry-run`` says: whether the grid ships, and how long training takes.

        Where anything is left to train, a one-epoch warm-up of a median config is timed
        (`estimate_seconds`).
        """
        lines = []
        if self.shipped is not None:
            lines.append(
                f"{self.space} ships with the package ({self.shipped}): compare reads that "
                "table on --device cpu or auto and trains nothing; training it again only "
                "fills the cache above"
            )
        if self.missing:
            seconds = estimate_seconds(self, workers=workers)
            lines.append(
                f"estimated {seconds:.0f} s ({seconds / 60:.1f} min) with {max(workers, 1)} "
                "worker(s), from a one-epoch warm-up of a median config"
            )
        else:
            lines.append("nothing to train: every model of the grid is in the cache")
        return "\n".join(lines)


def plan_training(
    space: str,
    *,
    seeds: int | None = None,
    device: str | None = None,
    device_here: bool = True,
    context: TrainingContext | None = None,
) -> TrainPlan:
    """The models of ``space``'s grid that its cache does not hold yet.

    ``device_here=False``: the models are trained elsewhere (see `spaces.training.recipe_for`).
    ``context`` (default: the environment's) names the device, data and cache folders;
    ``device`` overrides its device.

    Raises:
        UnknownSpaceError: ``space`` is not a space.
        ValueError: ``space`` is not a trainable grid, or ``seeds`` exceeds the recipe's.
    """
    from spaces.training import (
        TrainingCache,
        cache_path,
        family_space,
        hidden_sizes,
        recipe_for,
    )

    # The space's source says how it gets its results; `train` fills grids only.
    grids = ", ".join(s for s in available_spaces() if space_training(s) == "grid")
    if space not in available_spaces():
        raise UnknownSpaceError(f"unknown space {space!r}; trainable grids: {grids}")
    how = space_training(space)
    if how != "grid":
        if how == "recorded":
            raise ValueError(f"space {space!r} is a recorded table; there is nothing to train")
        if how == "closed-form":
            raise ValueError(
                f"space {space!r} is computed in closed form; there is nothing to train"
            )
        n_configs = space_info(space).space.n_configs
        size = (
            f"{n_configs:,} configs"
            if n_configs < 10**6
            else f"about 10^{len(str(n_configs)) - 1} configs"
        )
        raise ValueError(
            f"space {space!r} is open ({size}): its models are trained on demand by "
            f"`compare`; `train` fills the grids {grids}"
        )
    context = _with_device(context, device)
    family, _, dataset = space.partition("/")
    recipe = recipe_for(
        dataset, device=context.device, data_dir=context.data_dir, device_here=device_here
    )
    n_seeds = recipe.n_seeds if seeds is None else seeds
    if not 1 <= n_seeds <= recipe.n_seeds:
        raise ValueError(f"--seeds {n_seeds}: the recipe has seeds 0..{recipe.n_seeds - 1}")
    path = cache_path(recipe, context.cache_dir)
    with TrainingCache(path, recipe) as cache:
        done = cache.keys()
    grid = family_space(family)
    tasks = []
    recorded = 0
    for index in range(grid.n_configs):
        hidden = hidden_sizes(grid, index)
        key = "-".join(map(str, hidden))
        missing = tuple(s for s in range(n_seeds) if (key, s) not in done)
        recorded += n_seeds - len(missing)
        if missing:
            tasks.append(
                TrainTask(
                    family,
                    dataset,
                    context.device,
                    hidden,
                    missing,
                    recipe.checksum(),
                    context.data_dir,
                )
            )
    shipped = shipped_table(family, dataset)
    return TrainPlan(
        space=space,
        tasks=tuple(tasks),
        total=grid.n_configs * n_seeds,
        recorded=recorded,
        cache=str(path),
        recipe_line=recipe.describe(),
        recipe=recipe,
        shipped=str(shipped) if shipped.exists() else None,
        context=context,
    )


def _with_device(context: TrainingContext | None, device: str | None) -> TrainingContext:
    """``context`` (default: the environment's) with ``device`` where one is named."""
    context = context or TrainingContext.from_environment()
    return context if device is None else dataclasses.replace(context, device=device)


@functools.cache
def _recipe_and_data(dataset: str, device: str, data_dir: Path | None) -> tuple[Recipe, Dataset]:
    """This process's recipe and data set for ``dataset`` (loaded once per worker)."""
    from spaces.training import load_dataset, recipe_for

    recipe = recipe_for(dataset, device=device, data_dir=data_dir)
    return recipe, load_dataset(dataset, data_dir)


def train_task(task: TrainTask) -> list[Any]:
    """Train one task's models (in a worker); returns the training runs, seed by seed."""
    from spaces.training import train_config

    recipe, data = _recipe_and_data(task.dataset, task.device, task.data_dir)
    here = recipe.checksum()
    if task.recipe_checksum and here != task.recipe_checksum:
        raise ValueError(
            f"this worker's recipe ({recipe.describe()}) is not the "
            "coordinator's: install the same torch version and data files on every worker"
        )
    return train_config(recipe, data, task.hidden, list(task.seeds))


def run_training(
    plan: TrainPlan,
    *,
    workers: int = 1,
    on_models: Callable[[int], None],
    executor: Executor | None = None,
) -> list[tuple[TrainTask, str]]:
    """Train every task of ``plan`` and record it; ``on_models`` gets each config's count.

    Args:
        plan: What to train.
        workers: Worker processes of the default executor when ``executor`` is None (0: this
            process).
        on_models: Called with each config's model count as it is recorded.
        executor: Where to train (the caller closes it); on Dask, CUDA recipes ask for
            workers with the ``GPU`` resource.

    Returns:
        The tasks that failed, with the reason (a worker that died three times).
    """
    from spaces.training import TrainingCache

    failed: list[tuple[TrainTask, str]] = []
    if not plan.tasks:
        return failed
    recipe = plan.recipe
    owned = executor is None
    if executor is None:
        executor = open_executor("inline" if workers <= 0 else "processes", workers=workers)
    try:
        with TrainingCache(Path(plan.cache), recipe) as cache:

            def record(task: TrainTask, runs: list[Any]) -> None:
                for run in runs:
                    cache.put(task.hidden, run)
                on_models(len(runs))

            executor.run(
                list(plan.tasks),
                target=train_task,
                on_result=record,
                on_failure=lambda task, reason: failed.append((task, reason)),
                resources={"GPU": 1} if recipe.device_type == "cuda" else None,
            )
    finally:
        if owned:
            executor.close()
    return failed


def estimate_seconds(plan: TrainPlan, *, workers: int) -> float:
    """Seconds ``plan`` should take, from one measured config trained for one epoch.

    The warm-up trains the plan's median-size config with all its missing seeds for one
    epoch; every other config is scaled by its parameter count.
    """
    from spaces.training import train_config

    if not plan.tasks:
        return 0.0
    task = plan.tasks[0]
    recipe, data = _recipe_and_data(task.dataset, task.device, task.data_dir)

    def weight(t: TrainTask) -> float:
        sizes = (64, *t.hidden, 10)
        return float(sum(a * b for a, b in itertools.pairwise(sizes))) * len(t.seeds)

    ordered = sorted(plan.tasks, key=weight)
    probe = ordered[len(ordered) // 2]
    short = dataclasses.replace(recipe, epochs=1)
    start = time.perf_counter()
    train_config(short, data, probe.hidden, list(probe.seeds))
    per_weight = (time.perf_counter() - start) / weight(probe)
    total = sum(weight(t) for t in plan.tasks) * per_weight * int(plan.recipe.epochs)
    return total / max(1, min(workers, len(plan.tasks)))


def export_if_complete(
    space: str,
    *,
    device: str | None = None,
    to: Path | None = None,
    device_here: bool = True,
    context: TrainingContext | None = None,
) -> str | None:
    """Export ``space``'s grid as a table once every model is recorded; returns its path.

    Args:
        space: A grid space.
        device: The device of the recipe (overrides the context's).
        to: Where to write (default: beside the cache, where `load_objective` finds it).
        device_here: False where the models were trained on other machines (see
            `plan_training`).
        context: Device, data and cache folders (default: the environment's).
    """
    from spaces.training import TrainingCache, export_grid, exported_table

    plan = plan_training(space, device=device, device_here=device_here, context=context)
    if plan.missing:
        return None
    family, _, dataset = space.partition("/")
    recipe = plan.recipe
    target = to or exported_table(family, dataset, recipe.checksum(), context=plan.context)
    with TrainingCache(Path(plan.cache), recipe) as cache:
        export_grid(family, recipe, cache, target, licence=_LICENCES.get(dataset, "see README"))
    return str(target)


_LICENCES = {
    "digits": "scikit-learn's bundled copy of the UCI optical digits data (CC BY 4.0)",
    "fashion-mnist": "Fashion-MNIST by Zalando Research (MIT)",
}
