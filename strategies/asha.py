"""ASHA (Li et al., MLSys 2020): asynchronous successive halving, which never waits.

Whenever a worker is free, ASHA looks at the rungs from the second highest down and promotes
the best config of the first rung that has one in its top ``1/eta`` not yet promoted
(``floor(n / eta)`` of the ``n`` results in that rung so far); if no rung has, it evaluates a
new uniform random config at the lowest rung (Algorithm 2, minimum early-stopping rate 0).
Promotions therefore never wait for a rung to fill, so no simulated worker idles; the price is
that a few configs are promoted that a full rung would have stopped. A diverged run (NaN) is
never promoted. The rungs are ``r_max / eta^k`` snapped to the offered fidelities
(`strategies._rungs`): on NAS-Bench-201, 12 and 200 epochs. Promotion asks for the same config
at the higher fidelity; where fidelities continue one training run the harness charges only
the extra epochs.

Defaults: ``eta = 3``, as in Li et al.'s experiments. Written here rather than taken from
Optuna, whose pruners (``SuccessiveHalvingPruner`` is asynchronous too) are driven by
``trial.report``/``should_prune`` inside one training loop and cannot ask for an independent
200-epoch schedule; syne-tune has ASHA, but is a heavy dependency.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from spaces import Config, Space
from strategies._base import Observation
from strategies._rungs import RungStrategy


class ASHA(RungStrategy):
    """Asynchronous successive halving: promote when a rung's top allows, else start new."""

    name = "asha"
    description = "Asynchronous successive halving, never waits (Li et al. 2020)."

    opts: RungStrategy.Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        # Per rung: results as (-score, order, config), kept sorted (ties: earlier first),
        # and the orders of those already promoted.
        self._ranked: list[list[tuple[float, int, Config]]] = [[] for _ in self.rungs]
        self._promoted: list[set[int]] = [set() for _ in self.rungs]
        self._order = 0

    def ask_at(self) -> tuple[Config, int]:
        """The best promotable config of the highest rung that has one; else a new config."""
        for rung in range(len(self.rungs) - 2, -1, -1):
            ranked = self._ranked[rung]
            for neg, order, config in ranked[: len(ranked) // self.opts.eta]:
                if order not in self._promoted[rung] and math.isfinite(neg):
                    self._promoted[rung].add(order)
                    return self.launch(config, rung + 1)
        return self.launch(self.space.sample(self.rng), 0)

    def observe(self, config: Config, observation: Observation, *, rung: int, tag: int) -> None:
        """Rank the result within its rung."""
        if rung < 0:
            return
        bisect.insort(self._ranked[rung], (-self.score(observation.value), self._order, config))
        self._order += 1

    def diagnostics(self) -> dict[str, Any]:
        """The rungs, results per rung and promotions out of each."""
        promoted = {str(f): len(p) for f, p in zip(self.rungs, self._promoted, strict=True)}
        return {**super().diagnostics(), "promoted_from_rung": promoted}
