"""Capabilities: whether, and how, a strategy runs on a space under a budget and workers.

The one place where the harness reads what a strategy declares and what an objective offers:

- a strategy declares *capability tags* as data (`strategies.Strategy.tags`: ``multi-fidelity``,
  ``multi-objective``, ``prior``, ``weight-sharing``);
- an objective offers *features* through the protocols of `spaces` (`spaces.RecordedCosts`,
  `spaces.SupernetSearch`, `spaces.TrainsOnMiss`, `spaces.SeveralObjectives`) and its
  `spaces.ObjectiveInfo` (fidelities, whether they continue).

`decide` takes a strategy and a `Setting` (objective, budget, simulated workers, whether
single-objective strategies may search a scalarisation) and returns a `RunPlan`: which run
features apply, what the strategy is constructed with, whether the run goes through the
event loop, and the hooks to call before its first ask; or it raises `Refused` with one line
saying why and what to use instead. Each run feature (`ParetoScoring`, `MultiFidelity`,
`SupernetSearchFirst`, `PriorKnowledge`, `SimulatedWorkers`) lives here with its checks, its
hook and its run note. `check_budget` holds the rules a budget must meet on a space, called
once per space by planning. The loop, the worker, planning and the CLI ask this module;
none of them reads a tag or probes an objective.

A new kind of strategy or objective feature is one more `Feature` in `FEATURES`, and the
compatibility matrix (`harness.compatibility`) shows and tests what it allows.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from harness.run_types import MAX_EVALUATIONS, Budget
from spaces import (
    DEFAULT_FIDELITY,
    Metric,
    MultiObjective,
    Objective,
    PriorData,
    SeveralObjectives,
    SupernetSearch,
    TrainsOnMiss,
    recorded_costs,
    searched_objectives,
)
from strategies import (
    MULTI_FIDELITY,
    MULTI_OBJECTIVE,
    PRIOR,
    WEIGHT_SHARING,
    Strategy,
    available_strategies,
    get_strategy,
)


class ChargesSearch(Protocol):
    """What a hook may charge: the run's evaluator (`harness.Evaluator`).

    Named by what it does, since the evaluator imports this module.
    """

    def charge_search(self, seconds: float) -> bool:
        """Charge a search before the first evaluation; False where it does not fit."""


class Refused(ValueError):
    """A combination that cannot run fairly: the message is one line saying why.

    Args:
        message: The one line: what is refused, why, and what to use instead.
        rule: The rule that refused it, as `RULES` names it (the compatibility matrix
            shows rules, not messages).
    """

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


RULES: dict[str, str] = {
    "one-objective": "a single-objective strategy on several objectives needs --scalarize",
    "mf-one-objective": "a multi-fidelity strategy searches one objective",
    "mf-needs-fidelities": "a multi-fidelity strategy needs a space with two or more "
    "fidelities up to the searched one",
    "ws-one-objective": "a weight-sharing strategy searches one objective",
    "ws-needs-supernet": "a weight-sharing strategy needs a space that offers a supernet "
    "(a trainable cell space)",
    "ws-needs-seconds": "a weight-sharing strategy is charged its supernet search in "
    "seconds: the budget must be in seconds",
    "ws-one-worker": "a weight-sharing strategy trains its supernet on one worker",
    "epochs-need-fidelity": "an epochs budget needs a space that states its fidelity in epochs",
    "budget-buys-none": "the budget cannot buy a single evaluation",
    "zero-costs": "a seconds budget needs positive recorded training costs",
    "too-many-evaluations": "the budget could buy more evaluations than a run may hold",
}
"""Every refusal rule, by the short name `Refused.rule` carries, with what it says."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """Where a strategy is to run.

    Attributes:
        objective: The objective as searched (after ``select``/``reporting``).
        budget: The run's budget.
        sim_workers: Simulated parallel workers.
        scalarize: On a multi-objective search, whether a single-objective strategy may
            take part on the scalarisation (``--scalarize``).
        strict: Whether to refuse what can run but would not be the comparison the user
            means: a single-objective strategy on several objectives without ``scalarize``,
            a multi-fidelity strategy on a space with one fidelity. A comparison plans
            strictly; the library call `harness.run_strategy` (and a worker running a
            planned run) does not, and runs such a strategy on the scalarisation, or at the
            one fidelity.
    """

    objective: Objective
    budget: Budget
    sim_workers: int = 1
    scalarize: bool = False
    strict: bool = False


@dataclass(slots=True, kw_only=True)
class RunContext:
    """What a feature's hook may use before the strategy's first ask."""

    strategy: Strategy
    objective: Objective
    evaluator: ChargesSearch
    seed: int
    budget: Budget
    priors: Sequence[PriorData] | None = None
    """The sources' results for a transfer strategy (None: the caller handed them over)."""


