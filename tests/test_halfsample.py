"""Tests of glasshelpers.core.learning.halfsample: half-sampling intervals of refitted SVMs and the
attenuation-corrected similarity, with coverage measured on synthetic data whose
generating directions are known."""

import numpy as np
import pytest
from scipy.stats import norm

from glasshelpers.core.learning.classify import C_for, train_classifier
from glasshelpers.core.learning.halfsample import (corrected_similarity, half_sample_statistics, half_split, interval_columns,
                                     spearman_brown)

D = 10          # features
N = 80          # samples per class of a training set (40 blocks of 2 correlated samples)
N_TEST = 60     # per class of the test set
DELTA = 3.0     # class separation along the generating direction (noise sd 1)
C_N = 20.0      # C x n of these tests (C = 0.25 at n = 80, 0.5 for a half)
FLIP = 3        # components of the second direction with flipped sign: true cosine 1 - 2 * 3 / 10


def direction(flip=0):
    """Unit vector with equal-magnitude components (so that per-feature standardisation
    leaves the population direction unchanged), ``flip`` of them negative."""
    u = np.ones(D) / np.sqrt(D)
    u[:flip] *= -1
    return u


def blocked_set(u, n_per_class, rng, rho=0.5):
    """Gaussian classes at +-DELTA/2 along u; samples come in blocks of two whose noise is
    correlated (rho), one class per block, as one particle's frames within a p_hop window."""
    nb = n_per_class // 2
    y = np.repeat([0, 1], nb)
    shared = rng.normal(size=(2 * nb, D))
    X = np.sqrt(rho) * np.repeat(shared, 2, axis=0) + np.sqrt(1 - rho) * rng.normal(size=(4 * nb, D))
    y2 = np.repeat(y, 2)
    X += np.outer(np.where(y2 == 1, DELTA / 2, -DELTA / 2), u)
    return {"X": X * 3.0 + 5.0, "y": y2.astype(np.int8), "blocks": np.repeat(np.arange(2 * nb), 2)}


def fit(X, y):
    return train_classifier(X, y, C=C_for(C_N, len(y) / 2), max_imbalance=None)


def test_half_split_keeps_blocks_and_strata():
    blocks = np.repeat(np.arange(10), 3)
    strata = (blocks >= 5).astype(int)
    m = half_split(blocks, strata, rng=1)
    for b in range(10):
        assert len(set(m[blocks == b])) == 1            # a block is never split
    assert m[strata == 0].sum() in (6, 9) and m[strata == 1].sum() in (6, 9)   # 2 or 3 of 5 blocks each
    with pytest.raises(ValueError, match="at least 2"):
        half_split(np.arange(3), np.array([0, 1, 1]), rng=0)


def test_interval_is_centred_on_the_estimate_and_t_based():
    d = np.array([0.1, -0.1] * 10)
    c = interval_columns("x", 0.5, d)
    assert c["x_lo95"] < 0.5 < c["x_hi95"] and c["x_lo"] < 0.5 < c["x_hi"]
    assert c["x_hi95"] - 0.5 == pytest.approx(0.5 - c["x_lo95"])
    from scipy.stats import t
    assert c["x_hi95"] - 0.5 == pytest.approx(t.ppf(0.975, 19) * 0.1)
    assert c["x_end_error"] == pytest.approx((c["x_hi95"] - 0.5) / np.sqrt(40))
    assert interval_columns("c", 0.99, d, clip=(-1, 1))["c_hi95"] == 1.0
    assert np.isnan(interval_columns("x", 0.5, np.r_[d, [np.nan] * 5])["x_lo"])   # > 5 % undefined


def test_spearman_brown_and_correction():
    assert spearman_brown(1.0) == 1.0 and spearman_brown(0.5) == pytest.approx(2 / 3)
    assert np.isnan(spearman_brown(-0.1))
    # cos_obs = cos_true * a1 * a2 with a^2 = SB(r): the correction recovers cos_true
    r1, r2 = 0.6, 0.8
    obs = 0.5 * np.sqrt(spearman_brown(r1) * spearman_brown(r2))
    assert corrected_similarity(obs, r1, r2) == pytest.approx(0.5)


def _one_synthetic(rng, n_splits):
    u, v = direction(), direction(FLIP)
    train = {"S": blocked_set(u, N, rng), "F": blocked_set(v, N, rng)}
    test = blocked_set(u, N_TEST, rng)
    full = {k: fit(ds["X"], ds["y"]) for k, ds in train.items()}
    t = half_sample_statistics(train, full, fit, ref="S", test=test, max_splits=n_splits, min_splits=n_splits,
                               batch=n_splits, seed=int(rng.integers(1 << 31))).set_index("key")
    # population best accuracy of the full F classifier on the test distribution
    w = full["F"].normal_in(1.0)
    pop_acc = norm.cdf(DELTA * abs(w @ u) / 2)
    return t.loc["F"], pop_acc


@pytest.fixture(scope="module")
def coverage_runs():
    rng = np.random.default_rng(20240517)
    return [_one_synthetic(rng, n_splits=6) for _ in range(100)]


