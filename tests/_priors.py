"""Source data for the transfer tests: per-config values as a `spaces.PriorData`."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spaces import PriorData


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
