"""Executors: in-process, the harness's process pool and Dask give the same comparison.

The Dask tests start real `distributed.LocalCluster`s (worker processes, a scheduler) and are
skipped where the ``dask`` extra is not installed; CI installs it.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from cli import main
from harness import ResultsStore
from harness.executors import ExecutorError, executor_names, open_executor

SMALL = [
    "compare",
    "--space",
    "nb201/cifar10",
    "--space",
    "hpobench-mlp/kc1",
    "--strategy",
    "random",
    "--strategy",
    "evolution",
    "--seeds",
    "4",
    "--budget",
    "30",
    "--quiet",
]


def _has_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


needs_dask = pytest.mark.skipif(not _has_dask(), reason="the dask extra is not installed")


def _square(x: int) -> int:
    return x * x


def _fails_on_three(x: int) -> int:
    if x == 3:
        raise RuntimeError("three is bad\nsecond line")
    return x


def test_every_shipped_executor_is_discovered() -> None:
    assert {"inline", "processes", "dask"} <= set(executor_names())


def test_an_unknown_executor_or_a_stray_scheduler_is_refused_in_one_line() -> None:
    with pytest.raises(ExecutorError, match=r"unknown executor 'ray'; known: .*dask"):
        open_executor("ray", workers=1)
    with pytest.raises(ExecutorError, match="needs --executor dask"):
        open_executor("processes", workers=1, scheduler="tcp://127.0.0.1:8786")


@pytest.mark.parametrize("name", ["inline", "processes"])
def test_local_executors_report_every_task_once(name: str) -> None:
    results: dict[int, int] = {}
    with open_executor(name, workers=2) as executor:
        executor.run(
            list(range(6)),
            target=_square,
            on_result=lambda t, r: results.__setitem__(t, r),
            on_failure=lambda t, reason: pytest.fail(reason),
        )
    assert results == {i: i * i for i in range(6)}


@needs_dask
def test_dask_reports_results_and_exceptions_each_once() -> None:
    results: dict[int, int] = {}
    failures: dict[int, str] = {}
    with open_executor("dask", workers=2) as executor:
        executor.run(
            list(range(6)),
            target=_fails_on_three,
            on_result=lambda t, r: results.__setitem__(t, r),
            on_failure=lambda t, reason: failures.__setitem__(t, reason),
        )
    assert results == {i: i for i in range(6) if i != 3}
    assert failures == {3: "RuntimeError: three is bad"}


def _stats(out: Path) -> bytes:
    return (out / "stats.json").read_bytes()


@needs_dask
def test_the_same_comparison_is_byte_identical_on_every_executor(tmp_path: Path) -> None:
    runs = {
        "inline": ["--executor", "inline"],
        "processes": ["--workers", "2"],
        "dask-1": ["--executor", "dask", "--workers", "1"],
        "dask-2": ["--executor", "dask", "--workers", "2"],
    }
    for name, extra in runs.items():
        assert main([*SMALL, *extra, "--out", str(tmp_path / name)]) == 0, name
    reference = _stats(tmp_path / "inline")
    for name in runs:
        assert _stats(tmp_path / name) == reference, name


@needs_dask
def test_a_comparison_begun_on_one_executor_resumes_on_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    # The first half of the grid (seeds 0-1) on the process pool, then all of it on Dask.
    half = [a if a != "4" else "2" for a in SMALL]
    assert main([*half, "--workers", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main([*SMALL, "--executor", "dask", "--workers", "2", "--out", str(out)]) == 0
    assert "16 runs (8 run now, 8 resumed from the store)" in capsys.readouterr().out
    assert main([*SMALL, "--executor", "inline", "--out", str(tmp_path / "whole")]) == 0
    assert _stats(out) == _stats(tmp_path / "whole")
    with ResultsStore(out, create=False) as store:
        assert len(store.runs()) == 16  # every run once


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@needs_dask
def test_a_scheduler_that_does_not_answer_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    out = tmp_path / "cmp"
    start = time.monotonic()
    code = main([*SMALL, "--executor", "dask", "--scheduler", address, "--out", str(out)])
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"error: --scheduler '{address}': no Dask")
    assert elapsed < 30
    assert not out.exists()


def test_dask_without_the_extra_is_one_line_saying_how_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    out = tmp_path / "cmp"
    code = main([*SMALL, "--executor", "dask", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "pip install -e '.[dask]'" in err
    assert not out.exists()


@needs_dask
def test_dask_refuses_gpu_work_that_no_worker_can_take() -> None:
    from distributed import LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster,
        open_executor("dask", workers=1, scheduler=cluster.scheduler_address) as executor,
        pytest.raises(ExecutorError, match="declares the resources GPU=1"),
    ):
        executor.run(
            [1],
            target=_square,
            on_result=lambda t, r: None,
            on_failure=lambda t, r: None,
            resources={"GPU": 1},
        )


def test_a_time_limit_stops_spinning_python_code_off_the_main_thread() -> None:
    import threading

    from harness._execute import time_limit
    from harness._loop import RunTimedOut

    caught: list[BaseException] = []

    def spin() -> None:
        try:
            with time_limit(0.3):
                while True:
                    pass
        except RunTimedOut as exc:
            caught.append(exc)

    thread = threading.Thread(target=spin, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert time.monotonic() - start < 5
    assert [str(e) for e in caught] == ["the run did not end within --run-timeout 0.3 s"]


def test_a_time_limit_left_in_time_never_fires_later() -> None:
    import threading

    from harness._execute import time_limit

    def quick() -> None:
        with time_limit(0.2):
            pass
        time.sleep(0.5)  # past the limit, outside the block: nothing may be raised

    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            quick()
        except BaseException as exc:  # a late timer would land here
            errors.append(exc)

    thread = threading.Thread(target=guarded)
    thread.start()
    thread.join(5)
    assert errors == []


@needs_dask
def test_dask_workers_never_write_the_training_cache_the_coordinator_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    cache_dir = tmp_path / "cache"
    args = [
        "compare",
        "--space",
        "mlpwide/digits",
        "--strategy",
        "random",
        "--seeds",
        "2",
        "--budget",
        "2",
        "--executor",
        "dask",
        "--workers",
        "2",
        "--cache-dir",
        str(cache_dir),
        "--quiet",
    ]
    assert main([*args, "--out", str(tmp_path / "cold")]) == 0
    (cache,) = (cache_dir / "trained").glob("digits-*.sqlite")
    with sqlite3.connect(cache) as con:
        models = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert models == 4  # 2 runs x 2 evaluations, each a new mlpwide model
    # Warm: nothing is trained again and the statistics are the same, byte for byte.
    mtime = cache.stat().st_mtime_ns
    assert main([*args, "--out", str(tmp_path / "warm")]) == 0
    assert cache.stat().st_mtime_ns == mtime
    assert _stats(tmp_path / "warm") == _stats(tmp_path / "cold")
    capsys.readouterr()


@needs_dask
def test_train_on_dask_records_the_same_models_as_training_here(tmp_path: Path) -> None:
    import sqlite3

    def rows(cache_dir: Path) -> list[tuple[object, ...]]:
        (cache,) = (cache_dir / "trained").glob("digits-*.sqlite")
        with sqlite3.connect(cache) as con:
            return con.execute(
                "SELECT hidden, seed, val_acc, test_acc, train_loss FROM runs ORDER BY 1, 2"
            ).fetchall()

    base = ["train", "--space", "mlp2/digits", "--seeds", "1", "--quiet"]
    assert (
        main([*base, "--executor", "dask", "--workers", "2", "--cache-dir", str(tmp_path / "d")])
        == 0
    )
    assert main([*base, "--workers", "0", "--cache-dir", str(tmp_path / "i")]) == 0
    on_dask = rows(tmp_path / "d")
    assert len(on_dask) == 25
    assert on_dask == rows(tmp_path / "i")


def test_a_worker_whose_recipe_differs_refuses_the_task() -> None:
    from harness._train import TrainTask, train_task

    task = TrainTask("mlp2", "digits", "cpu", (16, 16), (0,), recipe_checksum="0" * 64)
    with pytest.raises(ValueError, match="is not the coordinator's"):
        train_task(task)


@needs_dask
def test_train_for_remote_gpus_plans_here_and_reports_workers_without_cuda(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch
    from distributed import LocalCluster

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the workers would train")
    # Workers that declare a GPU they do not have: the coordinator (no GPU either) plans the
    # CUDA recipe for them, and each task fails in its worker with the device error.
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, resources={"GPU": 1}
    ) as cluster:
        code = main(
            [
                "train",
                "--space",
                "mlp2/digits",
                "--seeds",
                "1",
                "--device",
                "cuda",
                "--executor",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
                "--cache-dir",
                str(tmp_path / "cache"),
                "--quiet",
            ]
        )
    captured = capsys.readouterr()
    assert code == 1
    assert "25 config(s) failed" in captured.err
    assert "DeviceError: device cuda" in captured.err
    assert "recipe: digits: MLP (ReLU)" in captured.out
    assert ", cuda, torch" in captured.out
