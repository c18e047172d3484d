"""What generator strategies share: a pool of generated candidates and a random fallback.

A generator (`nal`, `pg-nag`) samples a batch of architectures from its model; the pool keeps
the distinct ones not evaluated yet, best first by the generator's own score, and hands them
out one per ask. When it runs dry the generator samples again; when sampling stops yielding
anything new, `random_unseen` gives a uniformly drawn unevaluated config, so no config is
suggested twice while unevaluated ones remain.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt

from spaces import Config, Space
from strategies._arch_graph import ArchitectureGraph, QualityCounter

MAX_REJECTIONS = 64
"""Random draws tried before listing the unevaluated configs of a nearly exhausted space."""
LISTED_UP_TO = 200_000
"""Spaces up to this size may be listed whole to find their last unevaluated configs."""


def random_unseen(space: Space, rng: np.random.Generator, seen: set[int]) -> Config:
    """A config drawn as `Space.sample` does, not in ``seen`` (any once every one is).

    ``seen`` holds config indices. Rejection sampling first; a nearly exhausted small space
    is listed instead, so the draw ends however few configs are left.
    """
    n = space.n_configs
    if len(seen) >= n:
        return space.sample(rng)
    for _ in range(MAX_REJECTIONS):
        config = space.sample(rng)
        if space.index(config) not in seen:
            return config
    if n > LISTED_UP_TO:
        while True:  # terminates: most of such a space is unevaluated
            config = space.sample(rng)
            if space.index(config) not in seen:
                return config
    left = np.setdiff1d(np.arange(n), np.fromiter(seen, dtype=np.int64, count=-1))
    return space.config(int(left[rng.integers(len(left))]))


class CandidatePool:
    """Generated configs waiting for evaluation, highest score first, each handed out once.

    Args:
        space: The space the configs belong to.
        graph: Its graph view; invalid configs (a cell with no input-to-output path) are
            counted but only handed out when ``valid_only`` is false.
        quality: Counts every sampled batch (validity, uniqueness, novelty).
        valid_only: Whether to keep invalid configs out of the pool.
    """

    def __init__(
        self,
        space: Space,
        graph: ArchitectureGraph,
        quality: QualityCounter,
        *,
        valid_only: bool,
    ) -> None:
        self.space = space
        self.graph = graph
        self.quality = quality
        self.valid_only = valid_only
        self.seen: set[int] = set()  # evaluated or handed out
        self._heap: list[tuple[float, int]] = []  # (-score, index)
        self._pooled: set[int] = set()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, configs: npt.ArrayLike, scores: npt.ArrayLike) -> int:
        """Add a sampled batch (rows of choice indices, one score each); returns how many are new.

        New means distinct, not evaluated or handed out, not pooled already, and valid (when
        ``valid_only``). Every row is counted in `quality`, new or not.
        """
        rows = np.asarray(configs, dtype=np.int64).reshape(-1, self.graph.n_slots)
        values = np.asarray(scores, dtype=np.float64).reshape(-1)
        indices = self.space.indices(rows)
        self.quality.add(rows, indices)
        keep = self.graph.valid(rows) if self.valid_only else np.ones(len(rows), dtype=bool)
        added = 0
        for index, score, ok in zip(indices.tolist(), values.tolist(), keep.tolist(), strict=True):
            if ok and index not in self.seen and index not in self._pooled:
                heapq.heappush(self._heap, (-score, index))  # ties: the lower index first
                self._pooled.add(index)
                added += 1
        return added

    def pop(self) -> Config | None:
        """The best pooled config not yet seen (and now marked seen), or None if none is left."""
        while self._heap:
            _, index = heapq.heappop(self._heap)
            self._pooled.discard(index)
            if index not in self.seen:
                self.seen.add(index)
                return self.space.config(index)
        return None

    def clear(self) -> None:
        """Forget the pooled candidates (after the model changed); seen configs stay seen."""
        self._heap.clear()
        self._pooled.clear()


__all__ = ["LISTED_UP_TO", "MAX_REJECTIONS", "CandidatePool", "random_unseen"]
