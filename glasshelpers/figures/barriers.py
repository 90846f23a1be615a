"""Figures of the Kramers analysis: P_R vs 1/T with fits (Figs. 3 and 9), the fit
variants with their residual panels, and the barrier collapse (Fig. 4)."""

from __future__ import annotations

import numpy as np

from glasshelpers.figures.style import (SOFTNESS_T, _by_temperature, _fig_ax, _fig_axes, _main_and_side, _merged_handles, _require,
                    _tfmt, errorbars_or_band, legend_outside)


# ----------------------------------------------------------------------------- Fig. 3 / 9

def _bin_colors(n):
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("viridis")
    return [cmap(v) for v in (np.linspace(0.0, 0.95, n) if n > 1 else [0.5])]


def fig3_kramers(pr, fits=None, ax=None, title=None, yscale: str = "ln", onset=None, legend=True):
    """One panel of Fig. 3 (or 9): rearrangement probability vs 1/T per x bin, with fits.

    Parameters
    ----------
    pr : DataFrame
        Columns ``T``, ``bin`` (bin index or label), ``P_R``; optional ``P_R_err``
        (drawn as error bars on ln P_R, sigma / P) and ``x_center`` (for labels).
        P_R = 0 points are not drawn.
    fits : DataFrame, optional
        Columns ``bin``, ``Sigma``, ``Delta_E`` (from :func:`glasshelpers.core.barriers.kramers.fit_kramers_frame`);
        drawn as dotted lines ln P_R = Sigma - Delta_E / T - ln T over the data's 1/T range.
    ax : Axes, optional
    title : str, optional
    yscale : {"ln", "log"}
        ``"ln"``: plot ln P_R on a linear axis (Fig. 3); ``"log"``: plot P_R on a
        logarithmic axis (Fig. 9).
    onset : float, optional
        Onset temperature to mark with a vertical line at 1/T_onset.
    legend : bool

    Returns
    -------
    Figure
    """
    _require(pr, ["T", "bin", "P_R"], "pr")
    if yscale not in ("ln", "log"):
        raise ValueError(f"yscale must be 'ln' or 'log', got {yscale!r}")
    fig, ax = _fig_ax(ax)
    bins = list(pd_unique_sorted(pr["bin"]))
    colors = _bin_colors(len(bins))
    u_all = 1.0 / pr["T"].to_numpy(float)
    u_line = np.linspace(u_all.min(), u_all.max(), 100)
    for b, c in zip(bins, colors):
        _kramers_points(ax, pr, b, c, yscale)
        if fits is not None:
            _kramers_line(ax, fits, b, u_line, c, yscale)
    if onset is not None and np.isfinite(onset):
        ax.axvline(1.0 / onset, color="0.4", lw=0.8, ls="--")
    _kramers_axes(ax, pr, fits, yscale, title, legend)
    return fig


def _kramers_points(ax, pr, b, c, yscale):
    """Data of bin ``b`` (P_R > 0) as markers with error bars, ln P_R or P_R vs 1/T."""
    d = pr[(pr["bin"] == b) & (pr["P_R"] > 0)].sort_values("T")
    if "x_center" in pr.columns:
        label = f"x = {float(pr.loc[pr['bin'] == b, 'x_center'].iloc[0]):.2g}"
    else:
        label = f"bin {b}"
    u = 1.0 / d["T"].to_numpy(float)
    P = d["P_R"].to_numpy(float)
    err = d["P_R_err"].to_numpy(float) if "P_R_err" in d.columns else None
    if yscale == "ln":
        errorbars_or_band(ax, u, np.log(P), None if err is None else err / P, c, label, ms=3.5, ls="none",
                          capsize=1.5)
    else:
        errorbars_or_band(ax, u, P, err, c, label, ms=3.5, ls="none", capsize=1.5)


