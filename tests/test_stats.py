"""Tests of glasshelpers.stats: bootstrap intervals, coverage, seeding."""

import numpy as np
import pytest

from glasshelpers.stats import accuracy_ci, binomial_se, bootstrap_ci


def test_mean_interval_matches_normal_theory():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=400)
    r = bootstrap_ci(np.mean, x, n_boot=2000, alpha=0.32, seed=1)
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert r.estimate == pytest.approx(x.mean())
    assert r.std == pytest.approx(se, rel=0.1)
    assert r.high - r.low == pytest.approx(2 * 0.994 * se, rel=0.12)   # +-1 sigma
    r95 = bootstrap_ci(np.mean, x, n_boot=2000, alpha=0.05, seed=1)
    assert r95.high - r95.low == pytest.approx(2 * 1.96 * se, rel=0.12)
    assert r95.low < r.low < r.estimate < r.high < r95.high


def test_seeded_and_reproducible():
    x = np.arange(50.0)
    a = bootstrap_ci(np.median, x, n_boot=200, seed=5, return_samples=True)
    b = bootstrap_ci(np.median, x, n_boot=200, seed=5, return_samples=True)
    c = bootstrap_ci(np.median, x, n_boot=200, seed=6, return_samples=True)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    assert a.samples.shape == (200,)


def test_coverage_at_stated_rate():
    # 200 data sets of a normal mean: the 68 % interval should cover the truth about
    # 68 % of the time (percentile bootstrap of a mean is slightly narrow for n = 60).
    rng = np.random.default_rng(42)
    covered68 = covered95 = 0
    reps = 200
    for k in range(reps):
        x = rng.normal(1.0, 1.0, size=60)
        r = bootstrap_ci(np.mean, x, n_boot=400, alpha=0.32, seed=k, return_samples=True)
        covered68 += r.low <= 1.0 <= r.high
        lo, hi = np.quantile(r.samples, [0.025, 0.975])
        covered95 += lo <= 1.0 <= hi
    tol = 3 * np.sqrt(0.68 * 0.32 / reps)   # binomial tolerance, ~0.10
    assert abs(covered68 / reps - 0.68) < tol
    assert abs(covered95 / reps - 0.95) < 3 * np.sqrt(0.95 * 0.05 / reps) + 0.01


def test_paired_and_vector_statistics():
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    y = 2 * x + rng.normal(scale=0.1, size=300)
    slope = bootstrap_ci(lambda a, b: np.polyfit(a, b, 1)[0], x, y, n_boot=300, seed=0)
    assert slope.estimate == pytest.approx(2.0, abs=0.03)
    # pairing kept: the spread is the OLS slope error 0.1 / (sqrt(n) std x), not ~0.1
    assert slope.std == pytest.approx(0.1 / np.sqrt(300) / x.std(), rel=0.3)
    vec = bootstrap_ci(lambda a: np.array([a.mean(), a.std()]), x, n_boot=300, seed=0)
    assert vec.estimate.shape == (2,) and vec.low.shape == (2,)
    assert np.all(vec.low <= vec.estimate) and np.all(vec.estimate <= vec.high)


def test_strata_keep_group_sizes():
    y = np.r_[np.zeros(30), np.ones(70)]
    r = bootstrap_ci(np.mean, y, n_boot=100, seed=0, strata=y, return_samples=True)
    np.testing.assert_allclose(r.samples, 0.7)  # class fractions fixed
    free = bootstrap_ci(np.mean, y, n_boot=100, seed=0, return_samples=True)
    assert free.samples.std() > 0.02


def test_nonfinite_replicates_are_ignored():
    x = np.r_[np.zeros(5), np.ones(5)]
    r = bootstrap_ci(lambda a: 1.0 / a.sum() if a.sum() > 3 else np.nan, x, n_boot=300, seed=0)
    assert 0 < r.n_valid < 300
    assert np.isfinite(r.low) and np.isfinite(r.high)


def test_accuracy_ci_brackets_estimate():
    rng = np.random.default_rng(0)
    a = np.r_[rng.normal(-0.5, 1, 500), rng.normal(0.5, 1, 500)]
    y = np.repeat([0, 1], 500)
    r = accuracy_ci(a, y, [-0.5, 0.0, 0.5], n_boot=200, seed=0)
    assert r.estimate.shape == (3,)
    assert np.all(r.low <= r.estimate + 1e-12) and np.all(r.estimate <= r.high + 1e-12)
    # binomial standard error of an accuracy near 0.69 on 1000 samples is ~0.015
    assert np.all((r.high - r.low) / 2 == pytest.approx(0.0146, abs=0.006))


def test_binomial_se_and_bad_input():
    np.testing.assert_allclose(binomial_se([5, 0], [20, 10]), [np.sqrt(0.25 * 0.75 / 20), 0.0])
    assert np.isnan(binomial_se(0, 0))
    with pytest.raises(ValueError, match="same length"):
        bootstrap_ci(np.mean, np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci(np.mean, np.ones(5), alpha=1.5)
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_ci(np.mean, np.ones(1))
