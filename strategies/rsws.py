"""Random search with weight sharing (Li & Talwalkar, UAI 2019).

The supernet is trained with one uniformly sampled cell per batch; then ``candidates`` random
cells are scored by their validation accuracy inside the supernet, and the run trains them
stand-alone best first (`strategies._weight_sharing`). Training the supernet and scoring the
candidates are both the method's search, charged to the run's seconds budget at their
recorded wall time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strategies._options import StrategyOptions, option
from strategies._weight_sharing import WeightSharing

if TYPE_CHECKING:
    from spaces.training import SupernetTask


class Rsws(WeightSharing):
    """Random search with weight sharing; then the best-scored cells, stand-alone."""

    name = "rsws"
    description = "Random search with weight sharing (Li & Talwalkar 2019)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `Rsws`; each field's ``help`` says what it does."""

        epochs: int = option(
            0, minimum=0, help="Supernet training epochs (0: the space recipe's epochs)."
        )
        candidates: int = option(
            100, minimum=1, help="Random cells scored by the supernet and proposed best first."
        )
        rank_rows: int = option(
            0, minimum=0, help="Validation images each candidate is scored on (0: all)."
        )

    opts: Options

    def search(self, algorithms: Any, task: SupernetTask) -> dict[str, Any]:
        """`strategies._supernet.rsws` with this strategy's options."""
        o = self.opts
        result: dict[str, Any] = algorithms.rsws(
            task, epochs=o.epochs, candidates=o.candidates, rank_rows=o.rank_rows
        )
        return result
