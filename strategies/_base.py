"""The strategy interface: the harness asks for configs and tells what their evaluation gave.

Lifecycle (the harness owns the loop; a strategy never sees the table):

1. The harness constructs the strategy with the space, a seed, the objective's direction,
   when the budget is a number of evaluations that number, and the options as keywords. The
   strategy declares its options once, as a nested ``Options`` dataclass (see
   `strategies._options`); the base constructor checks them and stores them as ``self.opts``.
   A subclass's constructor adds only the checks that need the space or the budget (raising
   `Strategy.option_error`); it must do no heavy work. Planning a comparison constructs every
   strategy once to check its options, in the coordinating process, which never runs it.
   Before a run the harness calls the class's `Strategy.warm_up` (once per process is
   enough): the place to import heavy libraries, so that the import counts neither as the
   strategy's overhead nor as its time learning a prior.
2. Then, until the budget is spent, the harness calls `Strategy.ask` once and `Strategy.tell`
   once for that config, strictly alternating. The last ``ask`` may not be followed by a
   ``tell`` (under a seconds budget, a config whose training would overshoot is not run).
3. ``tell`` reports the *observed* value of one recorded training run (noisy; NaN when the
   recorded run diverged) and its training cost in seconds. Repeating a config is allowed; it
   costs budget and returns another recorded seed.
4. Outside comparisons only, a protocol may hand the strategy results it did not ask for
   through `Strategy.tell_unasked` (by default learnt as ``tell`` learns them); the
   harness's loop never calls it.

A strategy that sets ``multi_fidelity = True`` chooses each evaluation's fidelity: the harness
calls `Strategy.ask_at` instead of ``ask``, constructs it with the ``fidelities`` it may use and
whether a higher one ``continues`` a lower one, and each observation says its ``fidelity``.
Under ``--sim-workers W`` (any strategy) up to W evaluations run at once on a simulated clock
and are told in order of completion, so tells may lag asks.

A comparison may search several objectives at once (``--objectives test_acc,params``). Only
strategies that set ``multi_objective = True`` take part (others only under ``--scalarize``);
they are constructed with ``objectives`` (each `spaces.Metric` with its direction) and each
`Observation` carries every objective's observed value in ``values``; `Strategy.losses` turns
them into numbers to minimise. ``value`` is then the equal-weight scalarisation of
`spaces.MultiObjective` (larger is better), which is all a single-objective strategy sees.

A strategy that sets ``weight_sharing = True`` (``darts``, ``gdas``, ``rsws``; see
`strategies._weight_sharing`) trains a supernet before its first ``ask``, on a space that has
one (``cell/<data set>``) and under a seconds budget only: the harness calls its
``search_supernet(task)`` through the space (or replays the recorded search), charges the
recorded seconds to the budget, and hands the result to ``learn_supernet``. The search sees
training and validation images, never a stand-alone result.

A strategy that sets ``uses_prior = True`` is a *transfer* strategy: before its first ``ask``
the harness calls `Strategy.learn_prior` with the recorded results of other data sets on the
same space (`spaces.PriorData`; possibly none, e.g. on a user's own table), never the
target's. Reports show what was read as the strategy's prior cost, apart from the budget.
Any strategy may report what it learned through `Strategy.diagnostics` (stored with the run).

All randomness must come from ``self.rng`` (a `numpy.random.Generator` seeded from the given
seed) or generators derived from ``seed``; never from the global ``random``, ``numpy.random``
or ``torch`` state. The same seed must give the same sequence of suggestions.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from spaces import Config, Metric, PriorData, Space
from strategies._options import (
    StrategyOptionError,
    StrategyOptions,
    check_declaration,
    make_options,
)

MULTI_FIDELITY = "multi-fidelity"
"""The strategy chooses each evaluation's fidelity (`Strategy.ask_at`)."""
MULTI_OBJECTIVE = "multi-objective"
"""The strategy searches several objectives at once (`Observation.values`)."""
PRIOR = "prior"
"""A transfer strategy: it reads other data sets' results (`Strategy.learn_prior`)."""
WEIGHT_SHARING = "weight-sharing"
"""The strategy trains a supernet before its first ask (`Strategy.search_supernet`)."""
CAPABILITY_TAGS = frozenset({MULTI_FIDELITY, MULTI_OBJECTIVE, PRIOR, WEIGHT_SHARING})
"""Every capability tag a strategy may declare in `Strategy.tags`."""
_FLAG_TAGS = {
    "multi_fidelity": MULTI_FIDELITY,
    "multi_objective": MULTI_OBJECTIVE,
    "uses_prior": PRIOR,
    "weight_sharing": WEIGHT_SHARING,
}


