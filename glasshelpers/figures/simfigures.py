"""Figures of the data stages (1-3): thermodynamics, pair structure, mean-squared
displacement, mean structure functions, p_hop distributions and traces.

Legends sit outside the data region (beside the axes, :func:`glasshelpers.figures.style.legend_outside`),
as in the paper's figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from glasshelpers.figures.style import _merged_handles, legend_outside


def thermo_figure(rows, target_temperature=None, axes=None):
    """Potential energy per particle and kinetic temperature against time.

    Parameters
    ----------
    rows : list of dict
        Thermodynamic log (``glasshelpers.core.md.trajectory.read_thermo``); time in tau, negative
        during equilibration, production from t = 0.
    target_temperature : float, optional
        Drawn as a dashed line.
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 4.8), sharex=True, constrained_layout=True)
    else:
        fig = axes[0].figure
    t = np.array([r["time"] for r in rows])
    pe = np.array([r["pe"] for r in rows])
    temp = np.array([r["temperature"] for r in rows])
    prod = np.array([r["phase"] == "production" for r in rows])
    for ax, y, label in ((axes[0], pe, r"$U/N$ [$\epsilon$]"), (axes[1], temp, r"$k_B T_\mathrm{kin}$ [$\epsilon$]")):
        ax.plot(t[~prod], y[~prod], color="0.6", lw=0.8, label="equilibration")
        ax.plot(t[prod], y[prod], color="C0", lw=0.8, label="production")
        ax.set_ylabel(label)
        ax.axvline(0, color="k", lw=0.5, ls=":")
    if target_temperature is not None:
        axes[1].axhline(target_temperature, color="C3", ls="--", lw=1, label="target")
    axes[1].set_xlabel(r"time [$\tau$]")
    handles, labels = _merged_handles(*axes)                 # the target line lives in the lower panel
    legend_outside(axes[0], handles=handles, labels=labels, fontsize="small")
    return fig


def rdf_figure(r, g, ax=None):
    """Partial pair correlation functions g_ab(r) (from ``structure.partial_rdf``)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.6), constrained_layout=True)
    else:
        fig = ax.figure
    for name, gr in g.items():
        ax.plot(r, gr, label=rf"$g_{{\mathrm{{{name}}}}}(r)$")
    ax.axhline(1, color="0.7", lw=0.5)
    ax.set_xlabel(r"$r$ [$\sigma_{AA}$]")
    ax.set_ylabel(r"$g(r)$")
    legend_outside(ax, fontsize="medium")
    return fig


def msd_figure(lags, msd, ax=None):
    """Mean-squared displacement of the A particles against lag, on log axes.

    Parameters
    ----------
    lags : array, tau
    msd : array (same length), sigma_AA^2
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
    else:
        fig = ax.figure
    ax.loglog(lags, msd, "o-")
    ax.set_xlabel(r"lag [$\tau$]")
    ax.set_ylabel(r"MSD of A [$\sigma_{AA}^2$]")
    return fig


def _tcolors(temps):
    cmap = plt.get_cmap("coolwarm")
    temps = sorted(temps)
    lo, hi = np.log(min(temps)), np.log(max(temps))
    return {T: cmap(0.0 if hi == lo else (np.log(T) - lo) / (hi - lo)) for T in temps}


def mean_features_figure(r, means: dict, axes=None):
    """Average radial structure functions G_A(r) and G_B(r) per temperature.

    Parameters
    ----------
    r : ndarray (50,), sigma_AA
    means : dict T -> ndarray (100,) ([G_A block, G_B block]), averaged over A targets
    axes : pair of Axes, optional
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True, sharey=False)
    else:
        fig = axes[0].figure
    colors = _tcolors(means)
    for T in sorted(means):
        m = np.asarray(means[T])
        axes[0].plot(r, m[: len(r)], color=colors[T], lw=1, label=f"{T:g}")
        axes[1].plot(r, m[len(r):], color=colors[T], lw=1)
    for ax, name in zip(axes, ("A", "B")):
        ax.set_xlabel(r"$r$ [$\sigma_{AA}$]")
        ax.set_ylabel(rf"$\langle G_{name}(r)\rangle$")
    # the colours are common to both panels: one key, beside the right one
    legend_outside(axes[-1], handles=axes[0].get_legend_handles_labels()[0], title="T", fontsize="x-small",
                   ncol=2 if len(means) > 9 else 1)
    return fig


def phop_distribution_figure(phop_by_T: dict, thresholds: dict | None = None, ax=None, bins=None):
    """Distribution of p_hop (A particles) per temperature on log axes, thresholds marked.

    Parameters
    ----------
    phop_by_T : dict T -> array of p_hop values (sigma_AA^2), NaN ignored
    thresholds : dict label -> value, drawn as vertical lines
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4), constrained_layout=True)
    else:
        fig = ax.figure
    bins = np.geomspace(1e-4, 1e2, 121) if bins is None else bins
    colors = _tcolors(phop_by_T)
    for T in sorted(phop_by_T):
        v = np.asarray(phop_by_T[T]).ravel()
        v = v[np.isfinite(v) & (v > 0)]
        h, e = np.histogram(v, bins=bins, density=True)
        c = 0.5 * (e[1:] + e[:-1])
        ax.loglog(c[h > 0], h[h > 0], color=colors[T], lw=1, label=f"{T:g}")
    for k, (label, value) in enumerate((thresholds or {}).items()):
        ax.axvline(value, color=f"C{k}", ls="--", lw=1)
        ax.text(value, 0.98, f" {label}", color=f"C{k}", rotation=90, va="top", transform=ax.get_xaxis_transform(),
                fontsize="small")
    ax.set_xlabel(r"$p_\mathrm{hop}$ [$\sigma_{AA}^2$]")
    ax.set_ylabel("probability density")
    legend_outside(ax, title="T", fontsize="x-small", ncol=2 if len(phop_by_T) > 9 else 1)
    return fig


