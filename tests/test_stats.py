"""Tests of glasshelpers.core.statistics.stats: bootstrap intervals, coverage, seeding."""

import numpy as np
import pandas as pd
import pytest

from glasshelpers.core.learning.scoring import accuracy_ci
from glasshelpers.core.statistics.stats import binomial_se, bootstrap_ci


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


# ----------------------------------------------------------------- block bootstrap

from glasshelpers.core.statistics.stats import (ar1_variance_inflation, block_frames, block_ids, consistency_test,  # noqa: E402
                                interval_width_ratio, pool_counts, pool_replicas)


def _ar1(rng, n_series, n_t, rho):
    """Stationary AR(1) series with unit variance, shape (n_series, n_t)."""
    x = np.empty((n_series, n_t))
    x[:, 0] = rng.standard_normal(n_series)
    eps = rng.standard_normal((n_series, n_t)) * np.sqrt(1 - rho ** 2)
    for t in range(1, n_t):
        x[:, t] = rho * x[:, t - 1] + eps[:, t]
    return x


def _finite_block_inflation(rho, L):
    k = np.arange(1, L)
    return 1 + 2 * np.sum((1 - k / L) * rho ** k)


def test_block_lengths_cover_one_phop_window():
    assert block_frames(1) == 11            # trajectory frames 1 tau apart
    assert block_frames(10) == 2            # demo bank: frames 10 tau apart -> 20 tau blocks
    assert block_frames(5) == 3             # tiny bank: 15 tau
    assert block_frames(11) == 1 and block_frames(50) == 1
    with pytest.raises(ValueError):
        block_frames(0)


def test_block_ids_group_particle_and_time_block():
    particle = np.array([0, 0, 0, 1, 1, 0])
    frame = np.array([0, 1, 2, 0, 2, 3])
    ids = block_ids(particle, frame, 2)
    # blocks: (0, 0) holds frames 0, 1; (0, 1) frames 2, 3; (1, 0) frame 0; (1, 1) frame 2
    assert ids[0] == ids[1] and ids[2] == ids[5] and ids[0] != ids[2]
    assert ids[3] != ids[0] and ids[3] != ids[4]
    assert np.unique(ids).size == 4 and ids.max() == 3
    by_class = block_ids(particle, frame, 2, stratum=[0, 1, 0, 0, 0, 0])
    assert by_class[0] != by_class[1]
    with pytest.raises(ValueError):
        block_ids(particle, frame[:-1], 2)


def test_block_bootstrap_widens_intervals_on_ar1_data_as_theory_says():
    # 40 particles x 1000 frames of AR(1) noise with rho = 0.8. The variance of the mean is
    # (1 + rho)/(1 - rho) = 9 times the iid value; blocks of L = 50 frames capture
    # 1 + 2 sum_{k<L} (1 - k/L) rho^k = 8.2 of it. The iid bootstrap sees 1.
    rho, L = 0.8, 50
    rng = np.random.default_rng(3)
    x = _ar1(rng, 40, 1000, rho)
    particle, frame = np.indices(x.shape)
    ids = block_ids(particle.ravel(), frame.ravel(), L)
    iid = bootstrap_ci(np.mean, x.ravel(), n_boot=1500, seed=1)
    blk = bootstrap_ci(np.mean, x.ravel(), n_boot=1500, seed=1, clusters=ids)
    var_ratio = (blk.std / iid.std) ** 2
    assert var_ratio == pytest.approx(_finite_block_inflation(rho, L), rel=0.2)
    assert var_ratio == pytest.approx(ar1_variance_inflation(rho), rel=0.25)
    assert interval_width_ratio(blk, iid) == pytest.approx(np.sqrt(ar1_variance_inflation(rho)), rel=0.15)
    assert iid.std == pytest.approx(x.std() / np.sqrt(x.size), rel=0.1)


def test_block_bootstrap_matches_iid_on_uncorrelated_data():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((40, 1000))
    particle, frame = np.indices(x.shape)
    ids = block_ids(particle.ravel(), frame.ravel(), 11)
    iid = bootstrap_ci(np.mean, x.ravel(), n_boot=1500, seed=2)
    blk = bootstrap_ci(np.mean, x.ravel(), n_boot=1500, seed=2, clusters=ids)
    assert interval_width_ratio(blk, iid) == pytest.approx(1.0, abs=0.12)
    # one sample per block is the iid bootstrap itself
    one = bootstrap_ci(np.mean, x.ravel()[:500], n_boot=300, seed=2, clusters=np.arange(500))
    assert one.std == pytest.approx(x.ravel()[:500].std() / np.sqrt(500), rel=0.15)


