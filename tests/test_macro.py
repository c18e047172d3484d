"""``macro/cifar10``: NAS-Bench-Macro's table, converted once and shipped (issue 13, item 1)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from cli import main
from spaces import _registry as registry_module
from spaces import _shipped, available_spaces, load_objective, space_info
from spaces._shipped import SHIPPED_DIR, ShippedTableError, read_shipped
from spaces.sources.tabular_macro import (
    LAYER_OPS,
    N_DISTINCT_NETWORKS,
    TABLE_STEM,
    load_macro,
)

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data" / "nas-bench-macro"
MACRO_SHA256 = "c34e96d8e4759c6c90a8aa40a32be33f2c1722f6fc714f7210483e57c596b121"
"""The shipped table's checksum: a rebuild or an edit that changes one byte must change this."""
needs_raw = pytest.mark.skipif(
    not (RAW / "nas-bench-macro_cifar10.json").is_file(),
    reason="the upstream NAS-Bench-Macro file is not in ../shared/data",
)


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_macro", REPO / "scripts/build_macro_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_table_has_its_fixed_checksum_and_licence() -> None:
    _, meta = read_shipped(TABLE_STEM)
    assert meta["sha256"] == MACRO_SHA256
    assert load_macro().checksum == MACRO_SHA256
    licence = (SHIPPED_DIR / "LICENSE.nas-bench-macro").read_text()
    assert "Apache License" in licence
    assert "Xiu Su" in licence


@needs_raw
def test_building_twice_gives_identical_bytes_equal_to_the_shipped_table(tmp_path: Path) -> None:
    script = build_script()
    first = script.build(RAW, tmp_path / "a")
    second = script.build(RAW, tmp_path / "b")
    assert first == second == MACRO_SHA256
    for name in (f"{TABLE_STEM}.npz", f"{TABLE_STEM}.json", "LICENSE.nas-bench-macro"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()


@needs_raw
def test_every_architecture_agrees_with_the_upstream_json() -> None:
    raw = json.loads((RAW / "nas-bench-macro_cifar10.json").read_text())
    table = load_macro()
    assert len(raw) == table.space.n_configs == 3**8
    for key, entry in raw.items():
        config = tuple(int(c) for c in key)
        np.testing.assert_array_equal(table.recorded(config), entry["test_acc"])
        row = table.space.index(config)
        assert table.runs["params"][row, 0] == entry["params"]
        assert table.runs["flops"][row, 2] == entry["flops"]
        assert table.oracle[row] == pytest.approx(entry["mean_acc"], abs=1e-9)


def test_space_metrics_and_what_the_source_lacks() -> None:
    table = load_objective("macro/cifar10")
    assert "macro/cifar10" in available_spaces()
    assert table.space.names == tuple(f"layer{i}" for i in range(1, 9))
    assert all(d.choices == LAYER_OPS for d in table.space.dimensions)
    assert set(table.info.metrics) == {"test_acc", "params", "flops"}
    assert table.search_metric == "test_acc"
    assert table.info.test_metric is None  # there is no validation metric to search instead
    assert table.info.report_metric == "test_acc"  # reports score the seed-mean (the oracle)
    assert table.info.reported is None
    assert table.info.fidelities == ()
    assert "no validation accuracy" in table.info.provenance.source
    assert "no validation accuracy" in space_info("macro/cifar10").provenance.notes
    assert table.max_seeds == 3
    assert int(table.n_seeds.min()) == 3
    assert not table.costs.any()  # no training time recorded
    # The best mean over three seeds is 93.13 % (upstream's statistics), the worst 45.36 %.
    assert table.optimum == pytest.approx(93.12666, abs=1e-4)
    assert "".join(map(str, table.space.config(table.optimum_index))) == "22212202"
    assert float(np.min(table.oracle)) == pytest.approx(45.36333, abs=1e-4)


def test_identity_placements_that_give_the_same_network_have_identical_results() -> None:
    table = load_macro()
    rows = np.column_stack([table.values, table.runs["params"][:, 0], table.runs["flops"][:, 0]])
    assert len(np.unique(rows, axis=0)) == N_DISTINCT_NETWORKS == 3_969
    same = ["22220110", "22202101", "22202110", "22220101"]
    recorded = [table.recorded(tuple(int(c) for c in key)) for key in same]
    for other in recorded[1:]:
        np.testing.assert_array_equal(other, recorded[0])


def test_compare_runs_on_macro_and_a_seconds_budget_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "--space", "macro/cifar10", "--strategy", "random", "--seeds", "2"]
    assert main([*args, "--budget", "20", "--workers", "0", "--out", str(out), "--quiet"]) == 0
    assert "macro/cifar10: final regret after 20 evaluations" in capsys.readouterr().out
    code = main([*args, "--budget-seconds", "100", "--out", str(tmp_path / "s"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "records zero training costs" in err


def test_a_table_failing_its_checksum_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "tables"
    shutil.copytree(SHIPPED_DIR, damaged)
    data = bytearray((damaged / f"{TABLE_STEM}.npz").read_bytes())
    data[-100] ^= 1  # one bit of one accuracy
    (damaged / f"{TABLE_STEM}.npz").write_bytes(bytes(data))
    monkeypatch.setattr(_shipped, "SHIPPED_DIR", damaged)
    monkeypatch.setattr(registry_module, "_loaded", {})
    with pytest.raises(ShippedTableError, match="does not match"):
        load_macro()
    out = tmp_path / "cmp"
    code = main(["compare", "--space", "macro/cifar10", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "macro-cifar10.npz: checksum" in err
    assert "damaged" in err
    assert not (out / "results.sqlite").exists()
    (damaged / f"{TABLE_STEM}.npz").unlink()
    with pytest.raises(ShippedTableError, match="cannot be read"):
        load_macro()


def test_list_shows_source_licence_seeds_fidelities_metrics_and_optimum() -> None:
    from rich.console import Console

    from cli._list import _wide as _cmd_list

    console = Console(width=500, record=True)
    assert _cmd_list(console) == 0
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in console.export_text().splitlines()
        if line.startswith("│")
    }
    source, licence, configs, _, seeds, fidelities, metrics, known = rows["macro/cifar10"]
    assert source.startswith("NAS-Bench-Macro")
    assert "no validation accuracy" in source
    assert licence.startswith("Apache-2.0")
    assert configs == "6,561 (8 dimensions)"
    assert seeds == "3"
    assert fidelities == "-"
    assert metrics == "search test_acc (max) / report test_acc; also params, flops"
    assert known == "yes"
    nb201 = rows["nb201/cifar100"]
    assert nb201[5] == "12, 200 epochs"
    assert nb201[6].startswith("search val_acc@200 (max) / report val_acc@200; test test_acc@12")
    assert "MIT" in nb201[1]
    assert rows["synthetic/open"][-1] == "no"
    assert rows["nasbench-graph/cora"][6].startswith("search val_acc (max) / report test_acc")
