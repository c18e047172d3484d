"""Filling a training cache: ``python -m harness train``.

The models a grid still misses are trained config by config (all missing seeds of a config in
one batched pass) in worker processes of the comparison's pool, so the same guarantees hold:
a worker that dies costs only its config (retried), none outlives the command, and Ctrl-C or
``kill -9`` keeps every model already recorded - each is one transaction of the cache - so
the same command resumes with what is missing. A grid that is complete is exported as a table
file, so that ``compare`` then knows its optimum and reports regret.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.executors._pool import run_in_workers
from spaces import UnknownSpaceError, available_spaces

Hidden = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TrainTask:
    """One config's missing training seeds."""

    family: str
    dataset: str
    device: str
    hidden: Hidden
    seeds: tuple[int, ...]


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
    """

    space: str
    tasks: tuple[TrainTask, ...]
    total: int
    recorded: int
    cache: str
    recipe_line: str

    @property
    def missing(self) -> int:
        """Models still to train."""
        return self.total - self.recorded


def plan_training(space: str, *, seeds: int | None = None, device: str = "cpu") -> TrainPlan:
    """The models of ``space``'s grid that its cache does not hold yet.

    Raises:
        UnknownSpaceError: ``space`` is not a space.
        ValueError: ``space`` is not a trainable grid, or ``seeds`` exceeds the recipe's.
    """
    from spaces.training import (
        GRID_FAMILIES,
        TRAINABLE_FAMILIES,
        TrainingCache,
        cache_path,
        family_space,
        hidden_sizes,
        recipe_for,
    )

    family, _, dataset = space.partition("/")
    if family not in TRAINABLE_FAMILIES:
        if space not in available_spaces():
            raise UnknownSpaceError(
                f"unknown space {space!r}; trainable grids: "
                + ", ".join(s for s in available_spaces() if s.split("/")[0] in GRID_FAMILIES)
            )
        raise ValueError(f"space {space!r} is a recorded table; there is nothing to train")
    if family not in GRID_FAMILIES:
        raise ValueError(
            f"space {space!r} is open (about 10^9 configs): it is trained on demand by "
            f"`compare`; `train` fills the grids {', '.join(GRID_FAMILIES)}"
        )
    recipe = recipe_for(dataset, device=device)
    n_seeds = recipe.n_seeds if seeds is None else seeds
    if not 1 <= n_seeds <= recipe.n_seeds:
        raise ValueError(f"--seeds {n_seeds}: the recipe has seeds 0..{recipe.n_seeds - 1}")
    path = cache_path(recipe)
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
            tasks.append(TrainTask(family, dataset, device, hidden, missing))
    return TrainPlan(
        space=space,
        tasks=tuple(tasks),
        total=grid.n_configs * n_seeds,
        recorded=recorded,
        cache=str(path),
        recipe_line=recipe.describe(),
    )


@functools.cache
def _context(dataset: str, device: str) -> tuple[object, object, object]:
    """This process's recipe, data set and cache for ``dataset`` (loaded once per worker)."""
    from spaces.training import TrainingCache, cache_path, load_dataset, recipe_for

    recipe = recipe_for(dataset, device=device)
    return (
        recipe,
        load_dataset(dataset),
        TrainingCache(cache_path(recipe), recipe),
    )


def train_task(task: TrainTask) -> int:
    """Train and record one task's models (in a worker); returns how many."""
    from spaces.training import train_config

    recipe, data, cache = _context(task.dataset, task.device)
    runs = train_config(recipe, data, task.hidden, list(task.seeds))  # type: ignore[arg-type]
    for run in runs:
        cache.put(task.hidden, run)  # type: ignore[attr-defined]
    return len(runs)


def run_training(
    plan: TrainPlan, *, workers: int, on_models: Callable[[int], None]
) -> list[tuple[TrainTask, str]]:
    """Train every task of ``plan``; ``on_models`` gets each config's model count as it ends.

    Returns:
        The tasks that failed, with the reason (a worker that died three times).
    """
    failed: list[tuple[TrainTask, str]] = []
    if workers <= 0:
        for task in plan.tasks:
            on_models(train_task(task))
        return failed
    run_in_workers(
        list(plan.tasks),
        workers=workers,
        target=train_task,
        on_result=lambda task, n: on_models(n),
        on_failure=lambda task, reason: failed.append((task, reason)),
    )
    return failed


def estimate_seconds(plan: TrainPlan, *, workers: int) -> float:
    """Seconds ``plan`` should take, from one measured config trained for one epoch.

    The warm-up trains the plan's median-size config with all its missing seeds for one
    epoch; every other config is scaled by its parameter count.
    """
    import dataclasses

    from spaces.training import load_dataset, recipe_for, train_config

    if not plan.tasks:
        return 0.0
    task = plan.tasks[0]
    recipe = recipe_for(task.dataset, device=task.device)
    data = load_dataset(task.dataset)

    def weight(t: TrainTask) -> float:
        sizes = (64, *t.hidden, 10)
        return float(sum(a * b for a, b in itertools.pairwise(sizes))) * len(t.seeds)

    ordered = sorted(plan.tasks, key=weight)
    probe = ordered[len(ordered) // 2]
    short = dataclasses.replace(recipe, epochs=1)
    start = time.perf_counter()
    train_config(short, data, probe.hidden, list(probe.seeds))
    per_weight = (time.perf_counter() - start) / weight(probe)
    total = sum(weight(t) for t in plan.tasks) * per_weight * recipe.epochs
    return total / max(1, min(workers, len(plan.tasks)))


def export_if_complete(space: str, *, device: str = "cpu", to: Path | None = None) -> str | None:
    """Export ``space``'s grid as a table once every model is recorded; returns its path.

    Args:
        space: A grid space.
        device: The device of the recipe.
        to: Where to write (default: beside the cache, where `load_objective` finds it).
    """
    from spaces.training import (
        TrainingCache,
        cache_path,
        export_grid,
        exported_table,
        recipe_for,
    )

    plan = plan_training(space, device=device)
    if plan.missing:
        return None
    family, _, dataset = space.partition("/")
    recipe = recipe_for(dataset, device=device)
    target = to or exported_table(family, dataset, recipe.checksum())
    with TrainingCache(cache_path(recipe), recipe) as cache:
        export_grid(family, recipe, cache, target, licence=_LICENCES.get(dataset, "see README"))
    return str(target)


_LICENCES = {
    "digits": "scikit-learn's bundled copy of the UCI optical digits data (CC BY 4.0)",
    "fashion-mnist": "Fashion-MNIST by Zalando Research (MIT)",
}
