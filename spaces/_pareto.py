"""Pareto fronts and hypervolume of points to minimise, through moocore.

Every function takes *losses*: an ``(n, k)`` array in which each column is an objective to
minimise (callers turn maximised objectives around and normalise first; see
`spaces.MultiObjective.losses`). Rows with a NaN or infinite entry (a diverged run) are on no
front and add no volume. The hypervolume itself is moocore's (López-Ibáñez et al.: the
dimension-sweep and box-decomposition algorithms of the original C code, any number of
objectives); this module only filters what it must not see.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _as_losses(losses: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(losses, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"losses must be an (n, k) array, got shape {arr.shape}")
    return arr


def nondominated(losses: npt.ArrayLike) -> BoolArray:
    """Which rows no other row dominates (lower or equal everywhere, lower somewhere).

    Equal rows are all kept; rows with a non-finite entry never are.
    """
    import moocore  # imported here: reading a table needs no compiled extension

    arr = _as_losses(losses)
    finite = np.isfinite(arr).all(axis=1)
    mask = np.zeros(len(arr), dtype=bool)
    if finite.any():
        mask[finite] = moocore.is_nondominated(arr[finite], keep_weakly=True)
    return mask


def hypervolume(losses: npt.ArrayLike, reference: npt.ArrayLike) -> float:
    """Volume dominated by ``losses`` and bounded by ``reference`` (0.0 for none inside).

    Rows not strictly better than the reference in every objective add nothing, as do rows
    with a non-finite entry.

    Raises:
        ValueError: The shapes disagree or the reference is not finite.
    """
    import moocore

    arr = _as_losses(losses)
    ref = np.asarray(reference, dtype=np.float64)
    if ref.shape != (arr.shape[1],) or not np.isfinite(ref).all():
        raise ValueError(f"reference {ref.tolist()} must be {arr.shape[1]} finite numbers")
    inside = np.isfinite(arr).all(axis=1) & (arr < ref).all(axis=1)
    if not inside.any():
        return 0.0
    return float(moocore.hypervolume(arr[inside], ref=ref))


def hypervolume_contributions(losses: npt.ArrayLike, reference: npt.ArrayLike) -> FloatArray:
    """Each row's exclusive hypervolume: what the front loses without it (0 if dominated)."""
    import moocore

    arr = _as_losses(losses)
    ref = np.asarray(reference, dtype=np.float64)
    out = np.zeros(len(arr))
    inside = np.isfinite(arr).all(axis=1) & (arr < ref).all(axis=1)
    if inside.any():
        out[inside] = moocore.hv_contributions(arr[inside], ref=ref)
    return out


def pareto_ranks(losses: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Non-dominated sorting: 0 for the front, 1 for the front without it, and so on.

    Rows with a non-finite entry get the rank after every finite row's.
    """
    import moocore

    arr = _as_losses(losses)
    finite = np.isfinite(arr).all(axis=1)
    ranks = np.zeros(len(arr), dtype=np.int64)
    if finite.any():
        ranks[finite] = np.asarray(moocore.pareto_rank(arr[finite]), dtype=np.int64)
        ranks[~finite] = int(ranks[finite].max()) + 1
    return ranks
