"""Hyperband (Li et al., JMLR 2018): successive halving in brackets that start at every rung.

Bracket ``s`` (``s = s_max..0``, ``s_max`` the number of rungs less one) starts
``ceil((s_max + 1) / (s + 1) * eta^s)`` uniform random configs at rung ``s_max - s`` and runs
successive halving from there (Algorithm 1); the brackets are cycled for as long as the budget
lasts. The most exploratory bracket is `successive-halving`'s; the last one is random search at
the largest fidelity, the hedge against a low fidelity that misleads. The rungs are
``r_max / eta^k`` snapped to the offered fidelities (`strategies._rungs`): on NAS-Bench-201,
12 and 200 epochs, so the brackets are 3 configs at 12 epochs (the best one then at 200) and 2
configs at 200. Each bracket is synchronous: a simulated worker waits (``ask_at`` returns None)
while a rung waits for results, and the next bracket starts only when one is done.

Defaults: ``eta = 3``, the value Li et al. recommend and use. Written here rather than taken
from Optuna, whose ``HyperbandPruner`` is driven by ``trial.report``/``should_prune`` inside
one training loop: it can neither ask for an independent 200-epoch schedule nor make a
simulated worker wait for a rung; syne-tune has it, but is a heavy dependency.
"""

from __future__ import annotations

from typing import Any

from spaces import Config, Space
from strategies._base import Observation
from strategies._rungs import RungStrategy, SyncBrackets, hyperband_brackets


class Hyperband(RungStrategy):
    """Hyperband's brackets in turn, each a synchronous successive halving.

    Subclasses change where a bracket's new configs come from (`new_config`; uniform here).
    """

    name = "hyperband"
    description = "Hyperband: successive-halving brackets from every rung, cycled (Li et al. 2018)."

    opts: RungStrategy.Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        brackets = hyperband_brackets(len(self.rungs), self.opts.eta)
        self._brackets = SyncBrackets(len(self.rungs), brackets, self.opts.eta)

    def new_config(self, rung: int) -> Config:
        """A new config for a bracket that starts at rung index ``rung``: uniform at random."""
        return self.space.sample(self.rng)

    def ask_at(self) -> tuple[Config, int] | None:
        """A bracket's new config, a promotion, or None while a rung waits for results."""
        job = self._brackets.next_job(self.new_config)
        return None if job is None else self.launch(*job)

    def observe(self, config: Config, observation: Observation, *, rung: int, tag: int) -> None:
        """Record the result in its rung."""
        self._brackets.result(tag, config, self.score(observation.value))

    def diagnostics(self) -> dict[str, Any]:
        """The rungs, results per rung and brackets completed."""
        return {**super().diagnostics(), "brackets_completed": self._brackets.n_brackets_done}
