"""Pure statistics for comparison reports: arrays in, frozen results out.

Nothing here reads files, plots or touches a global random state; randomness comes in as an
explicit ``numpy.random.Generator`` (by default one seeded from the data themselves, so the
same numbers always give the same result). Tests live in ``tests/test_stats*.py`` and check
these functions against published worked examples (Demšar 2006), against SciPy,
statsmodels and scikit-posthocs, and with property-based and simulation tests that check
the promise (coverage, error rate, power), not only the formula:

- intervals of a mean (and of a mean paired difference): the Student-t interval, widened
  to the bootstrap-t (studentized bootstrap) interval where that reaches further, chosen by
  a coverage simulation (docs/reports.md): t alone covers 84-86 % of the time on
  log-normal data at 10-20 seeds where it promises 95 %, the widened interval 91-93 %, and
  it stays at 95-96 % on normal data;
- paired tests: the two-sided Wilcoxon signed-rank test with its exact sign-flip
  permutation distribution (all 2**n flips of the non-zero differences, zeros handled by an
  explicit ``zero_method``), computed by a recursion over the ranks for up to 300 differing
  pairs, and a Monte Carlo permutation p-value with its standard error beyond; SciPy's
  normal approximation, which is loose with many zero differences at 14-50 pairs, is not
  used. SciPy is the cross-check where it is exact;
- multiple comparisons: Holm's step-down correction, checked against `statsmodels`; the
  comparison with a best chosen on the same data is in `reports._best`;
- Friedman: `scipy.stats.friedmanchisquare`, and `friedman_permutation`, its exact (or
  Monte Carlo) permutation p-value and the permutation Nemenyi critical difference for the
  few blocks (spaces) where the chi-square and studentized-range approximations are rough;
  Nemenyi critical difference from `scipy.stats.studentized_range` (Demšar 2006, eq. 5);
- power and seeds needed: the power of the test actually used (two-sided exact Wilcoxon
  signed-rank at the per-test level of its family) under a normal shift of the paired
  differences, simulated with an explicit generator; never fewer seeds than the smallest
  number at which that test can reach its level at all.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats
from statsmodels.stats.power import TTestPower
from statsmodels.tools.sm_exceptions import ConvergenceWarning

FloatArray = npt.NDArray[np.float64]
ZeroMethod = Literal["zsplit", "pratt", "wilcox"]

#: Asymptotic relative efficiency of the Wilcoxon signed-rank test to the t test under
#: normality (Hodges & Lehmann 1956); the seed estimate divides the t-test's n by it.
WILCOXON_ARE = 3.0 / math.pi


def _as_float(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def data_rng(*arrays: npt.ArrayLike, seed: int = 0) -> np.random.Generator:
    """A generator seeded from the values themselves (and ``seed``), never from the clock.

    Resampling and permutation draws use it, so a result depends only on its input: the
    same stored runs give the same bytes in ``stats.json`` whatever else the report holds
    and in whatever order it is computed.
    """
    digest = hashlib.blake2b(digest_size=16)
    for a in arrays:
        x = np.ascontiguousarray(_as_float(a))
        digest.update(repr(x.shape).encode())
        digest.update(x.tobytes())
    words = np.frombuffer(digest.digest(), dtype=np.uint32).tolist()
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


#: How `mean_ci` computes an interval (the anytime bands of the figures).
T_INTERVAL = "Student-t interval of the mean: mean ± t(1 - (1 - confidence)/2, n - 1) sd / sqrt(n)"
#: Bootstrap resamples of the bootstrap-t interval.
N_INTERVAL_RESAMPLES = 2000
#: Fewest seeds at which `mean_interval` widens the t interval by the bootstrap-t: with
#: fewer, one large value makes the studentized resamples erratic (at 5 seeds of log-normal
#: data the upper bound is beyond the largest value 94 % of the time, at 10 17 %, at 20
#: 0.1 %), and no interval covers skewed data well anyway.
MIN_BOOTSTRAP_T_SEEDS = 10
#: How `mean_interval` computes an interval, as recorded in reports.
INTERVAL_METHOD = (
    "Student-t interval of the mean; from "
    f"{MIN_BOOTSTRAP_T_SEEDS} seeds on, widened on either side to the bootstrap-t "
    "(studentized bootstrap) interval where that reaches further: mean - q(1 - a/2) se, "
    "mean - q(a/2) se, q the quantiles of (mean* - mean) / se* over "
    f"{N_INTERVAL_RESAMPLES} resamples of the seeds (seeded from the values; resamples "
    "with no spread are left out), se = sd / sqrt(n)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A confidence interval of a mean.

    Attributes:
        low: Lower bound (NaN with fewer than 2 values).
        high: Upper bound.
        confidence: Confidence level, e.g. 0.95.
        method: How it was computed.
    """

    low: float
    high: float
    confidence: float
    method: str


@functools.lru_cache(maxsize=1024)
def _t_quantile(q: float, df: int) -> float:
    """Student's t quantile; SciPy's distribution machinery costs 0.4 ms a call."""
    return float(stats.t.ppf(q, df))


