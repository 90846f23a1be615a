"""Tests of glasshelpers.core.learning.classify and glasshelpers.core.learning.scoring on synthetic Gaussian clouds with known answers."""

import numpy as np
import pytest
from scipy.stats import norm

from glasshelpers.core.learning.classify import HyperplaneClassifier, check_balance, train_classifier
from glasshelpers.core.learning.scoring import (
    accuracy_around_best, accuracy_vs_bias, best_bias, cv_accuracy_vs_bias, sigma_alpha, similarity, x_alpha,
)

D = 20


def clouds(n_per_class=1000, delta=1.5, seed=0, offset=0.0, direction=None, scales=None):
    """Two isotropic Gaussian clouds (in latent units) separated by `delta` along `direction`.

    Raw features = latent * scales + 10 (per-feature units and offsets), so
    standardisation matters. Class 1 sits at +delta/2 + offset along the direction.
    """
    rng = np.random.default_rng(seed)
    v = direction if direction is not None else np.eye(D)[0] + 0.5 * np.eye(D)[3]
    v = v / np.linalg.norm(v)
    s = scales if scales is not None else np.geomspace(0.1, 10.0, D)
    y = np.repeat([0, 1], n_per_class)
    Z = rng.normal(size=(2 * n_per_class, D)) + np.outer(np.where(y == 1, delta / 2 + offset, -delta / 2 + offset), v)
    return Z * s + 10.0, y, v, s


@pytest.fixture(scope="module")
def trained():
    X, y, v, s = clouds()
    return train_classifier(X, y), X, y, v, s


def test_normal_recovers_generating_direction(trained):
    clf, X, y, v, s = trained
    assert clf.w_hat.shape == (D,)
    assert np.linalg.norm(clf.w_hat) == pytest.approx(1.0)
    # in standardised space the latent direction is (nearly) v
    assert clf.w_hat @ v > 0.95
    # in raw space the Bayes normal is Sigma^-1 dmu = v / s
    raw = (v / s) / np.linalg.norm(v / s)
    assert clf.normal_in(1.0) @ raw > 0.95
    # positive alpha = class 1
    alpha = clf.decision(X)
    assert alpha[y == 1].mean() > 0.5 and alpha[y == 0].mean() < -0.5
    # symmetric clouds: bias near 0, accuracy near the Bayes rate Phi(delta/2)
    assert abs(clf.b) < 0.1
    assert clf.train_accuracy == pytest.approx(norm.cdf(0.75), abs=0.03)
    assert clf.n_train == (1000, 1000)


def test_decision_is_signed_distance(trained):
    clf, X, y, v, s = trained
    Xs = (X - X.mean(0)) / X.std(0)
    np.testing.assert_allclose(clf.standardise(X), Xs, atol=1e-10)
    np.testing.assert_allclose(clf.decision(X), Xs @ clf.w_hat + clf.b, atol=1e-10)
    np.testing.assert_allclose(clf.decision(X, b=0.3) - clf.project(X), 0.3)
    # moving a point by distance d along w_hat (in standardised space) changes alpha by d
    x0 = X[:1]
    x1 = x0 + 0.7 * clf.w_hat * clf.scale
    assert clf.decision(x1)[0] - clf.decision(x0)[0] == pytest.approx(0.7)
    # w_raw form
    np.testing.assert_allclose(clf.decision(X), (X - clf.mean) @ clf.w_raw + clf.b, atol=1e-9)
    # sklearn scaler equivalent
    np.testing.assert_allclose(clf.scaler.transform(X), clf.standardise(X), atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X, db=100.0), 1)


def test_roundtrip_dict_and_npz(trained, tmp_path):
    clf = trained[0]
    clf = HyperplaneClassifier.from_dict({**clf.to_dict(), "meta_json": '{"T": 1.2}'})
    clf2 = HyperplaneClassifier.from_dict(clf.to_dict())
    np.testing.assert_array_equal(clf2.w_hat, clf.w_hat)
    assert clf2.b == clf.b and clf2.n_train == clf.n_train and clf2.solver == clf.solver
    np.savez(tmp_path / "clf.npz", **clf.to_dict())
    with np.load(tmp_path / "clf.npz", allow_pickle=False) as z:
        clf3 = HyperplaneClassifier.from_dict(z)
    np.testing.assert_array_equal(clf3.scale, clf.scale)
    assert clf3.meta == {"T": 1.2} and clf3.solver == "libsvm" and clf3.C == clf.C


