"""The training cache: one SQLite file per recipe, one row per (config, training seed).

A query that hits a row costs a dictionary probe (rows are read into memory once); a miss
trains that config for real and records it here, so the next query - in this process, a
worker, or a later command - is free.

Safe under concurrency and crashes:

- One transaction per trained model, in WAL mode with a generous busy timeout: several
  processes may read and write one cache at once, and a ``kill -9`` loses only the model that
  was being trained.
- Two processes that miss on the same (config, seed) both train it (training is
  deterministic, so they get the same accuracies) and ``INSERT OR IGNORE``: one row is kept,
  and the loser reads the winner's row back, so both report the same numbers, recorded
  seconds included.
- Read-only (``read_only=True``: a `TrainingContext` that says so, as on a Dask worker):
  the file, where there is one, is copied into memory once and never written; models trained
  in this process are kept in memory (`TrainingCache.take_new`) for the one process that
  writes the cache to record.
- The file carries SQLite's application id ``0x4E415354`` ("NAST") and its recipe: a cache of
  another recipe, or any other database, is refused with one line and never written into.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
from pathlib import Path
from types import TracebackType

from spaces.training._context import TrainingContext
from spaces.training._loop import TrainingRun
from spaces.training._recipe import Recipe, RecipeLike

APPLICATION_ID = 0x4E415354
"""SQLite application id of a training cache ("NAST")."""
SCHEMA_VERSION = 1
_BUSY_MS = 60_000  # a writer waits this long for another process's transaction

Hidden = tuple[int, ...]


_MOVE_ASIDE = (
    "move the file aside (the harness never deletes it) and run again: what it held is trained anew"
)


class CacheError(ValueError):
    """A training cache that cannot be used; the message is one line naming the file."""


def hidden_key(hidden: Hidden) -> str:
    """The text key of a config's hidden-layer sizes: ``64-128-32``."""
    return "-".join(str(int(h)) for h in hidden)


def cache_path(recipe: Recipe, cache_dir: Path | None = None) -> Path:
    """Where the cache of ``recipe`` lives under ``cache_dir`` (default: the user's)."""
    trained = TrainingContext(cache_dir=cache_dir).trained_dir()
    return trained / f"{recipe.dataset}-{recipe.checksum()[:16]}.sqlite"