class Feature(ABC):
    """One kind of run behaviour: when it applies, what it refuses, its hook and note."""

    name: ClassVar[str]
    """Short name, as the compatibility matrix and run plans show it."""

    @abstractmethod
    def applies(self, tags: frozenset[str], setting: Setting) -> bool:
        """Whether this feature is part of a run of a strategy with ``tags`` here."""

    def check(self, strategy: str, tags: frozenset[str], setting: Setting) -> None:
        """Raise `Refused` where the run cannot be made fair; the default allows it."""
        return None

    def construction(self, tags: frozenset[str], setting: Setting) -> dict[str, Any]:
        """Keywords the strategy is constructed with (see `strategies.build_strategy`)."""
        return {}

    def before_first_ask(self, context: RunContext) -> Any:
        """Work before the first ask; returns the run's note for this feature, or None."""
        return None

    @property
    def event_loop(self) -> bool:
        """Whether runs with this feature go through the event loop (`harness.EventLoop`)."""
        return False


class ParetoScoring(Feature):
    """Several objectives at once: fronts scored by hypervolume; the vector is told."""

    name = "pareto"

    def applies(self, tags: frozenset[str], setting: Setting) -> bool:
        """See `Feature.applies`."""
        return bool(searched_objectives(setting.objective))

    def check(self, strategy: str, tags: frozenset[str], setting: Setting) -> None:
        """See `Feature.check`."""
        if MULTI_OBJECTIVE in tags or setting.scalarize or not setting.strict:
            return
        several = searched_objectives(setting.objective)
        able = ", ".join(n for n in available_strategies() if MULTI_OBJECTIVE in tags_of(n))
        raise Refused(
            f"strategy {strategy!r} optimises one objective and cannot search "
            f"{', '.join(m.name for m in several)} at once; use one of {able}, or add "
            "--scalarize to give it their equal-weight sum of normalised objectives",
            rule="one-objective",
        )

    def construction(self, tags: frozenset[str], setting: Setting) -> dict[str, Any]:
        """See `Feature.construction`."""
        if MULTI_OBJECTIVE not in tags:
            return {}  # it optimises the scalarised value it is told
        return {"objectives": tuple(searched_objectives(setting.objective))}


class MultiFidelity(Feature):
    """The strategy chooses each evaluation's fidelity; a lower one costs its share."""

    name = "multi-fidelity"

    def applies(self, tags: frozenset[str], setting: Setting) -> bool:
        """See `Feature.applies`."""
        return MULTI_FIDELITY in tags

    def check(self, strategy: str, tags: frozenset[str], setting: Setting) -> None:
        """See `Feature.check`."""
        objective = setting.objective
        if searched_objectives(objective):
            raise Refused(
                f"strategy {strategy!r} is multi-fidelity and searches one objective; leave "
                "out --objectives",
                rule="mf-one-objective",
            )
        fidelities = searchable_fidelities(objective)
        offered = objective.info.fidelities
        if not setting.strict:
            return  # the library call runs it at the one fidelity there is
        if len(fidelities) < 2 and len(offered) >= 2:
            raise Refused(
                f"strategy {strategy!r} is multi-fidelity but --fidelity "
                f"{objective.info.fidelity} leaves it one fidelity of space {objective.name!r}; "
                f"leave out --fidelity (it offers {listed(offered)})",
                rule="mf-needs-fidelities",
            )
        if len(fidelities) < 2:
            raise Refused(
                f"strategy {strategy!r} is multi-fidelity but space {objective.name!r} offers "
                f"{listed(offered) or 'a single schedule'} (searched at "
                f"{objective.info.fidelity}); use a space with several fidelities, e.g. "
                "nb201/cifar10 (12 and 200 epochs)",
                rule="mf-needs-fidelities",
            )

    def construction(self, tags: frozenset[str], setting: Setting) -> dict[str, Any]:
        """See `Feature.construction`."""
        return {
            "fidelities": searchable_fidelities(setting.objective),
            "continues": setting.objective.info.fidelity_continues,
        }

    @property
    def event_loop(self) -> bool:
        """See `Feature.event_loop`."""
        return True


