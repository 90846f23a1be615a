"""Onset temperatures from likelihood fits of the Kramers counts, with profile intervals.

Two definitions of where the Kramers lines of one classifier meet (:mod:`glasshelpers.core.barriers.glm`
has the models and the solver):

* **smooth form**: Sigma and Delta_E linear in x, ln(T P) = (s0 + s1 x) - (e0 + e1 x) u.
  Every line meets every other at u* = s1 / e1, so T_onset = e1 / s1. Written as
  ln(T P) = s0 - e0 u + e1 x (u* - u), the model is linear in (s0, e0, e1) at fixed u*:
  the profile log-likelihood of u* is a scan of GLM fits.
* **common point**: per-bin barriers, all lines through one point,
  ln(T P) = a + Delta_E_j (u* - u). Its likelihood ratio against free per-bin lines tests
  whether the lines meet at all.

The interval of u* is {u*: 2 (ll_max - ll(u*)) <= chi2_1 quantile} on the effective counts
(design effect from the block bootstrap); it contains the estimate by construction. In T it
is [1/u_hi, 1/u_lo] (T_high = inf where the interval reaches u <= 0; NaN bounds where the
profile stays inside the level on the scanned grid, u in (0, ``U_MAX``]).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2 as chi2_dist

from glasshelpers.core.barriers.glm import eligible_bins, fit_batch

#: Scanned onset grid: u = 1/T in [U_MIN, U_MAX] (T from 1/U_MAX to 1/U_MIN).
U_MIN, U_MAX = 0.02, 4.0


def _cells(T, k, n, x, sel, bins=None):
    """Flatten the selected (T, bin) cells with trials: u, k, n, x, bin index."""
    T = np.asarray(T, dtype=float)
    k, n = np.asarray(k, float), np.asarray(n, float)
    x = np.asarray(x, float)
    u = np.broadcast_to((1.0 / T)[:, None], k.shape)
    j = np.broadcast_to(np.arange(k.shape[1])[None, :], k.shape)
    use = np.asarray(sel, bool)[:, None] & (n > 0) & np.isfinite(x)
    if bins is not None:
        use &= np.asarray(bins, bool)[None, :]
    return u[use], k[use], n[use], x[use], j[use]


def smooth_fit(T, k, n, x, family, sel) -> dict:
    """The smooth form over the selected temperatures (every cell with trials, zeros kept).

    T : (n_T,); k, n : (n_T, n_bins) effective counts; x : (n_T, n_bins) mean x per cell.
    Returns dict with ``s0, s1, e0, e1`` and standard errors, ``cov`` (4x4, order s0, s1,
    e0, e1), ``loglik``, ``u_onset = s1 / e1`` and ``T_onset``."""
    u, kk, nn, xx, _ = _cells(T, k, n, x, sel)
    X = np.column_stack([np.ones_like(u), xx, -u, -u * xx])
    r = fit_batch(X, kk, nn, np.log(u), family)
    b, cov = r["beta"], r["cov"]
    se = np.sqrt(np.diag(cov)) if np.isfinite(cov).all() else np.full(4, np.nan)
    u_on = b[1] / b[3] if np.isfinite(b).all() and b[3] != 0 else np.nan
    return dict(s0=b[0], s1=b[1], e0=b[2], e1=b[3], s0_err=se[0], s1_err=se[1], e0_err=se[2], e1_err=se[3],
                cov=cov, loglik=float(r["loglik"]), u_onset=u_on, T_onset=1 / u_on if u_on > 0 else np.nan,
                n_cells=int(u.size), n_zero=int((kk == 0).sum()))


def _profile_design(kind, u, xx, j, nb, ustar):
    """Design at each u* of the grid: (n_grid, m, p)."""
    d = ustar[:, None] - u[None, :]                                        # (g, m)
    if kind == "smooth":
        return np.stack(np.broadcast_arrays(np.ones_like(d), -u[None, :] + 0 * d, xx[None, :] * d), -1)
    onehot = (j[:, None] == np.arange(nb)[None, :]).astype(float)          # (m, nb)
    return np.concatenate([np.ones(d.shape + (1,)), onehot[None] * d[..., None]], -1)


def profile_curve(kind, T, k, n, x, family, sel, ugrid, bins=None):
    """Profile log-likelihood of the onset u* on a grid (NaN where a fit fails).

    kind : "smooth" or "common" (common point of per-bin lines, over ``bins``)."""
    u, kk, nn, xx, j = _cells(T, k, n, x, sel, bins)
    nb = np.asarray(k).shape[1]
    X = _profile_design(kind, u, xx, j, nb, np.asarray(ugrid, float))
    if kind == "common":                               # drop columns of bins not in the fit
        keep = np.concatenate([[True], np.isin(np.arange(nb), np.unique(j))])
        X = X[..., keep]
    r = fit_batch(X, np.broadcast_to(kk, X.shape[:-1]), np.broadcast_to(nn, X.shape[:-1]), np.log(u), family)
    return r["loglik"]


def profile_onset(kind, T, k, n, x, family, sel, level: float = 0.95, bins=None, n_grid: int = 121,
                  levels=()) -> dict:
    """Onset u* (maximum of the profile likelihood) and its profile interval.

    - kind : "smooth" (Sigma, Delta_E linear in x) or "common" (per-bin lines through one
      point; ``bins``: mask of bins used, default those with events at two temperatures).
    - level : interval level (two-sided; the chi2_1 quantile of ``level``).
    - levels : further levels computed from the same profile (key ``intervals``).
    - n_grid : points of the geometric u grid; the maximum and every interval end are then
      refined on finer grids between their neighbouring points.

    Returns dict: ``T_onset, u_onset, T_low, T_high`` (interval in T), ``u_low, u_high``,
    ``loglik_max``, ``bounded`` (both ends found inside the grid), ``level`` and
    ``intervals``: {level: (T_low, T_high)} for ``level`` and every one of ``levels``."""
    T = np.asarray(T, dtype=float)
    sel = np.asarray(sel, bool)
    if kind == "common" and bins is None:
        bins = eligible_bins(k, sel)
    lv = [float(level)] + [float(v) for v in levels if not np.isclose(v, level)]
    out = dict(T_onset=np.nan, u_onset=np.nan, T_low=np.nan, T_high=np.nan, u_low=np.nan, u_high=np.nan,
               loglik_max=np.nan, bounded=False, level=level, kind=kind, intervals={v: (np.nan, np.nan) for v in lv})
    curve = lambda grid: profile_curve(kind, T, k, n, x, family, sel, grid, bins)  # noqa: E731
    g = np.geomspace(U_MIN, U_MAX, n_grid)
    ll = curve(g)
    if not np.isfinite(ll).any():
        return out
    i = int(np.nanargmax(ll))
    g, ll = _merge(g, ll, np.linspace(g[max(i - 1, 0)], g[min(i + 1, g.size - 1)], 21), curve)
    g, ll = _merge(g, ll, np.array([_peak(kind, T, k, n, x, family, sel, g, ll)]), curve)
    m = int(np.nanargmax(ll))
    crits = [float(chi2_dist.ppf(v, 1)) for v in lv]
    extra = []
    for c in crits:                       # refine between the grid points bracketing each end
        for d in (-1, 1):
            j = _bracket(2 * (ll[m] - ll), m, c, d)
            if j is not None:
                extra.append(np.linspace(g[min(j, j - d)], g[max(j, j - d)], 9))
    if extra:
        g, ll = _merge(g, ll, np.concatenate(extra), curve)
    m = int(np.nanargmax(ll))
    u_hat, ll_max = float(g[m]), float(ll[m])
    dev = 2 * (ll_max - ll)
    for v, c in zip(lv, crits):
        u_lo, u_hi = _crossing(g, dev, m, c, -1), _crossing(g, dev, m, c, +1)
        out["intervals"][v] = (1 / u_hi if np.isfinite(u_hi) else np.nan, 1 / u_lo if np.isfinite(u_lo) else np.inf)
        if v == lv[0]:
            out.update(u_low=u_lo, u_high=u_hi, bounded=bool(np.isfinite(u_lo) & np.isfinite(u_hi)))
    out.update(u_onset=u_hat, T_onset=1 / u_hat, loglik_max=ll_max, T_low=out["intervals"][lv[0]][0],
               T_high=out["intervals"][lv[0]][1])
    return out


def _peak(kind, T, k, n, x, family, sel, g, ll) -> float:
    """The maximum of the profile: exactly s1 / e1 for the smooth form (the profile's
    maximum is the unconstrained fit's), else the vertex of a parabola through the best
    grid point and its neighbours."""
    m = int(np.nanargmax(ll))
    if kind == "smooth":
        u = smooth_fit(T, k, n, x, family, sel)["u_onset"]
        if np.isfinite(u) and g[0] < u < g[-1]:
            return float(u)
    if 0 < m < g.size - 1 and np.isfinite(ll[m - 1:m + 2]).all():
        (x0, x1, x2), (y0, y1, y2) = g[m - 1:m + 2], ll[m - 1:m + 2]
        num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
        den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
        if den != 0:
            return float(np.clip(x1 - 0.5 * num / den, x0, x2))
    return float(g[m])


def _merge(g, ll, new, curve):
    """Grid and profile with the points ``new`` added (sorted)."""
    gg, LL = np.concatenate([g, new]), np.concatenate([ll, curve(new)])
    order = np.argsort(gg, kind="stable")
    return gg[order], LL[order]


def _bracket(dev, m, crit, direction):
    """Index of the first grid point from m (direction -1 or +1) with dev > crit, or None."""
    i = m + direction
    while 0 <= i < dev.size:
        if np.isfinite(dev[i]) and dev[i] > crit:
            return i
        i += direction
    return None


def _crossing(g, dev, m, crit, direction):
    """First grid point from index m (direction -1 or +1) where dev exceeds crit,
    linearly interpolated; NaN if it never does inside the grid."""
    i = m
    while 0 <= i + direction < g.size:
        nxt = i + direction
        if np.isfinite(dev[nxt]) and dev[nxt] > crit:
            d0, d1 = dev[i], dev[nxt]
            f = (crit - d0) / (d1 - d0) if d1 != d0 else 0.0
            return float(g[i] + f * (g[nxt] - g[i]))
        i = nxt
    return np.nan


def common_point_test(T, k, n, x, family, sel, loglik_free: float, bins) -> dict:
    """Likelihood ratio of free per-bin lines against lines through one point.

    loglik_free : summed log-likelihood of the free per-bin fits over ``bins``.
    Returns dict ``lr, dof, p_value`` (dof = bins - 2)."""
    g = np.geomspace(U_MIN, U_MAX, 241)
    ll = profile_curve("common", T, k, n, x, family, sel, g, bins)
    nb = int(np.asarray(bins, bool).sum())
    lr = float(max(0.0, 2 * (loglik_free - np.nanmax(ll)))) if np.isfinite(ll).any() else np.nan
    dof = nb - 2
    return dict(lr=lr, dof=dof, p_value=float(chi2_dist.sf(lr, dof)) if dof > 0 and np.isfinite(lr) else np.nan)
