"""What generator strategies share: their lifecycle, expert designs, a pool, a fallback.

A generator (`nal`, `pg-nag`) learns from the sources' best configs (`expert_designs`) and
samples batches of architectures from its model; the `CandidatePool` keeps the distinct ones
not evaluated yet, best first by the generator's own score, and hands them out one per ask
(`CandidatePool.next`). When it runs dry the generator samples again, at a higher temperature
after a batch with nothing new; when sampling stops yielding anything new, `random_unseen`
gives a uniformly drawn unevaluated config, so no config is suggested twice while unevaluated
ones remain. `GeneratorStrategy` is the lifecycle around them that `nal` and `pg-nag` share.
"""

from __future__ import annotations

import heapq
import math
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Config, PriorData, Space
from spaces.diagnostics import GENERATION, SOURCES
from strategies._arch_graph import ArchitectureGraph, QualityCounter, architecture_graph
from strategies._asnn_model import configure_torch
from strategies._base import PRIOR, Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._options import StrategyOptions, option
from strategies._transfer import check_priors, source_ranks

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_REJECTIONS = 64
"""Random draws tried before listing the unevaluated configs of a nearly exhausted space."""
LISTED_UP_TO = 200_000
"""Spaces up to this size may be listed whole to find their last unevaluated configs."""
MAX_EMPTY_BATCHES = 5
"""Generated batches with nothing new, in a row, before a random unevaluated config."""
HOTTER = 1.5
"""Factor on the sampling temperature after a batch with nothing new."""
MAX_TEMPERATURE = 10.0

Sampler = Callable[[float], tuple[IntArray, FloatArray]]
"""A generator's batch: ``sample(temperature)`` gives configs (rows) and a score for each."""


def expert_designs(priors: Sequence[PriorData], fraction: float) -> tuple[IntArray, FloatArray]:
    """Each source's top ``fraction`` of its recorded configs (at least 2), and sampling weights.

    Sources with fewer than 2 recorded configs are left out.

    Returns:
        Config indices (a config best in two sources appears twice) and weights summing to 1,
        each source's designs sharing ``1 / n_sources`` equally.
    """
    indices: list[IntArray] = []
    weights: list[FloatArray] = []
    usable = [p for p in priors if np.isfinite(p.scores()).sum() >= 2]
    for prior in usable:
        recorded, ranks = source_ranks(prior)
        n_top = min(len(recorded), max(2, math.ceil(fraction * len(recorded))))
        indices.append(recorded[np.argsort(-ranks, kind="stable")[:n_top]])
        weights.append(np.full(n_top, 1.0 / (len(usable) * n_top)))
    if not indices:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(indices), np.concatenate(weights)


def random_unseen(
    space: Space, rng: np.random.Generator, seen: set[int], *, listed_up_to: int = LISTED_UP_TO
) -> Config:
    """A config drawn as `Space.sample` does, not in ``seen`` (any once every one is).

    ``seen`` holds config indices. Rejection sampling first; a nearly exhausted space of at
    most ``listed_up_to`` configs is listed instead, so the draw ends however few are left.
    """
    n = space.n_configs
    if len(seen) >= n:
        return space.sample(rng)
    for _ in range(MAX_REJECTIONS):
        config = space.sample(rng)
        if space.index(config) not in seen:
            return config
    if n > listed_up_to:
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
        temperature: The sampling temperature of the first batch (and after `restart`).
    """

    def __init__(
        self,
        space: Space,
        graph: ArchitectureGraph,
        quality: QualityCounter,
        *,
        valid_only: bool,
        temperature: float = 1.0,
    ) -> None:
        self.space = space
        self.graph = graph
        self.quality = quality
        self.valid_only = valid_only
        self.base_temperature = temperature
        self.temperature = temperature
        self._dry = False  # the last batches yielded nothing new
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

    def next(self, sample: Sampler, rng: np.random.Generator) -> Config:
        """The best pooled config, sampling batches when none is left; else a random one.

        A batch with nothing new raises the temperature by `HOTTER`; after
        `MAX_EMPTY_BATCHES` such batches in a row the config is `random_unseen`, and until a
        batch yields something again each call samples one batch only.
        """
        for _ in range(1 if self._dry else MAX_EMPTY_BATCHES):
            config = self.pop()
            if config is not None:
                return config
            if len(self.seen) >= self.space.n_configs:
                break
            configs, scores = sample(self.temperature)
            if self.add(configs, scores):
                self._dry = False
            else:
                self.temperature = min(self.temperature * HOTTER, MAX_TEMPERATURE)
        config = self.pop()
        if config is not None:
            return config
        self._dry = True
        return self.random(rng)

    def random(self, rng: np.random.Generator) -> Config:
        """A `random_unseen` config, marked seen."""
        config = random_unseen(self.space, rng, self.seen)
        self.seen.add(self.space.index(config))
        return config

    def restart(self, quality: QualityCounter) -> None:
        """After the model changed: forget the pool, count anew, first temperature again.

        Seen configs stay seen.
        """
        self._heap.clear()
        self._pooled.clear()
        self.quality = quality
        self.temperature = self.base_temperature
        self._dry = False


__all__ = [
    "HOTTER",
    "LISTED_UP_TO",
    "MAX_EMPTY_BATCHES",
    "MAX_REJECTIONS",
    "MAX_TEMPERATURE",
    "CandidatePool",
    "GeneratorOptions",
    "GeneratorStrategy",
    "Sampler",
    "expert_designs",
    "random_unseen",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneratorOptions(StrategyOptions):
    """The options every generator has; a generator's ``Options`` extends these."""

    expert_fraction: float = option(
        0.05,
        exclusive_minimum=0.0,
        maximum=1.0,
        help="Share of each source's recorded configs, its best, learned from as expert"
        " designs (at least 2 per source).",
    )
    n_samples: int = option(256, minimum=1, help="Architectures generated per sampled batch.")
    valid_only: bool = option(
        True,
        help="Drop generated cells with no input-to-output path instead of evaluating them.",
    )
    n_init: int | None = n_init_option(
        "Random configs evaluated first when there are no sources; None means 10, capped"
        " to the budget and the space."
    )


