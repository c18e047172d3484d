"""Rungs and brackets of successive halving, shared by the multi-fidelity strategies.

Successive halving (Jamieson & Talwalkar, AISTATS 2016) evaluates many configs at a low
fidelity and promotes the best ``1/eta`` of each rung to the next; Hyperband (Li et al., JMLR
2018) runs it in brackets that trade how many configs a bracket starts with against how low
it starts. Both assume a geometric ladder of fidelities ``r_max / eta^k``, ``k = 0..s_max``
with ``s_max = floor(log_eta(r_max / r_min))``; a table offers only the fidelities it recorded
(NAS-Bench-201: 12 and 200 epochs), so `rung_fidelities` snaps each target *down* to the
largest offered fidelity not above it and drops repeats. Snapping down rather than to the
nearest keeps every promotion at least an ``eta``-fold step up from the rung below the top (the
nearest to ``200/3`` among 1..200 could be 199, a rung that trains almost as long as the top).
`hyperband_brackets` sizes the brackets over those rungs as Li et al.'s Algorithm 1 does, with
``s_max`` the number of rungs less one.

`RungStrategy` is the base of the strategies built on rungs: the ``eta`` option, the rungs,
`Strategy.ask` for callers that cannot wait, and the matching of each ``tell`` to the
evaluation it answers (under simulated workers tells arrive in order of completion).
`SyncBrackets` runs brackets one at a time, a rung waiting for all its results (the
synchronous successive halving of Hyperband and BOHB).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spaces import Config, Space
from strategies._base import Observation, Strategy
from strategies._options import StrategyOptions, option


def rung_fidelities(fidelities: Sequence[int], eta: int) -> tuple[int, ...]:
    """The rungs of successive halving over the offered ``fidelities``, increasing.

    Targets ``r_max / eta^k`` for ``k = 0..floor(log_eta(r_max / r_min))``, each snapped down
    to the largest offered fidelity not above it, without repeats; the last rung is always the
    largest fidelity. No fidelities at all (a single-fidelity space) give the one rung ``0``.

    Args:
        fidelities: The offered fidelities (positive; any order, repeats allowed).
        eta: The reduction factor (2 or more).

    Returns:
        The rung fidelities, increasing.

    Raises:
        ValueError: ``eta`` is below 2 or a fidelity is not positive.
    """
    if eta < 2:
        raise ValueError(f"eta must be at least 2, not {eta}")
    offered = sorted({int(f) for f in fidelities})
    if not offered:
        return (0,)
    if offered[0] <= 0:
        raise ValueError(f"fidelities must be positive: {offered}")
    r_max, r_min = offered[-1], offered[0]
    rungs: set[int] = set()
    step = 1  # eta^k, kept whole so that the comparisons are exact
    while r_max >= r_min * step:  # r_max / eta^k >= r_min
        rungs.add(max(f for f in offered if f * step <= r_max))
        step *= eta
    return tuple(sorted(rungs))


@dataclass(frozen=True, slots=True)
class Bracket:
    """One run of successive halving: how many configs it starts with, and where.

    Attributes:
        n_configs: New configs evaluated at the bracket's first rung.
        first_rung: Index (into the rungs) of the rung the bracket starts at.
    """

    n_configs: int
    first_rung: int

    def __post_init__(self) -> None:
        if self.n_configs < 1 or self.first_rung < 0:
            raise ValueError(f"a bracket needs n_configs >= 1 and first_rung >= 0: {self}")

    def stage_sizes(self, n_rungs: int, eta: int) -> tuple[int, ...]:
        """Evaluations at each rung from the first to the top: ``floor(n / eta^i)``, at least 1."""
        return tuple(max(1, self.n_configs // eta**i) for i in range(n_rungs - self.first_rung))


def hyperband_brackets(n_rungs: int, eta: int) -> tuple[Bracket, ...]:
    """Hyperband's brackets ``s = s_max..0`` over ``n_rungs`` rungs (Li et al. 2018, Alg. 1).

    Bracket ``s`` starts ``n = ceil((s_max + 1) / (s + 1) * eta^s)`` configs at rung
    ``s_max - s``, where ``s_max = n_rungs - 1``: the first bracket is the most exploratory,
    the last evaluates ``s_max + 1`` configs at the top rung only (random search).
    """
    s_max = n_rungs - 1
    return tuple(
        Bracket(n_configs=-(-(s_max + 1) * eta**s // (s + 1)), first_rung=s_max - s)
        for s in range(s_max, -1, -1)
    )


@dataclass(slots=True)
class _Pending:
    config: Config
    rung: int
    tag: int


class RungStrategy(Strategy):
    """Base of the strategies that promote configs through rungs of fidelities.

    Subclasses implement `Strategy.ask_at` (asking for evaluations through `launch`) and
    `observe` (learning each result, with the rung and tag `launch` gave it). Without
    fidelities (a single-fidelity space) there is one rung, fidelity 0, and no promotions.

    Attributes:
        rungs: The rung fidelities (`rung_fidelities` of the offered fidelities and eta).
    """

    multi_fidelity = True

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of every rung strategy; each field's ``help`` says what it does."""

        eta: int = option(
            3,
            minimum=2,
            help="Reduction factor: each rung keeps the best 1/eta; rungs are eta-fold apart.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self.rungs = rung_fidelities(self.fidelities, self.opts.eta)
        self._pending: list[_Pending] = []
        self._n_at_rung = [0] * len(self.rungs)

    def ask(self) -> Config:
        """The config `ask_at` asks for; where it would wait, a random one (``ask`` cannot)."""
        request = self.ask_at()
        return self.space.sample(self.rng) if request is None else request[0]

    def launch(self, config: Config, rung: int, tag: int = 0) -> tuple[Config, int]:
        """Record an evaluation of ``config`` at rung index ``rung``; the request to return.

        ``tag`` comes back with its result in `observe` (e.g. which stage asked for it).
        """
        self._pending.append(_Pending(config, rung, tag))
        return config, self.rungs[rung]

    def tell(self, config: Config, observation: Observation) -> None:
        """Match the result to the evaluation it answers and pass it on to `observe`.

        The evaluation is the earliest pending one of ``config`` at the observed fidelity, or
        else of ``config`` at any (a caller of `ask` may not say the fidelity). A result
        nobody asked for is passed on with rung -1 unless its fidelity is a rung.
        """
        at = observation.fidelity
        same = [p for p in self._pending if p.config == config]
        match = next((p for p in same if self.rungs[p.rung] == at), same[0] if same else None)
        if match is not None:
            self._pending.remove(match)
            rung, tag = match.rung, match.tag
        else:
            rung, tag = (self.rungs.index(at) if at in self.rungs else -1), -1
        if rung >= 0:
            self._n_at_rung[rung] += 1
        self.observe(config, observation, rung=rung, tag=tag)

    @property
    def n_pending(self) -> int:
        """Evaluations asked for and not yet told."""
        return len(self._pending)

    @abstractmethod
    def observe(self, config: Config, observation: Observation, *, rung: int, tag: int) -> None:
        """Learn the result of an evaluation of ``config`` at rung index ``rung``.

        ``tag`` is what `launch` was given, or -1 (and ``rung`` possibly -1) for a result
        that matches no evaluation asked for.
        """

    def diagnostics(self) -> dict[str, Any]:
        """The rungs and how many results each received."""
        counts = zip(self.rungs, self._n_at_rung, strict=True)
        return {"rungs": list(self.rungs), "results_at_rung": {str(f): n for f, n in counts}}


@dataclass(slots=True)
class _Stage:
    """The evaluations of one bracket at one rung."""

    serial: int
    rung: int
    size: int
    promoted: list[Config]  # the configs to evaluate (empty at a bracket's first rung)
    n_launched: int = 0
    n_pending: int = 0
    # (-score, order of the result, config): sorting ranks the best first, ties by order.
    results: list[tuple[float, int, Config]] = field(default_factory=list)


class SyncBrackets:
    """Synchronous successive halving: brackets in turn, one rung at a time.

    A bracket's first rung evaluates new configs; when all its results are in, the best
    ``floor(n_i / eta)`` (Li et al.'s ``n_{i+1}``; never a diverged one) are evaluated at the
    next rung, and so on to the top; then the next bracket starts, cycling through
    ``brackets``. While a rung waits for results, `next_job` returns None.

    Args:
        n_rungs: How many rungs there are.
        brackets: The brackets, run in turn and repeated.
        eta: The reduction factor.
    """

    def __init__(self, n_rungs: int, brackets: Sequence[Bracket], eta: int) -> None:
        if not brackets:
            raise ValueError("no brackets")
        self.n_rungs = n_rungs
        self.brackets = tuple(brackets)
        self.eta = eta
        self.n_brackets_done = 0
        self._serial = 0
        self._order = 0
        self._bracket = 0
        self._sizes = self.brackets[0].stage_sizes(n_rungs, eta)
        self._stage = _Stage(0, self.brackets[0].first_rung, self._sizes[0], [])

    def next_job(self, new_config: Callable[[int], Config]) -> tuple[Config, int, int] | None:
        """The next evaluation as ``(config, rung index, tag)``, or None to wait for results.

        Args:
            new_config: Draws a new config for a bracket's first rung (given its index).
        """
        while True:
            stage = self._stage
            if stage.n_launched < stage.size:
                if stage.promoted:
                    config = stage.promoted[stage.n_launched]
                else:
                    config = new_config(stage.rung)
                stage.n_launched += 1
                stage.n_pending += 1
                return config, stage.rung, stage.serial
            if stage.n_pending > 0:
                return None
            self._advance()

    def result(self, tag: int, config: Config, score: float) -> None:
        """Record the result of an evaluation `next_job` returned with ``tag``.

        Results of other stages (which the harness never sends) are ignored.
        """
        stage = self._stage
        if tag != stage.serial or stage.n_pending == 0:
            return
        stage.n_pending -= 1
        stage.results.append((-score, self._order, config))
        self._order += 1
        if stage.n_pending == 0 and stage.n_launched == stage.size:
            self._advance()  # now, so that `n_brackets_done` counts a bracket once it is done

    def _advance(self) -> None:
        """Move on from a finished stage: promote to the next rung, or start the next bracket."""
        stage = self._stage
        self._serial += 1
        step = stage.rung - self.brackets[self._bracket].first_rung + 1
        if stage.rung + 1 < self.n_rungs:
            # Ties go to the earlier result; a diverged run (score -inf) is never promoted.
            ranked = [c for neg, _, c in sorted(stage.results) if neg < float("inf")]
            promoted = ranked[: self._sizes[step]]
            if promoted:
                self._stage = _Stage(self._serial, stage.rung + 1, len(promoted), promoted)
                return
        self.n_brackets_done += 1
        self._bracket = (self._bracket + 1) % len(self.brackets)
        bracket = self.brackets[self._bracket]
        self._sizes = bracket.stage_sizes(self.n_rungs, self.eta)
        self._stage = _Stage(self._serial, bracket.first_rung, self._sizes[0], [])
