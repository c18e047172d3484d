"""The objective interface: what answers an evaluation of a config.

A space is paired with an *objective*. Given a config's row number, a training-seed slot (the
common-random-numbers slot the harness draws) and the fidelity chosen for the run, it returns
the named metrics of one training run: the search metric, its training cost in seconds and,
where known, a test metric, parameters, latency and so on. It declares what it knows: the
metric names and directions, the fidelities it offers, whether its config set is fully
recorded, and the optimum where that is known. Recorded tables (`RecordedTable`) are one
implementation; a trainer with a cache of real training runs is another.

Strategies never see an objective (design invariant 1): only the harness's evaluator calls it,
and it hands a strategy nothing but the search metric and the cost.
"""

from __future__ import annotations

import copy
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from spaces._space import Space

Direction = Literal["maximize", "minimize"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The fidelity number of an objective that offers a single training schedule whose length
#: the source does not state.
DEFAULT_FIDELITY = 0


class ObjectiveError(ValueError):
    """A metric or fidelity that the objective does not offer; the message names the valid ones."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Metric:
    """One named quantity an evaluation reports.

    Attributes:
        name: The metric's name, as in the source (``val_acc``, ``test_acc``, ``params``).
        direction: ``maximize`` if larger is better, ``minimize`` if smaller is.
        units: What it measures, with units.
    """

    name: str
    direction: Direction
    units: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a metric needs a non-empty name")
        if self.direction not in ("maximize", "minimize"):
            raise ValueError(
                f"metric {self.name!r}: direction {self.direction!r} is not one of "
                "maximize, minimize"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where an objective's numbers come from.

    Attributes:
        source: The data's origin (paper or dataset name).
        package: The installed package the numbers were read from, with its version.
        licence: Licence of the data.
        objective_units: What the search metric measures, with units.
        cost_units: What the training cost measures, with units.
        hardware: The hardware the runs were recorded on, as far as the source says.
        gpu_trained: True or False where the source says, None where it does not.
        notes: Anything else a reader of a report should know about the numbers.
    """

    source: str
    package: str
    licence: str
    objective_units: str
    cost_units: str = "seconds of recorded training time"
    hardware: str = "not stated by the source"
    gpu_trained: bool | None = None
    notes: str = ""


class Evaluation(NamedTuple):
    """One training run's result.

    Attributes:
        value: The search metric (NaN when the training run diverged).
        cost_seconds: Its training time in seconds.
        metrics: Every metric the objective knows for this run, the search metric included.
    """

    value: float
    cost_seconds: float
    metrics: Mapping[str, float]


class Reader(NamedTuple):
    """The three calls of the harness's hot path, bound once per run.

    A recorded table hands out bound ``ndarray.item`` methods, so that an evaluation costs a
    few C calls; other objectives wrap their `Objective.evaluate`.

    Attributes:
        n_slots: Row number -> number of training-seed slots of that config (at least 1).
        value: ``(row, slot)`` -> the search metric of that training run.
        cost: ``(row, slot)`` -> its training cost in seconds.
    """

    n_slots: Callable[[int], int]
    value: Callable[[int, int], float]
    cost: Callable[[int, int], float]


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectiveInfo:
    """What an objective declares about itself, known without evaluating anything.

    Attributes:
        name: Registry name of the space, for example ``nb201/cifar10``.
        space: The search space.
        metrics: Every metric an evaluation reports, by name, with its direction.
        search_metric: The metric strategies optimise (they see nothing else).
        test_metric: The metric reports show for the incumbent chosen on the search metric
            (design invariant 5), or None where the source has none.
        fidelities: The training lengths offered (e.g. epochs), increasing; empty when the
            source has a single schedule whose length it does not state.
        fidelity: The fidelity evaluations use (the largest by default; `DEFAULT_FIDELITY`
            when there are none).
        fully_recorded: Whether every config has recorded runs, so that oracle values and the
            optimum are known.
        provenance: Where the numbers come from.
        checksum: Hex digest identifying the source data or training recipe; it keys every
            stored run.
        report_metric: The metric reports score the incumbent on besides the search metric
            (its oracle value: the mean over recorded seeds where known); None shows the
            test metric. It never reaches a strategy. Default per space: the best available
            final metric (`reported` resolves it).
        fidelity_continues: Whether a higher fidelity continues the training run of a lower
            one (per-epoch curves of one run: promoting a config to more epochs costs only
            the extra epochs) rather than being an independent training schedule (NB201's
            12- and 200-epoch runs: each costs its whole training).
    """

    name: str
    space: Space
    metrics: Mapping[str, Metric]
    search_metric: str
    test_metric: str | None
    fidelities: tuple[int, ...]
    fidelity: int
    fully_recorded: bool
    provenance: Provenance
    checksum: str
    report_metric: str | None = None
    fidelity_continues: bool = False

    def __post_init__(self) -> None:
        if self.search_metric not in self.metrics:
            raise ValueError(f"search metric {self.search_metric!r} is not among the metrics")
        if self.test_metric is not None and self.test_metric not in self.metrics:
            raise ValueError(f"test metric {self.test_metric!r} is not among the metrics")
        if self.report_metric is not None and self.report_metric not in self.metrics:
            raise ValueError(f"report metric {self.report_metric!r} is not among the metrics")
        if list(self.fidelities) != sorted(set(self.fidelities)):
            raise ValueError(f"fidelities {self.fidelities} must be distinct and increasing")
        allowed = self.fidelities or (DEFAULT_FIDELITY,)
        if self.fidelity not in allowed:
            raise ValueError(f"fidelity {self.fidelity} is not one of {allowed}")

    @property
    def reported(self) -> str | None:
        """The metric reports show for the incumbent beside the search metric, or None.

        The report metric where it differs from the search metric, else the test metric
        (design invariant 5): where the two coincide, the search metric's own oracle value is
        what reports score, so nothing more is shown.
        """
        if self.report_metric is not None and self.report_metric != self.search_metric:
            return self.report_metric
        return self.test_metric

    @property
    def ranked_metric(self) -> str:
        """The metric reports rank strategies on: the report metric, resolved.

        The report metric where one is set, else the test metric, else the search metric.
        Where it differs from the search metric, reports rank and test the incumbent's value
        of it (its regret where its optimum is known) and show the search metric beside it.
        """
        return self.report_metric or self.test_metric or self.search_metric


class Objective(ABC):
    """Answers evaluations of the configs of one space.

    Subclasses set `info` and implement `n_slots` and `evaluate`; recorded tables also know
    oracle values (`oracle_values`). The harness calls `reader` once per run and then its three
    callables for every evaluation, so an override of `reader` is the place for speed.

    The training-seed *slot* of an evaluation is chosen by the harness (common random
    numbers: it depends on the run seed, the config and how often the run evaluated it, never
    on the strategy). A slot names one training run of the config: for a table, one recorded
    training seed; for a trainer, one training seed of its recipe.
    """

    info: ObjectiveInfo

    # -- what it declares ------------------------------------------------------------------
    @property
    def name(self) -> str:
        """Registry name of the space."""
        return self.info.name

    @property
    def space(self) -> Space:
        """The search space."""
        return self.info.space

    @property
    def checksum(self) -> str:
        """Identifies the source data or training recipe."""
        return self.info.checksum

    @property
    def search_metric(self) -> str:
        """The metric strategies optimise."""
        return self.info.search_metric

    @property
    def direction(self) -> Direction:
        """Direction of the search metric."""
        return self.info.metrics[self.info.search_metric].direction

    @property
    def maximize(self) -> bool:
        """Whether larger search-metric values are better."""
        return self.direction == "maximize"

    @property
    def optimum(self) -> float | None:
        """The best oracle value of the search metric, or None where it is not known."""
        return None

    def optimum_of(self, metric: str) -> float | None:
        """The best oracle value of ``metric`` over every config, or None where unknown.

        Known only where the config set is fully recorded and the objective gives oracle
        values; the search metric's is `optimum`. Reports use it for the regret of a report
        metric other than the search metric.

        Raises:
            ObjectiveError: ``metric`` is not one of this objective's metrics.
        """
        self.check_metric(metric)
        if metric == self.info.search_metric:
            return self.optimum
        if not self.info.fully_recorded:
            return None
        oracle = self.oracle_values(np.arange(self.space.n_configs, dtype=np.int64), metric)
        if oracle is None or not np.isfinite(oracle).any():
            return None
        finite = oracle[np.isfinite(oracle)]
        maximize = self.info.metrics[metric].direction == "maximize"
        # An infinite oracle value would make every regret infinite: no usable optimum.
        if len(finite) < np.count_nonzero(~np.isnan(oracle)):
            return None
        return float(finite.max() if maximize else finite.min())

    # -- evaluations -------------------------------------------------------------------------
    @abstractmethod
    def n_slots(self, index: int) -> int:
        """How many training-seed slots config ``index`` has (at least 1)."""

    @abstractmethod
    def evaluate(self, index: int, slot: int) -> Evaluation:
        """The training run in ``slot`` of config ``index``, at the selected fidelity."""

    def reader(self) -> Reader:
        """The hot-path calls for one run (see `Reader`)."""

        def value(index: int, slot: int) -> float:
            return self.evaluate(index, slot).value

        def cost(index: int, slot: int) -> float:
            return self.evaluate(index, slot).cost_seconds

        return Reader(n_slots=self.n_slots, value=value, cost=cost)

    def metric_columns(self, indices: IntArray, slots: IntArray) -> dict[str, FloatArray]:
        """Every metric of many evaluations at once, one array per metric name."""
        out = {name: np.full(len(indices), np.nan) for name in self.info.metrics}
        for k, (i, s) in enumerate(zip(indices.tolist(), slots.tolist(), strict=True)):
            for name, v in self.evaluate(i, s).metrics.items():
                if name in out:
                    out[name][k] = v
        return out

    def oracle_values(self, indices: IntArray, metric: str | None = None) -> FloatArray | None:
        """Mean of each config's recorded runs of ``metric`` (default: the search metric).

        Returns None where the objective cannot give it (configs not fully recorded): reports
        then score an incumbent by the value that was observed.
        """
        return None

    # -- choosing what is searched -------------------------------------------------------------
    def check_metric(self, metric: str) -> None:
        """Raise `ObjectiveError` unless ``metric`` is one of this objective's metrics."""
        if metric not in self.info.metrics:
            raise ObjectiveError(
                f"space {self.name!r} has no metric {metric!r}; its metrics are "
                f"{', '.join(self.info.metrics)}"
            )

    def check_search_metric(self, metric: str) -> None:
        """Raise `ObjectiveError` unless ``metric`` may be searched.

        The test metric may not: a strategy that saw it would be selected on test data.
        """
        self.check_metric(metric)
        if metric == self.info.test_metric:
            raise ObjectiveError(
                f"space {self.name!r}: {metric!r} is its test metric, which strategies never "
                f"see; search one of "
                f"{', '.join(m for m in self.info.metrics if m != self.info.test_metric)}"
            )

    def check_fidelity(self, fidelity: int) -> None:
        """Raise `ObjectiveError` unless ``fidelity`` is offered."""
        offered = self.info.fidelities
        if fidelity not in offered:
            allowed = ", ".join(map(str, offered)) if offered else "none (a single schedule)"
            raise ObjectiveError(
                f"space {self.name!r} does not offer fidelity {fidelity}; it offers {allowed}"
            )

    def validate_selection(self, *, metric: str | None, fidelity: int | None) -> str:
        """Check a `select` request; returns the search metric it asks for.

        Raises:
            ObjectiveError: The metric may not be searched, or the fidelity is not offered.
        """
        if metric is not None:
            self.check_search_metric(metric)
        if fidelity is not None and fidelity != self.info.fidelity:
            self.check_fidelity(fidelity)
        return metric or self.info.search_metric

    def reporting(self, metric: str | None) -> Objective:
        """This objective with reports scoring the incumbent on ``metric`` as well.

        The search is unchanged: strategies still see only the search metric. None keeps
        the space's default report metric.

        Raises:
            ObjectiveError: ``metric`` is not one of this objective's metrics.
        """
        if metric is None or metric == self.info.report_metric:
            return self
        self.check_metric(metric)
        twin = copy.copy(self)  # shares the recorded arrays; only what is declared differs
        twin.info = dataclasses.replace(self.info, report_metric=metric)
        return twin

    @abstractmethod
    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> Objective:
        """This objective searching ``metric`` at ``fidelity`` (None keeps the current one).

        Raises:
            ObjectiveError: The metric or fidelity is not offered.
        """