class GeneratorStrategy(Strategy):
    """A transfer strategy that generates from a model of the sources' best designs.

    The lifecycle `nal` and `pg-nag` share. `learn_prior` checks the sources and hands those
    with two recorded configs or more to `_learn_sources` (once, before the first ask).
    Every ``ask`` takes the best pooled candidate, sampling batches through `_sample` when
    the pool is empty (`CandidatePool.next`). ``tell`` only records the observation: with
    sources, results never steer the generator. Without usable sources, the first
    ``n_init`` asks are random, then `_learn_target` learns from the observations, again
    after every ``n_init`` more.
    """

    tags = frozenset({PRIOR})
    opts: GeneratorOptions

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._n_init = initial_design_size(self, self.opts.n_init)
        self._graph = architecture_graph(space)
        self._torch_seed = int(self.rng.integers(2**62))
        self._sources: list[str] = []
        self._experts: IntArray = np.zeros(0, dtype=np.int64)
        self._pool = CandidatePool(
            space,
            self._graph,
            QualityCounter(self._graph, self._experts),
            valid_only=self.opts.valid_only,
            temperature=self._first_temperature(),
        )
        self._n_asked = 0
        self._observed: list[tuple[float, int]] = []  # (score, index), in order
        self._learned_at = 0  # observations when the model last learned (no sources)
        self._from_sources = False  # whether the model learned from sources

    @classmethod
    def warm_up(cls) -> None:
        """Import torch (one thread), so that the import is not learning time."""
        configure_torch()

    # -- what a generator supplies -------------------------------------------------------------
    def _first_temperature(self) -> float:
        """The sampling temperature of the first batch (and after each learning)."""
        return 1.0

    @abstractmethod
    def _learn_sources(self, priors: Sequence[PriorData]) -> None:
        """Learn from sources that each recorded two configs or more."""

    @abstractmethod
    def _learn_target(self, scores: FloatArray, indices: IntArray) -> None:
        """Without sources: learn from the observations (larger-is-better scores)."""

    @abstractmethod
    def _sample(self, temperature: float) -> tuple[IntArray, FloatArray]:
        """A batch of ``n_samples`` generated configs (rows) and their scores."""

    def _learned(self, experts: IntArray) -> None:
        """Record the designs just learned from; the pool starts over."""
        self._experts = np.unique(np.concatenate([self._experts, experts]))
        self._pool.restart(QualityCounter(self._graph, self._experts))

    # -- the lifecycle -------------------------------------------------------------------------
    def learn_prior(self, priors: Sequence[PriorData]) -> None:
        """Learn from the sources' expert designs (see `GeneratorStrategy`).

        Raises:
            ValueError: A source does not have one value per config of the space.
            RuntimeError: Called after the first ``ask``.
        """
        if self._n_asked:
            raise RuntimeError(
                f"{self.display_name()}: learn_prior must be called before the first ask"
            )
        check_priors(self.space, priors)
        self._sources = [prior.space for prior in priors]
        usable = [p for p in priors if np.isfinite(p.scores()).sum() >= 2]
        if usable:
            self._learn_sources(usable)
            self._from_sources = True

    def ask(self) -> Config:
        """The next generated config (generating more when none is left), else a random one."""
        self._n_asked += 1
        if len(self._pool.seen) >= self.space.n_configs:
            return self._pool.random(self.rng)  # every config evaluated: only repeats are left
        if not self._from_sources:
            n = len(self._observed)
            if n < self._n_init:
                return self._pool.random(self.rng)
            if n - self._learned_at >= self._n_init:
                self._learned_at = n
                scores = np.asarray([s for s, _ in self._observed], dtype=np.float64)
                indices = np.asarray([i for _, i in self._observed], dtype=np.int64)
                self._learn_target(scores, indices)
        return self._pool.next(self._sample, self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the observation (it steers nothing while there are sources)."""
        index = self.space.index(config)
        self._pool.seen.add(index)
        self._observed.append((self.score(observation.value), index))

    def _generation(self) -> dict[str, Any]:
        """The diagnostics every generator reports: sources, experts, sample quality."""
        return {
            SOURCES: list(self._sources),
            "n_experts": len(self._experts),
            GENERATION: self._pool.quality.quality().as_dict(),
        }