def test_liblinear_agrees_with_libsvm():
    X, y, v, s = clouds(offset=0.4, seed=3)
    a = train_classifier(X, y, solver="libsvm")
    b = train_classifier(X, y, solver="liblinear")
    assert a.w_hat @ b.w_hat > 0.999
    assert abs(a.b - b.b) < 0.02


def test_common_offset_moves_hyperplane_not_bias():
    # class 1 at +1.15, class 0 at -0.35 along v: midpoint at +0.4 in latent units.
    X, y, v, s = clouds(offset=0.4, seed=4)
    clf = train_classifier(X, y)
    # the hyperplane passes near the midpoint: alpha(10 + 0.4 v s) ~ 0 ...
    mid = (0.4 * v) * s + 10.0
    assert abs(clf.decision(mid[None])[0]) < 0.1
    # ... but the standardiser is centred on the data mean (the midpoint), so b ~ 0
    assert abs(clf.b) < 0.1


def test_unequal_widths_bias_is_unpenalised_optimum():
    # class 1 twice as wide along v: the trained bias is nonzero; since libsvm does not
    # penalise b, for the fitted w it must minimise the hinge loss sum over b exactly.
    X, y, v, s = clouds(delta=2.0, seed=9)
    Z = (X - 10.0) / s
    Z[y == 1] = (Z[y == 1] - v) * 2.0 + v
    clf = train_classifier(Z * s + 10.0, y)
    assert clf.w_hat @ v > 0.95
    assert abs(clf.b) > 0.05
    ys = 2 * y - 1
    m = clf.project(Z * s + 10.0) * clf.w_norm  # w . x_std with the unnormalised w

    def hinge(bb):
        return np.maximum(0.0, 1.0 - ys * (m + bb)).sum()

    grid = clf.b * clf.w_norm + np.linspace(-0.5, 0.5, 2001)
    best = min(hinge(g) for g in grid)
    assert hinge(clf.b * clf.w_norm) <= best * (1 + 1e-3)
    assert hinge(clf.b * clf.w_norm + 0.1) > best * (1 + 1e-3)


def test_accuracy_vs_bias_exact_small_case():
    alpha = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    y = np.array([0, 0, 1, 0, 1, 1])
    acc = accuracy_vs_bias(alpha, y, [0.0, 0.75, -0.75, 10.0, -10.0])
    # db=0: predictions 0,0,0,1,1,1 -> correct 0,0,x,x,1,1 -> 4/6
    # db=0.75: positives alpha > -0.75 -> -0.5,0.5,1,2 -> correct: 0,0,1,x,1,1 = 5/6
    # db=-0.75: positives alpha > 0.75 -> 1, 2 -> correct 0,0,x,0,1,1 = 5/6
    np.testing.assert_allclose(acc, [4 / 6, 5 / 6, 5 / 6, 0.5, 0.5])
    # brute-force agreement on random data
    rng = np.random.default_rng(0)
    a = rng.normal(size=501)
    yy = (rng.random(501) < 0.5).astype(int)
    sh = np.linspace(-3, 3, 37)
    brute = [np.mean((a + d > 0) == (yy == 1)) for d in sh]
    np.testing.assert_allclose(accuracy_vs_bias(a, yy, sh), brute)


