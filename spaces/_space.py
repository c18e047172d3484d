"""Search spaces: ordered named dimensions and the configs that are their points.

A config is a tuple of choice indices, one per dimension, in dimension order. That spelling is
canonical (one tuple per point), hashable, cheap to compare and maps to a dense row number by
mixed-radix arithmetic, which is what makes a table lookup O(1). `Space.values` turns a config
back into readable choice values.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Config = tuple[int, ...]
"""A point of a space: the index of the chosen value in each dimension, in dimension order."""

Choice = int | float | str
DimensionKind = Literal["categorical", "ordinal"]

MAX_CONFIGS = 2**63 - 1
"""The most configs a space may have: row numbers are int64 (`Space.indices`, the tables)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Dimension:
    """One named dimension of a space.

    Attributes:
        name: The dimension's name, unique within its space.
        kind: ``"categorical"`` (unordered choices) or ``"ordinal"`` (sorted numeric choices).
        choices: The values this dimension can take; for ordinal dimensions strictly increasing.
        log: Ordinal only, every choice positive: the values are a scale (layer widths 8..1024)
            on which ratios matter, not differences. Sampling is log-uniform, neighbours and
            mutations step by factors, and `Space.encode` places a choice by its logarithm.
            With ``False`` (the default) a choice's rank is its position (right for the
            built-in grids, which are log-spaced already).
    """

    name: str
    kind: DimensionKind
    choices: tuple[Choice, ...]
    log: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a dimension needs a non-empty name")
        if self.kind not in ("categorical", "ordinal"):
            raise ValueError(
                f"dimension {self.name!r}: kind {self.kind!r} is not one of categorical, ordinal"
            )
        if len(self.choices) == 0:
            raise ValueError(f"dimension {self.name!r} has no choices")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError(f"dimension {self.name!r} has repeated choices: {self.choices!r}")
        if self.kind == "ordinal":
            if not all(
                isinstance(c, int | float) and not isinstance(c, bool) for c in self.choices
            ):
                raise ValueError(f"ordinal dimension {self.name!r} needs numeric choices")
            if any(b <= a for a, b in zip(self.choices, self.choices[1:], strict=False)):  # type: ignore[operator]
                raise ValueError(f"ordinal dimension {self.name!r} needs increasing choices")
        if self.log and (self.kind != "ordinal" or not all(float(c) > 0 for c in self.choices)):
            raise ValueError(
                f"dimension {self.name!r}: log=True needs an ordinal dimension of positive values"
            )

    @property
    def positions(self) -> npt.NDArray[np.float64]:
        """Each choice's place in [0, 1]: by rank, or by logarithm for a `log` dimension."""
        n = len(self.choices)
        if not self.log:
            return np.arange(n, dtype=np.float64) / max(n - 1, 1)
        logs = np.log(np.asarray(self.choices, dtype=np.float64))
        span = logs[-1] - logs[0]
        return (logs - logs[0]) / span if span > 0 else np.zeros(n)

    def nearest(self, positions: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Indices of the choices whose `positions` are nearest to ``positions``."""
        grid = self.positions
        x = np.asarray(positions, dtype=np.float64)
        right = np.clip(np.searchsorted(grid, x), 1, max(len(grid) - 1, 1))
        left = right - 1
        if len(grid) == 1:
            return np.zeros(x.shape, dtype=np.int64)
        pick_left = np.abs(x - grid[left]) <= np.abs(grid[right] - x)
        return np.where(pick_left, left, right).astype(np.int64)

    @property
    def size(self) -> int:
        """Number of choices."""
        return len(self.choices)

    @property
    def encoding_width(self) -> int:
        """Number of columns this dimension takes in `Space.encode`."""
        return self.size if self.kind == "categorical" else 1


@dataclass(frozen=True, slots=True)
class Space:
    """An ordered product of dimensions.

    Args:
        dimensions: The dimensions, in order.

    Raises:
        ValueError: No dimensions, repeated names, or more than `MAX_CONFIGS` configs.
    """

    dimensions: tuple[Dimension, ...]
    _strides: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _sizes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _n_configs: int = field(init=False, repr=False, compare=False)
    _log_dims: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise ValueError("a space needs at least one dimension")
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names):
            raise ValueError(f"dimension names repeat: {names}")
        sizes = tuple(d.size for d in self.dimensions)
        # A Python int product is exact; an int64 one silently wraps (300 ** 9 did).
        n_configs = math.prod(sizes)
        if n_configs > MAX_CONFIGS:
            raise ValueError(
                f"a space of {n_configs:,} configs (dimension sizes {list(sizes)}) is above "
                f"the limit of {MAX_CONFIGS:,}: its row numbers would not fit in int64"
            )
        strides = [1] * len(sizes)
        # Row-major: the last dimension varies fastest, like the source tables' id strings.
        for i in range(len(sizes) - 2, -1, -1):
            strides[i] = strides[i + 1] * sizes[i + 1]
        object.__setattr__(self, "_sizes", sizes)
        object.__setattr__(self, "_strides", tuple(strides))
        object.__setattr__(self, "_n_configs", n_configs)
        object.__setattr__(
            self, "_log_dims", tuple(j for j, d in enumerate(self.dimensions) if d.log)
        )

    @classmethod
    def from_choices(
        cls, choices: Mapping[str, Sequence[Choice]], *, ordinal: Sequence[str] = ()
    ) -> Space:
        """Build a space from ``{name: choices}``; names in ``ordinal`` are ordinal dimensions."""
        unknown = set(ordinal) - set(choices)
        if unknown:
            raise ValueError(f"ordinal names {sorted(unknown)} are not dimensions")
        return cls(
            tuple(
                Dimension(
                    name=name,
                    kind="ordinal" if name in ordinal else "categorical",
                    choices=tuple(values),
                )
                for name, values in choices.items()
            )
        )

    # -- shape ---------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Dimension names in order."""
        return tuple(d.name for d in self.dimensions)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of choices of each dimension."""
        return self._sizes

    @property
    def n_configs(self) -> int:
        """Number of points in the space."""
        return self._n_configs

    def __len__(self) -> int:
        return self.n_configs

    @property
    def encoding_width(self) -> int:
        """Number of columns of `encode`'s output."""
        return sum(d.encoding_width for d in self.dimensions)

    # -- configs and indices ---------------------------------------------------------------------
    def is_valid(self, config: object) -> bool:
        """Whether ``config`` is a tuple of in-range choice indices of the right length."""
        if not isinstance(config, tuple) or len(config) != len(self._sizes):
            return False
        for c, n in zip(config, self._sizes, strict=True):
            if type(c) is not int or not 0 <= c < n:
                if not isinstance(c, np.integer) or not 0 <= int(c) < n:
                    return False
        return True

    def validate(self, config: object) -> Config:
        """Return ``config`` as a canonical config, or raise ``ValueError`` saying what is wrong."""
        if not isinstance(config, tuple | list) or len(config) != len(self._sizes):
            raise ValueError(
                f"config {config!r} is not a tuple of {len(self._sizes)} choice indices"
            )
        out = []
        for c, d in zip(config, self.dimensions, strict=True):
            if isinstance(c, bool) or not isinstance(c, int | np.integer) or not 0 <= c < d.size:
                raise ValueError(
                    f"config {config!r}: {d.name}={c!r} is not a choice index in 0..{d.size - 1}"
                )
            out.append(int(c))
        return tuple(out)

    def index(self, config: Config) -> int:
        """Mixed-radix row number of ``config`` (no validation; see `validate`)."""
        i = 0
        for c, s in zip(config, self._strides, strict=True):
            i += c * s
        return i

    def config(self, index: int) -> Config:
        """The config at row ``index``; inverse of `index`."""
        if not 0 <= index < self.n_configs:
            raise ValueError(f"index {index} is outside 0..{self.n_configs - 1}")
        out = []
        for s, n in zip(self._strides, self._sizes, strict=True):
            out.append((index // s) % n)
        return tuple(out)

    def indices(self, configs: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Row numbers of many configs at once (an ``(n, n_dimensions)`` integer array)."""
        arr = np.asarray(configs, dtype=np.int64).reshape(-1, len(self._sizes))
        return arr @ np.asarray(self._strides, dtype=np.int64)

    def configs(self, indices: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Configs of many row numbers at once, as an ``(n, n_dimensions)`` integer array."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1, 1)
        out: npt.NDArray[np.int64] = (idx // np.asarray(self._strides)) % np.asarray(self._sizes)
        return out

    def all_configs(self) -> Iterator[Config]:
        """Every config, in row order."""
        for row in self.configs(np.arange(self.n_configs)):
            yield tuple(int(v) for v in row)

    def values(self, config: Config) -> dict[str, Choice]:
        """Readable ``{dimension name: chosen value}`` of ``config``."""
        return {d.name: d.choices[c] for d, c in zip(self.dimensions, config, strict=True)}

    def from_values(self, values: Mapping[str, Choice]) -> Config:
        """The config whose choice values are ``values`` (inverse of `values`)."""
        out = []
        for d in self.dimensions:
            if d.name not in values:
                raise ValueError(f"values lack dimension {d.name!r}")
            try:
                out.append(d.choices.index(values[d.name]))
            except ValueError:
                raise ValueError(
                    f"{d.name}={values[d.name]!r} is not one of {list(d.choices)}"
                ) from None
        return tuple(out)

    def describe(self, config: Config) -> str:
        """Short text form, ``name=value`` joined by commas."""
        return ", ".join(f"{k}={v}" for k, v in self.values(config).items())

    # -- sampling and neighbours -------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Config:
        """One config drawn with ``rng``: uniformly, log-uniformly on `Dimension.log` ones."""
        if self._log_dims:
            return tuple(int(v) for v in self.sample_many(rng, 1)[0])
        return tuple(int(rng.integers(n)) for n in self._sizes)

    def sample_many(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        """``n`` configs drawn as `sample` does, as an ``(n, n_dimensions)`` array."""
        out = rng.integers(0, np.asarray(self._sizes), size=(n, len(self._sizes)))
        for j in self._log_dims:
            # Log-uniform: uniform positions on the log scale, each to its nearest choice.
            out[:, j] = self.dimensions[j].nearest(rng.uniform(0.0, 1.0, size=n))
        return out

    def neighbours(self, config: Config) -> list[Config]:
        """Every config that differs from ``config`` in exactly one dimension.

        For ordinal dimensions every other choice counts, not only the adjacent ones, so that
        mutation can jump; strategies that want small steps can filter by distance. On a
        `Dimension.log` dimension (hundreds of choices) the neighbours are the choices nearest
        to the value times 2^(k/4), k = +-1..+-12 (up to a factor of 8 either way).
        """
        out: list[Config] = []
        for i in range(len(self._sizes)):
            for v in self._neighbour_choices(i, config[i]):
                out.append(config[:i] + (v,) + config[i + 1 :])
        return out

    def _neighbour_choices(self, i: int, current: int) -> list[int]:
        if i not in self._log_dims:
            return [v for v in range(self._sizes[i]) if v != current]
        d = self.dimensions[i]
        value = float(d.choices[current])
        factors = 2.0 ** (np.array([k for k in range(-12, 13) if k]) / 4.0)
        targets = np.log(value * factors)
        logs = np.log(np.asarray(d.choices, dtype=np.float64))
        span = logs[-1] - logs[0]
        found = d.nearest((targets - logs[0]) / span)
        return sorted({int(v) for v in found} - {current})

    def mutate(self, config: Config, rng: np.random.Generator) -> Config:
        """A random one-dimension neighbour of ``config`` (itself if none exists).

        The dimension is uniform; its new choice is uniform among the others, or, on a
        `Dimension.log` dimension, the value times 2^z with z standard normal (a typical step
        of a factor of two), rounded to the nearest other choice.
        """
        mutable = [i for i, n in enumerate(self._sizes) if n > 1]
        if not mutable:
            return config
        i = mutable[int(rng.integers(len(mutable)))]
        if i in self._log_dims:
            d = self.dimensions[i]
            value = float(d.choices[config[i]])
            logs = np.log(np.asarray(d.choices, dtype=np.float64))
            target = np.log(value) + float(rng.normal()) * np.log(2.0)
            v = int(d.nearest((target - logs[0]) / (logs[-1] - logs[0])))
            if v == config[i]:  # rounded back: one step up or down, away from the ends
                step = 1 if rng.random() < 0.5 else -1
                v = v + step if 0 <= v + step < d.size else v - step
            return config[:i] + (v,) + config[i + 1 :]
        v = int(rng.integers(self._sizes[i] - 1))
        if v >= config[i]:
            v += 1
        return config[:i] + (v,) + config[i + 1 :]

    # -- encoding ------------------------------------------------------------------------------
    def encode(self, configs: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Numeric features for model-based strategies.

        Categorical dimensions become one-hot columns; ordinal dimensions become one column, the
        choice's `Dimension.positions` in [0, 1]: its rank scaled (ranks, not raw values,
        because the built-in ordinal grids are log-spaced), or its logarithm scaled on a
        `Dimension.log` dimension.

        Args:
            configs: One config or an ``(n, n_dimensions)`` array of configs.

        Returns:
            An ``(n, encoding_width)`` array.
        """
        arr = np.asarray(configs, dtype=np.int64).reshape(-1, len(self._sizes))
        out = np.zeros((arr.shape[0], self.encoding_width))
        col = 0
        for j, d in enumerate(self.dimensions):
            if d.kind == "categorical":
                out[np.arange(arr.shape[0]), col + arr[:, j]] = 1.0
            elif d.log:
                out[:, col] = d.positions[arr[:, j]]
            else:
                out[:, col] = arr[:, j] / max(d.size - 1, 1)
            col += d.encoding_width
        return out

    def decode(self, features: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Nearest configs to encoded features (argmax per one-hot block, rounding for ordinal)."""
        x = np.asarray(features, dtype=np.float64).reshape(-1, self.encoding_width)
        out = np.empty((x.shape[0], len(self._sizes)), dtype=np.int64)
        col = 0
        for j, d in enumerate(self.dimensions):
            if d.kind == "categorical":
                out[:, j] = np.argmax(x[:, col : col + d.size], axis=1)
            elif d.log:
                out[:, j] = d.nearest(x[:, col])
            else:
                out[:, j] = np.clip(np.rint(x[:, col] * max(d.size - 1, 1)), 0, d.size - 1)
            col += d.encoding_width
        return out
