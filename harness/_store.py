"""The results store: one SQLite database per comparison directory.

Each finished (or failed) run is written in a single transaction, so a crash, Ctrl-C or kill
at any moment leaves every earlier run intact and the database readable (SQLite's journal
rolls back a half-written transaction on the next open). Runs are keyed by everything that
determines their result: strategy and its options, space, seed, budget and table checksum.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from harness._loop import Budget, RunTrace
from spaces import TabularBenchmark

SCHEMA_VERSION = 1
DB_NAME = "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spaces (
    name TEXT NOT NULL, checksum TEXT NOT NULL, objective TEXT NOT NULL,
    direction TEXT NOT NULL, optimum REAL NOT NULL, n_configs INTEGER NOT NULL,
    dimensions TEXT NOT NULL, provenance TEXT NOT NULL,
    PRIMARY KEY (name, checksum)
);
CREATE TABLE IF NOT EXISTS runs (
    run_key TEXT PRIMARY KEY, strategy TEXT NOT NULL, options TEXT NOT NULL,
    space TEXT NOT NULL, seed INTEGER NOT NULL, budget_kind TEXT NOT NULL,
    budget REAL NOT NULL, table_checksum TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
    traceback TEXT, n_evaluations INTEGER NOT NULL, n_unique INTEGER NOT NULL,
    total_cost_seconds REAL NOT NULL, overhead_seconds REAL NOT NULL,
    wall_seconds REAL NOT NULL, final_regret REAL, final_oracle REAL,
    harness_version TEXT NOT NULL, finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
    run_key TEXT NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,
    step INTEGER NOT NULL, config_index INTEGER NOT NULL, config TEXT NOT NULL,
    value REAL, cost_seconds REAL NOT NULL, cumulative_cost_seconds REAL NOT NULL,
    incumbent_index INTEGER NOT NULL, incumbent_oracle REAL, regret REAL,
    PRIMARY KEY (run_key, step)
) WITHOUT ROWID;
"""


