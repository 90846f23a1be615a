"""Headless smoke-and-content tests of glasshelpers.figures on small synthetic data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from glasshelpers import figures as gf  # noqa: E402
from glasshelpers.reference import paper  # noqa: E402

TRAIN = [1.0, 1.2, 1.4, 1.8, 2.0]
SHIFTS = np.linspace(-1, 1, 11)


@pytest.fixture(autouse=True)
def close_all():
    yield
    plt.close("all")


def acc_frame(groups, col="T", err=True):
    rows = []
    for i, g in enumerate(groups):
        for s in SHIFTS:
            rows.append({col: g, "shift": s, "accuracy": 0.8 - 0.2 * s ** 2 - 0.01 * i, "accuracy_err": 0.01})
    df = pd.DataFrame(rows)
    return df if err else df.drop(columns="accuracy_err")


def pr_frame(n_bins=4, temps=(0.45, 0.5, 0.6, 0.8, 1.0)):
    rows = []
    for T in temps:
        for b in range(n_bins):
            P = np.exp(-1.0 + 0.5 * b - (2.0 - 0.4 * b) / T) / T
            rows.append(dict(T=T, bin=b, x_center=-1.5 + b, P_R=P, P_R_err=0.1 * P))
    return pd.DataFrame(rows)


def fit_frame(n_bins=4):
    return pd.DataFrame(dict(bin=range(n_bins), Sigma=[-1.0 + 0.5 * b for b in range(n_bins)],
                             Delta_E=[2.0 - 0.4 * b for b in range(n_bins)]))


def n_errorbar_series(ax):
    return len(ax.containers)


def test_colors_run_blue_to_red():
    c_cold = np.array(gf.temperature_color(1.0)[:3])
    c_hot = np.array(gf.temperature_color(2.0)[:3])
    assert c_cold[2] > c_cold[0]           # cold: blue dominates
    assert c_hot[0] > c_hot[2] and c_hot[0] > 0.9   # hot: light red
    assert gf.temperature_color(0.45) == "black"


def test_fig1_main_and_side_panel():
    fig = gf.fig1_cv_accuracy(acc_frame(TRAIN), inset=acc_frame(TRAIN, err=False))
    assert isinstance(fig, Figure)
    ax, side = fig.axes
    assert n_errorbar_series(ax) == 5
    assert not ax.child_axes and n_errorbar_series(side) == 5      # the paper's inset, in its own panel
    # error bars present in the main panel (one LineCollection per series)
    assert sum(len(c.lines[2]) for c in ax.containers) == 5
    # plotted data are the input
    x, y = ax.containers[0].lines[0].get_data()
    np.testing.assert_allclose(x, SHIFTS)
    np.testing.assert_allclose(y, 0.8 - 0.2 * SHIFTS ** 2)
    # one key for both panels, beside the side panel
    assert [t.get_text() for t in side.get_legend().get_texts()] == [f"T = {T:.1f}" for T in TRAIN]
    assert ax.get_legend() is None
    assert len(gf.fig1_cv_accuracy(acc_frame(TRAIN)).axes) == 1     # no inset data: one panel


def test_given_ax_is_used():
    fig, (a, b) = plt.subplots(1, 2)
    out = gf.fig8_control(acc_frame(["fluidity", "immobile vs random"], col="classifier"), ax=b)
    assert out is fig
    assert n_errorbar_series(b) == 2 and n_errorbar_series(a) == 0
    out = gf.fig6_accuracy_vs_C(pd.DataFrame(dict(q=[1e-3] * 3 + [1e-2] * 3, C=[1e-3, 1e-2, 1e-1] * 2,
                                                 accuracy=[0.7, 0.75, 0.74, 0.68, 0.7, 0.7])), ax=a)
    assert out is fig and a.get_xscale() == "log" and n_errorbar_series(a) == 2


def test_fig2_with_van_hove_panel():
    vh = pd.DataFrame([dict(T=T, r=r, G_s=np.exp(-r ** 2 / T)) for T in (0.45, 0.8, 2.0)
                       for r in np.linspace(0, 3, 20)])
    fig = gf.fig2_transfer(acc_frame(TRAIN), van_hove=vh)
    ax, side = fig.axes
    assert n_errorbar_series(ax) == 5 and not ax.child_axes
    assert side.get_yscale() == "log" and len(side.lines) == 3
    assert side.lines[-1].get_color() == "black"  # T = 0.45 drawn last, on top
    # its own key, in temperature order
    assert [t.get_text() for t in side.get_legend().get_texts()] == ["T = 0.45", "T = 0.8", "T = 2.0"]


def test_fig3_panels_points_and_fit_lines():
    fig = gf.fig3_kramers(pr_frame(), fit_frame(), onset=0.9)
    ax = fig.axes[0]
    assert n_errorbar_series(ax) == 4
    fit_lines = [l for l in ax.lines if l.get_linestyle() == ":"]
    assert len(fit_lines) == 4
    # the dotted line passes through the exact data (same Kramers law)
    u, lnP = fit_lines[0].get_data()
    x, y = ax.containers[0].lines[0].get_data()
    np.testing.assert_allclose(np.interp(x, u, lnP), y, atol=1e-3)
    assert any(l.get_linestyle() == "--" for l in ax.lines)     # onset marker
    fig2 = gf.fig3_kramers_pair(pr_frame(), fit_frame(), pr_frame(3), fit_frame(3))
    assert len(fig2.axes) == 2
    assert n_errorbar_series(fig2.axes[1]) == 3
    with pytest.raises(ValueError, match="missing columns"):
        gf.fig3_kramers(pr_frame().drop(columns="P_R"))


def test_fig4_collapse_with_sigma_panel():
    rows = []
    for Ttr in [0.45] + TRAIN:
        for x in np.linspace(-2, 2, 5):
            rows.append(dict(T_train=Ttr, x=x, Delta_E=2 - 0.5 * x, Delta_E_err=0.05, Sigma=3 - x, Sigma_err=0.1))
    fig = gf.fig4_barrier_collapse(pd.DataFrame(rows))
    ax, side = fig.axes
    assert n_errorbar_series(ax) == 6 and n_errorbar_series(side) == 6 and not ax.child_axes
    assert side.get_ylabel() == r"$\Sigma$"
    assert ax.containers[0].lines[0].get_color() == "black"   # softness first, in black


def test_fig5_samples_and_histograms():
    rng = np.random.default_rng(0)
    rows = [dict(T_train=Ttr, T=T, alpha=a) for Ttr in (1.2, 2.0) for T in (0.45, 1.0, 2.0)
            for a in rng.normal(T - 1, 1, 300)]
    fig = gf.fig5_fluidity_distributions(pd.DataFrame(rows), bins=20)
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(panels) == 2 and all(len(a.lines) == 3 for a in panels)
    # density normalised
    x, h = panels[0].lines[0].get_data()
    assert np.sum(h) * (x[1] - x[0]) == pytest.approx(1.0)
    hist = pd.DataFrame([dict(T_train=1.2, T=T, x=x, density=np.exp(-x ** 2)) for T in (0.5, 1.0)
                         for x in np.linspace(-3, 3, 30)])
    fig2, axes = plt.subplots(1, 2)
    out = gf.fig5_fluidity_distributions(hist, axes=axes)
    assert out is fig2 and len(axes[0].lines) == 2
    with pytest.raises(ValueError, match="alpha"):
        gf.fig5_fluidity_distributions(hist.drop(columns="density"))


def test_fig7_and_fig9():
    fig = gf.fig7_accuracy_vs_bias_fractions(acc_frame([0.00033, 0.001, 0.005], col="q"))
    assert n_errorbar_series(fig.axes[0]) == 3
    pr = pd.concat([pr_frame().assign(T_train=t) for t in [0.45] + TRAIN])
    fits = pd.concat([fit_frame().assign(T_train=t) for t in [0.45] + TRAIN])
    fig9 = gf.fig9_kramers_all(pr, fits, ncols=3)
    visible = [a for a in fig9.axes if a.get_visible()]
    assert len(visible) == 6
    assert all(a.get_yscale() == "log" for a in visible)
    assert all(n_errorbar_series(a) == 4 for a in visible)
    assert visible[0].get_title() == "softness S"


def test_data_flow_diagram():
    fig = gf.data_flow_diagram()
    ax = fig.axes[0]
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    assert sum(isinstance(p, FancyBboxPatch) for p in ax.patches) == 6
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == 6
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Kramers" in texts and "Linear SVMs" in texts


def test_table1_side_by_side_and_sign():
    ours = pd.DataFrame(dict(T=[0.45, 1.0, 1.6], b=[-0.01, 0.005, 0.02], sigma_T=[1.1, 0.77, 0.7],
                             b_best=[-0.5, 0.25, 0.4], similarity=[1.0, 0.8, 0.7]))
    t = paper.table1(ours)
    assert list(t["T"]) == [0.45, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
    row = t[t["T"] == 1.0].iloc[0]
    assert row["b"] == pytest.approx(-0.005) and row["b_best"] == pytest.approx(-0.25)   # paper sign
    assert row["b_paper"] == -0.0056 and row["sigma_T_paper"] == 0.7653
    assert row["b_best_paper"] == -0.2385 and row["similarity_paper"] == 0.8246
    assert np.isnan(t[t["T"] == 1.6]["b_paper"].iloc[0])
    assert np.isnan(t[t["T"] == 1.2]["b"].iloc[0])
    s = paper.table1(ours, convention="spec")
    assert s[s["T"] == 1.0]["b_best"].iloc[0] == pytest.approx(0.25)
    assert "paper" in t.attrs["convention"]
    p = paper.paper_table1()
    assert p.shape == (6, 5) and p["b_best"].iloc[0] == 0.5571 and p["similarity"].iloc[-1] == 0.7198
    with pytest.raises(ValueError, match="missing"):
        paper.table1(ours.drop(columns="b_best"))


def test_temperature_labels_as_in_paper():
    fig = gf.fig9_kramers_all(pd.concat([pr_frame().assign(T_train=t) for t in (0.45, 1.0, 2.0)]),
                              pd.concat([fit_frame().assign(T_train=t) for t in (0.45, 1.0, 2.0)]))
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles == ["softness S", r"$\mathcal{F}^{1.0}$", r"$\mathcal{F}^{2.0}$"]


def _variants(n_bins=4):
    f = fit_frame(n_bins).assign(chi2=1.0, dof=2)
    bad = f.assign(Delta_E=f["Delta_E"] * 0.5, chi2=50.0)
    return pd.concat([f.assign(fit="T <= 0.8 (data)", T_max=0.8 + 1e-9), bad.assign(fit="all T", T_max=np.nan),
                      f.assign(fit="T < 0.8", T_max=0.8)])


def test_fig3_three_fit_variants_with_residuals():
    fits = _variants()
    with pytest.raises(ValueError, match="name the default"):
        gf.fig3_fit_variants(pr_frame(), fits, pr_frame(), fits)
    fig = gf.fig3_fit_variants(pr_frame(), fits, pr_frame(), fits, default="T <= 0.8 (data)")
    assert len(fig.axes) == 12                                  # 4 rows x 3 variants
    titles = [a.get_title() for a in fig.axes if a.get_title()]
    assert any("(default)" in t and "chi2/dof = 0.50" in t for t in titles)
    assert any("all T" in t and "chi2/dof = 25.00" in t for t in titles)
    # exact Kramers data: pulls of the default fit vanish; the wrong all-T lines give large pulls
    res_default = fig.axes[3].lines[0].get_ydata()
    np.testing.assert_allclose(res_default, 0, atol=1e-9)
    res_all = np.concatenate([l.get_ydata() for l in fig.axes[4].lines if l.get_marker() == "o"])
    assert np.max(np.abs(res_all)) > 2
    # the default's lines are solid inside the fitted range
    assert any(l.get_linestyle() == "-" for l in fig.axes[0].lines)


def test_fig9_with_variants_adds_a_residual_row():
    pr = pd.concat([pr_frame().assign(T_train=t) for t in [0.45] + TRAIN])
    fits = pd.concat([_variants().assign(T_train=t) for t in [0.45] + TRAIN])
    with pytest.raises(ValueError, match="name the default"):
        gf.fig9_kramers_all(pr, fits, ncols=3)
    fig = gf.fig9_kramers_all(pr, fits, ncols=3, default="T <= 0.8 (data)")
    assert len(fig.axes) == 6 + 3
    with pytest.raises(ValueError, match="one fit variant"):
        gf.fig4_barrier_collapse(fits.assign(x=fits["bin"]))
    assert "chi2/dof" in fig.axes[-1].get_title()
    assert all(a.get_yscale() == "log" for a in fig.axes[:6])


def test_kramers_residuals_mark_the_fit_range():
    from glasshelpers.core.barriers.kramers import kramers_residuals
    r = kramers_residuals(pr_frame(), _variants().query("fit == 'T < 0.8'"))
    assert set(r.loc[r["in_range"], "T"]) == {0.45, 0.5, 0.6}
    np.testing.assert_allclose(r["pull"], 0, atol=1e-9)


def test_table1_carries_intervals_with_the_sign_flip():
    ours = pd.DataFrame(dict(T=[1.0], b=[0.005], sigma_T=[0.77], b_best=[0.25], similarity=[0.8],
                             b_best_lo=[0.2], b_best_hi=[0.3], sigma_T_lo=[0.7], sigma_T_hi=[0.8]))
    row = paper.table1(ours).set_index("T").loc[1.0]
    assert row["b_best"] == pytest.approx(-0.25)
    assert row["b_best_lo"] == pytest.approx(-0.3) and row["b_best_hi"] == pytest.approx(-0.2)
    assert row["sigma_T_lo"] == pytest.approx(0.7)