class SupernetSearchFirst(Feature):
    """Weight sharing: the supernet search runs (or is replayed) and is charged first."""

    name = "supernet"

    def applies(self, tags: frozenset[str], setting: Setting) -> bool:
        """See `Feature.applies`."""
        return WEIGHT_SHARING in tags

    def check(self, strategy: str, tags: frozenset[str], setting: Setting) -> None:
        """See `Feature.check`."""
        objective = setting.objective
        if searched_objectives(objective):
            raise Refused(
                f"strategy {strategy!r} trains a supernet for one objective; leave out "
                "--objectives",
                rule="ws-one-objective",
            )
        if not isinstance(objective, SupernetSearch):
            raise Refused(
                f"strategy {strategy!r} trains a supernet, which space {objective.name!r} does "
                "not offer; use a trainable cell space: cell/digits or cell/fashion-mnist",
                rule="ws-needs-supernet",
            )
        if setting.budget.kind != "seconds":
            raise Refused(
                f"strategy {strategy!r} is charged for its supernet training in seconds; give "
                f"the budget as --budget-seconds, not {setting.budget.label()}",
                rule="ws-needs-seconds",
            )
        if setting.sim_workers > 1:
            raise Refused(
                f"strategy {strategy!r} trains its supernet on one worker; leave out "
                f"--sim-workers (got {setting.sim_workers})",
                rule="ws-one-worker",
            )

    def before_first_ask(self, context: RunContext) -> Any:
        """See `Feature.before_first_ask`."""
        strategy, objective = context.strategy, context.objective
        assert isinstance(objective, SupernetSearch)  # `check` refused the others
        record = objective.supernet(
            strategy.supernet_key(), strategy.search_supernet, seed=context.seed
        )
        if not context.evaluator.charge_search(record.seconds):
            raise ValueError(
                f"the supernet search of {strategy.display_name()} costs {record.seconds:.1f} s "
                f"(recorded), more than the budget of {context.budget.label()}"
            )
        strategy.learn_supernet(record.result)
        return {
            "seconds": record.seconds,
            "diagnostic_seconds": record.diagnostic_seconds,
            "device": record.device_name,
        }


class PriorKnowledge(Feature):
    """Transfer: the sources' results are handed over once, before the first ask."""

    name = "prior"

    def applies(self, tags: frozenset[str], setting: Setting) -> bool:
        """See `Feature.applies`."""
        return PRIOR in tags

    def before_first_ask(self, context: RunContext) -> Any:
        """See `Feature.before_first_ask`."""
        priors = context.priors
        if priors is None:
            return None  # handed over by the caller of `run_strategy`
        note: dict[str, Any] = {
            "sources": [p.space for p in priors],
            "metrics": [p.metric for p in priors],
            "n_configs": int(sum(p.n_configs for p in priors)),
            "n_runs": int(sum(p.n_runs for p in priors)),
            "cost_seconds": float(sum(p.cost_seconds for p in priors)),
        }
        start = time.perf_counter()
        context.strategy.learn_prior(priors)
        note["learn_seconds"] = round(time.perf_counter() - start, 6)
        return note


