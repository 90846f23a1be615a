"""Tests of the Kramers kernels (kramers, onset, fitrange, rearrangement) on synthetic data
with known barriers and onset."""

import numpy as np
import pytest

from glasshelpers.core.barriers.fitrange import choose_fit_range, fit_range_scan, pool_scans
from glasshelpers.core.barriers.kramers import barrier_slope, fit_kramers, fit_kramers_frame, fit_lines_batch
from glasshelpers.core.dynamics.labels import P_C
from glasshelpers.core.barriers.onset import onset_temperature, onset_u_batch
from glasshelpers.core.barriers.rearrangement import bin_index, cell_counts, rearrangement_probability, rearrangement_table

TEMPS = np.array([0.45, 0.47, 0.50, 0.52, 0.55, 0.58, 0.60, 0.65, 0.70, 0.75, 0.80, 0.90,
                  1.0, 1.2, 1.4, 1.6, 1.8, 2.0])
XB = np.linspace(-2, 2, 9)          # bin centres of x_alpha
T0 = 0.9                            # chosen onset: all lines meet at u0 = 1/T0
Y0 = -3.0                           # common ln(T P_R) there


def truth():
    dE = 2.0 - 0.8 * XB              # barrier decreasing with x
    Sigma = Y0 + dE / T0             # lines through (1/T0, Y0)
    return Sigma, dE


def exact_P():
    S, dE = truth()
    return np.exp(S[None] - dE[None] / TEMPS[:, None]) / TEMPS[:, None]


def sampled(seed, n=20000):
    rng = np.random.default_rng(seed)
    P = exact_P()
    k = rng.binomial(n, P)
    Ph = k / n
    return Ph, np.sqrt(Ph * (1 - Ph) / n)


def test_exact_data_recovered_exactly():
    S, dE = truth()
    fit = fit_kramers(TEMPS, exact_P())
    np.testing.assert_allclose(fit.Sigma, S, atol=1e-10)
    np.testing.assert_allclose(fit.Delta_E, dE, atol=1e-10)
    assert fit.n_points.tolist() == [18] * 9 and fit.dof.tolist() == [16] * 9
    np.testing.assert_allclose(fit.P_R(TEMPS), exact_P(), rtol=1e-9)
    on = onset_temperature(fit, weights=None, uncertainty="none")
    assert on.T_onset == pytest.approx(T0, rel=1e-10)
    assert on.ln_TP_onset == pytest.approx(Y0, abs=1e-10)
    assert on.scatter == pytest.approx(0.0, abs=1e-9)


def test_noisy_fit_within_three_standard_errors():
    S, dE = truth()
    P, err = sampled(1)
    fit = fit_kramers(TEMPS, P, err, x=XB)
    assert fit.weighted
    assert np.all(np.abs(fit.Delta_E - dE) < 3 * fit.Delta_E_err)
    assert np.all(np.abs(fit.Sigma - S) < 3 * fit.Sigma_err)
    assert np.all(fit.Delta_E_err < 0.1)             # informative
    # the reduced chi2 of a correct model with correct errors is ~1
    assert np.mean(fit.chi2 / fit.dof) == pytest.approx(1.0, abs=0.35)
    # covariance of Sigma and Delta_E is positive (both set by the slope)
    assert np.all(fit.cov[:, 0, 1] > 0)
    df = fit.to_frame()
    assert list(df.columns[:6]) == ["bin", "x", "Sigma", "Sigma_err", "Delta_E", "Delta_E_err"]
    np.testing.assert_allclose(df["x"], XB)


def test_unweighted_errors_match_polyfit():
    P, err = sampled(2)
    fit = fit_kramers(TEMPS, P[:, 3])
    u, y = 1 / TEMPS, np.log(TEMPS * P[:, 3])
    coef, cov = np.polyfit(u, y, 1, cov=True)
    assert fit.Delta_E[0] == pytest.approx(-coef[0])
    assert fit.Sigma[0] == pytest.approx(coef[1])
    assert fit.Delta_E_err[0] == pytest.approx(np.sqrt(cov[0, 0]))
    assert fit.Sigma_err[0] == pytest.approx(np.sqrt(cov[1, 1]))


