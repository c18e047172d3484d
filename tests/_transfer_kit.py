"""What the transfer tests share: synthetic sources, and driving a strategy by per-config values."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spaces import Config, PriorData
from strategies import Observation, Strategy


def synthetic_prior(
    values: npt.NDArray[np.float64], *, name: str = "toy/source", maximize: bool = True
) -> PriorData:
    """A source named ``name`` with one value per config (NaN: not recorded)."""
    recorded = int(np.isfinite(values).sum())
    return PriorData(
        space=name,
        metric="score",
        maximize=maximize,
        values=values,
        n_configs=recorded,
        n_runs=recorded,
        cost_seconds=1.0,
    )


def drive(strategy: Strategy, objective: npt.NDArray[np.float64], n: int) -> list[Config]:
    """``n`` ask/tell rounds against per-config values; the suggested configs in order."""
    out = []
    for _ in range(n):
        config = strategy.ask()
        assert strategy.space.is_valid(config), config
        out.append(config)
        strategy.tell(config, Observation(float(objective[strategy.space.index(config)]), 1.0))
    return out
