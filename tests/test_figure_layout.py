"""Geometric layout checks of every figure, drawn headless (Agg) on synthetic data.

A reader should see all the data: no axes (an inset included) may lie on top of another
axes, and no legend may lie on the data region (the axes box) of any axes. Each figure is
drawn (``fig.canvas.draw()``) and the window extents of its axes and legends compared in
display pixels. Legends must also lie inside the figure (a legend pushed off the canvas
is cut away on the saved PNG).

The data are shaped like the pipeline's: 121 bias shifts per accuracy series (Figs. 1, 2,
7, 8), 18 temperatures for the simulation overview.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from glasshelpers import figures as gf  # noqa: E402
from glasshelpers.figures import simfigures as sf  # noqa: E402

TRAIN = [1.0, 1.2, 1.4, 1.8, 2.0]
DENSE = np.round(np.linspace(-3, 3, 121), 6)      # the pipeline's bias grid (step 0.05)
SPARSE = np.linspace(-1, 1, 11)
TOL = 0.5                                         # pixels: shared edges are no overlap


@pytest.fixture(autouse=True)
def close_all():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- builders

def acc_frame(groups, col="T", shifts=DENSE):
    """Accuracy vs bias shift per group, peaked at shift 0, with a 68 % interval."""
    rows = []
    for i, g in enumerate(groups):
        for s in shifts:
            a = 0.5 + 0.25 * np.exp(-s ** 2) - 0.01 * i
            rows.append({col: g, "shift": s, "accuracy": a, "accuracy_lo": a - 0.02, "accuracy_hi": a + 0.02})
    return pd.DataFrame(rows)


def van_hove_frame(temps=(0.45, 0.47, 0.6, 1.0, 1.2, 2.0)):
    r = np.linspace(0.025, 4.0, 80)
    return pd.DataFrame([dict(T=T, r=x, G_s=np.exp(-x ** 2 / T)) for T in temps for x in r])


def pr_frame(n_bins=6, temps=(0.45, 0.5, 0.6, 0.8, 1.0, 1.2)):
    rows = []
    for T in temps:
        for b in range(n_bins):
            P = np.exp(-1.0 + 0.5 * b - (2.0 - 0.3 * b) / T) / T
            rows.append(dict(T=T, bin=b, x_center=-2.25 + 0.5 * b, P_R=P, P_R_err=0.1 * P))
    return pd.DataFrame(rows)


def fit_frame(n_bins=6):
    return pd.DataFrame(dict(bin=range(n_bins), Sigma=[-1.0 + 0.5 * b for b in range(n_bins)],
                             Delta_E=[2.0 - 0.3 * b for b in range(n_bins)]))


def variants_frame(n_bins=6):
    f = fit_frame(n_bins).assign(chi2=1.0, dof=2)
    bad = f.assign(Delta_E=f["Delta_E"] * 0.5, chi2=50.0)
    return pd.concat([f.assign(fit="T <= 0.8 (data)", T_max=0.8 + 1e-9), bad.assign(fit="all T", T_max=np.nan)])


def collapse_frame():
    rows = []
    for Ttr in [0.45] + TRAIN:
        for x in np.linspace(-2.25, 2.25, 10):
            rows.append(dict(T_train=Ttr, x=x, Delta_E=4 - 0.5 * x, Delta_E_lo=3.8 - 0.5 * x, Delta_E_hi=4.2 - 0.5 * x,
                             Sigma=3 - x, Sigma_lo=2.8 - x, Sigma_hi=3.2 - x))
    return pd.DataFrame(rows)


def thermo_rows():
    t = np.arange(-20, 100)
    return [dict(time=float(s), pe=-6.9 + 0.01 * np.sin(s), temperature=0.45 + 0.01 * np.cos(s),
                 phase="production" if s >= 0 else "equilibration") for s in t]


TEMPS18 = [0.45, 0.47, 0.5, 0.52, 0.55, 0.58, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0]


def _figures():
    """(name, builder) of every figure of glasshelpers.figures and glasshelpers.figures.simfigures."""
    rng = np.random.default_rng(0)
    r = np.linspace(0.5, 3, 50)
    lag = np.geomspace(1, 1000, 20)
    pr9 = pd.concat([pr_frame().assign(T_train=t) for t in [0.45] + TRAIN])
    fits9 = pd.concat([fit_frame().assign(T_train=t) for t in [0.45] + TRAIN])
    var9 = pd.concat([variants_frame().assign(T_train=t) for t in [0.45] + TRAIN])
    dist = pd.DataFrame([dict(T_train=Ttr, T=T, alpha=a) for Ttr in (1.2, 2.0) for T in (0.45, 1.0, 2.0)
                         for a in rng.normal(T - 1, 1, 300)])
    summary = pd.DataFrame(dict(T=TEMPS18, tau_alpha=[np.exp(1 / T) for T in TEMPS18],
                                D_A=[np.exp(-1 / T) for T in TEMPS18]))
    for q in ("tau_alpha", "D_A"):
        summary[f"{q}_lo"], summary[f"{q}_hi"] = summary[q] * 0.9, summary[q] * 1.1
    return {
        "fig1": lambda: gf.fig1_cv_accuracy(acc_frame([1.0, 1.2, 2.0]), inset=acc_frame([1.0, 1.2, 2.0])),
        "fig2": lambda: gf.fig2_transfer(acc_frame([1.0, 1.2, 2.0]), van_hove=van_hove_frame()),
        "fig3": lambda: gf.fig3_kramers(pr_frame(), fit_frame(), onset=0.9),
        "fig3_pair": lambda: gf.fig3_kramers_pair(pr_frame(), fit_frame(), pr_frame(4), fit_frame(4)),
        "fig3_variants": lambda: gf.fig3_fit_variants(pr_frame(), variants_frame(), pr_frame(), variants_frame(),
                                                      default="T <= 0.8 (data)"),
        "fig4": lambda: gf.fig4_barrier_collapse(collapse_frame()),
        "fig5": lambda: gf.fig5_fluidity_distributions(dist, bins=20),
        "fig6": lambda: gf.fig6_accuracy_vs_C(pd.DataFrame(dict(
            q=[0.00033] * 4 + [0.001] * 4 + [0.005] * 4, C=[1e-3, 1e-2, 1e-1, 1] * 3,
            accuracy=[0.7, 0.75, 0.74, 0.6] * 3, accuracy_lo=[0.68, 0.73, 0.72, 0.58] * 3,
            accuracy_hi=[0.72, 0.77, 0.76, 0.62] * 3))),
        "fig7": lambda: gf.fig7_accuracy_vs_bias_fractions(acc_frame([0.00033, 0.001, 0.005], col="q")),
        "fig8": lambda: gf.fig8_control(acc_frame(["fluidity (both tails of p_hop)", "immobile vs random"],
                                                  col="classifier")),
        "fig9": lambda: gf.fig9_kramers_all(pr9, fits9, ncols=3),
        "fig9_variants": lambda: gf.fig9_kramers_all(pr9, var9, ncols=3, default="T <= 0.8 (data)"),
        "data_flow": lambda: gf.data_flow_diagram(),
        "thermo": lambda: sf.thermo_figure(thermo_rows(), target_temperature=0.45),
        "msd": lambda: sf.msd_figure(lag, 0.1 * lag),
        "rdf": lambda: sf.rdf_figure(r, {"AA": 1 + np.exp(-r), "AB": 1 + 0.5 * np.exp(-r), "BB": 1 - np.exp(-r)}),
        "mean_features": lambda: sf.mean_features_figure(r, {T: np.r_[1 + np.exp(-r) / T, np.exp(-r) / T]
                                                              for T in TEMPS18}),
        "phop_distribution": lambda: sf.phop_distribution_figure(
            {T: rng.lognormal(-4 + T, 1, 2000) for T in TEMPS18[::3]}, {"$p_l$": 0.02, "$p_c$": 0.2}),
        "phop_traces": lambda: sf.phop_traces_figure(rng.lognormal(-4, 1, (200, 3)), {"a": 0, "b": 2},
                                                     p_c=0.2, p_l=0.02),
        "van_hove": lambda: sf.van_hove_figure(van_hove_frame()),
        "temperature_overview": lambda: sf.temperature_overview_figure(
            {T: (r, 1 + np.exp(-r) / T) for T in TEMPS18}, {T: (lag, T * lag / (1 + lag ** 0.5)) for T in TEMPS18}),
        "relaxation": lambda: sf.relaxation_figure(pd.DataFrame(dict(lag=lag, msd=0.1 * lag, fs=np.exp(-lag / 50))),
                                                   tau_alpha=50.0),
        "arrhenius": lambda: sf.arrhenius_figure(summary, published=[("tau_alpha", 0.45, 40.0, "published")]),
    }


FIGURES = _figures()


# --------------------------------------------------------------------------- geometry

def _all_axes(fig):
    """Every visible axes of ``fig``, insets (``Axes.child_axes``) included."""
    out, todo = [], list(fig.axes)
    while todo:
        a = todo.pop(0)
        if a.get_visible():
            out.append(a)
            todo.extend(a.child_axes)
    return out


def _data_box(ax):
    """The data region of ``ax`` in display pixels: its axes box (the patch)."""
    return ax.patch.get_window_extent()


def _overlap(a, b, tol=TOL):
    """Area (pixels^2) of the intersection of two Bboxes, shrunk by ``tol`` on every side."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0) - 2 * tol
    h = min(a.y1, b.y1) - max(a.y0, b.y0) - 2 * tol
    return max(w, 0.0) * max(h, 0.0)


