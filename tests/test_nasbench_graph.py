"""``nasbench-graph/<dataset>`` (issue 13, item 4): the optional extra ``graph``.

The tests that need the package skip without it; the refusal without it always runs.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from harness.cli import main
from spaces import ShippedTableError, available_spaces, load_objective, space_info
from spaces import _registry as registry_module
from spaces.sources import tabular_graph
from spaces.sources.tabular_graph import DATASETS, N_UNTRAINED, table_stem, tables_dir

REPO = Path(__file__).resolve().parents[1]
installed = importlib.util.find_spec("nas_bench_graph") is not None
needs_extra = pytest.mark.skipif(not installed, reason="the graph extra is not installed")
CORA_SHA256 = "c34129f7ae52cc3b4a93abfa64d0d56c8b24d3115680494fc3a142bb6b83bc3e"
"""Checksum of the cora table converted from nas-bench-graph 1.4.0."""


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_graph", REPO / "scripts/build_graph_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def converted() -> dict[str, str]:
    """Every data set converted once into this test session's cache."""
    if not installed:
        pytest.skip("the graph extra is not installed")
    checksums: dict[str, str] = build_script().build(tables_dir())
    return checksums


def test_the_nine_spaces_are_listed_whether_installed_or_not() -> None:
    names = [n for n in available_spaces() if n.startswith("nasbench-graph/")]
    assert names == [f"nasbench-graph/{d}" for d in DATASETS]
    info = space_info("nasbench-graph/cora")
    assert info.space.n_configs == 9 * 9**4
    assert space_info("nasbench-graph/proteins").space.n_configs == 9 * 5**4
    assert info.test_metric == "test_acc"
    assert info.provenance.licence.startswith("Apache-2.0")


def test_without_the_extra_loading_is_one_line_naming_the_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tabular_graph, "upstream_file", lambda dataset: None)
    monkeypatch.setattr(registry_module, "_loaded", {})
    with pytest.raises(ShippedTableError, match=r"needs the optional extra nas-bench-graph"):
        load_objective("nasbench-graph/cora")
    code = main(["compare", "--space", "nasbench-graph/pubmed", "--out", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert 'pip install -e ".[graph]"' in err
    assert not (tmp_path / "c").exists()


@needs_extra
def test_installed_but_not_converted_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(registry_module, "_loaded", {})
    with pytest.raises(ShippedTableError, match=r"python scripts/build_graph_tables\.py once"):
        load_objective("nasbench-graph/cora")


@needs_extra
def test_the_licence_and_data_ship_in_the_installed_package() -> None:
    import importlib.metadata

    dist = importlib.metadata.distribution("nas-bench-graph")
    files = {str(f) for f in dist.files or []}
    assert {f"nas_bench_graph/light/{d}.bench" for d in DATASETS} <= files
    licence = next(f for f in dist.files or [] if f.name == "LICENSE")
    assert "Apache License" in licence.read_text()
    assert dist.metadata["Classifier"] is not None


@needs_extra
def test_converting_twice_gives_identical_bytes(converted: dict[str, str], tmp_path: Path) -> None:
    again = build_script().build(tmp_path, ("cora",))
    assert again["cora"] == converted["cora"] == CORA_SHA256
    stem = table_stem("cora")
    for suffix in (".npz", ".json"):
        assert (tmp_path / f"{stem}{suffix}").read_bytes() == (
            tables_dir() / f"{stem}{suffix}"
        ).read_bytes()


@needs_extra
@pytest.mark.parametrize("dataset", DATASETS)
def test_every_point_answers_its_canonical_recorded_architecture(
    converted: dict[str, str], dataset: str
) -> None:
    from nas_bench_graph import Arch, light_read  # the upstream lookup, as a reference

    table = load_objective(f"nasbench-graph/{dataset}")
    meta = json.loads((tables_dir() / f"{table_stem(dataset)}.json").read_text())
    assert meta["n_architectures"] == (2_021 if dataset == "proteins" else 26_206)
    assert meta["n_untrained_points"] == N_UNTRAINED
    space = table.space
    untrained = [
        i
        for i, c in enumerate(space.all_configs())
        if set(space.values(c).values()) - {space.values(c)["link"]} == {"skip"}
    ]
    assert len(untrained) == N_UNTRAINED
    nan = np.flatnonzero(np.isnan(table.oracle))
    assert nan.tolist() == untrained  # the all-skip points, and no other, answer NaN
    bench = light_read(dataset)
    rng = np.random.default_rng(7)
    for row in rng.choice(space.n_configs, size=200, replace=False):
        if row in untrained:
            continue
        values = space.values(space.config(int(row)))
        arch = Arch(
            [int(c) for c in str(values["link"])], [str(values[f"op{i}"]) for i in range(1, 5)]
        )
        entry = bench[arch.valid_hash()]
        assert table.values[row, 0] == entry["valid_perf"]
        assert table.runs["test_acc"][row, 0] == entry["perf"]
        assert table.runs["latency"][row, 0] == entry["latency"]
        assert table.runs["params"][row, 0] == entry["para"]
    assert table.optimum == max(v["valid_perf"] for v in bench.values())


@needs_extra
def test_isomorphic_points_answer_alike(converted: dict[str, str]) -> None:
    table = load_objective("nasbench-graph/citeseer")
    space = table.space
    # Three nodes on the input and a fourth on the first: swapping nodes 2 and 3 is the same
    # network.
    a = space.from_values({"link": "0001", "op1": "gcn", "op2": "gat", "op3": "gin", "op4": "fc"})
    b = space.from_values({"link": "0001", "op1": "gcn", "op2": "gin", "op3": "gat", "op4": "fc"})
    assert table.recorded(a).tolist() == table.recorded(b).tolist()
    assert table.info.search_metric == "val_acc"
    assert table.info.reported == "test_acc"


@needs_extra
def test_a_table_converted_from_another_package_is_refused(
    converted: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular_graph, "file_checksum", lambda path: "0" * 64)
    monkeypatch.setattr(registry_module, "_loaded", {})
    with pytest.raises(ShippedTableError, match="converted from another nas-bench-graph"):
        load_objective("nasbench-graph/cora")


@needs_extra
def test_compare_runs_on_a_graph_space(
    converted: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "--space", "nasbench-graph/cora", "--strategy", "random"]
    assert main([*args, "--seeds", "2", "--budget", "10", "--out", str(out), "--quiet"]) == 0
    # Searched on val_acc, ranked on test_acc (the space's report metric), whose optimum the
    # table knows.
    text = capsys.readouterr().out
    assert "nasbench-graph/cora: final test_acc regret (report metric) after 10 evaluations" in text
    assert "(search" in text  # the search metric's column (its header may wrap)
    assert os.path.isfile(out / "results.sqlite")
