"""What DARTS, GDAS and RSWS share as strategies: proposing the cells their supernet ranked.

A weight-sharing strategy (``weight_sharing = True``) does its search before its first
``ask``: the harness runs `WeightSharing.search_supernet` on the space's supernet task (or
replays the recorded search), charges its recorded seconds to the run's budget and hands the
result to `WeightSharing.learn_supernet`. The strategy then proposes the cells the search
ranked, best first, each trained stand-alone and charged like any evaluation; the incumbent
is the best stand-alone result so far, so the first proposal - the cell the method derives -
is always evaluated, and further budget buys the next-ranked cells. Once every proposal has
been evaluated, the rest of the budget goes to cells drawn uniformly at random (not yet
evaluated), counted in the diagnostics as ``fallback_evaluations``.

Diagnostics (stored with the run, read by the report): the derived cell's operations, for
every proposal evaluated its supernet validation accuracy beside the stand-alone value the
run observed (the report's Kendall tau between the two), and the search's epochs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from spaces import NB201_OPS, Config, is_nb201_cell
from spaces.diagnostics import DERIVED_OPS, SUPERNET_SCORES, SupernetScore
from strategies._base import WEIGHT_SHARING, Observation, Strategy
from strategies._options import StrategyOptions, option

if TYPE_CHECKING:
    from spaces.training import SupernetTask


@dataclass(frozen=True, slots=True, kw_only=True)
class SupernetOptions(StrategyOptions):
    """The options every weight-sharing strategy has; each field's ``help`` says what it does."""

    epochs: int = option(
        0, minimum=0, help="Supernet training epochs (0: the space recipe's epochs)."
    )
    candidates: int = option(
        100,
        minimum=1,
        help="Cells proposed best first (as the search ranks them) before random ones.",
    )
    rank_rows: int = option(
        0, minimum=0, help="Validation images the supernet scores a cell on (0: all)."
    )


class WeightSharing(Strategy):
    """Base of the weight-sharing strategies; subclasses implement `search`."""

    tags = frozenset({WEIGHT_SHARING})
    supernet_version: ClassVar[int] = 1
    """Bump when a search changes what it returns for the same options and seed."""
    algorithm: ClassVar[str]
    """The search function of `strategies._supernet` (``darts``...); it takes the task and
    every option of the strategy, by name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_nb201_cell(self.space):
            raise ValueError(
                f"strategy {self.display_name()!r} trains a supernet of NAS-Bench-201 cells; this "
                "space is not one (use cell/digits or cell/fashion-mnist)"
            )
        # Operation index (into NB201_OPS) -> choice index of each edge's dimension.
        self._choice = [
            [list(map(str, d.choices)).index(op) for op in NB201_OPS] for d in self.space.dimensions
        ]
        self._proposals: list[Config] = []
        self._supernet_acc: dict[Config, float | None] = {}
        self._derived: list[str] = []
        self._epochs = 0
        self._next = 0
        self._seen: set[Config] = set()
        self._told: list[tuple[Config, float]] = []

    def supernet_key(self) -> dict[str, Any]:
        """What identifies this strategy's search (the harness adds the seed and recipe)."""
        return {
            "strategy": self.display_name(),
            "version": self.supernet_version,
            "options": self.options(),
        }

    def search_supernet(self, task: SupernetTask) -> dict[str, Any]:
        """Run the search on ``task`` (called by the harness, possibly in another run).

        Must depend only on the task (its seed) and the options: the result is recorded
        and replayed for every run with the same key.
        """
        from strategies import _supernet  # torch: only where a search really runs

        search = getattr(_supernet, self.algorithm)
        result: dict[str, Any] = search(task, **self.options())
        return result

    def cell_config(self, ops: list[int]) -> Config:
        """The config of the cell with operation indices ``ops``."""
        return tuple(self._choice[e][k] for e, k in enumerate(ops))

    def learn_supernet(self, result: Mapping[str, Any]) -> None:
        """Take the search's ranked proposals (see the module doc)."""
        accuracies = list(result["supernet_acc"])
        for ops, acc in zip(result["proposals"], accuracies, strict=True):
            config = self.cell_config(list(ops))
            if config not in self._supernet_acc:
                self._proposals.append(config)
                self._supernet_acc[config] = None if acc is None else float(acc)
        self._derived = [NB201_OPS[int(k)] for k in result["derived"]]
        self._epochs = int(result["epochs"])

    def ask(self) -> Config:
        """The next proposal not yet evaluated, else a random cell not yet evaluated."""
        while self._next < len(self._proposals):
            config = self._proposals[self._next]
            self._next += 1
            if config not in self._seen:
                return config
        for _ in range(1000):
            config = self.space.sample(self.rng)
            if config not in self._seen:
                return config
        return self.space.sample(self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        """Remember what was evaluated (the supernet search is over)."""
        self._seen.add(config)
        self._told.append((config, observation.value))

    def diagnostics(self) -> dict[str, Any]:
        """Derived cell, supernet accuracies of the evaluated proposals, fallbacks."""
        # (config, supernet accuracy, observed stand-alone value) of each evaluated proposal.
        scored: list[SupernetScore] = [
            (list(map(int, config)), acc, value)
            for config, value in self._told
            if (acc := self._supernet_acc.get(config)) is not None and value == value  # not NaN
        ]
        return {
            DERIVED_OPS: self._derived,
            SUPERNET_SCORES: scored,
            "search_epochs": self._epochs,
            "fallback_evaluations": sum(c not in self._supernet_acc for c, _ in self._told),
        }
