"""Plotting functions, one per figure of the paper, plus Table I and a pipeline sketch.

Every function takes tidy data (pandas DataFrames with the documented columns, one
row per point), an optional matplotlib ``ax`` (or ``axes`` for multi-panel figures)
to draw into, and returns the :class:`matplotlib.figure.Figure`. Error bars are drawn
wherever an uncertainty column is present: ``<y>_lo`` and ``<y>_hi`` (interval bounds,
preferred) or ``<y>_err`` (symmetric).

Colours follow the paper: classifiers trained at T = 1.0 ... 2.0 run from dark blue
(coldest) to light red (hottest); the softness classifier (T = 0.45) is black.
"""

from __future__ import annotations

import numpy as np

#: Table I of Obadiya & Sussman (2023), transcribed as printed: rows of
#: (T, b, sigma_T, b_best, w_hat_S . w_hat_alpha). The paper writes
#: alpha = w . F - b, so its b and b_best enter with a minus sign (see :func:`table1`).
#: Note the printed repeats (sigma_T = 0.6286 at T = 1.8 and 2.0, b_best = -0.4644
#: at T = 1.2 and 1.4) are kept as printed.
PAPER_TABLE1 = (
    (0.45, 0.0096, 1.1188, 0.55710, 1.0000),
    (1.0, -0.0056, 0.7653, -0.2385, 0.8246),
    (1.2, -0.0171, 0.7028, -0.4644, 0.8071),
    (1.4, -0.0099, 0.6760, -0.4644, 0.6643),
    (1.8, -0.0262, 0.6286, -0.5774, 0.7104),
    (2.0, -0.0341, 0.6286, -0.6151, 0.7198),
)
TABLE1_COLUMNS = ("T", "b", "sigma_T", "b_best", "similarity")

#: Dark blue -> light red, the paper's colour ramp over training temperatures.
TRAINING_COLORS = ("#08306b", "#6a51a3", "#e7298a", "#fc9272")
SOFTNESS_T = 0.45


# ----------------------------------------------------------------------------- helpers

