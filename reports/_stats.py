"""Pure statistics for comparison reports: arrays in, frozen results out.

Nothing here reads files, plots or touches a global random state; randomness comes in as an
explicit ``numpy.random.Generator``. Tests live in ``tests/test_stats*.py`` and check these
functions against published worked examples (Demšar 2006), against SciPy, statsmodels and
scikit-posthocs, and with property-based and simulation tests. The tests themselves are
taken from well-kept libraries where one does the job:

- intervals of a mean (and of a mean paired difference): Student's t, chosen over the
  percentile and BCa bootstraps by a coverage simulation (docs/reports.md): at 5-20 seeds
  the bootstraps cover 83-93 % of the time where they promise 95 %, the t interval 95 %;
- paired tests: `scipy.stats.wilcoxon` with SciPy's documented method choice (exact null
  distribution without ties or zeros, exact permutation distribution with them up to 13
  pairs, tie-corrected normal approximation beyond) and an explicit ``zero_method``, both
  recorded in the result;
- multiple comparisons: Holm's step-down correction, checked against `statsmodels`;
- Friedman: `scipy.stats.friedmanchisquare`; Nemenyi critical difference from
  `scipy.stats.studentized_range` (Demšar 2006, eq. 5), not from a printed table;
- power and seeds needed: the power of the test actually used (two-sided exact Wilcoxon
  signed-rank at Holm's first-step level ``alpha / m``) under a normal shift of the paired
  differences, simulated with an explicit generator; never fewer seeds than the smallest
  number at which that test can reach ``alpha / m`` at all.
"""

from __future__ import annotations

import functools
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


#: How `mean_ci` computes an interval, as recorded in reports.
T_INTERVAL = "Student-t interval of the mean: mean ± t(1 - (1 - confidence)/2, n - 1) sd / sqrt(n)"


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


