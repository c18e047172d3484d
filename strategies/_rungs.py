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
`SyncBrackets` runs brackets of synchronous successive halving, each rung waiting for all its
results before it promotes: by default several at once, the next bracket opening whenever no
open one has a config to hand out (HpBandSter's parallel Hyperband and BOHB), or one at a
time. `BracketStrategy` is the base of the strategies built on it (successive halving,
Hyperband, BOHB).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spaces import Config, Space
from strategies._base import MULTI_FIDELITY, Observation, Strategy
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

    tags = frozenset({MULTI_FIDELITY})

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


@dataclass(slots=True)
class _OpenBracket:
    """A bracket being run: its sizes per rung and the stage it is at."""

    first_rung: int
    sizes: tuple[int, ...]
    stage: _Stage


class SyncBrackets:
    """Synchronous successive halving: brackets cycled, each promoting only a complete rung.

    A bracket's first rung evaluates new configs; when all its results are in, the best
    ``floor(n_i / eta)`` (Li et al.'s ``n_{i+1}``; never a diverged one) are evaluated at the
    next rung, and so on to the top. Brackets are opened in turn from ``brackets``, repeated.

    One bracket at a time (``parallel=False``): the next bracket opens only when the last one
    is done, and while a rung waits for results `next_job` returns None. Parallel brackets
    (``parallel=True``, HpBandSter's parallel Hyperband and BOHB, Falkner et al. 2018): every
    request is served by the oldest open bracket that has a config to hand out (a promotion
    out of a complete rung, or a new config of its first rung); if none has, the next bracket
    of the cycle opens and serves it, so `next_job` never returns None. When every request is
    told before the next one (one worker), a bracket always has a config to hand out or is
    done, and the two are the same sequence of jobs.

    Args:
        n_rungs: How many rungs there are.
        brackets: The brackets, opened in turn and repeated.
        eta: The reduction factor.
        parallel: Open the next bracket rather than wait.
    """

    def __init__(
        self, n_rungs: int, brackets: Sequence[Bracket], eta: int, *, parallel: bool = False
    ) -> None:
        if not brackets:
            raise ValueError("no brackets")
        self.n_rungs = n_rungs
        self.brackets = tuple(brackets)
        self.eta = eta
        self.parallel = parallel
        self.n_brackets_opened = 0
        self.n_brackets_done = 0
        self.most_open = 0  # the most brackets open at once
        self._open: list[_OpenBracket] = []  # oldest first
        self._serial = 0  # stages made so far: a stage's serial is its tag
        self._order = 0

    def next_job(self, new_config: Callable[[int], Config]) -> tuple[Config, int, int] | None:
        """The next evaluation as ``(config, rung index, tag)``, or None to wait for results.

        None only without ``parallel``.

        Args:
            new_config: Draws a new config for a bracket's first rung (given its index).
        """
        for bracket in self._open:
            job = self._serve(bracket.stage, new_config)
            if job is not None:
                return job
        if self._open and not self.parallel:
            return None
        job = self._serve(self._open_next().stage, new_config)
        assert job is not None  # a new bracket's first stage has at least one config
        return job

    def result(self, tag: int, config: Config, score: float) -> None:
        """Record the result of an evaluation `next_job` returned with ``tag``.

        Results of stages not open (which the harness never sends) are ignored.
        """
        bracket = next((b for b in self._open if b.stage.serial == tag), None)
        if bracket is None or bracket.stage.n_pending == 0:
            return
        stage = bracket.stage
        stage.n_pending -= 1
        stage.results.append((-score, self._order, config))
        self._order += 1
        if stage.n_pending == 0 and stage.n_launched == stage.size:
            self._advance(bracket)  # now, so that `n_brackets_done` counts it once it is done

    def _serve(
        self, stage: _Stage, new_config: Callable[[int], Config]
    ) -> tuple[Config, int, int] | None:
        """The stage's next evaluation, or None if all of them have been handed out."""
        if stage.n_launched >= stage.size:
            return None
        config = stage.promoted[stage.n_launched] if stage.promoted else new_config(stage.rung)
        stage.n_launched += 1
        stage.n_pending += 1
        return config, stage.rung, stage.serial

    def _new_stage(self, rung: int, size: int, promoted: list[Config]) -> _Stage:
        self._serial += 1
        return _Stage(self._serial, rung, size, promoted)

    def _open_next(self) -> _OpenBracket:
        """Open the next bracket of the cycle."""
        bracket = self.brackets[self.n_brackets_opened % len(self.brackets)]
        sizes = bracket.stage_sizes(self.n_rungs, self.eta)
        opened = _OpenBracket(
            bracket.first_rung, sizes, self._new_stage(bracket.first_rung, sizes[0], [])
        )
        self._open.append(opened)
        self.n_brackets_opened += 1
        self.most_open = max(self.most_open, len(self._open))
        return opened

    def _advance(self, bracket: _OpenBracket) -> None:
        """Move a bracket on from a complete stage: promote to the next rung, or close it."""
        stage = bracket.stage
        if stage.rung + 1 < self.n_rungs:
            # Ties go to the earlier result; a diverged run (score -inf) is never promoted.
            ranked = [c for neg, _, c in sorted(stage.results) if neg < float("inf")]
            promoted = ranked[: bracket.sizes[stage.rung - bracket.first_rung + 1]]
            if promoted:
                bracket.stage = self._new_stage(stage.rung + 1, len(promoted), promoted)
                return
        self._open.remove(bracket)
        self.n_brackets_done += 1


class BracketStrategy(RungStrategy):
    """Base of the synchronous strategies: brackets of successive halving (`SyncBrackets`).

    Subclasses say which brackets to cycle (`make_brackets`) and may change where a bracket's
    new configs come from (`new_config`; uniform here).
    """

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(RungStrategy.Options):
        """Options of every bracket strategy; each field's ``help`` says what it does."""

        parallel_brackets: bool = option(
            True,
            help="Open the next bracket when a worker would wait (HpBandSter); "
            "false: one bracket at a time, free workers wait for its rung.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._brackets = SyncBrackets(
            len(self.rungs),
            self.make_brackets(),
            self.opts.eta,
            parallel=self.opts.parallel_brackets,
        )

    @abstractmethod
    def make_brackets(self) -> Sequence[Bracket]:
        """The brackets to cycle (called once, by the constructor, after `rungs` is set)."""

    def new_config(self, rung: int) -> Config:
        """A new config for a bracket that starts at rung index ``rung``: uniform at random."""
        return self.space.sample(self.rng)

    def ask_at(self) -> tuple[Config, int] | None:
        """A bracket's new config or a promotion; None while its rung waits (not parallel)."""
        job = self._brackets.next_job(self.new_config)
        return None if job is None else self.launch(*job)

    def observe(self, config: Config, observation: Observation, *, rung: int, tag: int) -> None:
        """Record the result in the stage of the bracket that asked for it."""
        self._brackets.result(tag, config, self.score(observation.value))

    def diagnostics(self) -> dict[str, Any]:
        """The rungs, results per rung, and brackets completed and most open at once."""
        return {
            **super().diagnostics(),
            "brackets_completed": self._brackets.n_brackets_done,
            "most_brackets_open": self._brackets.most_open,
        }
