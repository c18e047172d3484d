from __future__ import annotations

import math
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from harness import Budget, ResultsStore, RunSpec, StoreError, run_strategy
from harness.testing import toy_benchmark
from spaces import load_objective
from strategies import build_strategy


def spec(seed: int = 0, strategy: str = "random") -> RunSpec:
    return RunSpec(
        strategy=strategy,
        options={},
        space="toy/mixed",
        seed=seed,
        budget=Budget(kind="evaluations", amount=20),
        checksum="toy-mixed-maximize",
        metric="score",
        fidelity=0,
    )


def trace_for(seed: int):  # type: ignore[no-untyped-def]
    bench = toy_benchmark()
    strategy = build_strategy("random", {}, bench.space, seed=seed, maximize=True, budget=20)
    return run_strategy(strategy, bench, seed=seed, budget=Budget(kind="evaluations", amount=20))


def test_run_key_depends_on_everything_that_sets_the_result() -> None:
    base = spec()
    assert base.key == spec().key
    assert base.key != spec(seed=1).key
    assert base.key != spec(strategy="evolution").key
    variants = [
        replace(base, options={"x": 1}),
        replace(base, space="toy/other"),
        replace(base, budget=Budget(kind="seconds", amount=20)),
        replace(base, checksum="changed"),
        replace(base, metric="other"),
        replace(base, fidelity=12),
    ]
    assert len({v.key for v in variants} | {base.key}) == 7


def test_write_and_read_back(tmp_path: Path) -> None:
    with ResultsStore(tmp_path / "cmp") as store:
        store.record_space(toy_benchmark())
        trace = trace_for(0)
        store.write_run(
            spec(), trace, configs=[str(i) for i in trace.config_index], wall_seconds=0.5
        )
        runs = store.runs()
        evals = store.evaluations()
        spaces = store.spaces()
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row["status"] == "finished"
    assert row["n_evaluations"] == 20
    assert row["final_regret"] == pytest.approx(trace.final_regret)
    assert len(evals) == 20
    assert evals["regret"].tolist() == pytest.approx(trace.regret.tolist())
    assert spaces.iloc[0]["name"] == "toy/mixed"
    assert spaces.iloc[0]["optimum"] == pytest.approx(toy_benchmark().optimum)
    assert spaces.iloc[0]["metrics"] == {"score": {"direction": "maximize", "units": "arbitrary"}}
    assert evals["slot"].tolist() == trace.slot.tolist()


def test_metrics_of_every_evaluation_are_stored(tmp_path: Path) -> None:
    objective = load_objective("synthetic/open")
    strategy = build_strategy("random", {}, objective.space, seed=0, maximize=True, budget=8)
    trace = run_strategy(strategy, objective, seed=0, budget=Budget(kind="evaluations", amount=8))
    open_spec = RunSpec(
        strategy="random",
        options={},
        space=objective.name,
        seed=0,
        budget=Budget(kind="evaluations", amount=8),
        checksum=objective.checksum,
        metric="val_acc",
        fidelity=20,
    )
    with ResultsStore(tmp_path) as store:
        store.record_space(objective)
        store.write_run(open_spec, trace, configs=["c"] * 8, wall_seconds=0.1)
        evals = store.evaluations(with_metrics=True)
        runs = store.runs()
        spaces = store.spaces()
    assert evals["metric:test_acc"].tolist() == pytest.approx(trace.metrics["test_acc"].tolist())
    assert evals["metric:params"].tolist() == pytest.approx(trace.metrics["params"].tolist())
    assert evals["regret"].isna().all()  # no optimum, no regret
    assert runs.iloc[0]["final_value"] == pytest.approx(trace.value.max())
    assert runs.iloc[0]["final_test"] == pytest.approx(trace.final_test)
    assert math.isnan(spaces.iloc[0]["optimum"])
    assert spaces.iloc[0]["test_metric"] == "test_acc"


def test_finished_runs_are_skipped_and_failed_ones_retried(tmp_path: Path) -> None:
    from harness import failed_trace

    with ResultsStore(tmp_path) as store:
        store.write_run(spec(0), trace_for(0), configs=["c"] * 20, wall_seconds=0.1)
        store.write_run(spec(1), failed_trace("boom"), configs=[], wall_seconds=0.1)
        assert store.finished_keys() == {spec(0).key}
        # Retrying the failed run replaces it, never duplicates it.
        store.write_run(spec(1), trace_for(1), configs=["c"] * 20, wall_seconds=0.1)
        assert store.finished_keys() == {spec(0).key, spec(1).key}
        assert len(store.runs()) == 2
        assert len(store.evaluations()) == 40


def test_a_run_is_all_or_nothing(tmp_path: Path) -> None:
    with ResultsStore(tmp_path) as store:
        with pytest.raises(ValueError, match="zip"):
            # Too few config texts: fails inside the write; nothing of the run may remain.
            store.write_run(spec(), trace_for(0), configs=["c"] * 3, wall_seconds=0.1)
        assert store.runs().empty
        assert store.evaluations().empty


def test_unusable_directories_are_clear_errors(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(StoreError, match="cannot use"):
        ResultsStore(a_file)
    with pytest.raises(StoreError, match="no results store"):
        ResultsStore(tmp_path / "absent", create=False)
    newer = tmp_path / "newer"
    ResultsStore(newer).close()
    with sqlite3.connect(newer / "results.sqlite") as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        ResultsStore(newer)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "results.sqlite").write_text("this is not sqlite")
    with pytest.raises(StoreError):
        ResultsStore(junk)


def test_foreign_and_old_databases_are_refused_untouched(
    tmp_path: Path, schema1_store: Path
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / "results.sqlite") as db:
        db.execute("CREATE TABLE runs (id INTEGER, name TEXT)")
    before = (foreign / "results.sqlite").read_bytes()
    with pytest.raises(StoreError, match="did not create"):
        ResultsStore(foreign)
    assert (foreign / "results.sqlite").read_bytes() == before
    old = schema1_store
    with pytest.raises(StoreError, match=r"schema 1.*new --out"):
        ResultsStore(old)
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "results.sqlite")
    with pytest.raises(StoreError, match="not a regular file"):
        ResultsStore(fifo)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_for_pandas(tmp_path: Path, fmt: str) -> None:
    with ResultsStore(tmp_path / "cmp") as store:
        store.write_run(spec(), trace_for(0), configs=["c"] * 20, wall_seconds=0.1)
        paths = store.export(tmp_path / "out", fmt=fmt)
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    runs, evals = (read(p) for p in paths)
    assert len(runs) == 1
    assert len(evals) == 20
    assert set(evals["strategy"]) == {"random"}
