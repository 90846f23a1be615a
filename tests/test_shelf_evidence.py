"""The shelf's evidence on constructed runs with known answers, and the published curves."""

import numpy as np
import pytest

from glasshelpers.reference.curves import CURVES, derived
from glasshelpers.stages.s01_simulation import evidence as se


def _evidence(tau=10.0, D=0.05, drift=0.0, P=400.0, n_origins=9, seed=0):
    """A run with F_s = exp(-t / tau), MSD = 6 D t + 0.1 and U/N drifting by ``drift`` over P."""
    rng = np.random.default_rng(seed)
    lags = np.geomspace(0.1, P / 2, 30)
    origins = np.linspace(0, P / 2, n_origins)
    fs = np.tile(np.exp(-lags / tau), (n_origins, 1)) + rng.normal(0, 1e-4, (n_origins, lags.size))
    msd = np.tile(6 * D * lags + 0.1, (n_origins, 1))
    t = np.arange(0, P + 1)
    pe = -6.0 + drift * t / P + rng.normal(0, 1e-4, t.size)
    log = np.column_stack([np.ones_like(t), 200 * t, t, pe, np.full_like(t, 0.8), np.full_like(t, 5.0)])
    return {"log": log, "lags_tau": lags, "origins_tau": origins, "msd_A": msd, "fs_A": fs,
            "production_tau": P, "equilibration_tau": 100.0}


def test_state_measures_known_answers():
    m = se.state_measures(_evidence(tau=10.0, D=0.05, drift=0.02), tau_estimate=10.0)
    assert m["tau_alpha"] == pytest.approx(10.0, rel=0.02)
    assert m["D_A"] == pytest.approx(0.05, rel=1e-6)
    assert m["pe_half2"] - m["pe_half1"] == pytest.approx(0.01, rel=0.02)    # half the total drift
    assert m["pe_drift"] == pytest.approx(0.02 * 20.0 / 400.0, rel=0.02)      # 0.02 / P over 2 tau_alpha = 20
    assert m["fs_half1"] == pytest.approx(np.exp(-m["fs_lag_tau"] / 10), abs=1e-3)
    # lags that stop short of 5 tau_alpha give no D
    assert np.isnan(se.state_measures(_evidence(tau=60.0), 60.0)["D_A"])


def test_energy_drift_weights_the_sparse_equilibration_log_by_its_spacing():
    # equilibration logged every 10 tau (t = -400 ... -10), measurement every tau (0 ... 400):
    # U/N flat at -6 before t = 0 and rising by 0.01 in the measurement. The line runs over
    # the last W = min(2P, P + E/2) = 600 tau; by hand, time-weighted least squares of the
    # step onto a line over [-200, 400]: slope = cov(t, u) / var(t) with uniform weight in t.
    eq_t, pr_t = np.arange(-400.0, 0.0, 10.0), np.arange(0.0, 401.0)
    t = np.concatenate([eq_t, pr_t])
    u = np.where(t < 0, -6.0, -6.0 + 0.01 * t / 400)
    log = np.column_stack([(t >= 0).astype(float), t * 200, t, u])
    tt = np.linspace(-200, 400, 600001)
    uu = np.where(tt < 0, -6.0, -6.0 + 0.01 * tt / 400)
    expect = np.cov(tt, uu)[0, 1] / np.var(tt, ddof=1)
    got = se.energy_drift(log, 400.0, 400.0, over_tau=1.0)
    assert got == pytest.approx(expect, rel=0.03)
    # unweighted, the 401 measured points would pull the slope towards 0.01 / 400
    unweighted = np.polyfit(t[t >= -200], u[t >= -200], 1)[0]
    assert abs(unweighted - expect) > 0.1 * expect
    # a pure linear drift is recovered whatever the weights; quoted over 2 tau_alpha
    lin = np.column_stack([np.zeros_like(t), t, t, -6.0 + 1e-5 * t])
    assert se.energy_drift(lin, 400.0, 400.0, over_tau=50.0) == pytest.approx(5e-4, rel=1e-9)


def test_mean_interval_and_the_three_verdicts():
    m, lo, hi = se.mean_interval([1.0, 2.0, 3.0], 0.95)
    assert m == 2.0 and hi - m == pytest.approx(4.303 / np.sqrt(3), rel=1e-3)   # t(0.975, 2) = 4.303
    assert np.isnan(se.mean_interval([1.0], 0.9)[1])
    assert se.judge([0.001, -0.001, 0.0005, -0.0005], 0.0, 0.005)[0] == "agrees"
    assert se.judge([0.05, 0.051, 0.049, 0.05], 0.0, 0.005)[0] == "disagrees"
    assert se.judge([0.01, -0.01, 0.004, -0.004], 0.0, 0.005)[0] == "inconclusive"
    assert se.stationarity("agrees", "inconclusive") == "stationary"
    assert se.stationarity("agrees", "disagrees") == se.stationarity("disagrees", "agrees") == "ageing"
    assert se.stationarity("inconclusive", "agrees") == "undetermined"


def test_published_curves_and_their_derived_values():
    # the derived numbers of the reference README: D_A(0.45) ~ 2.76e-5, tau_alpha(0.45) ~ 1.19e3,
    # D_A(0.8) ~ 5.44e-3, D_A(2.0) ~ 0.047 and tau_alpha(2.0) ~ 0.354
    assert derived(0.45)["tau_alpha_A"].value == pytest.approx(1.19e3, rel=0.01)
    assert derived(0.45)["D_A"].value == pytest.approx(2.76e-5, rel=0.03)
    assert derived(0.8)["D_A"].value == pytest.approx(5.44e-3, rel=0.01)
    assert derived(2.0)["D_A"].value == pytest.approx(0.047, rel=0.02)
    assert derived(2.0)["tau_alpha_A"].value == pytest.approx(0.354, rel=0.01)
    c = CURVES[2.0]
    mid = c.at(c.time[5:7])
    assert np.allclose(mid["msd_A"], c.msd_A[5:7]) and np.allclose(mid["fs_A"], c.fs_A[5:7])
    with pytest.raises(ValueError, match="within the table"):
        c.at([1e6])
    assert set(se.published_targets(0.45)) == {"pe", "tau_alpha", "D_A"}
    assert set(se.published_targets(0.8)) == {"pe", "D_A"} and se.published_targets(0.5) == {}


def test_curve_verdicts_on_the_published_curve_itself():
    c = CURVES[2.0]
    lags = np.geomspace(0.05, 50, 20)
    ref = c.at(lags)
    rng = np.random.default_rng(1)
    per = [{"lags_tau": lags, "msd_A": ref["msd_A"] * (1 + rng.normal(0, 0.005, lags.size)),
            "fs_A": ref["fs_A"] + rng.normal(0, 0.002, lags.size)} for _ in range(4)]
    v = se.curve_verdicts(per, c)
    assert v["msd_curve"][0] == "agrees" and v["fs_curve"][0] == "agrees"
    slow = [{**p, "msd_A": p["msd_A"] * 0.5} for p in per]
    assert se.curve_verdicts(slow, c)["msd_curve"][0] == "disagrees"