class SimulatedWorkers(Feature):
    """Several simulated workers: evaluations finish in order of simulated completion."""

    name = "sim-workers"

    def applies(self, tags: frozenset[str], setting: Setting) -> bool:
        """See `Feature.applies`."""
        return setting.sim_workers > 1

    @property
    def event_loop(self) -> bool:
        """See `Feature.event_loop`."""
        return True


FEATURES: tuple[Feature, ...] = (
    ParetoScoring(),
    MultiFidelity(),
    SupernetSearchFirst(),
    PriorKnowledge(),
    SimulatedWorkers(),
)
"""Every run feature, in the order their checks and hooks run."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunPlan:
    """How one strategy runs in one setting (see `decide`).

    Attributes:
        strategy: The strategy's registry name.
        tags: Its capability tags.
        features: The run features that apply, in hook order.
        construction: Keywords the strategy is constructed with (objectives, fidelities,
            continues), as `strategies.build_strategy` takes them.
    """

    strategy: str
    tags: frozenset[str]
    features: tuple[Feature, ...]
    construction: Mapping[str, Any] = field(default_factory=dict)

    @property
    def event_loop(self) -> bool:
        """Whether the run goes through the event loop rather than the plain loop."""
        return any(f.event_loop for f in self.features)

    @property
    def chooses_fidelity(self) -> bool:
        """Whether the strategy chooses each evaluation's fidelity (`Strategy.ask_at`)."""
        return MULTI_FIDELITY in self.tags

    @property
    def reads_prior(self) -> bool:
        """Whether the run is handed the sources' results (a transfer strategy)."""
        return PRIOR in self.tags

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The names of the features that apply."""
        return tuple(f.name for f in self.features)

    def before_first_ask(self, context: RunContext) -> dict[str, Any]:
        """Run every feature's hook; returns the run notes they give, by feature name."""
        notes: dict[str, Any] = {}
        for feature in self.features:
            note = feature.before_first_ask(context)
            if note is not None:
                notes[feature.name] = note
        return notes


def tags_of(strategy: str | type[Strategy]) -> frozenset[str]:
    """The capability tags of a strategy (by registry name or class)."""
    cls = get_strategy(strategy) if isinstance(strategy, str) else strategy
    return frozenset(cls.tags)


def decide(strategy: str | type[Strategy], setting: Setting) -> RunPlan:
    """Whether and how ``strategy`` runs in ``setting``.

    Raises:
        Refused: The combination cannot run under equal budgets; one line says why.
        UnknownStrategyError: ``strategy`` is a name no module registers.
    """
    cls = get_strategy(strategy) if isinstance(strategy, str) else strategy
    name = cls.display_name()
    tags = tags_of(cls)
    features = tuple(f for f in FEATURES if f.applies(tags, setting))
    construction: dict[str, Any] = {}
    for feature in features:
        feature.check(name, tags, setting)
        construction.update(feature.construction(tags, setting))
    return RunPlan(strategy=name, tags=tags, features=features, construction=construction)


def chooses_fidelity(strategy: type[Strategy]) -> bool:
    """Whether ``strategy`` chooses each evaluation's fidelity (the event loop asks)."""
    return MULTI_FIDELITY in tags_of(strategy)


def is_transfer(strategy: str) -> bool:
    """Whether strategy ``strategy`` reads other data sets' results (is handed sources)."""
    return PRIOR in tags_of(strategy)


def searchable_fidelities(objective: Objective) -> tuple[int, ...]:
    """The fidelities a multi-fidelity strategy may ask for: those up to the searched one."""
    return tuple(f for f in objective.info.fidelities if f <= objective.info.fidelity)


def listed(fidelities: tuple[int, ...]) -> str:
    """``12, 200``, or ``1-40`` for a run of consecutive epochs."""
    if len(fidelities) > 2 and list(fidelities) == list(range(fidelities[0], fidelities[-1] + 1)):
        return f"{fidelities[0]}-{fidelities[-1]}"
    return ", ".join(map(str, fidelities))


