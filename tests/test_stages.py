"""The stage computations (glasshelpers.stages) on synthetic inputs with known answers."""

import numpy as np
import pandas as pd
import pytest

from glasshelpers.reference import verdicts
from glasshelpers.stages.s07_appendix import appendix
from glasshelpers.stages.s06_kramers import barriers
from glasshelpers.stages import common
from glasshelpers.stages.s04_fluid import fluid
from glasshelpers.stages.s06_kramers.barrier_analysis import kramers_analysis

T0 = 0.9


def test_peak_summary_finds_peak_and_zero_shift():
    shifts = np.linspace(-1, 1, 21)
    scan = pd.DataFrame({"T": 1.0, "shift": shifts, "accuracy": 0.8 - 0.1 * (shifts - 0.3) ** 2})
    s = fluid.peak_summary(scan)
    assert s.loc[0, "best_shift"] == pytest.approx(0.3)
    assert s.loc[0, "accuracy_at_zero_shift"] == pytest.approx(0.8 - 0.1 * 0.09)


def test_transfer_verdicts():
    t1 = pd.DataFrame({"T": [0.45, 1.0, 2.0, 1.2], "b": 0.0, "sigma_T": [1.1188, 0.7, 1.3, 0.7028],
                       "b_best": [0.1, -0.2, -0.6, 0.4644],
                       "similarity": [1.0, 0.8, 0.3, 0.6], "best_accuracy": [0.8, 0.7, 0.52, 0.40],
                       "best_accuracy_lo": [0.78, 0.68, 0.49, 0.38], "best_accuracy_hi": [0.82, 0.72, 0.55, 0.42],
                       "sigma_T_lo": [1.10, 0.69, 1.25, 0.60], "sigma_T_hi": [1.14, 0.71, 1.35, 0.80],
                       "similarity_lo": [1, 0.75, 0.25, 0.4], "similarity_hi": [1, 0.85, 0.35, 0.8]})
    v = verdicts.transfer(t1, compare_table=True)
    assert not verdicts.transfer(t1)["claim"].str.contains("Table I").any()
    assert verdicts.table_one(t1)["claim"].str.contains("Table I|similar").all()
    chance = v[v["claim"].str.contains("chance")]["verdict"].tolist()
    # 0.7 [0.68, 0.72] -> 95 % [0.66, 0.74]: above; 0.52 [0.49, 0.55]: straddles; 0.40 [0.38, 0.42]: below
    assert chance == ["agrees", "inconclusive", "disagrees"]
    sim = v[v["claim"].str.contains("similar")]["verdict"].tolist()
    assert sim == ["agrees", "disagrees", "inconclusive"]
    sig = v[v["claim"].str.contains("sigma_T")].set_index("paper")["verdict"]
    # the distance-unit comparison: the paper's value +- 0.1; 68 % columns widened to 95 % [lo, hi],
    # whose sides shrunk by 1.645 / 1.96 give the 90 % interval
    assert sig["1.1188"] == "agrees"          # 90 % [1.088, 1.154] inside [1.019, 1.219]
    assert sig["0.7653"] == "agrees"          # 0.7, 90 % [0.684, 0.716] inside [0.665, 0.865]: within the margin
    assert sig["0.6286"] == "disagrees"       # 1.3, 95 % [1.20, 1.40] wholly outside [0.529, 0.729]
    assert sig["0.7028"] == "inconclusive"    # 90 % [0.535, 0.870] not inside, 95 % not outside
    bb = v[v["claim"].str.contains("b_best \\(paper")].set_index("paper")["verdict"]
    assert (bb == "inconclusive").all()       # no b_best interval given


