"""Shared look of the paper's figures: colours, temperature labels, axes and series helpers.

Colours follow the paper: classifiers trained at T = 1.0 ... 2.0 run from dark blue
(coldest) to light red (hottest); the softness classifier (T = 0.45) is black. The
private helpers here (``_fig_ax``, ``_require``, ``_yerr``, ``_series``, ...) are shared
by every figure module of :mod:`glasshelpers.figures`.

Layout rules every figure follows (checked geometrically by ``tests/test_figure_layout.py``):

* a series' uncertainty is drawn by :func:`errorbars_or_band`: error bars for up to
  :data:`DENSE_POINTS` points, a shaded band under the line for more (121 bias shifts of
  error bars make a solid block);
* legends go outside the data region (:func:`legend_outside`, or a figure legend in the
  constrained layout's margin);
* a secondary plot (the paper's insets) gets its own panel beside the main one
  (``_main_and_side``), never an inset on top of the data.
"""

from __future__ import annotations

import numpy as np

#: Dark blue -> light red, the paper's colour ramp over training temperatures.
TRAINING_COLORS = ("#08306b", "#6a51a3", "#e7298a", "#fc9272")
SOFTNESS_T = 0.45
#: A series with more points than this draws its interval as a shaded band, not error bars.
DENSE_POINTS = 30


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


def errorbars_or_band(ax, x, y, yerr, color, label=None, marker="o", ls="-", ms=4, lw=1.2, capsize=2,
                      dense: bool | None = None, **kw):
    """Draw one series with its uncertainty, by the figures' one rule.

    Up to :data:`DENSE_POINTS` points: markers with error bars (an ``ErrorbarContainer``
    is returned). More points (or ``dense=True``): the interval is a shaded band
    (``fill_between``, alpha 0.22) with the line drawn on top, markers only for a
    series without a line (``ls="none"``, drawn smaller); the ``Line2D`` is returned.
    ``yerr`` is None, an array (symmetric) or a (2, n) array (below, above), as for
    :meth:`~matplotlib.axes.Axes.errorbar`.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    dense = x.size > DENSE_POINTS if dense is None else dense
    if not dense:
        return ax.errorbar(x, y, yerr=yerr, color=color, label=label, marker=marker, ls=ls, ms=ms,
                           capsize=capsize if yerr is not None else 0, lw=lw, **kw)
    if yerr is not None:
        e = np.asarray(yerr, float)
        lo, hi = (y - e, y + e) if e.ndim == 1 else (y - e[0], y + e[1])
        ax.fill_between(x, lo, hi, color=color, alpha=0.22, lw=0, zorder=1.5)
    line_only = ls not in ("none", "", " ", "None")
    (line,) = ax.plot(x, y, color=color, label=label, ls=ls, lw=lw, marker=None if line_only else marker,
                      ms=0.6 * ms, zorder=2.5, **kw)
    return line


def _series(ax, df, x, y, color, label, marker="o", ls="-", ms=4, **kw):
    d = df.sort_values(x)
    return errorbars_or_band(ax, d[x].to_numpy(float), d[y].to_numpy(float), _yerr(d, y), color, label,
                             marker=marker, ls=ls, ms=ms, **kw)


def legend_outside(ax, where: str = "right", handles=None, labels=None, **kw):
    """A legend of ``ax`` outside its data region: ``"right"`` (top-aligned beside the
    axes) or ``"top"`` (above it, entries side by side). Constrained layout makes room.

    ``handles``/``labels`` as for :meth:`~matplotlib.axes.Axes.legend` (default: those of
    ``ax``); other keywords go to it (``fontsize`` 7 and no frame unless given).
    Returns the Legend, or None when there is nothing to list.
    """
    if handles is None:
        handles, auto = ax.get_legend_handles_labels()
        labels = auto if labels is None else labels
    elif labels is None:
        labels = [h.get_label() for h in handles]
    if not handles:
        return None
    kw.setdefault("fontsize", 7)
    kw.setdefault("frameon", False)
    if where == "right":
        kw.update(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    elif where == "top":
        kw.setdefault("ncol", min(len(handles), 3))
        kw.update(loc="lower left", bbox_to_anchor=(0.0, 1.02), borderaxespad=0.0)
    else:
        raise ValueError(f"where must be 'right' or 'top', got {where!r}")
    return ax.legend(handles, labels, **kw)


def _merged_handles(*axes):
    """Legend handles and labels of several axes, each label once (first axes first)."""
    seen = {}
    for a in axes:
        for h, lab in zip(*a.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    return list(seen.values()), list(seen.keys())


def _main_and_side(ax, side: bool, figsize=(5.0, 3.8), side_figsize=(8.6, 3.6), ratio=(1.7, 1.0)):
    """The main axes and, if ``side``, a panel to its right (for what the paper shows as an
    inset): ``(fig, main, side_ax)``, ``side_ax`` None without one.

    ``ax`` None: a new constrained-layout figure, ``side_figsize`` with the side panel.
    A given ``ax`` is split in place: an axes of a grid (subplot) gives up the right part of
    its cell (``subgridspec``, widths ``ratio``); a free-standing axes (``fig.add_axes``)
    is shrunk inside its own box, with a gap for the side panel's tick labels.
    """
    import matplotlib.pyplot as plt

    if not side:
        fig, ax = _fig_ax(ax, figsize=figsize)
        return fig, ax, None
    if ax is None:
        fig = plt.figure(figsize=side_figsize, layout="constrained")
        gs = fig.add_gridspec(1, 2, width_ratios=ratio)
        return fig, fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    fig = ax.figure
    spec = ax.get_subplotspec()
    if spec is not None:
        cells = spec.subgridspec(1, 2, width_ratios=ratio)
        ax.set_subplotspec(cells[0])
        return fig, ax, fig.add_subplot(cells[1])
    x0, y0, w, h = ax.get_position().bounds
    gap = 0.14 * w
    w_main = (w - gap) * ratio[0] / sum(ratio)
    ax.set_position([x0, y0, w_main, h])
    return fig, ax, fig.add_axes([x0 + w_main + gap, y0, w - w_main - gap, h])


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


def _by_group(ax, df, group, x, y, label_fmt, colors=None):
    groups = sorted(df[group].unique(), key=lambda g: (str(type(g)), g))
    import matplotlib.pyplot as plt

    cyc = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, g in enumerate(groups):
        c = colors[i] if colors is not None else cyc[i % len(cyc)]
        _series(ax, df[df[group] == g], x, y, c, label_fmt(g))
    return groups
