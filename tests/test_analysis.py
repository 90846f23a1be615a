"""The stage-level analysis on synthetic inputs with known answers."""

import numpy as np
import pandas as pd
import pytest

from glasshelpers import analysis, verdicts

TEMPS = np.array([0.45, 0.5, 0.55, 0.6, 0.7, 0.8])
X = np.array([-1.5, -0.5, 0.5, 1.5])
T0 = 0.9


def synthetic_pr(n=200_000, seed=0, classifiers=(0.45, 2.0)):
    """Counts drawn from P_R = exp(Sigma - dE/T)/T with dE(x) = 3 - x and lines that all
    meet at 1/T0: Sigma(x) = c + dE(x)/T0."""
    rng = np.random.default_rng(seed)
    rows = []
    for Tt in classifiers:
        for T in TEMPS:
            for j, x in enumerate(X):
                dE = 3.0 - x
                sigma = -1.0 + dE / T0
                p = np.exp(sigma - dE / T) / T
                k = rng.binomial(n, p)
                rows.append(dict(T_train=Tt, T=T, bin=j, x_center=x, x_mean=x, n=n, k=k, P_R=k / n,
                                 P_R_err=np.sqrt(k / n * (1 - k / n) / n)))
    return pd.DataFrame(rows), 3.0 - X


def test_kramers_fits_recover_barriers_and_onset():
    pr, dE = synthetic_pr()
    fits = analysis.kramers_fits(pr)
    for Tt, f in fits.groupby("T_train"):
        f = f.sort_values("bin")
        z = (f["Delta_E"].to_numpy() - dE) / f["Delta_E_err"].to_numpy()
        assert np.all(np.abs(z) < 4)
        assert np.all(np.abs(f["Delta_E"].to_numpy() - dE) < 0.05)
    on = analysis.onsets(fits)
    assert np.allclose(on["T_onset"], T0, atol=0.03)


def test_kramers_bootstrap_intervals_cover_truth():
    pr, dE = synthetic_pr(n=50_000, seed=1)
    fit_ci, on_ci = analysis.kramers_bootstrap(pr, n_boot=60, seed=2, alpha=0.05)
    fit_ci = fit_ci.sort_values(["T_train", "bin"])
    truth = np.tile(dE, 2)
    covered = (fit_ci["Delta_E_lo"].to_numpy() <= truth) & (truth <= fit_ci["Delta_E_hi"].to_numpy())
    assert covered.mean() >= 0.75
    assert np.all(fit_ci["Delta_E_hi"] > fit_ci["Delta_E_lo"])
    assert ((on_ci["T_onset_lo"] <= T0 + 0.02) & (T0 - 0.02 <= on_ci["T_onset_hi"])).all()


def test_fit_restricted_to_low_temperatures_uses_fewer_points():
    pr, dE = synthetic_pr()
    low = analysis.kramers_fits(pr, T_max=0.8)
    assert (low["n_points"] == 5).all()
    assert np.all(np.abs(low.sort_values(["T_train", "bin"])["Delta_E"].to_numpy() - np.tile(dE, 2)) < 0.1)


def test_peak_summary_finds_peak_and_zero_shift():
    shifts = np.linspace(-1, 1, 21)
    scan = pd.DataFrame({"T": 1.0, "shift": shifts, "accuracy": 0.8 - 0.1 * (shifts - 0.3) ** 2})
    s = analysis.peak_summary(scan)
    assert s.loc[0, "best_shift"] == pytest.approx(0.3)
    assert s.loc[0, "accuracy_at_zero_shift"] == pytest.approx(0.8 - 0.1 * 0.09)


def test_transfer_verdicts():
    t1 = pd.DataFrame({"T": [0.45, 1.0, 2.0], "b": 0.0, "sigma_T": 1.0, "b_best": [0.1, -0.2, -0.6],
                       "similarity": [1.0, 0.8, 0.3], "best_accuracy": [0.8, 0.7, 0.52],
                       "best_accuracy_lo": [0.78, 0.68, 0.49], "best_accuracy_hi": [0.82, 0.72, 0.55]})
    v = verdicts.transfer(t1)
    chance = v[v["claim"].str.contains("chance")]["verdict"].tolist()
    assert chance == ["agrees", "disagrees"]
    sim = v[v["claim"].str.contains("similar")]["verdict"].tolist()
    assert sim == ["agrees", "disagrees"]


def test_bias_grid_and_bins_from_profile():
    from glasshelpers.profiles import load_profile
    p = load_profile("demo")
    s = analysis.bias_shifts(p)
    assert s[0] == -3 and s[-1] == 3 and len(s) == 121 and np.isclose(s[60], 0)
    e = analysis.x_edges(p)
    assert np.allclose(e, np.arange(-2.5, 2.51, 0.5))


def test_kramers_verdicts_on_synthetic_arrhenius_data():
    pr, _ = synthetic_pr()
    fits, low = analysis.kramers_fits(pr), analysis.kramers_fits(pr, T_max=0.8)
    v = verdicts.kramers(fits, analysis.onsets(fits), low, analysis.onsets(low))
    form = v[v["claim"].str.contains("Kramers form")]
    assert list(form["verdict"]) == ["agrees", "agrees"]           # exact Arrhenius data: chi2/dof ~ 1
    onset = v[v["claim"].str.contains("onset")]
    assert len(onset) == 2 and all(w == "agrees" for w in onset["verdict"])  # T0 = 0.9 lies in 0.8-1.2
    falls = v[v["claim"].str.contains("falls")]
    assert len(falls) == 4  # two classifiers x two fit ranges
    assert (falls["verdict"] == "agrees").all()
