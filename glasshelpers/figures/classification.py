"""Figures of the classification results: Figs. 1, 2 (transfer), 5 (fluidity
distributions) and the appendix's Figs. 6-8 (penalty C, tail fraction, control)."""

from __future__ import annotations

import numpy as np

from glasshelpers.figures.style import (SOFTNESS_T, _by_group, _by_temperature, _fig_ax, _fig_axes, _main_and_side, _merged_handles,
                    _require, _tfmt, legend_outside, training_cmap)


# ----------------------------------------------------------------------------- Fig. 1

def fig1_cv_accuracy(cv, inset=None, ax=None):
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
        The paper's inset; drawn here in its own panel to the right of the main one,
        so that it hides none of the curves.
    ax : Axes, optional
        The main panel; with ``inset`` it is split in two, main panel and side panel
        (see ``style._main_and_side``).

    Returns
    -------
    Figure
        ``fig.axes[0]`` the main panel, ``fig.axes[1]`` the side panel (with ``inset``).
        One colour key for both panels, to the right of the last.
    """
    _require(cv, ["T", "shift", "accuracy"], "cv")
    if inset is not None:
        _require(inset, ["T", "shift", "accuracy"], "inset")
    fig, ax, side = _main_and_side(ax, inset is not None)
    _by_temperature(ax, cv, "shift", "accuracy")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(r"bias shift $\Delta b$")
    ax.set_ylabel("five-fold CV accuracy")
    if side is not None:
        _by_temperature(side, inset, "shift", "accuracy", ms=2.5)
        side.axhline(0.5, color="0.6", lw=0.8, ls=":")
        side.set_xlabel(r"bias shift $\Delta b$ (softness classifier)", fontsize=8)
        side.set_ylabel("accuracy on the extreme-event set", fontsize=8)
        side.tick_params(labelsize=7)
    handles, labels = _merged_handles(*[a for a in (ax, side) if a is not None])
    legend_outside(side if side is not None else ax, handles=handles, labels=labels)
    return fig


# ----------------------------------------------------------------------------- Fig. 2

def fig2_transfer(transfer, van_hove=None, ax=None):
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
        chooses); the paper's inset, drawn in its own panel to the right of the main
        one with a log y axis and its own key, T = 0.45 in black.
    ax : Axes, optional
        The main panel; with ``van_hove`` it is split in two, main panel and side panel
        (see ``style._main_and_side``).

    Returns
    -------
    Figure
        ``fig.axes[0]`` the main panel, ``fig.axes[1]`` the van Hove panel.
    """
    _require(transfer, ["T", "shift", "accuracy"], "transfer")
    if van_hove is not None:
        _require(van_hove, ["T", "r", "G_s"], "van_hove")
    fig, ax, side = _main_and_side(ax, van_hove is not None)
    _by_temperature(ax, transfer, "shift", "accuracy")
    ax.axvline(0.0, color="0.6", lw=0.8, ls=":")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(r"$b - b^{\mathrm{best}}$")
    ax.set_ylabel("test accuracy at T = 0.47")
    legend_outside(ax, title="trained at", title_fontsize=7)
    if side is not None:
        _van_hove_panel(side, van_hove)
    return fig


def _van_hove_panel(ax, van_hove):
    """G_s(r, 10 tau) per temperature on a log axis, T = 0.45 in black dots drawn last."""
    temps = sorted(van_hove["T"].unique())
    lo, hi = min(temps), max(temps)
    cmap = training_cmap()
    for T in sorted(temps, key=lambda t: abs(t - SOFTNESS_T) < 1e-9):  # T = 0.45 drawn last, on top
        d = van_hove[(van_hove["T"] == T) & (van_hove["G_s"] > 0)].sort_values("r")
        if abs(T - SOFTNESS_T) < 1e-9:
            ax.plot(d["r"], d["G_s"], color="black", ls="none", marker=".", ms=2.5, label=f"T = {_tfmt(T)}")
        else:
            ax.plot(d["r"], d["G_s"], color=cmap((T - lo) / (hi - lo) if hi > lo else 0), lw=0.8,
                    label=f"T = {_tfmt(T)}")
    ax.set_yscale("log")
    ax.set_xlabel(r"$r$ [$\sigma_{AA}$]", fontsize=8)
    ax.set_ylabel(r"$G_s(r, 10\tau)$", fontsize=8)
    ax.tick_params(labelsize=7)
    handles, labels = ax.get_legend_handles_labels()
    order = np.argsort([float(lab.split("=")[1]) for lab in labels])
    legend_outside(ax, handles=[handles[i] for i in order], labels=[labels[i] for i in order],
                   title=r"$G_s$ at", title_fontsize=7, markerscale=2)


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
    legend_outside(ax)
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
    legend_outside(ax)
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
    legend_outside(ax, "top", ncol=1)
    return fig
