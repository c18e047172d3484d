"""The comparison with a best chosen on the same data (`reports._best`): formula and properties.

The promise itself - the family-wise error rate under the complete null, with ties and zeros
as tables give them - is checked by simulation in ``test_stats_calibration.py``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sst

from reports import _best, _stats

# Regret-like values on a small grid, so that ties and zero differences are common.
values = st.sampled_from([0.0, 0.0, 0.0, 0.013, 0.05, 0.1, 0.3, 0.64])
tables = st.tuples(st.integers(2, 6), st.integers(1, 12)).flatmap(
    lambda kn: arrays(np.float64, kn, elements=values)
)


def test_signed_rank_z_is_the_standardised_wilcoxon_statistic() -> None:
    rng = np.random.default_rng(0)
    d = rng.normal(0.3, 1.0, size=15)
    ranks = sst.rankdata(np.abs(d))
    r_plus = ranks[d > 0].sum()
    n = d.size
    expected = (r_plus - n * (n + 1) / 4) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert _best.signed_rank_z(d) == pytest.approx(expected)
    # With zeros and ties: the signed-rank sum over its standard deviation under the sign
    # flips of the non-zero differences (the zeros' ranks stay put).
    d = np.array([0.0, 0.0, 0.1, 0.1, -0.2, 0.3, 0.3, 0.3, -0.5, 0.6])
    ranks = sst.rankdata(np.abs(d))
    nonzero = d != 0
    flips = np.array(list(itertools.product([-1.0, 1.0], repeat=int(nonzero.sum()))))
    sums = flips @ ranks[nonzero]
    observed = float((np.sign(d) * ranks).sum())
    assert sums.mean() == pytest.approx(0.0)
    assert _best.signed_rank_z(d) == pytest.approx(observed / sums.std())
    # Vectorised over leading axes; 0 where every difference is 0.
    many = np.stack([d, -d, np.zeros_like(d)])
    z = _best.signed_rank_z(many)
    assert z[0] == pytest.approx(-z[1])
    assert z[2] == 0.0
    # wilcox drops the zeros before ranking: the same as ranking the rest alone.
    assert _best.signed_rank_z(d, zero_method="wilcox") == pytest.approx(
        _best.signed_rank_z(d[d != 0])
    )


def test_one_pair_orders_outcomes_as_its_exact_pvalue() -> None:
    """For one pair, a larger |z| is never a larger exact sign-flip p-value."""
    d = np.array([0.0, 0.0, 0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5])
    outcomes = []
    for signs in itertools.product([-1.0, 1.0], repeat=6):
        e = d.copy()
        e[3:] *= signs
        p = _stats.paired_wilcoxon(e, np.zeros_like(e)).pvalue
        outcomes.append((abs(float(_best.signed_rank_z(e))), p))
    for (za, pa), (zb, pb) in itertools.combinations(outcomes, 2):
        if za > zb + 1e-9:
            assert pa is not None
            assert pb is not None
            assert pa <= pb + 1e-12


def _reference_best(scores: np.ndarray) -> int:
    """The report's rule written out: lowest average rank, then mean, then row."""
    ranks = sst.rankdata(scores, axis=0).mean(axis=1)
    means = scores.mean(axis=1)
    return min(range(scores.shape[0]), key=lambda i: (ranks[i], means[i], i))


@settings(max_examples=40, deadline=None)
@given(tables)
def test_versus_best_properties(scores: np.ndarray) -> None:
    res = _best.versus_best(scores, rng=np.random.default_rng(0), n_permutations=200)
    k = scores.shape[0]
    assert res.best == _reference_best(scores)
    assert res.pvalues[res.best] is None
    assert res.statistics[res.best] == 0.0
    assert sorted(res.steps) == sorted(i for i in range(k) if i != res.best)
    adjusted = [res.pvalues[i] for i in res.steps]
    assert all(p is not None and 1 / 201 <= p <= 1.0 for p in adjusted)
    # Step-down: monotone in the order of testing, which is that of the statistics.
    assert all(a <= b for a, b in itertools.pairwise(adjusted))  # type: ignore[operator]
    stats_in_order = [res.statistics[i] for i in res.steps]
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(stats_in_order))
    # A statistic never exceeds what its zeros and ties allow.
    assert all(z <= e + 1e-9 for z, e in zip(res.statistics, res.extremes, strict=True))


