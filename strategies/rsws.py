"""Random search with weight sharing (Li & Talwalkar, UAI 2019).

The supernet is trained with one uniformly sampled cell per batch; then ``candidates`` random
cells are scored by their validation accuracy inside the supernet, and the run trains them
stand-alone best first (`strategies._weight_sharing`). Training the supernet and scoring the
candidates are both the method's search, charged to the run's seconds budget at their
recorded wall time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strategies._weight_sharing import SupernetOptions, WeightSharing

if TYPE_CHECKING:
    from spaces.training import SupernetTask


class Rsws(WeightSharing):
    """Random search with weight sharing; then the best-scored cells, stand-alone."""

    name = "rsws"
    description = "Random search with weight sharing (Li & Talwalkar 2019)."

    Options = SupernetOptions
    opts: SupernetOptions

    def search(self, algorithms: Any, task: SupernetTask) -> dict[str, Any]:
        """`strategies._supernet.rsws` with this strategy's options."""
        o = self.opts
        result: dict[str, Any] = algorithms.rsws(
            task, epochs=o.epochs, candidates=o.candidates, rank_rows=o.rank_rows
        )
        return result
