"""Component contributions for `pg-nag`: Monte-Carlo Shapley values of a config's dimensions.

A *component* is one value of one dimension, numbered as `strategies._transfer.ComponentModel`
numbers them: dimension ``i``'s value ``v`` is component ``offsets[i] + v``. Its contribution
is what that value adds to performance on average, measured by Shapley values of a function
``f`` of configs (here a source's normalised rank of the config):

- For an architecture ``x``, the Shapley value of dimension ``i`` is its mean marginal effect
  ``f(x_S + x_i) - f(x_S)`` over the orders in which dimensions can be switched from a
  *background* config ``z`` to ``x``; ``x_S`` has the dimensions switched so far from ``x`` and
  the others from ``z``. The background is a uniformly random config (*interventional* Shapley
  values), so a dimension's value is compared with the average value of that dimension.
- It is estimated by sampling: per architecture, a few random orders, each with a fresh ``z``;
  walking one order costs ``n_dimensions + 1`` evaluations of ``f`` and gives one sample for
  every dimension. Where ``f`` is undefined (NaN: a config the source did not record) the whole
  walk is dropped, so every kept sample is a complete one.
- The contribution of component ``(i, v)`` is the mean Shapley value of dimension ``i`` over
  the sampled architectures whose ``x_i = v`` (0 when none has it).

For an additive ``f(x) = sum_i a_i[x_i]`` a walk's sample of dimension ``i`` is
``a_i[x_i] - a_i[z_i]``, whatever the order; its mean over backgrounds, the exact Shapley value,
is ``a_i[x_i] - mean(a_i)``: the contributions estimate the additive effects centred per
dimension. Everything is numpy and
vectorised over all architectures and orders at once; randomness comes from the caller's
generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ValueFunction = Callable[[IntArray], FloatArray]
"""``f``: configs as an ``(n, n_dimensions)`` array of choice indices to ``n`` values (or NaN)."""


def shapley_samples(
    f: ValueFunction,
    x: npt.ArrayLike,
    sizes: Sequence[int],
    rng: np.random.Generator,
    *,
    n_permutations: int = 1,
) -> tuple[IntArray, FloatArray]:
    """One Shapley sample per dimension for each architecture and random order.

    Args:
        f: The value function, vectorised over rows of configs; NaN where undefined.
        x: ``(n, n_dimensions)`` architectures (choice indices) to explain.
        sizes: Number of values of each dimension (the uniform background's range).
        rng: Source of the orders and backgrounds.
        n_permutations: Random orders (each with its own background) per architecture.

    Returns:
        The architectures of the kept walks, ``(m, n_dimensions)`` (each row of ``x``
        repeated ``n_permutations`` times, minus walks that met a NaN), and their samples
        ``(m, n_dimensions)``: column ``i`` is dimension ``i``'s marginal effect.
    """
    rows = np.repeat(np.asarray(x, dtype=np.int64).reshape(-1, len(sizes)), n_permutations, axis=0)
    n, d = rows.shape
    if n == 0:
        return rows, np.zeros((0, d))
    background = rng.integers(0, np.asarray(sizes, dtype=np.int64), size=(n, d))
    order = rng.permuted(np.tile(np.arange(d), (n, 1)), axis=1)
    position = np.argsort(order, axis=1)  # position[r, i]: when dimension i is switched
    # Step k of a walk has the dimensions switched before step k from x, the others from z.
    switched = position[:, None, :] < np.arange(d + 1)[None, :, None]  # (n, d + 1, d)
    chain = np.where(switched, rows[:, None, :], background[:, None, :])
    values = np.asarray(f(chain.reshape(-1, d)), dtype=np.float64).reshape(n, d + 1)
    marginal = np.diff(values, axis=1)  # marginal[r, k]: effect of dimension order[r, k]
    samples = np.take_along_axis(marginal, position, axis=1)
    kept = np.isfinite(values).all(axis=1)
    return rows[kept], samples[kept]


def component_means(
    rows: npt.ArrayLike, samples: npt.ArrayLike, sizes: Sequence[int]
) -> tuple[FloatArray, IntArray]:
    """Mean sample of each component over the rows that have it, and how many rows do.

    Args:
        rows: ``(m, n_dimensions)`` configs.
        samples: ``(m, n_dimensions)`` one number per config and dimension.
        sizes: Number of values of each dimension.

    Returns:
        Per component (dimension offsets plus value): the mean of its dimension's samples over
        the rows holding that value (0 where none does), and the count of such rows.
    """
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    n_components = int(np.sum(sizes))
    components = (np.asarray(rows, dtype=np.int64) + offsets).ravel()
    weights = np.asarray(samples, dtype=np.float64).ravel()
    counts = np.bincount(components, minlength=n_components).astype(np.int64)
    sums = np.bincount(components, weights=weights, minlength=n_components)
    means = np.divide(sums, counts, out=np.zeros(n_components), where=counts > 0)
    return means, counts


def explained_sample(
    recorded: IntArray,
    ranks: FloatArray,
    *,
    expert_fraction: float,
    cap: int,
    rng: np.random.Generator,
) -> IntArray:
    """The configs of a source whose dimensions are explained: its experts, and as many others.

    The experts are the top ``expert_fraction`` of the recorded configs by rank (at least 1);
    the others are drawn uniformly from all recorded configs, so that values the experts never
    use get a contribution too. Together at most ``cap``: half experts (a uniform subset when
    there are more) and half uniform draws, without replacement within each half.

    Args:
        recorded: Config indices the source recorded.
        ranks: Their normalised ranks (1 the best).
        expert_fraction: Share of the recorded configs that are experts, in (0, 1].
        cap: Most configs returned.
        rng: Source of the subsets.
    """
    n = len(recorded)
    if n == 0 or cap < 1:
        return np.zeros(0, dtype=np.int64)
    n_experts = min(n, max(1, math.ceil(expert_fraction * n)))
    experts = recorded[np.argsort(-ranks, kind="stable")[:n_experts]]
    n_top = min(n_experts, max(1, cap // 2))
    if n_top < n_experts:
        experts = rng.choice(experts, size=n_top, replace=False)
    n_uniform = min(n, n_top, cap - n_top)
    uniform = rng.choice(recorded, size=n_uniform, replace=False)
    return np.concatenate([experts, uniform]).astype(np.int64)


__all__ = ["ValueFunction", "component_means", "explained_sample", "shapley_samples"]
