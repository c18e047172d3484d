"""Prior knowledge a transfer strategy may read: other data sets' results on the same space.

A `PriorData` is what the harness hands a strategy that declares it uses prior knowledge
(`strategies.Strategy.uses_prior`): the recorded results of one *source* space - the same
search space as the target, another data set - as one value per config. It never holds the
target's results, and strategies without the declaration never get one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorData:
    """The recorded results of one source space, aligned with the target space's configs.

    Attributes:
        space: The source space's name (``nb201/cifar100``).
        metric: The source metric the values are of.
        maximize: Whether larger values are better.
        values: One value per config index of the (shared) space: the mean of the metric over
            the source's recorded training seeds; NaN where the source has no record.
        n_configs: Configs with a recorded value.
        n_runs: Recorded training runs read (configs x seeds).
        cost_seconds: Their recorded training time in all: what the knowledge cost to make.
    """

    space: str
    metric: str
    maximize: bool
    values: npt.NDArray[np.float64]
    n_configs: int
    n_runs: int
    cost_seconds: float

    def scores(self) -> npt.NDArray[np.float64]:
        """``values`` as larger-is-better scores; NaN (no record) stays NaN."""
        return self.values if self.maximize else -self.values

    def ranked(self) -> npt.NDArray[np.int64]:
        """Config indices with a record, best first (ties: lower index first)."""
        scores = self.scores()
        recorded = np.flatnonzero(np.isfinite(scores))
        order = np.argsort(-scores[recorded], kind="stable")
        return recorded[order].astype(np.int64)
