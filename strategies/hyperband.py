"""Hyperband (Li et al., JMLR 2018): successive halving in brackets that start at every rung.

Bracket ``s`` (``s = s_max..0``, ``s_max`` the number of rungs less one) starts
``ceil((s_max + 1) / (s + 1) * eta^s)`` uniform random configs at rung ``s_max - s`` and runs
successive halving from there (Algorithm 1); the brackets are cycled for as long as the budget
lasts. The most exploratory bracket is `successive-halving`'s; the last one is random search at
the largest fidelity, the hedge against a low fidelity that misleads. The rungs are
``r_max / eta^k`` snapped to the offered fidelities (`strategies._rungs`): on NAS-Bench-201,
12 and 200 epochs, so the brackets are 3 configs at 12 epochs (the best one then at 200) and 2
configs at 200. Each bracket is synchronous: it promotes only out of a complete rung. With
simulated workers, a worker that no open bracket can serve opens the next bracket of the cycle
(``parallel_brackets``, the default, as HpBandSter runs Hyperband and BOHB in parallel), so no
worker waits; ``parallel_brackets=false`` runs one bracket at a time, and a free worker waits
(``ask_at`` returns None) while a rung waits for results. With one worker the two are the same.

Defaults: ``eta = 3``, the value Li et al. recommend and use. Written here rather than taken
from Optuna, whose ``HyperbandPruner`` is driven by ``trial.report``/``should_prune`` inside
one training loop: it can neither ask for an independent 200-epoch schedule nor make a
simulated worker wait for a rung; syne-tune has it, but is a heavy dependency.
"""

from __future__ import annotations

from collections.abc import Sequence

from strategies._rungs import Bracket, BracketStrategy, hyperband_brackets


class Hyperband(BracketStrategy):
    """Hyperband's brackets in turn, each a synchronous successive halving.

    Subclasses change where a bracket's new configs come from (`new_config`; uniform here).
    """

    name = "hyperband"
    description = "Hyperband: successive-halving brackets from every rung, cycled (Li et al. 2018)."

    opts: BracketStrategy.Options

    def make_brackets(self) -> Sequence[Bracket]:
        """Li et al.'s brackets ``s = s_max..0`` over the rungs."""
        return hyperband_brackets(len(self.rungs), self.opts.eta)
