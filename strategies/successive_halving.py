"""Successive halving (Jamieson & Talwalkar, AISTATS 2016): one bracket, repeated.

Each bracket evaluates ``n_configs`` uniform random configs at the lowest rung, keeps the best
``1/eta`` of them for the next rung (``floor(n_i / eta)``, at least one), and so on up to the
largest fidelity, which is where reports score the incumbent; then a new bracket starts. The
rungs are ``r_max / eta^k`` snapped to the offered fidelities (`strategies._rungs`): on
NAS-Bench-201, 12 and 200 epochs. Promoting a config asks for the same config at the higher
fidelity; where the fidelities continue one training run the harness charges only the extra
epochs, otherwise the whole schedule. It is synchronous: a bracket promotes only out of a
complete rung. With simulated workers, a worker that no open bracket can serve opens the next
bracket (``parallel_brackets``, the default, as HpBandSter runs brackets in parallel);
``parallel_brackets=false`` runs one bracket at a time, and a free worker waits (``ask_at``
returns None) while a rung waits for results still running, the straggler cost that ASHA
removes. With one worker the two are the same.

Defaults: ``eta = 3`` (Li et al.'s recommendation for Hyperband, and the value of their and
Falkner et al.'s experiments); ``n_configs`` by default ``eta^(n_rungs - 1)``, Hyperband's most
exploratory bracket, which ends with one config at the top rung (3 on NAS-Bench-201, 27 on
40-epoch curves with rungs 1, 4, 13, 40). Written here rather than taken from Optuna, whose
``SuccessiveHalvingPruner`` is driven by ``trial.report``/``should_prune`` inside one training
loop: it can neither ask for an independent 200-epoch schedule nor make a simulated worker
wait for a rung; syne-tune has it, but is a heavy dependency for forty lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strategies._options import option
from strategies._rungs import Bracket, BracketStrategy


class SuccessiveHalving(BracketStrategy):
    """Synchronous successive halving over the rungs, its one bracket repeated."""

    name = "successive-halving"
    description = "Successive halving, one bracket repeated (Jamieson & Talwalkar 2016)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(BracketStrategy.Options):
        """Options of `SuccessiveHalving`; each field's ``help`` says what it does."""

        n_configs: int | None = option(
            None,
            minimum=1,
            help="New configs per bracket at the lowest rung; None: eta^(rungs - 1).",
        )

    opts: Options

    def make_brackets(self) -> Sequence[Bracket]:
        """One bracket of ``n_configs`` new configs from the lowest rung."""
        n = self.opts.n_configs
        if n is None:
            n = self.opts.eta ** (len(self.rungs) - 1)
        return [Bracket(n, 0)]
