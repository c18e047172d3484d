"""Trainable objectives: a space whose evaluations are answered by the training cache.

An evaluation of (config, training-seed slot) reads the cache; a miss trains that one model
with the recipe, records it and answers from the record. The budget is charged the recorded
training seconds, whether the answer came from the cache or was trained just now (design
invariant 6), so a comparison's outcome never depends on how warm the cache was.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Self

from spaces._objective import (
    Evaluation,
    Objective,
    ObjectiveInfo,
    Provenance,
    Reader,
)
from spaces._space import Space
from spaces.training._cache import Hidden, TrainingCache
from spaces.training._data import Dataset
from spaces.training._loop import TrainingRun
from spaces.training._recipe import Recipe, RecipeLike
from spaces.training._spaces import METRICS, hidden_sizes
from spaces.training._trainer import train_config


def evaluation_of(run: TrainingRun, search_metric: str) -> Evaluation:
    """A recorded training run as an evaluation of ``search_metric`` at its last epoch."""
    metrics = {
        "val_acc": float(run.val_acc[-1]),
        "test_acc": float(run.test_acc[-1]),
        "train_loss": float(run.train_loss[-1]),
        "params": float(run.n_params),
        "latency_ms": float(run.latency_ms),
    }
    return Evaluation(
        value=metrics[search_metric],
        cost_seconds=float(sum(run.epoch_seconds)),
        metrics=metrics,
    )


class TrainedObjective(Objective):
    """Answers evaluations from the training cache, training what it does not hold.

    Args:
        name: Space name (``mlpwide/digits``).
        space: The space; its dimensions' values are the hidden-layer sizes, in order.
        recipe: How every model is trained; its seeds are the training-seed slots.
        cache: The cache of ``recipe``.
        dataset: Loads the data set on the first miss (hits never need it).
        provenance: Where the numbers come from.
        search_metric: The metric searched.
    """

    def __init__(
        self,
        *,
        name: str,
        space: Space,
        recipe: RecipeLike,
        cache: TrainingCache,
        dataset: Callable[[], Dataset],
        provenance: Provenance,
        search_metric: str = "val_acc",
    ) -> None:
        self.info = ObjectiveInfo(
            name=name,
            space=space,
            metrics=METRICS,
            search_metric=search_metric,
            test_metric="test_acc",
            fidelities=(recipe.epochs,),
            fidelity=recipe.epochs,
            fully_recorded=False,
            provenance=provenance,
            checksum=recipe.checksum(),
        )
        self.recipe = recipe
        self.cache = cache
        self._dataset = dataset
        self._memo: dict[tuple[int, int], Evaluation] = {}
        self.trained = 0
        """Models this objective trained (cache misses) since it was loaded."""

    def hidden(self, index: int) -> Hidden:
        """The hidden-layer sizes of config ``index``."""
        return hidden_sizes(self.space, index)

    def train(self, hidden: Hidden, seed: int) -> TrainingRun:
        """Train one model of config ``hidden`` with training seed ``seed`` (a cache miss)."""
        assert isinstance(self.recipe, Recipe)  # a subclass trains other recipes
        (trained,) = train_config(self.recipe, self._dataset(), hidden, [seed])
        return trained

    def n_slots(self, index: int) -> int:
        """The recipe's training seeds."""
        return self.recipe.n_seeds

    def evaluate(self, index: int, slot: int) -> Evaluation:
        """The training run of config ``index`` with training seed ``slot``."""
        key = (index, slot)
        found = self._memo.get(key)
        if found is not None:
            return found
        hidden = self.hidden(index)
        run = self.cache.get(hidden, slot)
        if run is None:
            trained = self.train(hidden, slot)
            run = self.cache.put(hidden, trained)  # another process's run if it won the race
            self.trained += 1
        found = self._memo[key] = evaluation_of(run, self.info.search_metric)
        return found

    def take_new_models(self) -> list[tuple[Hidden, TrainingRun]]:
        """Models trained here that a read-only cache holds for its writer (then forgotten).

        Empty where the cache is writable: what this objective trains is recorded at once.
        """
        return self.cache.take_new()

    def reader(self) -> Reader:
        """A memo probe per hit; a miss trains (see `evaluate`)."""
        memo = self._memo
        evaluate = self.evaluate

        def value(index: int, slot: int) -> float:
            hit = memo.get((index, slot))
            return (hit if hit is not None else evaluate(index, slot)).value

        def cost(index: int, slot: int) -> float:
            hit = memo.get((index, slot))
            return (hit if hit is not None else evaluate(index, slot)).cost_seconds

        return Reader(n_slots=self.n_slots, value=value, cost=cost)

    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> Self:
        """This objective searching ``metric`` (one fidelity: the recipe's epochs).

        Another metric is a twin sharing the cache, the recipe and the data, with its own
        memo (a memo holds evaluations of one search metric).
        """
        metric = self.validate_selection(metric=metric, fidelity=fidelity)
        if metric == self.info.search_metric:
            return self
        twin = copy.copy(self)
        twin.info = dataclasses.replace(self.info, search_metric=metric)
        twin._memo = {}
        twin.trained = 0
        return twin