def _legends(fig):
    out = [a.get_legend() for a in _all_axes(fig) if a.get_legend() is not None]
    return out + list(fig.legends)


def _name(ax):
    return ax.get_title() or ax.get_ylabel() or ax.get_label() or repr(ax)


def layout_problems(fig):
    """Overlapping axes, legends on data regions and legends off the canvas, as text."""
    fig.canvas.draw()
    axes = _all_axes(fig)
    problems = []
    for i, a in enumerate(axes):
        for b in axes[i + 1:]:
            if _overlap(_data_box(a), _data_box(b)) > 0:
                problems.append(f"axes {_name(a)!r} overlaps axes {_name(b)!r}")
    canvas = fig.bbox
    for leg in _legends(fig):
        box = leg.get_window_extent()
        for a in axes:
            if _overlap(box, _data_box(a)) > 0:
                problems.append(f"legend {[t.get_text() for t in leg.get_texts()][:3]} covers axes {_name(a)!r}")
        if box.x0 < canvas.x0 - 1 or box.y0 < canvas.y0 - 1 or box.x1 > canvas.x1 + 1 or box.y1 > canvas.y1 + 1:
            problems.append(f"legend {[t.get_text() for t in leg.get_texts()][:3]} runs off the figure")
    return problems


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_axes_overlap_and_legends_outside_the_data(name):
    fig = FIGURES[name]()
    assert layout_problems(fig) == []