def test_best_bias_hand_computed():
    # projections p = alpha - b; the best threshold separates {-2,-1,-0.5 | 0.5? ...}
    p = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    y = np.array([0, 0, 0, 1, 0, 1])
    # threshold between -0.5 and 0.5 -> correct 0,0,0,1,x,1 = 5/6; between 1 and 2 -> 0,0,0,x,0,1 = 5/6
    # tie: both give 5/6; with b = 0.2 the nearest candidate is b_best = -0.0 (t = 0.0), shift -0.2
    r = best_bias(p + 0.2, y, b=0.2)
    assert r.accuracy == pytest.approx(5 / 6)
    assert r.b_best == pytest.approx(0.0)
    assert r.shift == pytest.approx(-0.2)
    # with b = -1.4 the other tied interval (t = 1.5) is nearer: b_best = -1.5
    r2 = best_bias(p - 1.4, y, b=-1.4)
    assert r2.b_best == pytest.approx(-1.5) and r2.accuracy == pytest.approx(5 / 6)
    # perfectly separable: threshold is the midpoint of the gap
    r3 = best_bias(np.array([0.1, 0.2, 0.9, 1.3]), [0, 0, 1, 1])
    assert r3.accuracy == 1.0 and r3.b_best == pytest.approx(-0.55)
    # the result is optimal versus a dense brute-force scan
    rng = np.random.default_rng(1)
    a = np.r_[rng.normal(-0.3, 1, 20000), rng.normal(0.6, 1, 20000)]
    yy = np.repeat([0, 1], 20000)
    r4 = best_bias(a, yy)
    dense = accuracy_vs_bias(a, yy, np.linspace(-4, 4, 20001))
    assert r4.accuracy == pytest.approx(dense.max())
    assert accuracy_vs_bias(a, yy, [r4.b_best])[0] == pytest.approx(r4.accuracy)
    best, around = accuracy_around_best(a + 0.3, yy, [-1.0, 0.0, 1.0], b=0.3)
    # b_best replaces the bias: same total bias as for the bare projections
    assert best.b_best == pytest.approx(r4.b_best) and best.shift == pytest.approx(r4.b_best - 0.3)
    assert around[1] == pytest.approx(r4.accuracy)
    assert around[0] < around[1] and around[2] < around[1]
    # optimum near the Bayes threshold 0.15 (equal-variance Gaussians)
    assert -r4.b_best == pytest.approx(0.15, abs=0.15)


def test_cv_scan_peaks_at_zero_and_is_seeded():
    X, y, v, s = clouds(n_per_class=600, seed=5)
    shifts = np.linspace(-1.5, 1.5, 31)
    scan = cv_accuracy_vs_bias(X, y, shifts, C=0.01, folds=5, seed=0)
    assert scan.per_fold.shape == (5, 31) and scan.biases.shape == (5,)
    m = scan.mean
    i0 = 15
    assert shifts[i0] == 0.0
    assert m[i0] >= m.max() - 0.015           # peak at zero shift within tolerance
    assert abs(shifts[np.argmax(m)]) <= 0.3
    assert m[0] < m[i0] - 0.1 and m[-1] < m[i0] - 0.1
    assert m[i0] == pytest.approx(norm.cdf(0.75), abs=0.04)
    assert np.all(scan.sem >= 0)
    again = cv_accuracy_vs_bias(X, y, shifts, C=0.01, folds=5, seed=0)
    np.testing.assert_array_equal(again.per_fold, scan.per_fold)
    other = cv_accuracy_vs_bias(X, y, shifts, C=0.01, folds=5, seed=1)
    assert not np.array_equal(other.per_fold, scan.per_fold)


def test_sigma_and_x_alpha(trained):
    clf, X, y, v, s = trained
    alpha = clf.decision(X)
    sig = sigma_alpha(alpha)
    assert sig == pytest.approx(np.std(alpha))
    assert sigma_alpha(alpha + 5.0) == pytest.approx(sig)
    xa = x_alpha(alpha, clf.b, 0.25, sig)
    np.testing.assert_allclose(xa, clf.x_alpha(X, 0.25, sig))
    np.testing.assert_allclose(xa, (clf.project(X) + 0.25) / sig)
    with pytest.raises(ValueError):
        x_alpha(alpha, clf.b, 0.0, 0.0)


