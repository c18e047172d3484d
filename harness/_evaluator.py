"""The evaluator: the one place where the budget is charged and configs become results.

For one run it validates each config a strategy proposes, draws the common-random-numbers
training-seed slot, asks the objective, decides whether the budget can pay (an evaluation
that would overshoot is not run, design invariant 2) and records what was spent. The loop
asks it only two things: can the budget still buy an evaluation, and evaluate this config.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from harness.capabilities import vector_reader
from harness.run_types import BUDGET_KINDS, Budget, BudgetKind
from harness.seeding import GOLDEN, MASK, crn_key
from spaces import DEFAULT_FIDELITY, Config, Objective, Space

__all__ = ["BUDGET_KINDS", "Budget", "BudgetKind", "Evaluator", "InvalidConfigError"]

# Above this many configs the row dict would cost too much memory; rows are computed instead.
_MAX_ROW_DICT = 2_000_000


class InvalidConfigError(ValueError):
    """A strategy proposed something that is not a config of the space."""


@lru_cache(maxsize=16)
def _rows_of(space: Space) -> dict[Config, int]:
    """Every config of ``space`` mapped to its row: one dict probe validates and indexes."""
    n = space.n_configs
    return dict(zip(map(tuple, space.configs(np.arange(n)).tolist()), range(n), strict=True))


class Evaluator:
    """Evaluations of one run on one objective, charged to one budget.

    Args:
        objective: What answers evaluations (a recorded table, a trainer...).
        seed: The run seed; with the space's name it fixes which training-seed slot each
            evaluation gets, whatever strategy asks (common random numbers).
        budget: What the run may spend.
        fidelity: The fidelity every evaluation uses (the objective's selected one by
            default); under an ``epochs`` budget each evaluation costs this many epochs.

    Raises:
        ValueError: An ``epochs`` budget on an objective that states no fidelity.
    """

    __slots__ = (
        "_by_epochs", "_by_seconds", "_charges", "_cost", "_counts", "_fidelity",
        "_fidelity_log", "_key", "_limit", "_log", "_min_charge", "_n_dims", "_n_slots",
        "_objective", "_per_evaluation", "_readers", "_rows", "_searched", "_sizes", "_spent",
        "_strides", "_trained", "_unit", "_value", "_vector", "exhausted", "refused_charge",
    )  # fmt: skip

    def __init__(
        self, objective: Objective, *, seed: int, budget: Budget, fidelity: int | None = None
    ) -> None:
        space = objective.space
        fidelity = objective.info.fidelity if fidelity is None else fidelity
        if budget.kind == "epochs" and fidelity == DEFAULT_FIDELITY:
            raise ValueError(
                f"space {objective.name!r} states no fidelity in epochs; "
                "use --budget (evaluations) or --budget-seconds"
            )
        self._key = crn_key(seed, objective.name)
        self._objective = objective
        self._fidelity = fidelity
        reader = objective.reader()
        self._readers = {fidelity: reader}
        # Multi-fidelity bookkeeping (`evaluate_at` only): each evaluation's fidelity, and per
        # config the fidelity, slot and cost of its longest training so far (continuations).
        self._fidelity_log: list[int] = []
        self._trained: dict[int, tuple[int, int, float]] = {}
        self._value = reader.value
        self._cost = reader.cost
        self._n_slots = reader.n_slots
        # A multi-objective search also tells every objective's observed value.
        self._vector = vector_reader(objective)
        self._strides = tuple(int(np.prod(space.sizes[i + 1 :])) for i in range(len(space.sizes)))
        self._sizes = space.sizes
        self._n_dims = len(space.sizes)
        self._counts: dict[int, int] = {}
        self._rows = _rows_of(space) if space.n_configs <= _MAX_ROW_DICT else {}
        # Budget units: the recorded seconds, or epochs. An evaluations budget on a space that
        # states its fidelity is counted in epochs too, the searched fidelity's epochs making
        # one evaluation: a lower fidelity then costs exactly its share (fidelity / searched
        # fidelity) in whole numbers, with no rounding. Without a stated fidelity every
        # evaluation costs one.
        self._by_seconds = budget.kind == "seconds"
        self._by_epochs = budget.kind == "epochs" or fidelity != DEFAULT_FIDELITY
        self._per_evaluation = (
            float(fidelity)
            if budget.kind == "evaluations" and fidelity != DEFAULT_FIDELITY
            else 1.0
        )
        self._unit = float(fidelity) if self._by_epochs else 1.0
        self._limit = float(budget.amount) * self._per_evaluation
        self._searched = 0.0
        # The least one more evaluation can cost; under seconds any positive remainder may
        # still buy a (short) training run.
        self._min_charge = math.ulp(0.0) if self._by_seconds else self._unit
        self._spent = 0.0
        self.exhausted = self._limit < self._min_charge
        """True once the budget left cannot pay for one more evaluation (the loop's test)."""
        self.refused_charge: float | None = None
        """What the evaluation that ended the run would have cost (None until one is refused)."""
        # One tuple per evaluation: a single append is the cheapest record of four numbers.
        self._log: list[tuple[int, int, float, float]] = []
        self._charges: list[float] = []  # per `evaluate_at` evaluation, in budget units

    def can_afford(self) -> bool:
        """Whether the budget left could pay for one more evaluation (``not exhausted``)."""
        return not self.exhausted

    def index(self, config: Config) -> int:
        """Row number of ``config``.

        A tuple of numbers equal to valid choice indices (numpy integers) is taken as that
        config: the row dict that makes lookups fast compares by value.

        Raises:
            InvalidConfigError: ``config`` is not a tuple of in-range choice indices.
        """
        row = self._rows.get(config) if type(config) is tuple else None
        if row is not None:
            return row
        if type(config) is not tuple or len(config) != self._n_dims:
            raise InvalidConfigError(f"ask() returned {config!r}, not a config of the space")
        index = 0
        for c, s, n in zip(config, self._strides, self._sizes, strict=True):
            if type(c) is not int or not 0 <= c < n:
                # numpy integers are accepted; anything else is a strategy bug.
                if isinstance(c, bool) or not isinstance(c, np.integer) or not 0 <= c < n:
                    raise InvalidConfigError(
                        f"ask() returned {config!r}, not a config of the space"
                    )
            index += int(c) * s
        return index

    def evaluate(
        self, config: Config
    ) -> tuple[float, float] | tuple[float, float, tuple[float, ...]] | None:
        """Evaluate ``config`` and charge the budget; returns its value and cost in seconds.

        On a multi-objective search the tuple also holds every objective's observed value.

        Returns None, and neither runs nor counts anything, when the evaluation would
        overshoot the budget: the run is over.

        Raises:
            InvalidConfigError: ``config`` is not a config of the space.
        """
        index = self._rows.get(config) if type(config) is tuple else None
        if index is None:
            index = self.index(config)
        occurrence = self._counts.get(index, 0)
        # Inlined `harness.seeding.recorded_slot`: this is the hottest line of a comparison.
        mixed = (((self._key ^ index) * GOLDEN) & MASK) >> 32
        slot = (mixed + occurrence) % self._n_slots(index)
        cost: float = self._cost(index, slot)
        charge = cost if self._by_seconds else self._unit
        if self._spent + charge > self._limit:
            self.refused_charge = charge
            return None  # design invariant 2: an evaluation that would overshoot is not run
        self._spent += charge
        # Kept as an attribute, updated here only: the loop reads it before every ask.
        self.exhausted = self._limit - self._spent < self._min_charge
        self._counts[index] = occurrence + 1
        value: float = self._value(index, slot)
        self._log.append((index, slot, value, cost))
        if self._vector is not None:
            return value, cost, self._vector(index, slot)
        return value, cost

    def charge_search(self, seconds: float) -> bool:
        """Charge a weight-sharing strategy's supernet search (before any evaluation).

        Only a seconds budget can pay for it (the comparison refuses the others). Returns
        False, and charges nothing, where it does not fit the budget.
        """
        if not self._by_seconds:
            raise ValueError("a supernet search is charged in seconds; use --budget-seconds")
        if self._spent + seconds > self._limit:
            return False
        self._spent += seconds
        self._searched += seconds
        self.exhausted = self._limit - self._spent < self._min_charge
        return True

    def can_start(self, clock: float) -> bool:
        """Whether an evaluation may still start at simulated time ``clock`` (``evaluate_at``).

        Under a seconds budget with simulated workers the budget is wall-clock time, so an
        evaluation may start while ``clock`` is short of it; otherwise the spent budget must
        leave room for one more unit.
        """
        if self._by_seconds:
            return self._limit - clock >= self._min_charge
        return self._limit - self._spent >= 1.0  # one epoch, or one evaluation

    def evaluate_at(
        self, config: Config, fidelity: int | None = None, *, start: float | None = None
    ) -> tuple[float, float, tuple[float, ...]] | None:
        """Evaluate ``config`` at ``fidelity`` (default: the run's), started at ``start``.

        The multi-fidelity and simulated-worker path. The value is the metric the fidelity
        records (`spaces.FidelityTable`); the charge is that fidelity's cost, or, where the
        objective's fidelities continue one training run (``fidelity_continues``) and this
        run trained ``config`` to a lower fidelity before, only the difference, on the same
        training-seed slot. Under a seconds budget with ``start`` given (simulated wall-clock
        time), an evaluation that would finish after the budget is not run; otherwise the
        rule of `evaluate`.

        Returns:
            The observed value, the seconds charged and, on a multi-objective search, every
            objective's observed value (else empty); None when the budget cannot pay
            (nothing is run or counted).

        Raises:
            InvalidConfigError: ``config`` is not a config of the space.
            ObjectiveError: ``fidelity`` is not one the objective offers.
        """
        fid = self._fidelity if fidelity is None else int(fidelity)
        reader = self._readers.get(fid)
        if reader is None:
            reader = self._readers[fid] = self._objective.select(fidelity=fid).reader()
        index = self._rows.get(config) if type(config) is tuple else None
        if index is None:
            index = self.index(config)
        occurrence = self._counts.get(index, 0)
        previous = self._trained.get(index)
        continuing = (
            self._objective.info.fidelity_continues and previous is not None and previous[0] < fid
        )
        if continuing:
            assert previous is not None
            prior_fidelity, slot, prior_cost = previous
            full_cost = float(reader.cost(index, slot))
            cost = max(full_cost - prior_cost, 0.0)
        else:
            prior_fidelity = 0
            mixed = (((self._key ^ index) * GOLDEN) & MASK) >> 32
            slot = (mixed + occurrence) % reader.n_slots(index)
            full_cost = cost = float(reader.cost(index, slot))
        if self._by_seconds:
            charge = cost
        elif self._by_epochs:
            charge = float(fid - prior_fidelity)  # the epochs this evaluation trains
        else:
            charge = 1.0
        # (An evaluations budget on a space with fidelities is counted in epochs: see __init__.)
        base = start if (self._by_seconds and start is not None) else self._spent
        if base + charge > self._limit:
            self.refused_charge = charge
            return None
        self._spent += charge
        self.exhausted = self._limit - self._spent < self._min_charge
        if not continuing:
            self._counts[index] = occurrence + 1
        if previous is None or fid > previous[0]:
            self._trained[index] = (fid, slot, full_cost)
        value = float(reader.value(index, slot))
        self._log.append((index, slot, value, cost))
        self._fidelity_log.append(fid)
        self._charges.append(charge / self._per_evaluation)
        values = self._vector(index, slot) if self._vector is not None else ()
        return value, cost, values

    @property
    def spent(self) -> float:
        """What the run has spent so far, in the budget's own unit (a search included)."""
        return self._spent / self._per_evaluation

    @property
    def search_seconds(self) -> float:
        """Seconds charged for a weight-sharing search before the first evaluation."""
        return self._searched

    @property
    def charges(self) -> list[float]:
        """What each evaluation made through `evaluate_at` cost, in the budget's unit."""
        return list(self._charges)

    @property
    def fidelities(self) -> list[int]:
        """The fidelity of each evaluation made through `evaluate_at` (launch order)."""
        return list(self._fidelity_log)

    def record(
        self,
    ) -> tuple[
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ]:
        """Row numbers, slots, observed values and costs of the evaluations so far."""
        log = np.asarray(self._log, dtype=np.float64).reshape(-1, 4)
        return (
            log[:, 0].astype(np.int64),
            log[:, 1].astype(np.int64),
            log[:, 2].copy(),
            log[:, 3].copy(),
        )

    @property
    def slots(self) -> list[int]:
        """Training-seed slot of each evaluation so far."""
        return [entry[1] for entry in self._log]

    @property
    def n_evaluations(self) -> int:
        """Evaluations made."""
        return len(self._log)

    @property
    def n_unique(self) -> int:
        """Distinct configs evaluated so far."""
        return len(self._counts)