def test_judges():
    assert verdicts.judge_value(0.9, 1.0, 0.87, 0.87) is False               # 95 % misses the value
    assert verdicts.judge_value(0.8, 1.0, 0.87, 0.87) is None                # an exact value needs a margin
    # 0.9 [0.8, 1.0]: 90 % [0.816, 0.984] inside 0.72-1.02 -> agrees; inside 0.85-1.2 it is not
    assert verdicts.judge_value(0.8, 1.0, 0.72, 1.02) is True
    assert verdicts.judge_value(0.8, 1.0, 0.85, 1.2) is None
    assert verdicts.judge_value(0.9, 1.0, 0.85, 1.2, est=0.95) is True        # 90 % [0.908, 0.992]
    assert verdicts.judge_value(0.5, 1.5, 0.87, 0.87) is None
    assert verdicts.judge_value(0.5, 0.6, 0.8, 1.2) is False                  # excluded
    assert verdicts.judge_bound(0.51, 0.6, 0.5) is True
    assert verdicts.judge_bound(0.4, 0.6, 0.5) is None
    assert verdicts.judge_bound(-0.2, -0.1, 0.0, above=False) is True
    assert verdicts.judge_consistency(0.01, [0.05]) is False
    assert verdicts.judge_consistency(0.5, [0.05], 0.1) is True
    assert verdicts.judge_consistency(0.5, [0.5], 0.1) is None
    lo, hi = verdicts.widen95(1.0, 0.9, 1.2)
    assert lo == pytest.approx(1 - 0.196) and hi == pytest.approx(1 + 0.392)
    assert verdicts.counts(["agrees", "agrees (x)", "inconclusive", "disagrees", "agreesX", ""]) == \
        {"agrees": 2, "disagrees": 1, "inconclusive": 1, "other": 2}


def test_control_verdicts_use_the_paired_interval():
    f6 = pd.DataFrame({"q": [0.005, 0.01], "C": 0.01, "accuracy": [0.80, 0.81], "accuracy_lo": [0.79, 0.80],
                       "accuracy_hi": [0.81, 0.82]})
    base = dict(best_accuracy_lo=np.nan, best_accuracy_hi=np.nan, similarity_to_fluidity=0.9)
    summ = pd.DataFrame([
        dict(classifier="fluidity (both tails of p_hop)", best_accuracy=0.813, **{**base, "best_accuracy_lo": 0.80,
                                                                                   "best_accuracy_hi": 0.826}),
        dict(classifier="immobile vs random", best_accuracy=0.70, diff_vs_fluidity=-0.113, diff_lo95=-0.15,
             diff_hi95=-0.08, **{**base, "best_accuracy_lo": 0.69, "best_accuracy_hi": 0.71}),
        dict(classifier="both tails of displacement", best_accuracy=0.783, diff_vs_fluidity=-0.03,
             diff_lo95=-0.05, diff_hi95=-0.01, **{**base, "best_accuracy_lo": 0.77, "best_accuracy_hi": 0.796})])
    v = verdicts.appendix(f6, summ).set_index("paper")["verdict"]
    assert v["weak dependence (Figs. 6, 7)"] == "agrees"
    assert v["lower (Fig. 8)"] == "agrees"
    # fluidity minus displacement: 0.03 [0.01, 0.05] overlaps +-0.02 but its 90 % interval
    # [0.013, 0.047] is not inside: inconclusive (overlap alone is not agreement)
    assert v["qualitatively identical (text)"] == "inconclusive"
    summ.loc[2, ["diff_vs_fluidity", "diff_lo95", "diff_hi95"]] = [-0.002, -0.012, 0.008]
    assert verdicts.appendix(f6, summ).set_index("paper")["verdict"]["qualitatively identical (text)"] == "agrees"
    summ.loc[2, ["diff_lo95", "diff_hi95"]] = [-0.08, -0.05]
    assert verdicts.appendix(f6, summ).set_index("paper")["verdict"]["qualitatively identical (text)"] == "disagrees"


