"""Space sources: each family of spaces is one plugin module.

A source knows a set of space names (``nb201/cifar10``...) or a name prefix (``table:`` for
user tables), what each space declares without loading it (for ``python -m harness list``),
and how to load one as an `Objective`. Built-in sources are the modules of `spaces.sources`,
discovered by walking that package; other packages register theirs under the
``harness.spaces`` entry-point group (``name = "module:Class"``), so a new source never edits
a central list.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from spaces._objective import Direction, Objective, Provenance
from spaces._space import Space
from spaces._table import TableOptions

if TYPE_CHECKING:
    from spaces.training import TrainingContext


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceInfo:
    """What `python -m harness list` shows of a space, known without loading it.

    Attributes:
        name: Registry name.
        space: The search space.
        search_metric: The metric searched by default.
        direction: Its direction.
        metrics: Every metric an evaluation reports.
        test_metric: The metric reported for the incumbent on test, if any.
        fidelities: Training lengths offered (empty for a single unstated schedule).
        provenance: Where the numbers come from (``package`` may omit the version).
        seeds: Recorded training seeds per config, as text (``3``, ``2-3``); None where the
            source does not say before loading.
        report_metric: The metric reports score the incumbent on by default (None: the test
            metric where there is one, else the search metric).
        optimum_known: Whether every config is recorded, so the optimum is known; None where
            that depends on what has been recorded so far (a training cache).
    """

    name: str
    space: Space
    search_metric: str
    direction: Direction
    metrics: tuple[str, ...]
    test_metric: str | None
    fidelities: tuple[int, ...]
    provenance: Provenance
    seeds: str | None = None
    report_metric: str | None = None
    optimum_known: bool | None = None


Training = Literal["recorded", "grid", "on-demand", "closed-form"]
"""How a space gets its results: ``recorded`` (a table: nothing to train), ``grid`` (a finite
grid of trainable models that ``harness train`` can fill ahead of a comparison),
``on-demand`` (an open space whose models are trained when a comparison asks for them) or
``closed-form`` (computed, not trained)."""


class SpaceSource(ABC):
    """A family of spaces. Subclasses set `name` and implement the three methods.

    A source with a `prefix` answers every name that starts with it (``table:PATH``); one
    without answers exactly the names `names` lists.
    """

    name: ClassVar[str]
    """Short name of the source, shown by ``python -m harness list``."""
    prefix: ClassVar[str | None] = None
    """A name prefix this source answers (``table:``), or None for a fixed list of names."""

    @abstractmethod
    def names(self) -> tuple[str, ...]:
        """The fixed space names of this source, in a stable order."""

    @abstractmethod
    def describe(self, name: str) -> SpaceInfo | None:
        """Static facts of space ``name`` without loading it (None for prefixed names)."""

    def training(self, name: str) -> Training:
        """How space ``name`` gets its results (see `Training`); a recorded table by default."""
        return "recorded"

    def recorded(self, name: str) -> str:
        """How much of space ``name`` is recorded, for ``list`` (``all`` by default)."""
        return "all"

    @abstractmethod
    def load(self, name: str, *, table_options: TableOptions | None) -> Objective:
        """Load space ``name`` as an objective.

        Args:
            name: One of `names`, or a name starting with `prefix`.
            table_options: How to read user tables; sources that read none ignore it.
        """

    def load_training(
        self, name: str, *, table_options: TableOptions | None, training: TrainingContext
    ) -> Objective:
        """Load space ``name``, whose models train and are cached as ``training`` says.

        Sources that train (`spaces.sources.trained`, `spaces.sources.trained_cells`)
        override this; the others have nothing to train and load as `load` does.
        """
        return self.load(name, table_options=table_options)


class TrainingSource(SpaceSource):
    """A source whose spaces train models: subclasses implement `load_training`.

    `load` loads in the environment's training context (`spaces.training.TrainingContext.
    from_environment`, which the command line fills); callers that hold a context pass it
    to `load_training` (`spaces.load_objective`'s ``training``).
    """

    def load(self, name: str, *, table_options: TableOptions | None) -> Objective:
        """`load_training` in the environment's training context."""
        from spaces.training import TrainingContext  # torch-free; only trainable spaces need it

        context = TrainingContext.from_environment()
        return self.load_training(name, table_options=table_options, training=context)

    @abstractmethod
    def load_training(
        self, name: str, *, table_options: TableOptions | None, training: TrainingContext
    ) -> Objective:
        """Load space ``name``, whose models train and are cached as ``training`` says."""
