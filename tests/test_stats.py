"""Statistics against published worked examples and SciPy / statsmodels reference values.

Cross-checks against scikit-posthocs and autorank are in ``test_stats_reference.py``; the
coverage and power simulations in ``test_stats_calibration.py``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sst
from statsmodels.stats.multitest import multipletests

from reports import _stats

# Demšar (2006), Table 2: AUC of C4.5 and C4.5+m on 14 data sets; his worked Wilcoxon test
# (zero differences split evenly) gives R+ = 93 and R- = 12.
C45 = [
    0.763,
    0.599,
    0.954,
    0.628,
    0.882,
    0.936,
    0.661,
    0.583,
    0.775,
    1.000,
    0.940,
    0.619,
    0.972,
    0.957,
]
C45M = [
    0.768,
    0.591,
    0.971,
    0.661,
    0.888,
    0.931,
    0.668,
    0.583,
    0.838,
    1.000,
    0.962,
    0.666,
    0.981,
    0.978,
]


def test_wilcoxon_reproduces_demsar_worked_example() -> None:
    # Rounded to the table's 3 decimals so that equal |differences| tie as in the paper.
    x = np.round(np.array(C45M) - np.array(C45), 3)
    res = _stats.paired_wilcoxon(x, np.zeros_like(x), zero_method="zsplit")
    assert (res.r_plus, res.r_minus) == (93.0, 12.0)
    assert res.statistic == 12.0
    assert res.n_zero == 2
    assert res.n_tied > 0
    # 14 pairs with zeros and ties: the exact sign-flip distribution, not SciPy's normal one
    # (which Demšar used by hand: z = -2.45, p = 0.014).
    assert res.method == _stats.WILCOXON_PERMUTATION
    assert res.pvalue_standard_error == 0.0
    assert res.n_permutations is None
    assert res.zero_method == "zsplit"
    ref = sst.wilcoxon(x, zero_method="zsplit", method=sst.PermutationMethod(n_resamples=np.inf))
    assert res.pvalue == pytest.approx(ref.pvalue)
    approx = sst.wilcoxon(x, zero_method="zsplit", method="approx").pvalue
    assert res.pvalue == pytest.approx(approx, abs=0.005)
    assert res.pvalue < 0.05  # Demšar: C4.5+m is significantly better at alpha = 0.05
    # Zeros left out and the 12 others re-ranked: R- = 1.5 + 5, R+ = 78 - 6.5 (Kerby 2014).
    assert res.rank_biserial == pytest.approx((71.5 - 6.5) / 78)


def test_wilcoxon_exact_without_ties_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=12), rng.normal(0.8, size=12)
    res = _stats.paired_wilcoxon(x, y)
    assert res.method == "exact"
    assert res.pvalue == pytest.approx(sst.wilcoxon(x, y, method="exact").pvalue)


def test_pratt_is_recorded_and_matches_scipy() -> None:
    x = np.array([0.0, 0.0, 0.1, 0.3, 0.2, 0.5, 0.4, 0.7, 0.6, 0.9])
    res = _stats.paired_wilcoxon(x, np.zeros_like(x), zero_method="pratt")
    assert res.zero_method == "pratt"
    # 10 pairs with zeros: SciPy's exact permutation distribution, not the normal one.
    assert res.method == _stats.WILCOXON_PERMUTATION
    ref = sst.wilcoxon(x, zero_method="pratt", method=sst.PermutationMethod())
    assert res.pvalue == pytest.approx(ref.pvalue)
    assert res.pvalue == pytest.approx(sst.wilcoxon(x, zero_method="pratt").pvalue)


def test_small_samples_with_ties_use_the_exact_permutation_distribution() -> None:
    # 8 pairs, one zero and tied differences: every one of the 2**8 sign patterns counted.
    d = np.array([0.0, 0.1, 0.1, 0.2, 0.3, 0.3, 0.4, -0.1])
    res = _stats.paired_wilcoxon(d, np.zeros_like(d))
    assert res.method == _stats.WILCOXON_PERMUTATION
    signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * d.size)).reshape(d.size, -1).T
    ranks = sst.rankdata(np.abs(d))
    zero_share = ranks[d == 0].sum() / 2
    r_plus = ((signs * d > 0) * ranks).sum(axis=1) + zero_share
    observed = ranks[d > 0].sum() + zero_share
    mean = ranks.sum() / 2
    by_hand = np.mean(np.abs(r_plus - mean) >= abs(observed - mean) - 1e-9)
    assert res.pvalue == pytest.approx(by_hand)
    # The normal approximation used before disagrees at this size.
    approx = sst.wilcoxon(d, zero_method="zsplit", method="asymptotic").pvalue
    assert abs(approx - by_hand) > 0.005


def test_wilcoxon_method_names() -> None:
    method = _stats.wilcoxon_method
    assert method(12, n_zero=0, n_tied=0) == _stats.WILCOXON_EXACT
    assert method(51, n_zero=0, n_tied=0) == _stats.WILCOXON_EXACT  # SciPy: normal here
    assert method(13, n_zero=1, n_tied=0) == _stats.WILCOXON_PERMUTATION
    assert method(14, n_zero=1, n_tied=0) == _stats.WILCOXON_PERMUTATION  # SciPy: normal
    assert method(300, n_zero=0, n_tied=2) == _stats.WILCOXON_PERMUTATION
    assert method(310, n_zero=10, n_tied=0) == _stats.WILCOXON_PERMUTATION
    assert method(301, n_zero=0, n_tied=0) == _stats.WILCOXON_MONTE_CARLO


def test_many_zero_differences_get_the_exact_pvalue() -> None:
    """Issue 35's case: 20 seeds, 13 equal, the other 7 all one way but for one."""
    d = np.zeros(20)
    d[13:] = [0.01, 0.02, 0.02, 0.03, 0.05, -0.004, 0.08]
    res = _stats.paired_wilcoxon(d, np.zeros(20))
    assert res.method == _stats.WILCOXON_PERMUTATION
    # Every one of the 2**7 flips of the non-zero differences, counted by hand.
    ranks = sst.rankdata(np.abs(d))[13:]
    signs = np.array(list(itertools.product([0, 1], repeat=7)))
    sums = signs @ ranks
    observed = ranks[d[13:] > 0].sum()
    by_hand = 2 * min(np.mean(sums <= observed), np.mean(sums >= observed))
    assert res.pvalue == pytest.approx(by_hand)
    assert res.pvalue == pytest.approx(4 / 128)
    # SciPy's method="auto" takes the normal approximation here, and misses alpha.
    assert sst.wilcoxon(d, zero_method="zsplit").pvalue > 0.05


