"""Figures of the classification results: Figs. 1, 2 (transfer), 5 (fluidity
distributions) and the appendix's Figs. 6-8 (penalty C, tail fraction, control)."""

from __future__ import annotations

import numpy as np

from .style import SOFTNESS_T, _by_group, _by_temperature, _fig_ax, _fig_axes, _require, _tfmt, training_cmap


# ----------------------------------------------------------------------------- Fig. 1

def fig1_cv_accuracy(cv, inset=None, ax=None, inset_bounds=(0.6, 0.1, 0.37, 0.37)):
    """Fig. 1: cross-validated accuracy vs bias shift of the fluidity classifiers.

    Parameters
    ----------
    cv : DataFrame
        Columns ``T`` (training temperature), ``shift`` (bias shift db),
        ``accuracy`` (five-fold CV mean) and optionally ``accuracy_err`` (e.g. SEM
        over folds) or ``accuracy_lo``/``accuracy_hi``.
    inset : DataFrame, optional
        Same columns: the softness classifier applied to each temperature's
        extreme-event set (``T`` is the temperature of that set), accuracy vs db.
    ax : Axes, optional
    inset_bounds : (x0, y0, w, h) in axes fraction.

    Returns
    -------
    Figure
    """
    _require(cv, ["T", "shift", "accuracy"], "cv")
    fig, ax = _fig_ax(ax)
    _by_temperature(ax, cv, "shift", "accuracy")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(r"bias shift $\Delta b$")
    ax.set_ylabel("five-fold CV accuracy")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    if inset is not None:
        _require(inset, ["T", "shift", "accuracy"], "inset")
        ins = ax.inset_axes(list(inset_bounds))
        _by_temperature(ins, inset, "shift", "accuracy", ms=2)
        ins.set_xlabel(r"$\Delta b$ (softness)", fontsize=7)
        ins.set_ylabel("accuracy", fontsize=7)
        ins.tick_params(labelsize=6)
    return fig


# ----------------------------------------------------------------------------- Fig. 2

