"""Half-sampling of the whole chain behind Fig. 4 on constructed liquids: two classifiers that
learn the same direction collapse, and the chain's collapse test rejects that at about its
nominal rate; classifiers that learn different directions are told apart."""

import numpy as np
import pytest

from glasshelpers.core.barriers.chain import calibrate, collapse_test, kramers_lines, whole_chain_halves
from glasshelpers.core.learning.scoring import x_alpha

T0 = 0.9
TEMPS = (0.5, 0.6, 0.7, 0.8, 1.0, 2.0)
EDGES = np.linspace(-2, 2, 5)


class Lin:
    """A linear classifier in raw features: decision = w_hat . X + b (distance units)."""

    def __init__(self, w, b):
        n = np.linalg.norm(w)
        self.w_raw, self.b = w / n, b / n

    def decision(self, X):
        return X @ self.w_raw + self.b


def lda(X, y):
    m1, m0 = X[y == 1].mean(0), X[y == 0].mean(0)
    S = np.cov(np.vstack([X[y == 1] - m1, X[y == 0] - m0]).T)
    w = np.linalg.solve(S, m1 - m0)
    return Lin(w, -w @ (m1 + m0) / 2)


def world(rng, directions, n_bank=6000, n_train=600, n_test=1500, d=4, spread_at_2=1.0):
    """Banks at TEMPS whose rearrangements follow a Kramers law in s = u . X (Delta_E = 2 - 0.5 s,
    lines meeting at T0); training sets for classifiers at 1.0 and 2.0 labelled from
    ``directions`` (one unit vector each); a test set labelled from u. ``spread_at_2`` widens the
    population at T = 2.0 (sigma_T of the classifier trained there)."""
    u = np.eye(d)[0]
    banks = {}
    for T in TEMPS:
        X = rng.standard_normal((n_bank, d))
        s = X @ u
        dE = 2 - 0.5 * s
        P = np.clip(np.exp(dE / T0 - 2.6 - dE / T) / T, 0, 1)
        banks[T] = {"X": X * (spread_at_2 if T == 2.0 else 1.0), "clusters": np.arange(n_bank) // 3,
                    "rearranged": rng.random(n_bank) < P}
    train = {}
    for T, v in zip((1.0, 2.0), directions):
        X = rng.standard_normal((n_train, d))
        y = (rng.random(n_train) < 1 / (1 + np.exp(-3 * X @ v))).astype(int)
        train[T] = {"X": X, "y": y, "blocks": np.arange(n_train)}
    X = rng.standard_normal((n_test, d))
    test = {"X": X, "y": (rng.random(n_test) < 1 / (1 + np.exp(-3 * X @ u))).astype(int), "blocks": np.arange(n_test)}
    return train, test, banks


def point_lines(train, test, banks):
    T_arr = np.array(sorted(banks))
    out_E, out_S = {}, {}
    for key, ds in train.items():
        clf = lda(ds["X"], ds["y"])
        bb, sig = calibrate(clf, test["X"], test["y"], banks[key]["X"])
        S, E = kramers_lines(T_arr, banks, {T: np.ones(len(banks[T]["X"]), bool) for T in T_arr},
                             lambda T, m: x_alpha(clf.decision(banks[T]["X"][m]), clf.b, bb, sig), EDGES,
                             T_max=0.85, min_count=30)
        out_E[key], out_S[key] = E, S
    return out_E, out_S


def test_the_chain_recovers_the_barriers_and_its_collapse_test_holds_its_size():
    rng = np.random.default_rng(7)
    u = np.eye(4)[0]
    rejections_E, rejections_S, n_worlds = 0, 0, 30
    for i in range(n_worlds):
        train, test, banks = world(rng, (u, u))
        E, S = point_lines(train, test, banks)
        h = whole_chain_halves(train, test, banks, lda, EDGES, T_max=0.85, min_bin_count=15, n_splits=16, seed=i)
        if i == 0:     # the lines are the constructed ones: Delta_E = 2 - 0.5 x at the bin centres
            centres = 0.5 * (EDGES[1:] + EDGES[:-1])
            hw = h.half_width(1.0, "E")
            assert np.all(np.isfinite(hw)) and np.all(hw < 1.2)
            assert np.all(np.abs(E[1.0] - (2 - 0.5 * centres)) < 3 * hw / 1.96 + 0.15)
            assert h.delta_E[1.0].shape == (16, 4)
        rejections_E += collapse_test(E, h.delta_E)["p_value"] < 0.05
        rejections_S += collapse_test(S, h.delta_S)["p_value"] < 0.05
    # nominal 5 %: at most 5 of 30 (binomial tail 1.6 % under the nominal rate); the half-sample
    # variance of these nonlinear fits is on the large side, so the test is conservative
    assert rejections_E <= 5 and rejections_S <= 5


def test_a_miscalibrated_classifier_does_not_collapse():
    """The classifier of T = 2.0 learns the same direction, but its population there is twice
    as wide, so its x_alpha is half the other's and its barriers fall twice as fast with x:
    the chain's collapse test rejects it."""
    rng = np.random.default_rng(3)
    u = np.eye(4)[0]
    found = 0
    for i in range(5):
        train, test, banks = world(rng, (u, u), n_bank=20000, spread_at_2=2.0)
        E, _ = point_lines(train, test, banks)
        h = whole_chain_halves(train, test, banks, lda, EDGES, T_max=0.85, min_bin_count=15, n_splits=16, seed=i)
        found += collapse_test(E, h.delta_E)["p_value"] < 0.05
    assert found >= 4


def test_collapse_test_by_hand():
    # two classifiers, one bin, independent deltas of sd 0.1 each: chi2 = d^2 / (0.1^2 + 0.1^2)
    rng = np.random.default_rng(0)
    D = rng.standard_normal((4000, 2)) * 0.1
    r = collapse_test({1: np.array([1.0]), 2: np.array([1.3])}, {1: D[:, :1], 2: D[:, 1:]})
    assert r["dof"] == 1 and r["chi2"] == pytest.approx(0.09 / 0.02, rel=0.05)
    assert np.isnan(collapse_test({1: np.array([1.0])}, {1: D[:, :1]})["p_value"])


def test_chain_half_widths_follow_the_book_wide_missing_split_rule():
    """Per bin, the same half-width as every other half-sampling interval: t_{K-1} x rms of
    the deltas, NaN once more than 5 % of the splits could not be fitted in that bin."""
    from scipy import stats as sstats

    from glasshelpers.core.barriers.chain import ChainHalves

    rng = np.random.default_rng(0)
    d = rng.normal(0, 0.1, (40, 3))
    d[0, 1] = np.nan                     # 1 of 40 unfittable: 2.5 %, kept
    d[:3, 2] = np.nan                    # 3 of 40: 7.5 %, no interval
    h = ChainHalves({1.0: d}, {1.0: d}, 40).half_width(1.0, "E", 0.95)
    col = d[1:, 1]
    assert h[0] == pytest.approx(sstats.t.ppf(0.975, 39) * np.sqrt(np.mean(d[:, 0] ** 2)))
    assert h[1] == pytest.approx(sstats.t.ppf(0.975, 38) * np.sqrt(np.mean(col ** 2)))
    assert np.isnan(h[2])
