"""The scripts in scripts/ that the docs use: they run, and agree with the harness."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from harness import ResultsStore

ROOT = Path(__file__).resolve().parents[1]


def small_table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = [
        {
            "width": w,
            "depth": d,
            "act": a,
            "objective": 0.8 + w / 1000 - d / 50 + rng.normal(0, 0.01),
        }
        for w, d, a in itertools.product([16, 32, 64, 128], [1, 2, 3], ["relu", "tanh"])
        for _ in range(2)
    ]
    path = tmp_path / "t.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_disjoint_seed_check_uses_the_seeding_of_compare(tmp_path: Path) -> None:
    space = f"table:{small_table(tmp_path)}"
    common = ["--space", space, "--seeds", "6", "--budget", "8"]
    script = ROOT / "scripts" / "disjoint_seed_check.py"
    done = subprocess.run(
        [sys.executable, str(script), "random", "--baseline", "local-search", *common]
        + ["--first-seed", "100", "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "random vs local-search, seeds 100..105:" in done.stdout
    assert re.search(r"significantly lower on \d of 1 spaces", done.stdout)
    printed = re.search(r"table:\S+\s+(\S+) vs\s+(\S+)", done.stdout)
    assert printed is not None

    out = tmp_path / "cmp"
    subprocess.run(
        [sys.executable, "-m", "harness", "compare", *common, "--first-seed", "100"]
        + ["--strategy", "random", "--strategy", "local-search", "--workers", "1"]
        + ["--out", str(out), "--quiet"],
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    with ResultsStore(out, create=False) as store:
        runs = store.runs()
    assert sorted(set(runs["seed"])) == list(range(100, 106))
    means = runs.groupby("strategy")["final_regret"].mean()
    assert float(printed.group(1)) == float(f"{means['random']:.4g}")
    assert float(printed.group(2)) == float(f"{means['local-search']:.4g}")