@pytest.mark.parametrize("name", ["fig1", "fig2", "fig4"])
def test_side_panel_is_its_own_axes_beside_the_main_one(name):
    fig = FIGURES[name]()
    assert all(not a.child_axes for a in fig.axes)              # no inset axes
    main, side = [a for a in fig.axes if a.get_visible()][:2]
    fig.canvas.draw()
    m, s = _data_box(main), _data_box(side)
    assert s.x0 >= m.x1                                          # beside, to the right
    assert s.width < m.width                                     # the main panel stays the larger


def test_side_panel_splits_a_given_ax():
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    out = gf.fig2_transfer(acc_frame([1.0, 2.0]), van_hove=van_hove_frame(), ax=right)
    assert out is fig and len(fig.axes) == 3
    assert layout_problems(fig) == []
    assert left.get_position().x1 <= right.get_position().x0


def test_given_ax_without_subplotspec_gets_a_side_panel_inside_its_box():
    fig = plt.figure(figsize=(8, 4))
    ax = fig.add_axes([0.1, 0.15, 0.8, 0.7])
    box = ax.get_position().frozen()
    gf.fig1_cv_accuracy(acc_frame([1.0]), inset=acc_frame([1.0]), ax=ax)
    fig.canvas.draw()
    main, side = fig.axes
    assert _overlap(_data_box(main), _data_box(side)) == 0
    assert main.get_position().x0 >= box.x0 - 1e-9 and side.get_position().x1 <= box.x1 + 1e-9


def _n_bands(ax):
    return sum(isinstance(c, PolyCollection) for c in ax.collections)


@pytest.mark.parametrize("name", ["fig1", "fig2", "fig7", "fig8"])
def test_dense_series_are_bands_not_error_bars(name):
    fig = FIGURES[name]()
    main = fig.axes[0]
    assert len(main.containers) == 0                              # no error bars ...
    n = len({line.get_label() for line in main.lines if not line.get_label().startswith("_")})
    assert n >= 2 and _n_bands(main) == n                         # ... one band per series, line on top
    band, line = main.collections[0], [ln for ln in main.lines if not ln.get_label().startswith("_")][0]
    assert line.get_zorder() > band.get_zorder()


def test_sparse_series_keep_error_bars():
    fig = gf.fig1_cv_accuracy(acc_frame([1.0, 1.2], shifts=SPARSE))
    assert len(fig.axes[0].containers) == 2 and _n_bands(fig.axes[0]) == 0
    fig = FIGURES["fig6"]()
    assert len(fig.axes[0].containers) == 3 and _n_bands(fig.axes[0]) == 0


def test_the_check_sees_an_inset_and_a_legend_on_the_data():
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([0, 1], [0, 1], label="a")
    ax.legend(loc="center")
    ax.inset_axes([0.6, 0.1, 0.3, 0.3])
    problems = layout_problems(fig)
    assert any("legend" in p for p in problems) and any("overlaps" in p for p in problems)
