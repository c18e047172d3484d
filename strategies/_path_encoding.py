"""The path encoding of NAS-Bench-201 cells (White, Neiswanger & Savani, AAAI 2021, BANANAS).

A NAS-Bench-201 cell is a DAG on 4 nodes whose 6 edges each carry one of 5 operations. The
path encoding describes a cell by the set of input-to-output paths it contains, each path
spelled by the operations along it. What the cell's edges, operations and paths are is
`spaces`' knowledge (``NB201_EDGES``, ``NB201_OPS``, ``NB201_PATHS``, `spaces.is_nb201_cell`);
this module only turns it into features.

A ``none`` edge carries no signal, so a path through it does not exist; we one-hot only the
paths made of the 4 other operations: 4 + 4**2 + 4**3 = 84 features. (naszilla's reference
implementation also gives features to paths through ``none``, 155 in all; without them every
disconnected cell gets the same all-zero encoding, which is what it computes.)
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np
import numpy.typing as npt

from spaces import NB201_EDGES, NB201_OPS, NB201_PATHS, Space, is_nb201_cell

# Only paths through these carry signal; "none" is filtered by name, not by its position.
_LIVE_OPS = tuple(op for op in NB201_OPS if op != "none")
_N_LIVE = len(_LIVE_OPS)
_N_EDGES = len(NB201_EDGES)
# Paths of length L take columns offset[L] .. offset[L] + 4**L - 1 (lengths 1, 2, 3).
_LENGTHS = sorted({len(path) for path in NB201_PATHS})
_OFFSETS = dict(zip(_LENGTHS, accumulate((_N_LIVE**n for n in _LENGTHS), initial=0), strict=False))

PATH_ENCODING_WIDTH = sum(_N_LIVE**n for n in _LENGTHS)


def path_encoder(space: Space) -> PathEncoder:
    """A path encoder for ``space``.

    Raises:
        ValueError: ``space`` is not a NAS-Bench-201 cell (see `spaces.is_nb201_cell`).
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
        space: A NAS-Bench-201 cell space (not checked here; see `path_encoder`).
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
        arr = np.asarray(configs, dtype=np.int64).reshape(-1, _N_EDGES)
        ops = self._live_index[np.arange(_N_EDGES), arr]  # (n, 6)
        out = np.zeros((arr.shape[0], PATH_ENCODING_WIDTH))
        rows = np.arange(arr.shape[0])
        for path in NB201_PATHS:
            along = ops[:, list(path)]
            alive = np.all(along >= 0, axis=1)
            column = _OFFSETS[len(path)] + along @ (_N_LIVE ** np.arange(len(path)))
            out[rows[alive], column[alive]] = 1.0
        return out


__all__ = ["PATH_ENCODING_WIDTH", "PathEncoder", "path_encoder"]
