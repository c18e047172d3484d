"""Convert the installed nas-bench-graph's tables into the arrays ``nasbench-graph/*`` read.

NAS-Bench-Graph (PyPI ``nas-bench-graph``, Apache-2.0, THUMNLab) ships one pickle per data
set; the harness never loads a pickle, so this maintainers' script does it at build time and
writes, per data set, ``nasbench-graph-<dataset>.npz`` with its ``.json`` into ``--out``
(default: the package's ``spaces/tables``, where they ship), plus upstream's licence text as
``LICENSE.nas-bench-graph``: validation and test accuracy, latency and parameters of every
point of the product space (``link`` x ``op1..op4``), each point mapped to its canonical
architecture by upstream's own ``Arch.valid_hash``. The tables are deflated (19 MB of arrays,
about 4 MB shipped), deterministically. Users never run this; to rebuild, from the
repository root::

    pip install -e ".[graph]"
    python scripts/build_graph_tables.py
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from spaces import SHIPPED_DIR, write_shipped
from spaces.sources.tabular_graph import (
    DATASETS,
    INSTALL_LINE,
    LINKS,
    METRICS,
    PACKAGE,
    SOURCE_KEYS,
    graph_space,
    installed_version,
    table_stem,
    upstream_file,
)

LICENSE_NAME = "LICENSE.nas-bench-graph"


def convert(dataset: str) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, Any]]:
    """The arrays of ``dataset``'s space and what its ``.json`` records.

    Raises:
        ValueError: A point other than the all-skip ones has no recorded architecture.
    """
    from nas_bench_graph import Arch, light_read  # the extra; pickles: build time only

    bench = light_read(dataset)
    space = graph_space(dataset)
    n = space.n_configs
    out = {metric: np.full(n, np.nan) for metric in METRICS}
    canonical = np.full(n, -1, dtype=np.int64)
    untrained = 0
    for row, config in enumerate(space.all_configs()):
        values = space.values(config)
        link = list(LINKS[config[0]])
        ops = [str(values[f"op{i}"]) for i in range(1, 5)]
        key = Arch(link, ops).valid_hash()
        entry = bench.get(key)
        if entry is None:
            if set(ops) != {"skip"}:
                raise ValueError(f"{dataset}: {link} {ops} (hash {key}) is not recorded")
            untrained += 1
            continue
        canonical[row] = key
        for metric, source_key in SOURCE_KEYS.items():
            out[metric][row] = float(entry[source_key])
    recorded = canonical >= 0
    meta = {
        "space": f"nasbench-graph/{dataset}",
        "source": "NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets and Benchmarks)",
        "package": PACKAGE,
        "package_version": installed_version(),
        "upstream_file": f"nas_bench_graph/light/{dataset}.bench",
        "licence": f"Apache-2.0 ({LICENSE_NAME}, copied from the nas-bench-graph wheel)",
        "built_by": "scripts/build_graph_tables.py",
        "n_points": n,
        "n_architectures": len(np.unique(canonical[recorded])),
        "n_untrained_points": untrained,
        "metrics": dict(SOURCE_KEYS),
        "arrays": {
            **{
                m: f"upstream's {k} of each point's canonical architecture"
                for m, k in SOURCE_KEYS.items()
            },
            "canonical_hash": "upstream's Arch.valid_hash of each point; -1 where not trained",
        },
        "row_order": "the space's: link, op1, ..., op4, the last varying fastest; NaN = untrained",
    }
    return {**out, "canonical_hash": canonical}, meta


def upstream_licence() -> Path:
    """The LICENSE file of the installed nas-bench-graph (in its dist-info)."""
    files = importlib.metadata.distribution(PACKAGE).files or []
    licence = next((f for f in files if f.name == "LICENSE"), None)
    if licence is None:
        raise SystemExit(f"the installed {PACKAGE} has no LICENSE file")
    return Path(str(licence.locate()))


def build(out: Path = SHIPPED_DIR, datasets: tuple[str, ...] = DATASETS) -> dict[str, str]:
    """Convert ``datasets`` into ``out``, with the licence; returns each table's SHA-256."""
    checksums = {}
    for dataset in datasets:
        source = upstream_file(dataset)
        if source is None:
            raise SystemExit(f"nas-bench-graph is not installed: {INSTALL_LINE}")
        arrays, meta = convert(dataset)
        meta["upstream_sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
        checksums[dataset] = write_shipped(
            table_stem(dataset), arrays, meta, directory=out, compress=True
        )
    shutil.copyfile(upstream_licence(), out / LICENSE_NAME)
    return checksums


def main() -> None:
    """Convert every data set (or those named) and print the checksums."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR, help="default: spaces/tables")
    parser.add_argument("datasets", nargs="*", choices=[*DATASETS, []], default=[])
    args = parser.parse_args()
    out = args.out
    for dataset, checksum in build(out, tuple(args.datasets) or DATASETS).items():
        print(f"{out / table_stem(dataset)}.npz sha256 {checksum}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
