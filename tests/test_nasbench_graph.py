"""``nasbench-graph/<dataset>`` (issue 13, item 4): NAS-Bench-Graph's tables, shipped converted.

Everything but the comparison with upstream's own files runs without the optional extra
``graph`` (CI does not install it); those comparisons skip without it.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from cli import main
from spaces import ShippedTableError, _shipped, available_spaces, load_objective, space_info
from spaces import _registry as registry_module
from spaces._shipped import SHIPPED_DIR, read_shipped
from spaces.sources import tabular_graph
from spaces.sources.tabular_graph import DATASETS, N_UNTRAINED, load_graph, table_stem

REPO = Path(__file__).resolve().parents[1]
installed = importlib.util.find_spec("nas_bench_graph") is not None
needs_extra = pytest.mark.skipif(not installed, reason="the graph extra is not installed")
SHA256 = {
    "cora": "2b2da8a4d6fe55540383990c9b36397dde7c82d438044a87e3856b3223e62e32",
    "citeseer": "ff433bbc4ce75c390ca557fad17e0ef6702867dc28cbc97be8fa7bfe5991b917",
    "pubmed": "1536a2f38432ea959b0549c06d14bc313b90fd2f8cf1168abd4e25add77d89ee",
    "cs": "536dbd5c30e634aa9c5a143803635476b97adfd39dee6d6a588090778722b3fd",
    "physics": "30445f1bce19f1f43597a02766cb058b3aaf9f195ae9f8c3f3ee24e26a7e22f7",
    "photo": "ab1b621327aec57d2b0f566347a8e82af9b8abf25aa0e9ab8a67ff2480ecc9ed",
    "computers": "6e3f74d4f9046cb825772a581c788cad0e5b9175a0809935f3b721de2a0a215c",
    "arxiv": "c318bdd1c2908bdd05711df88da03ae1515967286089d19b82ad56b71490e394",
    "proteins": "14743037ede1b2582542d98a50d1b79f629367c40b20aae1b1f17b5f10c28421",
}
"""The shipped tables' checksums (converted from nas-bench-graph 1.4.0, deflated by zlib
1.2.13): a rebuild or an edit that changes one byte must change these."""


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_graph", REPO / "scripts/build_graph_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def untrained_rows(dataset: str) -> list[int]:
    space = tabular_graph.graph_space(dataset)
    return [
        i
        for i, c in enumerate(space.all_configs())
        if {v for k, v in space.values(c).items() if k != "link"} == {"skip"}
    ]


def test_the_nine_spaces_are_listed() -> None:
    names = [n for n in available_spaces() if n.startswith("nasbench-graph/")]
    assert names == [f"nasbench-graph/{d}" for d in DATASETS]
    info = space_info("nasbench-graph/cora")
    assert info.space.n_configs == 9 * 9**4
    assert space_info("nasbench-graph/proteins").space.n_configs == 9 * 5**4
    assert info.test_metric == "test_acc"
    assert info.provenance.licence.startswith("Apache-2.0")
    assert "converted from nas-bench-graph 1.4.0 by scripts/build_graph_tables.py" in (
        info.provenance.package
    )


def test_the_licence_ships_beside_the_tables() -> None:
    licence = (SHIPPED_DIR / "LICENSE.nas-bench-graph").read_text()
    assert "Apache License" in licence
    assert "Version 2.0" in licence


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_shipped_table_loads_without_the_extra(
    dataset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither the package nor its files may be touched: importing it fails, finding it raises.
    monkeypatch.setitem(sys.modules, "nas_bench_graph", None)

    def no_upstream(dataset: str) -> Path:
        raise AssertionError("loading read the upstream package")

    monkeypatch.setattr(tabular_graph, "upstream_file", no_upstream)
    monkeypatch.setattr(registry_module, "_loaded", {})
    table = load_objective(f"nasbench-graph/{dataset}")
    arrays, meta = read_shipped(table_stem(dataset))
    assert table.checksum == meta["sha256"] == SHA256[dataset]
    assert meta["package_version"] == "1.4.0"
    assert meta["compression"].startswith("deflate level 9")
    space = table.space
    n_ops = 5 if dataset == "proteins" else 9
    assert space.n_configs == meta["n_points"] == 9 * n_ops**4
    assert table.info.search_metric == "val_acc"
    assert table.info.reported == "test_acc"

    # The canonical mapping, as far as the shipped arrays show it: the all-skip points, and
    # no other, are untrained (NaN everywhere, hash -1); every other point answers a
    # recorded architecture, and points mapped to the same one answer the same numbers.
    untrained = untrained_rows(dataset)
    assert len(untrained) == N_UNTRAINED == meta["n_untrained_points"]
    canonical = arrays["canonical_hash"]
    assert np.flatnonzero(canonical < 0).tolist() == untrained
    for metric in ("val_acc", "test_acc", "latency", "params"):
        assert np.flatnonzero(np.isnan(table.runs[metric][:, 0])).tolist() == untrained
    assert np.flatnonzero(np.isnan(table.oracle)).tolist() == untrained
    trained = canonical >= 0
    hashes, first = np.unique(canonical[trained], return_index=True)
    assert len(hashes) == meta["n_architectures"] == (2_021 if dataset == "proteins" else 26_206)
    rows = np.flatnonzero(trained)
    inverse = np.searchsorted(hashes, canonical[trained])
    for metric in ("val_acc", "test_acc", "latency", "params"):
        values = table.runs[metric][rows, 0]
        np.testing.assert_array_equal(values, values[first][inverse])
    assert table.optimum == np.nanmax(table.runs["val_acc"])
    accuracy = table.runs["test_acc"][rows, 0]
    assert ((accuracy >= 0) & (accuracy <= 1)).all()


def test_isomorphic_points_answer_alike() -> None:
    table = load_objective("nasbench-graph/citeseer")
    space = table.space
    # Three nodes on the input and a fourth on the first: swapping nodes 2 and 3 is the same
    # network.
    a = space.from_values({"link": "0001", "op1": "gcn", "op2": "gat", "op3": "gin", "op4": "fc"})
    b = space.from_values({"link": "0001", "op1": "gcn", "op2": "gin", "op3": "gat", "op4": "fc"})
    assert table.recorded(a).tolist() == table.recorded(b).tolist()
    arrays, _ = read_shipped(table_stem("citeseer"))
    assert arrays["canonical_hash"][space.index(a)] == arrays["canonical_hash"][space.index(b)]


def test_compare_runs_on_a_graph_space_with_an_empty_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(cache))
    monkeypatch.setattr(registry_module, "_loaded", {})
    out = tmp_path / "cmp"
    args = ["compare", "--space", "nasbench-graph/cora", "--strategy", "random", "--workers", "0"]
    assert main([*args, "--seeds", "2", "--budget", "10", "--out", str(out), "--quiet"]) == 0
    # Searched on val_acc, ranked on test_acc (the space's report metric), whose optimum the
    # table knows.
    text = capsys.readouterr().out
    assert "nasbench-graph/cora: final test_acc regret (report metric) after 10 evaluations" in text
    assert "(search" in text  # the search metric's column (its header may wrap)
    assert (out / "results.sqlite").is_file()
    assert not (cache / "tables").exists()  # nothing converted at run time


def test_a_damaged_or_missing_shipped_table_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "tables"
    shutil.copytree(SHIPPED_DIR, damaged)
    stem = table_stem("pubmed")
    data = bytearray((damaged / f"{stem}.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (damaged / f"{stem}.npz").write_bytes(bytes(data))
    with pytest.raises(ShippedTableError, match="does not match") as error:
        load_graph("nasbench-graph/pubmed", directory=damaged)
    assert f"{stem}.npz" in str(error.value)
    assert "\n" not in str(error.value)
    monkeypatch.setattr(_shipped, "SHIPPED_DIR", damaged)
    monkeypatch.setattr(registry_module, "_loaded", {})
    out = tmp_path / "cmp"
    code = main(["compare", "--space", "nasbench-graph/pubmed", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert f"{stem}.npz: checksum" in err
    assert not (out / "results.sqlite").exists()
    (damaged / f"{stem}.npz").unlink()
    with pytest.raises(ShippedTableError, match=rf"{stem}\.npz cannot be read") as error:
        load_graph("nasbench-graph/pubmed")
    assert "\n" not in str(error.value)


@needs_extra
def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    script = build_script()
    first = script.build(tmp_path / "a", ("cora",))
    second = script.build(tmp_path / "b", ("cora",))
    assert first == second
    stem = table_stem("cora")
    names = (f"{stem}.npz", f"{stem}.json", "LICENSE.nas-bench-graph")
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    if zlib.ZLIB_RUNTIME_VERSION == "1.2.13":  # the zlib that deflated the shipped tables
        assert first["cora"] == SHA256["cora"]
        for name in names:
            assert (tmp_path / "a" / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()


@needs_extra
def test_the_shipped_licence_is_upstreams() -> None:
    import importlib.metadata

    dist = importlib.metadata.distribution("nas-bench-graph")
    files = {str(f) for f in dist.files or []}
    assert {f"nas_bench_graph/light/{d}.bench" for d in DATASETS} <= files
    licence = next(f for f in dist.files or [] if f.name == "LICENSE")
    assert licence.read_text() == (SHIPPED_DIR / "LICENSE.nas-bench-graph").read_text()


@needs_extra
@pytest.mark.parametrize("dataset", DATASETS)
def test_every_point_answers_its_canonical_recorded_architecture(dataset: str) -> None:
    from nas_bench_graph import Arch, light_read  # the upstream lookup, as a reference

    table = load_objective(f"nasbench-graph/{dataset}")
    meta = json.loads((SHIPPED_DIR / f"{table_stem(dataset)}.json").read_text())
    source = tabular_graph.upstream_file(dataset)
    assert source is not None
    assert meta["upstream_sha256"] == _shipped.sha256_bytes(source.read_bytes())
    space = table.space
    untrained = untrained_rows(dataset)
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