class StoreError(RuntimeError):
    """The results directory cannot be used (unwritable, not a store, newer schema)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSpec:
    """One cell of a comparison grid: what determines a run's result.

    Attributes:
        strategy: Registry name of the strategy.
        options: Every option of the strategy (defaults included), JSON-serialisable.
        space: Space name.
        seed: Run seed.
        budget: The budget.
        table_checksum: Checksum of the table the run queries.
    """

    strategy: str
    options: dict[str, Any]
    space: str
    seed: int
    budget: Budget
    table_checksum: str

    @property
    def key(self) -> str:
        """Stable key of this run in the store."""
        payload = json.dumps(
            {
                "strategy": self.strategy,
                "options": self.options,
                "space": self.space,
                "seed": self.seed,
                "budget": [self.budget.kind, self.budget.amount],
                "checksum": self.table_checksum,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _version() -> str:
    from harness import __version__

    return __version__


class ResultsStore:
    """A comparison directory's SQLite database.

    Args:
        directory: The comparison directory; created if absent.
        create: Whether to create the directory and database if missing.

    Raises:
        StoreError: The directory cannot be created or written, is not a results store, or
            was written by an incompatible version.
    """

    def __init__(self, directory: str | Path, *, create: bool = True) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DB_NAME
        if not create and not self.path.is_file():
            raise StoreError(f"{self.directory}: no results store ({DB_NAME}) in it")
        try:
            if create:
                self.directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA synchronous = FULL")
            if create:
                self._db.executescript(_SCHEMA)
                self._db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                self._db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('created_at', ?)",
                    (time.strftime("%Y-%m-%dT%H:%M:%S%z"),),
                )
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"{self.directory}: cannot use as a results directory: {exc}"
            ) from None
        if row is None or int(row[0]) != SCHEMA_VERSION:
            found = "none" if row is None else row[0]
            raise StoreError(
                f"{self.path}: results schema version {found}, this harness reads {SCHEMA_VERSION}"
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def record_space(self, benchmark: TabularBenchmark) -> None:
        """Remember a space's checksum, optimum and provenance for reports."""
        dims = [
            {"name": d.name, "kind": d.kind, "choices": list(d.choices)}
            for d in benchmark.space.dimensions
        ]
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO spaces VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    benchmark.name,
                    benchmark.checksum,
                    benchmark.objective,
                    benchmark.direction,
                    benchmark.optimum,
                    benchmark.space.n_configs,
                    json.dumps(dims),
                    json.dumps(asdict(benchmark.provenance)),
                ),
            )

    def finished_keys(self) -> set[str]:
        """Keys of runs that finished (failed runs are retried by a rerun)."""
        rows = self._db.execute("SELECT run_key FROM runs WHERE status = 'finished'")
        return {r[0] for r in rows}

    def write_run(
        self,
        spec: RunSpec,
        trace: RunTrace,
        *,
        configs: Iterable[str],
        wall_seconds: float,
    ) -> None:
        """Write one run and all its evaluations in a single transaction.

        Args:
            spec: The run's grid cell.
            trace: What the run produced.
            configs: Readable text of each evaluated config, in step order.
            wall_seconds: Wall time of the whole run.
        """
        key = spec.key
        rows = [
            (key, step, int(i), text, _num(v), float(c), float(cc), int(ii), _num(io), _num(r))
            for step, (i, text, v, c, cc, ii, io, r) in enumerate(
                zip(
                    trace.config_index.tolist(),
                    configs,
                    trace.value.tolist(),
                    trace.cost_seconds.tolist(),
                    trace.cumulative_cost_seconds.tolist(),
                    trace.incumbent_index.tolist(),
                    trace.incumbent_oracle.tolist(),
                    trace.regret.tolist(),
                    strict=True,
                )
            )
        ]
        total = float(trace.cumulative_cost_seconds[-1]) if trace.n_evaluations else 0.0
        with self._transaction() as db:
            db.execute("DELETE FROM evaluations WHERE run_key = ?", (key,))
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    spec.strategy,
                    json.dumps(spec.options, sort_keys=True),
                    spec.space,
                    spec.seed,
                    spec.budget.kind,
                    spec.budget.amount,
                    spec.table_checksum,
                    trace.status,
                    trace.error,
                    trace.traceback,
                    trace.n_evaluations,
                    trace.n_unique,
                    total,
                    trace.overhead_seconds,
                    wall_seconds,
                    _num(trace.final_regret),
                    _num(trace.final_oracle),
                    _version(),
                    time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                ),
            )
            db.executemany("INSERT INTO evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def runs(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The runs table (all runs, or those with the given keys) as a DataFrame."""
        frame = pd.read_sql_query("SELECT * FROM runs ORDER BY space, strategy, seed", self._db)
        if keys is not None:
            frame = frame[frame["run_key"].isin(set(keys))].reset_index(drop=True)
        return frame

    def evaluations(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The evaluations table joined with each run's strategy, space and seed."""
        frame = pd.read_sql_query(
            "SELECT r.strategy, r.space, r.seed, r.budget_kind, r.budget, e.* "
            "FROM evaluations e JOIN runs r USING (run_key) ORDER BY e.run_key, e.step",
            self._db,
        )
        if keys is not None:
            frame = frame[frame["run_key"].isin(set(keys))].reset_index(drop=True)
        return frame

    def spaces(self) -> pd.DataFrame:
        """The spaces the stored runs used, with checksums, optima and provenance."""
        return pd.read_sql_query("SELECT * FROM spaces ORDER BY name", self._db)

    def export(self, directory: str | Path, *, fmt: str = "parquet") -> list[Path]:
        """Write runs and evaluations as Parquet or CSV files for pandas users.

        Returns:
            The written paths.
        """
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"export format {fmt!r} is not one of parquet, csv")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in (("runs", self.runs()), ("evaluations", self.evaluations())):
            path = out / f"{name}.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False)
            else:
                frame.to_parquet(path, index=False)
            written.append(path)
        return written


def _num(x: float) -> float | None:
    """SQLite stores NaN as NULL; make that explicit."""
    return None if x != x else float(x)
