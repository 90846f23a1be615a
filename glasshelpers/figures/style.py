"""Shared look of the paper's figures: colours, temperature labels, axes and series helpers.

Colours follow the paper: classifiers trained at T = 1.0 ... 2.0 run from dark blue
(coldest) to light red (hottest); the softness classifier (T = 0.45) is black. The
private helpers here (``_fig_ax``, ``_require``, ``_yerr``, ``_series``, ...) are shared
by every figure module of :mod:`glasshelpers.figures`.
"""

from __future__ import annotations

import numpy as np

#: Dark blue -> light red, the paper's colour ramp over training temperatures.
TRAINING_COLORS = ("#08306b", "#6a51a3", "#e7298a", "#fc9272")
SOFTNESS_T = 0.45


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


def _by_group(ax, df, group, x, y, label_fmt, colors=None):
    groups = sorted(df[group].unique(), key=lambda g: (str(type(g)), g))
    import matplotlib.pyplot as plt

    cyc = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, g in enumerate(groups):
        c = colors[i] if colors is not None else cyc[i % len(cyc)]
        _series(ax, df[df[group] == g], x, y, c, label_fmt(g))
    return groups
