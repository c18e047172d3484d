"""Load a comparison directory into aligned arrays: one `Cell` per space and budget.

A cell holds, for every strategy label and every seed that all its strategies finished, the
final regret and the regret of the incumbent on two common grids (evaluations and simulated
training seconds). Runs are grouped by strategy label: a strategy that ran with several
option sets in the same store gets one label per option set, e.g. ``evolution(population=20)``.
Failed runs, and seeds or strategies left out of the paired comparison, are recorded with
the reason so that the report can say what is missing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from harness._store import ResultsStore
from reports._summary import strategy_labels

FloatArray = npt.NDArray[np.float64]

#: Points of the simulated-seconds grid of each cell.
N_TIME_POINTS = 100


class ReportError(ValueError):
    """Nothing can be reported from this directory (the message says why)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """Everything the statistics of one space (at one budget) need, aligned by seed.

    Attributes:
        name: Display name: the space, plus the budget or checksum where a store holds
            several of them for one space.
        space: Space name.
        table_checksum: Checksum of the table the runs used.
        budget_kind: ``evaluations`` or ``seconds``.
        budget: The budget amount.
        space_info: The store's ``spaces`` row (objective, direction, optimum...), or {}.
        labels: Strategy labels compared, sorted.
        strategies: For each label, the strategy name and its options.
        seeds: Seeds every label finished (the pairing).
        final: Final regret, shape ``(k, n_seeds)``.
        eval_grid: Evaluations 1..T.
        eval_curves: Incumbent regret after each evaluation, shape ``(k, n_seeds, T)``.
        time_grid: Simulated training seconds, ``N_TIME_POINTS`` equally spaced points.
        time_curves: Incumbent regret at each time point, shape ``(k, n_seeds, G)``.
        failed: Failed runs: label, seed and error.
        excluded: Seeds or strategies left out, and why.
    """

    name: str
    space: str
    table_checksum: str
    budget_kind: str
    budget: float
    space_info: dict[str, Any]
    labels: tuple[str, ...]
    strategies: dict[str, dict[str, Any]]
    seeds: tuple[int, ...]
    final: FloatArray
    eval_grid: FloatArray
    eval_curves: FloatArray
    time_grid: FloatArray
    time_curves: FloatArray
    failed: tuple[dict[str, Any], ...]
    excluded: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Loaded:
    """A whole store, as cells plus what describes its source."""

    cells: tuple[Cell, ...]
    n_runs: int
    n_failed: int
    harness_versions: tuple[str, ...]
    schema_version: int


def _backfill_leading_nan(regret: FloatArray) -> FloatArray:
    """Regret is NaN until the first finite observation; use the first defined value."""
    if regret.size == 0 or not np.isnan(regret[0]):
        return regret
    finite = np.flatnonzero(~np.isnan(regret))
    if finite.size == 0:
        return regret
    out = regret.copy()
    out[: finite[0]] = regret[finite[0]]
    return out


def load(directory: str | Path) -> Loaded:
    """Read a comparison directory's store into cells.

    Raises:
        StoreError: Missing, unreadable or incompatible store.
        ReportError: The store holds no runs.
    """
    with ResultsStore(directory, create=False) as store:
        runs = store.runs()
        if runs.empty:
            raise ReportError(f"{directory}: the results store holds no runs yet")
        evaluations = store.evaluations()
        spaces = store.spaces()
        schema = int(
            store._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        )
    runs = runs.assign(label=strategy_labels(runs))
    per_run: dict[str, tuple[FloatArray, FloatArray]] = {}
    if not evaluations.empty:
        evaluations = evaluations.sort_values(["run_key", "step"], kind="stable")
        keys = evaluations["run_key"].to_numpy()
        regret = evaluations["regret"].to_numpy(dtype=np.float64, na_value=np.nan)
        cum = evaluations["cumulative_cost_seconds"].to_numpy(dtype=np.float64)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            per_run[str(keys[s])] = (_backfill_leading_nan(regret[s:e]), cum[s:e])
    space_rows = {
        (str(r["name"]), str(r["checksum"])): {
            "objective": r["objective"],
            "direction": r["direction"],
            "optimum": float(r["optimum"]),
            "n_configs": int(r["n_configs"]),
            "dimensions": json.loads(r["dimensions"]),
            "provenance": json.loads(r["provenance"]),
        }
        for _, r in spaces.iterrows()
    }
    groups = runs.groupby(["space", "table_checksum", "budget_kind", "budget"], sort=True)
    n_per_space = runs.groupby("space")[["table_checksum", "budget_kind", "budget"]].apply(
        lambda g: len(g.drop_duplicates())
    )
    cells = []
    for group_key, group in groups:
        space, checksum, kind, amount = (
            str(group_key[0]),
            str(group_key[1]),
            str(group_key[2]),
            float(group_key[3]),  # type: ignore[arg-type]
        )
        name = space
        if n_per_space[space] > 1:
            budget_text = f"{int(amount)} evaluations" if kind == "evaluations" else f"{amount:g} s"
            name = f"{space} [{budget_text}, table {checksum[:8]}]"
        info = space_rows.get((space, checksum), {})
        cells.append(_cell(name, space, checksum, kind, amount, info, group, per_run))
    return Loaded(
        cells=tuple(cells),
        n_runs=len(runs),
        n_failed=int((runs["status"] != "finished").sum()),
        harness_versions=tuple(sorted(set(runs["harness_version"].astype(str)))),
        schema_version=schema,
    )