def test_temperature_range_and_zero_points():
    S, dE = truth()
    P = exact_P()
    # curve the high-T part: a T < 0.8 fit still recovers the low-T line
    Pc = P.copy()
    Pc[TEMPS >= 0.8] *= 0.5
    full = fit_kramers(TEMPS, Pc)
    low = fit_kramers(TEMPS, Pc, T_max=0.8)
    assert low.n_points[0] == int(np.sum(TEMPS < 0.8)) == 10
    np.testing.assert_allclose(low.Delta_E, dE, atol=1e-9)
    assert np.all(np.abs(full.Delta_E - dE) > 0.05)
    # zero probabilities are skipped and counted
    Pz = P.copy()
    Pz[:2, 0] = 0.0
    fz = fit_kramers(TEMPS, Pz)
    assert fz.n_zero[0] == 2 and fz.n_points[0] == 16
    assert fz.Delta_E[0] == pytest.approx(dE[0])
    # a bin with fewer than 3 usable temperatures is NaN, others fit
    Pz[:16, 1] = 0.0
    fz = fit_kramers(TEMPS, Pz)
    assert np.isnan(fz.Delta_E[1]) and fz.n_points[1] == 2
    assert np.isfinite(fz.Delta_E[2])


def test_fit_rejects_bad_input():
    P = exact_P()
    with pytest.raises(ValueError, match="at least 3 distinct"):
        fit_kramers([0.5, 0.5, 0.6], P[:3])
    with pytest.raises(ValueError, match="at least 3 distinct"):
        fit_kramers(TEMPS, P, T_max=0.5)
    Pn = P.copy()
    Pn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_kramers(TEMPS, Pn)
    fit = fit_kramers(TEMPS, Pn, nan_policy="omit")
    assert fit.n_points[2] == 17
    with pytest.raises(ValueError, match="finite and positive"):
        fit_kramers(np.r_[TEMPS[:-1], np.nan], P)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fit_kramers(TEMPS, P * 50)
    with pytest.raises(ValueError, match="must be"):
        fit_kramers(TEMPS[:-1], P)


def test_onset_from_noisy_fits():
    P, err = sampled(3)
    fit = fit_kramers(TEMPS, P, err)
    on = onset_temperature(fit, alpha=0.05, seed=0)
    assert on.T_onset == pytest.approx(T0, abs=0.05)
    assert on.T_low < T0 < on.T_high
    assert on.T_err < 0.1
    assert on.n_lines == 9 and on.weights.sum() == pytest.approx(1.0)
    assert on.ln_TP_onset == pytest.approx(Y0, abs=0.2)
    boot = onset_temperature(fit, uncertainty="bootstrap", n_samples=500, seed=0)
    assert boot.T_onset == on.T_onset and np.isfinite(boot.T_err)
    # DataFrame input (from to_frame) gives the same answer
    df_on = onset_temperature(fit.to_frame(), uncertainty="none")
    assert df_on.T_onset == pytest.approx(on.T_onset, rel=1e-9)


def test_onset_propagated_interval_coverage():
    # the 68 % interval of the propagated onset should cover T0 in ~68 % of data sets
    hits, reps = 0, 40
    for seed in range(reps):
        P, err = sampled(100 + seed, n=5000)
        on = onset_temperature(fit_kramers(TEMPS[TEMPS < 1.3], P[TEMPS < 1.3], err[TEMPS < 1.3],
                                           absolute_sigma=True), n_samples=1000, seed=seed)
        hits += on.T_low <= T0 <= on.T_high
    assert 0.68 - 3 * np.sqrt(0.68 * 0.32 / reps) < hits / reps < 0.68 + 3 * np.sqrt(0.68 * 0.32 / reps)


def test_onset_is_the_same_in_lnP_and_lnTP_planes():
    # brute force: minimise the weighted scatter of ln P_R (not ln T P_R) over u
    rng = np.random.default_rng(5)
    S = rng.normal(0, 1, 6)
    dE = rng.normal(2, 1, 6)
    w = rng.random(6)
    on = onset_temperature(
        __import__("pandas").DataFrame(dict(Sigma=S, Delta_E=dE)), weights=w, uncertainty="none")
    u = np.linspace(0.05, 20, 400001)
    lnP = S[None] - np.outer(u, dE) + np.log(u)[:, None]     # ln P_R = ln(T P_R) - ln T
    wn = w / w.sum()
    mean = lnP @ wn
    scat = ((lnP - mean[:, None]) ** 2) @ wn
    u_best = u[np.argmin(scat)]
    if 0.05 < on.u_onset < 20:
        assert on.u_onset == pytest.approx(u_best, abs=1e-4)
    else:
        assert u_best in (u[0], u[-1])


