"""Property-based tests of the report statistics (Hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reports import _stats

# Regret-like values: small grid so that ties and zero differences are common.
values = st.sampled_from([0.0, 0.0, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0])
pairs = st.integers(1, 25).flatmap(
    lambda n: st.tuples(
        st.lists(values, min_size=n, max_size=n), st.lists(values, min_size=n, max_size=n)
    )
)
zero_methods = st.sampled_from(["zsplit", "pratt", "wilcox"])


@settings(max_examples=60, deadline=None)
@given(pairs, zero_methods)
def test_wilcoxon_symmetric_and_pvalue_in_unit_interval(
    xy: tuple[list[float], list[float]], zero_method: str
) -> None:
    x, y = xy
    ab = _stats.paired_wilcoxon(x, y, zero_method=zero_method)  # type: ignore[arg-type]
    ba = _stats.paired_wilcoxon(y, x, zero_method=zero_method)  # type: ignore[arg-type]
    assert (ab.pvalue is None) == (ba.pvalue is None)
    if ab.pvalue is not None and ba.pvalue is not None:
        assert 0.0 <= ab.pvalue <= 1.0
        assert np.isclose(ab.pvalue, ba.pvalue)
    assert np.isclose(ab.rank_biserial, -ba.rank_biserial)
    assert np.isclose(ab.a12, 1.0 - ba.a12)
    assert (ab.r_plus, ab.r_minus) == (ba.r_minus, ba.r_plus)
    assert -1.0 <= ab.rank_biserial <= 1.0
    assert 0.0 <= ab.a12 <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0.0, 1.0)), min_size=1, max_size=12))
def test_holm_monotone_and_never_below_raw(raw: list[float | None]) -> None:
    adjusted = _stats.holm(raw)
    known = [(p, a) for p, a in zip(raw, adjusted, strict=True) if p is not None]
    assert all(a is not None and p <= a + 1e-15 <= 1.0 + 1e-15 for p, a in known)
    ordered = sorted(known, key=lambda pa: pa[0])
    adj = [a for _, a in ordered]
    assert all(a <= b + 1e-15 for a, b in itertools.pairwise(adj))  # type: ignore[operator]
    assert all(a is None for p, a in zip(raw, adjusted, strict=True) if p is None)


score_tables = st.tuples(st.integers(2, 8), st.integers(3, 6)).flatmap(
    lambda nk: arrays(np.float64, nk, elements=values)
)


@settings(max_examples=40, deadline=None)
@given(score_tables, st.randoms(use_true_random=False))
def test_friedman_invariant_to_relabelling(scores: np.ndarray, rnd: object) -> None:
    perm = list(range(scores.shape[1]))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    a = _stats.friedman(scores)
    b = _stats.friedman(scores[:, perm])
    assert np.isclose(a.chi2, b.chi2)
    assert np.isclose(a.pvalue, b.pvalue)
    assert 0.0 <= a.pvalue <= 1.0
    assert np.allclose(np.asarray(a.average_ranks)[perm], b.average_ranks)
    # Ranks always sum to k(k+1)/2.
    k = scores.shape[1]
    assert np.isclose(sum(a.average_ranks), k * (k + 1) / 2)


@settings(max_examples=40, deadline=None)
@given(pairs)
def test_a12_and_effects_invariant_to_seed_order(xy: tuple[list[float], list[float]]) -> None:
    x, y = np.array(xy[0]), np.array(xy[1])
    order = np.argsort(-np.arange(len(x)))  # reversed seed order, pairs kept together
    a = _stats.paired_wilcoxon(x, y)
    b = _stats.paired_wilcoxon(x[order], y[order])
    assert a.pvalue == b.pvalue
    assert a.rank_biserial == b.rank_biserial
    assert a.a12 == b.a12


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_holm_equals_statsmodels(raw: list[float]) -> None:
    from statsmodels.stats.multitest import multipletests

    assert np.allclose(_stats.holm(raw), multipletests(raw, method="holm")[1])  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(pairs, zero_methods)
def test_wilcoxon_pvalue_is_scipys_where_scipy_is_exact(
    xy: tuple[list[float], list[float]], zero_method: str
) -> None:
    """SciPy's exact distribution without zeros or ties; its exhaustive flips up to 13 pairs."""
    from scipy import stats as sst

    x, y = np.array(xy[0]), np.array(xy[1])
    res = _stats.paired_wilcoxon(x, y, zero_method=zero_method)  # type: ignore[arg-type]
    if res.pvalue is None:
        return
    assert res.method in (_stats.WILCOXON_EXACT, _stats.WILCOXON_PERMUTATION)
    assert res.pvalue_standard_error == 0.0
    if res.method == _stats.WILCOXON_EXACT:
        ref = sst.wilcoxon(x - y, zero_method=zero_method, method="exact").pvalue
    elif x.size <= 13:
        ref = sst.wilcoxon(x - y, zero_method=zero_method, method=sst.PermutationMethod()).pvalue
    elif np.count_nonzero(x - y) <= 18:
        ref = _brute_force_pvalue(x - y, zero_method)
    else:
        return  # 2**19 flips and more: the recursion is checked against SciPy above
    assert res.pvalue == pytest.approx(min(1.0, float(ref)), rel=1e-12, abs=1e-15)


def _brute_force_pvalue(d: np.ndarray, zero_method: str) -> float:
    """Every sign flip of the non-zero differences, counted one by one."""
    from scipy import stats as sst

    absd = np.abs(d if zero_method != "wilcox" else d[d != 0])
    signed = d if zero_method != "wilcox" else d[d != 0]
    ranks = sst.rankdata(absd)[signed != 0]
    signs = np.array(list(itertools.product([0.0, 1.0], repeat=ranks.size)))
    sums = signs @ ranks
    observed = ranks[signed[signed != 0] > 0].sum()
    tol = 1e-9
    return min(1.0, 2 * min(np.mean(sums <= observed + tol), np.mean(sums >= observed - tol)))


@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 3.0), st.integers(1, 40), st.integers(2, 30))
def test_power_is_a_probability_and_zero_below_the_fewest_seeds(
    dz: float, m: int, n_max: int
) -> None:
    power = _stats.wilcoxon_power(
        dz, n_max, alpha=0.05, n_comparisons=m, rng=np.random.default_rng(0), n_simulations=200
    )
    assert power.shape == (n_max,)
    assert np.all((power >= 0.0) & (power <= 1.0))
    fewest = _stats.min_seeds_for_alpha(0.05, m)
    assert np.all(power[: fewest - 1] == 0.0)
