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


# ------------------------------------------------- block bootstrap + data-driven fit range

from glasshelpers import kramers as kr  # noqa: E402

SAT_TEMPS = [0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2]


def synthetic_samples(seed=0, n_particles=1000, n_bank=60, stride=5, T_s=0.8, hold=3, replica=0,
                      classifiers=(0.45, 2.0)):
    """Feature-bank-like samples: x_alpha per (particle, group of `hold` bank frames), the
    rearrangement flag drawn once per group (perfectly correlated inside it), with
    P_R = exp(Sigma - dE/T)/T, dE = 2 - 0.5 x, lines meeting at 1/T0, saturated at 0.95 above T_s.
    Two classifiers see the same x (a second one slightly perturbed)."""
    rng = np.random.default_rng(seed)
    out = []
    for T in SAT_TEMPS:
        n_groups = n_bank // hold
        xg = rng.uniform(-2, 2, size=(n_groups, n_particles))
        dE = 2.0 - 0.5 * xg
        P = np.exp(-2.0 + dE / T0 - dE / T) / T if T <= T_s else np.full_like(xg, 0.95)
        fg = rng.random(xg.shape) < P
        x = np.repeat(xg, hold, axis=0)
        flags = np.repeat(fg, hold, axis=0)
        frames = 3 + stride * np.arange(n_bank)
        xs = {Tt: (x + (0.0 if k == 0 else 0.01 * rng.standard_normal(x.shape))).ravel()
              for k, Tt in enumerate(classifiers)}
        out.append({"T": T, "replica": replica, "particle": np.tile(np.arange(n_particles), n_bank),
                    "frame": np.repeat(frames, n_particles), "rearranged": flags.ravel(), "x": xs})
    return out


@pytest.fixture(scope="module")
def sat_analysis():
    smp = synthetic_samples()
    return analysis.kramers_analysis(smp, np.linspace(-2, 2, 5), min_bin_count=30, n_boot=120, seed=1,
                                     frame_spacing=5)


def test_analysis_chooses_the_unsaturated_range(sat_analysis):
    r = sat_analysis
    assert r["fit_range"].T_up == pytest.approx(0.8) and r["fit_range"].passes
    assert r["block_tau"] == 15
    d = r["fits"][r["fits"]["fit"].str.contains("data")]
    truth = 2.0 - 0.5 * np.linspace(-1.5, 1.5, 4)
    for _, f in d.groupby("T_train"):
        f = f.sort_values("bin")
        np.testing.assert_allclose(f["Delta_E"], truth, atol=0.35)
        assert ((f["Delta_E_lo95"] <= truth + 0.05) & (truth - 0.05 <= f["Delta_E_hi95"])).all()
    # the all-T fit is pulled by the saturated points and fits badly
    allT = r["fits"][r["fits"]["fit"] == "all T"]
    assert np.nanmedian(allT["chi2"] / allT["dof"]) > 10 * np.nanmedian(d["chi2"] / d["dof"])


def test_onsets_have_intervals_and_agree_between_identical_classifiers(sat_analysis):
    on = sat_analysis["onsets"]
    d = on[on["fit"].str.contains("data")]
    assert len(d) == 2
    assert ((d["T_low95"] <= T0) & (T0 <= d["T_high95"])).all()
    assert (d["T_low"] < d["T_onset"]).all() and (d["T_onset"] < d["T_high"]).all()
    c = sat_analysis["onset_consistency"]
    c = c[c["fit"].str.contains("data")].iloc[0]
    assert c["p_value"] > 0.05 and c["dof"] == 1
    assert c["T_mean_low95"] <= T0 <= c["T_mean_high95"]
    sl = sat_analysis["slopes"]
    assert (sl.loc[sl["fit"].str.contains("data"), "slope_hi95"] < 0).all()     # barriers fall with x
    assert sat_analysis["collapse"].set_index("fit").filter(like="data", axis=0)["p_value"].iloc[0] > 0.01


def test_block_errors_are_wider_than_binomial_by_the_correlation(sat_analysis):
    # flags are identical over groups of 3 bank frames = one 15-tau block: the variance of
    # P_R is 3x the binomial one, standard errors sqrt(3) = 1.73 x
    w = sat_analysis["widths"].set_index("quantity")
    assert w.loc["P_R (standard error)", "median_ratio"] == pytest.approx(np.sqrt(3), rel=0.15)
    assert w.loc["Delta_E (68 % interval)", "median_ratio"] == pytest.approx(np.sqrt(3), rel=0.3)
    pr = sat_analysis["pr"].dropna(subset=["P_R"])
    assert (pr["n"] >= 30).all()


def test_uncorrelated_samples_give_block_errors_equal_to_binomial():
    smp = synthetic_samples(seed=2, hold=1, n_particles=600)
    r = analysis.kramers_analysis(smp, np.linspace(-2, 2, 5), n_boot=120, seed=3, frame_spacing=5)
    w = r["widths"].set_index("quantity")
    assert w.loc["P_R (standard error)", "median_ratio"] == pytest.approx(1.0, abs=0.12)


def test_two_identical_replicas_pool_to_the_same_estimates_with_zero_spread():
    one = synthetic_samples(seed=4, n_particles=400)
    two = one + synthetic_samples(seed=4, n_particles=400, replica=1)
    edges = np.linspace(-2, 2, 5)
    r1 = analysis.kramers_analysis(one, edges, n_boot=40, seed=1, frame_spacing=5, compare_iid=False)
    r2 = analysis.kramers_analysis(two, edges, n_boot=40, seed=1, frame_spacing=5, compare_iid=False)
    np.testing.assert_allclose(r2["pr"]["P_R"], r1["pr"]["P_R"])
    np.testing.assert_array_equal(r2["pr"]["n"], 2 * r1["pr"]["n"])
    sp = analysis.replica_spread(two, edges, r1["fit_range"])
    sp1 = analysis.replica_spread(one, edges, r1["fit_range"])
    np.testing.assert_allclose(sp["T_onset"], sp1["T_onset"])
    np.testing.assert_array_equal(sp["T_onset_replica_sd"], 0.0)
    assert (sp["n_replicas"] == 2).all()
