"""Issue 10's "must hold": the objective redesign moved no result.

``tests/data/golden`` holds what the harness wrote before the redesign (schema 1, tables
read through ``TabularBenchmark``) for one fixed command: every evaluation of every run, and
the report's stats.json. The same command now must reproduce every evaluation exactly and
every number of stats.json (keys added since are allowed; versions may differ).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from harness import ResultsStore
from harness.cli import main

GOLDEN = Path(__file__).parent / "data" / "golden"
COMMAND = [
    "compare",
    "--space", "nb201/cifar10", "--space", "fcnet/protein",
    "--strategy", "random", "--strategy", "evolution", "--strategy", "tpe",
    "--seeds", "6", "--budget", "30",
]  # fmt: skip
# Provenance of the software, not results: allowed to change.
VOLATILE = {("versions",), ("source", "harness_versions_of_runs"), ("source", "schema_version")}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "cmp"
    assert main([*COMMAND, "--workers", "2", "--out", str(out), "--quiet"]) == 0
    return out


def test_every_evaluation_is_unchanged(comparison: Path) -> None:
    before = pd.read_csv(GOLDEN / "evaluations.csv")
    with ResultsStore(comparison, create=False) as store:
        now = store.evaluations()
    now = now.rename(columns={"incumbent_value": "incumbent_oracle"})[before.columns]
    now = now.sort_values(["space", "strategy", "seed", "step"]).reset_index(drop=True)
    assert len(now) == len(before) == 3 * 2 * 6 * 30
    for column in ("strategy", "space", "seed", "step", "config_index", "incumbent_index"):
        assert now[column].tolist() == before[column].tolist(), column
    for column in ("value", "cost_seconds", "cumulative_cost_seconds", "incumbent_oracle"):
        np.testing.assert_array_equal(now[column].to_numpy(), before[column].to_numpy(), column)
    np.testing.assert_allclose(now["regret"], before["regret"], rtol=0, atol=1e-12)


def _numbers_equal(before: Any, now: Any, path: tuple[str, ...], problems: list[str]) -> None:
    if path in VOLATILE:
        return
    if isinstance(before, dict):
        if not isinstance(now, dict):
            problems.append(f"{'/'.join(path)}: was an object")
            return
        for key, value in before.items():
            if key not in now:
                problems.append(f"{'/'.join((*path, key))}: missing")
            else:
                _numbers_equal(value, now[key], (*path, key), problems)
    elif isinstance(before, list):
        if not isinstance(now, list) or len(now) != len(before):
            problems.append(f"{'/'.join(path)}: list changed")
            return
        for i, (b, n) in enumerate(zip(before, now, strict=True)):
            _numbers_equal(b, n, (*path, str(i)), problems)
    elif isinstance(before, float) and isinstance(now, float):
        if not (before == now or (math.isnan(before) and math.isnan(now))):
            if not math.isclose(before, now, rel_tol=1e-12, abs_tol=1e-12):
                problems.append(f"{'/'.join(path)}: {before!r} -> {now!r}")
    elif before != now and not isinstance(before, str):
        problems.append(f"{'/'.join(path)}: {before!r} -> {now!r}")


def test_every_number_of_stats_json_is_unchanged(comparison: Path) -> None:
    before = json.loads((GOLDEN / "stats.json").read_text())
    now = json.loads((comparison / "stats.json").read_text())
    problems: list[str] = []
    _numbers_equal(before, now, (), problems)
    assert not problems, "\n".join(problems[:20])
