"""Which strategies are worse than the best, with the family-wise error rate that is promised.

A report's default question is "which strategies are worse than the best?", and the best is
chosen on the same runs it is then compared with. Testing each strategy against it with
Holm's correction over k - 1 tests, as if the control had been named in advance, rejects
far more often than promised (with all strategies equal, at least one "significantly worse
than the best" in 12-13 % of comparisons at k = 9 and 10 seeds, or 8 and 30, at alpha =
0.05): the best by rank is the one that happened to win, so its tests start from an
extreme. `versus_best` calibrates exactly that: a permutation max-statistic procedure
(Westfall & Young 1993) that repeats the selection of the best inside every permutation.

Under the hypothesis that a set of strategies are all equally good, their results on one
block (seed, or space) are exchangeable: the procedure permutes them within each block,
chooses the best by average rank again, and takes the largest standardised signed-rank
statistic of any of them against that best. A strategy is worse than the best when its own
statistic against the observed best is beyond the permutation distribution of that
maximum. Step-down: the strategy with the largest statistic is tested against the maximum
over all, the next against the maximum over those not yet rejected (the rejected ones keep
their results in place), and so on, with adjusted p-values made monotone. Each step is an
exact permutation test of the hypothesis that the strategies left are tied for best, so
under the complete null the family-wise error rate is at most alpha (up to Monte Carlo
error of the draws, which are stated); configurations where some strategies are truly worse
were checked by simulation (docs/reports.md). `probability_best` is the paired bootstrap
over blocks of which strategy has the lowest mean and the best average rank: the summary
states it beside the set of strategies that cannot be told from the best.

Pure functions: arrays in, frozen results out, randomness through an explicit generator.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Most permutations drawn per step of `versus_best`: Monte Carlo standard error of an
#: adjusted p-value near 0.05 is then 0.0022 (near 0.01: 0.0010).
N_PERMUTATIONS = 10_000
#: A step draws batches of `_CHUNK` permutations until its Monte Carlo p-value is this many
#: standard errors from alpha (the decision cannot change but by a 1-in-15,000 chance), or
#: `N_PERMUTATIONS` are drawn: clear cases cost 1,000 draws, close calls 10,000.
SETTLED = 4.0
#: Paired bootstrap resamples of `probability_best` (standard error at most 0.007).
N_BEST_RESAMPLES = 5000
#: Permutations drawn at once (bounds the memory to a few tens of MB).
_CHUNK = 1000

#: How `versus_best` decides, as recorded in reports.
VERSUS_BEST_METHOD = (
    "permutation max-statistic step-down (Westfall & Young 1993) that repeats the "
    "selection of the best inside every permutation: within each block the results of the "
    "strategies not yet rejected are permuted, the best by average rank (ties: lower mean, "
    "then label) is chosen again, and the largest |z| of the signed-rank statistic "
    "(zero differences as the pairwise test handles them) of any of them against that best "
    "is the null distribution; adjusted p = (1 + draws at least as large) / (1 + draws), "
    "made monotone over the steps; each step draws batches of 1,000 permutations until its "
    "p-value is 4 Monte Carlo standard errors from alpha, at most 10,000"
)


def signed_rank_z(differences: npt.ArrayLike, *, zero_method: str = "zsplit") -> FloatArray:
    """Standardised signed-rank statistic of paired differences, along the last axis.

    ``z = sum(sign(d_i) r_i) / sqrt(sum over d_i != 0 of r_i**2)``, where ``r_i`` are the
    (mid)ranks of ``|d|``: the signed-rank sum centred and scaled by its standard deviation
    over all sign flips of the non-zero differences, so it is comparable between pairs with
    different numbers of zeros and ties. Zero differences are ranked with the others
    (``zsplit`` and ``pratt``: their shares cancel in ``R+ - R-``) or dropped first
    (``wilcox``); for one pair ``|z|`` orders the outcomes exactly as the two-sided sign-flip
    p-value does. 0 where every difference is zero.

    Args:
        differences: Shape ``(..., n)``: paired differences, one per block.
        zero_method: ``zsplit``, ``pratt`` or ``wilcox``.
    """
    d = np.asarray(differences, dtype=np.float64)
    a = np.abs(d)
    ranks = stats.rankdata(a, axis=-1) if d.shape[-1] else a
    nonzero = d != 0.0
    if zero_method == "wilcox":
        # Zeros are the smallest |d|: ranking without them shifts every other rank down.
        ranks = ranks - np.sum(~nonzero, axis=-1, keepdims=True)
    s = np.sum(np.sign(d) * ranks, axis=-1)
    v = np.sum(np.where(nonzero, ranks * ranks, 0.0), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(v > 0.0, s / np.sqrt(np.where(v > 0.0, v, 1.0)), 0.0)
    return np.asarray(z, dtype=np.float64)


def block_ranks(scores: npt.ArrayLike) -> FloatArray:
    """Rank of each strategy within each block (1 = lowest score, ties averaged).

    Args:
        scores: Shape ``(k, n)``: one row per strategy, one column per block.

    Returns:
        Shape ``(k, n)``.
    """
    data = np.asarray(scores, dtype=np.float64)
    return np.asarray(stats.rankdata(data, axis=0), dtype=np.float64)


def _best_of(avg_ranks: FloatArray, means: FloatArray) -> IntArray:
    """Index of the best along the last axis: lowest average rank, then mean, then index."""
    tied = avg_ranks == avg_ranks.min(axis=-1, keepdims=True)
    means = np.where(tied, means, np.inf)
    tied &= means == means.min(axis=-1, keepdims=True)
    return np.asarray(np.argmax(tied, axis=-1), dtype=np.int64)


@dataclass(frozen=True, slots=True, kw_only=True)
class VersusBest:
    """Each strategy against the best, by the permutation max-statistic step-down.

    Attributes:
        best: Row of the best by average rank (ties: lower mean, then row).
        statistics: ``|z|`` of each row's signed-rank statistic against the best (0 for it).
        extremes: The largest ``|z|`` each row's zeros and ties allow against the best (all
            its non-zero differences of one sign): whether it could be significant at all.
        pvalues: Adjusted p-value of each row (None for the best): the row is significantly
            worse (or better) than the best when it is below alpha.
        standard_errors: Monte Carlo standard error of each adjusted p-value (None for the
            best).
        draws: Permutations behind each adjusted p-value (None for the best).
        steps: Row tested at each step, in order.
        critical_value: The first step's critical value: the largest ``|z|`` it does not
            find significant at alpha; larger statistics are.
        n_permutations: Most permutations drawn per step.
        method: How it was computed.
    """

    best: int
    statistics: tuple[float, ...]
    extremes: tuple[float, ...]
    pvalues: tuple[float | None, ...]
    standard_errors: tuple[float | None, ...]
    draws: tuple[int | None, ...]
    steps: tuple[int, ...]
    critical_value: float
    n_permutations: int
    method: str


def _null_maxima(
    scores: FloatArray,
    ranks: FloatArray,
    members: IntArray,
    zero_method: str,
    rng: np.random.Generator,
    n_permutations: int,
) -> FloatArray:
    """Largest ``|z|`` against the re-selected best, per permutation of ``members``.

    Only the rows in ``members`` are permuted (within each block); the others keep their
    places, so every block's ranks stay those of all k strategies.

    Args:
        scores: Shape ``(k, n)``.
        ranks: `block_ranks` of ``scores``.
        members: Rows permuted.
        zero_method: As for `signed_rank_z`.
        rng: Draws the permutations.
        n_permutations: Permutations.
    """
    sub = scores[members]  # (m, n)
    sub_ranks = ranks[members]
    m, n = sub.shape
    out = np.empty(n_permutations)
    cols = np.arange(n)
    for start in range(0, n_permutations, _CHUNK):
        size = min(_CHUNK, n_permutations - start)
        # Row j of block s of a permutation holds member perm[., j, s].
        perm = rng.permuted(np.broadcast_to(np.arange(m), (size, n, m)), axis=-1)
        perm = np.swapaxes(perm, 1, 2)
        values = sub[perm, cols]  # (size, m, n)
        avg = sub_ranks[perm, cols].mean(axis=-1)
        best = _best_of(avg, values.mean(axis=-1))
        top = np.take_along_axis(values, best[:, None, None], axis=1)
        z = np.abs(signed_rank_z(values - top, zero_method=zero_method))
        out[start : start + size] = z.max(axis=1)
    return out


def _settled_null(
    scores: FloatArray,
    ranks: FloatArray,
    members: IntArray,
    zero_method: str,
    rng: np.random.Generator,
    statistic: float,
    alpha: float,
    most: int,
) -> FloatArray:
    """`_null_maxima` drawn in batches until ``statistic``'s decision at alpha is settled.

    Settled: its Monte Carlo p-value is `SETTLED` standard errors from alpha, or ``most``
    permutations are drawn.
    """
    parts: list[FloatArray] = []
    drawn = 0
    while drawn < most:
        size = min(_CHUNK, most - drawn)
        parts.append(_null_maxima(scores, ranks, members, zero_method, rng, size))
        drawn += size
        p = _pvalue(np.concatenate(parts), statistic)
        if abs(p - alpha) > SETTLED * math.sqrt(p * (1.0 - p) / drawn):
            break
    return np.concatenate(parts)


def _pvalue(null: FloatArray, statistic: float) -> float:
    """Monte Carlo permutation p-value ``(1 + #{null >= statistic}) / (1 + draws)``."""
    # Statistics that are equal in exact arithmetic can differ in the last bits.
    hits = int(np.count_nonzero(null >= statistic - 1e-9 * max(1.0, abs(statistic))))
    return (1.0 + hits) / (1.0 + null.size)


def versus_best(
    scores: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    zero_method: str = "zsplit",
    rng: np.random.Generator,
    n_permutations: int = N_PERMUTATIONS,
) -> VersusBest:
    """Test every strategy against the best by average rank, chosen on the same data.

    See the module docstring for the procedure. The statistic of a pair is `signed_rank_z`
    of the paired differences (row minus best), so the ordering of outcomes of one pair is
    that of its two-sided Wilcoxon signed-rank test.

    Args:
        scores: Shape ``(k, n)``: one row per strategy (in label order: the last tie-break
            of the best is the row), one column per block; lower is better.
        alpha: Level of the family: once a step is not significant at it, the strategies
            left take their adjusted p-values from that step's null distribution (they
            cannot be significant), which saves the remaining steps.
        zero_method: Zero differences, as in the pairwise test.
        rng: Draws the permutations.
        n_permutations: Most permutations per step (`SETTLED` says when fewer do).

    Raises:
        ValueError: Fewer than 2 strategies or 1 block, NaN scores, or no permutations.
    """
    data = np.asarray(scores, dtype=np.float64)
    if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] < 1:
        raise ValueError(f"need at least 2 strategies and 1 block, got shape {data.shape}")
    if np.isnan(data).any():
        raise ValueError("scores must not contain NaN")
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be positive, got {n_permutations}")
    k = data.shape[0]
    ranks = block_ranks(data)
    best = int(_best_of(ranks.mean(axis=1), data.mean(axis=1)))
    differences = data - data[best]
    z = np.abs(signed_rank_z(differences, zero_method=zero_method))
    z[best] = 0.0
    extremes = np.abs(signed_rank_z(np.abs(differences), zero_method=zero_method))
    remaining = list(range(k))
    pvalues: list[float | None] = [None] * k
    errors: list[float | None] = [None] * k
    draws: list[int | None] = [None] * k
    steps: list[int] = []
    running = 0.0
    critical = math.nan
    while len(remaining) > 1:
        members = np.asarray(remaining, dtype=np.int64)
        candidates = [i for i in remaining if i != best]
        # The largest statistic first; ties in row order, so the result is deterministic.
        top = max(candidates, key=lambda i: (z[i], -i))
        null = _settled_null(
            data, ranks, members, zero_method, rng, float(z[top]), alpha, n_permutations
        )
        if not steps:
            critical = _critical_value(null, alpha)
        order = [top]
        p = max(running, _pvalue(null, float(z[top])))
        remaining.remove(top)
        if p >= alpha:
            # Nothing after this step can be significant (adjusted p-values only rise): the
            # others are read off this step's null distribution instead of their own.
            order += sorted((i for i in remaining if i != best), key=lambda i: (-z[i], i))
        for i in order:
            running = max(running, _pvalue(null, float(z[i])))
            pvalues[i] = running
            errors[i] = math.sqrt(running * (1.0 - running) / null.size)
            draws[i] = int(null.size)
            steps.append(i)
        if p >= alpha:
            break
    return VersusBest(
        best=best,
        statistics=tuple(float(v) for v in z),
        extremes=tuple(float(v) for v in extremes),
        pvalues=tuple(pvalues),
        standard_errors=tuple(errors),
        draws=tuple(draws),
        steps=tuple(steps),
        critical_value=critical,
        n_permutations=n_permutations,
        method=VERSUS_BEST_METHOD,
    )


