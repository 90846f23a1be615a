"""Stage 6's likelihood half (glasshelpers.stages.s06_kramers.barrier_glm) on synthetic samples whose
event rate follows the Kramers form exactly: the rate's onset, the range rule, the indicator
test and the verdicts built on them."""

import numpy as np
import pandas as pd
import pytest

from glasshelpers.reference import verdicts
from glasshelpers.figures.barriers import onset_vs_range
from glasshelpers.stages.s06_kramers import barrier_glm

TEMPS = (0.45, 0.5, 0.55, 0.6, 0.7, 0.8)
T0 = 1.0                                     # the rate's lines meet here (ln(T r) = s0 + s1 x - (e0 + e1 x)/T)


def samples(seed=0, n_particles=300, n_frames=60, stride=5, classifiers=(0.45, 2.0)):
    """Bank samples: quiet or active at t - 1 (active with probability 0.2), and an onset
    at t with the Kramers rate r(x, T) (per tau) when quiet; an active particle stays active
    with probability 0.7. The 20-tau window repeats the 10-tau values (same indicator)."""
    rng = np.random.default_rng(seed)
    out = []
    for T in TEMPS:
        x = rng.uniform(-2, 2, size=(n_frames, n_particles))
        dE = 3.0 - 0.8 * x
        r = np.exp(-0.8 * x / T0 + 1.0 - dE / T) / T            # s1 = e1 / T0 with e1 = -0.8
        active = rng.random(x.shape) < 0.2
        at = np.where(active, rng.random(x.shape) < 0.7, rng.random(x.shape) < r)
        before = np.where(active, 0.5, 0.05).ravel()
        now = np.where(at, 0.5, 0.05).ravel()
        out.append({"T": T, "replica": 0, "particle": np.tile(np.arange(n_particles), n_frames),
                    "frame": np.repeat(3 + stride * np.arange(n_frames), n_particles), "rearranged": now > 0.2,
                    "x": {Tt: x.ravel() for Tt in classifiers}, "phop": {10: (before, now), 20: (before, now)}})
    return out


@pytest.fixture(scope="module")
def result():
    return barrier_glm.glm_analysis(samples(), np.linspace(-2, 2, 5), p_c=0.2, windows=(10, 20),
                                    p_c_values=(0.2, 0.3), n_boot=20, seed=1, frame_spacing=5)


def test_rate_onset_and_range(result):
    g = result
    rate = g.range_of("rate")
    assert rate["passes"] and rate["T_up"] == pytest.approx(max(TEMPS))
    o = g.onsets[(g.onsets["measure"] == "rate") & (g.onsets["kind"] == "smooth")]
    assert len(o) == 2
    assert ((o["T_low95"] <= T0) & (T0 <= o["T_high95"])).all()
    assert ((o["T_env_low95"] <= o["T_onset"]) & (o["T_onset"] <= o["T_env_high95"])).all()
    # every onset interval of every measure and kind contains its estimate
    assert ((g.onsets["T_low95"] <= g.onsets["T_onset"]) & (g.onsets["T_onset"] <= g.onsets["T_high95"])).all()


def test_counts_match_the_samples(result):
    """The rate's cells hold onsets / at-risk samples; the occupancy cells the paper's P_R."""
    smp = samples()
    c = result.cells
    for s in smp:
        x = s["x"][0.45]
        before, now = s["phop"][10]
        risk = before <= 0.2
        onset = risk & (now > 0.2)
        d = c[(c["measure"] == "rate") & (c["T_train"] == 0.45) & np.isclose(c["T"], s["T"])]
        assert d["n"].sum() == risk.sum() and d["k"].sum() == onset.sum()
        d = c[(c["measure"] == "occupancy") & (c["T_train"] == 0.45) & np.isclose(c["T"], s["T"])]
        assert d["n"].sum() == x.size and d["k"].sum() == (now > 0.2).sum()


def test_indicator_test_sees_no_move_for_an_identical_window(result):
    d = result.indicator
    same = d[(d["window"] == 20) & np.isclose(d["p_c"], 0.2)].set_index(["measure", "T_train"])["T_onset"]
    base = d[(d["window"] == 10) & np.isclose(d["p_c"], 0.2)].set_index(["measure", "T_train"])["T_onset"]
    pd.testing.assert_series_equal(same.sort_index(), base.sort_index(), check_exact=False, rtol=1e-9)
    rows = verdicts.kramers_glm(result, fig3_classifiers=(2.0, 0.45))
    claims = {r["claim"].split(":")[0]: r for r in rows}
    assert "indicator test (rate)" in claims


def test_indicator_verdict_flags_a_moving_onset():
    ind = pd.DataFrame([dict(measure="rate", T_train=0.45, p_c=0.2, window=10, T_onset=1.0, T_env_low95=0.95,
                             T_env_high95=1.05),
                        dict(measure="rate", T_train=0.45, p_c=0.4, window=10, T_onset=1.3, T_env_low95=1.2,
                             T_env_high95=1.4),
                        dict(measure="rate", T_train=0.45, p_c=0.1, window=20, T_onset=1.02, T_env_low95=0.97,
                             T_env_high95=1.08)])
    g = barrier_glm.GLMResult(cells=None, scan=None, ranges=None, fits=None, onsets=None, indicator=ind,
                              baseline=barrier_glm.Indicator(0.2, 10))
    assert verdicts.indicator_verdict(g, "rate")["verdict"] == "disagrees"
    g.indicator = ind.iloc[[0, 2]]
    assert verdicts.indicator_verdict(g, "rate")["verdict"] == "agrees"