def test_onset_bad_input():
    import pandas as pd
    with pytest.raises(ValueError, match="at least 2"):
        onset_temperature(pd.DataFrame(dict(Sigma=[1.0], Delta_E=[2.0])), uncertainty="none")
    with pytest.raises(ValueError, match="parallel"):
        onset_temperature(pd.DataFrame(dict(Sigma=[1.0, 2.0], Delta_E=[2.0, 2.0])), uncertainty="none")
    with pytest.raises(ValueError, match="covariances"):
        onset_temperature(pd.DataFrame(dict(Sigma=[1.0, 2.0], Delta_E=[2.0, 3.0])), uncertainty="propagate")
    with pytest.warns(UserWarning, match="no positive onset"):
        on = onset_temperature(pd.DataFrame(dict(Sigma=[2.0, 1.0], Delta_E=[2.0, 3.0])), weights=None,
                               uncertainty="none")
    assert np.isnan(on.T_onset)


def test_rearrangement_probability_counts():
    rng = np.random.default_rng(0)
    x = rng.normal(size=20000)
    p_hop = 0.2 * np.exp(x + rng.normal(scale=0.5, size=x.size) - 1.0)
    r = p_hop > P_C
    edges = np.linspace(-3, 3, 13)
    res = rearrangement_probability(x, r, bins=edges)
    for j in range(12):
        inb = (x >= edges[j]) & ((x < edges[j + 1]) if j < 11 else (x <= edges[j + 1]))
        assert res.counts[j] == inb.sum()
        assert res.n_rearranged[j] == (inb & r).sum()
        if inb.any():
            assert res.P_R[j] == pytest.approx(r[inb].mean())
            assert res.mean_x[j] == pytest.approx(x[inb].mean())
            assert res.P_R_err[j] == pytest.approx(np.sqrt(res.P_R[j] * (1 - res.P_R[j]) / inb.sum()))
    ok = np.isfinite(res.P_R)
    assert np.all(np.diff(res.P_R[ok]) >= 0)               # probability rises with x
    assert np.all(np.diff(res.P_R[ok & (res.P_R > 0)]) > 0)
    # an empty bin gives NaN
    res2 = rearrangement_probability(x, r, bins=[-100, -99, 0, 100])
    assert res2.counts[0] == 0 and np.isnan(res2.P_R[0]) and np.isnan(res2.P_R_err[0])
    with pytest.raises(ValueError, match="non-finite"):
        rearrangement_probability(np.r_[x[:5], np.nan], r[:6])
    with pytest.raises(ValueError, match="samples"):
        rearrangement_probability(x, r[:-1])


def test_table_and_frame_fit_roundtrip():
    # sample particles whose rearrangement follows the Kramers law in x
    rng = np.random.default_rng(4)
    S, dE = truth()
    edges = np.linspace(-2.25, 2.25, 10)
    xs, rs = {}, {}
    for T in TEMPS:
        x = rng.uniform(-2.25, 2.25, 40000)
        j = np.clip(np.digitize(x, edges) - 1, 0, 8)
        p = np.exp(S[j] - dE[j] / T) / T
        xs[T], rs[T] = x, rng.random(x.size) < p
    tab = rearrangement_table(xs, rs, edges)
    assert len(tab) == 18 * 9
    assert set(tab.columns) >= {"T", "bin", "x_center", "n", "k", "P_R", "P_R_err"}
    df = fit_kramers_frame(tab, nan_policy="omit")
    np.testing.assert_allclose(df["x"], XB, atol=1e-12)
    ok = np.isfinite(df["Delta_E"])
    assert ok.sum() >= 8
    assert np.all(np.abs(df["Delta_E"][ok] - dE[ok]) < 3 * df["Delta_E_err"][ok] + 1e-9)
    on = onset_temperature(df, uncertainty="none")
    assert on.T_onset == pytest.approx(T0, abs=0.08)


# ----------------------------------------------------------------------------- fit range



def saturated_sample(seed, T_s=0.8, P_sat=0.95, n=20000):
    """Kramers data up to T_s, saturated (P_R = P_sat in every bin) above: binomial draws."""
    rng = np.random.default_rng(seed)
    P = exact_P()
    P[TEMPS > T_s] = P_sat
    k = rng.binomial(n, P)
    Ph = k / n
    return Ph, np.sqrt(Ph * (1 - Ph) / n)


