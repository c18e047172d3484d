"""Random search with weight sharing (Li & Talwalkar, UAI 2019).

The supernet is trained with one uniformly sampled cell per batch; then ``candidates`` random
cells are scored by their validation accuracy inside the supernet, and the run trains them
stand-alone best first (`strategies._weight_sharing`). Training the supernet and scoring the
candidates are both the method's search, charged to the run's seconds budget at their
recorded wall time.
"""

from __future__ import annotations

from strategies._weight_sharing import SupernetOptions, WeightSharing


class Rsws(WeightSharing):
    """Random search with weight sharing; then the best-scored cells, stand-alone."""

    name = "rsws"
    description = "Random search with weight sharing (Li & Talwalkar 2019)."
    algorithm = "rsws"
    Options = SupernetOptions
    opts: SupernetOptions