def phop_traces_figure(phop, particles: dict, p_c=None, p_l=None, ax=None):
    """p_hop(t) of chosen particles (dict label -> column index) with the thresholds."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.4), constrained_layout=True)
    else:
        fig = ax.figure
    t = np.arange(len(phop))
    for label, i in particles.items():
        ax.semilogy(t, phop[:, i], lw=1, label=label)
    if p_c is not None:
        ax.axhline(p_c, color="C3", ls="--", lw=1, label=r"$p_c$")
    if p_l is not None:
        ax.axhline(p_l, color="C2", ls=":", lw=1, label=r"$p_l$")
    ax.set_xlabel(r"$t$ [$\tau$]")
    ax.set_ylabel(r"$p_\mathrm{hop}$ [$\sigma_{AA}^2$]")
    legend_outside(ax, fontsize="small")
    return fig


def van_hove_figure(df, ax=None):
    """Self part of the van Hove function of A particles per temperature (log y).

    df : DataFrame with columns T, r (sigma_AA), G_s (density of ``|dr|``, sigma_AA^-1).
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4), constrained_layout=True)
    else:
        fig = ax.figure
    colors = _tcolors(df["T"].unique())
    for T, g in df.groupby("T"):
        keep = g["G_s"] > 0
        ax.semilogy(g["r"][keep], g["G_s"][keep], color="k" if abs(T - 0.45) < 1e-9 else colors[T],
                    lw=1.4 if abs(T - 0.45) < 1e-9 else 0.9, label=f"{T:g}")
    ax.set_xlabel(r"$|\Delta r|$ over the lag [$\sigma_{AA}$]")
    ax.set_ylabel(r"$P(|\Delta r|)$ [$\sigma_{AA}^{-1}$]")
    legend_outside(ax, title="T", fontsize="x-small", ncol=2 if df["T"].nunique() > 9 else 1)
    return fig


def temperature_overview_figure(rdfs: dict, msds: dict, axes=None):
    """g_AA(r) and the A-particle mean-squared displacement of every temperature, overlaid.

    Parameters
    ----------
    rdfs : dict T -> (r, g_AA), r in sigma_AA
    msds : dict T -> (lag, msd), lag in tau, msd in sigma_AA^2
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    else:
        fig = axes[0].figure
    colors = _tcolors(set(rdfs) | set(msds))
    for T in sorted(rdfs):
        r, g = rdfs[T]
        axes[0].plot(r, g, color=colors[T], lw=1, label=f"{T:g}")
    for T in sorted(msds):
        lag, m = msds[T]
        axes[1].loglog(lag, m, color=colors[T], lw=1, marker=".", ms=3, label=f"{T:g}")
    axes[0].axhline(1, color="0.7", lw=0.5)
    axes[0].set_xlabel(r"$r$ [$\sigma_{AA}$]")
    axes[0].set_ylabel(r"$g_{AA}(r)$")
    axes[1].set_xlabel(r"lag [$\tau$]")
    axes[1].set_ylabel(r"MSD of A [$\sigma_{AA}^2$]")
    # one colour key for both panels, beside the MSD panel (beside g_AA without MSDs)
    legend_outside(axes[1] if msds else axes[0], title="T", fontsize="x-small",
                   ncol=2 if len(set(rdfs) | set(msds)) > 9 else 1)
    return fig


def relaxation_figure(curves, tau_alpha=None, axes=None):
    """The A-particle MSD and F_s(k, t) of one run against the lag, with tau_alpha marked.

    Parameters
    ----------
    curves : DataFrame with columns ``lag`` (tau), ``msd`` (sigma_AA^2), ``fs``
    tau_alpha : tau_alpha in tau (marked where finite)
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    else:
        fig = axes[0].figure
    lag = curves["lag"].to_numpy(float)
    axes[0].loglog(lag, curves["msd"], "o-", ms=3)
    axes[0].set_ylabel(r"MSD of A [$\sigma_{AA}^2$]")
    axes[1].semilogx(lag, curves["fs"], "o-", ms=3)
    axes[1].axhline(np.exp(-1), color="0.6", lw=0.8, ls="--")
    axes[1].set_ylabel(r"$F_s^A(k = 7.25, t)$")
    if tau_alpha is not None and np.isfinite(tau_alpha):
        for ax in axes:
            ax.axvline(tau_alpha, color="C3", lw=0.8)
        axes[1].annotate(rf"$\tau_\alpha = {tau_alpha:.3g}$", (tau_alpha, np.exp(-1)), xytext=(4, 4),
                         textcoords="offset points", color="C3", fontsize=8)
    for ax in axes:
        ax.set_xlabel(r"lag [$\tau$]")
    return fig


