"""The results store, and the public API that reports and scripts read results through.

One SQLite database per comparison directory. Each finished (or failed) run is written in a
single transaction, so a crash, Ctrl-C or kill at any moment leaves every earlier run intact
and the database readable (SQLite's journal rolls back a half-written transaction on the next
open). Runs are keyed by everything that determines their result: strategy and its options,
space, search metric, fidelity, seed, budget and the objective's checksum.

Schema 2 (this harness) records, per evaluation, its training-seed slot, fidelity and every
metric the objective reported (a JSON object in one column: see docs/design.md for why), and
allows spaces without a known optimum. Its table ``space_reports`` (added later, without a
new version: stores without it stay readable) records the metric reports rank on and that
metric's optimum. Readers get pandas frames (`ResultsStore.runs`, `ResultsStore.evaluations`,
`ResultsStore.spaces`) and never need the SQL.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd

from harness._version import __version__
from harness.run_types import RunSpec, RunTrace, SpaceRecord
from spaces import Objective

SCHEMA_VERSION = 2
DB_NAME = "results.sqlite"
#: SQLite's application id of a results store ("NASH"): a database without it is not ours.
APPLICATION_ID = 0x4E415348

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spaces (
    name TEXT NOT NULL, checksum TEXT NOT NULL, metric TEXT NOT NULL, fidelity INTEGER NOT NULL,
    direction TEXT NOT NULL, optimum REAL, test_metric TEXT, fully_recorded INTEGER NOT NULL,
    n_configs INTEGER NOT NULL, dimensions TEXT NOT NULL, metrics TEXT NOT NULL,
    fidelities TEXT NOT NULL, provenance TEXT NOT NULL,
    PRIMARY KEY (name, checksum, metric, fidelity)
);
CREATE TABLE IF NOT EXISTS runs (
    run_key TEXT PRIMARY KEY, strategy TEXT NOT NULL, options TEXT NOT NULL,
    space TEXT NOT NULL, metric TEXT NOT NULL, fidelity INTEGER NOT NULL, seed INTEGER NOT NULL,
    budget_kind TEXT NOT NULL, budget REAL NOT NULL, checksum TEXT NOT NULL,
    status TEXT NOT NULL, error TEXT, traceback TEXT, n_evaluations INTEGER NOT NULL,
    n_unique INTEGER NOT NULL, total_cost_seconds REAL NOT NULL, overhead_seconds REAL NOT NULL,
    wall_seconds REAL NOT NULL, final_regret REAL, final_value REAL, final_test REAL,
    harness_version TEXT NOT NULL, finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
    run_key TEXT NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,
    step INTEGER NOT NULL, config_index INTEGER NOT NULL, config TEXT NOT NULL,
    slot INTEGER NOT NULL, value REAL, cost_seconds REAL NOT NULL,
    cumulative_cost_seconds REAL NOT NULL, incumbent_index INTEGER NOT NULL,
    incumbent_value REAL, incumbent_test REAL, regret REAL, metrics TEXT NOT NULL,
    PRIMARY KEY (run_key, step)
) WITHOUT ROWID;
"""

# Added to schema 2 without changing its version: one row per `spaces` row, written beside
# it. A store written before has no such table (its reports rank on the search metric, as
# they did), and a harness that predates it never touches it, so either reads and resumes
# the other's stores.
_REPORTS_TABLE = """
CREATE TABLE IF NOT EXISTS space_reports (
    name TEXT NOT NULL, checksum TEXT NOT NULL, metric TEXT NOT NULL, fidelity INTEGER NOT NULL,
    report_metric TEXT NOT NULL, report_optimum REAL,
    PRIMARY KEY (name, checksum, metric, fidelity)
)
"""