def test_similarity_properties():
    X, y, v, s = clouds(seed=7)
    # a second labelling along a different direction on the same raw data
    rng = np.random.default_rng(8)
    u = np.eye(D)[0] + np.eye(D)[5]
    Zs = (X - 10.0) / s
    score = Zs @ u / np.linalg.norm(u) + 0.3 * rng.normal(size=len(y))
    y2 = (score > np.median(score)).astype(int)
    a = train_classifier(X, y)
    b = train_classifier(X, y2)
    for sc in ("a", "b", "raw"):
        assert similarity(a, a, sc) == pytest.approx(1.0)
    sab = similarity(a, b, "a")
    # normals ~ v and ~ u/|u|: cos = (v.u)/|u| = (1/sqrt(1.25))/sqrt(2)
    assert sab == pytest.approx(1 / np.sqrt(1.25) / np.sqrt(2), abs=0.08)
    assert similarity(b, a, "b") == pytest.approx(sab)
    # per-feature rescaling of the raw data: fitted scalings are invariant, raw is not
    k = np.geomspace(0.01, 100, D)
    a2 = train_classifier(X * k, y)
    b2 = train_classifier(X * k, y2)
    assert similarity(a2, b2, "a") == pytest.approx(sab, abs=1e-5)
    assert abs(similarity(a2, b2, "raw") - similarity(a, b, "raw")) > 0.05
    # a common factor leaves the raw similarity unchanged
    a3 = train_classifier(X * 3.0, y)
    b3 = train_classifier(X * 3.0, y2)
    assert similarity(a3, b3, "raw") == pytest.approx(similarity(a, b, "raw"), abs=1e-5)
    with pytest.raises(ValueError):
        similarity(a, b, "nonsense")


@pytest.mark.parametrize("bad, match", [
    ("unbalanced", "unbalanced"),
    ("empty", "empty"),
    ("one_class", "one class"),
    ("nan", "non-finite"),
    ("shape", "2-D"),
    ("length", "labels but there are"),
    ("labels", "only 0 and 1"),
])
def test_train_rejects_bad_input(bad, match):
    X, y, v, s = clouds(n_per_class=50)
    if bad == "unbalanced":
        X, y = X[:90], y[:90]
    elif bad == "empty":
        X, y = X[:0], y[:0]
    elif bad == "one_class":
        X, y = X[:50], y[:50]
    elif bad == "nan":
        X = X.copy()
        X[3, 2] = np.nan
    elif bad == "shape":
        X = X[:, 0]
    elif bad == "length":
        y = y[:-1]
    elif bad == "labels":
        y = y * 2 - 1
    with pytest.raises(ValueError, match=match):
        train_classifier(X, y)


def test_balance_tolerance():
    assert check_balance([0, 0, 1]) == (2, 1)           # one sample difference always allowed
    check_balance(np.r_[np.zeros(505), np.ones(495)])     # 1 % of n
    with pytest.raises(ValueError, match="unbalanced"):
        check_balance(np.r_[np.zeros(506), np.ones(494)])
    assert check_balance(np.r_[np.zeros(900), np.ones(100)], max_imbalance=None) == (900, 100)


def test_accuracy_functions_reject_bad_input(trained):
    clf = trained[0]
    with pytest.raises(ValueError, match="one class"):
        accuracy_vs_bias([0.1, 0.2], [1, 1], [0.0])
    with pytest.raises(ValueError, match="one class"):
        best_bias([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match="empty"):
        best_bias([], [])
    with pytest.raises(ValueError, match="non-finite"):
        accuracy_vs_bias([np.nan, 0.2], [0, 1], [0.0])
    with pytest.raises(ValueError, match="features"):
        clf.decision(np.zeros((3, D + 1)))
    with pytest.raises(ValueError, match="folds"):
        cv_accuracy_vs_bias(*clouds(n_per_class=3)[:2], [0.0], folds=5)


def test_cv_heldout_decisions_reproduce_fold_accuracies():
    """Pooled held-out decisions give the fold-size-weighted mean of the per-fold accuracies."""
    from glasshelpers.core.learning.scoring import accuracy_vs_bias, cv_accuracy_vs_bias
    rng = np.random.default_rng(3)
    n, d = 400, 6
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, d)) + 0.8 * y[:, None] * np.eye(d)[0]
    shifts = np.array([-0.5, 0.0, 0.5])
    scan = cv_accuracy_vs_bias(X, y, shifts, folds=5, seed=1)
    assert scan.heldout_alpha.shape == (n,) and np.all(np.isfinite(scan.heldout_alpha))
    pooled = accuracy_vs_bias(scan.heldout_alpha, y, shifts)
    assert np.allclose(pooled, scan.mean, atol=1e-12)   # 5 equal folds of 80


