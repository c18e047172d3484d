"""A --scheduler that is not a working Dask cluster ends in one line, in bounded time.

A scheduler with no workers, a service that accepts and stays silent, and an HTTP server on
the scheduler's port each give exit code 2 and one line within 30 s, and create no results
store; ``train`` leaves no training cache behind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


def _listener() -> socket.socket:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server


@pytest.fixture
def silent_service() -> Iterator[str]:
    """Accepts connections and never says a word."""
    server = _listener()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


@pytest.fixture
def http_service() -> Iterator[str]:
    """Answers anything with HTTP 400."""
    server = _listener()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            try:
                conn.settimeout(2)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad")
            except OSError:
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.fixture
def scheduler_without_workers() -> Iterator[str]:
    """A real Dask scheduler, in a process of its own, that never gets a worker."""
    with _listener() as probe:
        port = probe.getsockname()[1]
    code = (
        "import asyncio\n"
        "from distributed import Scheduler\n"
        "async def main():\n"
        f"    async with Scheduler(port={port}, dashboard_address=':0') as s:\n"
        "        await asyncio.sleep(300)\n"
        "asyncio.run(main())\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the test scheduler did not start")
        yield f"tcp://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def _harness(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stderr.strip(), time.monotonic() - start


@pytest.mark.parametrize(
    ("fixture", "says"),
    [
        ("scheduler_without_workers", "the Dask scheduler has no workers (0 seen"),
        ("silent_service", "no Dask scheduler answered"),
        ("http_service", "does not speak Dask's protocol"),
    ],
)
def test_compare_with_a_scheduler_that_cannot_work_is_one_line(
    fixture: str, says: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    address = request.getfixturevalue(fixture)
    out = tmp_path / "out"
    argv = ["compare", "--strategy", "random", "--seeds", "1", "--budget", "3", "--quiet"]
    rc, err, seconds = _harness(
        *argv, "--executor", "dask", "--scheduler", address, "--out", str(out)
    )
    assert rc == 2, err
    assert len(err.splitlines()) == 1, err
    assert says in err
    assert not out.exists()
    print(f"{fixture}: {seconds:.1f} s")  # wall time under the machine's load, for the log


def test_every_wait_on_a_scheduler_is_bounded_within_30_seconds() -> None:
    from harness.executors import dask_cluster

    # The probe's deadline (its timeout plus the grace of its thread), then the wait for a
    # worker: what a command may spend before its one line (a hang shows as the
    # subprocess timeout of the tests above).
    assert dask_cluster.CONNECT_TIMEOUT_SECONDS + 5 <= 30
    assert dask_cluster.WORKERS_WAIT_SECONDS <= 30


def test_train_with_an_unreachable_scheduler_leaves_no_cache(
    silent_service: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    rc, err, _ = _harness(
        "train",
        "--space",
        "mlp3/digits",
        "--executor",
        "dask",
        "--scheduler",
        silent_service,
        "--quiet",
        env={"HARNESS_CACHE_DIR": str(cache)},
    )
    assert rc == 2, err
    assert len(err.splitlines()) == 1, err
    assert not cache.exists() or not any(cache.rglob("*.sqlite"))
