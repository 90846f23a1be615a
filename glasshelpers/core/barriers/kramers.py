"""Kramers interpretation of rearrangement probabilities (the book, Methods: Kramers fits).

For each temperature T and each bin of a classifier output (x_alpha, softness or
fluidity), P_R is the fraction of (particle, time) samples in the bin that
rearrange, i.e. whose p_hop (2 tau after the structure) exceeds the profile's p_c. Per bin,
the Kramers form

    P_R = (1/T) exp(Sigma) exp(-Delta_E / T)    <=>    ln(T P_R) = Sigma - Delta_E u,   u = 1/T

is fitted by (weighted) least squares in u. Delta_E is an energy barrier (units of
epsilon_AA) and Sigma a dimensionless "entropic" term.

The onset temperature, where a classifier's lines come closest, is in
:mod:`glasshelpers.core.barriers.onset`. The range of temperatures fitted is chosen by :mod:`glasshelpers.core.barriers.fitrange`; P_R and
its replicates are counted by :mod:`glasshelpers.core.barriers.rearrangement`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


# ----------------------------------------------------------------------------- Kramers fits

@dataclass(frozen=True)
class KramersFit:
    """Per-bin fits of ln(T P_R) = Sigma - Delta_E / T.

    Arrays have shape (n_bins,); bins without enough usable points are NaN.

    Sigma, Delta_E : fitted parameters (Delta_E in epsilon_AA).
    Sigma_err, Delta_E_err : standard errors (square roots of the covariance diagonal).
    cov : (n_bins, 2, 2) covariance of (Sigma, Delta_E).
    n_points : points used per bin; n_zero : points skipped because P_R = 0.
    chi2, dof : residual (weighted) sum of squares and degrees of freedom.
    T_range : (T_min, T_max) selection used (None = open).
    x : optional bin coordinate (e.g. centres) carried along for plotting.
    """

    Sigma: np.ndarray
    Delta_E: np.ndarray
    Sigma_err: np.ndarray
    Delta_E_err: np.ndarray
    cov: np.ndarray
    n_points: np.ndarray
    n_zero: np.ndarray
    chi2: np.ndarray
    dof: np.ndarray
    T_range: tuple = (None, None)
    weighted: bool = False
    x: np.ndarray | None = field(default=None)

    @property
    def n_bins(self) -> int:
        return int(self.Sigma.size)

    def ln_TP(self, T) -> np.ndarray:
        """Fitted ln(T P_R) at temperatures T, shape (len(T), n_bins)."""
        u = 1.0 / np.atleast_1d(np.asarray(T, dtype=float))
        return self.Sigma[None, :] - np.outer(u, self.Delta_E)

    def P_R(self, T) -> np.ndarray:
        """Fitted P_R at temperatures T, shape (len(T), n_bins)."""
        T = np.atleast_1d(np.asarray(T, dtype=float))
        return np.exp(self.ln_TP(T)) / T[:, None]

    def to_frame(self, x=None):
        """DataFrame with columns ``bin, x, Sigma, Sigma_err, Delta_E, Delta_E_err,
        cov_Sigma_Delta_E, n_points, n_zero, chi2, dof``."""
        import pandas as pd

        xx = self.x if x is None else np.asarray(x, dtype=float)
        return pd.DataFrame(dict(
            bin=np.arange(self.n_bins), x=xx if xx is not None else np.full(self.n_bins, np.nan),
            Sigma=self.Sigma, Sigma_err=self.Sigma_err, Delta_E=self.Delta_E, Delta_E_err=self.Delta_E_err,
            cov_Sigma_Delta_E=self.cov[:, 0, 1], n_points=self.n_points, n_zero=self.n_zero,
            chi2=self.chi2, dof=self.dof))


def _fit_line(u, y, sy, absolute_sigma):
    """Weighted LS of y = S - E u. Returns (S, E), cov, chi2."""
    A = np.column_stack([np.ones_like(u), -u])
    w = 1.0 / sy ** 2 if sy is not None else np.ones_like(u)
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)
    resid = y - A @ coef
    chi2 = float(np.sum(w * resid ** 2))
    dof = u.size - 2
    cov = np.linalg.inv((A * w[:, None]).T @ A)
    if sy is None or not absolute_sigma:
        cov = cov * (chi2 / dof)
    return coef, cov, chi2


def fit_kramers(T, P_R, P_R_err=None, *, T_min: float | None = None, T_max: float | None = None,
                nan_policy: str = "raise", absolute_sigma: bool = False, x=None,
                min_temperatures: int = 3) -> KramersFit:
    """Fit ln(T P_R) = Sigma - Delta_E / T per bin by least squares in 1/T.

    Parameters
    ----------
    T : array (n_T,)
        Temperatures (repeats allowed, e.g. independent runs).
    P_R : array (n_T,) or (n_T, n_bins)
        Rearrangement probabilities per temperature and bin.
    P_R_err : array like P_R, optional
        Standard errors of P_R (e.g. binomial). If given, each point is weighted by
        1/sigma_y^2 with sigma_y = P_R_err / P_R (error of ln P_R to first order);
        otherwise the fit is unweighted.
    T_min, T_max : float, optional
        Use only ``T_min <= T < T_max`` (e.g. ``T_max=0.8`` for the "T < 0.8 only" fit).
    nan_policy : {"raise", "omit"}
        NaN P_R (empty bins) raise an error, or are skipped with ``"omit"``.
    absolute_sigma : bool
        If False (default, as :func:`scipy.optimize.curve_fit`), the covariance is
        scaled by chi2/dof so that the errors also reflect misfit (e.g. curvature);
        if True the given errors are taken as absolute. Unweighted fits always scale.
    x : array (n_bins,), optional
        Bin coordinates to carry in the result.
    min_temperatures : int
        Fewest distinct temperatures for a fit (>= 3, so that an error can be estimated).

    Returns
    -------
    KramersFit

    Rules
    -----
    * P_R = 0 points are skipped (ln 0 is undefined) and counted in ``n_zero``; this
      biases a bin's fit upward where rearrangements become rare, so bins should be
      chosen with enough samples at the lowest temperatures.
    * With errors given, points whose error is 0 or not finite (P_R = 0 or 1) are skipped.
    * A bin with fewer than ``min_temperatures`` distinct usable temperatures gets NaN.

    Raises
    ------
    ValueError
        Non-finite or non-positive T, fewer than ``min_temperatures`` distinct
        temperatures in the selected range, P_R outside [0, 1], NaN P_R with
        ``nan_policy="raise"``, or inconsistent shapes.
    """
    T, P, E, sel = _fit_input(T, P_R, P_R_err, T_min, T_max, nan_policy, min_temperatures)
    n_bins = P.shape[1]
    xx = None if x is None else np.asarray(x, dtype=float)
    if xx is not None and xx.shape != (n_bins,):
        raise ValueError(f"x must have one value per bin ({n_bins})")
    out = _fit_bins(T, P, E, sel, absolute_sigma, min_temperatures)
    return KramersFit(T_range=(T_min, T_max), weighted=E is not None, x=xx, **out)


def _fit_input(T, P_R, P_R_err, T_min, T_max, nan_policy, min_temperatures):
    """Checked arrays of :func:`fit_kramers`: T (n_T,), P and E (n_T, n_bins; E None
    when unweighted) and the mask of temperatures in the selected range."""
    T = np.asarray(T, dtype=float)
    P = np.asarray(P_R, dtype=float)
    if P.ndim == 1:
        P = P[:, None]
    if T.ndim != 1 or P.ndim != 2 or P.shape[0] != T.size:
        raise ValueError(f"T must be (n_T,) and P_R (n_T,) or (n_T, n_bins); got {T.shape} and {np.shape(P_R)}")
    E = None
    if P_R_err is not None:
        E = np.asarray(P_R_err, dtype=float)
        E = E[:, None] if E.ndim == 1 else E
        if E.shape != P.shape:
            raise ValueError(f"P_R_err has shape {np.shape(P_R_err)}, P_R has {np.shape(P_R)}")
    if not np.isfinite(T).all() or not (T > 0).all():
        raise ValueError("temperatures must be finite and positive")
    if nan_policy not in ("raise", "omit"):
        raise ValueError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")
    if min_temperatures < 3:
        raise ValueError("min_temperatures must be >= 3")
    sel = np.ones(T.size, bool)
    if T_min is not None:
        sel &= T >= T_min
    if T_max is not None:
        sel &= T < T_max
    n_distinct = np.unique(T[sel]).size
    if n_distinct < min_temperatures:
        raise ValueError(f"a Kramers fit needs at least {min_temperatures} distinct temperatures; "
                         f"{n_distinct} in the selected range {T_min}..{T_max}")
    nan = np.isnan(P) & sel[:, None]
    if nan.any() and nan_policy == "raise":
        raise ValueError(f"P_R has {int(nan.sum())} NaN values (empty bins?) in the selected range; "
                         "pass nan_policy='omit' to skip them")
    finite = np.isfinite(P)
    if ((P[finite] < 0) | (P[finite] > 1)).any():
        raise ValueError("P_R must lie in [0, 1]")
    return T, P, E, sel


def _fit_bins(T, P, E, sel, absolute_sigma, min_temperatures) -> dict:
    """Per-bin line fits of :func:`fit_kramers` (the fields of :class:`KramersFit`)."""
    n_bins = P.shape[1]
    out = {k: np.full(n_bins, np.nan) for k in ("Sigma", "Delta_E", "Sigma_err", "Delta_E_err", "chi2")}
    out.update(cov=np.full((n_bins, 2, 2), np.nan), n_points=np.zeros(n_bins, int),
               n_zero=np.zeros(n_bins, int), dof=np.zeros(n_bins, int))
    finite = np.isfinite(P)
    u_all = 1.0 / T
    for j in np.arange(n_bins):
        p = P[:, j]
        use = sel & finite[:, j]
        out["n_zero"][j] = int(np.sum(use & (p == 0)))
        use &= p > 0
        if E is not None:
            e = E[:, j]
            use &= np.isfinite(e) & (e > 0)
        out["n_points"][j] = int(use.sum())
        if np.unique(T[use]).size < min_temperatures:
            continue
        u = u_all[use]
        y = np.log(T[use] * p[use])
        sy = E[use, j] / p[use] if E is not None else None
        coef, c, chi2 = _fit_line(u, y, sy, absolute_sigma)
        out["Sigma"][j], out["Delta_E"][j] = coef
        out["cov"][j] = c
        out["Sigma_err"][j], out["Delta_E_err"][j] = np.sqrt(np.diag(c))
        out["chi2"][j] = chi2
        out["dof"][j] = u.size - 2
    return out


def fit_kramers_frame(table, *, x_column: str = "x_center", weighted: bool = True, **kwargs):
    """:func:`fit_kramers` on a tidy table from :func:`glasshelpers.core.barriers.rearrangement.rearrangement_table`.

    Parameters
    ----------
    table : DataFrame with columns ``T, bin, P_R`` (and ``P_R_err`` if weighted, and ``x_column``).
    weighted : use ``P_R_err`` as errors.
    **kwargs : passed to :func:`fit_kramers` (T_max, nan_policy, ...).

    Returns
    -------
    DataFrame from :meth:`KramersFit.to_frame`, one row per bin.
    """
    P = table.pivot_table(index="T", columns="bin", values="P_R", dropna=False, aggfunc="first")
    err = None
    if weighted:
        err = table.pivot_table(index="T", columns="bin", values="P_R_err", dropna=False,
                                aggfunc="first").reindex_like(P).to_numpy()
    x = table.groupby("bin")[x_column].first().reindex(P.columns).to_numpy() if x_column in table else None
    fit = fit_kramers(P.index.to_numpy(dtype=float), P.to_numpy(dtype=float), err, x=x, **kwargs)
    df = fit.to_frame()
    df["bin"] = P.columns.to_numpy()
    return df


def kramers_residuals(pr, fits):
    """Residuals of the data from fitted Kramers lines, in the ln P_R plane.

    Parameters
    ----------
    pr : DataFrame with ``T, bin, P_R`` and ``P_R_err`` (plus ``T_train`` to match fits per classifier).
    fits : DataFrame with ``bin, Sigma, Delta_E`` (plus ``T_train``; optional ``T_max``).

    Returns
    -------
    DataFrame: the rows of ``pr`` with finite P_R > 0 and a fitted line, plus ``ln_fit``
    (Sigma - Delta_E/T - ln T), ``resid`` (ln P_R - ln_fit), ``pull`` (resid / (P_R_err / P_R))
    and ``in_range`` (T inside the fit's range).
    """
    keys = ["T_train", "bin"] if "T_train" in pr and "T_train" in fits else ["bin"]
    cols = keys + ["Sigma", "Delta_E"] + (["T_max"] if "T_max" in fits else [])
    d = pr.merge(fits[cols], on=keys, how="inner")
    d = d[np.isfinite(d["P_R"]) & (d["P_R"] > 0) & np.isfinite(d["Delta_E"])].copy()
    T = d["T"].to_numpy(float)
    d["ln_fit"] = d["Sigma"] - d["Delta_E"] / T - np.log(T)
    d["resid"] = np.log(d["P_R"].to_numpy(float)) - d["ln_fit"]
    with np.errstate(divide="ignore", invalid="ignore"):
        d["pull"] = d["resid"] / (d["P_R_err"] / d["P_R"]) if "P_R_err" in d else np.nan
    d["in_range"] = True if "T_max" not in d else (~np.isfinite(d["T_max"]) | (d["T"] < d["T_max"]))
    return d.drop(columns=["Sigma", "Delta_E"])


# ----------------------------------------------------------------------------- batched fits

def fit_lines_batch(T, P_R, P_R_err, *, T_min: float | None = None, T_max: float | None = None,
                    min_temperatures: int = 3):
    """Weighted fits of ln(T P_R) = Sigma - Delta_E / T for many replicates at once.

    The same rules as :func:`fit_kramers` (P_R = 0, NaN or zero-error cells skipped;
    ``T_min <= T < T_max``; bins with fewer than ``min_temperatures`` usable points NaN),
    vectorised over leading axes for bootstrap replicates.

    Parameters
    ----------
    T : (n_T,) distinct temperatures.
    P_R : (..., n_T, n_bins).
    P_R_err : broadcastable to P_R (e.g. (n_T, n_bins) fixed errors).

    Returns
    -------
    Sigma, Delta_E : arrays (..., n_bins).
    """
    T = np.asarray(T, dtype=float)
    P = np.asarray(P_R, dtype=float)
    E = np.broadcast_to(np.asarray(P_R_err, dtype=float), P.shape)
    sel = np.ones(T.size, bool)
    if T_min is not None:
        sel &= T >= T_min
    if T_max is not None:
        sel &= T < T_max
    with np.errstate(divide="ignore", invalid="ignore"):
        use = sel[:, None] & np.isfinite(P) & (P > 0) & np.isfinite(E) & (E > 0)
        w = np.where(use, (P / E) ** 2, 0.0)
        y = np.where(use, np.log(T[:, None] * np.where(use, P, 1.0)), 0.0)
    u = (1.0 / T)[:, None]
    Sw, Su, Suu = w.sum(-2), (w * u).sum(-2), (w * u * u).sum(-2)
    Sy, Suy = (w * y).sum(-2), (w * u * y).sum(-2)
    det = Sw * Suu - Su ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (Sw * Suy - Su * Sy) / det
        icept = (Sy - slope * Su) / Sw
    bad = use.sum(-2) < min_temperatures
    return np.where(bad, np.nan, icept), np.where(bad, np.nan, -slope)




def barrier_slope(x, Delta_E) -> np.ndarray:
    """Least-squares slope dDelta_E/dx of barriers against their bin coordinate, along the
    last axis (batched: replicates in the leading axes); NaN entries are ignored and fewer
    than three finite points give NaN. Units: epsilon_AA per unit of x."""
    x, y = np.asarray(x, dtype=float), np.asarray(Delta_E, dtype=float)
    ok = np.isfinite(y) & np.isfinite(x)
    n = ok.sum(-1)
    xm = np.where(ok, x, 0).sum(-1) / np.maximum(n, 1)
    ym = np.where(ok, y, 0).sum(-1) / np.maximum(n, 1)
    dx = np.where(ok, x - xm[..., None], 0)
    dy = np.where(ok, y - ym[..., None], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (dx * dy).sum(-1) / (dx * dx).sum(-1)
    return np.where(n >= 3, s, np.nan)
