"""``nasbench-graph/<dataset>``: NAS-Bench-Graph's GNN architectures on 9 graph data sets.

NAS-Bench-Graph (Qin et al., "NAS-Bench-Graph: Benchmarking Graph Neural Architecture
Search", NeurIPS 2022 Datasets and Benchmarks; PyPI ``nas-bench-graph``, Apache-2.0, by
THUMNLab) trained 26,206 graph neural architectures on each of 9 data sets (2,021 on
proteins) and records their validation and test accuracy, latency and parameters. Its tables
ship with the harness (nothing to install, nothing to convert).

The space. An architecture is a DAG of 4 computing nodes, each with one input; upstream
names the 9 non-isomorphic wirings (``link``: the input of each node, 0 = the graph's
features) and gives each node one of 9 operations (5 on proteins). The product of ``link``
and the four operations, ``op1..op4``, has 59,049 points (5,625 on proteins); many are
isomorphic, and upstream's ``Arch.valid_hash`` maps each to its canonical, recorded
architecture. This space is that product, every point mapped to its canonical architecture
at conversion time, so a strategy can propose any point and isomorphic points answer alike.
The only points upstream did not train are the 9 whose every operation is ``skip`` (no
graph layer at all): they answer NaN, as a diverged training run does, and so are never an
incumbent nor the optimum.

The data. Upstream ships its tables as pickles, which the harness never loads: the
maintainers' script ``scripts/build_graph_tables.py`` converts them (from the optional extra
``graph``, installed only to rebuild) into deflated plain arrays shipped in the package,
``spaces/tables/nasbench-graph-<dataset>.npz`` with its ``.json`` (recording the upstream
file's SHA-256 and the table's own, checked at each load) and upstream's Apache-2.0 text,
``LICENSE.nas-bench-graph``. There is one value per architecture (no per-seed runs) and no
training time (budgets are evaluations). Accuracies are fractions in [0, 1].
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np

from spaces import _shipped
from spaces._objective import DEFAULT_FIDELITY, Metric, ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces._shipped import ShippedTableError, read_shipped
from spaces._source import SpaceInfo, SpaceSource
from spaces._space import Space
from spaces._table import TableOptions

PACKAGE = "nas-bench-graph"
MODULE = "nas_bench_graph"
PREFIX = "nasbench-graph/"
DATASETS = (
    "cora",
    "citeseer",
    "pubmed",
    "cs",
    "physics",
    "photo",
    "computers",
    "arxiv",
    "proteins",
)
"""The 9 data sets, under upstream's names (its ``light/<name>.bench`` files)."""
LINKS: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
"""Upstream's 9 wirings: the input of each computing node (0 = input, k = node k)."""
OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
"""Operations of a computing node, in upstream's order."""
OPS_PROTEINS = ("gcn", "sage", "arma", "fc", "skip")
"""The operations upstream trained on proteins."""
INSTALL_LINE = 'pip install -e ".[graph]" (or pip install nas-bench-graph)'
"""How to install the extra, which only rebuilding the shipped tables needs."""
PACKAGE_VERSION = "1.4.0"
"""The nas-bench-graph the shipped tables were converted from (the ``graph`` extra's pin)."""
METRICS = {
    "val_acc": Metric(name="val_acc", direction="maximize", units="validation accuracy, fraction"),
    "test_acc": Metric(name="test_acc", direction="maximize", units="test accuracy, fraction"),
    "latency": Metric(name="latency", direction="minimize", units="as recorded by nas-bench-graph"),
    "params": Metric(name="params", direction="minimize", units="as recorded by nas-bench-graph"),
}
SOURCE_KEYS = {"val_acc": "valid_perf", "test_acc": "perf", "latency": "latency", "params": "para"}
"""Our metric name -> upstream's key."""
N_UNTRAINED = len(LINKS)
"""Points of every space that upstream did not train (every operation ``skip``)."""


def dataset_of(name: str) -> str:
    """``cora`` of ``nasbench-graph/cora``."""
    return name.removeprefix(PREFIX)


def graph_ops(dataset: str) -> tuple[str, ...]:
    """The operations of ``dataset``'s space."""
    return OPS_PROTEINS if dataset == "proteins" else OPS


def graph_space(dataset: str) -> Space:
    """``link`` (one of `LINKS`, as text such as ``0012``) and ``op1..op4``."""
    ops = list(graph_ops(dataset))
    return Space.from_choices(
        {
            "link": ["".join(map(str, link)) for link in LINKS],
            **{f"op{i}": ops for i in range(1, 5)},
        }
    )


