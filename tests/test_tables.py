from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spaces import TableError, TableOptions, load_table


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


def test_nan_objective_names_line_and_column(tmp_path: Path) -> None:
    frame = grid_frame()
    frame.loc[4, "accuracy"] = np.nan
    path = write_csv(tmp_path, frame)
    with pytest.raises(TableError, match=r"t\.csv line 6, column 'accuracy': '' is not a number"):
        load_table(path, TableOptions(objective="accuracy"))


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
