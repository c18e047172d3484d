"""The hand-written statistics against reference implementations (test-only dependencies).

Holm's correction against statsmodels; Friedman's test, average ranks and the Nemenyi
critical difference against autorank (Herbold 2020) and the Nemenyi pairwise decisions
against scikit-posthocs; the exact signed-rank null distribution against SciPy's.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sst
from statsmodels.stats.multitest import multipletests

from reports import _stats

autorank = pytest.importorskip("autorank")
sp = pytest.importorskip("scikit_posthocs")


def _tables() -> list[np.ndarray]:
    """Score tables (blocks x strategies) with and without ties, lower is better."""
    rng = np.random.default_rng(11)
    out = []
    for n, k in [(14, 4), (10, 5), (20, 9), (8, 3)]:
        out.append(rng.normal(size=(n, k)) + np.linspace(0.0, 1.2, k))
        out.append(np.round(rng.normal(size=(n, k)) + np.linspace(0.0, 1.2, k), 1))
    return out


@pytest.mark.parametrize("scores", _tables())
def test_friedman_and_critical_difference_match_autorank(scores: np.ndarray) -> None:
    k = scores.shape[1]
    frame = pd.DataFrame(scores, columns=[f"s{j}" for j in range(k)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = autorank.autorank(
            frame, alpha=0.05, verbose=False, order="ascending", force_mode="nonparametric"
        )
    ours = _stats.friedman(scores, alpha=0.05)
    assert ref.omnibus == "friedman"
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    ranks = ref.rankdf["meanrank"]
    for j in range(k):
        assert ours.average_ranks[j] == pytest.approx(ranks[f"s{j}"])
    # autorank takes q_alpha from statsmodels' studentized-range table interpolation;
    # ours from scipy.stats.studentized_range: equal to about 6 digits.
    assert ours.critical_difference == pytest.approx(ref.cd, rel=2e-5)


@pytest.mark.parametrize("scores", _tables())
def test_nemenyi_decisions_match_scikit_posthocs(scores: np.ndarray) -> None:
    k = scores.shape[1]
    ours = _stats.friedman(scores, alpha=0.05)
    pvalues = sp.posthoc_nemenyi_friedman(scores).to_numpy()
    ranks = np.asarray(ours.average_ranks)
    for i, j in itertools.combinations(range(k), 2):
        difference = abs(ranks[i] - ranks[j])
        if abs(difference - ours.critical_difference) < 1e-9:
            continue  # on the boundary either way is right
        assert (difference > ours.critical_difference) == (pvalues[i, j] < 0.05)


def test_holm_matches_statsmodels_on_many_families() -> None:
    # statsmodels runs gc.collect() on every call (slow here): a few families of each size.
    rng = np.random.default_rng(2)
    for m in (1, 2, 8, 36):
        for _ in range(2):
            raw = rng.uniform(0.0, 0.2, size=m) ** rng.uniform(0.5, 3.0)
            raw[rng.integers(0, m)] = raw.min()  # ties among the p-values
            ref = multipletests(raw, method="holm")[1]
            assert _stats.holm(list(raw)) == pytest.approx(list(ref), abs=1e-15)


@pytest.mark.parametrize("n", [1, 2, 5, 9, 16, 25])
def test_exact_null_distribution_matches_scipy(n: int) -> None:
    """The recursion behind the power's critical values rejects where SciPy's p-value does."""
    ts = range(n * (n + 1) // 4 + 1)
    p = np.array([sst.wilcoxon(_signed(n, t), method="exact").pvalue for t in ts])
    for alpha, m in [(0.01, 1), (0.05, 1), (0.05, 8), (0.3, 2), (0.9, 1)]:
        crit = _stats._critical_rank_sums(n, alpha, m)[n - 1]
        assert [t <= crit for t in ts] == (m * p < alpha).tolist()


def _signed(n: int, t_plus: int) -> np.ndarray:
    """Differences 1..n whose positive ranks sum to ``t_plus`` (the rest negative)."""
    signs, left = -np.ones(n), t_plus
    for rank in range(n, 0, -1):
        if rank <= left:
            signs[rank - 1], left = 1.0, left - rank
    return signs * np.arange(1.0, n + 1)