def mean_ci(
    samples: npt.ArrayLike, *, confidence: float = 0.95, lower_bound: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Student-t confidence interval of the mean along axis 0 (over seeds).

    Exact for normal data, and needs no random numbers; on skewed data (regret with a few
    bad seeds) it is too narrow, so the numbers of a report's tables use `mean_interval`.
    Reports use this one for the pointwise bands of the anytime figures.

    Args:
        samples: Shape ``(n_seeds,)`` or ``(n_seeds, n_points)``; one interval per column.
        confidence: Confidence level.
        lower_bound: A bound the mean cannot be below (0 for regret): the interval is cut
            there. Its coverage is unchanged, since the true mean is never below it.

    Returns:
        ``(low, high)`` arrays with one entry per column (0-d for 1-d input). With a single
        seed the interval is NaN: one value says nothing about spread. A constant column
        gives the zero-width interval at its value.
    """
    data = _as_float(samples)
    n = data.shape[0]
    if n < 2:
        nan = np.full(data.shape[1:], np.nan)
        return nan, nan.copy()
    mean = data.mean(axis=0)
    half = _t_quantile(0.5 + confidence / 2.0, n - 1) * data.std(axis=0, ddof=1) / math.sqrt(n)
    low = mean - half if lower_bound is None else np.maximum(mean - half, lower_bound)
    return np.asarray(low, dtype=np.float64), np.asarray(mean + half, dtype=np.float64)


def bootstrap_t_ci(
    samples: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = N_INTERVAL_RESAMPLES,
) -> tuple[float, float]:
    """Bootstrap-t (studentized bootstrap) interval of the mean of a 1-d sample.

    ``[mean - q(1 - a/2) se, mean - q(a/2) se]`` with ``q`` the quantiles of
    ``t* = (mean* - mean) / se*`` over resamples of the values, ``se = sd / sqrt(n)``
    (Efron & Tibshirani 1993, ch. 12). Second-order accurate: it follows the skewness of
    the data, which the t interval ignores. Resamples without spread (every value drawn
    equal, common when many seeds reach the optimum) have no ``t*`` and are left out.

    Args:
        samples: One value per seed.
        rng: Draws the resamples.
        confidence: Confidence level.
        n_resamples: Resamples.

    Returns:
        ``(low, high)``; NaN with fewer than 2 values, or where fewer than half the
        resamples have spread (there is then nothing to studentize by).
    """
    x = _as_float(samples)
    n = x.size
    if n < 2:
        return math.nan, math.nan
    mean = float(x.mean())
    se = float(x.std(ddof=1)) / math.sqrt(n)
    if se == 0.0:
        return mean, mean
    resampled = x[rng.integers(0, n, size=(n_resamples, n))]
    se_star = resampled.std(axis=1, ddof=1) / math.sqrt(n)
    spread = se_star > 0.0
    if 2 * int(np.count_nonzero(spread)) < n_resamples:
        return math.nan, math.nan
    t_star = (resampled.mean(axis=1)[spread] - mean) / se_star[spread]
    tail = (1.0 - confidence) / 2.0
    q_low, q_high = np.quantile(t_star, [tail, 1.0 - tail], method="inverted_cdf")
    return mean - float(q_high) * se, mean - float(q_low) * se


def mean_interval(
    samples: npt.ArrayLike,
    *,
    confidence: float = 0.95,
    lower_bound: float | None = None,
    rng: np.random.Generator | None = None,
) -> Interval:
    """Confidence interval of the mean of a 1-d sample: t, widened by the bootstrap-t.

    From `MIN_BOOTSTRAP_T_SEEDS` values on, each bound is the further of the Student-t
    interval's and the bootstrap-t interval's (`bootstrap_t_ci`); with fewer, the t
    interval's. Chosen by the coverage simulation of docs/reports.md
    (``tests/test_stats_calibration.py``): at 20 seeds of log-normal data (sigma 1, the
    skew of regret with a few bad seeds) the t interval covers 0.86-0.87 of the time, BCa
    0.86, the bootstrap-t 0.91-0.92 and this one 0.92-0.93. On normal data it covers
    0.95-0.96 (never less than the t interval, which is exact there).

    Args:
        samples: One value per seed.
        confidence: Confidence level.
        lower_bound: A bound the mean cannot be below (0 for regret): the interval is cut
            there (its coverage is unchanged).
        rng: Draws the bootstrap resamples; default a generator seeded from the values
            (`data_rng`), so the interval is a function of the sample alone.

    Returns:
        The interval; NaN with fewer than 2 values, zero width for a constant sample.
    """
    x = _as_float(samples)
    low_t, high_t = (float(v) for v in mean_ci(x, confidence=confidence))
    low, high = low_t, high_t
    if x.size >= MIN_BOOTSTRAP_T_SEEDS:
        gen = data_rng(x) if rng is None else rng
        low_b, high_b = bootstrap_t_ci(x, rng=gen, confidence=confidence)
        if math.isfinite(low_b) and math.isfinite(high_b):
            low, high = min(low_t, low_b), max(high_t, high_b)
    if lower_bound is not None and math.isfinite(low):
        low = max(low, lower_bound)
    return Interval(low=low, high=high, confidence=confidence, method=INTERVAL_METHOD)


def bootstrap_mean_ci(
    samples: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap interval of the mean along axis 0 (over seeds).

    Not used by reports since the coverage simulation (it is too narrow at the seed counts
    of a comparison); kept as a reference the simulation compares `mean_interval` with.

    Args:
        samples: Shape ``(n_seeds,)`` or ``(n_seeds, n_points)``; one interval per column.
        rng: The generator that draws the resamples.
        confidence: Confidence level.
        n_resamples: Bootstrap resamples.

    Returns:
        ``(low, high)`` arrays with one entry per column (0-d for 1-d input). With a single
        seed the interval is NaN: one value says nothing about spread.
    """
    data = _as_float(samples)
    if data.shape[0] < 2:
        nan = np.full(data.shape[1:], np.nan)
        return nan, nan.copy()
    result = stats.bootstrap(
        (data,),
        np.mean,
        axis=0,
        vectorized=True,
        method="percentile",
        confidence_level=confidence,
        n_resamples=n_resamples,
        rng=rng,
    )
    low = np.asarray(result.confidence_interval.low, dtype=np.float64)
    high = np.asarray(result.confidence_interval.high, dtype=np.float64)
    # Constant columns give a degenerate (NaN) interval in SciPy; the mean is then exact.
    const = np.all(data == data[0], axis=0)
    low = np.where(const, data[0], low)
    high = np.where(const, data[0], high)
    return low, high


@dataclass(frozen=True, slots=True, kw_only=True)
class Describe:
    """Location and spread of one sample.

    Attributes:
        n: Sample size.
        mean: Mean.
        sd: Standard deviation (ddof=1; NaN for n < 2).
        median: Median.
        q1: First quartile.
        q3: Third quartile.
    """

    n: int
    mean: float
    sd: float
    median: float
    q1: float
    q3: float


def describe(samples: npt.ArrayLike) -> Describe:
    """Mean, sd, median and quartiles (linear interpolation, numpy's default)."""
    x = _as_float(samples)
    if x.size == 0:
        return Describe(n=0, mean=math.nan, sd=math.nan, median=math.nan, q1=math.nan, q3=math.nan)
    q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    return Describe(
        n=int(x.size),
        mean=float(x.mean()),
        sd=float(x.std(ddof=1)) if x.size > 1 else math.nan,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
    )


def vargha_delaney_a12(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Vargha-Delaney A12: P(X > Y) + 0.5 P(X = Y) over all pairs of the two samples.

    0.5 means no effect; Vargha & Delaney (2000) call 0.56 / 0.64 / 0.71 (or the mirror below
    0.5) small / medium / large. It equals the Mann-Whitney U of ``x`` divided by ``n_x n_y``.
    """
    a, b = _as_float(x), _as_float(y)
    if a.size == 0 or b.size == 0:
        return math.nan
    diff = a[:, None] - b[None, :]
    return float((np.count_nonzero(diff > 0) + 0.5 * np.count_nonzero(diff == 0)) / diff.size)


def matched_pairs_rank_biserial(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Matched-pairs rank-biserial correlation of ``x - y`` (Kerby 2014).

    ``(R+ - R-) / (R+ + R-)`` where ``R+`` (``R-``) is the sum of ranks of ``|x - y|`` over
    positive (negative) differences; zero differences are left out, so ``r`` describes the
    pairs that differ. In [-1, 1]; 0 when all pairs are equal.
    """
    d = _as_float(x) - _as_float(y)
    d = d[d != 0]
    if d.size == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(d))
    total = float(ranks.sum())
    return float((ranks[d > 0].sum() - ranks[d < 0].sum()) / total)


@dataclass(frozen=True, slots=True, kw_only=True)
class PairedTest:
    """A paired Wilcoxon signed-rank test of two samples, and its effect sizes.

    Attributes:
        n_pairs: Pairs (seeds) compared.
        n_zero: Pairs with equal values (zero differences).
        n_tied: Pairs whose absolute difference ties with another pair's.
        statistic: The smaller of the two signed-rank sums (SciPy's statistic; None if not
            tested).
        r_plus: Sum of ranks of positive differences (zero ranks split if ``zsplit``).
        r_minus: Sum of ranks of negative differences.
        pvalue: Two-sided p-value, or None where the test cannot mean anything (see
            ``note``).
        method: How the p-value was computed (`wilcoxon_method`), or ``none``.
        n_permutations: Random sign flips of a Monte Carlo p-value; None where it is exact.
        pvalue_standard_error: Monte Carlo standard error of the p-value (0 where exact;
            None without a p-value).
        zero_method: How zero differences were handled (SciPy's name).
        rank_biserial: `matched_pairs_rank_biserial` of ``x - y``.
        a12: `vargha_delaney_a12` of ``x`` against ``y``.
        mean_difference: Mean of ``x - y``.
        note: Why no p-value was computed, or what to keep in mind; empty if nothing.
    """

    n_pairs: int
    n_zero: int
    n_tied: int
    statistic: float | None
    r_plus: float
    r_minus: float
    pvalue: float | None
    method: str
    n_permutations: int | None = None
    pvalue_standard_error: float | None = None
    zero_method: str
    rank_biserial: float
    a12: float
    mean_difference: float
    note: str


def min_wilcoxon_pvalue(n_nonzero: int) -> float:
    """The smallest two-sided p-value an exact Wilcoxon test on ``n_nonzero`` pairs can give."""
    return min(1.0, 2.0 / 2.0**n_nonzero) if n_nonzero > 0 else 1.0


#: How `paired_wilcoxon` computes a p-value, as recorded per test. The first two are the
#: same computation (every sign flip counted); without zeros or ties it is the exact null
#: distribution that ``scipy.stats.wilcoxon(method="exact")`` uses.
WILCOXON_EXACT = "exact"
WILCOXON_PERMUTATION = "exact permutation (all 2**n sign flips; ties or zeros)"
WILCOXON_MONTE_CARLO = "Monte Carlo permutation (random sign flips, seeded from the data)"
#: Most differing pairs whose 2**n sign flips are counted exactly (by a recursion over the
#: ranks: about 30 ms at 300 pairs); beyond, random flips.
MAX_EXACT_FLIP_PAIRS = 300
#: Random sign flips of a Monte Carlo p-value: standard error 0.0015 at p = 0.05.
N_SIGN_FLIPS = 20_000


def wilcoxon_method(n_pairs: int, *, n_zero: int, n_tied: int) -> str:
    """How `paired_wilcoxon` computes the p-value of ``n_pairs`` pairs.

    Every sign flip of the ``n_pairs - n_zero`` differing pairs is counted up to
    `MAX_EXACT_FLIP_PAIRS` of them (``exact`` without zeros or ties, where it is the
    signed-rank statistic's exact null distribution, else ``exact permutation``); beyond,
    a Monte Carlo permutation p-value from `N_SIGN_FLIPS` random flips. SciPy's ``auto``
    method (SciPy >= 1.15) used the normal approximation from 14 pairs with zeros or ties,
    off by 0.05 at 20 pairs with 13 zeros; it is not used.

    Args:
        n_pairs: Pairs, zero differences included.
        n_zero: Zero differences.
        n_tied: Non-zero differences whose absolute value ties with another's.
    """
    if n_pairs - n_zero > MAX_EXACT_FLIP_PAIRS:
        return WILCOXON_MONTE_CARLO
    return WILCOXON_EXACT if n_zero == 0 and n_tied == 0 else WILCOXON_PERMUTATION


def paired_wilcoxon(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    zero_method: ZeroMethod = "zsplit",
    rng: np.random.Generator | None = None,
) -> PairedTest:
    """Two-sided Wilcoxon signed-rank test of paired samples (pairs matched by position).

    Zero differences (both strategies reach the same regret, common at the optimum) are
    handled by ``zero_method``: ``zsplit`` (default) ranks them and splits their ranks
    evenly between the two sums; ``pratt`` ranks them and then drops them; ``wilcox`` drops
    them first. Either way the zeros' ranks stay where they are under a sign flip, so the
    p-value is that of the permutation distribution over the flips of the non-zero
    differences (``zsplit`` and ``pratt`` give the same p-value).

    The p-value counts every sign flip (`wilcoxon_method`): exact, for up to
    `MAX_EXACT_FLIP_PAIRS` differing pairs, whatever the zeros and ties; beyond, a Monte
    Carlo permutation p-value ``(1 + flips at least as extreme) / (1 + flips)`` per tail,
    doubled, with its standard error. Without zeros or ties and up to 50 pairs it equals
    ``scipy.stats.wilcoxon(method="exact")``, with them and up to 13 pairs SciPy's
    exhaustive permutation test (both checked in ``tests/test_stats_properties.py``).

    No p-value is reported (``pvalue=None`` with a ``note``) when every pair is equal, or
    when even the most extreme outcome could not reach ``alpha``: with ``n`` non-zero
    differences the smallest possible p-value is ``2 / 2**n``, so for ``alpha=0.05`` at
    least 6 pairs that differ are needed.

    Args:
        x: First sample, one value per seed.
        y: Second sample, the same seeds in the same order.
        alpha: Significance level, used only to decide whether a test can mean anything.
        zero_method: SciPy's ``zero_method``.
        rng: Draws the random sign flips of a Monte Carlo p-value; default a generator
            seeded from the differences (`data_rng`). Unused where the p-value is exact.

    Raises:
        ValueError: The samples differ in length or contain NaN.
    """
    a, b = _as_float(x), _as_float(y)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired samples must be 1-d of equal length, got {a.shape}, {b.shape}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("paired samples must not contain NaN")
    d = a - b
    n = int(d.size)
    nonzero = d[d != 0]
    n_zero = n - int(nonzero.size)
    absd = np.abs(d if zero_method != "wilcox" else nonzero)
    _, counts = np.unique(absd[absd != 0], return_counts=True)
    n_tied = int(counts[counts > 1].sum())
    ranks = stats.rankdata(absd) if absd.size else absd
    signed = d if zero_method != "wilcox" else nonzero
    zero_share = ranks[signed == 0].sum() / 2 if zero_method == "zsplit" else 0.0
    r_plus = float(ranks[signed > 0].sum() + zero_share)
    r_minus = float(ranks[signed < 0].sum() + zero_share)
    common = {
        "n_pairs": n,
        "n_zero": n_zero,
        "n_tied": n_tied,
        "r_plus": r_plus,
        "r_minus": r_minus,
        "zero_method": zero_method,
        "rank_biserial": matched_pairs_rank_biserial(a, b),
        "a12": vargha_delaney_a12(a, b),
        "mean_difference": float(d.mean()) if n else math.nan,
    }
    if nonzero.size == 0:
        return PairedTest(
            statistic=None,
            pvalue=None,
            method="none",
            note=f"all {n} pairs are equal: no difference to test",
            **common,  # type: ignore[arg-type]
        )
    if min_wilcoxon_pvalue(int(nonzero.size)) > alpha:
        return PairedTest(
            statistic=None,
            pvalue=None,
            method="none",
            note=(
                f"only {nonzero.size} of {n} pairs differ: the smallest possible p-value "
                f"({min_wilcoxon_pvalue(int(nonzero.size)):.3g}) exceeds alpha={alpha:g}, "
                "so no test is reported"
            ),
            **common,  # type: ignore[arg-type]
        )
    method = wilcoxon_method(n, n_zero=n_zero, n_tied=n_tied)
    flipped, positive = ranks[signed != 0], signed[signed != 0] > 0
    draws: int | None = None
    if method == WILCOXON_MONTE_CARLO:
        draws = N_SIGN_FLIPS
        gen = data_rng(d) if rng is None else rng
        pvalue = _sign_flip_pvalue_mc(flipped, positive, rng=gen, n_flips=draws)
        error = math.sqrt(pvalue * (1.0 - pvalue) / draws)
    else:
        pvalue, error = _sign_flip_pvalue(flipped, positive), 0.0
    return PairedTest(
        statistic=min(r_plus, r_minus),
        pvalue=min(1.0, max(0.0, pvalue)),
        method=method,
        n_permutations=draws,
        pvalue_standard_error=error,
        note="",
        **common,  # type: ignore[arg-type]
    )


def _sign_flip_pvalue(ranks: FloatArray, positive: npt.NDArray[np.bool_]) -> float:
    """Two-sided p-value of the signed-rank sum over all sign flips of the non-zero pairs.

    What ``scipy.stats.wilcoxon`` computes with a `~scipy.stats.PermutationMethod` that
    enumerates every flip: twice the smaller tail probability of
    ``sum(rank_i * [d_i > 0])``, capped at 1. Zero differences keep their (split, dropped
    or absent) share whatever the flip, so only the ranks of the non-zero ones enter;
    midranks are halves, so the sums are counted in half-ranks. The distribution is built
    by the usual recursion (each rank in the positive sum with probability 1/2), in
    probabilities, so it neither overflows nor loses more than rounding at 300 pairs.

    Args:
        ranks: Ranks of the non-zero differences among the ranked ones (midranks for ties).
        positive: Which of those differences are positive.
    """
    halves = np.rint(2.0 * ranks).astype(np.int64)
    pmf = np.zeros(int(halves.sum()) + 1)
    pmf[0] = 1.0
    for h in halves.tolist():
        if h:
            pmf[h:] = (pmf[h:] + pmf[:-h]) / 2.0
            pmf[:h] /= 2.0
    observed = int(halves[positive].sum())
    below = float(pmf[: observed + 1].sum())
    above = float(pmf[observed:].sum())
    return float(min(1.0, 2.0 * min(below, above)))


def _sign_flip_pvalue_mc(
    ranks: FloatArray,
    positive: npt.NDArray[np.bool_],
    *,
    rng: np.random.Generator,
    n_flips: int,
) -> float:
    """Monte Carlo version of `_sign_flip_pvalue`: ``n_flips`` random flips.

    Each tail is ``(1 + flips at least as extreme) / (1 + flips)`` (Phipson & Smyth 2010:
    never 0, and a valid p-value for any number of flips); the smaller is doubled and
    capped at 1, as in the exact test.
    """
    halves = np.rint(2.0 * ranks).astype(np.int64)
    observed = int(halves[positive].sum())
    below = above = 0
    for start in range(0, n_flips, 1000):
        size = min(1000, n_flips - start)
        sums = (rng.random((size, halves.size)) < 0.5) @ halves
        below += int(np.count_nonzero(sums <= observed))
        above += int(np.count_nonzero(sums >= observed))
    tail = (1.0 + min(below, above)) / (1.0 + n_flips)
    return float(min(1.0, 2.0 * tail))


def signed_rank_tail(n: int, z: float) -> float:
    """Chance that ``|z|`` of the signed-rank statistic exceeds ``z`` on ``n`` untied pairs.

    ``z = (2 R+ - n(n+1)/2) / sqrt(n(n+1)(2n+1)/6)``, the standardised statistic of
    `reports._best.signed_rank_z`, under its exact null distribution: the two-sided level
    of a single Wilcoxon test that rejects exactly what a critical value ``z`` (the largest
    statistic not significant) of a family rejects. 0 where no outcome exceeds ``z``.

    Args:
        n: Pairs, all differing, without ties.
        z: Critical value (``|z| > z`` counts, within 1e-9).
    """
    if n < 1:
        return 0.0
    total = n * (n + 1) // 2
    pmf = np.zeros(total + 1)
    pmf[0] = 1.0
    for rank in range(1, n + 1):
        pmf[rank:] = (pmf[rank:] + pmf[:-rank]) / 2.0
        pmf[:rank] /= 2.0
    scale = math.sqrt(n * (n + 1) * (2 * n + 1) / 6.0)
    values = np.abs(2.0 * np.arange(total + 1) - total) / scale
    return float(min(1.0, pmf[values > z + 1e-9].sum()))


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (as statsmodels ``multipletests(method='holm')``).

    ``None`` entries (tests that could not be run) are left out of the family and stay None.
    Adjusted values are never below the raw ones and keep the order of the raw ones.
    """
    idx = [i for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    if not idx:
        return out
    raw = np.array([pvalues[i] for i in idx], dtype=np.float64)
    # Holm (1979): sort ascending, multiply the j-th smallest by (m - j), take running
    # maxima, cap at 1. Same numbers as statsmodels' multipletests(method="holm") (tested),
    # which calls gc.collect() on every call: 0.15 s each in a report process full of
    # matplotlib objects, for 16 families per report.
    m = raw.size
    order = np.argsort(raw, kind="stable")
    stepped = np.maximum.accumulate(raw[order] * (m - np.arange(m)))
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    for i, p in zip(idx, adjusted.tolist(), strict=True):
        out[i] = p
    return out


def average_ranks(scores: npt.ArrayLike) -> FloatArray:
    """Average rank of each column over the rows; rank 1 is the lowest score, ties averaged.

    Args:
        scores: Shape ``(n_blocks, k)``: one row per block (seed or space), one column per
            strategy; lower is better (regret).
    """
    data = _as_float(scores)
    return np.asarray(stats.rankdata(data, axis=1).mean(axis=0), dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class FriedmanResult:
    """Friedman test over blocks with Iman-Davenport's F, and the Nemenyi critical difference.

    Attributes:
        n_blocks: Blocks (spaces).
        k: Treatments (strategies).
        average_ranks: Average rank of each strategy (1 = best).
        chi2: Friedman's chi-square statistic (tie-corrected, SciPy).
        pvalue: Its p-value (chi-square with k-1 degrees of freedom).
        iman_davenport_f: Iman & Davenport's F statistic (Demšar 2006, eq. 3).
        iman_davenport_pvalue: Its p-value, F with (k-1, (k-1)(N-1)) degrees of freedom.
        alpha: Level of the critical difference.
        q_alpha: Studentized range quantile / sqrt(2).
        critical_difference: Nemenyi critical difference of average ranks.
        note: A warning about the sample size, or empty.
    """

    n_blocks: int
    k: int
    average_ranks: tuple[float, ...]
    chi2: float
    pvalue: float
    iman_davenport_f: float | None
    iman_davenport_pvalue: float | None
    alpha: float
    q_alpha: float
    critical_difference: float
    note: str


def nemenyi_q(k: int, *, alpha: float = 0.05) -> float:
    """Critical value ``q_alpha`` of the Nemenyi test for ``k`` treatments (Demšar 2006).

    The upper ``alpha`` quantile of the studentized range of ``k`` means with infinite
    degrees of freedom, divided by sqrt(2).
    """
    if k < 2:
        raise ValueError(f"the Nemenyi test needs at least 2 treatments, got {k}")
    return float(stats.studentized_range.ppf(1.0 - alpha, k, np.inf) / math.sqrt(2.0))


def nemenyi_cd(k: int, n_blocks: int, *, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of average ranks: ``q_alpha sqrt(k (k+1) / (6 N))``."""
    return nemenyi_q(k, alpha=alpha) * math.sqrt(k * (k + 1) / (6.0 * n_blocks))


def iman_davenport(chi2: float, k: int, n_blocks: int) -> tuple[float | None, float | None]:
    """Iman-Davenport F from Friedman's chi-square, and its p-value (None if undefined)."""
    denom = n_blocks * (k - 1) - chi2
    if n_blocks < 2 or denom <= 0:
        return None, None
    f = (n_blocks - 1) * chi2 / denom
    p = float(stats.f.sf(f, k - 1, (k - 1) * (n_blocks - 1)))
    return float(f), min(1.0, max(0.0, p))


def friedman(scores: npt.ArrayLike, *, alpha: float = 0.05) -> FriedmanResult:
    """Friedman test of ``k >= 3`` strategies over ``N >= 2`` blocks, lower score better.

    Args:
        scores: Shape ``(N, k)``: one row per block (space), one column per strategy.
        alpha: Level of the Nemenyi critical difference.

    Raises:
        ValueError: Fewer than 3 strategies or 2 blocks, or NaN scores.
    """
    data = _as_float(scores)
    if data.ndim != 2 or data.shape[1] < 3 or data.shape[0] < 2:
        raise ValueError(
            f"the Friedman test needs at least 3 strategies and 2 blocks, got shape {data.shape}"
        )
    if np.isnan(data).any():
        raise ValueError("Friedman scores must not contain NaN")
    n, k = data.shape
    ranks = average_ranks(data)
    if np.all(data == data[:, :1]):
        chi2, p = 0.0, 1.0  # every strategy tied in every block; SciPy would divide by zero
    else:
        res = stats.friedmanchisquare(*data.T)
        chi2, p = float(res.statistic), float(min(1.0, max(0.0, res.pvalue)))
    f, fp = iman_davenport(chi2, k, n)
    note = ""
    if n < 10 or k < 5:
        note = (
            f"{n} blocks and {k} strategies: the chi-square approximation of the Friedman "
            "statistic is rough below about 10 blocks and 5 strategies (Demšar 2006); "
            "Iman-Davenport's F is less conservative"
        )
    return FriedmanResult(
        n_blocks=n,
        k=k,
        average_ranks=tuple(float(r) for r in ranks),
        chi2=chi2,
        pvalue=p,
        iman_davenport_f=f,
        iman_davenport_pvalue=fp,
        alpha=alpha,
        q_alpha=nemenyi_q(k, alpha=alpha),
        critical_difference=nemenyi_cd(k, n, alpha=alpha),
        note=note,
    )


#: Permutations of the blocks' ranks behind `friedman_permutation` where not every one is
#: counted: Monte Carlo standard error 0.0022 at p = 0.05.
N_FRIEDMAN_PERMUTATIONS = 10_000
#: Most equally likely arrangements `friedman_permutation` counts one by one.
MAX_FRIEDMAN_ENUMERATION = 100_000


@dataclass(frozen=True, slots=True, kw_only=True)
class FriedmanPermutation:
    """Friedman's test and Nemenyi's critical difference from the permutation distribution.

    Under the hypothesis that every strategy is equally good, the ranks within each block
    are equally likely to fall in any order; counting those orders (or drawing them) gives
    the exact null distribution of Friedman's statistic and of the largest difference of
    average ranks, which the chi-square and studentized-range approximations only
    approach with many blocks.

    Attributes:
        pvalue: Share of arrangements whose Friedman statistic is at least the observed.
        critical_difference: Average ranks further apart than this differ significantly
            (the range test behind Nemenyi's critical difference, at its exact level).
        pair_pvalues: Shape ``(k, k)``: per pair, the share of arrangements whose largest
            difference of average ranks is at least the pair's (single-step, every pair).
        exact: Whether every arrangement was counted.
        n_permutations: Arrangements counted or drawn.
        standard_error: Monte Carlo standard error of ``pvalue`` (0 where exact).
        method: How it was computed.
    """

    pvalue: float
    critical_difference: float
    pair_pvalues: tuple[tuple[float, ...], ...]
    exact: bool
    n_permutations: int
    standard_error: float
    method: str


#: How `friedman_permutation` computes, as recorded in reports.
FRIEDMAN_PERMUTATION_METHOD = (
    "permutation distribution of the within-block ranks: every arrangement of the "
    "strategies in each block counted (the first block held fixed) where there are at most "
    f"{MAX_FRIEDMAN_ENUMERATION:,}, else {N_FRIEDMAN_PERMUTATIONS:,} drawn (seeded from the "
    "scores; p = (1 + draws at least as extreme) / (1 + draws)); Friedman's statistic for "
    "the p-value, the largest difference of average ranks for the critical difference"
)


def friedman_permutation(
    scores: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    rng: np.random.Generator | None = None,
    n_permutations: int = N_FRIEDMAN_PERMUTATIONS,
) -> FriedmanPermutation:
    """Exact (or Monte Carlo) permutation Friedman test and Nemenyi critical difference.

    Args:
        scores: Shape ``(N, k)``: one row per block (space), one column per strategy;
            lower is better.
        alpha: Level of the critical difference.
        rng: Draws the arrangements where they are not all counted; default a generator
            seeded from the scores (`data_rng`).
        n_permutations: Draws where not every arrangement is counted.

    Raises:
        ValueError: Fewer than 2 strategies or blocks, or NaN scores.
    """
    data = _as_float(scores)
    if data.ndim != 2 or data.shape[1] < 2 or data.shape[0] < 2:
        raise ValueError(f"need at least 2 strategies and 2 blocks, got shape {data.shape}")
    if np.isnan(data).any():
        raise ValueError("Friedman scores must not contain NaN")
    n, k = data.shape
    ranks = stats.rankdata(data, axis=1)  # (N, k)
    # Relabelling every block alike changes neither statistic: hold the first block fixed.
    exact = math.factorial(k) ** (n - 1) <= MAX_FRIEDMAN_ENUMERATION
    if exact:
        orders = np.array(list(itertools.permutations(range(k))), dtype=np.int64)
        grid = np.indices((len(orders),) * (n - 1)).reshape(n - 1, -1).T  # (M, N - 1)
        perm = np.concatenate(
            [np.zeros((grid.shape[0], 1, k), dtype=np.int64), orders[grid]], axis=1
        )
        perm[:, 0, :] = np.arange(k)
    else:
        gen = data_rng(data) if rng is None else rng
        perm = gen.permuted(np.broadcast_to(np.arange(k), (n_permutations, n, k)), axis=-1)
    rows = np.arange(n)[None, :, None]
    sums = ranks[rows, perm].sum(axis=1)  # (M, k): rank sums per arrangement
    # Friedman's statistic is an increasing function of the sum of squared rank sums
    # (the tie correction depends only on each block's ranks, which a permutation keeps).
    observed_ss = float((ranks.sum(axis=0) ** 2).sum())
    ss = (sums**2).sum(axis=1)
    avg = sums / n
    spread = avg.max(axis=1) - avg.min(axis=1)
    observed_avg = ranks.mean(axis=0)
    tol = 1e-9 * max(1.0, observed_ss)
    count = int(np.count_nonzero(ss >= observed_ss - tol))
    size = int(perm.shape[0])
    if exact:
        pvalue = count / size
        error = 0.0
    else:
        pvalue = (1.0 + count) / (1.0 + size)
        error = math.sqrt(pvalue * (1.0 - pvalue) / size)

    def range_p(difference: float) -> float:
        hits = int(np.count_nonzero(spread >= difference - 1e-9))
        return hits / size if exact else (1.0 + hits) / (1.0 + size)

    # The critical difference: the largest attainable range whose p-value is still at
    # least alpha; pairs further apart than it (p < alpha) differ significantly.
    support = np.unique(np.round(spread * 2 * n) / (2 * n))
    not_significant = [float(v) for v in support if range_p(float(v)) >= alpha]
    cd = max(not_significant) if not_significant else 0.0
    pair_p = [
        [
            1.0 if i == j else range_p(abs(float(observed_avg[i] - observed_avg[j])))
            for j in range(k)
        ]
        for i in range(k)
    ]
    return FriedmanPermutation(
        pvalue=min(1.0, pvalue),
        critical_difference=cd,
        pair_pvalues=tuple(tuple(row) for row in pair_p),
        exact=exact,
        n_permutations=size,
        standard_error=error,
        method=FRIEDMAN_PERMUTATION_METHOD,
    )


#: Most seeds whose power is simulated (the Walsh-average count costs n**2 per sample);
#: beyond, the t test's power at the Wilcoxon test's asymptotic relative efficiency.
MAX_POWER_PAIRS = 50
#: Simulated samples per power estimate: Monte Carlo standard error about 0.006 at 80 %.
N_POWER_SIMULATIONS = 4000
#: Samples drawn at once in `wilcoxon_power` (bounds its memory to a few MB).
_POWER_CHUNK = 500


def min_seeds_for_alpha(alpha: float, n_comparisons: int = 1) -> int:
    """Fewest pairs at which a two-sided exact Wilcoxon test can be significant after Holm.

    Holm's first step rejects the smallest of ``m`` p-values when ``m p < alpha``, and the
    smallest p-value of the exact test on ``n`` pairs is ``2 / 2**n``: below the returned
    ``n`` no outcome, however one-sided, is significant. At ``alpha = 0.05``: 6 pairs for one
    test, 9 for 8 comparisons (9 strategies against the best), 11 for 36 (all their pairs).

    Args:
        alpha: Significance level of the family.
        n_comparisons: Tests in the family, ``m``.

    Raises:
        ValueError: ``alpha`` outside (0, 1) or fewer than one comparison.
    """
    if not 0.0 < alpha < 1.0 or n_comparisons < 1:
        raise ValueError(f"need 0 < alpha < 1 and m >= 1, got alpha={alpha!r}, m={n_comparisons}")
    n = 1
    while n_comparisons * min_wilcoxon_pvalue(n) >= alpha:
        n += 1
    return n


@functools.lru_cache(maxsize=256)
def _critical_rank_sums(n_max: int, alpha: float, n_comparisons: int) -> FloatArray:
    """Per ``n = 1..n_max``: the largest ``T+ <= n(n+1)/4`` that the exact test rejects.

    Rejection as Holm's first step decides it: ``m p < alpha`` with SciPy's two-sided exact
    p-value ``min(1, 2 P(T+ <= t))``; by symmetry ``T+ >= n(n+1)/2 - c`` is rejected too.
    -1 where nothing can be rejected. The null distribution of ``T+`` is built by the usual
    recursion over ranks (each rank is in the positive sum with probability 1/2), exact in
    binary floating point for these ``n``.
    """
    out = np.full(n_max, -1.0)
    pmf = np.ones(1)
    for n in range(1, n_max + 1):
        total = n * (n + 1) // 2
        step = np.zeros(total + 1)
        step[: pmf.size] += pmf / 2.0
        step[n:] += pmf / 2.0
        pmf = step
        t = np.arange(total + 1)
        p = np.minimum(1.0, 2.0 * np.cumsum(pmf))
        ok = (2 * t <= total) & (n_comparisons * p < alpha)
        if ok.any():
            out[n - 1] = float(t[ok].max())
    out.flags.writeable = False
    return out


def wilcoxon_power(
    effect_size: float,
    n_max: int,
    *,
    alpha: float,
    n_comparisons: int = 1,
    rng: np.random.Generator,
    n_simulations: int = N_POWER_SIMULATIONS,
) -> FloatArray:
    """Simulated power of the two-sided exact Wilcoxon signed-rank test at ``n = 1..n_max``.

    The paired differences are normal with mean ``effect_size`` (dz) and sd 1; the test
    rejects at Holm's first-step level (``m p < alpha``, `_critical_rank_sums`), so for one
    comparison of a Holm family the result is a lower bound of its power (Holm rejects
    whatever Bonferroni rejects). Every ``n`` reads the first ``n`` differences of the same
    simulated samples, so the estimates are smooth in ``n``. ``T+`` is counted as the number
    of positive Walsh averages ``(d_i + d_j) / 2, i <= j``, which equals the signed-rank sum
    for continuous data and lets one pass give ``T+`` for every ``n``.

    Args:
        effect_size: dz = mean / sd of the paired differences (its sign does not matter).
        n_max: Largest number of pairs, at most 50 (beyond, `seeds_for_power` uses the
            asymptotic relative efficiency).
        alpha: Significance level of the family.
        n_comparisons: Tests in the family, ``m``.
        rng: Draws the samples.
        n_simulations: Samples per ``n``.

    Returns:
        Shape ``(n_max,)``: the power with ``1, 2, ..., n_max`` pairs.

    Raises:
        ValueError: ``n_max`` outside 1..50.
    """
    if not 1 <= n_max <= MAX_POWER_PAIRS:
        raise ValueError(f"n_max must be in 1..{MAX_POWER_PAIRS}, got {n_max}")
    crit = _critical_rank_sums(n_max, float(alpha), int(n_comparisons))
    n = np.arange(1, n_max + 1)
    total = n * (n + 1) / 2.0
    upper = np.triu(np.ones((n_max, n_max), dtype=np.bool_))  # pairs i <= j
    rejected = np.zeros(n_max)
    for start in range(0, n_simulations, _POWER_CHUNK):
        size = min(_POWER_CHUNK, n_simulations - start)
        d = rng.standard_normal((size, n_max)) + abs(effect_size)
        walsh = ((d[:, :, None] + d[:, None, :]) > 0.0) & upper
        t_plus = np.cumsum(walsh.sum(axis=1), axis=1)  # T+ of the first n differences
        rejected += ((t_plus <= crit) | (t_plus >= total - crit)).sum(axis=0)
    return np.asarray(rejected / n_simulations, dtype=np.float64)


def _asymptotic_n(effect_size: float, alpha: float, power: float) -> float:
    """Pairs a two-sided paired t test needs, divided by the Wilcoxon test's ARE.

    NaN where statsmodels' root finder gives up (an effect so large that fewer than two pairs
    would do): the caller then starts its exact search at two pairs.
    """
    with warnings.catch_warnings():
        # The solver's ConvergenceWarning would reach the user's terminal; NaN says it all.
        warnings.simplefilter("ignore", ConvergenceWarning)
        n_t = TTestPower().solve_power(
            effect_size=effect_size, alpha=alpha, power=power, alternative="two-sided", nobs=None
        )
    return float(np.asarray(n_t).item()) / WILCOXON_ARE


def _asymptotic_power(effect_size: float, n: int, alpha: float) -> float:
    """Power of the Wilcoxon test on ``n`` pairs as that of a t test on ``n * ARE`` pairs."""
    p = TTestPower().power(
        effect_size=effect_size, nobs=n * WILCOXON_ARE, alpha=alpha, alternative="two-sided"
    )
    return float(np.asarray(p).item())


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedEstimate:
    """Power of the paired test at the observed effect, and the seeds a target power needs.

    Attributes:
        effect_size: Observed ``dz = |mean(d)| / sd(d)`` of the paired differences; None
            where it is undefined (fewer than 2 pairs, or no spread).
        n_seeds_now: Pairs compared.
        achieved_power: Power of the test with ``n_seeds_now`` seeds if the true effect were
            the observed one; None where there is no estimate.
        n_seeds: Fewest seeds with at least ``power`` at the observed effect, never below
            ``min_seeds``; None where there is no estimate.
        min_seeds: Fewest seeds at which the test can reach ``alpha`` in its family at all.
        power: Target power.
        alpha: Significance level of the family.
        n_comparisons: Tests in the family.
        per_test_alpha: The level each test was simulated at: ``alpha / n_comparisons``
            (Holm's first step) unless the family gave its own.
        method: How it was computed.
        note: Why there is no estimate, or empty.
    """

    effect_size: float | None
    n_seeds_now: int
    achieved_power: float | None
    n_seeds: int | None
    min_seeds: int
    power: float
    alpha: float
    n_comparisons: int
    per_test_alpha: float
    method: str
    note: str


#: How `seeds_for_power` computes, as recorded in reports.
POWER_METHOD = (
    "power of the two-sided exact Wilcoxon signed-rank test at the first-step level of its "
    "family, per_test_alpha (Holm: alpha/m; against a best chosen on the same data: the "
    "level of a single test whose critical |z| is that of the permutation max-statistic "
    "procedure's first step at the seeds compared), a lower bound of its power within the "
    "family, for normally distributed paired differences with the observed dz = "
    "|mean(d)|/sd(d), simulated (seeded) for 1 to 50 seeds; seeds needed: the fewest, never "
    "below the smallest number at which the exact test can reach per_test_alpha, with power "
    ">= the target; beyond 50 seeds the paired t test's sample size (statsmodels "
    "TTestPower) divided by the Wilcoxon ARE 3/pi"
)


def seeds_for_power(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    n_comparisons: int = 1,
    per_test_alpha: float | None = None,
    rng: np.random.Generator,
    n_simulations: int = N_POWER_SIMULATIONS,
) -> SeedEstimate:
    """Power of the paired Wilcoxon test of x and y at their observed effect, and seeds needed.

    The test is the one reports use: two-sided Wilcoxon signed-rank, one of ``m`` tests of a
    Holm family. Its power is simulated (`wilcoxon_power`) for normal paired differences
    with the observed ``dz``, at ``alpha / m`` (Holm's first step; Holm rejects at least as
    much). The seeds needed are the fewest with at least ``power``, never fewer than
    `min_seeds_for_alpha` (where even a unanimous outcome cannot be significant). ``dz``
    estimated from few seeds is itself noisy, and "achieved power" at the observed effect is
    a function of the observed p-value: read both as planning figures for the next
    comparison, not as evidence about this one.

    Args:
        x: One strategy's results, one per seed.
        y: The other's, the same seeds in the same order.
        alpha: Significance level of the family.
        power: Target power.
        n_comparisons: Tests in the family, ``m``.
        per_test_alpha: The level one test of the family rejects at in its first step;
            default ``alpha / n_comparisons`` (Holm).
        rng: Draws the simulated samples.
        n_simulations: Samples per number of seeds.
    """
    d = _as_float(x) - _as_float(y)
    n = int(d.size)
    level = alpha / n_comparisons if per_test_alpha is None else float(per_test_alpha)
    # The simulation rejects where m p < its alpha: Holm's first step, or the given level.
    sim_alpha, sim_m = (alpha, n_comparisons) if per_test_alpha is None else (level, 1)
    min_n = min_seeds_for_alpha(sim_alpha, sim_m)
    common = {
        "n_seeds_now": n,
        "min_seeds": min_n,
        "power": power,
        "alpha": alpha,
        "n_comparisons": n_comparisons,
        "per_test_alpha": level,
        "method": POWER_METHOD,
    }
    if n < 2:
        return SeedEstimate(
            effect_size=None,
            achieved_power=None,
            n_seeds=None,
            note="no estimate: needs at least 2 paired seeds",
            **common,  # type: ignore[arg-type]
        )
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0.0:
        if mean == 0.0:
            return SeedEstimate(
                effect_size=None,
                achieved_power=None,
                n_seeds=None,
                note="no estimate: the two strategies tie on every seed",
                **common,  # type: ignore[arg-type]
            )
        # Every seed differs by the same amount: every sample is unanimous, so the test
        # rejects exactly when it can.
        return SeedEstimate(
            effect_size=None,
            achieved_power=1.0 if n >= min_n else 0.0,
            n_seeds=min_n,
            note="the paired differences have no spread (every seed differs by the same "
            "amount): the fewest seeds at which the test can reach alpha suffice",
            **common,  # type: ignore[arg-type]
        )
    dz = abs(mean) / sd
    if dz == 0.0:
        return SeedEstimate(
            effect_size=0.0,
            achieved_power=None,
            n_seeds=None,
            note="no estimate: the mean difference is 0",
            **common,  # type: ignore[arg-type]
        )
    guess = max(2.0, _asymptotic_n(dz, level, power))
    # Simulate a little past the asymptotic guess (discreteness needs more seeds at small
    # n), and far enough for the achieved power; the simulation stops at 50 pairs, and past
    # them (guess > 50) only the achieved power is simulated.
    search = guess <= MAX_POWER_PAIRS
    n_max = min(MAX_POWER_PAIRS, max(min_n, n, math.ceil(guess * 1.25) + 4 if search else 1))
    simulated = np.zeros(0)
    enough: list[int] = []
    while min_n <= MAX_POWER_PAIRS and (search or n <= MAX_POWER_PAIRS):
        simulated = wilcoxon_power(
            dz,
            n_max,
            alpha=sim_alpha,
            n_comparisons=sim_m,
            rng=rng,
            n_simulations=n_simulations,
        )
        enough = [k for k in range(min_n, n_max + 1) if simulated[k - 1] >= power]
        if enough or n_max == MAX_POWER_PAIRS or not search:
            break
        n_max = MAX_POWER_PAIRS
    achieved = float(simulated[n - 1]) if n <= simulated.size else _asymptotic_power(dz, n, level)
    # Past 50 seeds the test is close to its normal limit, whose power the ARE predicts.
    n_seeds = enough[0] if enough else max(min_n, MAX_POWER_PAIRS + 1, math.ceil(guess - 1e-9))
    return SeedEstimate(
        effect_size=dz,
        achieved_power=achieved,
        n_seeds=n_seeds,
        note="",
        **common,  # type: ignore[arg-type]
    )


def normalized_area(curves: npt.ArrayLike) -> FloatArray:
    """Area under each anytime curve divided by its length (the mean of the curve).

    Args:
        curves: Shape ``(n_runs, n_points)``: regret on a common grid of equally spaced
            budget points (a step function, one value per point).

    Returns:
        One value per run, in regret units: 0 means the optimum from the first point on.
    """
    data = _as_float(curves)
    return np.asarray(data.mean(axis=-1), dtype=np.float64)


def hitting_points(curves: npt.ArrayLike, grid: npt.ArrayLike, target: float) -> FloatArray:
    """Budget at which each run's incumbent first has ``regret <= target`` (inf if never).

    The incumbent is chosen on the noisy observed value, so its oracle regret can rise again
    after reaching the target (a luckier-looking config replaces it). A run counts as having
    reached the target at the *first* point of its own path at or below it, whatever comes
    later; `above_target_again` says which runs rose above it afterwards. Pass the run's
    per-evaluation path, not a resampled one: a grid that skips evaluations can miss a dip
    below the target, and then two budget axes of the same runs disagree.

    Args:
        curves: Shape ``(n_runs, n_points)``: regret of the incumbent after each evaluation.
        grid: The budget at each point: shape ``(n_points,)`` shared by all runs (e.g. the
            evaluation count), or ``(n_runs, n_points)`` per run (e.g. each run's cumulative
            simulated seconds).
        target: Regret target; values within ``1e-12`` (relative) of it count as reached.

    Returns:
        One value per run: the budget at its first point at or below ``target``, or inf.
    """
    data = np.atleast_2d(_as_float(curves))
    g = np.broadcast_to(_as_float(grid), data.shape)
    if data.shape[1] == 0:  # no evaluation yet: nothing reached
        return np.full(data.shape[0], np.inf)
    hit = _at_or_below(data, target)
    first = np.argmax(hit, axis=1)
    at_first = g[np.arange(data.shape[0]), first]
    return np.where(hit.any(axis=1), at_first, np.inf)


def above_target_again(curves: npt.ArrayLike, target: float) -> npt.NDArray[np.bool_]:
    """Which runs reached ``regret <= target`` and later had the incumbent above it again.

    Args:
        curves: Shape ``(n_runs, n_points)``: regret of the incumbent after each evaluation.
        target: Regret target (the same tolerance as `hitting_points`).
    """
    data = np.atleast_2d(_as_float(curves))
    hit = _at_or_below(data, target)
    # After the first point at or below the target, is any later point above it?
    seen = np.maximum.accumulate(hit, axis=1)
    return np.asarray((seen & ~hit).any(axis=1), dtype=np.bool_)


def _at_or_below(data: FloatArray, target: float) -> npt.NDArray[np.bool_]:
    return np.asarray(data <= target + 1e-12 * max(1.0, abs(target)), dtype=np.bool_)


def ecdf(values: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Empirical CDF of hitting points over all runs, with not-reached (inf) counted.

    Returns:
        ``(x, fraction)``: the sorted finite values and the fraction of *all* runs (reached
        or not) at or below each; a strategy that never reaches the target tops out below 1.
    """
    v = _as_float(values)
    finite = np.sort(v[np.isfinite(v)])
    if v.size == 0:
        return finite, finite.copy()
    return finite, np.arange(1, finite.size + 1, dtype=np.float64) / v.size
