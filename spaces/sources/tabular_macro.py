"""``macro/cifar10``: NAS-Bench-Macro, a chain-structured ("macro") space of CNNs on CIFAR-10.

NAS-Bench-Macro (Su et al., "Prioritized Architecture Sampling with Monte-Carlo Tree Search",
CVPR 2021; github.com/xiusu/NAS-Bench-Macro, Apache-2.0) trained every one of the 3^8 = 6,561
networks whose 8 searchable layers are each an Identity, a MobileNetV2 block with kernel 3
and expansion 3, or one with kernel 5 and expansion 6, three times each, and recorded their
CIFAR-10 test accuracies, parameters and FLOPs. ``scripts/build_macro_table.py`` converts the
upstream JSON into ``spaces/tables/macro-cifar10.npz``; this module only reads that table.

What the source lacks, and what follows from it:

- No validation accuracy: the only accuracy is the test accuracy. A run searches on the test
  accuracy of one training seed (the common-random-numbers slot, as for every table), and
  reports score the incumbent by the mean over its three seeds. A search here therefore
  selects on test data; results are comparable between strategies, not with papers that
  search on validation data.
- No training time: every evaluation costs 0 s, so budgets are evaluations, not seconds.
- No epoch count is stated with the data: the space declares no fidelity.
- Duplicates: an Identity layer passes its input on unchanged, so where layers 4 and 5, or
  layers 7 and 8, hold one Identity and one block, the network is the same whichever of the
  two holds the Identity. The upstream file records identical results for such keys (e.g.
  ``22220110``, ``22202101``, ``22202110`` and ``22220101``): 6,561 configs, 3,969 distinct
  networks. Every key is kept as its own config, as upstream does, so the space stays a full
  product grid that every strategy can search.
"""

from __future__ import annotations

import numpy as np

from spaces._objective import DEFAULT_FIDELITY, Metric, ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces._shipped import read_shipped
from spaces._source import SpaceInfo, SpaceSource
from spaces._space import Space
from spaces._table import TableOptions

NAME = "macro/cifar10"
TABLE_STEM = "macro-cifar10"
LAYER_OPS: tuple[str, ...] = ("identity", "mbconv_k3_e3", "mbconv_k5_e6")
"""The choices of every layer, in the order of the upstream key's digits (0, 1, 2)."""
N_LAYERS = 8
N_DISTINCT_NETWORKS = 3_969
"""Configs that are different networks (see the module docstring); checked by the tests."""
METRICS = {
    "test_acc": Metric(
        name="test_acc", direction="maximize", units="CIFAR-10 test accuracy, percent"
    ),
    "params": Metric(name="params", direction="minimize", units="parameters"),
    "flops": Metric(name="flops", direction="minimize", units="FLOPs"),
}
PROVENANCE = Provenance(
    source="NAS-Bench-Macro (Su et al., CVPR 2021), CIFAR-10; no validation accuracy",
    package="nas-harness (shipped table macro-cifar10, converted from the upstream JSON)",
    licence="Apache-2.0 (NAS-Bench-Macro, Xiu Su)",
    objective_units="CIFAR-10 test accuracy of one training run, percent",
    cost_units="none recorded (every evaluation costs 0 s)",
    hardware="GPU training runs recorded by the NAS-Bench-Macro authors",
    gpu_trained=True,
    notes=(
        "no validation accuracy: the search reads one training seed's test accuracy, reports "
        "score its mean over the 3 seeds; no training time (budgets in evaluations); "
        f"6,561 configs are {N_DISTINCT_NETWORKS:,} distinct networks (an Identity in layer 4 "
        "or 5, 7 or 8, gives the same network, with identical recorded results)"
    ),
)


def macro_space() -> Space:
    """The 8 layers, ``layer1`` (first) to ``layer8``, each over `LAYER_OPS`.

    The row number of a config is its upstream key read as a base-3 number.
    """
    return Space.from_choices({f"layer{i + 1}": list(LAYER_OPS) for i in range(N_LAYERS)})


def load_macro() -> RecordedTable:
    """The shipped table as an objective (its checksum verified).

    Raises:
        ShippedTableError: The table file is missing or fails its checksum.
    """
    arrays, meta = read_shipped(TABLE_STEM)
    space = macro_space()
    test_acc = arrays["test_acc"].astype(np.float64, copy=False)
    n, n_seeds = test_acc.shape
    # Parameters and FLOPs belong to the network, not the training run: the same per seed.
    per_network = {
        name: np.repeat(arrays[name].astype(np.float64)[:, None], n_seeds, axis=1)
        for name in ("params", "flops")
    }
    info = ObjectiveInfo(
        name=NAME,
        space=space,
        metrics=METRICS,
        search_metric="test_acc",
        test_metric=None,
        fidelities=(),
        fidelity=DEFAULT_FIDELITY,
        fully_recorded=True,
        provenance=PROVENANCE,
        checksum=str(meta["sha256"]),
        report_metric="test_acc",
    )
    return RecordedTable(
        info=info,
        runs={"test_acc": test_acc, **per_network},
        costs=np.zeros((n, n_seeds)),
        n_seeds=np.full(n, n_seeds, dtype=np.int64),
    )


class NasBenchMacro(SpaceSource):
    """NAS-Bench-Macro's CIFAR-10 table, shipped in the package."""

    name = "nas-bench-macro"

    def names(self) -> tuple[str, ...]:
        """Just ``macro/cifar10``."""
        return (NAME,)

    def describe(self, name: str) -> SpaceInfo:
        """Its static facts (nothing is read)."""
        return SpaceInfo(
            name=NAME,
            space=macro_space(),
            search_metric="test_acc",
            direction="maximize",
            metrics=tuple(METRICS),
            test_metric=None,
            fidelities=(),
            provenance=PROVENANCE,
            seeds="3",
            report_metric="test_acc",
            optimum_known=True,
        )

    def load(self, name: str, *, table_options: TableOptions | None) -> RecordedTable:
        """Read the shipped table."""
        return load_macro()
