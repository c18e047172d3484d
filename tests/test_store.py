from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from harness import Budget, ResultsStore, RunSpec, StoreError, run_strategy
from harness.testing import toy_benchmark
from strategies import build_strategy


def spec(seed: int = 0, strategy: str = "random") -> RunSpec:
    return RunSpec(
        strategy=strategy,
        options={},
        space="toy/mixed",
        seed=seed,
        budget=Budget(kind="evaluations", amount=20),
        table_checksum="toy-mixed-maximize",
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
        replace(base, table_checksum="changed"),
    ]
    assert len({v.key for v in variants} | {base.key}) == 5


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