class TrainingCache:
    """The recorded training runs of one recipe.

    Args:
        path: The SQLite file (created with its folder if missing).
        recipe: The recipe every row was trained with.
        read_only: Work on a private in-memory copy, never written (see the module doc).

    Raises:
        CacheError: The file is not a training cache, holds another recipe, or cannot be
            created or opened.
    """

    def __init__(self, path: Path, recipe: RecipeLike, *, read_only: bool = False) -> None:
        self.path = path
        self.recipe = recipe
        self._checksum = recipe.checksum()
        self._new: list[tuple[Hidden, TrainingRun]] = []
        self.read_only = read_only
        self._rows: dict[tuple[str, int], TrainingRun] | None = None
        if self.read_only:
            self._open_in_memory()
            return
        try:
            info = path.stat()
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise CacheError(
                f"training cache {path}: {exc.strerror or exc}; point --cache-dir or "
                "HARNESS_CACHE_DIR at a writable folder"
            ) from None
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise CacheError(f"training cache {path}: not a regular file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"cache dir {path.parent}: cannot be created ({exc.strerror or exc}); "
                "point --cache-dir or HARNESS_CACHE_DIR at a writable folder"
            ) from None
        if info is None and not os.access(path.parent, os.W_OK | os.X_OK):
            raise CacheError(
                f"cache dir {path.parent}: not writable; point --cache-dir or "
                "HARNESS_CACHE_DIR at a writable folder"
            )
        try:
            self._db = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
            self._open(new=info is None or info.st_size == 0)
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(Exception):
                self._db.close()
            raise CacheError(
                f"training cache {path}: cannot be used ({exc}); {_MOVE_ASIDE}"
            ) from None

    def _open_in_memory(self) -> None:
        """A private in-memory copy of the file (an empty cache where there is none)."""
        self._db = sqlite3.connect(":memory:", isolation_level=None)
        try:
            if self.path.is_file() and self.path.stat().st_size > 0:
                source = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
                try:
                    source.backup(self._db)
                finally:
                    source.close()
            self._open(new=self._db.execute("PRAGMA application_id").fetchone()[0] == 0)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise CacheError(
                f"training cache {self.path}: cannot be read ({exc}); {_MOVE_ASIDE}"
            ) from None

    def _open(self, *, new: bool) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        if new:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("PRAGMA application_id").fetchone()[0] == 0:
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    db.execute(
                        "CREATE TABLE runs (hidden TEXT NOT NULL, seed INTEGER NOT NULL, "
                        "train_loss TEXT NOT NULL, val_acc TEXT NOT NULL, "
                        "test_acc TEXT NOT NULL, epoch_seconds TEXT NOT NULL, "
                        "n_params INTEGER NOT NULL, device_name TEXT NOT NULL, "
                        "latency_ms REAL NOT NULL, PRIMARY KEY (hidden, seed))"
                    )
                    db.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [
                            ("schema_version", str(SCHEMA_VERSION)),
                            ("recipe_checksum", self._checksum),
                            ("recipe", self.recipe.describe()),
                        ],
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        app = db.execute("PRAGMA application_id").fetchone()[0]
        if app != APPLICATION_ID:
            raise CacheError(
                f"training cache {self.path}: not a training cache of nas-harness (another "
                "SQLite database); it is left untouched"
            )
        # A damaged file shows it here, before any run relies on it, not at a later read.
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(str(check).splitlines()[0])
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("recipe_checksum") != self._checksum:
            raise CacheError(
                f"training cache {self.path} holds runs of another recipe "
                f"(checksum {str(meta.get('recipe_checksum'))[:12]}, this recipe "
                f"{self._checksum[:12]}); point --cache-dir elsewhere or remove the file"
            )
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise CacheError(
                f"training cache {self.path}: schema {meta.get('schema_version')}, this "
                f"version reads {SCHEMA_VERSION}; point --cache-dir elsewhere"
            )
        if self.read_only:
            return
        # WAL: readers never block the one writer, and a commit is one fsync'd append.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")

    # -- reading -----------------------------------------------------------------------------
    def _all(self) -> dict[tuple[str, int], TrainingRun]:
        if self._rows is None:
            self._rows = {}
            for row in self._db.execute("SELECT * FROM runs"):
                self._rows[(row[0], int(row[1]))] = _run(row)
        return self._rows

    def get(self, hidden: Hidden, seed: int) -> TrainingRun | None:
        """The recorded run of ``hidden`` with training seed ``seed``, if there is one."""
        key = (hidden_key(hidden), int(seed))
        rows = self._all()
        found = rows.get(key)
        if found is None:
            # Another process may have trained it since this cache was read.
            row = self._db.execute(
                "SELECT * FROM runs WHERE hidden = ? AND seed = ?", key
            ).fetchone()
            if row is not None:
                found = rows[key] = _run(row)
        return found

    def count(self) -> int:
        """Recorded runs in the file."""
        return int(self._db.execute("SELECT count(*) FROM runs").fetchone()[0])

    def keys(self) -> set[tuple[str, int]]:
        """Every recorded (hidden key, seed) in the file."""
        return {(h, int(s)) for h, s in self._db.execute("SELECT hidden, seed FROM runs")}

    # -- writing -----------------------------------------------------------------------------
    def put(self, hidden: Hidden, run: TrainingRun) -> TrainingRun:
        """Record ``run``; returns the run the cache holds (another process's if it won).

        Raises:
            CacheError: The file cannot be written.
        """
        key = (hidden_key(hidden), int(run.seed))
        try:
            inserted = (
                self._db.execute(
                    "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        *key,
                        json.dumps(list(run.train_loss)),
                        json.dumps(list(run.val_acc)),
                        json.dumps(list(run.test_acc)),
                        json.dumps(list(run.epoch_seconds)),
                        int(run.n_params),
                        run.device_name,
                        float(run.latency_ms),
                    ),
                ).rowcount
                == 1
            )
            row = self._db.execute(
                "SELECT * FROM runs WHERE hidden = ? AND seed = ?", key
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise CacheError(f"training cache {self.path}: cannot be written ({exc})") from None
        stored = _run(row)
        self._all()[key] = stored
        if self.read_only and inserted:
            self._new.append((tuple(int(h) for h in hidden), stored))
        return stored

    def take_new(self) -> list[tuple[Hidden, TrainingRun]]:
        """The models trained into this read-only cache since the last call (then forgotten).

        The process that writes the cache records them with `put`; a writable cache has
        none (what it trains is in its file already).
        """
        new, self._new = self._new, []
        return new

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> TrainingCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _run(row: tuple[object, ...]) -> TrainingRun:
    _, seed, loss, val, test, seconds, n_params, device, latency = row
    return TrainingRun(
        seed=int(seed),  # type: ignore[call-overload]
        train_loss=tuple(json.loads(str(loss))),
        val_acc=tuple(json.loads(str(val))),
        test_acc=tuple(json.loads(str(test))),
        epoch_seconds=tuple(json.loads(str(seconds))),
        n_params=int(n_params),  # type: ignore[call-overload]
        device_name=str(device),
        latency_ms=float(latency),  # type: ignore[arg-type]
    )