def arrhenius_figure(summary, published=(), axes=None):
    """tau_alpha(T) and D_A(T) of every temperature on Arrhenius axes (against 1/T), with
    68 % block-bootstrap intervals and published values beside them.

    Parameters
    ----------
    summary : DataFrame with ``T``, ``tau_alpha``, ``tau_alpha_lo/hi``, ``D_A``, ``D_A_lo/hi``
        and optionally ``equilibrium`` (runs not equilibrated are drawn open)
    published : iterable of (quantity, T, value, label), quantity ``"tau_alpha"`` or ``"D_A"``
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), constrained_layout=True)
    else:
        fig = axes[0].figure
    s = summary.sort_values("T")
    eq = s["equilibrium"].eq("equilibrated") if "equilibrium" in s else np.ones(len(s), bool)
    for ax, q, unit in ((axes[0], "tau_alpha", r"$\tau_\alpha$ [$\tau$]"), (axes[1], "D_A", r"$D_A$ [$\sigma_{AA}^2/\tau$]")):
        for mask, face, name in ((eq, "C0", "ours, equilibrated"), (~eq, "white", "ours, not shown equilibrated")):
            d = s[mask & np.isfinite(s[q])]
            if len(d):
                err = np.vstack([d[q] - d[f"{q}_lo"], d[f"{q}_hi"] - d[q]]).clip(min=0)
                ax.errorbar(1 / d["T"], d[q], yerr=err, fmt="o", mfc=face, mec="C0", ecolor="C0", ms=5,
                            label=name)
        for qq, T, v, label in published:
            if qq == q:
                ax.plot(1 / T, v, "s", color="C3", ms=7, mfc="none", label=label)
        ax.set_yscale("log")
        ax.set_xlabel(r"$1/T$")
        ax.set_ylabel(unit)
    handles, labels = axes[0].get_legend_handles_labels()
    h1, l1 = axes[1].get_legend_handles_labels()
    by = dict(zip(labels + l1, handles + h1))
    fig.legend(by.values(), by.keys(), loc="outside lower center", ncol=3, fontsize="small", frameon=False)
    return fig


def shelf_relaxation_figure(curves: dict, published: dict, axes=None):
    """MSD_A(t) and F_s^A(7.25, t) of the shelf's states against published curves.

    Parameters
    ----------
    curves : dict T -> (lags in tau, msd_A (K, n) in sigma_AA^2, fs_A (K, n)), one row per state
    published : dict T -> :class:`glasshelpers.reference.curves.RelaxationCurve`
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Thin lines: each state; thick: their mean; dashed black: the published curve.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    else:
        fig = axes[0].figure
    colors = _tcolors(set(curves))
    for T in sorted(curves):
        lags, msd, fs = curves[T]
        for ax, y in ((axes[0], msd), (axes[1], fs)):
            for row in np.atleast_2d(y):
                ax.plot(lags, row, color=colors[T], lw=0.5, alpha=0.5)
            ax.plot(lags, np.nanmean(np.atleast_2d(y), axis=0), color=colors[T], lw=1.8, label=f"{T:g}")
        ref = published.get(T)
        if ref is not None:
            keep = ref.time <= 4 * lags[-1]
            axes[0].plot(ref.time[keep], ref.msd_A[keep], "k--", lw=1)
            if ref.fs_A is not None:
                axes[1].plot(ref.time[keep], ref.fs_A[keep], "k--", lw=1)
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[1].set_xscale("log")
    axes[1].axhline(np.exp(-1), color="0.7", lw=0.5)
    axes[0].set_xlabel(r"$t$ [$\tau$]")
    axes[0].set_ylabel(r"MSD of A [$\sigma_{AA}^2$]")
    axes[1].set_xlabel(r"$t$ [$\tau$]")
    axes[1].set_ylabel(r"$F_s^A(k = 7.25, t)$")
    axes[1].plot([], [], "k--", lw=1, label="published")
    legend_outside(axes[1], title="T", fontsize="x-small")
    return fig