def test_bias_grid_and_bins_from_profile():
    from glasshelpers.pipeline.profiles import load_profile
    p = load_profile("demo")
    s = common.bias_shifts(p)
    assert s[0] == -3 and s[-1] == 3 and len(s) == 121 and np.isclose(s[60], 0)
    e = common.x_edges(p)
    assert np.allclose(e, np.arange(-2.5, 2.51, 0.5))


# ------------------------------------------------- block bootstrap + data-driven fit range

SAT_TEMPS = [0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2]


def synthetic_samples(seed=0, n_particles=1000, n_bank=60, stride=5, T_s=0.8, hold=3, replica=0,
                      classifiers=(0.45, 2.0), pairs=False):
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
        if pairs:                       # neighbours: particle 2k+1 copies particle 2k
            xg[:, 1::2], fg[:, 1::2] = xg[:, 0::2], fg[:, 0::2]
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
    return kramers_analysis(smp, np.linspace(-2, 2, 5), min_bin_count=30, n_boot=120, seed=1,
                                     frame_spacing=5)


def test_analysis_chooses_the_unsaturated_range(sat_analysis):
    r = sat_analysis
    assert r.fit_range.T_up == pytest.approx(0.8) and r.fit_range.passes
    assert r.block_tau == 15
    d = r.of("fits")
    truth = 2.0 - 0.5 * np.linspace(-1.5, 1.5, 4)
    for _, f in d.groupby("T_train"):
        f = f.sort_values("bin")
        np.testing.assert_allclose(f["Delta_E"], truth, atol=0.35)
        assert ((f["Delta_E_lo95"] <= truth + 0.05) & (truth - 0.05 <= f["Delta_E_hi95"])).all()
    # the all-T fit is pulled by the saturated points and fits badly
    allT = r.fits[r.fits["fit"] == "all T"]
    assert np.nanmedian(allT["chi2"] / allT["dof"]) > 10 * np.nanmedian(d["chi2"] / d["dof"])


def test_onsets_have_intervals_and_agree_between_identical_classifiers(sat_analysis):
    d = sat_analysis.of("onsets")
    assert len(d) == 2
    assert ((d["T_low95"] <= T0) & (T0 <= d["T_high95"])).all()
    assert (d["T_low"] < d["T_onset"]).all() and (d["T_onset"] < d["T_high"]).all()
    c = sat_analysis.of("onset_consistency").iloc[0]
    assert c["p_value"] > 0.05 and c["dof"] == 1
    assert c["T_mean_low95"] <= T0 <= c["T_mean_high95"]
    assert (sat_analysis.of("slopes")["slope_hi95"] < 0).all()     # barriers fall with x
    assert sat_analysis.of("collapse")["p_value"].iloc[0] > 0.01


def test_sigma_collapse_is_tested_like_the_barriers(sat_analysis):
    """Two classifiers that see the same x_alpha: Delta_E and Sigma both collapse (p > 0.01) and
    the verdicts hold a Sigma row; a second classifier whose scale is stretched (x' = 1.6 x + 0.4,
    so its barriers per bin differ) fails both tests."""
    c = sat_analysis.of("collapse").iloc[0]
    assert c["p_value"] > 0.01 and c["sigma_p_value"] > 0.01 and c["sigma_dof"] == c["dof"] > 0
    v = verdicts.kramers(sat_analysis)
    rows = v[v["claim"].str.startswith("Sigma(x_alpha) collapses")]
    assert len(rows) == len(sat_analysis.variants) - (sat_analysis.collapse["sigma_dof"] == 0).sum()
    smp = synthetic_samples()
    for s in smp:
        s["x"][2.0] = 1.6 * s["x"][2.0] + 0.4
    bad = kramers_analysis(smp, np.linspace(-2, 2, 5), min_bin_count=30, n_boot=120, seed=1, frame_spacing=5)
    b = bad.of("collapse").iloc[0]
    assert b["p_value"] < 0.01 and b["sigma_p_value"] < 0.01
    verdict = verdicts.kramers(bad).set_index("claim")["verdict"]
    assert verdict[[k for k in verdict.index if k.startswith("Sigma(x_alpha) collapses")][0]] == "disagrees"