def test_beyond_300_differing_pairs_a_monte_carlo_pvalue_with_its_error() -> None:
    rng = np.random.default_rng(9)
    d = np.round(rng.normal(0.12, 1.0, size=400), 2)
    res = _stats.paired_wilcoxon(d, np.zeros_like(d))
    assert res.method == _stats.WILCOXON_MONTE_CARLO
    assert res.n_permutations == _stats.N_SIGN_FLIPS
    assert res.pvalue is not None
    assert res.pvalue_standard_error is not None
    assert res.pvalue_standard_error == pytest.approx(
        math.sqrt(res.pvalue * (1 - res.pvalue) / _stats.N_SIGN_FLIPS)
    )
    # Seeded from the data: the same p-value every time; within its error of the exact one.
    assert _stats.paired_wilcoxon(d, np.zeros_like(d)).pvalue == res.pvalue
    ranks = sst.rankdata(np.abs(d[d != 0]))
    exact = _stats._sign_flip_pvalue(ranks, d[d != 0] > 0)
    assert res.pvalue == pytest.approx(exact, abs=4 * res.pvalue_standard_error + 1e-4)


def test_signed_rank_tail_is_the_exact_two_sided_level() -> None:
    # n = 10: z = (2 R+ - 55) / sqrt(385). A sweep (R+ = 0 or 55) is z = 2.803, one rank
    # flipped (R+ = 1 or 54) 2.701, rank 2 flipped 2.599.
    n = 10
    sweep = 55 / math.sqrt(385)
    assert _stats.signed_rank_tail(n, sweep) == 0.0
    assert _stats.signed_rank_tail(n, 2.75) == pytest.approx(2 / 2**n)
    assert _stats.signed_rank_tail(n, 2.65) == pytest.approx(4 / 2**n)
    # It is the exact test's p-value of the outcome just beyond.
    beyond = np.arange(1.0, n + 1)
    beyond[0] = -1.0  # R+ = 54
    assert 4 / 2**n == pytest.approx(sst.wilcoxon(beyond, method="exact").pvalue)
    for z in (0.5, 1.0, 1.96):  # many pairs: close to the normal tail
        assert _stats.signed_rank_tail(30, z) == pytest.approx(2 * sst.norm.sf(z), abs=0.01)