def _cell(
    name: str,
    space: str,
    checksum: str,
    kind: str,
    amount: float,
    info: dict[str, Any],
    group: pd.DataFrame,
    per_run: dict[str, tuple[FloatArray, FloatArray]],
) -> Cell:
    excluded: list[str] = []
    failed = tuple(
        {"label": str(r["label"]), "seed": int(r["seed"]), "error": str(r["error"] or "")}
        for _, r in group[group["status"] != "finished"].sort_values(["label", "seed"]).iterrows()
    )
    ok = group[(group["status"] == "finished") & group["run_key"].isin(per_run.keys())]
    ok = ok[[math.isfinite(per_run[k][0][-1]) for k in ok["run_key"]]]
    all_labels = sorted(set(group["label"]))
    strategies = {
        str(r["label"]): {"strategy": str(r["strategy"]), "options": json.loads(r["options"])}
        for _, r in group.drop_duplicates("label").iterrows()
    }
    seeds_of = {lab: set(ok.loc[ok["label"] == lab, "seed"].astype(int)) for lab in all_labels}
    labels = [lab for lab in all_labels if seeds_of[lab]]
    for lab in all_labels:
        if not seeds_of[lab]:
            excluded.append(f"strategy {lab}: no finished run with a finite regret; left out")
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
    k, n = len(labels), len(common)
    n_steps = (
        int(amount)
        if kind == "evaluations"
        else max((len(r[0]) for row in runs for r in row), default=1)
    )
    n_steps = max(n_steps, 1)
    eval_grid = np.arange(1, n_steps + 1, dtype=np.float64)
    eval_curves = np.full((k, n, n_steps), np.nan)
    final = np.full((k, n), np.nan)
    for i, row in enumerate(runs):
        for j, (regret, _) in enumerate(row):
            m = min(len(regret), n_steps)
            eval_curves[i, j, :m] = regret[:m]
            eval_curves[i, j, m:] = regret[m - 1]
            final[i, j] = regret[-1]
    firsts = [r[1][0] for row in runs for r in row]
    lasts = [r[1][-1] for row in runs for r in row]
    t0 = max(firsts, default=0.0)
    t1 = amount if kind == "seconds" else max(lasts, default=1.0)
    t1 = max(t1, t0)
    time_grid = np.linspace(t0, t1, N_TIME_POINTS) if n else np.zeros(0)
    time_curves = np.full((k, n, time_grid.size), np.nan)
    for i, row in enumerate(runs):
        for j, (regret, cum) in enumerate(row):
            idx = np.searchsorted(cum, time_grid, side="right") - 1
            time_curves[i, j] = np.where(idx >= 0, regret[np.maximum(idx, 0)], np.nan)
    return Cell(
        name=name,
        space=space,
        table_checksum=checksum,
        budget_kind=kind,
        budget=amount,
        space_info=info,
        labels=tuple(labels),
        strategies=strategies,
        seeds=tuple(common),
        final=final,
        eval_grid=eval_grid,
        eval_curves=eval_curves,
        time_grid=time_grid,
        time_curves=time_curves,
        failed=failed,
        excluded=tuple(excluded),
    )
