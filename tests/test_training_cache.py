"""The training cache: miss -> train -> hit, common random numbers, concurrency, crashes,
and refusals of caches that are not this recipe's."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from harness import Budget, run_strategy
from spaces.training import (
    CacheError,
    Recipe,
    TrainedObjective,
    TrainingCache,
    family_space,
    load_dataset,
    recipe_for,
)
from strategies import build_strategy


def tiny_recipe(**changes: object) -> Recipe:
    """The digits recipe cut to 2 epochs and 3 seeds: real training, in milliseconds."""
    recipe = dataclasses.replace(recipe_for("digits"), epochs=2, n_seeds=3)
    return dataclasses.replace(recipe, **changes)  # type: ignore[arg-type]


def objective(path: Path, recipe: Recipe | None = None, family: str = "mlp2") -> TrainedObjective:
    recipe = recipe or tiny_recipe()
    from spaces.training import trained_provenance

    return TrainedObjective(
        name=f"{family}/digits",
        space=family_space(family),
        recipe=recipe,
        cache=TrainingCache(path, recipe),
        dataset=lambda: load_dataset("digits"),
        provenance=trained_provenance(recipe),
    )


def test_a_miss_trains_records_and_the_next_query_hits(tmp_path: Path) -> None:
    first = objective(tmp_path / "c.sqlite")
    a = first.evaluate(7, 1)
    assert first.trained == 1
    assert first.evaluate(7, 1) == a
    assert first.trained == 1
    assert 0 < a.value <= 100
    assert a.cost_seconds > 0
    assert set(a.metrics) == {"val_acc", "test_acc", "train_loss", "params", "latency_ms"}
    second = objective(tmp_path / "c.sqlite")  # another process, later: from the file
    t0 = time.perf_counter()
    b = second.evaluate(7, 1)
    assert time.perf_counter() - t0 < 0.5
    assert second.trained == 0
    assert b == a  # recorded seconds included: the budget is charged the same either way


def test_training_is_deterministic_across_caches(tmp_path: Path) -> None:
    a = objective(tmp_path / "a.sqlite").evaluate(3, 2)
    b = objective(tmp_path / "b.sqlite").evaluate(3, 2)
    assert a.value == b.value
    assert a.metrics["test_acc"] == b.metrics["test_acc"]
    assert a.metrics["train_loss"] == b.metrics["train_loss"]
    c = objective(tmp_path / "c.sqlite").evaluate(3, 0)
    assert c.metrics["train_loss"] != a.metrics["train_loss"]  # another seed, another model


def test_common_random_numbers_on_a_trainable_space(tmp_path: Path) -> None:
    # Two strategies evaluating the same config in runs of the same seed get the same
    # training seed, so the same number: the comparison is paired as on a table.
    obj = objective(tmp_path / "c.sqlite")
    budget = Budget(kind="evaluations", amount=6)
    traces = []
    for name in ("random", "local-search"):
        strategy = build_strategy(name, {}, obj.space, seed=11, maximize=True, budget=6)
        traces.append(run_strategy(strategy, obj, seed=5, budget=budget))
    seen: dict[int, tuple[int, float]] = {}
    shared = 0
    for trace in traces:
        for index, slot, value in zip(trace.config_index, trace.slot, trace.value, strict=True):
            if int(index) in seen:
                shared += 1
                assert seen[int(index)] == (int(slot), float(value))
            else:
                seen[int(index)] = (int(slot), float(value))
    again = build_strategy("random", {}, obj.space, seed=11, maximize=True, budget=6)
    rerun = run_strategy(again, obj, seed=5, budget=budget)
    assert np.array_equal(rerun.value, traces[0].value)
    assert obj.trained <= 12 - shared


def _evaluate_in_process(path: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    obj = objective(Path(path))
    result = obj.evaluate(12, 2)
    out.put((result.value, result.cost_seconds, obj.trained))


def test_concurrent_misses_on_one_model_keep_one_row_and_agree(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    TrainingCache(path, tiny_recipe()).close()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_evaluate_in_process, args=(str(path), queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert len({(v, c) for v, c, _ in results}) == 1  # the winner's row, seconds included
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_a_cache_of_another_recipe_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    objective(path).evaluate(0, 0)
    other = tiny_recipe(learning_rate=0.01)
    with pytest.raises(CacheError) as info:
        TrainingCache(path, other)
    message = str(info.value)
    assert "holds runs of another recipe" in message
    assert "\n" not in message
    assert str(path) in message


def test_a_foreign_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "mine.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (x TEXT)")
        con.execute("INSERT INTO notes VALUES ('keep me')")
    before = path.read_bytes()
    with pytest.raises(CacheError, match="not a training cache of nas-harness"):
        TrainingCache(path, tiny_recipe())
    assert path.read_bytes() == before


def test_a_cache_dir_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(CacheError, match="point --cache-dir or HARNESS_CACHE_DIR") as info:
        TrainingCache(blocker / "trained" / "c.sqlite", tiny_recipe())
    assert "\n" not in str(info.value)
    assert blocker.read_text() == "x"


def test_an_unwritable_cache_dir_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(CacheError, match="not writable"):
            TrainingCache(locked / "c.sqlite", tiny_recipe())
    finally:
        locked.chmod(0o700)


TRAIN_MANY = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_training_cache import objective
obj = objective(Path({path!r}), family="mlp3")
for index in range(64):
    for slot in range(3):
        obj.evaluate(index, slot)
"""