def test_similarity_intervals_cover_the_true_cosine(coverage_runs):
    """100 synthetic pairs of training sets (true cosine 0.4, blocks of correlated samples,
    6 half splits each): the 95 % interval of the corrected similarity holds the true
    cosine at least 90 % of the time, and the corrected estimator is not attenuated like
    the raw cosine."""
    truth = 1 - 2 * FLIP / D
    rows = [r for r, _ in coverage_runs]
    lo = np.array([r["similarity_lo95"] for r in rows])
    hi = np.array([r["similarity_hi95"] for r in rows])
    est = np.array([r["similarity"] for r in rows])
    raw = np.array([r["similarity_raw"] for r in rows])
    ok = np.isfinite(lo)
    assert ok.mean() >= 0.95
    cover = float(np.mean((lo[ok] <= truth) & (truth <= hi[ok])))
    print(f"similarity: coverage {cover:.2f}, corrected mean {est[ok].mean():.3f}, raw mean {raw.mean():.3f}, "
          f"truth {truth:.3f}, median 95 % half-width {np.median(hi[ok] - lo[ok]) / 2:.3f}")
    assert cover >= 0.90
    assert abs(np.median(est[ok]) - truth) < abs(np.median(raw) - truth)


def test_accuracy_intervals_cover_the_expected_accuracy(coverage_runs):
    """Same 100 sets: the 95 % interval of the best transfer accuracy (classifier F on the
    test set, training and test halves refitted and rescored) holds the expected population
    accuracy of a classifier trained at this size at least 90 % of the time."""
    rows = [r for r, _ in coverage_runs]
    truth = float(np.mean([p for _, p in coverage_runs]))
    lo = np.array([r["best_accuracy_lo95"] for r in rows])
    hi = np.array([r["best_accuracy_hi95"] for r in rows])
    cover = float(np.mean((lo <= truth) & (truth <= hi)))
    print(f"accuracy: coverage {cover:.2f}, truth {truth:.3f}, "
          f"mean estimate {np.mean([r['best_accuracy'] for r in rows]):.3f}")
    assert cover >= 0.90


def test_a_bootstrap_that_ignores_the_refit_would_fail(coverage_runs):
    """The coverage test can fail: intervals a third as wide (as if only one half's noise
    counted) cover the true cosine far less than 90 % of the time."""
    truth = 1 - 2 * FLIP / D
    rows = [r for r, _ in coverage_runs if np.isfinite(r["similarity_lo95"])]
    est = np.array([r["similarity"] for r in rows])
    h = np.array([r["similarity_hi95"] - r["similarity_lo95"] for r in rows]) / 6
    assert np.mean(np.abs(est - truth) <= h) < 0.9


def test_every_estimate_lies_inside_its_own_interval(coverage_runs):
    """The check of the book (glasshelpers.core.statistics.intervals) finds nothing in these tables."""
    import pandas as pd
    from glasshelpers.core.statistics.intervals import violations
    table = pd.DataFrame([r for r, _ in coverage_runs])
    assert {"similarity_lo", "best_accuracy_lo95", "b_best_hi"} <= set(table.columns)
    assert violations(table, "synthetic").empty


def test_paired_difference_of_identical_classifiers_is_exactly_zero_and_pairing_narrows():
    """``pairs``: a classifier against a copy of itself (same training set, halved
    independently) has a difference of exactly 0, inside a symmetric interval; two classifiers of one direction trained on independent sets are scored on
    the same test halves, so the interval of their difference is narrower than the two
    intervals combined as independent (the shared test-set noise cancels)."""
    rng = np.random.default_rng(5)
    u = direction()
    a, b = blocked_set(u, N, rng), blocked_set(u, N, rng)
    test = blocked_set(u, N_TEST, rng)
    train = {"F": a, "G": {k: v.copy() for k, v in a.items()}, "H": b}
    full = {k: fit(ds["X"], ds["y"]) for k, ds in train.items()}
    t = half_sample_statistics(train, full, fit, test=test, pairs=[("G", "F"), ("H", "F")], max_splits=16,
                               min_splits=16, batch=16, seed=3).set_index("key")
    assert t.loc["G", "best_accuracy_diff"] == 0
    assert t.loc["G", "best_accuracy_diff_hi95"] == pytest.approx(-t.loc["G", "best_accuracy_diff_lo95"])
    assert t.loc["G", "best_accuracy_diff_hi95"] > 0
    assert t.loc["G", "diff_reference"] == "F" and np.isnan(t.loc["F"].get("best_accuracy_diff", np.nan))
    hw = lambda k, s: (t.loc[k, f"{s}_hi95"] - t.loc[k, f"{s}_lo95"]) / 2      # noqa: E731
    assert t.loc["H", "best_accuracy_diff"] == pytest.approx(t.loc["H", "best_accuracy"] - t.loc["F", "best_accuracy"])
    assert hw("H", "best_accuracy_diff") < np.hypot(hw("H", "best_accuracy"), hw("F", "best_accuracy"))