def test_interval_targets_match_the_fits_and_respond_to_the_thresholds(sat_analysis):
    t = barriers.interval_targets(sat_analysis).set_index("T_train")
    d = sat_analysis.of("fits")
    hw = 0.5 * (d["Delta_E_hi"] - d["Delta_E_lo"])
    assert t.loc["all", "bins"] == len(d) == 8                       # 4 bins x 2 classifiers
    assert t.loc["all", "delta_e_hw_max"] == pytest.approx(hw.max())
    on = sat_analysis.of("onsets")
    assert t.loc["all", "onset_hw"] == pytest.approx((0.5 * (on["T_high"] - on["T_low"])).max())
    assert t["delta_e_within"].between(0, 1).all()
    # thresholds at the measured extremes flip the verdicts exactly there
    loose = barriers.interval_targets(sat_analysis, delta_e_max=hw.max(), onset_max=t.loc["all", "onset_hw"])
    tight = barriers.interval_targets(sat_analysis, delta_e_max=0.99 * hw.min(), onset_max=0.0)
    assert loose["delta_e_target_met"].all() and loose["onset_target_met"].all()
    assert not tight["delta_e_target_met"].any() and (tight["delta_e_within"] == 0).all()
    assert not tight["onset_target_met"].any()


def test_block_errors_are_wider_than_binomial_by_the_correlation(sat_analysis):
    # flags are identical over groups of 3 bank frames = one 15-tau block: the variance of
    # P_R is 3x the binomial one, standard errors sqrt(3) = 1.73 x
    w = sat_analysis.widths.set_index(["quantity", "scheme"])["median_ratio"]
    assert w["P_R (standard error)", "particle x time blocks"] == pytest.approx(np.sqrt(3), rel=0.15)
    assert w["Delta_E (68 % interval)", "particle x time blocks"] == pytest.approx(np.sqrt(3), rel=0.3)
    # particles are independent here: whole-system time blocks see the same sqrt(3)
    assert w["P_R (standard error)", "whole-system time blocks"] == pytest.approx(np.sqrt(3), rel=0.3)
    pr = sat_analysis.pr.dropna(subset=["P_R"])
    assert (pr["n"] >= 30).all()


def test_uncorrelated_samples_give_block_errors_equal_to_binomial():
    smp = synthetic_samples(seed=2, hold=1, n_particles=600)
    r = kramers_analysis(smp, np.linspace(-2, 2, 5), n_boot=120, seed=3, frame_spacing=5)
    w = r.widths.set_index(["quantity", "scheme"])["median_ratio"]
    assert w["P_R (standard error)", "particle x time blocks"] == pytest.approx(1.0, abs=0.12)


def test_two_identical_replicas_pool_to_the_same_estimates_with_zero_spread():
    one = synthetic_samples(seed=4, n_particles=400)
    two = one + synthetic_samples(seed=4, n_particles=400, replica=1)
    edges = np.linspace(-2, 2, 5)
    r1 = kramers_analysis(one, edges, n_boot=40, seed=1, frame_spacing=5, compare_iid=False)
    r2 = kramers_analysis(two, edges, n_boot=40, seed=1, frame_spacing=5, compare_iid=False)
    np.testing.assert_allclose(r2.pr["P_R"], r1.pr["P_R"])
    np.testing.assert_array_equal(r2.pr["n"], 2 * r1.pr["n"])
    sp = barriers.replica_spread(two, edges, r1.fit_range)
    sp1 = barriers.replica_spread(one, edges, r1.fit_range)
    np.testing.assert_allclose(sp["T_onset"], sp1["T_onset"])
    np.testing.assert_array_equal(sp["T_onset_replica_sd"], 0.0)
    assert (sp["n_replicas"] == 2).all()