def test_grouped_cv_keeps_groups_together_and_removes_the_leak():
    from glasshelpers.core.learning.scoring import cv_accuracy_vs_bias

    # 200 "events" per class, each seen in 5 nearly identical frames (one group each), with
    # labels unrelated to the features: any accuracy above chance is leakage of an event's
    # frames from the training into the test fold
    rng = np.random.default_rng(0)
    base = rng.standard_normal((400, 6))
    X = np.repeat(base, 5, axis=0) + 1e-3 * rng.standard_normal((2000, 6))
    y = np.repeat(np.repeat([0, 1], 200)[rng.permutation(400)], 5)
    groups = np.repeat(np.arange(400), 5)
    leaky = cv_accuracy_vs_bias(X, y, [0.0], C=10.0, folds=5, seed=1)
    grouped = cv_accuracy_vs_bias(X, y, [0.0], C=10.0, folds=5, seed=1, groups=groups)
    assert grouped.mean[0] < leaky.mean[0]
    assert abs(grouped.mean[0] - 0.5) < 0.05
    with pytest.raises(ValueError, match="one entry per sample"):
        cv_accuracy_vs_bias(X, y, [0.0], groups=groups[:-1])


def test_C_for_keeps_C_times_n():
    from glasshelpers.core.learning.classify import C_for, PAPER_C_TIMES_N
    assert PAPER_C_TIMES_N == {"fluidity": 52.0, "softness": 38.0}
    assert C_for(52, 5200) == pytest.approx(0.01) and C_for(52, 1500) == pytest.approx(52 / 1500)
    assert C_for(52, 750) == pytest.approx(2 * C_for(52, 1500))      # half the set, twice the C
    with pytest.raises(ValueError):
        C_for(52, 0)


def test_crossfit_accuracy_is_not_optimistic_for_a_classifier_without_skill():
    """Scores unrelated to the labels: the maximum over the bias on the same samples is well
    above chance, the accuracy at a bias chosen on the other half is not."""
    from glasshelpers.core.learning.scoring import crossfit_best_accuracy
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], 50)
    ins, cf = [], []
    for _ in range(200):
        a = rng.normal(size=100)
        ins.append(best_bias(a, y).accuracy)
        cf.append(crossfit_best_accuracy(a, y, seed=rng))
    assert np.mean(ins) > 0.56
    assert abs(np.mean(cf) - 0.5) < 0.015
    # a block of samples stays on one side of every halving
    blocks = np.repeat(np.arange(50), 2)
    a = rng.normal(size=100) + 2 * y
    assert 0.75 < crossfit_best_accuracy(a, y, blocks, seed=0) <= best_bias(a, y).accuracy + 1e-12


def test_raw_and_distance_units_round_trip_against_scikit_learns_decision_function():
    """Table I in the paper's units: scikit-learn's decision function is |w| times our signed
    distance (alpha = w_hat . F_std + b), so b, sigma_T and b_best in raw units are the
    distance-unit values times |w| (the classifier's ``w_norm``)."""
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    rng = np.random.default_rng(11)
    X = np.vstack([rng.normal(0.0, 1.0, (300, 6)), rng.normal(0.4, 1.3, (300, 6))]) * [1, 2, 3, 4, 5, 6]
    y = np.repeat([0, 1], 300)
    clf = train_classifier(X, y, C=0.05, seed=0)
    svm = SVC(kernel="linear", C=0.05).fit(StandardScaler().fit_transform(X), y)
    raw = svm.decision_function(StandardScaler().fit(X).transform(X))
    assert clf.w_norm == pytest.approx(np.linalg.norm(svm.coef_), rel=1e-6)
    np.testing.assert_allclose(clf.decision(X) * clf.w_norm, raw, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(raw / clf.w_norm, clf.decision(X), rtol=1e-6, atol=1e-9)
    assert clf.b * clf.w_norm == pytest.approx(float(svm.intercept_[0]), rel=1e-6)
    assert np.std(raw) == pytest.approx(np.std(clf.decision(X)) * clf.w_norm, rel=1e-9)