def _critical_value(null: FloatArray, alpha: float) -> float:
    """The largest ``|z|`` that is not significant against ``null``: larger ones are.

    The Monte Carlo p-value ``(1 + #{null >= t}) / (1 + B)`` only changes at the values
    of ``null``, so the answer is one of them (the smallest always has p-value 1).
    """
    values = np.unique(null)
    counts = null.size - np.searchsorted(np.sort(null), values, side="left")
    p = (1.0 + counts) / (1.0 + null.size)
    return float(values[p >= alpha].max())


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbabilityBest:
    """How often each strategy is the best when the blocks are resampled (paired bootstrap).

    Attributes:
        by_mean: Per row, the share of resamples in which it has the lowest mean (ties
            shared evenly).
        by_rank: Per row, the share in which it has the best average rank (ties shared).
        n_resamples: Bootstrap resamples of the blocks.
    """

    by_mean: tuple[float, ...]
    by_rank: tuple[float, ...]
    n_resamples: int


def probability_best(
    scores: npt.ArrayLike, *, rng: np.random.Generator, n_resamples: int = N_BEST_RESAMPLES
) -> ProbabilityBest:
    """Paired bootstrap of which strategy is best: blocks (seeds) resampled with replacement.

    Every strategy keeps its results on the resampled blocks (the pairing by seed is kept).
    It is a statement about this comparison's uncertainty - how often a repetition on seeds
    like these would put each strategy first - not a posterior probability.

    Args:
        scores: Shape ``(k, n)``: one row per strategy, one column per block; lower better.
        rng: Draws the resamples.
        n_resamples: Resamples.

    Raises:
        ValueError: No strategy, no block, or NaN scores.
    """
    data = np.asarray(scores, dtype=np.float64)
    if data.ndim != 2 or data.shape[0] < 1 or data.shape[1] < 1:
        raise ValueError(f"need at least 1 strategy and 1 block, got shape {data.shape}")
    if np.isnan(data).any():
        raise ValueError("scores must not contain NaN")
    k, n = data.shape
    ranks = block_ranks(data)
    by_mean = np.zeros(k)
    by_rank = np.zeros(k)
    for start in range(0, n_resamples, _CHUNK):
        size = min(_CHUNK, n_resamples - start)
        idx = rng.integers(0, n, size=(size, n))
        means = data[:, idx].mean(axis=-1).T  # (size, k)
        avg = ranks[:, idx].mean(axis=-1).T
        for values, total in ((means, by_mean), (avg, by_rank)):
            # Exact ties (e.g. two strategies with every result at the optimum) share.
            low = values == values.min(axis=1, keepdims=True)
            total += (low / low.sum(axis=1, keepdims=True)).sum(axis=0)
    return ProbabilityBest(
        by_mean=tuple(float(v) for v in by_mean / n_resamples),
        by_rank=tuple(float(v) for v in by_rank / n_resamples),
        n_resamples=n_resamples,
    )