def test_kramers_verdicts_from_intervals(sat_analysis):
    v = verdicts.kramers(sat_analysis).set_index("claim")["verdict"]
    form = v[v.index.str.contains("Kramers form")]
    assert list(form) == ["agrees"]
    fits_ok = v[v.index.str.contains("consistent with the errors")]
    assert fits_ok[fits_ok.index.str.contains("data")].iloc[0] == "agrees"
    assert fits_ok[fits_ok.index.str.contains("all T")].iloc[0] == "disagrees"
    falls = v[v.index.str.contains("falls") & v.index.str.contains("data")]
    assert len(falls) == 2 and (falls == "agrees").all()
    one = v[v.index.str.contains("one onset")]
    assert one[one.index.str.contains("data")].iloc[0] == "agrees"
    lit = v[v.index.str.contains("literature")]
    assert list(lit) == ["agrees"]          # T0 = 0.9 with half-width < 0.1 lies in 0.8-1.2


def test_paired_accuracy_difference():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 200)
    a = np.where(y == 1, 1.0, -1.0) * np.where(rng.random(400) < 0.8, 1, -1)   # 80 % correct
    same = appendix.paired_accuracy_difference(a, a.copy(), y, n_boot=50)
    assert same.estimate == 0 and same.low == 0 and same.high == 0       # paired: no spread at all
    b = a.copy()
    b[:40] = -b[:40]                                                       # flip 40 class-0 decisions
    d = appendix.paired_accuracy_difference(b, a, y, clusters=np.arange(400) // 4, n_boot=300, seed=1)
    flipped_correct = np.sum((a[:40] > 0) == (y[:40] == 1))
    assert d.estimate == pytest.approx((40 - 2 * flipped_correct) / 400)
    assert d.low < d.estimate < d.high


def test_split_transfer_verdicts():
    t1 = pd.DataFrame({"T": [0.45, 1.0, 1.2], "b": 0.0, "sigma_T": [1.12, 0.7, 0.7], "b_best": [0.1, -0.2, -0.4],
                       "similarity": [1.0, 0.8, 0.8], "best_accuracy": [0.8, 0.7, 0.7]})
    fig2, tab = verdicts.split_transfer(verdicts.transfer(t1, compare_table=True))
    assert fig2["claim"].str.contains("chance|varies").all() and len(fig2) == 3
    assert tab["claim"].str.contains("Table I|similar").all() and len(tab) == 2 + 3 * 2


def test_similarity_verdict_is_inconclusive_when_the_bootstrap_bias_dominates():
    t1 = pd.DataFrame({"T": [0.45, 1.0, 1.2], "b": 0.0, "sigma_T": 1.0, "b_best": 0.0, "best_accuracy": 0.7,
                       "similarity": [1.0, 0.8, 0.8], "similarity_lo95": [1, 0.7, 0.7],
                       "similarity_hi95": [1, 0.9, 0.9], "similarity_bias": [0, -0.01, -0.3]})
    sim = verdicts.transfer(t1)
    sim = sim[sim["claim"].str.contains("similar")]["verdict"].tolist()
    assert sim == ["agrees", "inconclusive"]


def test_whole_system_time_blocks_catch_correlated_neighbours():
    # pairs of particles share x and flags (perfectly correlated neighbours), frames are
    # independent: particle x time blocks see no correlation (ratio 1), whole-system time
    # blocks see the pairs (variance x 2, ratio sqrt 2)
    smp = synthetic_samples(seed=5, n_particles=300, n_bank=300, hold=1, pairs=True)
    r = kramers_analysis(smp, np.linspace(-2, 2, 5), n_boot=150, seed=2, frame_spacing=5)
    w = r.widths.set_index(["quantity", "scheme"])["median_ratio"]
    assert w["P_R (standard error)", "particle x time blocks"] == pytest.approx(1.0, abs=0.15)
    assert w["P_R (standard error)", "whole-system time blocks"] == pytest.approx(np.sqrt(2), rel=0.15)
    # 100 time blocks per temperature (>= 30): the errors used are the whole-system ones,
    # so the correlated neighbours are in every interval; with the switch off they are not
    assert (r.scheme["time_blocks"] == 100).all()
    assert (r.scheme["scheme"] == "whole-system time blocks").all()
    assert w["P_R (standard error)", "used (scheme per temperature)"] == pytest.approx(np.sqrt(2), rel=0.15)
    assert w["Delta_E (68 % interval)", "used (scheme per temperature)"] == pytest.approx(np.sqrt(2), rel=0.3)
    off = kramers_analysis(smp, np.linspace(-2, 2, 5), n_boot=150, seed=2, frame_spacing=5,
                                    min_time_blocks=None)
    w_off = off.widths.set_index(["quantity", "scheme"])["median_ratio"]
    assert w_off["P_R (standard error)", "used (scheme per temperature)"] == pytest.approx(1.0, abs=0.15)
    assert (off.scheme["scheme"] == "particle x time blocks").all()


def test_kramers_result_names_its_default_variant_by_type(sat_analysis):
    r = sat_analysis
    assert [v.kind for v in r.variants] == ["data", "all", "paper_check"]
    assert r.default.kind == "data" and r.default.T_max == pytest.approx(r.fit_range.T_max)
    vf = r.variants_frame()
    assert vf["default"].sum() == 1 and vf.loc[vf["default"], "fit"].item() == r.default.label
    assert set(r.of("fits")["fit"]) == {r.default.label}
    # the paper's check T < 0.8 fits the five temperatures below 0.8 in every bin
    check = r.of("fits", r.variant("paper_check"))
    assert (check["n_points"] == 5).all() and check["T_max"].eq(0.8).all()
    with pytest.raises(KeyError, match="kinds"):
        r.variant("nonsense")


def test_kramers_analysis_leaves_its_samples_unchanged():
    smp = synthetic_samples(seed=6, n_particles=200)
    keys = [sorted(s) for s in smp]
    kramers_analysis(smp, np.linspace(-2, 2, 5), n_boot=10, seed=1, frame_spacing=5, compare_iid=False)
    assert [sorted(s) for s in smp] == keys


def test_table_one_is_judged_in_the_paper_units_with_declared_margins():
    """sigma_T and b_best far from the paper's in distance units but at its value in units
    of the SVM's decision function (|w| = 0.7) agree in the paper's units, which is what
    the verdict reads, with the declared margins (reference/margins.py): sigma_T +- 10 %,
    b_best and b +- 0.25 sigma_T, similarity +- 0.1."""
    w = 0.7
    t1 = pd.DataFrame({"T": [0.45, 1.0], "b": 0.0, "sigma_T": [1.1188 / 1.1, 0.7653 / w],
                       "b_best": [-0.5571 / 1.1, 0.2385 / w], "similarity": [1.0, 0.9],
                       "best_accuracy": [0.8, 0.7], "sigma_T_lo95": [0.98, 1.06], "sigma_T_hi95": [1.05, 1.12],
                       "sigma_T_raw": [1.1188, 0.7653], "sigma_T_raw_lo95": [1.09, 0.74], "sigma_T_raw_hi95": [1.15, 0.79],
                       "b_best_raw": [-0.5571, 0.2385], "b_best_raw_lo95": [-0.6, 0.2], "b_best_raw_hi95": [-0.52, 0.28],
                       "b_raw": [-0.0096, 0.0056], "b_raw_lo95": [-0.02, 0.0], "b_raw_hi95": [0.0, 0.01],
                       "similarity_own": [1.0, 0.8246], "similarity_own_lo95": [1.0, 0.80],
                       "similarity_own_hi95": [1.0, 0.85]})
    v = verdicts.table_one(t1)
    rows = v[v["claim"].str.contains("Table I")]
    assert len(rows) == 3 + 4 and rows["claim"].str.contains("in the paper's definition").all()
    assert (rows["verdict"] == "agrees").all(), rows[["claim", "ours", "verdict"]]
    assert rows["paper"].str.contains(r"\+-").all()                     # the margin beside the paper's value
    from glasshelpers.reference import margins
    assert margins.summary(v) == {"cells": 7, "agree": 7, "disagree": 0, "chance_agree": pytest.approx(0.35),
                                  "chance_disagree": pytest.approx(0.175)}
    # the same numbers without the paper-definition columns are judged in distance units (paper +- 0.1):
    # 0.45: 1.017 [0.98, 1.05] straddles 1.019 -> inconclusive; 1.0: [1.06, 1.12] beyond 0.865 -> disagrees
    d = verdicts.table_one(t1.drop(columns=[c for c in t1 if "_raw" in c or "_own" in c]))
    d = d[d["claim"].str.contains("Table I") & d["claim"].str.contains("sigma_T")]
    assert d["claim"].str.contains("not the paper's").all()
    assert list(d["verdict"]) == ["inconclusive", "disagrees"]


def test_equivalence_verdicts_need_as_much_evidence_to_agree_as_to_disagree():
    """agrees: the 90 % interval inside target +- margin; disagrees: the 95 % interval outside;
    inconclusive: anything else, a wide interval around the target included."""
    from glasshelpers.reference import margins
    j = margins.judge_equivalence
    assert j(0.98, 1.02, 0.97, 1.03, 1.0, 0.05) is True
    assert j(1.07, 1.09, 1.06, 1.10, 1.0, 0.05) is False            # wholly outside the band
    assert j(1.03, 1.07, 1.02, 1.08, 1.0, 0.05) is None             # straddles the band's edge
    assert j(0.5, 1.5, 0.4, 1.6, 1.0, 0.05) is None                 # wide: it contains the target, says nothing
    assert j(0.96, 1.04, 0.94, 1.06, 1.0, 0.05) is True             # 95 % may leave the band when 90 % does not
    assert j(np.nan, 1.0, 0.9, 1.1, 1.0, 0.05) is None
    lo, hi = margins.interval90(pd.Series({"x": 1.0, "x_lo95": 0.8, "x_hi95": 1.4}), "x")
    assert lo == pytest.approx(1.0 - 0.2 * 1.6449 / 1.96) and hi == pytest.approx(1.0 + 0.4 * 1.6449 / 1.96)


def test_margins_follow_the_x_alpha_binning():
    from glasshelpers.reference.margins import TABLE1_MARGINS, RULE_HISTORY
    from glasshelpers.reference.paper import PAPER_TABLE1
    m = {x.column: x for x in TABLE1_MARGINS}
    row = PAPER_TABLE1[1]                                                 # T = 1.0
    assert m["sigma_T_raw"].of(row) == pytest.approx(0.1 * 0.7653)       # 2.5 x 10 % = half a 0.5-wide bin
    assert m["b_best_raw"].of(row) == pytest.approx(0.25 * 0.7653)
    assert m["similarity_own"].of(row) == pytest.approx(0.1)
    assert all(len(r) == 3 and r[0] <= "2026-12-07" for r in RULE_HISTORY)


def test_the_methods_chapter_shows_every_margin_and_every_rule():
    from pathlib import Path

    from glasshelpers.reference.margins import RULE_HISTORY, TABLE1_MARGINS
    text = (Path(__file__).resolve().parents[1] / "book" / "methods.md").read_text()
    for m in TABLE1_MARGINS:
        assert f"| `{m.column}` | {m.label} |" in text and m.why in text, m.column
    for date, rule, why in RULE_HISTORY:
        assert f"| {date} | {rule} | {why} |" in text, rule


def test_the_methods_chapter_shows_every_claim_rule():
    from pathlib import Path

    from glasshelpers.reference.margins import CLAIM_RULES
    text = (Path(__file__).resolve().parents[1] / "book" / "methods.md").read_text()
    for r in CLAIM_RULES:
        assert f"| `{r.key}` | {r.quantity} | {r.paper} | {r.rule} | {r.band} | {r.why} |" in text, r.key


def test_bias_varies_tests_all_temperatures_at_once():
    """Equal b_best with small errors: disagrees (all within 0.25 sigma_T of their mean);
    one temperature far off: agrees; large errors: inconclusive. The largest-minus-smallest
    of six noisy equal estimates is no longer evidence of variation."""
    T = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
    def table(b, half):
        b = np.asarray(b, float)
        return pd.DataFrame({"T": T, "b_best": b, "b_best_lo95": b - half, "b_best_hi95": b + half,
                             "sigma_T": 1.0})
    rng = np.random.default_rng(0)
    flat = table(0.5 + rng.normal(0, 0.01, 6), 0.02)
    assert verdicts.bias_varies(flat)["verdict"] == "disagrees"
    steep = table([0.5, 0.5, 0.5, 0.5, 0.5, 1.2], 0.05)
    assert verdicts.bias_varies(steep)["verdict"] == "agrees"
    assert verdicts.bias_varies(table(0.5 + rng.normal(0, 0.01, 6), 0.6))["verdict"] == "inconclusive"
    assert verdicts.bias_varies(flat.drop(columns=["b_best_lo95", "b_best_hi95"]))["verdict"] == "inconclusive"


def test_stage_six_builds_its_samples_from_loaded_inputs_replica_by_replica():
    """barriers.rearrangement_samples: one sample per (replica, T), replica-major, holding
    that replica's rows of the bank table; x_alpha = (w.F - b + b_best) / sigma_T of each
    classifier; a row rearranged when p_hop 2 tau later exceeds p_c."""
    from types import SimpleNamespace

    from glasshelpers.stages.s06_kramers.inputs import KramersInputs

    rng = np.random.default_rng(3)
    clf = SimpleNamespace(decision=lambda X: X[:, 0] * 2.0 + 0.5, b=0.5)
    t1 = pd.DataFrame({"T": [1.0], "b_best": [-0.25], "sigma_T": [2.0]})
    banks = {}
    for T in (0.6, 1.2):
        n = [6, 4]                                       # rows of replica 0 and 1
        X = rng.normal(size=(10, 3)).astype(np.float32)
        later = np.linspace(0.0, 0.45, 10)
        banks[T] = {"X": X, "replica": np.repeat([0, 1], n), "particle": np.arange(10), "frame": np.arange(10) * 5,
                    "phop_later": later, "clusters": np.arange(10), "phop": {10: (later - 0.1, later)}}
    inp = KramersInputs(classifiers={1.0: clf}, table1=t1, windows=[10], banks=banks)
    s = barriers.rearrangement_samples(inp, p_c=0.2)
    assert [(d["replica"], d["T"]) for d in s] == [(0, 0.6), (0, 1.2), (1, 0.6), (1, 1.2)]
    r1 = s[3]
    X = banks[1.2]["X"][6:]
    assert np.allclose(r1["x"][1.0], (X[:, 0] * 2.0 - 0.25) / 2.0)
    assert r1["particle"].tolist() == [6, 7, 8, 9]
    assert r1["rearranged"].tolist() == (banks[1.2]["phop_later"][6:] > 0.2).tolist()
    assert np.array_equal(r1["phop"][10][1], banks[1.2]["phop_later"][6:])
    cb = barriers.chain_banks(inp, 0.2)
    assert cb[0.6]["rearranged"].sum() == (banks[0.6]["phop_later"] > 0.2).sum() and cb[0.6]["X"] is banks[0.6]["X"]
