"""One evaluation: a config looked up in the table, with the common-random-numbers seed draw.

`Lookup` is the only path from a config to a recorded value, for the run loop and for anyone
scripting the library: it validates the config, counts how often this run has evaluated it,
and returns the recorded training run that (run seed, config, occurrence) selects.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from harness._seeding import _GOLDEN, _MASK, crn_key
from spaces import Config, Space, TabularBenchmark

# Above this many configs the row dict would cost too much memory; rows are computed instead.
_MAX_ROW_DICT = 2_000_000


@lru_cache(maxsize=16)
def _rows_of(space: Space) -> dict[Config, int]:
    """Every config of ``space`` mapped to its row: one dict probe validates and indexes."""
    n = space.n_configs
    return dict(zip(map(tuple, space.configs(np.arange(n)).tolist()), range(n), strict=True))


class InvalidConfigError(ValueError):
    """A strategy proposed something that is not a config of the space."""


class Lookup:
    """Evaluations of one run on one table.

    Args:
        benchmark: The table.
        seed: The run seed; with the table's name it fixes which recorded seed each
            evaluation returns, whatever strategy asks.
    """

    __slots__ = (
        "_costs", "_counts", "_key", "_n_dims", "_n_seeds", "_rows", "_sizes", "_strides",
        "_values",
    )  # fmt: skip

    def __init__(self, benchmark: TabularBenchmark, seed: int) -> None:
        space = benchmark.space
        self._key = crn_key(seed, benchmark.name)
        # Bound `ndarray.item` calls: a Python scalar straight from the array, with no
        # per-run conversion of the whole table.
        self._values = benchmark.values.item
        self._costs = benchmark.costs.item
        self._n_seeds = benchmark.n_seeds.item
        self._strides = space._strides
        self._sizes = space.sizes
        self._n_dims = len(space.sizes)
        self._counts: dict[int, int] = {}
        self._rows = _rows_of(space) if space.n_configs <= _MAX_ROW_DICT else {}

    def index(self, config: Config) -> int:
        """Row number of ``config``.

        A tuple of numbers equal to valid choice indices (numpy integers, ``2.0``) is taken as
        that config: the row dict that makes lookups fast compares by value.

        Raises:
            InvalidConfigError: ``config`` is not a tuple of in-range choice indices.
        """
        row = self._rows.get(config) if type(config) is tuple else None
        if row is not None:
            return row
        if type(config) is not tuple or len(config) != self._n_dims:
            raise InvalidConfigError(f"ask() returned {config!r}, not a config of the space")
        index = 0
        for c, s, n in zip(config, self._strides, self._sizes, strict=True):
            if type(c) is not int or not 0 <= c < n:
                # numpy integers are accepted; anything else is a strategy bug.
                if isinstance(c, bool) or not isinstance(c, np.integer) or not 0 <= c < n:
                    raise InvalidConfigError(
                        f"ask() returned {config!r}, not a config of the space"
                    )
            index += int(c) * s
        return index

    def evaluate(self, config: Config, *, max_cost: float = math.inf) -> tuple[int, float, float]:
        """Evaluate ``config``: its row, observed value and training cost in seconds.

        Args:
            config: The config.
            max_cost: The most this evaluation may cost; if the selected recorded run costs
                more, nothing is evaluated or counted and the returned value is NaN with the
                cost that would have been spent.

        Raises:
            InvalidConfigError: ``config`` is not a config of the space.
        """
        index = self._rows.get(config) if type(config) is tuple else None
        if index is None:
            index = self.index(config)
        occurrence = self._counts.get(index, 0)
        # Inlined `harness._seeding.recorded_slot`: this is the hottest line of a comparison.
        mixed = (((self._key ^ index) * _GOLDEN) & _MASK) >> 32
        slot = (mixed + occurrence) % self._n_seeds(index)
        cost: float = self._costs(index, slot)
        if cost > max_cost:
            return index, math.nan, cost
        self._counts[index] = occurrence + 1
        return index, self._values(index, slot), cost

    @property
    def n_unique(self) -> int:
        """Distinct configs evaluated so far."""
        return len(self._counts)
