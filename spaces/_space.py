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
    """

    name: str
    kind: DimensionKind
    choices: tuple[Choice, ...]

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
        """One config drawn uniformly with ``rng``."""
        return tuple(int(rng.integers(n)) for n in self._sizes)

    def sample_many(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        """``n`` configs drawn uniformly, as an ``(n, n_dimensions)`` array."""
        return rng.integers(0, np.asarray(self._sizes), size=(n, len(self._sizes)))

    def neighbours(self, config: Config) -> list[Config]:
        """Every config that differs from ``config`` in exactly one dimension.

        For ordinal dimensions every other choice counts, not only the adjacent ones, so that
        mutation can jump; strategies that want small steps can filter by distance.
        """
        out: list[Config] = []
        for i, n in enumerate(self._sizes):
            for v in range(n):
                if v != config[i]:
                    out.append(config[:i] + (v,) + config[i + 1 :])
        return out

    def mutate(self, config: Config, rng: np.random.Generator) -> Config:
        """A uniformly chosen one-dimension neighbour of ``config`` (itself if none exists)."""
        mutable = [i for i, n in enumerate(self._sizes) if n > 1]
        if not mutable:
            return config
        i = mutable[int(rng.integers(len(mutable)))]
        v = int(rng.integers(self._sizes[i] - 1))
        if v >= config[i]:
            v += 1
        return config[:i] + (v,) + config[i + 1 :]

    # -- encoding ------------------------------------------------------------------------------
    def encode(self, configs: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Numeric features for model-based strategies.

        Categorical dimensions become one-hot columns; ordinal dimensions become one column, the
        choice's rank scaled to [0, 1] (ranks, not raw values, because the built-in ordinal
        grids are log-spaced).

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
            else:
                out[:, j] = np.clip(np.rint(x[:, col] * max(d.size - 1, 1)), 0, d.size - 1)
            col += d.encoding_width
        return out
