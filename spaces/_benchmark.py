"""Tabular benchmarks: a space plus the recorded training runs of each of its configs.

Everything is held as dense numpy arrays indexed by the space's mixed-radix row number, padded
with NaN where a config has fewer recorded seeds than the widest one, so a query is two array
reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from spaces._space import Config, Space

Direction = Literal["maximize", "minimize"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a table's numbers come from.

    Attributes:
        source: The data's origin (paper or dataset name).
        package: The installed package the numbers were read from, with its version.
        licence: Licence of the data.
        objective_units: What the objective measures, with units.
        cost_units: What the training cost measures, with units.
        hardware: The hardware the runs were recorded on, as far as the source says.
        gpu_trained: True or False where the source says, None where it does not.
    """

    source: str
    package: str
    licence: str
    objective_units: str
    cost_units: str = "seconds of recorded training time"
    hardware: str = "not stated by the source"
    gpu_trained: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TabularBenchmark:
    """A space with the recorded training runs of every config.

    Attributes:
        name: Registry name, for example ``nb201/cifar10``.
        space: The search space.
        objective: Name of the objective metric.
        direction: Whether larger (``maximize``) or smaller (``minimize``) objective is better.
        values: ``(n_configs, max_seeds)`` objective per recorded training seed, NaN-padded.
        costs: ``(n_configs, max_seeds)`` training cost in seconds per recorded seed.
        n_seeds: ``(n_configs,)`` number of recorded seeds of each config (at least 1).
        metrics: Other recorded metrics, each ``(n_configs, max_seeds)``.
        provenance: Where the numbers come from.
        checksum: Hex digest identifying the source data; part of every stored run's key.
    """

    name: str
    space: Space
    objective: str
    direction: Direction
    values: FloatArray
    costs: FloatArray
    n_seeds: npt.NDArray[np.int64]
    metrics: Mapping[str, FloatArray]
    provenance: Provenance
    checksum: str
    oracle: FloatArray = field(init=False)
    optimum: float = field(init=False)
    optimum_index: int = field(init=False)

    def __post_init__(self) -> None:
        n = self.space.n_configs
        if self.direction not in ("maximize", "minimize"):
            raise ValueError(f"direction {self.direction!r} is not one of maximize, minimize")
        for label, arr in (("values", self.values), ("costs", self.costs)):
            if arr.ndim != 2 or arr.shape[0] != n:
                raise ValueError(f"{label} has shape {arr.shape}, expected ({n}, max_seeds)")
        if self.n_seeds.shape != (n,) or int(self.n_seeds.min()) < 1:
            raise ValueError("every config needs at least one recorded seed")
        with np.errstate(invalid="ignore"):
            oracle: FloatArray = np.nanmean(self.values, axis=1).astype(np.float64)
        best = int(np.nanargmax(oracle) if self.direction == "maximize" else np.nanargmin(oracle))
        object.__setattr__(self, "oracle", oracle)
        object.__setattr__(self, "optimum_index", best)
        object.__setattr__(self, "optimum", float(oracle[best]))
        frozen: list[npt.NDArray[np.generic]] = [self.values, self.costs, self.n_seeds, oracle]
        frozen.extend(self.metrics.values())
        for frozen_array in frozen:
            frozen_array.setflags(write=False)

    @property
    def maximize(self) -> bool:
        """Whether larger objective values are better."""
        return self.direction == "maximize"

    @property
    def max_seeds(self) -> int:
        """Most recorded seeds of any config."""
        return int(self.values.shape[1])

    def regret(self, oracle_value: float) -> float:
        """Distance of an oracle value from the optimum, non-negative for either direction."""
        return self.optimum - oracle_value if self.maximize else oracle_value - self.optimum

    def recorded(self, config: Config) -> FloatArray:
        """The recorded objective values of ``config`` (one per training seed)."""
        i = self.space.index(config)
        return self.values[i, : int(self.n_seeds[i])]

    def oracle_rank(self, oracle_value: float) -> int:
        """1-based rank of an oracle value among all configs (1 = the optimum)."""
        better = self.oracle > oracle_value if self.maximize else self.oracle < oracle_value
        return int(np.count_nonzero(better)) + 1