def fig2_transfer(transfer, van_hove=None, ax=None, inset_bounds=(0.62, 0.1, 0.35, 0.4)):
    """Fig. 2: transfer accuracy on the T = 0.47 test set vs bias relative to its optimum.

    Parameters
    ----------
    transfer : DataFrame
        Columns ``T`` (training temperature), ``shift`` (bias minus the optimal bias
        b_best of that classifier), ``accuracy``; optional ``accuracy_err`` or
        ``accuracy_lo``/``accuracy_hi`` (bootstrap over test samples).
    van_hove : DataFrame, optional
        Columns ``T``, ``r`` (displacement, sigma_AA), ``G_s`` (self part of the van
        Hove function of A particles at dt = 10 tau, normalised as the caller
        chooses); drawn as an inset with a log y axis, T = 0.45 in black.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _require(transfer, ["T", "shift", "accuracy"], "transfer")
    fig, ax = _fig_ax(ax)
    _by_temperature(ax, transfer, "shift", "accuracy")
    ax.axvline(0.0, color="0.6", lw=0.8, ls=":")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(r"$b - b^{\mathrm{best}}$")
    ax.set_ylabel("test accuracy at T = 0.47")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    if van_hove is not None:
        _require(van_hove, ["T", "r", "G_s"], "van_hove")
        ins = ax.inset_axes(list(inset_bounds))
        temps = sorted(van_hove["T"].unique())
        lo, hi = min(temps), max(temps)
        import matplotlib.pyplot as plt

        cmap = training_cmap()
        for T in sorted(temps, key=lambda t: abs(t - SOFTNESS_T) < 1e-9):  # T = 0.45 drawn last, on top
            d = van_hove[(van_hove["T"] == T) & (van_hove["G_s"] > 0)].sort_values("r")
            if abs(T - SOFTNESS_T) < 1e-9:
                ins.plot(d["r"], d["G_s"], color="black", ls="none", marker=".", ms=2.5)
            else:
                ins.plot(d["r"], d["G_s"], color=cmap((T - lo) / (hi - lo) if hi > lo else 0), lw=0.8)
        ins.set_yscale("log")
        ins.set_xlabel(r"$r$", fontsize=7)
        ins.set_ylabel(r"$G_s(r, 10\tau)$", fontsize=7)
        ins.tick_params(labelsize=6)
        plt.setp(ins.get_xticklabels(), fontsize=6)
    return fig


# ----------------------------------------------------------------------------- Fig. 5

def fig5_fluidity_distributions(dist, axes=None, bins=60):
    """Fig. 5: distribution of fluidity at each test temperature, per training T.

    Parameters
    ----------
    dist : DataFrame
        Either samples, columns ``T_train``, ``T`` (test temperature), ``alpha``
        (fluidity values), histogrammed here with ``bins``; or histograms, columns
        ``T_train``, ``T``, ``x``, ``density``.
    axes : sequence of Axes, optional (one per training temperature, e.g. 1.2 and 2.0)
    bins : int, for sample input.

    Returns
    -------
    Figure
    """
    _require(dist, ["T_train", "T"], "dist")
    if not ({"alpha"} <= set(dist.columns) or {"x", "density"} <= set(dist.columns)):
        raise ValueError("dist needs either an 'alpha' column or 'x' and 'density' columns")
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    trains = sorted(dist["T_train"].unique())
    fig, axes = _fig_axes(axes, len(trains))
    tests = sorted(dist["T"].unique())
    norm = Normalize(min(tests), max(tests))
    cmap = plt.get_cmap("coolwarm")
    for a, Ttr, letter in zip(axes, trains, "abcdefgh"):
        for T in tests:
            d = dist[(dist["T_train"] == Ttr) & (dist["T"] == T)]
            if not len(d):
                continue
            if "alpha" in d.columns:
                h, e = np.histogram(d["alpha"].to_numpy(float), bins=bins, density=True)
                x = 0.5 * (e[1:] + e[:-1])
            else:
                d = d.sort_values("x")
                x, h = d["x"].to_numpy(float), d["density"].to_numpy(float)
            a.plot(x, h, color=cmap(norm(T)), lw=1.0)
        a.set_xlabel(rf"$\mathcal{{F}}^{{{_tfmt(Ttr)}}}$")
        a.set_ylabel("probability density")
        a.set_title(f"({letter}) trained at T = {_tfmt(Ttr)}", fontsize=9)
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), label="test temperature T")
    return fig


def fig6_accuracy_vs_C(df, ax=None):
    """Fig. 6: accuracy vs misclassification penalty C at T = 1.2 for three tail fractions.

    Parameters
    ----------
    df : DataFrame
        Columns ``q`` (tail fraction, e.g. 0.00033), ``C``, ``accuracy``; optional
        ``accuracy_err`` or ``accuracy_lo``/``accuracy_hi``.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _require(df, ["q", "C", "accuracy"], "df")
    fig, ax = _fig_ax(ax)
    _by_group(ax, df, "q", "C", "accuracy", lambda q: f"q = {100 * q:.3g} %")
    ax.set_xscale("log")
    ax.set_xlabel("C")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=7, frameon=False)
    return fig


def fig7_accuracy_vs_bias_fractions(df, ax=None):
    """Fig. 7: accuracy vs bias shift at C = 0.01, T = 1.2, for three tail fractions.

    Parameters
    ----------
    df : DataFrame
        Columns ``q``, ``shift``, ``accuracy``; optional error columns.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _require(df, ["q", "shift", "accuracy"], "df")
    fig, ax = _fig_ax(ax)
    _by_group(ax, df, "q", "shift", "accuracy", lambda q: f"q = {100 * q:.3g} %")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(r"bias shift $\Delta b$")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=7, frameon=False)
    return fig


def fig8_control(df, ax=None):
    """Fig. 8: "immobile vs random" control vs the fluidity classifier (trained at T = 1.2).

    Parameters
    ----------
    df : DataFrame
        Columns ``classifier`` (label, e.g. ``"immobile vs random"`` and
        ``"fluidity"``), ``shift`` (bias shift on the T = 0.47 test set),
        ``accuracy``; optional error columns.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _require(df, ["classifier", "shift", "accuracy"], "df")
    fig, ax = _fig_ax(ax)
    _by_group(ax, df, "classifier", "shift", "accuracy", str)
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(r"bias shift $\Delta b$")
    ax.set_ylabel("test accuracy at T = 0.47")
    ax.legend(fontsize=7, frameon=False)
    return fig
