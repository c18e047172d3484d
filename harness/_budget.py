"""The budget of a run: what it is counted in and how much, a value type at the harness's base.

What an evaluation costs in each kind of budget (design "Equal budgets"):

- ``evaluations``: a number of evaluations *at the searched fidelity*. An evaluation at a
  lower fidelity costs its share, fidelity / searched fidelity (a continued training only
  the epochs it adds), so that ``--budget 100`` buys every strategy the compute of 100
  full evaluations. On a space that states no fidelity every evaluation costs one.
- ``epochs``: each evaluation costs the epochs it trains.
- ``seconds``: each evaluation costs its recorded training seconds (with simulated workers,
  the budget is simulated wall-clock time); a weight-sharing search costs its recorded
  seconds before the first evaluation.

The evaluator (`harness.Evaluator`) charges it; `harness.capabilities.check_budget` decides,
once per space when a comparison is planned, whether a budget can be spent there at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

BudgetKind = Literal["evaluations", "seconds", "epochs"]
BUDGET_KINDS: tuple[BudgetKind, ...] = ("evaluations", "seconds", "epochs")

MAX_EVALUATIONS = 10**7
"""Most evaluations per run (``--budget``, and what a ``--budget-seconds`` may buy): each
evaluation is held in memory until its run is stored."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """How much a run may spend, counted identically for every strategy.

    Attributes:
        kind: ``evaluations`` (evaluations at the searched fidelity; a lower fidelity costs
            its share), ``seconds`` (simulated training seconds: the recorded training time
            of each evaluated run) or ``epochs`` (each evaluation costs the epochs it trains).
        amount: The limit; positive, and a whole number for evaluations and epochs.
    """

    kind: BudgetKind
    amount: float

    def __post_init__(self) -> None:
        if self.kind not in BUDGET_KINDS:
            raise ValueError(f"budget kind {self.kind!r} is not one of {', '.join(BUDGET_KINDS)}")
        if not (self.amount > 0 and math.isfinite(self.amount)):
            raise ValueError(f"budget {self.amount!r} must be a positive finite number")
        if self.kind != "seconds" and self.amount != int(self.amount):
            raise ValueError(f"a budget of {self.kind} must be a whole number, got {self.amount!r}")

    @property
    def evaluations(self) -> int | None:
        """The evaluation count, or None for a budget of seconds or epochs."""
        return int(self.amount) if self.kind == "evaluations" else None

    def label(self) -> str:
        """Short text such as ``100 evaluations``, ``3600 s`` or ``2000 epochs``."""
        if self.kind == "seconds":
            return f"{self.amount:g} s"
        return f"{int(self.amount)} {self.kind}"