def _kramers_line(ax, fits, b, u_line, c, yscale):
    """Kramers fit of bin ``b``: solid over its fitted range, dotted beyond (all dotted
    without ``T_max``); nothing for a missing or non-finite fit."""
    _require(fits, ["bin", "Sigma", "Delta_E"], "fits")
    f = fits[fits["bin"] == b]
    if len(f) and np.isfinite(f["Delta_E"].iloc[0]):
        lnP = float(f["Sigma"].iloc[0]) - float(f["Delta_E"].iloc[0]) * u_line + np.log(u_line)
        yl = lnP if yscale == "ln" else np.exp(lnP)
        T_max = float(f["T_max"].iloc[0]) if "T_max" in f else np.nan
        if np.isfinite(T_max):
            # solid over the fitted range (T < T_max), dotted extrapolation beyond it
            inside = u_line >= 1.0 / T_max
            ax.plot(u_line[inside], yl[inside], color=c, ls="-", lw=1.2)
            ax.plot(u_line[~inside | (np.arange(u_line.size) == np.argmax(inside))],
                    yl[~inside | (np.arange(u_line.size) == np.argmax(inside))], color=c, ls=":", lw=1.0)
        else:
            ax.plot(u_line, yl, color=c, ls=":", lw=1.2)


def _kramers_axes(ax, pr, fits, yscale, title, legend):
    """Limits (data kept in view when fit lines are drawn), scale, labels, title, legend."""
    Pd = pr["P_R"].to_numpy(float)
    Pd = Pd[np.isfinite(Pd) & (Pd > 0)]
    if fits is not None and Pd.size:
        # keep the data in view: extrapolated lines may run far outside it
        if yscale == "ln":
            ax.set_ylim(np.log(Pd.min()) - 1.0, max(0.3, np.log(Pd.max()) + 0.5))
        else:
            ax.set_ylim(Pd.min() / 3, min(3.0, Pd.max() * 2))
    if yscale == "log":
        ax.set_yscale("log")
        ax.set_ylabel(r"$P_R$")
    else:
        ax.set_ylabel(r"$\ln P_R$")
    ax.set_xlabel(r"$1/T$")
    if title:
        ax.set_title(title, fontsize=9)
    if legend:
        _bin_legend(ax)


def _bin_legend(ax, handles=None, labels=None):
    """The key of the x bins, beside the axes (two columns beyond ten bins)."""
    n = len(handles) if handles is not None else len(ax.get_legend_handles_labels()[0])
    return legend_outside(ax, handles=handles, labels=labels, ncol=2 if n > 10 else 1, fontsize=7,
                          handletextpad=0.3, columnspacing=0.8)


def pd_unique_sorted(s):
    """Sorted unique values of a Series (helper, kept public for notebooks)."""
    return sorted(s.unique())


def fig3_kramers_pair(pr_fluidity, fits_fluidity, pr_softness, fits_softness, axes=None,
                      titles=(r"(a) $\mathcal{F}^{2.0}$", "(b) S"), onsets=(None, None)):
    """Fig. 3: two panels, (a) binned by F^2.0 and (b) by softness S.

    Arguments as in :func:`fig3_kramers` for each panel; ``axes`` two Axes.
    """
    fig, axes = _fig_axes(axes, 2)
    fig3_kramers(pr_fluidity, fits_fluidity, ax=axes[0], title=titles[0], onset=onsets[0])
    fig3_kramers(pr_softness, fits_softness, ax=axes[1], title=titles[1], onset=onsets[1])
    return fig