# Also added to schema 2 without a new version, created when first needed: what a run
# reports besides its evaluations (a transfer strategy's prior, a strategy's diagnostics),
# one JSON object per run. Stores without it read as runs without notes.
_NOTES_TABLE = """
CREATE TABLE IF NOT EXISTS run_notes (
    run_key TEXT PRIMARY KEY REFERENCES runs(run_key) ON DELETE CASCADE,
    notes TEXT NOT NULL
)
"""


class StoreError(RuntimeError):
    """The results directory cannot be used (unwritable, not a store, another schema, damaged).

    The message is one line and names the directory or, once it exists, the database file.
    """


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class ResultsStore:
    """A comparison directory's SQLite database.

    Args:
        directory: The comparison directory; created if absent.
        create: Whether to create the directory and database if missing.

    Raises:
        StoreError: The directory cannot be created or written, holds a database that is not
            a results store, one of another schema version, or a damaged one (every page is
            checked on opening).
    """

    def __init__(self, directory: str | Path, *, create: bool = True) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DB_NAME
        try:
            # Inside the try: even asking whether a file exists fails on a name too long.
            if not create and not self.path.is_file():
                raise StoreError(f"{self.directory}: no results store ({DB_NAME}) in it")
            if self.path.exists() and not self.path.is_file():
                raise StoreError(f"{self.path}: not a regular file, so not a results store")
            if create:
                self.directory.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            if fresh and not create:
                raise StoreError(f"{self.directory}: no results store ({DB_NAME}) in it")
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA synchronous = FULL")
            self._check_identity(fresh)
            if fresh and create:
                with self._transaction() as db:
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        db.execute(statement)
                    db.execute(_REPORTS_TABLE)
                    db.executemany(
                        "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                        [("schema_version", str(SCHEMA_VERSION)), ("created_at", _now())],
                    )
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise StoreError(f"{self.path}: not a readable results store ({exc})") from None
        except OSError as exc:
            self._close_quietly()
            raise StoreError(
                f"{self.directory}: cannot use as a results directory: {_os_reason(exc)}"
            ) from None

    def _close_quietly(self) -> None:
        """Close the database after a failed open, keeping the open's error the one raised."""
        db: sqlite3.Connection | None = getattr(self, "_db", None)  # None: it never connected
        if db is not None:
            with suppress(sqlite3.Error):
                db.close()

    @contextmanager
    def _store_errors(self, doing: str) -> Iterator[None]:
        """Name the file when the store fails after it opened (a full disk, a damaged row).

        Args:
            doing: What failed, for the message (``reading``, ``writing``).

        Raises:
            StoreError: SQLite, or pandas reading through it, failed; or a stored JSON text
                does not parse.
        """
        try:
            yield
        except (sqlite3.DatabaseError, pd.errors.DatabaseError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.path}: {doing} the results store failed ({exc})") from None

    def _check_identity(self, fresh: bool) -> None:
        """Refuse databases that are not results stores, or of another schema."""
        if fresh:
            return
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        version: str | None = None
        if "meta" in tables:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = None if row is None else str(row[0])
        # Schema 1 predates the application id; it is recognised by its tables.
        if version == "1" and {"runs", "evaluations", "spaces"} <= tables:
            self._db.close()
            raise StoreError(
                f"{self.path}: results schema 1, written by nas-harness 0.1; this harness "
                f"reads schema {SCHEMA_VERSION}: rerun the comparison with a new --out "
                "(or read this one with nas-harness 0.1)"
            )
        if app_id != APPLICATION_ID or version is None:
            self._db.close()
            raise StoreError(
                f"{self.path}: an SQLite database that this harness did not create; "
                "refusing to write into it: choose another --out"
            )
        if version != str(SCHEMA_VERSION):
            self._db.close()
            raise StoreError(
                f"{self.path}: results schema version {version}, this harness reads "
                f"{SCHEMA_VERSION}"
            )
        # Opening reads only the first pages: a damaged later one (a truncated copy, a bad
        # disk) would surface mid-command as a traceback, perhaps after runs were made. One
        # pass over the file finds it now (about 2 s per GB read from the page cache).
        problems = [str(row[0]) for row in self._db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            self._db.close()
            found = "; ".join(
                " ".join(p.replace("*** in database main ***", "").split()) for p in problems
            )
            raise StoreError(f"{self.path}: damaged results store ({found})")

    @property
    def schema_version(self) -> int:
        """The store's schema version."""
        return SCHEMA_VERSION

    def meta(self) -> dict[str, str]:
        """The store's ``meta`` entries (schema version, creation time)."""
        with self._store_errors("reading"):
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def record_experiment(self, name: str, text: str) -> str:
        """Record the experiment file a command ran from (once per distinct content).

        Kept in ``meta`` under ``experiment:<sha256>``, so a store made by several files (an
        edited one resumed into the same directory) names every one of them.

        Returns:
            The SHA-256 of ``text`` (UTF-8).
        """
        checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
        entry = json.dumps({"name": name, "sha256": checksum, "text": text, "recorded_at": _now()})
        with self._store_errors("writing"), self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)", (f"experiment:{checksum}", entry)
            )
        return checksum

    def experiments(self) -> list[dict[str, str]]:
        """The experiment files recorded (name, sha256, text, recorded_at), oldest first."""
        entries = [
            json.loads(value) for key, value in self.meta().items() if key.startswith("experiment:")
        ]
        return sorted(entries, key=lambda e: (e["recorded_at"], e["sha256"]))

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

    # -- writing -------------------------------------------------------------------------------
    def record_space(self, record: SpaceRecord | Objective) -> None:
        """Remember an objective's checksum, optimum, metrics and provenance for reports."""
        r = record if isinstance(record, SpaceRecord) else SpaceRecord.of(record)
        with self._store_errors("writing"), self._transaction() as db:
            self._check_same_report(db, r)
            db.execute(
                "INSERT OR REPLACE INTO spaces VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r.name,
                    r.checksum,
                    r.metric,
                    r.fidelity,
                    r.direction,
                    _num(r.optimum),
                    r.test_metric,
                    int(r.fully_recorded),
                    r.n_configs,
                    json.dumps(list(r.dimensions)),
                    json.dumps(dict(r.metrics)),
                    json.dumps(list(r.fidelities)),
                    json.dumps(dict(r.provenance)),
                ),
            )
            db.execute(_REPORTS_TABLE)  # a store written before the table existed gets it now
            key = (r.name, r.checksum, r.metric, r.fidelity)
            if r.report_metric is None:
                db.execute(
                    "DELETE FROM space_reports WHERE name = ? AND checksum = ? AND metric = ? "
                    "AND fidelity = ?",
                    key,
                )
            else:
                db.execute(
                    "INSERT OR REPLACE INTO space_reports VALUES (?, ?, ?, ?, ?, ?)",
                    (*key, r.report_metric, _num(r.report_optimum)),
                )

    def _check_same_report(self, db: sqlite3.Connection, r: SpaceRecord) -> None:
        """Refuse a second report metric for runs that share a space, search and fidelity.

        Reports put such runs in one cell, with one metric beside the search metric: mixing
        two would compare numbers of different metrics.

        Raises:
            StoreError: The store has runs of this objective reported on another metric.
        """
        key = (r.name, r.checksum, r.metric, r.fidelity)
        row = db.execute(
            "SELECT test_metric FROM spaces WHERE name = ? AND checksum = ? AND metric = ? "
            "AND fidelity = ?",
            key,
        ).fetchone()
        if row is None or (row[0] or None) == r.test_metric:
            return
        n_runs = db.execute(
            "SELECT COUNT(*) FROM runs WHERE space = ? AND checksum = ? AND metric = ? "
            "AND fidelity = ?",
            key,
        ).fetchone()[0]
        if n_runs:
            raise StoreError(
                f"{self.path}: its runs of {r.name} searched on {r.metric} report "
                f"{row[0] or 'no other metric'} beside it, this comparison "
                f"{r.test_metric or 'no other metric'}; use another --out (or the same "
                "--report-metric)"
            )

    def finished_keys(self) -> set[str]:
        """Keys of runs that finished (failed runs are retried by a rerun)."""
        with self._store_errors("reading"):
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
        names = list(trace.metrics)
        columns = [trace.metrics[m].tolist() for m in names]
        metric_text = [
            json.dumps({m: _num(col[step]) for m, col in zip(names, columns, strict=True)})
            for step in range(trace.n_evaluations)
        ]
        rows = [
            (key, step, i, text, s, _num(v), c, cc, ii, _num(iv), _num(it), _num(r), mt)
            for step, (i, text, s, v, c, cc, ii, iv, it, r, mt) in enumerate(
                zip(
                    trace.config_index.tolist(),
                    configs,
                    trace.slot.tolist(),
                    trace.value.tolist(),
                    trace.cost_seconds.tolist(),
                    trace.cumulative_cost_seconds.tolist(),
                    trace.incumbent_index.tolist(),
                    trace.incumbent_value.tolist(),
                    trace.incumbent_test.tolist(),
                    trace.regret.tolist(),
                    metric_text,
                    strict=True,
                )
            )
        ]
        total = float(trace.cumulative_cost_seconds[-1]) if trace.n_evaluations else 0.0
        with self._store_errors("writing"), self._transaction() as db:
            db.execute("DELETE FROM evaluations WHERE run_key = ?", (key,))
            db.execute(
                f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * 23)})",
                (
                    key,
                    spec.strategy,
                    json.dumps(spec.options, sort_keys=True),
                    spec.space,
                    spec.metric,
                    spec.fidelity,
                    spec.seed,
                    spec.budget.kind,
                    spec.budget.amount,
                    spec.checksum,
                    trace.status,
                    trace.error,
                    trace.traceback,
                    trace.n_evaluations,
                    trace.n_unique,
                    total,
                    trace.overhead_seconds,
                    wall_seconds,
                    _num(trace.final_regret),
                    _num(trace.final_value),
                    _num(trace.final_test),
                    __version__,
                    _now(),
                ),
            )
            db.executemany(f"INSERT INTO evaluations VALUES ({', '.join('?' * 13)})", rows)
            if trace.notes:
                db.execute(_NOTES_TABLE)
                db.execute(
                    "INSERT OR REPLACE INTO run_notes VALUES (?, ?)",
                    (key, json.dumps(trace.notes, sort_keys=True, allow_nan=False)),
                )
            elif self._has_table("run_notes"):
                db.execute("DELETE FROM run_notes WHERE run_key = ?", (key,))

    def _has_table(self, name: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    # -- reading -------------------------------------------------------------------------------
    def run_notes(self, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """What runs reported besides their evaluations, by run key (runs without: absent).

        A transfer strategy's run has ``prior`` (sources read, configs, recorded training
        cost, seconds spent learning); a strategy with diagnostics has ``diagnostics``.
        """
        with self._store_errors("reading"):
            if not self._has_table("run_notes"):
                return {}
            rows = self._db.execute("SELECT run_key, notes FROM run_notes").fetchall()
            notes = {str(k): json.loads(t) for k, t in rows}
        if keys is not None:
            wanted = set(keys)
            notes = {k: v for k, v in notes.items() if k in wanted}
        return notes

    def runs(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The runs (all, or those with the given keys), one row each, as a DataFrame."""
        with self._store_errors("reading"):
            frame = pd.read_sql_query("SELECT * FROM runs ORDER BY space, strategy, seed", self._db)
        if keys is not None:
            frame = frame[frame["run_key"].isin(set(keys))].reset_index(drop=True)
        return frame

    def evaluations(
        self, keys: Iterable[str] | None = None, *, with_metrics: bool = False
    ) -> pd.DataFrame:
        """Every evaluation, with its run's strategy, space, metric, fidelity and seed.

        Args:
            keys: Only the runs with these keys.
            with_metrics: Add one column per recorded metric (``metric:NAME``), parsed from
                the stored JSON; off by default because reports need only the search metric.
        """
        with self._store_errors("reading"):
            frame = pd.read_sql_query(
                "SELECT r.strategy, r.space, r.metric, r.fidelity, r.seed, r.budget_kind, "
                "r.budget, e.* FROM evaluations e JOIN runs r USING (run_key) "
                "ORDER BY e.run_key, e.step",
                self._db,
            )
        if keys is not None:
            frame = frame[frame["run_key"].isin(set(keys))].reset_index(drop=True)
        if with_metrics:
            with self._store_errors("reading"):
                metrics = [json.loads(t) for t in frame["metrics"]]
            parsed = pd.DataFrame(metrics, index=frame.index)
            parsed = parsed.astype(float).add_prefix("metric:")
            frame = pd.concat([frame.drop(columns="metrics"), parsed], axis=1)
        return frame

    def spaces(self) -> pd.DataFrame:
        """The objectives the stored runs used: checksums, optima, metrics and provenance.

        JSON columns (``dimensions``, ``metrics``, ``fidelities``, ``provenance``) are parsed;
        ``optimum`` and ``report_optimum`` are NaN where unknown; ``report_metric`` (the
        metric reports rank on, `SpaceRecord.report_metric`) is None where the store did not
        record it.
        """
        with self._store_errors("reading"):
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            if "space_reports" in tables:
                query = (
                    "SELECT s.*, r.report_metric, r.report_optimum FROM spaces s "
                    "LEFT JOIN space_reports r USING (name, checksum, metric, fidelity) "
                    "ORDER BY s.name, s.metric"
                )
            else:
                query = (
                    "SELECT *, NULL AS report_metric, NULL AS report_optimum FROM spaces "
                    "ORDER BY name, metric"
                )
            frame = pd.read_sql_query(query, self._db)
            for column in ("dimensions", "metrics", "fidelities", "provenance"):
                frame[column] = [json.loads(t) for t in frame[column]]
        frame["fully_recorded"] = frame["fully_recorded"].astype(bool)
        for column in ("optimum", "report_optimum"):
            frame[column] = frame[column].astype(float)  # all-NULL would read as None
        frame["report_metric"] = [m if isinstance(m, str) else None for m in frame["report_metric"]]
        return frame

    def export(self, directory: str | Path, *, fmt: str = "parquet") -> list[Path]:
        """Write runs and evaluations (one column per metric) as Parquet or CSV files.

        Returns:
            The written paths.

        Raises:
            StoreError: The store cannot be read, or ``directory`` cannot be written.
        """
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"export format {fmt!r} is not one of parquet, csv")
        out = Path(directory)
        frames = (("runs", self.runs()), ("evaluations", self.evaluations(with_metrics=True)))
        written = []
        path = out
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, frame in frames:
                path = out / f"{name}.{fmt}"
                if fmt == "csv":
                    frame.to_csv(path, index=False)
                else:
                    frame.to_parquet(path, index=False)
                written.append(path)
        except OSError as exc:
            raise StoreError(f"{path}: cannot write the export: {_os_reason(exc)}") from None
        return written


def open_results(directory: str | Path) -> ResultsStore:
    """Open an existing comparison directory's store for reading.

    Raises:
        StoreError: No store there, or not one this harness reads.
    """
    return ResultsStore(directory, create=False)


def _os_reason(exc: OSError) -> str:
    """The file system's reason alone (``file name too long``): the caller names the path."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _num(x: float | None) -> float | None:
    """SQLite stores NaN as NULL; make that explicit."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


__all__ = [
    "APPLICATION_ID",
    "DB_NAME",
    "SCHEMA_VERSION",
    "ResultsStore",
    "RunSpec",
    "SpaceRecord",
    "StoreError",
    "open_results",
]