@dataclass(frozen=True, slots=True)
class Observation:
    """What one evaluation reports to the strategy.

    Attributes:
        value: The observed objective of one recorded training run (NaN if it diverged); on
            a multi-objective search, the scalarisation of ``values`` (larger is better).
        cost_seconds: That run's recorded training time.
        values: On a multi-objective search, every objective's observed value in the order
            of the strategy's ``objectives`` (original units and directions); else empty.
        fidelity: For a multi-fidelity strategy, the fidelity the evaluation ran at (the
            value is the metric recorded at it); 0 otherwise.
    """

    value: float
    cost_seconds: float
    values: tuple[float, ...] = ()
    fidelity: int = 0


class Strategy(ABC):
    """Base class of every strategy; subclasses set `name`, `description` and ``Options``.

    A strategy with options declares them once, as a nested frozen dataclass whose fields
    say type, default, constraints and help; the registry parses, checks, lists and stores
    them from that declaration alone, and the strategy reads them from ``self.opts``::

        @dataclass(frozen=True, slots=True, kw_only=True)
        class Options(StrategyOptions):
            population: int = option(50, minimum=1, help="Members kept alive.")

        opts: Options

    Args:
        space: The space to suggest configs from.
        seed: Seed of this instance's random generator.
        maximize: Whether larger objective values are better.
        budget: The number of evaluations the run will make, when the budget is counted in
            evaluations; ``None`` under a seconds budget.
        objectives: The objectives of a multi-objective search, with their directions
            (given only to strategies that set `multi_objective`); empty otherwise.
        fidelities: For a strategy that sets `multi_fidelity`: the fidelities it may ask
            for, increasing (the last is the one reports score at); empty otherwise.
        continues: Whether a higher fidelity continues the training run of a lower one (a
            per-epoch curve: promoting a config costs only the extra epochs), rather than
            being an independent schedule that costs its full training.
        **options: The strategy's options by name; those not given take their defaults.

    Raises:
        StrategyOptionError: An option does not exist or its value is not allowed.
    """

    name: ClassVar[str]
    """Registry name: short, kebab-case, the same in CLI, stored results and reports."""
    description: ClassVar[str]
    """One line for ``python -m harness list``."""
    tags: ClassVar[frozenset[str]] = frozenset()
    """What the strategy can do and needs, as capability tags (`CAPABILITY_TAGS`): for
    example ``frozenset({MULTI_FIDELITY})``. The harness decides from these alone, in one
    place, whether and how the strategy runs on a space and budget."""
    # Read-only views of `tags`, kept for strategies and plugins written before tags existed
    # (a subclass that sets one of them to True gets the matching tag).
    uses_prior: ClassVar[bool] = False
    """True for a transfer strategy (tag `PRIOR`)."""
    multi_objective: ClassVar[bool] = False
    """True for a strategy that searches several objectives (tag `MULTI_OBJECTIVE`)."""
    multi_fidelity: ClassVar[bool] = False
    """True for a strategy that chooses each evaluation's fidelity (tag `MULTI_FIDELITY`)."""
    weight_sharing: ClassVar[bool] = False
    """True for a weight-sharing strategy (tag `WEIGHT_SHARING`)."""
    Options: ClassVar[type[StrategyOptions]] = StrategyOptions
    """The strategy's options: a frozen `StrategyOptions` dataclass; by default none."""
    opts: StrategyOptions
    """This instance's options (subclasses annotate it ``opts: Options`` for type checkers)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        tags = set(cls.tags)
        for flag, tag in _FLAG_TAGS.items():
            if own.get(flag) is True:
                tags.add(tag)  # a strategy written with the boolean flags
        unknown = sorted(tags - CAPABILITY_TAGS)
        if unknown:
            raise TypeError(
                f"strategy class {cls.__qualname__} declares unknown capability tag "
                f"{unknown[0]!r}; the tags are {', '.join(sorted(CAPABILITY_TAGS))}"
            )
        cls.tags = frozenset(tags)
        for flag, tag in _FLAG_TAGS.items():
            setattr(cls, flag, tag in cls.tags)
        if "Options" in own:
            # A malformed declaration fails when its module is imported, not at the first run.
            check_declaration(cls.Options, cls.__qualname__)

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        maximize: bool = True,
        budget: int | None = None,
        objectives: Sequence[Metric] = (),
        fidelities: Sequence[int] = (),
        continues: bool = False,
        **options: Any,
    ) -> None:
        self.space = space
        self.seed = seed
        self.maximize = maximize
        self.budget = budget
        self.objectives = tuple(objectives)
        self.fidelities = tuple(sorted(int(f) for f in fidelities))
        self.continues = continues
        self._loss_sign = np.array(
            [1.0 if m.direction == "minimize" else -1.0 for m in self.objectives]
        )
        self.rng = np.random.default_rng(seed)
        self.opts = make_options(type(self).Options, options, strategy=self.display_name())

    @classmethod
    def display_name(cls) -> str:
        """The registry name, or the class name of a strategy that has none (yet)."""
        return getattr(cls, "name", cls.__qualname__)

    @abstractmethod
    def ask(self) -> Config:
        """Suggest the next config to evaluate."""

    @abstractmethod
    def tell(self, config: Config, observation: Observation) -> None:
        """Learn the result of evaluating ``config`` (the config the last ``ask`` returned)."""

    def tell_unasked(self, config: Config, observation: Observation) -> None:
        """Learn a result the strategy did not ask for (outside comparisons only).

        A protocol that is not a comparison (`experiments`) may hand a strategy recorded
        results before its first ``ask`` (a grid of trials to start from) or more training
        seeds of a config it asked for; each comes through this call, never through a
        ``tell`` without its ``ask``. A comparison's loop never calls it: there every result
        is an evaluation that costs budget. The default learns it as `tell` would; a strategy
        that keeps state between an ``ask`` and its ``tell`` overrides it.
        """
        self.tell(config, observation)

    def ask_at(self) -> tuple[Config, int] | None:
        """The next config and the fidelity to evaluate it at (multi-fidelity strategies).

        The harness calls this instead of `ask` for a strategy that sets `multi_fidelity`.
        With simulated parallel workers (``--sim-workers``) it is called whenever a worker is
        free, so several evaluations may be running; returning None lets the worker wait for
        the next result (a synchronous algorithm waiting for its rung). None while nothing is
        running ends the run as failed. The default evaluates `ask` at the largest fidelity.
        """
        return self.ask(), (self.fidelities[-1] if self.fidelities else 0)

    @classmethod
    def warm_up(cls) -> None:
        """Prepare this process for runs of the strategy: import heavy libraries here.

        Called by the harness before a run (`harness.run_strategy` too), outside the measured
        overhead; it may be called many times and must be cheap after the first. The default
        does nothing.
        """
        return None  # most strategies import nothing heavy

    def learn_prior(self, priors: Sequence[PriorData]) -> None:
        """Read the source data sets' results (transfer strategies only; see module doc).

        Called once, before the first ``ask``, with zero or more sources. The default
        refuses: a strategy that sets ``uses_prior`` must override it.
        """
        raise NotImplementedError(f"{self.display_name()} sets uses_prior but has no learn_prior")

    def supernet_key(self) -> dict[str, Any]:
        """What identifies a weight-sharing strategy's search (name, version, options)."""
        raise NotImplementedError(f"{self.display_name()} is not a weight-sharing strategy")

    def search_supernet(self, task: Any) -> dict[str, Any]:
        """Run a weight-sharing search on a `spaces.training.SupernetTask` (JSON result)."""
        raise NotImplementedError(f"{self.display_name()} is not a weight-sharing strategy")

    def learn_supernet(self, result: Mapping[str, Any]) -> None:
        """Take the (recorded) result of `search_supernet` before the first ``ask``."""
        raise NotImplementedError(f"{self.display_name()} is not a weight-sharing strategy")

    def diagnostics(self) -> dict[str, Any]:
        """What the strategy learned, for the report (JSON values; stored with the run).

        Called once after the run's last ``tell``; empty by default.
        """
        return {}

    def score(self, value: float) -> float:
        """``value`` turned into a larger-is-better score; NaN becomes ``-inf``."""
        if math.isnan(value):
            return -math.inf
        return value if self.maximize else -value

    def losses(self, values: Sequence[float]) -> npt.NDArray[np.float64]:
        """An observation's ``values`` as losses to minimise (original scale); NaN -> +inf."""
        loss = np.asarray(values, dtype=np.float64) * self._loss_sign
        return np.where(np.isnan(loss), np.inf, loss)

    def observed_losses(self, observation: Observation) -> npt.NDArray[np.float64]:
        """An observation as losses to minimise: every objective's, or the one value's.

        Lets a multi-objective strategy run on a single-objective search too (one loss).
        """
        if observation.values:
            return self.losses(observation.values)
        return np.array([-self.score(observation.value)])

    def options(self) -> dict[str, Any]:
        """The strategy's options and their values, by name in declaration order."""
        return self.opts.as_dict()

    def option_error(self, option: str, problem: str) -> StrategyOptionError:
        """The error for an option that does not fit the space or the budget.

        Args:
            option: The option's name; the message shows its value.
            problem: What is wrong, to follow ``option NAME=VALUE``, e.g. ``"must be at most
                the budget (20 evaluations)"``.
        """
        return self.opts.error(option, problem).naming(self.display_name())
