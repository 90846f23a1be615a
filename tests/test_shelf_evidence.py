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
    assert m["fs_half1"] == pytest.approx(np.exp(-m["fs_lag_tau"] / 10), abs=1e-3)
    # lags that stop short of 5 tau_alpha give no D
    assert np.isnan(se.state_measures(_evidence(tau=60.0), 60.0)["D_A"])


def test_mean_interval_and_the_three_verdicts():
    m, lo, hi = se.mean_interval([1.0, 2.0, 3.0], 0.95)
    assert m == 2.0 and hi - m == pytest.approx(4.303 / np.sqrt(3), rel=1e-3)   # t(0.975, 2) = 4.303
    assert np.isnan(se.mean_interval([1.0], 0.9)[1])
    assert se.judge([0.001, -0.001, 0.0005, -0.0005], 0.0, 0.005)[0] == "agrees"
    assert se.judge([0.05, 0.051, 0.049, 0.05], 0.0, 0.005)[0] == "disagrees"
    assert se.judge([0.01, -0.01, 0.004, -0.004], 0.0, 0.005)[0] == "inconclusive"


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