def test_too_few_pairs_gives_a_note_not_a_pvalue() -> None:
    res = _stats.paired_wilcoxon([1, 2, 3, 4, 5], [0, 0, 0, 0, 0])
    assert res.pvalue is None
    assert "smallest possible p-value" in res.note
    six = _stats.paired_wilcoxon([1, 2, 3, 4, 5, 6], [0] * 6)
    assert six.pvalue == pytest.approx(2 / 64)  # 6 pairs: the exact minimum, below 0.05
    # Many pairs, but only 4 differ: still nothing to test at 0.05.
    few = _stats.paired_wilcoxon([0] * 10 + [1, 2, 3, 4], [0] * 14)
    assert few.pvalue is None
    assert "only 4 of 14" in few.note


def test_all_equal_pairs() -> None:
    res = _stats.paired_wilcoxon([0.0] * 8, [0.0] * 8)
    assert res.pvalue is None
    assert "all 8 pairs are equal" in res.note
    assert res.rank_biserial == 0.0
    assert res.a12 == 0.5


def test_wilcoxon_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="equal length"):
        _stats.paired_wilcoxon([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        _stats.paired_wilcoxon([1.0, math.nan], [1.0, 2.0])


def test_holm_worked_example_and_statsmodels() -> None:
    raw = [0.01, 0.04, 0.03, 0.005]
    assert _stats.holm(raw) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert _stats.holm(raw) == pytest.approx(list(multipletests(raw, method="holm")[1]))
    assert _stats.holm([0.01, None, 0.04]) == [pytest.approx(0.02), None, pytest.approx(0.04)]
    assert _stats.holm([None, None]) == [None, None]


def test_a12_equals_mann_whitney_u_over_nm() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 5, 9).astype(float), rng.integers(0, 5, 7).astype(float)
    u = sst.mannwhitneyu(x, y).statistic
    assert _stats.vargha_delaney_a12(x, y) == pytest.approx(u / (9 * 7))
    assert _stats.vargha_delaney_a12([1, 2], [1, 2]) == 0.5
    assert _stats.vargha_delaney_a12([3, 4], [1, 2]) == 1.0


@pytest.mark.parametrize(
    ("k", "q"),  # Demšar (2006), Table 5(a): Nemenyi q_0.05
    [
        (2, 1.960),
        (3, 2.343),
        (4, 2.569),
        (5, 2.728),
        (6, 2.850),
        (7, 2.949),
        (8, 3.031),
        (9, 3.102),
        (10, 3.164),
    ],
)
def test_nemenyi_q_matches_demsar_table(k: int, q: float) -> None:
    assert _stats.nemenyi_q(k, alpha=0.05) == pytest.approx(q, abs=1e-3)


def test_nemenyi_q_at_alpha_010() -> None:
    # Demšar Table 5(a), alpha = 0.10: k=2: 1.645, k=5: 2.459.
    assert _stats.nemenyi_q(2, alpha=0.10) == pytest.approx(1.645, abs=1e-3)
    assert _stats.nemenyi_q(5, alpha=0.10) == pytest.approx(2.459, abs=1e-3)


def test_demsar_friedman_example_cd_and_iman_davenport() -> None:
    # Demšar section 3.2.2: 4 methods on 14 data sets, chi2_F = 9.28, F_F = 3.69, CD = 1.25.
    assert _stats.nemenyi_cd(4, 14) == pytest.approx(1.25, abs=0.01)
    f, p = _stats.iman_davenport(9.28, 4, 14)
    assert f == pytest.approx(3.69, abs=0.01)
    assert p is not None
    assert p < 0.05


def test_friedman_matches_scipy_and_rank_formula() -> None:
    rng = np.random.default_rng(5)
    scores = rng.normal(size=(12, 4)) + np.array([0.0, 0.5, 1.0, 1.5])
    res = _stats.friedman(scores)
    ref = sst.friedmanchisquare(*scores.T)
    assert res.chi2 == pytest.approx(ref.statistic)
    assert res.pvalue == pytest.approx(ref.pvalue)
    n, k = scores.shape
    r = np.asarray(res.average_ranks)
    by_ranks = 12 * n / (k * (k + 1)) * (np.sum(r**2) - k * (k + 1) ** 2 / 4)
    assert res.chi2 == pytest.approx(by_ranks)  # no ties: Demšar eq. (2)
    assert r[0] < r[3]
    with pytest.raises(ValueError, match="at least 3 strategies"):
        _stats.friedman(scores[:, :2])


def test_friedman_permutation_counts_every_arrangement() -> None:
    # 3 spaces, 3 strategies, the same order everywhere: the most extreme of the 6**2
    # arrangements (the first space held fixed), p = 1/36 where chi-square says 0.0498.
    scores = np.array([[0.1, 0.2, 0.3], [0.0, 0.5, 0.9], [0.2, 0.25, 0.4]])
    perm = _stats.friedman_permutation(scores)
    assert perm.exact
    assert perm.n_permutations == 36
    assert perm.pvalue == pytest.approx(1 / 36)
    assert _stats.friedman(scores).pvalue == pytest.approx(0.0498, abs=1e-4)
    # Average ranks 1, 2, 3: only the range 2 (complete agreement) is beyond alpha.
    assert perm.critical_difference == pytest.approx(5 / 3)
    assert perm.pair_pvalues[0][2] == pytest.approx(1 / 36)
    assert perm.pair_pvalues[0][1] > 0.05
    # By brute force over every arrangement of the 3 spaces (6**3, each counted).
    ranks = sst.rankdata(scores, axis=1)
    orders = list(itertools.permutations(range(3)))
    chi = []
    for combo in itertools.product(orders, repeat=3):
        sums = sum(ranks[b][list(o)] for b, o in enumerate(combo))
        chi.append(float((sums**2).sum()))
    observed = float((ranks.sum(axis=0) ** 2).sum())
    assert perm.pvalue == pytest.approx(np.mean(np.array(chi) >= observed - 1e-9))


def test_friedman_permutation_draws_where_there_are_too_many() -> None:
    rng = np.random.default_rng(2)
    scores = rng.normal(size=(15, 7)) + np.linspace(0.0, 1.0, 7)
    perm = _stats.friedman_permutation(scores)
    assert not perm.exact
    assert perm.n_permutations == _stats.N_FRIEDMAN_PERMUTATIONS
    assert perm.standard_error > 0
    assert _stats.friedman_permutation(scores) == perm  # seeded from the scores
    asymptotic = _stats.friedman(scores)
    assert perm.pvalue == pytest.approx(asymptotic.pvalue, abs=0.03)
    # With many spaces the permutation CD approaches Demšar's.
    assert perm.critical_difference == pytest.approx(asymptotic.critical_difference, rel=0.1)
    with pytest.raises(ValueError, match="at least 2 strategies and 2 blocks"):
        _stats.friedman_permutation(scores[:1])


def test_friedman_all_tied() -> None:
    res = _stats.friedman(np.zeros((5, 3)))
    assert res.chi2 == 0.0
    assert res.pvalue == 1.0
    assert res.average_ranks == (2.0, 2.0, 2.0)


def test_fewest_seeds_at_which_holm_can_reach_alpha() -> None:
    # 2 / 2**n is the smallest exact two-sided p-value; Holm's first step needs m p < alpha.
    assert _stats.min_seeds_for_alpha(0.05, 1) == 6  # 2/64 = 0.031
    assert _stats.min_seeds_for_alpha(0.05, 8) == 9  # 8 * 2/512 = 0.031; 8 * 2/256 = 0.0625
    assert _stats.min_seeds_for_alpha(0.05, 36) == 11  # 36 * 2/2048 = 0.035; 36/512 = 0.07
    assert _stats.min_seeds_for_alpha(0.0625, 1) == 6  # 2/32 is not *below* 0.0625
    for m in (1, 3, 8, 36):
        n = _stats.min_seeds_for_alpha(0.05, m)
        unanimous = np.arange(1.0, n + 1)
        assert m * sst.wilcoxon(unanimous, method="exact").pvalue < 0.05
        assert m * sst.wilcoxon(unanimous[1:], method="exact").pvalue >= 0.05
    with pytest.raises(ValueError, match="alpha"):
        _stats.min_seeds_for_alpha(0.0, 1)


def _rank_sum_sample(n: int, t_plus: int) -> np.ndarray:
    """Differences 1..n whose positive ranks sum to ``t_plus`` (the rest negative)."""
    signs, left = -np.ones(n), t_plus
    for rank in range(n, 0, -1):
        if rank <= left:
            signs[rank - 1], left = 1.0, left - rank
    assert left == 0
    return signs * np.arange(1.0, n + 1)


@pytest.mark.parametrize(("alpha", "m"), [(0.05, 1), (0.05, 8), (0.01, 3)])
def test_critical_rank_sums_match_scipy_exact_pvalues(alpha: float, m: int) -> None:
    crit = _stats._critical_rank_sums(30, alpha, m)
    for n in range(1, 31):
        c = int(crit[n - 1])
        if c >= 0:
            assert m * sst.wilcoxon(_rank_sum_sample(n, c), method="exact").pvalue < alpha
        else:
            assert n < _stats.min_seeds_for_alpha(alpha, m)
        above = sst.wilcoxon(_rank_sum_sample(n, c + 1), method="exact").pvalue
        assert m * above >= alpha


def test_seed_estimate_accounts_for_the_test_and_the_family() -> None:
    # The cases: dz = 2.5 used to get 4 seeds (smallest p 0.125), dz = 1.5 got 6
    # (simulated power 0.68). Differences standardised to exactly that dz.
    rng = np.random.default_rng(0)
    base = rng.normal(size=10)
    base = (base - base.mean()) / base.std(ddof=1)
    for dz, m, at_least in [(2.5, 1, 6), (1.5, 1, 7), (2.5, 8, 9), (2.5, 36, 11)]:
        est = _stats.seeds_for_power(base + dz, np.zeros(10), n_comparisons=m, rng=rng)
        assert est.effect_size == pytest.approx(dz)
        assert est.n_seeds is not None
        assert est.n_seeds >= est.min_seeds == _stats.min_seeds_for_alpha(0.05, m)
        assert est.n_seeds >= at_least
        assert est.n_seeds_now == 10
        assert est.achieved_power is not None
        assert 0.0 <= est.achieved_power <= 1.0
    # 10 seeds with 36 comparisons can never be significant: achieved power 0.
    est = _stats.seeds_for_power(base + 2.5, np.zeros(10), n_comparisons=36, rng=rng)
    assert est.achieved_power == 0.0
    # Large n: the asymptotic size (t test / ARE) takes over past 50 seeds.
    small = _stats.seeds_for_power(base + 0.2, np.zeros(10), rng=rng)
    from statsmodels.stats.power import TTestPower

    n_t = TTestPower().solve_power(effect_size=0.2, alpha=0.05, power=0.8)
    assert small.n_seeds == math.ceil(n_t * math.pi / 3)


def test_seed_estimate_is_reproducible_and_handles_degenerate_input() -> None:
    x = np.array([0.3, 0.1, 0.4, 0.15, 0.9, 0.2, 0.6, 0.5])
    a = _stats.seeds_for_power(x, x * 0.5, rng=np.random.default_rng(4))
    b = _stats.seeds_for_power(x, x * 0.5, rng=np.random.default_rng(4))
    assert a == b
    tie = _stats.seeds_for_power([0.0] * 5, [0.0] * 5, rng=np.random.default_rng(0))
    assert tie.n_seeds is None
    assert "tie on every seed" in tie.note
    flat = _stats.seeds_for_power([1.0] * 7, [0.0] * 7, rng=np.random.default_rng(0))
    assert (flat.n_seeds, flat.achieved_power) == (6, 1.0)
    one = _stats.seeds_for_power([1.0], [0.0], rng=np.random.default_rng(0))
    assert one.n_seeds is None
    assert "at least 2" in one.note


def test_t_interval_matches_scipy_and_statsmodels() -> None:
    from statsmodels.stats.weightstats import DescrStatsW

    x = np.random.default_rng(0).lognormal(size=(12, 3))
    low, high = _stats.mean_ci(x, confidence=0.9)
    for j in range(3):
        ref = sst.t.interval(0.9, 11, loc=x[:, j].mean(), scale=sst.sem(x[:, j]))
        assert (low[j], high[j]) == pytest.approx(ref)
        assert (low[j], high[j]) == pytest.approx(DescrStatsW(x[:, j]).tconfint_mean(0.1))


def test_the_reported_interval_is_t_widened_by_the_bootstrap_t() -> None:
    x = np.random.default_rng(0).lognormal(size=12)
    one = _stats.mean_interval(x)
    assert one.method == _stats.INTERVAL_METHOD
    assert one.confidence == 0.95
    t_low, t_high = (float(v) for v in _stats.mean_ci(x))
    b_low, b_high = _stats.bootstrap_t_ci(x, rng=_stats.data_rng(x))
    assert (one.low, one.high) == (min(t_low, b_low), max(t_high, b_high))
    # Skewed to the right: the bootstrap-t reaches further up than t.
    assert one.high == b_high > t_high
    # Seeded from the values: the same interval every time, another rng another one.
    assert _stats.mean_interval(x) == one
    other = _stats.mean_interval(x, rng=np.random.default_rng(1))
    assert other.high != one.high
    const = _stats.mean_interval(np.full(12, 0.25))
    assert (const.low, const.high) == (0.25, 0.25)
    assert math.isnan(_stats.mean_interval([1.0]).low)
    assert _stats.mean_interval([0.0, 0.0, 0.0, 0.4], lower_bound=0.0).low == 0.0
    # Below 10 seeds the t interval alone: the bootstrap-t is erratic there (one large
    # value of 6 puts its upper bound far beyond every value).
    six = np.array([0.0036, 0.0069, 0.0755, 0.0061, 0.0061, 0.0138])
    t6 = _stats.mean_ci(six)
    assert (_stats.mean_interval(six).low, _stats.mean_interval(six).high) == (
        float(t6[0]),
        float(t6[1]),
    )
    assert _stats.bootstrap_t_ci(six, rng=_stats.data_rng(six))[1] > 3 * six.max()
    # Many seeds at the optimum: resamples without spread are left out, the rest decide.
    sparse = np.zeros(12)
    sparse[[3, 7]] = [1.0, 0.2]
    interval = _stats.mean_interval(sparse, lower_bound=0.0)
    assert interval.low == 0.0
    assert math.isfinite(interval.high)
    assert interval.high >= float(_stats.mean_ci(sparse)[1])


def test_hitting_points_and_ecdf_count_not_reached() -> None:
    curves = np.array([[3.0, 2.0, 1.0, 0.0], [3.0, 3.0, 3.0, 3.0], [1.0, 1.0, 0.0, 0.0]])
    hits = _stats.hitting_points(curves, np.array([10.0, 20.0, 30.0, 40.0]), 1.0)
    assert hits.tolist() == [30.0, math.inf, 10.0]
    x, frac = _stats.ecdf(hits)
    assert x.tolist() == [10.0, 30.0]
    assert frac.tolist() == pytest.approx([1 / 3, 2 / 3])
    assert _stats.normalized_area(curves).tolist() == [1.5, 3.0, 0.5]


def test_average_ranks_ties_are_averaged() -> None:
    ranks = _stats.average_ranks([[0.0, 0.0, 1.0], [0.2, 0.1, 0.3]])
    assert ranks.tolist() == [1.75, 1.25, 3.0]


def test_a_huge_effect_needs_no_solver_warning() -> None:
    # statsmodels' root finder gives up on effects this large and warned on the user's
    # terminal (seen with 2 seeds of a weight-sharing comparison); NaN is handled instead.
    import warnings

    from reports._stats import _asymptotic_n

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(_asymptotic_n(50.0, 0.05 / 3, 0.8))