@pytest.mark.parametrize("T_s", [0.6, 0.8, 1.2])
def test_fit_range_criterion_recovers_the_saturation_temperature(T_s):
    P, err = saturated_sample(11, T_s=T_s)
    scan = fit_range_scan(TEMPS, P, err)
    r = choose_fit_range(scan, p_min=0.01)
    assert r.passes and r.T_up == pytest.approx(T_s)
    # every range that reaches into the saturated points fails badly
    assert (scan.loc[scan["T_up"] > T_s, "p_value"] < 1e-10).all()
    # inside the range the fits are consistent with the errors
    assert scan.loc[scan["T_up"] == T_s, "red_chi2"].iloc[0] < 2
    # and the fit over the chosen range recovers the barriers
    f = fit_kramers(TEMPS, P, err, T_max=r.T_max)
    np.testing.assert_allclose(f.Delta_E, truth()[1], atol=5 * np.nanmax(f.Delta_E_err))


def test_fit_range_on_pure_kramers_data_is_everything_and_flags_failure():
    P, err = sampled(5)
    r = choose_fit_range(fit_range_scan(TEMPS, P, err))
    assert r.passes and r.T_up == pytest.approx(TEMPS.max())
    # errors ten times too small everywhere: no range passes as given; scaled by the
    # smallest reduced chi2 (~100), the whole range is as good as the best: flagged
    bad = choose_fit_range(fit_range_scan(TEMPS, P, err / 10))
    assert not bad.passes and "none passes" in bad.criterion
    assert bad.error_scale == pytest.approx(100, rel=0.5)
    assert bad.T_up == pytest.approx(TEMPS.max())


@pytest.mark.parametrize("T_s", [0.6, 0.8])
def test_fit_range_with_underestimated_errors_still_finds_the_saturation(T_s):
    # errors 1.5x too small (extra scatter the error model misses): no range passes as
    # given, but the scaled criterion still stops where saturation begins
    P, err = saturated_sample(12, T_s=T_s)
    r = choose_fit_range(fit_range_scan(TEMPS, P, err / 1.5))
    assert not r.passes and r.T_up == pytest.approx(T_s)
    assert r.error_scale == pytest.approx(2.25, rel=0.5)


def test_pooled_scans_add_chi2_and_dof():
    P, err = saturated_sample(3)
    a = fit_range_scan(TEMPS, P[:, :4], err[:, :4])
    b = fit_range_scan(TEMPS, P[:, 4:], err[:, 4:])
    both = fit_range_scan(TEMPS, P, err)
    pooled = pool_scans([a, b])
    np.testing.assert_allclose(pooled["chi2"], both["chi2"])
    np.testing.assert_array_equal(pooled["dof"], both["dof"])
    np.testing.assert_allclose(pooled["p_value"], both["p_value"], rtol=1e-9, atol=1e-300)
    with pytest.raises(ValueError):
        choose_fit_range(pooled, p_min=0)


def test_batched_fits_equal_single_fits():
    P, err = saturated_sample(7)
    f = fit_kramers(TEMPS, P, err, T_max=1.0)
    S, dE = fit_lines_batch(TEMPS, np.stack([P, P]), err, T_max=1.0)
    np.testing.assert_allclose(S[0], f.Sigma, rtol=1e-9)
    np.testing.assert_allclose(dE[1], f.Delta_E, rtol=1e-9)
    # the onset of the batched lines with equal weights equals onset_temperature's
    o = onset_temperature(f, weights=None, uncertainty="none")
    u = onset_u_batch(S, dE, np.ones(S.shape[1]))
    assert u[0] == pytest.approx(o.u_onset, rel=1e-9)
    # too few points: NaN, as fit_kramers
    S3, _ = fit_lines_batch(TEMPS, P, err, T_max=0.5)
    assert np.isnan(S3).all()