def fig9_kramers_all(pr, fits, axes=None, ncols: int = 3, onsets=None, default: str | None = None):
    """Fig. 9: P_R vs 1/T by x_alpha bin for every classifier, with Kramers fits.

    Parameters
    ----------
    pr : DataFrame
        Columns ``T_train`` (classifier's training temperature; 0.45 = softness)
        plus the columns of :func:`fig3_kramers`'s ``pr``.
    fits : DataFrame
        Columns ``T_train`` plus those of :func:`fig3_kramers`'s ``fits``. With a ``fit``
        column naming several variants the main panels draw ``default`` and a bottom row
        shows, per variant, the normalised residuals of all classifiers with that
        variant's pooled chi2/dof (needs ``P_R_err``, ``chi2``, ``dof``).
    axes : sequence of Axes, optional (one per classifier)
    ncols : int
    onsets : dict T_train -> T_onset, optional
    default : the ``fit`` label of the variant of the main panels (required with several).

    Returns
    -------
    Figure
    """
    _require(pr, ["T_train", "T", "bin", "P_R"], "pr")
    _require(fits, ["T_train", "bin", "Sigma", "Delta_E"], "fits")
    classifiers = sorted(pr["T_train"].unique())
    variants = list(dict.fromkeys(fits["fit"])) if "fit" in fits else [None]
    main = fits if variants == [None] else fits[fits["fit"] == _default_variant(variants, default)]
    own_figure = axes is None
    if variants != [None] and axes is None:
        import matplotlib.pyplot as plt

        nc = max(min(ncols, len(classifiers)), len(variants))
        nr = -(-len(classifiers) // nc)
        fig = plt.figure(figsize=(4.2 * nc + 1.0, 3.4 * nr + 2.8), layout="constrained")
        gs = fig.add_gridspec(nr + 1, nc, height_ratios=[1] * nr + [0.8])
        axes = [fig.add_subplot(gs[i // nc, i % nc]) for i in range(len(classifiers))]
        res_axes = [fig.add_subplot(gs[nr, j]) for j in range(len(variants))]
    else:
        fig, axes = _fig_axes(axes, len(classifiers), ncols=min(ncols, len(classifiers)))
        res_axes = []
    for a, Ttr in zip(axes, classifiers):
        title = "softness S" if abs(Ttr - SOFTNESS_T) < 1e-9 else rf"$\mathcal{{F}}^{{{_tfmt(Ttr)}}}$"
        fig3_kramers(pr[pr["T_train"] == Ttr], main[main["T_train"] == Ttr], ax=a, title=title, yscale="log",
                     onset=None if onsets is None else onsets.get(Ttr), legend=False)
    # the x_alpha bins are common to the classifiers: one key, in the figure's right margin
    # (beside the first panel when the caller supplied the axes)
    handles, labels = axes[0].get_legend_handles_labels()
    if own_figure:
        fig.legend(handles, labels, loc="outside right upper", fontsize=7, frameon=False,
                   title=r"$x_\alpha$ bin", title_fontsize=7, ncol=2 if len(handles) > 14 else 1)
    else:
        _bin_legend(axes[0])
    if res_axes:
        from glasshelpers.core.barriers.kramers import kramers_residuals

        for a, v in zip(res_axes, variants):
            f = fits[fits["fit"] == v]
            red, dof = _variant_chi2(f)
            _residual_panel(a, kramers_residuals(pr, f), title=f"all classifiers, fit {v}: chi2/dof = {red:.2f}")
    return fig


def _variant_chi2(fits):
    ok = fits["dof"] > 0
    chi2, dof = float(fits.loc[ok, "chi2"].sum()), int(fits.loc[ok, "dof"].sum())
    return chi2 / dof if dof else np.nan, dof


def _residual_panel(ax, res, title=None):
    """Normalised residuals (pulls) vs 1/T; open symbols outside the fit range."""
    bins = list(pd_unique_sorted(res["bin"])) if len(res) else []
    for b, c in zip(bins, _bin_colors(len(bins))):
        d = res[res["bin"] == b]
        inn = d["in_range"].to_numpy(bool)
        u = 1.0 / d["T"].to_numpy(float)
        ax.plot(u[inn], d["pull"].to_numpy(float)[inn], "o", color=c, ms=3)
        ax.plot(u[~inn], d["pull"].to_numpy(float)[~inn], "o", mfc="none", color=c, ms=3)
    for y in (-2, 0, 2):
        ax.axhline(y, color="0.6", lw=0.6, ls="-" if y == 0 else ":")
    ax.set_yscale("symlog", linthresh=3, linscale=1.5)
    top = max(3.0, float(np.nanmax(np.abs(res["pull"]))) if len(res) else 3.0)
    ticks = [t for t in (-1000, -100, -10, -2, 0, 2, 10, 100, 1000) if abs(t) <= 1.5 * top]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t:g}" for t in ticks], fontsize=7)
    ax.yaxis.set_minor_locator(__import__("matplotlib").ticker.NullLocator())
    ax.set_xlabel(r"$1/T$")
    ax.set_ylabel("(data - fit) / error", fontsize=7)
    if title:
        ax.set_title(title, fontsize=8)


def _default_variant(variants, default):
    """The default of several fit variants, which the caller names (a single one needs no name)."""
    if default is None and len(variants) == 1:
        return variants[0]
    if default not in variants:
        raise ValueError(f"name the default fit variant (default=...), one of {variants}; got {default!r}")
    return default


def fig3_fit_variants(pr_a, fits_a, pr_b, fits_b, titles=(r"$\mathcal{F}^{2.0}$", "S"), onsets=None,
                      default: str | None = None):
    """Fig. 3 with the three fit ranges side by side and residual panels.

    Parameters
    ----------
    pr_a, pr_b : P_R tables of the two classifiers (as :func:`fig3_kramers`).
    fits_a, fits_b : their fits with a ``fit`` column naming the variant, and ``chi2``,
        ``dof``, ``T_max``; one column of panels per variant, in order of appearance.
    titles : names of the two classifiers.
    onsets : optional dict variant -> (onset_a, onset_b) to mark.
    default : the ``fit`` label of the default variant, marked in its title (required
        with several variants).

    Returns
    -------
    Figure with 4 rows (classifier a: fits, residuals; classifier b: fits, residuals) and
    one column per fit variant; each fit panel's title gives the variant and its pooled chi2/dof.
    """
    import matplotlib.pyplot as plt

    for f in (fits_a, fits_b):
        _require(f, ["fit", "bin", "Sigma", "Delta_E", "chi2", "dof"], "fits")
    variants = list(dict.fromkeys(fits_a["fit"]))
    default = _default_variant(variants, default)
    fig, axes = plt.subplots(4, len(variants), figsize=(4.0 * len(variants) + 1.0, 10.5), layout="constrained",
                             gridspec_kw={"height_ratios": [1, 0.45, 1, 0.45]}, squeeze=False)
    for r0, (pr, fits, name) in enumerate(((pr_a, fits_a, titles[0]), (pr_b, fits_b, titles[1]))):
        for j, v in enumerate(variants):
            f = fits[fits["fit"] == v]
            red, dof = _variant_chi2(f)
            on = None if onsets is None else onsets.get(v, (None, None))[r0]
            tag = " (default)" if v == default else ""
            fig3_kramers(pr, f, ax=axes[2 * r0, j], title=f"{name}: fit {v}{tag}\nchi2/dof = {red:.2f} ({dof} dof)",
                         onset=on, legend=j == len(variants) - 1)
            from glasshelpers.core.barriers.kramers import kramers_residuals
            _residual_panel(axes[2 * r0 + 1, j], kramers_residuals(pr, f))
    return fig


# ----------------------------------------------------------------------------- Fig. 4

def fig4_barrier_collapse(fits, ax=None):
    """Fig. 4: Delta_E vs x_alpha for all classifiers, beside it Sigma vs x_alpha.

    Parameters
    ----------
    fits : DataFrame
        Columns ``T_train`` (0.45 = softness), ``x`` (x_alpha bin coordinate),
        ``Delta_E``, ``Sigma``; optional ``Delta_E_lo_chain/hi_chain`` (the whole-chain
        half-sampling interval, drawn when present), ``Delta_E_lo/hi`` or ``Delta_E_err``,
        same for Sigma; optional ``fit`` (one variant only).
    ax : Axes, optional
        The Delta_E panel; it is split in two, Delta_E panel and the Sigma panel to its
        right (the paper's inset, here in its own panel so that it hides no data; see
        ``style._main_and_side``).

    Returns
    -------
    Figure
        ``fig.axes[0]`` Delta_E, ``fig.axes[1]`` Sigma; one key for both, beside the Sigma panel.
    """
    _require(fits, ["T_train", "x", "Delta_E", "Sigma"], "fits")
    if "fit" in fits and fits["fit"].nunique() > 1:
        raise ValueError(f"fig4 draws one fit variant; got {sorted(fits['fit'].unique())}")
    d = fits[np.isfinite(fits["Delta_E"])].rename(columns={"T_train": "T"})
    for name in ("Delta_E", "Sigma"):          # the whole-chain interval where the stage computed it
        if f"{name}_lo_chain" in d and np.isfinite(d[f"{name}_lo_chain"]).any():
            d = d.assign(**{f"{name}_lo": d[f"{name}_lo_chain"], f"{name}_hi": d[f"{name}_hi_chain"]})
    fig, ax, side = _main_and_side(ax, True)

    def label(T):
        return "S" if abs(T - SOFTNESS_T) < 1e-9 else rf"$\mathcal{{F}}^{{{_tfmt(T)}}}$"

    _by_temperature(ax, d, "x", "Delta_E", label_fn=label)
    ax.set_xlabel(r"$x_\alpha$")
    ax.set_ylabel(r"$\Delta E$")
    _by_temperature(side, d, "x", "Sigma", label_fn=label, ms=2.5)
    side.set_xlabel(r"$x_\alpha$", fontsize=8)
    side.set_ylabel(r"$\Sigma$", fontsize=8)
    side.tick_params(labelsize=7)
    handles, labels = _merged_handles(ax, side)
    legend_outside(side, handles=handles, labels=labels, title="classifier", title_fontsize=7)
    return fig


# ----------------------------------------------------------------------------- onset vs fit range

def onset_vs_range(scan, chosen_T_up=None, ax=None, title=None, literature=None, T_max_plot: float = 3.0):
    """Onset temperature (smooth form, profile-likelihood 95 % interval) against the upper
    end T_up of the fit range, per classifier, for one measure.

    Parameters
    ----------
    scan : DataFrame with ``T_train, T_up, T_onset, T_low95, T_high95, passes`` (rows of
        :func:`glasshelpers.stages.s06_kramers.barrier_glm.scan_ranges` for one measure). Filled
        markers: ranges where no curvature is detected; open: ranges that fail.
    chosen_T_up : the default range, marked by a vertical line.
    ax : Axes, optional.
    literature : optional list of (value, label) drawn as horizontal lines (epsilon_AA).
    T_max_plot : upper limit of the y axis (unbounded intervals are drawn to it).

    Returns
    -------
    Figure
    """
    _require(scan, ["T_train", "T_up", "T_onset", "T_low95", "T_high95", "passes"], "scan")
    fig, ax = _fig_ax(ax)
    clfs = sorted(scan["T_train"].unique())
    offs = np.linspace(-0.006, 0.006, len(clfs)) if len(clfs) > 1 else [0.0]
    for Tt, dx in zip(clfs, offs):
        d = scan[scan["T_train"] == Tt].sort_values("T_up")
        d = d[np.isfinite(d["T_onset"].to_numpy(float))]
        color = "black" if np.isclose(Tt, SOFTNESS_T) else None
        y = np.clip(d["T_onset"].to_numpy(float), 0, T_max_plot)
        lo = np.clip(d["T_low95"].to_numpy(float), 0, T_max_plot)
        hi = np.clip(np.nan_to_num(d["T_high95"].to_numpy(float), nan=T_max_plot, posinf=T_max_plot), 0, T_max_plot)
        x = d["T_up"].to_numpy(float) + dx
        line = ax.errorbar(x, y, yerr=[np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)], fmt="-", lw=0.8,
                           capsize=2, color=color,
                           label="S" if np.isclose(Tt, SOFTNESS_T) else rf"$\mathcal{{F}}^{{{_tfmt(Tt)}}}$")
        c = line[0].get_color()
        ok = d["passes"].to_numpy(bool)
        ax.plot(x[ok], y[ok], "o", color=c, ms=4)
        ax.plot(x[~ok], y[~ok], "o", mfc="white", color=c, ms=4)
    if chosen_T_up is not None:
        ax.axvline(chosen_T_up, color="0.5", ls="--", lw=0.8)
    for value, label in literature or ():
        ax.axhline(value, color="0.6", ls=":", lw=0.8)
        ax.annotate(label, (ax.get_xlim()[1], value), fontsize=7, ha="right", va="bottom", color="0.4")
    ax.set_xlabel(r"upper end of the fit range $T_\mathrm{up}$")
    ax.set_ylabel(r"onset $T_\mathrm{onset}$ (95 %)")
    ax.set_ylim(0, T_max_plot)
    if title:
        ax.set_title(title, fontsize=9)
    legend_outside(ax)
    return fig


def onset_vs_range_measures(result, literature=None, axes=None):
    """:func:`onset_vs_range` for the occupancy P_R and the event rate r side by side, each
    with its default range marked.

    result : :class:`glasshelpers.stages.s06_kramers.barrier_glm.GLMResult`.
    literature : optional list of (value, label) of published onsets (epsilon_AA).
    axes : two Axes, optional.

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.8), sharey=True, layout="constrained")
    titles = {"occupancy": "occupancy: $P_R$", "rate": r"rate: $r$, onsets per $\tau$ at risk"}
    for ax, m in zip(axes, ("occupancy", "rate")):
        onset_vs_range(result.scan[result.scan["measure"] == m], result.range_of(m)["T_up"], ax=ax,
                       literature=literature, title=titles[m])
    return axes[0].figure