def table_stem(dataset: str) -> str:
    """File stem of a shipped table: ``nasbench-graph-cora``."""
    return f"nasbench-graph-{dataset}"


def upstream_file(dataset: str) -> Path | None:
    """The installed package's file of ``dataset``, or None when the extra is not installed.

    Only the build script reads it: loading a space never needs the extra.
    """
    spec = importlib.util.find_spec(MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "light" / f"{dataset}.bench"


def provenance(dataset: str, version: str = PACKAGE_VERSION) -> Provenance:
    """Where the numbers of ``dataset`` come from."""
    n_archs = "2,021" if dataset == "proteins" else "26,206"
    return Provenance(
        source=f"NAS-Bench-Graph (Qin et al., NeurIPS 2022 D&B), {dataset}",
        package=(
            f"nas-harness (shipped table {table_stem(dataset)}, converted from {PACKAGE} "
            f"{version} by scripts/build_graph_tables.py)"
        ),
        licence="Apache-2.0 (NAS-Bench-Graph, THUMNLab)",
        objective_units="validation accuracy, fraction",
        cost_units="none recorded (every evaluation costs 0 s)",
        hardware="as recorded by the NAS-Bench-Graph authors",
        notes=(
            f"{n_archs} recorded architectures; every point of the product space answers its "
            "canonical (isomorphism-reduced) architecture; the 9 all-skip points were not "
            "trained and answer NaN (as a diverged run); one value per architecture, no "
            "training time (budgets in evaluations)"
        ),
    )


def load_graph(name: str, *, directory: Path | None = None) -> RecordedTable:
    """The shipped table of ``name`` as an objective (its checksum verified).

    Args:
        name: ``nasbench-graph/<dataset>``.
        directory: Where the table lies (default: the package's `spaces._shipped.SHIPPED_DIR`).

    Raises:
        ShippedTableError: The table file is missing, fails its checksum, or does not fit
            the space (one line naming the file).
    """
    dataset = dataset_of(name)
    stem = table_stem(dataset)
    directory = _shipped.SHIPPED_DIR if directory is None else directory
    arrays, meta = read_shipped(stem, directory=directory)
    npz = directory / f"{stem}.npz"
    space = graph_space(dataset)
    n = space.n_configs
    missing = sorted(set(METRICS) - set(arrays))
    if missing:
        raise ShippedTableError(f"{npz}: no array {', '.join(missing)}")
    runs = {metric: arrays[metric].astype(np.float64).reshape(-1, 1) for metric in METRICS}
    if any(arr.shape != (n, 1) for arr in runs.values()):
        raise ShippedTableError(f"{npz}: arrays do not fit the {n:,} configs")
    info = ObjectiveInfo(
        name=name,
        space=space,
        metrics=METRICS,
        search_metric="val_acc",
        test_metric="test_acc",
        fidelities=(),
        fidelity=DEFAULT_FIDELITY,
        fully_recorded=True,
        provenance=provenance(dataset, str(meta.get("package_version") or PACKAGE_VERSION)),
        checksum=str(meta["sha256"]),
        report_metric="test_acc",
    )
    return RecordedTable(
        info=info,
        runs=runs,
        costs=np.zeros((n, 1)),
        n_seeds=np.ones(n, dtype=np.int64),
    )


def installed_version() -> str | None:
    """The installed nas-bench-graph's version, or None."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


class NasBenchGraph(SpaceSource):
    """NAS-Bench-Graph's 9 data sets, shipped in the package."""

    name = "nas-bench-graph"

    def names(self) -> tuple[str, ...]:
        """``nasbench-graph/<dataset>`` for each data set."""
        return tuple(f"{PREFIX}{d}" for d in DATASETS)

    def describe(self, name: str) -> SpaceInfo:
        """Static facts (nothing is read)."""
        dataset = dataset_of(name)
        return SpaceInfo(
            name=name,
            space=graph_space(dataset),
            search_metric="val_acc",
            direction="maximize",
            metrics=tuple(METRICS),
            test_metric="test_acc",
            fidelities=(),
            provenance=provenance(dataset),
            seeds="1 (one value per architecture)",
            report_metric="test_acc",
            optimum_known=True,
        )

    def load(self, name: str, *, table_options: TableOptions | None) -> RecordedTable:
        """Read the shipped table."""
        return load_graph(name)