def test_fit_range_needs_four_temperatures_then_calibrates_the_scatter():
    """The demo scan (results/kramers_fit_range.csv): only T <= 0.5 (three temperatures)
    passes as given; ranges of four or more show a uniform extra scatter (reduced chi2
    ~1.3-1.5) up to 0.75 and break at 0.8. With a minimum of four temperatures the errors
    are scaled by the best such range (1.33) and the widest range passing is T <= 0.75."""
    import pandas as pd
    from scipy.stats import chi2 as chi2_dist
    rows = [(0.50, 3, 64.407, 57), (0.52, 4, 196.342, 122), (0.55, 5, 298.019, 190), (0.58, 6, 350.962, 258),
            (0.60, 7, 436.705, 328), (0.65, 8, 579.050, 398), (0.70, 9, 693.293, 468), (0.75, 10, 755.412, 538),
            (0.80, 11, 1138.25, 608), (0.90, 12, 4162.18, 678)]
    scan = pd.DataFrame(rows, columns=["T_up", "n_T", "chi2", "dof"])
    scan["red_chi2"] = scan["chi2"] / scan["dof"]
    scan["p_value"] = [chi2_dist.sf(c, k) for c, k in zip(scan["chi2"], scan["dof"])]
    three = choose_fit_range(scan, min_temperatures=3)
    assert three.T_up == 0.5 and three.passes
    four = choose_fit_range(scan)
    assert four.T_up == 0.75 and not four.passes
    assert four.error_scale == pytest.approx(436.705 / 328)
    assert "at least 4" in four.criterion


def test_bin_index_follows_numpy_histogram():
    edges = np.array([-1.0, 0.0, 0.5, 2.0])
    x = np.array([-1.0, -0.5, 0.0, 0.49, 0.5, 2.0, 2.1, -1.1, np.nan])
    idx = bin_index(x, edges)
    assert idx.tolist() == [0, 0, 1, 1, 2, 2, -1, -1, -1]          # last bin closed, outside -> -1
    inside = idx >= 0
    np.testing.assert_array_equal(np.bincount(idx[inside], minlength=3), np.histogram(x[inside], edges)[0])


def test_cell_counts_by_hand():
    idx = np.array([0, 1, 1, -1, 2, 0])
    flags = np.array([1, 0, 1, 1, 1, 0], bool)
    cluster = np.array([0, 0, 1, 1, 1, 0])
    N, K = cell_counts(idx, flags, cluster, 2, 3)
    np.testing.assert_array_equal(N, [[2, 1, 0], [0, 1, 1]])       # the sample outside the bins is dropped
    np.testing.assert_array_equal(K, [[1, 0, 0], [0, 1, 1]])


def test_barrier_slope_exact_and_batched():
    x = np.array([-1.5, -0.5, 0.5, 1.5])
    assert barrier_slope(x, 2.0 - 0.7 * x) == pytest.approx(-0.7)
    batch = np.stack([2.0 - 0.7 * x, 1.0 + 0.3 * x, np.array([1.0, np.nan, np.nan, 2.0])])
    s = barrier_slope(np.broadcast_to(x, batch.shape), batch)
    assert s[:2] == pytest.approx([-0.7, 0.3]) and np.isnan(s[2])   # two finite points: no slope


def test_barrier_intervals_contain_their_estimate_when_the_bootstrap_is_offset():
    """A bootstrap distribution offset from the estimate (the bias of lines fitted to logs of
    small counts) put the percentile interval beside Delta_E on the lab run (5.55 outside
    [3.85, 5.31]); the reported intervals are estimate +- bootstrap sd and contain it, the
    percentile ends and the offset are kept."""
    import pandas as pd

    from glasshelpers.stages.s06_kramers.barrier_analysis import _interval_columns

    rng = np.random.default_rng(0)
    reps = rng.normal(4.5, 0.4, size=(2000, 2))           # replicates centred 1 below the estimate
    df = pd.DataFrame({"Delta_E": [5.5, 4.5]})
    _interval_columns(df, "Delta_E", reps)
    assert (df["Delta_E_hi95_pct"].iloc[0] < 5.5)           # the percentile interval misses it
    for lo, hi in (("Delta_E_lo", "Delta_E_hi"), ("Delta_E_lo95", "Delta_E_hi95")):
        assert ((df[lo] <= df["Delta_E"]) & (df["Delta_E"] <= df[hi])).all()
    assert df["Delta_E_hi95"].iloc[1] - df["Delta_E_lo95"].iloc[1] == pytest.approx(2 * 1.96 * 0.4, rel=0.08)
    assert df["Delta_E_boot_bias"].iloc[0] == pytest.approx(-1.0, abs=0.05)