def test_versus_best_is_reproducible_and_invariant_to_a_shift() -> None:
    rng = np.random.default_rng(5)
    scores = rng.normal(size=(6, 12)) + np.linspace(0.0, 1.5, 6)[:, None]
    a = _best.versus_best(scores, rng=np.random.default_rng(1))
    b = _best.versus_best(scores, rng=np.random.default_rng(1))
    c = _best.versus_best(scores + 3.0, rng=np.random.default_rng(1))
    assert a == b
    assert a.pvalues == c.pvalues
    assert a.best == _reference_best(scores)
    # The strategy worse on average by 1.5 sd over 12 seeds is found; the second best is not.
    assert a.pvalues[5] is not None
    assert a.pvalues[5] < 0.05
    second = max((i for i in range(6) if i != a.best), key=lambda i: (-a.statistics[i], i))
    assert a.pvalues[second] is not None
    assert a.pvalues[second] > 0.05


def test_a_sweep_is_significant_exactly_from_the_fewest_blocks() -> None:
    for k in (3, 9):
        fewest = _best.min_blocks_versus_best(k, 0.05)
        for n, expect in ((fewest - 1, False), (fewest, True)):
            # Strategy 0 best, strategy k-1 worse than it on every block, the rest between.
            rng = np.random.default_rng([k, n])
            scores = rng.normal(size=(k, n)) * 0.01 + np.arange(k)[:, None]
            res = _best.versus_best(scores, rng=np.random.default_rng(2))
            worst = res.pvalues[k - 1]
            assert worst is not None
            assert (worst < 0.05) == expect, (k, n)
            assert (res.extremes[k - 1] > res.critical_value + 1e-9) == expect


def test_fewest_blocks_for_the_default_comparison() -> None:
    # Holm over k - 1 tests as if the best were named in advance would need 9 at k = 9.
    assert _best.min_blocks_versus_best(9, 0.05) == 10
    assert _best.min_blocks_versus_best(2, 0.05) == 6  # one pair: the plain exact test
    with pytest.raises(ValueError, match="k >= 2"):
        _best.min_blocks_versus_best(1, 0.05)


def test_versus_best_with_two_strategies_is_the_exact_pair_test() -> None:
    """k = 2: choosing the better one and testing the other against it is one exact test."""
    rng = np.random.default_rng(3)
    scores = np.round(rng.normal(size=(2, 11)) + np.array([[0.0], [0.6]]), 1)
    res = _best.versus_best(scores, rng=np.random.default_rng(4), n_permutations=20_000)
    other = 1 - res.best
    exact = _stats.paired_wilcoxon(scores[other], scores[res.best]).pvalue
    assert exact is not None
    p = res.pvalues[other]
    assert p is not None
    assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20_000) + 1e-4)


def test_versus_best_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 2 strategies"):
        _best.versus_best(np.zeros((1, 5)), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="NaN"):
        _best.versus_best(np.array([[0.0, np.nan], [1.0, 1.0]]), rng=np.random.default_rng(0))


def test_probability_best() -> None:
    rng = np.random.default_rng(8)
    clear = np.vstack([np.zeros(10), np.ones(10), np.full(10, 2.0)])
    pb = _best.probability_best(clear, rng=rng, n_resamples=500)
    assert pb.by_mean == (1.0, 0.0, 0.0)
    assert pb.by_rank == (1.0, 0.0, 0.0)
    # Two strategies with identical results share every resample.
    twins = np.vstack([np.zeros(10), np.zeros(10), np.ones(10)])
    pb = _best.probability_best(twins, rng=rng, n_resamples=500)
    assert pb.by_mean == (0.5, 0.5, 0.0)
    close = rng.normal(size=(3, 20)) + np.array([[0.0], [0.05], [3.0]])
    pb = _best.probability_best(close, rng=rng, n_resamples=2000)
    assert sum(pb.by_mean) == pytest.approx(1.0)
    assert 0.1 < pb.by_mean[0] < 0.9
    assert pb.by_mean[2] == 0.0


def test_the_permutation_pvalue_is_that_of_every_arrangement() -> None:
    """3 strategies on 4 seeds: all 6**4 arrangements counted, the best chosen in each."""

    def largest(x: np.ndarray) -> float:
        ranks = _best.block_ranks(x)
        best = _reference_best(x)
        assert ranks.shape == x.shape
        z = np.abs(_best.signed_rank_z(x - x[best]))
        z[best] = 0.0
        return float(z.max())

    rng = np.random.default_rng(3)
    orders = list(itertools.permutations(range(3)))
    for _ in range(2):
        x = np.round(rng.normal(size=(3, 4)), 1)
        observed = largest(x)
        every = [
            largest(np.stack([x[list(o), s] for s, o in enumerate(combo)], axis=1))
            for combo in itertools.product(orders, repeat=4)
        ]
        exact = float(np.mean(np.array(every) >= observed - 1e-9))
        res = _best.versus_best(x, alpha=1e-9, rng=np.random.default_rng(0))
        first = res.steps[0]
        draws = res.draws[first]
        assert draws is not None
        p = res.pvalues[first]
        assert p is not None
        assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / draws) + 2e-3)