# -- objective features the rest of the harness uses --------------------------------------------


def vector_reader(objective: Objective) -> Callable[[int, int], tuple[float, ...]] | None:
    """Every objective's observed value per (config, slot) on a multi-objective search."""
    return objective.vector_reader() if isinstance(objective, SeveralObjectives) else None


def several_objectives(objective: Objective) -> tuple[Metric, ...]:
    """The metrics a multi-objective search searches (its runs are scored by fronts)."""
    return tuple(searched_objectives(objective))


def pareto_scored(objective: Objective) -> MultiObjective | None:
    """``objective`` where its runs are scored by the hypervolume of their fronts, else None."""
    return objective if isinstance(objective, MultiObjective) else None


def training_cache(objective: Objective) -> Any:
    """The training cache ``objective`` trains its misses into, or None."""
    return objective.cache if isinstance(objective, TrainsOnMiss) else None


def new_models(objective: object) -> list[tuple[Any, Any]]:
    """What ``objective`` trained and could not record in a read-only cache."""
    return list(objective.take_new_models()) if isinstance(objective, TrainsOnMiss) else []


# -- budget rules ---------------------------------------------------------------------------------


def check_budget(objective: Objective, budget: Budget) -> None:
    """Refuse a budget that cannot be spent on ``objective``.

    The rules, each one line: an epochs budget needs a space that states its fidelity in
    epochs and must buy one evaluation at it; a seconds budget needs positive recorded
    costs where they are known up front, must buy the cheapest recorded run, and may not buy
    more than `MAX_EVALUATIONS` of them (a run holds its evaluations in memory).

    Raises:
        Refused: The budget cannot be spent here.
    """
    name = objective.name
    if budget.kind == "epochs":
        if objective.info.fidelity == DEFAULT_FIDELITY:
            raise Refused(
                f"space {name!r} states no fidelity in epochs; use --budget (evaluations) or "
                "--budget-seconds",
                rule="epochs-need-fidelity",
            )
        if objective.info.fidelity > budget.amount:
            raise Refused(
                f"a budget of {budget.label()} cannot buy one evaluation on {name!r}: each "
                f"evaluation trains {objective.info.fidelity} epochs (use --fidelity or a "
                "larger budget)",
                rule="budget-buys-none",
            )
    costs = recorded_costs(objective)
    if budget.kind != "seconds" or costs is None:
        return
    costs = costs[np.isfinite(costs)]  # NaN pads the slots of configs with fewer seeds
    if costs.size == 0:
        return
    if not (costs > 0).all():
        raise Refused(
            f"space {name!r} records zero training costs; use --budget (evaluations) instead "
            "of --budget-seconds",
            rule="zero-costs",
        )
    cheapest = float(np.min(costs))
    if cheapest > budget.amount:
        raise Refused(
            f"a budget of {budget.label()} cannot buy one evaluation on {name!r}: its cheapest "
            f"recorded training run takes {cheapest:g} s",
            rule="budget-buys-none",
        )
    if budget.amount / cheapest > MAX_EVALUATIONS:
        raise Refused(
            f"--budget-seconds {budget.amount:g} on space {name!r}: its cheapest recorded run "
            f"takes {cheapest:g} s, so a run could make more than {MAX_EVALUATIONS} "
            "evaluations; use a smaller budget or --budget",
            rule="too-many-evaluations",
        )


__all__ = [
    "FEATURES",
    "RULES",
    "Feature",
    "MultiFidelity",
    "ParetoScoring",
    "PriorKnowledge",
    "Refused",
    "RunContext",
    "RunPlan",
    "Setting",
    "SimulatedWorkers",
    "SupernetSearchFirst",
    "check_budget",
    "chooses_fidelity",
    "decide",
    "is_transfer",
    "new_models",
    "pareto_scored",
    "searchable_fidelities",
    "several_objectives",
    "tags_of",
    "training_cache",
    "vector_reader",
]