def mean_ci(
    samples: npt.ArrayLike, *, confidence: float = 0.95, lower_bound: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Student-t confidence interval of the mean along axis 0 (over seeds).

    Chosen over the percentile and BCa bootstraps by the coverage simulation in
    ``tests/test_stats_calibration.py`` (figures in docs/reports.md): with normal data it
    covers at the promised rate at every n, where the bootstraps are too narrow below about
    50 seeds. It needs no random numbers, so it is reproducible by construction.

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
    half = stats.t.ppf(0.5 + confidence / 2.0, n - 1) * data.std(axis=0, ddof=1) / math.sqrt(n)
    low = mean - half if lower_bound is None else np.maximum(mean - half, lower_bound)
    return np.asarray(low, dtype=np.float64), np.asarray(mean + half, dtype=np.float64)


def mean_interval(
    samples: npt.ArrayLike, *, confidence: float = 0.95, lower_bound: float | None = None
) -> Interval:
    """`mean_ci` of a 1-d sample as an `Interval`."""
    low, high = mean_ci(samples, confidence=confidence, lower_bound=lower_bound)
    return Interval(low=float(low), high=float(high), confidence=confidence, method=T_INTERVAL)


def bootstrap_mean_ci(
    samples: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap interval of the mean along axis 0 (over seeds).

    Not used by reports since the coverage simulation (it is too narrow at the seed counts
    of a comparison); kept as the reference the simulation compares `mean_ci` with.

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
        statistic: SciPy's statistic (min of the signed-rank sums; None if not tested).
        r_plus: Sum of ranks of positive differences (zero ranks split if ``zsplit``).
        r_minus: Sum of ranks of negative differences.
        pvalue: Two-sided p-value, or None where the test cannot mean anything (see
            ``note``).
        method: How SciPy computed the p-value (`wilcoxon_method`), or ``none``.
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
    zero_method: str
    rank_biserial: float
    a12: float
    mean_difference: float
    note: str


def min_wilcoxon_pvalue(n_nonzero: int) -> float:
    """The smallest two-sided p-value an exact Wilcoxon test on ``n_nonzero`` pairs can give."""
    return min(1.0, 2.0 / 2.0**n_nonzero) if n_nonzero > 0 else 1.0


#: SciPy's names of the ways `scipy.stats.wilcoxon` (``method="auto"``) computes a p-value.
WILCOXON_EXACT = "exact"
WILCOXON_PERMUTATION = "exact permutation (all 2**n sign flips; ties or zeros)"
WILCOXON_NORMAL = "normal approximation (tie-corrected)"
#: Most pairs for SciPy's exact null distribution, and for its exhaustive permutations.
MAX_EXACT_PAIRS = 50
MAX_PERMUTATION_PAIRS = 13


def wilcoxon_method(n_pairs: int, *, n_zero: int, n_tied: int) -> str:
    """How ``scipy.stats.wilcoxon(method="auto")`` computes the p-value (SciPy >= 1.15).

    SciPy's documented choice: the exact null distribution for up to 50 pairs without zero
    or tied differences; with zeros or ties, an exhaustive permutation test of the signs
    (exact, and deterministic) for up to 13 pairs, else the tie-corrected normal
    approximation, which is also used beyond 50 pairs.

    Args:
        n_pairs: Pairs, zero differences included.
        n_zero: Zero differences.
        n_tied: Non-zero differences whose absolute value ties with another's.
    """
    if n_pairs > MAX_EXACT_PAIRS:
        return WILCOXON_NORMAL
    if n_zero == 0 and n_tied == 0:
        return WILCOXON_EXACT
    return WILCOXON_PERMUTATION if n_pairs <= MAX_PERMUTATION_PAIRS else WILCOXON_NORMAL


def paired_wilcoxon(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    zero_method: ZeroMethod = "zsplit",
) -> PairedTest:
    """Two-sided Wilcoxon signed-rank test of paired samples (pairs matched by position).

    Zero differences (both strategies reach the same regret, common at the optimum) are
    handled by ``zero_method``: ``zsplit`` (default) ranks them and splits their ranks
    evenly between the two sums, which pulls towards "no difference" when many pairs are
    equal; ``pratt`` ranks them and then drops them; ``wilcox`` drops them first.

    The p-value is SciPy's, with its documented method choice (`wilcoxon_method`): exact
    for up to 50 pairs without zeros or ties, an exact permutation distribution for up to
    13 pairs with them, else the normal approximation with SciPy's tie correction.

    No p-value is reported (``pvalue=None`` with a ``note``) when every pair is equal, or
    when even the most extreme outcome could not reach ``alpha``: with ``n`` non-zero
    differences the smallest possible p-value is ``2 / 2**n``, so for ``alpha=0.05`` at
    least 6 pairs that differ are needed.

    Args:
        x: First sample, one value per seed.
        y: Second sample, the same seeds in the same order.
        alpha: Significance level, used only to decide whether a test can mean anything.
        zero_method: SciPy's ``zero_method``.

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
    if method == WILCOXON_PERMUTATION:
        # SciPy's own enumeration of the 2**n sign flips takes 1-3 s at 13 pairs (a report
        # has dozens of such tests); the same distribution by recursion takes microseconds,
        # and equals SciPy's p-value (tests/test_stats_properties.py).
        statistic = min(r_plus, r_minus)
        pvalue = _sign_flip_pvalue(ranks[signed != 0], signed[signed != 0] > 0)
    else:
        # The differences go in as one array, as SciPy advises: it ranks exactly these.
        res = stats.wilcoxon(d, zero_method=zero_method, method="auto", alternative="two-sided")
        statistic, pvalue = float(res.statistic), float(res.pvalue)
    return PairedTest(
        statistic=statistic,
        pvalue=min(1.0, max(0.0, pvalue)),
        method=method,
        note="",
        **common,  # type: ignore[arg-type]
    )


def _sign_flip_pvalue(ranks: FloatArray, positive: npt.NDArray[np.bool_]) -> float:
    """Two-sided p-value of the signed-rank sum over all sign flips of the non-zero pairs.

    What ``scipy.stats.wilcoxon`` computes with a `~scipy.stats.PermutationMethod` that
    enumerates every flip (its choice for <= 13 pairs with ties or zeros): twice the smaller
    tail probability of ``sum(rank_i * [d_i > 0])``, capped at 1. Zero differences keep
    their (split, dropped or absent) share whatever the flip, so only the ranks of the
    non-zero ones enter; midranks are halves, so the sums are counted in half-ranks.

    Args:
        ranks: Ranks of the non-zero differences among the ranked ones (midranks for ties).
        positive: Which of those differences are positive.
    """
    halves = np.rint(2.0 * ranks).astype(np.int64)
    counts = np.zeros(int(halves.sum()) + 1)
    counts[0] = 1.0
    for h in halves.tolist():
        if h:
            counts[h:] = counts[h:] + counts[:-h]
        else:
            counts *= 2.0
    observed = int(halves[positive].sum())
    total = counts.sum()
    below = counts[: observed + 1].sum() / total
    above = counts[observed:].sum() / total
    return float(min(1.0, 2.0 * min(below, above)))


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
        n_max: Largest number of pairs, at most 50 (SciPy's exact test; beyond it SciPy
            uses the normal approximation, and so does `seeds_for_power`).
        alpha: Significance level of the family.
        n_comparisons: Tests in the family, ``m``.
        rng: Draws the samples.
        n_simulations: Samples per ``n``.

    Returns:
        Shape ``(n_max,)``: the power with ``1, 2, ..., n_max`` pairs.

    Raises:
        ValueError: ``n_max`` outside 1..50.
    """
    if not 1 <= n_max <= MAX_EXACT_PAIRS:
        raise ValueError(f"n_max must be in 1..{MAX_EXACT_PAIRS}, got {n_max}")
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
        n_comparisons: Tests in the family (Holm).
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
    method: str
    note: str


#: How `seeds_for_power` computes, as recorded in reports.
POWER_METHOD = (
    "power of the two-sided exact Wilcoxon signed-rank test at Holm's first-step level "
    "alpha/m (a lower bound of its power within the family), for normally distributed paired "
    "differences with the observed dz = |mean(d)|/sd(d), simulated (seeded) for 1 to 50 "
    "seeds; seeds needed: the fewest, never below the smallest number at which the exact test "
    "can reach alpha/m, with power >= the target; beyond 50 seeds the paired t test's sample "
    "size (statsmodels TTestPower) divided by the Wilcoxon ARE 3/pi"
)


def seeds_for_power(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    n_comparisons: int = 1,
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
        rng: Draws the simulated samples.
        n_simulations: Samples per number of seeds.
    """
    d = _as_float(x) - _as_float(y)
    n = int(d.size)
    min_n = min_seeds_for_alpha(alpha, n_comparisons)
    common = {
        "n_seeds_now": n,
        "min_seeds": min_n,
        "power": power,
        "alpha": alpha,
        "n_comparisons": n_comparisons,
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
    level = alpha / n_comparisons
    guess = max(2.0, _asymptotic_n(dz, level, power))
    # Simulate a little past the asymptotic guess (discreteness needs more seeds at small
    # n), and far enough for the achieved power; SciPy's exact test stops at 50 pairs, and
    # past them (guess > 50) only the achieved power is simulated.
    search = guess <= MAX_EXACT_PAIRS
    n_max = min(MAX_EXACT_PAIRS, max(min_n, n, math.ceil(guess * 1.25) + 4 if search else 1))
    simulated = np.zeros(0)
    enough: list[int] = []
    while min_n <= MAX_EXACT_PAIRS and (search or n <= MAX_EXACT_PAIRS):
        simulated = wilcoxon_power(
            dz,
            n_max,
            alpha=alpha,
            n_comparisons=n_comparisons,
            rng=rng,
            n_simulations=n_simulations,
        )
        enough = [k for k in range(min_n, n_max + 1) if simulated[k - 1] >= power]
        if enough or n_max == MAX_EXACT_PAIRS or not search:
            break
        n_max = MAX_EXACT_PAIRS
    achieved = float(simulated[n - 1]) if n <= simulated.size else _asymptotic_power(dz, n, level)
    # Past 50 seeds SciPy's test is the normal approximation, whose power the ARE predicts.
    n_seeds = enough[0] if enough else max(min_n, MAX_EXACT_PAIRS + 1, math.ceil(guess - 1e-9))
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