def training_cmap():
    """Colormap from dark blue (cold) to light red (hot) for training temperatures."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("glassbook_training", TRAINING_COLORS)


def temperature_color(T, T_min: float = 1.0, T_max: float = 2.0, softness_color="black"):
    """Colour of a training temperature; T below ``T_min`` (softness, 0.45) is black."""
    T = float(T)
    if T < T_min - 1e-9:
        return softness_color
    frac = 0.0 if T_max == T_min else (T - T_min) / (T_max - T_min)
    return training_cmap()(float(np.clip(frac, 0, 1)))


def _fig_ax(ax, figsize=(5.0, 3.8)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _fig_axes(axes, n, ncols=None, figsize_per=(4.2, 3.4), sharey=False):
    import matplotlib.pyplot as plt

    if axes is not None:
        axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if axes.size < n:
            raise ValueError(f"need {n} axes, got {axes.size}")
        return axes[0].figure, axes[:n]
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, ax = plt.subplots(nrows, ncols, figsize=(figsize_per[0] * ncols, figsize_per[1] * nrows),
                           layout="constrained", sharey=sharey, squeeze=False)
    flat = ax.ravel()
    for extra in flat[n:]:
        extra.set_visible(False)
    return fig, flat[:n]


def _require(df, cols, name):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing columns {missing}; has {list(df.columns)}")
    if len(df) == 0:
        raise ValueError(f"{name} is empty")


def _yerr(df, col):
    """Error bars for column ``col``: the interval ``col_lo``/``col_hi`` if present, else the
    symmetric ``col_err``; None if neither."""
    if f"{col}_lo" in df.columns and f"{col}_hi" in df.columns:
        y = df[col].to_numpy(float)
        return np.clip(np.vstack([y - df[f"{col}_lo"].to_numpy(float), df[f"{col}_hi"].to_numpy(float) - y]), 0, None)
    if f"{col}_err" in df.columns:
        return df[f"{col}_err"].to_numpy(float)
    return None


def _series(ax, df, x, y, color, label, marker="o", ls="-", ms=4, **kw):
    d = df.sort_values(x)
    err = _yerr(d, y)
    return ax.errorbar(d[x].to_numpy(float), d[y].to_numpy(float), yerr=err, color=color, label=label,
                       marker=marker, ls=ls, ms=ms, capsize=2 if err is not None else 0, lw=1.2, **kw)


def _tfmt(T) -> str:
    """Temperature as printed in the paper: 1.0, 1.2, 0.45 (at least one decimal)."""
    s = f"{float(T):g}"
    return s if ("." in s or "e" in s) else s + ".0"


def _t_label(T):
    return "S (T = 0.45)" if abs(float(T) - SOFTNESS_T) < 1e-9 else f"T = {_tfmt(T)}"


def _by_temperature(ax, df, x, y, label_fn=_t_label, **kw):
    temps = sorted(df["T"].unique())
    for T in temps:
        _series(ax, df[df["T"] == T], x, y, temperature_color(T), label_fn(T), **kw)
    return temps


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
        Columns ``bin``, ``Sigma``, ``Delta_E`` (from :func:`glasshelpers.kramers.fit_kramers_frame`);
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
        d = pr[(pr["bin"] == b) & (pr["P_R"] > 0)].sort_values("T")
        if "x_center" in pr.columns:
            label = f"x = {float(pr.loc[pr['bin'] == b, 'x_center'].iloc[0]):.2g}"
        else:
            label = f"bin {b}"
        u = 1.0 / d["T"].to_numpy(float)
        P = d["P_R"].to_numpy(float)
        err = d["P_R_err"].to_numpy(float) if "P_R_err" in d.columns else None
        if yscale == "ln":
            ax.errorbar(u, np.log(P), yerr=None if err is None else err / P, color=c, marker="o", ms=3.5,
                        ls="none", capsize=1.5 if err is not None else 0, label=label)
        else:
            ax.errorbar(u, P, yerr=err, color=c, marker="o", ms=3.5, ls="none",
                        capsize=1.5 if err is not None else 0, label=label)
        if fits is not None:
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
    if onset is not None and np.isfinite(onset):
        ax.axvline(1.0 / onset, color="0.4", lw=0.8, ls="--")
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
        ax.legend(fontsize=6, ncol=2, frameon=False)
    return fig


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


def fig9_kramers_all(pr, fits, axes=None, ncols: int = 3, onsets=None):
    """Fig. 9: P_R vs 1/T by x_alpha bin for every classifier, with Kramers fits.

    Parameters
    ----------
    pr : DataFrame
        Columns ``T_train`` (classifier's training temperature; 0.45 = softness)
        plus the columns of :func:`fig3_kramers`'s ``pr``.
    fits : DataFrame
        Columns ``T_train`` plus those of :func:`fig3_kramers`'s ``fits``. With a ``fit``
        column naming several variants (first = default) the main panels draw the
        default and a bottom row shows, per variant, the normalised residuals of all
        classifiers with that variant's pooled chi2/dof (needs ``P_R_err``, ``chi2``, ``dof``).
    axes : sequence of Axes, optional (one per classifier)
    ncols : int
    onsets : dict T_train -> T_onset, optional

    Returns
    -------
    Figure
    """
    _require(pr, ["T_train", "T", "bin", "P_R"], "pr")
    _require(fits, ["T_train", "bin", "Sigma", "Delta_E"], "fits")
    classifiers = sorted(pr["T_train"].unique())
    variants = list(dict.fromkeys(fits["fit"])) if "fit" in fits else [None]
    main = fits if variants == [None] else fits[fits["fit"] == variants[0]]
    if variants != [None] and axes is None:
        import matplotlib.pyplot as plt

        nc = max(min(ncols, len(classifiers)), len(variants))
        nr = -(-len(classifiers) // nc)
        fig = plt.figure(figsize=(4.2 * nc, 3.4 * nr + 2.8))
        gs = fig.add_gridspec(nr + 1, nc, height_ratios=[1] * nr + [0.8])
        axes = [fig.add_subplot(gs[i // nc, i % nc]) for i in range(len(classifiers))]
        res_axes = [fig.add_subplot(gs[nr, j]) for j in range(len(variants))]
    else:
        fig, axes = _fig_axes(axes, len(classifiers), ncols=min(ncols, len(classifiers)))
        res_axes = []
    for a, Ttr in zip(axes, classifiers):
        title = "softness S" if abs(Ttr - SOFTNESS_T) < 1e-9 else rf"$\mathcal{{F}}^{{{_tfmt(Ttr)}}}$"
        fig3_kramers(pr[pr["T_train"] == Ttr], main[main["T_train"] == Ttr], ax=a, title=title, yscale="log",
                     onset=None if onsets is None else onsets.get(Ttr), legend=a is axes[0])
    if res_axes:
        from .kramers import kramers_residuals

        for a, v in zip(res_axes, variants):
            f = fits[fits["fit"] == v]
            red, dof = _variant_chi2(f)
            _residual_panel(a, kramers_residuals(pr, f), title=f"all classifiers, fit {v}: chi2/dof = {red:.2f}")
        fig.tight_layout()
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


def fig3_fit_variants(pr_a, fits_a, pr_b, fits_b, titles=(r"$\mathcal{F}^{2.0}$", "S"), onsets=None):
    """Fig. 3 with the three fit ranges side by side and residual panels.

    Parameters
    ----------
    pr_a, pr_b : P_R tables of the two classifiers (as :func:`fig3_kramers`).
    fits_a, fits_b : their fits with a ``fit`` column naming the variant (first = the
        default, e.g. the data-driven range), and ``chi2``, ``dof``, ``T_max``.
    titles : names of the two classifiers.
    onsets : optional dict variant -> (onset_a, onset_b) to mark.

    Returns
    -------
    Figure with 4 rows (classifier a: fits, residuals; classifier b: fits, residuals) and
    one column per fit variant; each fit panel's title gives the variant and its pooled chi2/dof.
    """
    import matplotlib.pyplot as plt

    for f in (fits_a, fits_b):
        _require(f, ["fit", "bin", "Sigma", "Delta_E", "chi2", "dof"], "fits")
    variants = list(dict.fromkeys(fits_a["fit"]))
    fig, axes = plt.subplots(4, len(variants), figsize=(4.0 * len(variants), 10.5),
                             gridspec_kw={"height_ratios": [1, 0.45, 1, 0.45]}, squeeze=False)
    for r0, (pr, fits, name) in enumerate(((pr_a, fits_a, titles[0]), (pr_b, fits_b, titles[1]))):
        for j, v in enumerate(variants):
            f = fits[fits["fit"] == v]
            red, dof = _variant_chi2(f)
            on = None if onsets is None else onsets.get(v, (None, None))[r0]
            tag = " (default)" if j == 0 else ""
            fig3_kramers(pr, f, ax=axes[2 * r0, j], title=f"{name}: fit {v}{tag}\nchi2/dof = {red:.2f} ({dof} dof)",
                         onset=on, legend=j == 0)
            from .kramers import kramers_residuals
            _residual_panel(axes[2 * r0 + 1, j], kramers_residuals(pr, f))
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- Fig. 4

def fig4_barrier_collapse(fits, ax=None, inset_bounds=(0.58, 0.55, 0.38, 0.4)):
    """Fig. 4: Delta_E vs x_alpha for all classifiers; inset Sigma vs x_alpha.

    Parameters
    ----------
    fits : DataFrame
        Columns ``T_train`` (0.45 = softness), ``x`` (x_alpha bin coordinate),
        ``Delta_E``, ``Sigma``; optional ``Delta_E_lo/hi`` (interval, preferred) or
        ``Delta_E_err``, same for Sigma; optional ``fit`` (variant; the first one is drawn).
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    _require(fits, ["T_train", "x", "Delta_E", "Sigma"], "fits")
    if "fit" in fits and fits["fit"].nunique() > 1:
        fits = fits[fits["fit"] == fits["fit"].iloc[0]]      # the default (first) variant
    d = fits[np.isfinite(fits["Delta_E"])].rename(columns={"T_train": "T"})
    fig, ax = _fig_ax(ax)
    _by_temperature(ax, d, "x", "Delta_E", label_fn=lambda T: "S" if abs(T - SOFTNESS_T) < 1e-9
                    else rf"$\mathcal{{F}}^{{{_tfmt(T)}}}$")
    ax.set_xlabel(r"$x_\alpha$")
    ax.set_ylabel(r"$\Delta E$")
    ax.legend(fontsize=7, loc="lower left", frameon=False)
    ins = ax.inset_axes(list(inset_bounds))
    _by_temperature(ins, d, "x", "Sigma", ms=2)
    ins.set_xlabel(r"$x_\alpha$", fontsize=7)
    ins.set_ylabel(r"$\Sigma$", fontsize=7)
    ins.tick_params(labelsize=6)
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


# ----------------------------------------------------------------------------- Figs. 6-8

def _by_group(ax, df, group, x, y, label_fmt, colors=None):
    groups = sorted(df[group].unique(), key=lambda g: (str(type(g)), g))
    import matplotlib.pyplot as plt

    cyc = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, g in enumerate(groups):
        c = colors[i] if colors is not None else cyc[i % len(cyc)]
        _series(ax, df[df[group] == g], x, y, c, label_fmt(g))
    return groups


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


# ----------------------------------------------------------------------------- diagram

PIPELINE_STEPS = (
    ("MD trajectories", "Kob-Andersen 80:20, N particles\n18 temperatures, frames every 1 tau"),
    ("Structure features", "G_A, G_B radial functions\n100 per A particle (t - 2 tau)"),
    ("Dynamics labels", "p_hop(t); softness: p_hop > p_c vs quiet\nfluidity: extreme tails q"),
    ("Linear SVMs", "softness at T = 0.45\nfluidity at T = 1.0 ... 2.0"),
    ("Transfer to T = 0.47", "b_best, sigma_alpha,\nx_alpha = (w.F + b_best)/sigma"),
    ("Kramers fits", "P_R(x_alpha, T) -> Delta_E, Sigma\nonset temperature"),
)


def data_flow_diagram(ax=None):
    """Schematic of the pipeline for the book's landing page.

    Trajectories feed two branches (structure features and p_hop labels) that join
    in the SVM training, followed by transfer to the T = 0.47 test set and the
    Kramers analysis. Drawn with matplotlib patches; returns the Figure.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = _fig_ax(ax, figsize=(9.2, 3.6))
    ax.set_xlim(0, 9.1)
    ax.set_ylim(0, 4)
    ax.axis("off")
    w, h = 1.9, 1.2
    pos = {0: (0.15, 1.4), 1: (2.45, 2.55), 2: (2.45, 0.25), 3: (4.75, 1.4), 4: (7.0, 2.55), 5: (7.0, 0.25)}
    colors = ("#deebf7", "#e5f5e0", "#fee6ce", "#efedf5", "#fde0dd", "#f0f0f0")
    centers = {}
    for k, ((title, body), c) in enumerate(zip(PIPELINE_STEPS, colors)):
        x, y = pos[k]
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05,rounding_size=0.12",
                                    fc=c, ec="0.3", lw=1.0))
        ax.text(x + w / 2, y + h - 0.25, title, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x + w / 2, y + 0.42, body, ha="center", va="center", fontsize=6.5)
        centers[k] = (x, y)

    def arrow(a, b, from_side="right", to_side="left"):
        xa, ya = centers[a]
        xb, yb = centers[b]
        p = {"right": (xa + w, ya + h / 2), "bottom": (xa + w / 2, ya), "top": (xa + w / 2, ya + h)}[from_side]
        q = {"left": (xb, yb + h / 2), "top": (xb + w / 2, yb + h), "bottom": (xb + w / 2, yb)}[to_side]
        ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=12, lw=1.2, color="0.25",
                                     shrinkA=2, shrinkB=2))

    arrow(0, 1)
    arrow(0, 2)
    arrow(1, 3)
    arrow(2, 3)
    arrow(3, 4)
    arrow(4, 5, "bottom", "top")
    return fig


# ----------------------------------------------------------------------------- Table I

def paper_table1():
    """The paper's Table I as a DataFrame (columns T, b, sigma_T, b_best, similarity)."""
    import pandas as pd

    return pd.DataFrame(list(PAPER_TABLE1), columns=list(TABLE1_COLUMNS))


def table1(ours, convention: str = "paper"):
    """Our Table I beside the paper's.

    Parameters
    ----------
    ours : DataFrame or list of dicts
        Columns ``T``, ``b`` (trained bias), ``sigma_T`` (sigma_alpha at the training
        T), ``b_best`` (bias maximising T = 0.47 test accuracy), ``similarity``
        (w_hat_S . w_hat_alpha in the common scaling), all in this package's
        convention alpha = w_hat . F_std + b. Optional interval columns ``<col>_lo/_hi``
        (and ``_lo95/_hi95``) are carried along, sign-flipped with their column.
    convention : {"paper", "spec"}
        ``"paper"`` (default) reports our b and b_best with the sign flipped, i.e. in
        the paper's written convention alpha = w . F - b, so that the columns compare
        directly. The paper's own numbers look consistent with that convention if
        fluidity decreases on cooling (check with Fig. 5): its fluidity b_best are
        negative, and with alpha = w . F - b a negative b_best raises alpha, as
        needed to classify the colder (T = 0.47) structures. ``"spec"`` leaves our values as computed.

    Returns
    -------
    DataFrame with columns ``T, b, sigma_T, b_best, similarity`` (ours) and
    ``b_paper, sigma_T_paper, b_best_paper, similarity_paper`` (the paper's, NaN for
    temperatures the paper does not list, e.g. 1.6), sorted by T; ``attrs["convention"]``
    records the sign convention.
    """
    import pandas as pd

    if convention not in ("paper", "spec"):
        raise ValueError(f"convention must be 'paper' or 'spec', got {convention!r}")
    df = pd.DataFrame(ours).copy()
    missing = [c for c in TABLE1_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"ours is missing columns {missing}")
    extra = [f"{c}_{e}" for c in TABLE1_COLUMNS[1:] for e in ("lo", "hi", "lo95", "hi95") if f"{c}_{e}" in df.columns]
    df = df[list(TABLE1_COLUMNS) + extra].astype(float)
    if convention == "paper":
        for c in ("b", "b_best"):
            df[c] = -df[c]
            for lo, hi in (("lo", "hi"), ("lo95", "hi95")):
                if f"{c}_{lo}" in df and f"{c}_{hi}" in df:   # negation swaps the bounds
                    df[f"{c}_{lo}"], df[f"{c}_{hi}"] = -df[f"{c}_{hi}"], -df[f"{c}_{lo}"]
    paper = paper_table1().rename(columns={c: f"{c}_paper" for c in TABLE1_COLUMNS if c != "T"})
    df["_key"] = df["T"].round(6)
    paper["_key"] = paper["T"].round(6)
    out = df.merge(paper.drop(columns="T"), on="_key", how="outer")
    out["T"] = out["T"].fillna(out["_key"])
    out = out.drop(columns="_key").sort_values("T").reset_index(drop=True)
    out.attrs["convention"] = ("paper: alpha = w.F - b (our b, b_best negated)" if convention == "paper"
                               else "spec: alpha = w_hat.F_std + b (paper columns as printed)")
    return out


__all__ = [
    "PAPER_TABLE1", "training_cmap", "temperature_color",
    "fig1_cv_accuracy", "fig2_transfer", "fig3_kramers", "fig3_kramers_pair", "fig3_fit_variants", "fig4_barrier_collapse",
    "fig5_fluidity_distributions", "fig6_accuracy_vs_C", "fig7_accuracy_vs_bias_fractions",
    "fig8_control", "fig9_kramers_all", "data_flow_diagram", "paper_table1", "table1",
]
