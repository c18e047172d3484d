"""Architectures as graphs, for the generators `nal` and `pg-nag`: structure and validity.

A space's configs become graphs with one *slot* node per dimension, plus an input and an
output node (node 0 is the input, node ``i + 1`` is dimension ``i``'s slot, the last node is
the output):

- A NAS-Bench-201 cell (`spaces.is_nb201_cell`) is drawn *operations as nodes*, the way
  NAS-Bench-101 (from which NAL learned) draws its cells: each of the 6 edges of the cell's
  DAG becomes an operation node, and operation node ``a`` links to ``b`` when ``a``'s edge
  ends where ``b``'s starts. The links are read off `spaces.NB201_PATHS` (every link lies on
  an input-to-output path), so this module knows nothing of the cell that `spaces` does not
  say. A ``none`` operation carries no signal: it is an absent node, and its links with it.
- Every other space is a *chain*: input, then the dimensions in order, then the output (a
  multi-layer perceptron's layers, or hyperparameters read as a pipeline).

A cell is *valid* when some input-to-output path has no ``none`` on it (NAS-Bench-201 records
disconnected cells too; they train to chance accuracy). Every chain is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from spaces import NB201_PATHS, Space, is_nb201_cell

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ArchitectureGraph:
    """The graph view of a space's configs.

    Attributes:
        kind: ``"cell"`` (a NAS-Bench-201 cell, operations as nodes) or ``"chain"``.
        n_slots: Slot nodes: one per dimension of the space.
        links: ``(n_slots + 2, n_slots + 2)`` directed links ``u -> v`` between nodes
            (input 0, slots ``1..n_slots``, output ``n_slots + 1``); no self links.
        paths: Input-to-output paths as the dimensions (slots) they cross, in order.
        none_value: Per dimension, the choice index that means "no operation", or -1.
        order: The dimensions in topological order of their slots (generation order).
    """

    kind: str
    n_slots: int
    links: BoolArray
    paths: tuple[tuple[int, ...], ...]
    none_value: tuple[int, ...]
    order: tuple[int, ...]

    @property
    def n_nodes(self) -> int:
        """Nodes of the graph: the slots, the input and the output."""
        return self.n_slots + 2

    def valid(self, configs: npt.ArrayLike) -> BoolArray:
        """Per config (rows of choice indices), whether some path carries no ``none``."""
        arr = np.asarray(configs, dtype=np.int64).reshape(-1, self.n_slots)
        dead = arr == np.asarray(self.none_value, dtype=np.int64)  # -1 never matches
        alive = np.zeros(len(arr), dtype=bool)
        for path in self.paths:
            alive |= ~dead[:, list(path)].any(axis=1)
        return alive

    def is_valid(self, config: tuple[int, ...]) -> bool:
        """Whether one config is valid (see `valid`)."""
        return bool(self.valid([config])[0])


def architecture_graph(space: Space) -> ArchitectureGraph:
    """The graph view of ``space``: a NAS-Bench-201 cell's, or a chain over its dimensions."""
    n = len(space.dimensions)
    links = np.zeros((n + 2, n + 2), dtype=bool)
    if is_nb201_cell(space):
        paths = NB201_PATHS
        for path in paths:
            nodes = [0, *(edge + 1 for edge in path), n + 1]
            for u, v in pairwise(nodes):
                links[u, v] = True
        none_value = tuple(
            [str(choice) for choice in d.choices].index("none") for d in space.dimensions
        )
        return ArchitectureGraph(
            kind="cell",
            n_slots=n,
            links=links,
            paths=paths,
            none_value=none_value,
            order=_topological(links, n),
        )
    for u in range(n + 1):
        links[u, u + 1] = True
    return ArchitectureGraph(
        kind="chain",
        n_slots=n,
        links=links,
        paths=(tuple(range(n)),),
        none_value=(-1,) * n,
        order=tuple(range(n)),
    )


def _topological(links: BoolArray, n_slots: int) -> tuple[int, ...]:
    """The slots (as dimension indices) in a topological order of ``links``, lowest first."""
    indegree = links.sum(axis=0).astype(np.int64)
    ready = [0]
    order: list[int] = []
    while ready:
        ready.sort()
        u = ready.pop(0)
        if 1 <= u <= n_slots:
            order.append(u - 1)
        for v in np.flatnonzero(links[u]):
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(int(v))
    return tuple(order)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationQuality:
    """What a generator's raw samples were like: the usual validity, uniqueness, novelty.

    Attributes:
        n_samples: Configs sampled from the model (before removing repeats).
        n_valid: Of them, valid (`ArchitectureGraph.valid`).
        n_unique: Distinct configs among them.
        n_novel: Distinct configs that are not among the architectures learned from (the
            sources' top configs, the "expert designs").
    """

    n_samples: int = 0
    n_valid: int = 0
    n_unique: int = 0
    n_novel: int = 0

    def as_dict(self) -> dict[str, float | int]:
        """Samples, and fractions (valid and unique of samples, novel of unique; 6 digits)."""
        return {
            "n_samples": self.n_samples,
            "valid": round(self.n_valid / self.n_samples, 6) if self.n_samples else 0.0,
            "unique": round(self.n_unique / self.n_samples, 6) if self.n_samples else 0.0,
            "novel": round(self.n_novel / self.n_unique, 6) if self.n_unique else 0.0,
        }


class QualityCounter:
    """Counts `GenerationQuality` over every batch a generator samples during a run.

    Args:
        graph: The space's graph view (for validity).
        learned_from: Indices of the configs the model learned from (for novelty).
    """

    def __init__(self, graph: ArchitectureGraph, learned_from: npt.ArrayLike) -> None:
        self._graph = graph
        self._learned_from = {int(i) for i in np.asarray(learned_from, dtype=np.int64)}
        self._seen: set[int] = set()
        self._n_samples = 0
        self._n_valid = 0

    def add(self, configs: npt.ArrayLike, indices: npt.ArrayLike) -> None:
        """Count a batch of sampled configs (rows) and their config indices."""
        rows = np.asarray(configs, dtype=np.int64).reshape(-1, self._graph.n_slots)
        self._n_samples += len(rows)
        self._n_valid += int(self._graph.valid(rows).sum())
        self._seen.update(int(i) for i in np.asarray(indices, dtype=np.int64))

    def quality(self) -> GenerationQuality:
        """The counts so far."""
        return GenerationQuality(
            n_samples=self._n_samples,
            n_valid=self._n_valid,
            n_unique=len(self._seen),
            n_novel=len(self._seen - self._learned_from),
        )


__all__ = [
    "ArchitectureGraph",
    "GenerationQuality",
    "QualityCounter",
    "architecture_graph",
]
