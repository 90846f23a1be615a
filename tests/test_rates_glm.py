"""Likelihood fits of the Kramers counts (glasshelpers.core.barriers.glm, glmonset), the event rate
(glasshelpers.core.dynamics.events) and the range rule of stage 6 (stages.barrier_glm), on synthetic data
with known answers."""

import numpy as np
import pytest

from glasshelpers.core.dynamics import events
from glasshelpers.core.barriers import glm, glmonset
from glasshelpers.stages.s06_kramers import barrier_glm

T_GRID = np.array([0.45, 0.47, 0.50, 0.52, 0.55, 0.58, 0.60, 0.65, 0.70])
EDGES = np.arange(-2.5, 2.51, 0.5)
XC = 0.5 * (EDGES[1:] + EDGES[:-1])
# Sigma = S0 + S1 x, Delta_E = E0 + E1 x; all lines meet at T_onset = E1 / S1 = 1.0.
S0, E0, E1 = 2.0, 4.0, -1.2
S1 = E1 / 1.0


def synthetic(seed, family="binomial", n_range=(100, 2000), curvature=0.0, T=T_GRID, T_bend=None):
    """Counts (n_T, n_bins) from the smooth Kramers form (optionally + curvature u^2 above
    u = 1/T_bend), cell x jittered about the bin centre as it is in real bins."""
    rng = np.random.default_rng(seed)
    u = 1 / T
    x = XC[None, :] + 0.05 * rng.standard_normal((T.size, XC.size))
    eta = (S0 + S1 * x) - (E0 + E1 * x) * u[:, None] + np.log(u)[:, None]
    if curvature:                    # C (u - u_mid)^2, or C (u_bend - u)^2 above T_bend only
        d = np.clip(1 / T_bend - u, 0, None) if T_bend else u - u.mean()
        eta = eta + curvature * (d ** 2)[:, None]
    n = rng.integers(*n_range, size=eta.shape).astype(float)
    if family == "binomial":
        k = rng.binomial(n.astype(int), np.clip(np.exp(eta), 0, 1)).astype(float)
    else:
        k = rng.poisson(n * np.exp(eta)).astype(float)
    return T, k, n, x


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_batched_solver_matches_statsmodels(family):
    T, k, n, x = synthetic(0, family)
    sel = np.ones(T.size, bool)
    u, kk, nn, xx, _ = glmonset._cells(T, k, n, x, sel)
    X = np.column_stack([np.ones_like(u), xx, -u, -u * xx])
    r = glm.fit_batch(X, kk, nn, np.log(u), family)
    with pytest.warns(Warning) if family == "binomial" else np.errstate():
        b, cov, conv = glm.statsmodels_fit(X, kk, nn, np.log(u), family)
    assert conv and r["converged"]
    np.testing.assert_allclose(r["beta"], b, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(r["cov"])), np.sqrt(np.diag(cov)), rtol=2e-3)


def test_glm_recovers_smooth_form_and_onset_with_zeros():
    """Few trials at the cold end: many cells have zero events, and are kept."""
    T, k, n, x = synthetic(1, n_range=(20, 400))
    assert (k == 0).sum() >= 15
    sel = np.ones(T.size, bool)
    f = glmonset.smooth_fit(T, k, n, x, "binomial", sel)
    assert f["n_zero"] == int((k[n > 0] == 0).sum())
    for name, truth in (("s0", S0), ("s1", S1), ("e0", E0), ("e1", E1)):
        assert abs(f[name] - truth) < 4 * f[f"{name}_err"], (name, f[name], truth)
    o = glmonset.profile_onset("smooth", T, k, n, x, "binomial", sel)
    assert o["bounded"] and o["T_low"] <= o["T_onset"] <= o["T_high"]
    assert o["T_low"] <= 1.0 <= o["T_high"]
    assert abs(o["T_onset"] - f["T_onset"]) < 0.01 * f["T_onset"]     # profile maximum = e1 / s1


def test_dropping_zeros_biases_least_squares_but_not_the_glm():
    """Over seeds, the least-squares barrier of the rarest bin (zeros dropped) is biased
    low (ln P biased up at cold T); the GLM's is not (mean within 3 standard errors)."""
    from glasshelpers.core.barriers.kramers import fit_kramers

    ls, ml = [], []
    for seed in range(30):
        T, k, n, x = synthetic(100 + seed, n_range=(40, 120))
        P = k / n
        f = fit_kramers(T, P, None, nan_policy="omit")
        ls.append(f.Delta_E[0])
        ml.append(glm.per_bin_fit(T, k, n, "binomial")["Delta_E"][0])
    truth = E0 + E1 * XC[0]
    ml = np.asarray(ml)[np.isfinite(ml)]
    assert abs(ml.mean() - truth) < 3 * ml.std(ddof=1) / np.sqrt(ml.size)
    assert np.nanmean(ls) < truth - 0.3


