"""Convert NAS-Bench-Macro's CIFAR-10 JSON into the table ``macro/cifar10`` reads.

Reads ``nas-bench-macro_cifar10.json`` (github.com/xiusu/NAS-Bench-Macro, Apache-2.0) and
its LICENSE from ``--source`` and writes ``spaces/tables/macro-cifar10.npz`` (test accuracy
per training seed, parameters and FLOPs, in the space's row order: the upstream key read as
a base-3 number), its ``.json`` and ``LICENSE.nas-bench-macro``. The output is
byte-for-byte deterministic. Run from the repository root::

    python scripts/build_macro_table.py --source ../shared/data/nas-bench-macro
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from spaces import SHIPPED_DIR, write_shipped
from spaces.sources.tabular_macro import LAYER_OPS, N_LAYERS, TABLE_STEM, macro_space

UPSTREAM_FILE = "nas-bench-macro_cifar10.json"
UPSTREAM = "github.com/xiusu/NAS-Bench-Macro, commit 61a2bfc2ca0dce04d0997e6cf498047c27d6acf2"
N_SEEDS = 3


def convert(raw: dict[str, Any]) -> dict[str, np.ndarray[Any, Any]]:
    """The table's arrays from the parsed upstream JSON, every key checked."""
    space = macro_space()
    if len(raw) != space.n_configs:
        raise ValueError(f"{len(raw)} architectures, expected {space.n_configs}")
    test_acc = np.full((space.n_configs, N_SEEDS), np.nan)
    params = np.full(space.n_configs, np.nan)
    flops = np.full(space.n_configs, np.nan)
    digits = "".join(str(i) for i in range(len(LAYER_OPS)))
    for key, entry in raw.items():
        if len(key) != N_LAYERS or set(key) - set(digits):
            raise ValueError(f"key {key!r} is not {N_LAYERS} digits of {digits}")
        row = space.index(tuple(int(c) for c in key))
        if len(entry["test_acc"]) != N_SEEDS:
            raise ValueError(f"{key}: {len(entry['test_acc'])} training runs, expected {N_SEEDS}")
        test_acc[row] = entry["test_acc"]
        params[row] = entry["params"]
        flops[row] = entry["flops"]
        if not np.isclose(np.mean(entry["test_acc"]), entry["mean_acc"], rtol=0, atol=1e-6):
            raise ValueError(f"{key}: mean_acc {entry['mean_acc']} is not the mean of test_acc")
    if np.isnan(test_acc).any() or np.isnan(params).any() or np.isnan(flops).any():
        raise ValueError("some configs have no entry")
    return {"test_acc": test_acc, "params": params, "flops": flops}


def build(source: Path, out: Path = SHIPPED_DIR) -> str:
    """Convert ``source`` into ``out``; returns the table's SHA-256."""
    path = source / UPSTREAM_FILE
    data = path.read_bytes()
    arrays = convert(json.loads(data))
    meta = {
        "space": "macro/cifar10",
        "source": "NAS-Bench-Macro (Su et al., Prioritized Architecture Sampling with "
        "Monte-Carlo Tree Search, CVPR 2021)",
        "upstream": f"{UPSTREAM}, file data/{UPSTREAM_FILE} (unchanged)",
        "upstream_sha256": hashlib.sha256(data).hexdigest(),
        "licence": "Apache-2.0 (LICENSE.nas-bench-macro, copied from upstream)",
        "built_by": "scripts/build_macro_table.py",
        "arrays": {
            "test_acc": "CIFAR-10 test accuracy (percent) of each of 3 training runs, (6561, 3)",
            "params": "parameters, (6561,)",
            "flops": "FLOPs, (6561,)",
        },
        "row_order": "the upstream key read as a base-3 number (layer1 is the first digit)",
        "layer_ops": list(LAYER_OPS),
    }
    checksum = write_shipped(TABLE_STEM, arrays, meta, directory=out)
    shutil.copyfile(source / "LICENSE", out / "LICENSE.nas-bench-macro")
    return checksum


def main() -> None:
    """Build the table and print where it went and its checksum."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data/nas-bench-macro"))
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    args = parser.parse_args()
    checksum = build(args.source, args.out)
    print(f"wrote {args.out / (TABLE_STEM + '.npz')} sha256 {checksum}")


if __name__ == "__main__":
    main()
