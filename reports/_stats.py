"""Pure statistics for comparison reports: arrays in, frozen results out.

Nothing here reads files, plots or touches a global random state; randomness comes in as an
explicit ``numpy.random.Generator``. Tests live in ``tests/test_stats*.py`` and check these
functions against published worked examples (Demšar 2006), against SciPy and statsmodels,
and with property-based tests. The tests themselves are taken from well-kept libraries:

- bootstrap intervals: `scipy.stats.bootstrap` (percentile method, which stays defined
  when every seed gives the same value, unlike BCa);
- paired tests: `scipy.stats.wilcoxon` with an explicit ``zero_method`` and exact/normal
  method, both recorded in the result;
- multiple comparisons: Holm's step-down correction, checked against `statsmodels`;
- Friedman: `scipy.stats.friedmanchisquare`; Nemenyi critical difference from
  `scipy.stats.studentized_range` (Demšar 2006, eq. 5), not from a printed table;
- seeds needed for 80 % power: `statsmodels.stats.power.TTestPower` on the paired
  differences, inflated by the Wilcoxon test's asymptotic relative efficiency (3/π).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats
from statsmodels.stats.power import TTestPower  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
ZeroMethod = Literal["zsplit", "pratt", "wilcox"]

#: Asymptotic relative efficiency of the Wilcoxon signed-rank test to the t test under
#: normality (Hodges & Lehmann 1956); the seed estimate divides the t-test's n by it.
WILCOXON_ARE = 3.0 / math.pi


def _as_float(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A bootstrap confidence interval of the mean.

    Attributes:
        low: Lower bound (NaN where there is no data).
        high: Upper bound.
        confidence: Confidence level, e.g. 0.95.
        method: How it was computed.
        n_resamples: Bootstrap resamples.
    """

    low: float
    high: float
    confidence: float
    method: str
    n_resamples: int


def bootstrap_mean_ci(
    samples: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap interval of the mean along axis 0 (over seeds).

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


def bootstrap_interval(
    samples: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> Interval:
    """`bootstrap_mean_ci` of a 1-d sample as an `Interval`."""
    low, high = bootstrap_mean_ci(samples, rng=rng, confidence=confidence, n_resamples=n_resamples)
    return Interval(
        low=float(low),
        high=float(high),
        confidence=confidence,
        method="percentile bootstrap of the mean (scipy.stats.bootstrap)",
        n_resamples=n_resamples,
    )


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
        method: ``exact`` or ``normal approximation`` (the latter with tie correction).
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

    The exact null distribution is used for up to 50 pairs without zeros or tied absolute
    differences; otherwise the normal approximation with SciPy's tie correction.

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
    exact = n_zero == 0 and n_tied == 0 and n <= 50
    method = "exact" if exact else "approx"
    res = stats.wilcoxon(a, b, zero_method=zero_method, method=method, alternative="two-sided")
    return PairedTest(
        statistic=float(res.statistic),
        pvalue=float(min(1.0, max(0.0, res.pvalue))),
        method="exact" if exact else "normal approximation (tie-corrected)",
        note="",
        **common,  # type: ignore[arg-type]
    )


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedEstimate:
    """Seeds needed to detect an observed paired difference with a given power.

    Attributes:
        effect_size: Observed standardised paired difference ``dz = mean(d) / sd(d)``.
        n_t_test: Pairs a two-sided paired t test needs (statsmodels ``TTestPower``).
        n_seeds: Seeds suggested for the Wilcoxon test: ``ceil(n_t_test / (3 / pi))``;
            None if the difference is zero or has no spread.
        power: Target power.
        alpha: Significance level.
        method: How it was computed.
        note: Why no estimate was made, or empty.
    """

    effect_size: float | None
    n_t_test: float | None
    n_seeds: int | None
    power: float
    alpha: float
    method: str
    note: str


def seeds_for_power(
    x: npt.ArrayLike, y: npt.ArrayLike, *, alpha: float = 0.05, power: float = 0.8
) -> SeedEstimate:
    """Estimate the seeds needed to detect the observed mean paired difference of x and y.

    A simple, documented estimate, not an exact power analysis of the Wilcoxon test: the
    paired t test's sample size for the observed ``dz``, divided by the Wilcoxon test's
    asymptotic relative efficiency 3/pi (about 0.955). Treat it as an order of magnitude:
    ``dz`` estimated from few seeds is itself noisy.
    """
    method = (
        "paired t test sample size for the observed dz = mean(d)/sd(d) "
        "(statsmodels TTestPower.solve_power, two-sided), divided by the Wilcoxon "
        "asymptotic relative efficiency 3/pi, rounded up"
    )
    d = _as_float(x) - _as_float(y)
    if d.size < 2:
        return SeedEstimate(
            effect_size=None,
            n_t_test=None,
            n_seeds=None,
            power=power,
            alpha=alpha,
            method=method,
            note="needs at least 2 paired seeds",
        )
    sd = float(d.std(ddof=1))
    mean = float(d.mean())
    if sd == 0.0 or mean == 0.0:
        why = (
            "the two strategies tie on every seed"
            if sd == 0.0 and mean == 0.0
            else (
                "the paired differences have no spread" if sd == 0.0 else "the mean difference is 0"
            )
        )
        return SeedEstimate(
            effect_size=None if sd == 0.0 else 0.0,
            n_t_test=None,
            n_seeds=None,
            power=power,
            alpha=alpha,
            method=method,
            note=f"no estimate: {why}",
        )
    dz = abs(mean) / sd
    n_t = float(
        TTestPower().solve_power(
            effect_size=dz, alpha=alpha, power=power, alternative="two-sided", nobs=None
        )
    )
    n_t = max(n_t, 2.0)
    return SeedEstimate(
        effect_size=dz,
        n_t_test=n_t,
        n_seeds=math.ceil(n_t / WILCOXON_ARE - 1e-9),
        power=power,
        alpha=alpha,
        method=method,
        note="",
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
    """First grid value at which each curve reaches ``regret <= target`` (inf if never).

    Args:
        curves: Shape ``(n_runs, n_points)``, non-increasing regret per run.
        grid: Shape ``(n_points,)``: the budget (evaluations or seconds) at each point.
        target: Regret target.
    """
    data = _as_float(curves)
    g = _as_float(grid)
    hit = data <= target + 1e-12 * max(1.0, abs(target))
    first = np.argmax(hit, axis=1)
    reached = hit.any(axis=1)
    return np.where(reached, g[first], np.inf)


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