def test_per_bin_fit_recovers_barriers():
    T, k, n, x = synthetic(2, n_range=(500, 5000))
    f = glm.per_bin_fit(T, k, n, "binomial", x=x)
    np.testing.assert_allclose(f["x_bar"], (x * n).sum(0) / n.sum(0))
    truth = E0 + E1 * f["x_bar"]
    ok = f["ok"]
    assert ok.sum() >= 8
    pull = (f["Delta_E"][ok] - truth[ok]) / f["Delta_E_err"][ok]
    assert np.all(np.abs(pull) < 4) and abs(pull.mean()) < 1.5


def test_profile_interval_covers_onset():
    """95 % profile intervals of the smooth-form onset cover T = 1 in about 95 % of seeds
    and always contain their estimate (also the common-point onset)."""
    cover = 0
    for seed in range(25):
        T, k, n, x = synthetic(200 + seed, n_range=(50, 800))
        sel = np.ones(T.size, bool)
        o = glmonset.profile_onset("smooth", T, k, n, x, "binomial", sel, n_grid=121)
        assert o["T_low"] <= o["T_onset"] <= o["T_high"]
        if seed < 5:
            c = glmonset.profile_onset("common", T, k, n, x, "binomial", sel, n_grid=121)
            assert c["T_low"] <= c["T_onset"] <= c["T_high"]
        cover += o["T_low"] <= 1.0 <= o["T_high"]
    assert cover >= 21                       # binomial(25, 0.95): P(< 21) ~ 3 %


def test_curvature_test_detects_a_quadratic_term_and_passes_straight_lines():
    T, k, n, x = synthetic(3, curvature=-3.0)
    assert glm.curvature_test(T, k, n, "binomial", x=x)["p_value"] < 1e-4
    rejections = 0
    for seed in range(60):
        T, k, n, x = synthetic(300 + seed)
        r = glm.curvature_test(T, k, n, "binomial", x=x)
        assert r["dof"] == 10
        rejections += r["p_value"] < 0.05
    assert rejections <= 8                   # nominal 3 of 60; binomial(60, 0.05): P(> 8) < 1 %


def test_design_effect_measures_duplicated_samples():
    """Every sample counted twice (clusters of two): the bootstrap variance of k/n is
    twice the binomial one, and phi = 2."""
    rng = np.random.default_rng(4)
    n = np.full((3, 5), 4000.0)
    P = np.full((3, 5), 0.1)
    reps = 400
    k_b = 2 * rng.binomial((n / 2).astype(int), P, size=(reps,) + n.shape).astype(float)
    phi = glm.design_effect(n * P, n, k_b, np.broadcast_to(n, k_b.shape), "binomial")
    np.testing.assert_allclose(phi, 2.0, rtol=0.12)


def test_range_rule_stops_where_curvature_starts():
    """Straight up to T = 0.6, bending above: the widest passing range is T <= 0.6."""
    T = np.array([0.45, 0.47, 0.5, 0.52, 0.55, 0.58, 0.6, 0.7, 0.8, 0.9, 1.0])
    counts = {}
    for i, tt in enumerate((0.45, 2.0)):
        _, k, n, x = synthetic(5 + i, n_range=(2000, 20000), curvature=-3.0, T=T, T_bend=0.6)
        counts[tt] = dict(keff=k, neff=n, x=x, k=k, n=n)
    scan = barrier_glm.scan_ranges(T, counts, "binomial")
    ch = barrier_glm.choose_range(scan, 0.01)
    assert ch["passes"] and ch["T_up"] == pytest.approx(0.6)


def test_event_rate_of_a_telegraph_process():
    """Onsets per time below threshold = the known rate, within Poisson error."""
    up, down, dt = 0.05, 0.5, 1.0
    s = events.telegraph(up, down, duration=3000, dt=dt, n_series=40, seed=6)
    phop = np.where(s == 1, 0.5, 0.05)
    e, t, r = events.series_rate(phop, 0.2, dt)
    expected = events.sampled_rate(up, down, dt)          # 0.0385 per tau for frames 1 tau apart
    assert abs(r - expected) < 4 * np.sqrt(expected * t) / t
    # finer sampling: the estimate tends to the rate itself (bias up * (up + down) dt / 2)
    s = events.telegraph(up, down, duration=3000, dt=0.05, n_series=10, seed=7)
    e, t, r = events.series_rate(np.where(s == 1, 0.5, 0.05), 0.2, 0.05)
    assert abs(r - up) < 4 * np.sqrt(up * t) / t + up * (up + down) * 0.05


def test_rate_table_bins_onsets_by_structure():
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, 200000)
    rate = np.where(x > 0, 0.02, 0.005)                   # per frame, dt = 1 tau
    before = np.where(rng.random(x.size) < 0.8, 0.05, 0.5)
    at = np.where((before < 0.2) & (rng.random(x.size) < rate), 0.5, 0.05)
    risk, on = events.onset_flags(before, at, 0.2)
    t = events.rate_table(x, risk, on, np.array([-1.0, 0.0, 1.0]))
    err = np.sqrt(np.array([0.005, 0.02]) / t["exposure"])
    assert np.all(np.abs(t["rate"] - [0.005, 0.02]) < 4 * err)
