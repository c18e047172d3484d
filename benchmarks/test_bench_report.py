"""Render time of a full report: 5 strategies x 15 spaces x 20 seeds x 100 evaluations.

Goal (issue 4): under 30 s on the project machine. Run with
``python -m pytest benchmarks/test_bench_report.py --benchmark-enable``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from reports import build_report
from reports.synthetic import write_synthetic_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_store(
        tmp_path_factory.mktemp("bench"),
        n_strategies=5,
        n_spaces=15,
        n_seeds=20,
        n_evaluations=100,
    )


def test_full_report_5x15x20x100(benchmark: BenchmarkFixture, store: Path) -> None:
    report = benchmark.pedantic(
        build_report, args=(store,), rounds=2, iterations=1, warmup_rounds=0
    )
    stats = json.loads((store / "stats.json").read_text())
    assert len(stats["spaces"]) == 15
    assert stats["cross_space"]["friedman"]["k"] == 5
    assert sum(f.endswith(".png") for f in report.files) == 17
