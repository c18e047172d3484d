"""Load a comparison directory into aligned arrays: one `Cell` per objective and budget.

A cell holds the runs that share a space, objective checksum, search metric, fidelity and
budget. For every strategy label and every seed that all its strategies finished it holds the
final *loss* and the loss of the incumbent on two common grids (evaluations and simulated
training seconds). The loss is what the statistics rank and test, always lower-is-better:
the regret where the space's optimum is known, else the incumbent's search metric itself,
negated for maximised metrics (`Measure`). Only the report's presentation turns a loss back
into the metric's units. Where the space has a test metric, the incumbent's test value is
carried along on the same grids (`TestTrack`); it is shown, never used to choose.

Where the store records a report metric other than the search metric (search on 12-epoch
validation accuracy, report the 200-epoch one), the loss is that of the report metric: its
regret where the store knows its optimum, else its value, always of the incumbent chosen on
the search metric. The search metric's own loss is then carried beside it (`SearchTrack`),
and `TestTrack` holds the report metric's values (``role="report"``).

Runs are grouped by strategy label: a strategy that ran with several option sets in the same
store gets one label per option set, e.g. ``evolution(population=20)``. Failed runs, and seeds
or strategies left out of the paired comparison, are recorded with the reason so that the
report can say what is missing.

Everything is read through the store's public API (`harness.results.open_results`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from harness.results import open_results
from reports._summary import CELL_KEY, cell_names, strategy_labels

FloatArray = npt.NDArray[np.float64]

#: Points of the simulated-seconds grid of each cell.
N_TIME_POINTS = 100


class ReportError(ValueError):
    """Nothing can be reported from this directory (the message says why)."""


def is_hypervolume(metric: str | None) -> bool:
    """Whether a search metric is a multi-objective search's hypervolume, ``hv(a,b)``."""
    return metric is not None and metric.startswith("hv(") and metric.endswith(")")


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """What a cell's statistics rank: regret, or the search metric where no optimum is known.

    The statistics work on a lower-is-better loss: the regret itself, or ``sign * value``
    with ``sign = -1`` for a maximised metric (``+1`` for a minimised one). `shown` turns a
    loss back into what the report displays.

    Attributes:
        kind: ``regret`` (the optimum is known) or ``value`` (it is not).
        metric: The metric measured: the search metric, or the report metric where it
            differs from the search metric (``search_metric`` is set then).
        direction: The metric's direction, ``maximize`` or ``minimize``.
        search_metric: Where ``metric`` is a report metric: the search metric the incumbent
            was chosen on; None where ``metric`` is the search metric itself.
    """

    kind: Literal["regret", "value"]
    metric: str
    direction: str
    search_metric: str | None = None

    @property
    def is_report(self) -> bool:
        """Whether the measured metric is a report metric other than the search metric."""
        return self.search_metric is not None

    @property
    def sign(self) -> float:
        """Loss = sign x shown quantity (and back): -1 only for a maximised value."""
        return -1.0 if self.kind == "value" and self.direction == "maximize" else 1.0

    @property
    def better(self) -> str:
        """``lower`` or ``higher``: which shown values are better."""
        return "higher" if self.sign < 0 else "lower"

    @property
    def label(self) -> str:
        """Short name of the shown quantity.

        ``regret`` or ``best val_acc`` for the search metric (``hypervolume regret`` for a
        multi-objective search's ``hv(a,b)``); ``val_acc@200 regret`` or ``test_acc`` (the
        incumbent's value) for a report metric.
        """
        if self.is_report:
            return f"{self.metric} regret" if self.kind == "regret" else self.metric
        if self.kind == "regret" and is_hypervolume(self.metric):
            return "hypervolume regret"
        return "regret" if self.kind == "regret" else f"best {self.metric}"

    @property
    def text(self) -> str:
        """One line saying what is shown, e.g. ``best val_acc so far (higher is better)``."""
        if self.is_report:
            what = (
                f"regret of the incumbent's {self.metric}"
                if self.kind == "regret"
                else f"{self.metric} of the incumbent"
            )
            return (
                f"{what}, the report metric ({self.better} is better; incumbents chosen on "
                f"{self.search_metric}, the search metric)"
            )
        if self.kind == "regret" and is_hypervolume(self.metric):
            return (
                f"hypervolume regret: the true Pareto front's {self.metric} minus that of the "
                "run's front (lower is better)"
            )
        if self.kind == "regret":
            return f"regret of the incumbent's {self.metric} (lower is better)"
        return f"best {self.metric} so far ({self.better} is better)"

    def shown(self, loss: float) -> float:
        """The displayed value of a loss (the same number up to sign)."""
        return self.sign * loss

    def as_dict(self) -> dict[str, Any]:
        """The measure as ``stats.json`` records it."""
        return {
            "kind": self.kind,
            "metric": self.metric,
            "direction": self.direction,
            "better": self.better,
            "label": self.label,
            "text": self.text,
            "loss": "regret" if self.kind == "regret" else ("-value" if self.sign < 0 else "value"),
            "role": "report" if self.is_report else "search",
            "search_metric": self.search_metric or self.metric,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TestTrack:
    """The incumbent's second stored metric on a cell's grids (chosen on the search metric).

    Attributes:
        metric: The test metric, or the report metric where it differs from the search metric.
        direction: Its direction.
        final: Final value, shape ``(k, n_seeds)`` (NaN where a run has none).
        eval_curves: Incumbent value after each evaluation, shape ``(k, n_seeds, T)``.
        time_curves: Incumbent value at each time point, shape ``(k, n_seeds, G)``.
        role: ``test`` (a test metric, shown beside the ranked search metric) or ``report``
            (the report metric, which the cell ranks on; these are its values).
    """

    metric: str
    direction: str
    final: FloatArray
    eval_curves: FloatArray
    time_curves: FloatArray
    role: Literal["test", "report"] = "test"


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchTrack:
    """The search metric's loss on a cell's grids, where the cell ranks on a report metric.

    Attributes:
        measure: What the loss is: the search metric's regret, or its best value.
        final: Final loss, shape ``(k, n_seeds)``.
        eval_curves: Incumbent loss after each evaluation, shape ``(k, n_seeds, T)``.
        time_curves: Incumbent loss at each time point, shape ``(k, n_seeds, G)``.
    """

    measure: Measure
    final: FloatArray
    eval_curves: FloatArray
    time_curves: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """Everything the statistics of one objective (at one budget) need, aligned by seed.

    Attributes:
        name: Display name: the space, plus what tells its cells apart where a store holds
            several for one space (budget, metric, fidelity, checksum).
        space: Space name.
        checksum: Checksum of the objective (table or training recipe) the runs used.
        metric: The search metric.
        fidelity: The fidelity searched.
        budget_kind: ``evaluations``, ``seconds`` or ``epochs``.
        budget: The budget amount.
        space_info: The store's ``spaces`` row (direction, optimum, metrics...), or {}.
        measure: What ``final`` and the curves hold (regret or the oriented value), of the
            report metric where the store records one other than the search metric.
        labels: Strategy labels compared, sorted.
        strategies: For each label, the strategy name and its options.
        seeds: Seeds every label finished (the pairing).
        final: Final loss, shape ``(k, n_seeds)``.
        eval_grid: Evaluations 1..T.
        eval_curves: Incumbent loss after each evaluation, shape ``(k, n_seeds, T)``.
        eval_seconds: Simulated training seconds spent after each evaluation (cumulative),
            shape ``(k, n_seeds, T)``; a run shorter than ``T`` keeps its last total.
        time_grid: Simulated training seconds, ``N_TIME_POINTS`` equally spaced points.
        time_curves: Incumbent loss at each time point, shape ``(k, n_seeds, G)``.
        test: The incumbent's test metric (or report metric) on the same grids, if any.
        search: The search metric's loss on the same grids, where ``measure`` is of a
            report metric; else None.
        failed: Failed runs: label, seed and error.
        n_runs: Runs of the cell, failed ones included.
        excluded: Seeds or strategies left out, and why.
        notes: What else the report should say about this cell.
        run_notes: Per label, the stored notes of its paired finished runs (seed order): a
            transfer strategy's ``prior``, a strategy's ``diagnostics``.
    """

    name: str
    space: str
    checksum: str
    metric: str
    fidelity: int
    budget_kind: str
    budget: float
    space_info: dict[str, Any]
    measure: Measure
    labels: tuple[str, ...]
    strategies: dict[str, dict[str, Any]]
    seeds: tuple[int, ...]
    final: FloatArray
    eval_grid: FloatArray
    eval_curves: FloatArray
    eval_seconds: FloatArray
    time_grid: FloatArray
    time_curves: FloatArray
    test: TestTrack | None
    failed: tuple[dict[str, Any], ...]
    n_runs: int
    excluded: tuple[str, ...]
    notes: tuple[str, ...] = ()
    search: SearchTrack | None = None
    run_notes: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Loaded:
    """A whole store, as cells plus what describes its source."""

    cells: tuple[Cell, ...]
    n_runs: int
    n_failed: int
    harness_versions: tuple[str, ...]
    schema_version: int


@dataclass(frozen=True, slots=True)
class _Run:
    """One run's per-evaluation series (leading NaN back-filled) and cumulative cost."""

    regret: FloatArray
    value: FloatArray
    test: FloatArray
    cum: FloatArray
    units: FloatArray | None = None
    """Where evaluations cost unequal shares of an evaluations budget (a multi-fidelity
    strategy), the budget charged so far after each evaluation; None: one per evaluation."""


def _backfill_leading_nan(series: FloatArray) -> FloatArray:
    """Undefined (NaN) until the first finite observation; use the first defined value."""
    if series.size == 0 or not np.isnan(series[0]):
        return series
    finite = np.flatnonzero(~np.isnan(series))
    if finite.size == 0:
        return series
    out = series.copy()
    out[: finite[0]] = series[finite[0]]
    return out


def _column(frame: pd.DataFrame, name: str) -> FloatArray:
    return frame[name].to_numpy(dtype=np.float64, na_value=np.nan)


def _per_run(evaluations: pd.DataFrame) -> dict[str, _Run]:
    """Each run's series, cut from the evaluations table in one pass."""
    per_run: dict[str, _Run] = {}
    if evaluations.empty:
        return per_run
    evaluations = evaluations.sort_values(["run_key", "step"], kind="stable")
    keys = evaluations["run_key"].to_numpy()
    regret = _column(evaluations, "regret")
    value = _column(evaluations, "incumbent_value")
    test = _column(evaluations, "incumbent_test")
    cum = _column(evaluations, "cumulative_cost_seconds")
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    fill = _backfill_leading_nan
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        per_run[str(keys[s])] = _Run(fill(regret[s:e]), fill(value[s:e]), fill(test[s:e]), cum[s:e])
    return per_run


def _charged_units(
    per_run: dict[str, _Run], run_notes: dict[str, dict[str, Any]]
) -> dict[str, _Run]:
    """Each run's evaluation axis where its evaluations cost unequal shares of the budget.

    Under an evaluations budget an evaluation at a lower fidelity costs its share of one
    (the run notes them, ``budget.charges``): such a run's curve is placed at the budget it
    had spent, so that every strategy is read at the same spend.
    """
    for key, note in run_notes.items():
        charged = note.get("budget") or {}
        charges = charged.get("charges") if charged.get("unit") == "evaluations" else None
        run = per_run.get(key)
        if charges and run is not None and len(charges) == len(run.cum):
            # Rounded: shares such as 12/200 add up to whole evaluations without drift.
            spent = np.cumsum(np.asarray(charges, dtype=np.float64))
            units = np.asarray(np.round(spent, 9), dtype=np.float64)
            per_run[key] = dataclasses.replace(run, units=units)
    return per_run


def optimum_of(row: Any) -> float:
    """A spaces row's optimum, NaN where unknown (None when no row of the store has one)."""
    optimum = row["optimum"]
    return math.nan if optimum is None else float(optimum)


def _space_info(row: pd.Series) -> dict[str, Any]:
    test = row["test_metric"]
    report = row.get("report_metric")
    report_optimum = row.get("report_optimum")
    return {
        "metric": str(row["metric"]),
        "direction": str(row["direction"]),
        "optimum": optimum_of(row),
        "test_metric": test if isinstance(test, str) and test else None,
        # None where the store predates recording it: the cell then ranks on the search metric.
        "report_metric": report if isinstance(report, str) and report else None,
        "report_optimum": math.nan if report_optimum is None else float(report_optimum),
        "n_configs": int(row["n_configs"]),
        "fully_recorded": bool(row["fully_recorded"]),
        "dimensions": row["dimensions"],
        "metrics": row["metrics"],
        "fidelities": row["fidelities"],
        "provenance": row["provenance"],
    }


def load(directory: str | Path) -> Loaded:
    """Read a comparison directory's store into cells.

    Raises:
        StoreError: Missing, unreadable or incompatible store.
        ReportError: The store holds no runs.
    """
    with open_results(directory) as store:
        runs = store.runs()
        if runs.empty:
            raise ReportError(f"{directory}: the results store holds no runs yet")
        evaluations = store.evaluations()
        spaces = store.spaces()
        run_notes = store.run_notes()
        schema = int(store.meta().get("schema_version", store.schema_version))
    # Simulated workers per run (from its notes; 1 for runs without the event loop's note).
    runs = runs.assign(
        sim_workers=[
            int((run_notes.get(str(k), {}).get("workers") or {}).get("workers", 1))
            for k in runs["run_key"]
        ]
    )
    runs = runs.assign(label=strategy_labels(runs), cell=cell_names(runs))
    per_run = _charged_units(_per_run(evaluations), run_notes)
    space_rows = {
        (str(r["name"]), str(r["checksum"]), str(r["metric"]), int(r["fidelity"])): _space_info(r)
        for _, r in spaces.iterrows()
    }
    cells = []
    for group_key, group in runs.groupby(list(CELL_KEY), sort=True):
        space, checksum, metric, fidelity, kind, amount = group_key
        key = (str(space), str(checksum), str(metric), int(fidelity))  # type: ignore[call-overload]
        cells.append(
            _cell(
                str(group["cell"].iloc[0]),
                key,
                str(kind),
                float(amount),  # type: ignore[arg-type]
                space_rows.get(key, {}),
                group,
                per_run,
                run_notes,
            )
        )
    return Loaded(
        cells=tuple(cells),
        n_runs=len(runs),
        n_failed=int((runs["status"] != "finished").sum()),
        harness_versions=tuple(sorted(set(runs["harness_version"].astype(str)))),
        schema_version=schema,
    )


def _report_measure(search: Measure, info: dict[str, Any]) -> Measure | None:
    """The report metric's measure, where the store records one other than the search metric.

    Its regret where the store knows its optimum, else its value. The runs store it as their
    second metric (``test_metric``); a record that says otherwise is not trusted.
    """
    report = info.get("report_metric") if info else None
    if report is None or report == search.metric or report != info.get("test_metric"):
        return None
    direction = str(info.get("metrics", {}).get(report, {}).get("direction", "maximize"))
    known = math.isfinite(info.get("report_optimum", math.nan))
    return Measure(
        kind="regret" if known else "value",
        metric=str(report),
        direction=direction,
        search_metric=search.metric,
    )


def _measure(metric: str, info: dict[str, Any], group: pd.DataFrame, notes: list[str]) -> Measure:
    """Regret where the optimum is known, else the search metric itself."""
    if info:
        kind: Literal["regret", "value"] = "regret" if math.isfinite(info["optimum"]) else "value"
        return Measure(kind=kind, metric=metric, direction=str(info["direction"]))
    # No record of the space (a store written outside the harness): regret if runs have one.
    if np.isfinite(_column(group, "final_regret")).any():
        return Measure(kind="regret", metric=metric, direction="minimize")
    notes.append(
        f"the direction of {metric} is unknown (no record of the space): lower values are "
        "taken as better"
    )
    return Measure(kind="value", metric=metric, direction="minimize")


def _on_grids(
    series: list[list[tuple[FloatArray, FloatArray]]],
    n_steps: int,
    time_grid: FloatArray,
    units: list[list[FloatArray | None]] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Final values and curves on the evaluation and time grids, shape (k, n[, points]).

    Args:
        series: ``series[i][j]`` is (per-evaluation values, cumulative cost) of label i, seed j.
        n_steps: Points of the evaluation grid; a shorter run keeps its last value.
        time_grid: The simulated-seconds grid.
        units: ``units[i][j]``, where not None, is the budget spent after each evaluation of
            that run (evaluations costing unequal shares): its value at grid point g is that
            after the last evaluation within g (NaN before the first).
    """
    k = len(series)
    n = len(series[0]) if k else 0
    final = np.full((k, n), np.nan)
    eval_curves = np.full((k, n, n_steps), np.nan)
    time_curves = np.full((k, n, time_grid.size), np.nan)
    for i, row in enumerate(series):
        for j, (values, cum) in enumerate(row):
            spent = units[i][j] if units is not None else None
            eval_curves[i, j] = _on_steps(values, n_steps, spent)
            final[i, j] = values[-1]
            idx = np.searchsorted(cum, time_grid, side="right") - 1
            time_curves[i, j] = np.where(idx >= 0, values[np.maximum(idx, 0)], np.nan)
    return final, eval_curves, time_curves


def _on_steps(values: FloatArray, n_steps: int, spent: FloatArray | None) -> FloatArray:
    """A run's per-evaluation ``values`` on the evaluation grid ``1..n_steps``.

    One evaluation per grid point, a shorter run keeping its last value; or, where ``spent``
    gives the budget charged after each evaluation, the value after the last evaluation
    whose spend is within the grid point.
    """
    out = np.full(n_steps, np.nan)
    if spent is None:
        m = min(len(values), n_steps)
        out[:m] = values[:m]
        out[m:] = values[m - 1]
        return out
    idx = np.searchsorted(spent, np.arange(1, n_steps + 1, dtype=np.float64), side="right") - 1
    return np.where(idx >= 0, values[np.maximum(idx, 0)], np.nan)


def _per_evaluation(
    series: list[list[FloatArray]],
    n_steps: int,
    units: list[list[FloatArray | None]] | None = None,
) -> FloatArray:
    """Each run's series on the evaluation grid, shape ``(k, n, n_steps)``.

    A run shorter than the grid keeps its last value (a cost total: it spends nothing more);
    ``units`` as for `_on_grids`.
    """
    k = len(series)
    out = np.full((k, len(series[0]) if k else 0, n_steps), np.nan)
    for i, row in enumerate(series):
        for j, values in enumerate(row):
            out[i, j] = _on_steps(values, n_steps, units[i][j] if units is not None else None)
    return out


def _cell(
    name: str,
    objective: tuple[str, str, str, int],
    kind: str,
    amount: float,
    info: dict[str, Any],
    group: pd.DataFrame,
    per_run: dict[str, _Run],
    run_notes: dict[str, dict[str, Any]] | None = None,
) -> Cell:
    space, checksum, metric, fidelity = objective
    excluded: list[str] = []
    notes: list[str] = []
    search_measure = _measure(metric, info, group, notes)
    measure = _report_measure(search_measure, info) or search_measure
    is_failed = (group["status"] != "finished").to_numpy()
    failed = tuple(
        {"label": str(r["label"]), "seed": int(r["seed"]), "error": str(r["error"] or "")}
        for _, r in group[is_failed].sort_values(["label", "seed"]).iterrows()
    )

    def search_loss(run: _Run) -> FloatArray:
        if search_measure.kind == "regret":
            return run.regret
        return search_measure.sign * run.value

    def loss(run: _Run) -> FloatArray:
        if not measure.is_report:
            return search_loss(run)
        if measure.kind == "value":
            return measure.sign * run.test
        # Regret of the report metric: its optimum minus the incumbent's oracle value.
        toward = 1.0 if measure.direction == "maximize" else -1.0
        regret = toward * (float(info["report_optimum"]) - run.test)
        return np.where(np.isnan(regret), np.nan, np.maximum(regret, 0.0))

    # Boolean masks, not lists of rows: an empty list would select no *columns* instead.
    usable = np.array(
        [
            not bad and key in per_run and math.isfinite(float(loss(per_run[key])[-1]))
            for bad, key in zip(is_failed.tolist(), group["run_key"], strict=True)
        ],
        dtype=bool,
    )
    ok = group[usable]
    all_labels = sorted(set(group["label"]))
    strategies = {
        str(r["label"]): {"strategy": str(r["strategy"]), "options": json.loads(r["options"])}
        for _, r in group.drop_duplicates("label").iterrows()
    }
    seeds_of = {lab: set(ok.loc[ok["label"] == lab, "seed"].astype(int)) for lab in all_labels}
    labels = [lab for lab in all_labels if seeds_of[lab]]
    what = measure.label if measure.is_report or measure.kind == "regret" else metric
    any_finished = not is_failed.all()
    for lab in all_labels:
        # Where every run failed, the report says so once instead of once per strategy.
        if not seeds_of[lab] and any_finished:
            excluded.append(f"strategy {lab}: no finished run with a finite {what}; left out")
    common = sorted(set.intersection(*(seeds_of[lab] for lab in labels))) if labels else []
    all_seeds = sorted(set(group["seed"].astype(int)))
    for seed in all_seeds:
        if seed not in common and labels:
            missing = [lab for lab in labels if seed not in seeds_of[lab]]
            excluded.append(
                f"seed {seed}: not finished by {', '.join(missing)}; left out of the paired "
                "comparison"
            )
    key_of = {(str(r["label"]), int(r["seed"])): str(r["run_key"]) for _, r in ok.iterrows()}
    runs = [[per_run[key_of[(lab, s)]] for s in common] for lab in labels]
    flat = [r for row in runs for r in row]
    n = len(common)
    n_steps = int(amount) if kind == "evaluations" else max((len(r.cum) for r in flat), default=1)
    n_steps = max(n_steps, 1)
    eval_grid = np.arange(1, n_steps + 1, dtype=np.float64)
    t0 = max((float(r.cum[0]) for r in flat), default=0.0)
    t1 = amount if kind == "seconds" else max((float(r.cum[-1]) for r in flat), default=1.0)
    t1 = max(t1, t0)
    time_grid = np.linspace(t0, t1, N_TIME_POINTS) if n else np.zeros(0)
    # Runs whose evaluations cost unequal shares are read at what they had spent.
    units = [[r.units for r in row] for row in runs]
    if kind == "evaluations" and any(u is not None for u in chain.from_iterable(units)):
        notes.append(
            "The budget is counted in evaluations at the searched fidelity: an evaluation at "
            "a lower fidelity costs its share (fidelity / searched fidelity; a continued "
            "training only its extra epochs), and curves are drawn against the budget spent."
        )
    final, eval_curves, time_curves = _on_grids(
        [[(loss(r), r.cum) for r in row] for row in runs], n_steps, time_grid, units
    )
    # Hitting times read the seconds at the evaluation that reached a target, not the time
    # grid: the grid can step over a dip of the incumbent's regret.
    eval_seconds = _per_evaluation([[r.cum for r in row] for row in runs], n_steps, units)
    test = None
    test_metric = info.get("test_metric")
    if test_metric:
        metric_info = info.get("metrics", {}).get(test_metric, {})
        t_final, t_eval, t_time = _on_grids(
            [[(r.test, r.cum) for r in row] for row in runs], n_steps, time_grid, units
        )
        test = TestTrack(
            metric=str(test_metric),
            direction=str(metric_info.get("direction", measure.direction)),
            final=t_final,
            eval_curves=t_eval,
            time_curves=t_time,
            role="report" if measure.is_report else "test",
        )
    search = None
    if measure.is_report:
        s_final, s_eval, s_time = _on_grids(
            [[(search_loss(r), r.cum) for r in row] for row in runs], n_steps, time_grid, units
        )
        search = SearchTrack(
            measure=search_measure, final=s_final, eval_curves=s_eval, time_curves=s_time
        )
    paired = set(common)
    noted: dict[str, list[dict[str, Any]]] = {}
    for _, r in group.sort_values(["label", "seed"]).iterrows():
        note = (run_notes or {}).get(str(r["run_key"]))
        if note and r["status"] == "finished" and int(r["seed"]) in paired:
            noted.setdefault(str(r["label"]), []).append(note)
    return Cell(
        name=name,
        space=space,
        checksum=checksum,
        metric=metric,
        fidelity=fidelity,
        budget_kind=kind,
        budget=amount,
        space_info=info,
        measure=measure,
        labels=tuple(labels),
        strategies=strategies,
        seeds=tuple(common),
        final=final,
        eval_grid=eval_grid,
        eval_curves=eval_curves,
        eval_seconds=eval_seconds,
        time_grid=time_grid,
        time_curves=time_curves,
        test=test,
        failed=failed,
        n_runs=len(group),
        excluded=tuple(excluded),
        notes=tuple(notes),
        search=search,
        run_notes={label: tuple(v) for label, v in noted.items()},
    )