def test_onset_vs_range_figure(result):
    import matplotlib

    matplotlib.use("Agg")
    scan = result.scan[result.scan["measure"] == "rate"]
    fig = onset_vs_range(scan, result.range_of("rate")["T_up"], literature=[(0.87, "0.87")])
    assert len(fig.axes[0].lines) > 0


def test_weighted_fits_take_the_given_range_and_rescale_nothing():
    from glasshelpers.stages.s06_kramers.barrier_analysis import kramers_analysis

    choice = dict(T_up=0.6, passes=False, rule="curvature rule", worst_p=1e-4)
    res = kramers_analysis(samples(n_particles=100), np.linspace(-2, 2, 5), min_bin_count=10, n_boot=20, seed=2,
                           frame_spacing=5, compare_iid=False, range_choice=choice)
    assert res.fit_range.T_up == pytest.approx(0.6) and not res.fit_range.passes
    assert res.fit_range.error_scale == 1.0 and res.scan["chosen"].sum() == 1
    v = verdicts.kramers(res)
    assert v.loc[v["headline"] == "kramers_form", "verdict"].iloc[0] == "disagrees"
    o = res.of("onsets")
    fin = np.isfinite(o["T_onset"])
    assert ((o["T_low95"] <= o["T_onset"]) & (o["T_onset"] <= o["T_high95"]))[fin].all()


def test_both_measures_figure_range_sentence_and_cell_summary(result):
    import matplotlib

    matplotlib.use("Agg")
    from glasshelpers.figures.barriers import onset_vs_range_measures

    fig = onset_vs_range_measures(result, literature=[(0.87, "0.87")])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["occupancy: $P_R$", r"rate: $r$, onsets per $\tau$ at risk"]
    for ax, m in zip(fig.axes[:2], ("occupancy", "rate")):          # the default range marked on each
        assert result.range_of(m)["T_up"] in [ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == "--"]
    table, sentence = result.range_summary()
    assert list(table["measure"]) == list(result.ranges["measure"])
    occ, rate = result.range_of("occupancy")["T_up"], result.range_of("rate")["T_up"]
    if occ == rate:
        assert "same range" in sentence
    else:
        assert ("rate" if rate > occ else "occupancy") + " over the wider range" in sentence
    # the sentence follows the ranges: swap them and it names the other measure
    import copy
    other = copy.copy(result)
    other.ranges = result.ranges.assign(T_up=[0.6, 0.9] if list(result.ranges["measure"]) == ["occupancy", "rate"]
                                        else [0.9, 0.6])
    assert "rate over the wider range (T <= 0.9)" in other.range_summary()[1]
    cells = result.cell_summary().set_index("measure")
    for m, d in result.cells.groupby("measure"):
        assert cells.loc[m, "cells"] == len(d)
        assert cells.loc[m, "zero-event cells"] == int(((d["k"] == 0) & (d["n"] > 0)).sum())


def test_the_onset_value_is_judged_on_its_own_interval_whatever_the_curvature_test_says():
    """The literature-onset claim follows from the onset's interval alone: a narrow interval
    inside 0.8-1.2 agrees and one outside disagrees when no range passes the curvature test
    too; a wide one is inconclusive. The curvature test stays a claim of its own."""
    def judged(lo, est, hi, passes):
        onsets = pd.DataFrame([dict(kind="smooth", measure="occupancy", T_train=0.45, T_onset=est, T_env_low95=lo,
                                    T_env_high95=hi, range_passes=passes)])
        ranges = pd.DataFrame([dict(measure="occupancy", T_up=0.6, passes=passes, rule="curvature rule",
                                    worst_p=0.5 if passes else 1e-9)])
        scan = pd.DataFrame([dict(measure="occupancy", T_up=0.6, deviance_p=0.3)])
        g = barrier_glm.GLMResult(cells=None, scan=scan, ranges=ranges, fits=None, onsets=onsets,
                                  indicator=pd.DataFrame(columns=["measure", "p_c", "window", "T_train", "T_onset",
                                                                  "T_env_low95", "T_env_high95"]),
                                  baseline=barrier_glm.Indicator(0.2, 10))
        rows = [r for r in verdicts.kramers_glm(g, fig3_classifiers=(2.0, 0.45)) if "literature" in r["claim"]]
        curvature = [r for r in verdicts.kramers_glm(g, fig3_classifiers=(2.0, 0.45)) if "Kramers form" in r["claim"]]
        assert curvature[0]["verdict"] == ("agrees" if passes else "disagrees")
        return rows[0]["verdict"]

    for passes in (True, False):
        assert judged(0.92, 0.97, 1.02, passes) == "agrees"
        assert judged(1.25, 1.35, 1.45, passes) == "disagrees"
        assert judged(0.86, 1.00, 1.39, passes) == "inconclusive"      # barrier's onset: too wide to say