def test_block_bootstrap_with_strata_keeps_classes_and_rejects_mixed_blocks():
    y = np.repeat([0, 1], 50)
    ids = np.arange(100) // 5
    r = bootstrap_ci(lambda yy: yy.mean(), y, n_boot=50, seed=0, strata=y, clusters=ids, return_samples=True)
    np.testing.assert_array_equal(r.samples, 0.5)     # balanced in every replicate
    with pytest.raises(ValueError, match="stratum"):
        bootstrap_ci(np.mean, y.astype(float), n_boot=5, strata=y, clusters=np.arange(100) // 7)


def test_consistency_of_equal_and_of_different_estimates():
    c = consistency_test([1.0, 1.0, 1.0], errors=[0.1, 0.2, 0.3])
    assert c.chi2 == pytest.approx(0) and c.p_value == pytest.approx(1) and c.mean == pytest.approx(1.0)
    # hand computation: weights 100, 25 -> mean (100*1 + 25*2)/125 = 1.2
    c = consistency_test([1.0, 2.0], errors=[0.1, 0.2])
    assert c.mean == pytest.approx(1.2)
    assert c.chi2 == pytest.approx((0.2 / 0.1) ** 2 + (0.8 / 0.2) ** 2)
    assert c.dof == 1 and c.p_value < 1e-4
    assert c.mean_err == pytest.approx(np.sqrt(1 / 125))


def test_consistency_uses_correlation_of_joint_replicates():
    # two estimates with a large common error and a small independent one: their
    # difference (0.1) is small against each error (1) but large against the error of
    # the difference (0.01 * sqrt 2); only the joint covariance sees it.
    rng = np.random.default_rng(0)
    common = rng.standard_normal(4000)
    s = np.column_stack([common + 0.01 * rng.standard_normal(4000), common + 0.01 * rng.standard_normal(4000)])
    est = np.array([0.0, 0.1])
    assert consistency_test(est, samples=s).p_value < 1e-6
    assert consistency_test(est, errors=s.std(axis=0)).p_value > 0.9
    assert consistency_test(est, samples=s + est).chi2 == pytest.approx(consistency_test(est, samples=s).chi2)


def test_two_identical_replicas_pool_to_the_same_estimate_with_zero_spread():
    one = pd.DataFrame({"T_train": [1.0, 2.0], "T_onset": [0.9, 1.1], "n": [100, 200], "k": [10, 50]})
    two = pd.concat([one.assign(replica=0), one.assign(replica=1)])
    p = pool_replicas(two, ["T_onset"], by=["T_train"])
    np.testing.assert_allclose(p["T_onset"], one["T_onset"])
    np.testing.assert_array_equal(p["T_onset_replica_sd"], 0.0)
    assert (p["n_replicas"] == 2).all()
    c = pool_counts(two, by=["T_train"])
    np.testing.assert_allclose(c["P_R"], one["k"] / one["n"])
    np.testing.assert_array_equal(c["P_R_replica_sd"], 0.0)
    np.testing.assert_array_equal(c["n"], 2 * one["n"])
    # different replicas: the spread is the sample sd
    diff = pd.concat([one.assign(replica=0), one.assign(replica=1, T_onset=[1.1, 1.1])])
    p = pool_replicas(diff, ["T_onset"], by=["T_train"])
    assert p["T_onset"].iloc[0] == pytest.approx(1.0)
    assert p["T_onset_replica_sd"].iloc[0] == pytest.approx(np.std([0.9, 1.1], ddof=1))
    with pytest.raises(ValueError):
        pool_replicas(one, ["T_onset"], by=["T_train"])


def test_indicator_autocorrelation_of_held_events():
    from glasshelpers.core.statistics.stats import decorrelation_time, indicator_autocorrelation
    rng = np.random.default_rng(0)
    # events that last exactly 6 frames, starting at random: C(k) = 1 - k/6 for k < 6, then 0
    n_t, n_p, h = 4000, 50, 6
    starts = rng.random((n_t, n_p)) < 0.01
    flags = np.zeros((n_t + h, n_p), bool)
    for k in range(h):
        flags[k:k + n_t] |= starts
    C = indicator_autocorrelation(flags[h:], 10)
    assert C[0] == pytest.approx(1)
    np.testing.assert_allclose(C[1:6], 1 - np.arange(1, 6) / h, atol=0.05)
    np.testing.assert_allclose(C[7:], 0, atol=0.03)
    assert decorrelation_time(C) == pytest.approx(h * (1 - np.exp(-1)), abs=0.3)
    assert np.isnan(indicator_autocorrelation(np.zeros((10, 3), bool), 3)).all()


def test_block_resampler_draws_whole_blocks_within_strata():
    from glasshelpers.core.statistics.stats import block_resampler
    clusters = np.repeat(np.arange(10), 3)
    y = (clusters >= 5).astype(int)
    g = block_resampler(clusters, y, seed=1)
    for _ in range(5):
        idx = next(g)
        assert idx.size == 30
        drawn = clusters[idx].reshape(-1, 3)
        assert (drawn == drawn[:, :1]).all()                  # each block enters whole
        assert (y[idx] == 1).sum() == 15                      # 5 blocks of each class
