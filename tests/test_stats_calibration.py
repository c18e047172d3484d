"""Simulations that calibrate the report statistics: interval coverage and seed advice.

Seeded and vectorised, so they are deterministic and take a few seconds. The full coverage
table (normal and log-normal data, n = 5 to 50, t against the percentile and BCa
bootstraps) is in docs/reports.md; ``python tests/test_stats_calibration.py`` prints it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sst

from reports import _stats

N_REPLICATES = 20_000  # coverage standard error at 0.95: 0.0015


def _coverage_t(samples: np.ndarray, true_mean: float) -> float:
    """Share of the replicates (columns) whose t interval covers ``true_mean``."""
    low, high = _stats.mean_ci(samples, confidence=0.95)
    return float(np.mean((low <= true_mean) & (true_mean <= high)))


@pytest.mark.parametrize("n", [10, 20, 50])
def test_t_interval_covers_normal_means_at_the_promised_rate(n: int) -> None:
    rng = np.random.default_rng(n)
    samples = rng.normal(0.3, 2.0, size=(n, N_REPLICATES))
    assert 0.93 <= _coverage_t(samples, 0.3) <= 0.97


@pytest.mark.parametrize("n", [10, 20, 50])
def test_t_interval_covers_normal_paired_mean_differences(n: int) -> None:
    # Two correlated strategies on the same seeds: the interval of mean(y - x).
    rng = np.random.default_rng(100 + n)
    seed_effect = rng.normal(0.0, 1.0, size=(n, N_REPLICATES))
    x = seed_effect + rng.normal(0.0, 0.5, size=(n, N_REPLICATES))
    y = seed_effect + 0.2 + rng.normal(0.0, 0.5, size=(n, N_REPLICATES))
    assert 0.93 <= _coverage_t(y - x, 0.2) <= 0.97


def test_the_percentile_bootstrap_it_replaced_is_too_narrow_at_10_seeds() -> None:
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(400, 10))
    res = sst.bootstrap(
        (samples,),
        np.mean,
        axis=-1,
        vectorized=True,
        method="percentile",
        n_resamples=1000,
        rng=rng,
    )
    low, high = res.confidence_interval
    assert np.mean((low <= 0.0) & (high >= 0.0)) < 0.93


def _wilcoxon_power_check(
    n: int, dz: float, m: int, rng: np.random.Generator, n_samples: int = 3000
) -> float:
    """Share of samples where SciPy's test on ``n`` normal differences rejects at m p < 0.05."""
    d = rng.normal(dz, 1.0, size=(n_samples, n))
    p = sst.wilcoxon(d, axis=1, method="auto").pvalue
    return float(np.mean(m * p < 0.05))


@pytest.mark.parametrize(
    ("dz", "m"), [(2.5, 1), (1.5, 1), (1.0, 1), (1.5, 8), (1.0, 8), (2.0, 36), (0.8, 3)]
)
def test_advised_seeds_reach_the_target_power(dz: float, m: int) -> None:
    """At the advised seeds the test used reaches 80 % power; one seed fewer does not."""
    rng = np.random.default_rng([int(dz * 10), m])
    x = rng.normal(size=12)
    x = (x - x.mean()) / x.std(ddof=1) + dz  # observed dz exactly
    est = _stats.seeds_for_power(x, np.zeros(12), n_comparisons=m, rng=rng)
    assert est.n_seeds is not None
    assert est.n_seeds >= _stats.min_seeds_for_alpha(0.05, m)
    # Independent samples, SciPy's own p-values: within Monte Carlo error of the target
    # (3 standard errors of the two simulations together).
    n_check = 3000
    error = 3 * math.sqrt(0.8 * 0.2 * (1 / n_check + 1 / _stats.N_POWER_SIMULATIONS))
    assert _wilcoxon_power_check(est.n_seeds, dz, m, rng, n_check) >= 0.8 - error
    if est.n_seeds - 1 >= est.min_seeds:
        assert _wilcoxon_power_check(est.n_seeds - 1, dz, m, rng, n_check) < 0.8 + error


def test_holm_family_power_is_at_least_the_advised_bound() -> None:
    """The advice uses alpha / m; Holm over the real family rejects at least as often."""
    dz, m, rng = 1.5, 8, np.random.default_rng(7)
    x = rng.normal(size=10)
    x = (x - x.mean()) / x.std(ddof=1) + dz
    est = _stats.seeds_for_power(x, np.zeros(10), n_comparisons=m, rng=rng)
    assert est.n_seeds is not None
    n_samples = 1500
    # One real difference, m - 1 strategies as good as the control.
    d = rng.normal(0.0, 1.0, size=(n_samples, m, est.n_seeds))
    d[:, 0, :] += dz
    p = sst.wilcoxon(d, axis=2, method="auto").pvalue
    hits = [(_stats.holm(list(row))[0] or 1.0) < 0.05 for row in p]
    error = 3 * math.sqrt(0.8 * 0.2 * (1 / n_samples + 1 / _stats.N_POWER_SIMULATIONS))
    assert np.mean(hits) >= 0.8 - error


def test_simulated_power_agrees_with_the_exact_power_where_it_is_known() -> None:
    # At the fewest seeds only a unanimous outcome rejects: power = P(all d > 0) + P(all < 0).
    n = _stats.min_seeds_for_alpha(0.05, 8)
    power = _stats.wilcoxon_power(
        1.2, n, alpha=0.05, n_comparisons=8, rng=np.random.default_rng(3), n_simulations=20_000
    )
    exact = sst.norm.cdf(1.2) ** n + sst.norm.cdf(-1.2) ** n
    assert power[n - 1] == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20_000))
    assert np.all(power[: n - 1] == 0.0)
    # With no effect the rejection rate is the test's size: at most alpha / m.
    null = _stats.wilcoxon_power(
        0.0, 30, alpha=0.05, n_comparisons=1, rng=np.random.default_rng(4), n_simulations=20_000
    )
    assert np.all(null <= 0.05 + 4 * math.sqrt(0.05 * 0.95 / 20_000))


def coverage_table(n_replicates: int = 10_000, n_resamples: int = 2000) -> str:
    """The docs' coverage table: t, percentile and BCa intervals of the mean (slow)."""
    cases = {
        "normal": (lambda rng, size: rng.normal(size=size), 0.0),
        "log-normal (sigma 1)": (lambda rng, size: rng.lognormal(0, 1, size=size), math.exp(0.5)),
    }
    lines = [
        "| data | n | Student-t | percentile bootstrap | BCa bootstrap |",
        "|---|---|---|---|---|",
    ]
    for name, (draw, mean) in cases.items():
        for n in (5, 10, 20, 50):
            rng = np.random.default_rng([n, len(name)])
            x = draw(rng, (n_replicates, n))
            cells = [f"{_coverage_t(x.T, mean):.3f}"]
            for method in ("percentile", "BCa"):
                res = sst.bootstrap(
                    (x,),
                    np.mean,
                    axis=-1,
                    vectorized=True,
                    method=method,
                    n_resamples=n_resamples,
                    batch=50,
                    rng=rng,
                )
                low, high = res.confidence_interval
                cells.append(f"{np.mean((low <= mean) & (mean <= high)):.3f}")
            lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(coverage_table())