@functools.lru_cache(maxsize=64)
def min_blocks_versus_best(k: int, alpha: float, n_permutations: int = 4000) -> int:
    """Fewest blocks at which `versus_best` can find any strategy worse than the best.

    With ``n`` blocks and no ties, the largest possible statistic is that of a strategy
    worse than the best on every block; it is significant only when fewer than a share
    ``alpha`` of the permutations give some strategy such a sweep against their best. That
    share depends only on ``k`` and ``n`` (the ranks within blocks are uniform permutations
    under the null), so it is simulated with a fixed seed, starting from the fewest blocks
    Holm's correction over ``k - 1`` tests would need (the answer is that or one more for
    k <= 12 at alpha = 0.05). Planning figure: ties and zero differences need more.

    Args:
        k: Strategies.
        alpha: Level of the family.
        n_permutations: Draws per number of blocks.

    Raises:
        ValueError: Fewer than 2 strategies, or alpha outside (0, 1).
    """
    if k < 2 or not 0.0 < alpha < 1.0:
        raise ValueError(f"need k >= 2 and 0 < alpha < 1, got k={k}, alpha={alpha!r}")
    rng = np.random.default_rng([k, 35])

    def reachable(n: int) -> bool:
        # Untied ranks within a block are a uniform permutation of 0..k-1.
        ranks = rng.permuted(np.broadcast_to(np.arange(k), (n_permutations, n, k)), axis=-1)
        avg = ranks.mean(axis=1)  # (B, k)
        best = _best_of(avg, avg)
        top = np.take_along_axis(ranks, best[:, None, None], axis=2)  # (B, n, 1)
        # Some strategy loses to the best on every block.
        sweep = np.all(ranks > top, axis=1).any(axis=1)
        return (1.0 + float(np.count_nonzero(sweep))) / (1.0 + n_permutations) < alpha

    n = 1
    while 2.0 * (k - 1) / 2.0**n >= alpha:  # Holm's fewest: (k - 1) 2 / 2**n < alpha
        n += 1
    if reachable(n):
        while n > 1 and reachable(n - 1):
            n -= 1
        return n
    while not reachable(n + 1):
        n += 1
    return n + 1
