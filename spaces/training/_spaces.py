"""The trainable spaces' definitions, without torch: families, grids, metric names.

The grids are ASNN's setting: MLPs of 2 or 3 hidden layers whose sizes come from a short
list. ``mlpwide`` is open: 3 hidden layers of any whole size in `WIDE_RANGE`.
"""

from __future__ import annotations

from spaces._objective import Metric
from spaces._space import Dimension, Space

MLP2_SIZES: tuple[int, ...] = (16, 32, 64, 128, 256)
"""Sizes of each hidden layer of ``mlp2`` (5 x 5 = 25 configs)."""
MLP3_SIZES: tuple[int, ...] = (32, 64, 128, 256)
"""Sizes of each hidden layer of ``mlp3`` (4 x 4 x 4 = 64 configs)."""
WIDE_RANGE: tuple[int, int] = (8, 1024)
"""Smallest and largest size of each hidden layer of ``mlpwide`` (1,017^3 configs)."""

FAMILIES: dict[str, tuple[int, tuple[int, ...]]] = {
    "mlp2": (2, MLP2_SIZES),
    "mlp3": (3, MLP3_SIZES),
    "mlpwide": (3, tuple(range(WIDE_RANGE[0], WIDE_RANGE[1] + 1))),
}
"""Family -> (hidden layers, sizes each layer may take)."""
GRID_FAMILIES = ("mlp2", "mlp3")
"""Families small enough to train completely (``harness train``) and ship as tables."""

RECIPE_DEFAULTS: dict[str, dict[str, float | int]] = {
    # Digits is tiny (1,078 training images): many cheap epochs. The seed-mean validation
    # accuracy of the larger grid configs levels off (about 97.7 %) by 20-30 epochs; 40 make
    # the recorded last epoch a converged one at a cost of seconds per config.
    "digits": {"epochs": 40, "batch_size": 64, "learning_rate": 1e-3, "weight_decay": 0.0},
    # Fashion-MNIST (50,000 training images): larger batches keep the grids trainable on a
    # CPU. Over 12-15 epochs the larger configs still gain about 0.4 points of test accuracy
    # (88.3 -> 88.8 %, 3 seeds); 15 epochs record them near their plateau.
    "fashion-mnist": {
        "epochs": 15,
        "batch_size": 256,
        "learning_rate": 1e-3,
        "weight_decay": 0.0,
    },
}
"""The project's recipe per data set (`spaces.training.recipe_for` builds it)."""
DEFAULT_EPOCHS = {name: int(d["epochs"]) for name, d in RECIPE_DEFAULTS.items()}
"""Training epochs per data set: the fidelity of its trainable spaces."""

METRICS = {
    "val_acc": Metric(name="val_acc", direction="maximize", units="validation accuracy, percent"),
    "test_acc": Metric(name="test_acc", direction="maximize", units="test accuracy, percent"),
    "train_loss": Metric(name="train_loss", direction="minimize", units="cross-entropy"),
    "params": Metric(name="params", direction="minimize", units="parameters"),
    "latency_ms": Metric(
        name="latency_ms", direction="minimize", units="ms per inference batch of 256 rows"
    ),
}
"""What a trained model reports, at its recipe's last epoch."""
METRIC_NAMES = tuple(METRICS)


def hidden_sizes(space: Space, index: int) -> tuple[int, ...]:
    """The hidden-layer sizes of config ``index`` of a family's space, first layer first."""
    return tuple(int(v) for v in space.values(space.config(index)).values())


def family_space(family: str) -> Space:
    """The space of ``family``: one ordinal dimension per hidden layer, ``h1`` first."""
    layers, sizes = FAMILIES[family]
    # mlpwide's 1,017 sizes per layer are a scale (8 vs 16 matters, 1000 vs 1008 does not):
    # log-uniform sampling, factor-sized neighbourhoods, log encoding (`Dimension.log`).
    log = family not in GRID_FAMILIES
    return Space(
        tuple(
            Dimension(name=f"h{i + 1}", kind="ordinal", choices=sizes, log=log)
            for i in range(layers)
        )
    )


CELL_DATASETS: dict[str, int] = {"digits": 12, "fashion-mnist": 6}
"""Data sets of the cell space and the epochs of their recipes (its one fidelity; the recipes
are `spaces.training._cell_trainer.CELL_RECIPE_DEFAULTS`, which a test keeps in step)."""