@pytest.mark.slow
def test_a_kill_during_training_loses_only_the_unfinished_model(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    code = TRAIN_MANY.format(tests=str(Path(__file__).parent), path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "training ended before it could be killed"
        assert time.monotonic() < deadline
        if path.exists():
            try:
                with sqlite3.connect(path, timeout=5) as con:
                    if con.execute("SELECT count(*) FROM runs").fetchone()[0] >= 5:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    cache = TrainingCache(path, tiny_recipe())  # opens after the kill
    kept = cache.keys()
    assert len(kept) >= 5
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    obj = objective(path, family="mlp3")
    obj.evaluate(0, 0)  # a recorded model: no training
    assert obj.trained == 0


def test_a_read_only_cache_reads_the_file_and_keeps_new_models_for_its_writer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite"
    writer = objective(path)
    recorded = writer.evaluate(3, 0)
    recipe = tiny_recipe()
    before = path.read_bytes()
    reader = TrainingCache(path, recipe, read_only=True)
    assert reader.count() == 1
    ro = objective(path)
    ro.cache = reader
    assert ro.evaluate(3, 0) == recorded  # a hit from the file: nothing trained
    assert ro.take_new_models() == []
    ro.evaluate(4, 1)  # a miss: trained, kept in memory
    new = ro.take_new_models()
    assert [(h, r.seed) for h, r in new] == [(ro.hidden(4), 1)]
    assert ro.take_new_models() == []  # taken once
    assert path.read_bytes() == before  # the file is never written
    # The writer records what the reader trained: the same numbers it would have trained.
    for hidden, run in new:
        writer.cache.put(hidden, run)
    assert writer.cache.count() == 2
    assert writer.evaluate(4, 1).value == new[0][1].val_acc[-1]


def test_a_read_only_cache_of_no_file_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.sqlite"
    cache = TrainingCache(path, tiny_recipe(), read_only=True)
    assert cache.count() == 0
    assert not path.exists()
    assert not path.parent.exists()


def test_a_read_only_cache_still_refuses_another_recipe(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    objective(path).evaluate(0, 0)
    with pytest.raises(CacheError, match="another recipe"):
        TrainingCache(path, tiny_recipe(epochs=3), read_only=True)


def _damaged_cache(cache_dir: Path) -> Path:
    """The digits cache of the shipped recipe, with its pages after the first overwritten."""
    from spaces.training import cache_path

    recipe = recipe_for("digits")
    path = cache_path(recipe, cache_dir)
    cache = TrainingCache(path, recipe)
    cache.close()
    con = sqlite3.connect(path, isolation_level=None)  # enough rows for pages past the header
    con.execute("CREATE TABLE filler (x TEXT)")
    con.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 64)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the file itself, no WAL
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    data = bytearray(path.read_bytes())
    data[4096:] = b"\x5a" * (len(data) - 4096)
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_cache_is_one_line_naming_the_file_and_is_left_in_place(
    tmp_path: Path,
) -> None:
    path = _damaged_cache(tmp_path / "cache")
    before = path.read_bytes()
    with pytest.raises(CacheError, match=r"cannot be used \(.*\); move the file aside") as info:
        TrainingCache(path, recipe_for("digits"))
    assert str(path) in str(info.value)
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out"
    for argv in (
        ["train", "--space", "mlp3/digits", "--dry-run"],
        ["compare", "--space", "mlpwide/digits", "--strategy", "random", "--seeds", "1",
         "--budget", "2", "--workers", "0", "--quiet", "--out", str(out)],
    ):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "harness", *argv], capture_output=True, text=True, env=env
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [done.stderr.strip()]
        assert str(path) in done.stderr
        assert "move the file aside" in done.stderr
    assert path.read_bytes() == before  # never deleted, never rewritten
    assert not out.exists()
