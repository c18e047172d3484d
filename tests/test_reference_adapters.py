"""The adapters agree with their libraries' own loops (issue 40).

``scripts/reference_adapters.py`` runs each library's own optimisation loop outside the
harness on a recorded table and compares its final regrets with the adapter's runs through
the harness (two-sample Mann-Whitney U and Kolmogorov-Smirnov, z). The committed check
(docs/strategies.md, "Adapters") is 20 seeds x 100 evaluations for every adapter; here the two
cheapest, pymoo and DEHB, over 20 other seeds at 50 evaluations, and the script's printout
and one-line refusals.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SEEDS = range(2000, 2020)  # the committed check uses 1000..1019
ALPHA = 0.05


def _load_script() -> ModuleType:
    return load_script("reference_adapters")


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


pytestmark = pytest.mark.skipif(
    not _installed("pymoo", "dehb"), reason='needs pip install "nas-harness[pymoo,dehb]"'
)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    ra = _load_script()
    pairs = ra.run_pairs(["pymoo", "dehb"], "nb201/cifar10", SEEDS, 50)
    return dict(pairs)


@pytest.mark.parametrize("name", ["pymoo", "dehb"])
def test_the_adapter_agrees_with_the_library_loop(results: dict[str, Any], name: str) -> None:
    agreement = results[name]
    assert len(agreement.harness) == len(agreement.reference) == len(SEEDS)
    assert agreement.mann_whitney_p > ALPHA / 2, agreement
    assert agreement.ks_p > ALPHA / 2, agreement
    assert abs(agreement.z) <= 2.0, agreement


def test_the_script_prints_one_line_per_adapter_and_refuses_bad_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ra = _load_script()
    argv = ["--seeds", "2", "--budget", "8", "--workers", "1", "--adapter", "pymoo"]
    assert ra.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("nb201/cifar10: final regret after 8 evaluations, seeds 1000..1001")
    assert out[2].split()[0] == "pymoo"
    for bad, named in (
        (["--space", "nope"], "'nope'"),
        (["--adapter", "dehb", "--space", "fcnet/protein"], "several fidelities"),
        (["--space", "synthetic/open"], "no known optimum"),
    ):
        with pytest.raises(SystemExit) as info:
            ra.main(bad)
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("reference_adapters.py: error:")
        assert named in err[-1]
