"""Kramers interpretation of rearrangement probabilities (SPEC section 6).

For each temperature T and each bin of a classifier output (x_alpha, softness or
fluidity), P_R is the fraction of (particle, time) samples in the bin that
rearrange, i.e. whose p_hop (2 tau after the structure) exceeds p_c = 0.2. Per bin,
the Kramers form

    P_R = (1/T) exp(Sigma) exp(-Delta_E / T)    <=>    ln(T P_R) = Sigma - Delta_E u,   u = 1/T

is fitted by (weighted) least squares in u. Delta_E is an energy barrier (units of
epsilon_AA) and Sigma a dimensionless "entropic" term.

Onset temperature. The fitted lines of all bins are expected to cross near one
point; the onset temperature is where they come closest, the u* that minimises the
weighted scatter of the lines' values

    S(u) = sum_k w_k (y_k(u) - ybar_w(u))^2,   y_k(u) = Sigma_k - Delta_E_k u,

with closed form u* = sum_k w_k a_k c_k / sum_k w_k c_k^2, a_k = Sigma_k - Sigma_bar_w,
c_k = Delta_E_k - Delta_E_bar_w. Because ln P_R = ln(T P_R) + ln u differs from
ln(T P_R) by a term common to all bins, S(u) and hence u* are the same in the
(1/T, ln P_R) and (1/T, ln(T P_R)) planes: the two descriptions agree exactly.

Fit range (SPEC section 6: decided by the data). Above the onset P_R saturates near 1,
and a weighted fit over all temperatures is then dominated by saturated points. The
upper end of the range is chosen by a goodness-of-fit scan (:func:`fit_range_scan`,
:func:`choose_fit_range`): for every candidate upper temperature T_up (a measured
temperature, with at least ``min_temperatures`` temperatures at or below it) all
bins are fitted over T <= T_up with their given errors taken as absolute; the pooled
chi2 over bins (and classifiers) has a p-value under the chi2 distribution with the
pooled degrees of freedom. The fit range is T <= T_up* with T_up* the *largest* T_up
whose p-value is at least ``p_min`` (default 0.01), i.e. the widest range in which
the straight lines are consistent with the data's errors. If no range passes, the
errors' variances are scaled by the smallest reduced chi2 of the scan and the widest
range passing at that noise level is used (flagged). The errors must be honest for this
to work (block-bootstrap errors of P_R, :mod:`glasshelpers.stats`): with binomial
errors that ignore correlated samples every chi2 is inflated.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .stats import binomial_se, bootstrap_ci

#: Rearrangement threshold on p_hop (SPEC section 4), in sigma_AA^2.
P_C = 0.2


# ----------------------------------------------------------------------------- P_R per bin

@dataclass(frozen=True)
class RearrangementProbability:
    """P_R per bin of x at one temperature.

    edges : (n_bins + 1,) bin edges in x.
    centers : (n_bins,) bin mid-points.
    mean_x : (n_bins,) mean x of the samples in each bin (NaN if empty).
    counts : (n_bins,) samples per bin.
    n_rearranged : (n_bins,) rearranging samples per bin.
    P_R : (n_bins,) n_rearranged / counts (NaN for empty bins).
    P_R_err : (n_bins,) binomial standard error sqrt(P (1-P) / n); 0 when P is 0 or 1,
        NaN for empty bins.
    """

    edges: np.ndarray
    centers: np.ndarray
    mean_x: np.ndarray
    counts: np.ndarray
    n_rearranged: np.ndarray
    P_R: np.ndarray
    P_R_err: np.ndarray


def rearrangement_probability(x, rearranged, bins=10, range=None) -> RearrangementProbability:
    """Fraction of samples that rearrange, per bin of x.

    Parameters
    ----------
    x : array (n,)
        Classifier output per (particle, time) sample, e.g. x_alpha of A particles.
    rearranged : bool array (n,)
        Whether the sample rearranges: ``p_hop(t + 2 tau) > P_C``.
    bins : int or array
        Number of equal bins over ``range`` (default: data range) or explicit edges,
        as in :func:`numpy.histogram` (last bin closed). Samples outside are dropped.
    range : (lo, hi), optional

    Returns
    -------
    RearrangementProbability
    """
    x = np.asarray(x, dtype=float).ravel()
    r = np.asarray(rearranged).ravel()
    if x.shape != r.shape:
        raise ValueError(f"x has {x.size} samples but rearranged has {r.size}")
    if x.size == 0:
        raise ValueError("no samples (x is empty)")
    if not np.isfinite(x).all():
        raise ValueError(f"x has {int((~np.isfinite(x)).sum())} non-finite values; drop samples without p_hop first")
    if r.dtype != bool:
        if not np.isin(r, (0, 1)).all():
            raise ValueError("rearranged must be boolean (p_hop > p_c)")
        r = r.astype(bool)
    counts, edges = np.histogram(x, bins=bins, range=range)
    k, _ = np.histogram(x[r], bins=edges)
    sx, _ = np.histogram(x, bins=edges, weights=x)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = np.where(counts > 0, k / np.maximum(counts, 1), np.nan)
        mean_x = np.where(counts > 0, sx / np.maximum(counts, 1), np.nan)
    return RearrangementProbability(edges=edges, centers=0.5 * (edges[1:] + edges[:-1]), mean_x=mean_x,
                                    counts=counts, n_rearranged=k, P_R=P, P_R_err=binomial_se(k, counts))


def rearrangement_table(x_by_T: dict, rearranged_by_T: dict, bins) -> "pandas.DataFrame":
    """Tidy table of P_R for several temperatures with common bins.

    Parameters
    ----------
    x_by_T, rearranged_by_T : dict T -> array
        Per temperature, the x values and rearrangement flags of the samples.
    bins : array of edges (shared by all temperatures).

    Returns
    -------
    DataFrame with columns ``T, bin, x_lo, x_hi, x_center, x_mean, n, k, P_R, P_R_err``
    (one row per temperature and bin), the input of :func:`fit_kramers_frame` and of
    the Fig. 3/9 plotting functions.
    """
    import pandas as pd

    edges = np.asarray(bins, dtype=float)
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError("bins must be an array of at least two edges, shared by all temperatures")
    rows = []
    for T in sorted(x_by_T):
        p = rearrangement_probability(x_by_T[T], rearranged_by_T[T], bins=edges)
        for j in np.arange(p.counts.size):
            rows.append(dict(T=float(T), bin=int(j), x_lo=edges[j], x_hi=edges[j + 1], x_center=p.centers[j],
                             x_mean=p.mean_x[j], n=int(p.counts[j]), k=int(p.n_rearranged[j]),
                             P_R=p.P_R[j], P_R_err=p.P_R_err[j]))
    return pd.DataFrame(rows)


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
    T = np.asarray(T, dtype=float)
    P = np.asarray(P_R, dtype=float)
    one_d = P.ndim == 1
    if one_d:
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

    n_bins = P.shape[1]
    out = {k: np.full(n_bins, np.nan) for k in ("Sigma", "Delta_E", "Sigma_err", "Delta_E_err", "chi2")}
    cov = np.full((n_bins, 2, 2), np.nan)
    n_points = np.zeros(n_bins, int)
    n_zero = np.zeros(n_bins, int)
    dof = np.zeros(n_bins, int)
    u_all = 1.0 / T
    for j in np.arange(n_bins):
        p = P[:, j]
        use = sel & finite[:, j]
        n_zero[j] = int(np.sum(use & (p == 0)))
        use &= p > 0
        if E is not None:
            e = E[:, j]
            use &= np.isfinite(e) & (e > 0)
        n_points[j] = int(use.sum())
        if np.unique(T[use]).size < min_temperatures:
            continue
        u = u_all[use]
        y = np.log(T[use] * p[use])
        sy = E[use, j] / p[use] if E is not None else None
        coef, c, chi2 = _fit_line(u, y, sy, absolute_sigma)
        out["Sigma"][j], out["Delta_E"][j] = coef
        cov[j] = c
        out["Sigma_err"][j], out["Delta_E_err"][j] = np.sqrt(np.diag(c))
        out["chi2"][j] = chi2
        dof[j] = u.size - 2
    xx = None if x is None else np.asarray(x, dtype=float)
    if xx is not None and xx.shape != (n_bins,):
        raise ValueError(f"x must have one value per bin ({n_bins})")
    return KramersFit(cov=cov, n_points=n_points, n_zero=n_zero, dof=dof, T_range=(T_min, T_max),
                      weighted=E is not None, x=xx, **out)


def fit_kramers_frame(table, *, x_column: str = "x_center", weighted: bool = True, **kwargs):
    """:func:`fit_kramers` on a tidy table from :func:`rearrangement_table`.

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


# ----------------------------------------------------------------------------- onset

@dataclass(frozen=True)
class OnsetTemperature:
    """Best common intersection of Kramers lines.

    T_onset : 1/u* (NaN if the lines do not meet at positive u).
    u_onset : u* = 1/T_onset.
    T_low, T_high : interval (level 1 - alpha) from the chosen uncertainty method
        (T_high = inf if the u interval reaches u <= 0).
    T_err : half-width (T_high - T_low) / 2 of that interval.
    ln_TP_onset : weighted mean of the lines' ln(T P_R) at u*.
    scatter : weighted rms spread of the lines at u* (how well they meet).
    weights : (n_lines,) weights used.
    n_lines : lines used (finite fits).
    method : uncertainty method.
    samples_u : replicates of u* (propagated or bootstrap).
    """

    T_onset: float
    u_onset: float
    T_low: float
    T_high: float
    T_err: float
    ln_TP_onset: float
    scatter: float
    weights: np.ndarray
    n_lines: int
    method: str
    samples_u: np.ndarray | None = None


def _lines(fits):
    """Collect (Sigma, Delta_E, cov) from KramersFit(s) or a DataFrame."""
    if isinstance(fits, KramersFit):
        fits = [fits]
    if hasattr(fits, "columns"):
        S = fits["Sigma"].to_numpy(float)
        dE = fits["Delta_E"].to_numpy(float)
        cov = np.full((S.size, 2, 2), np.nan)
        if {"Sigma_err", "Delta_E_err"} <= set(fits.columns):
            cov[:, 0, 0] = fits["Sigma_err"].to_numpy(float) ** 2
            cov[:, 1, 1] = fits["Delta_E_err"].to_numpy(float) ** 2
            c01 = fits["cov_Sigma_Delta_E"].to_numpy(float) if "cov_Sigma_Delta_E" in fits else np.zeros(S.size)
            cov[:, 0, 1] = cov[:, 1, 0] = c01
        return S, dE, cov
    S = np.concatenate([f.Sigma for f in fits])
    dE = np.concatenate([f.Delta_E for f in fits])
    cov = np.concatenate([f.cov for f in fits])
    return S, dE, cov


def _u_star(S, dE, w):
    """Closed-form minimiser of sum w (y_k(u) - ybar_w(u))^2; works on stacked rows."""
    w = w / w.sum(axis=-1, keepdims=True)
    a = S - (w * S).sum(axis=-1, keepdims=True)
    c = dE - (w * dE).sum(axis=-1, keepdims=True)
    return (w * a * c).sum(axis=-1) / (w * c * c).sum(axis=-1)


def onset_temperature(fits, *, weights="inverse_variance", uncertainty: str = "propagate",
                      n_samples: int = 2000, alpha: float = 0.32, seed: int = 0) -> OnsetTemperature:
    """Onset temperature from the best common intersection of Kramers lines.

    Parameters
    ----------
    fits : KramersFit, list of KramersFit, or DataFrame
        The lines ``ln(T P_R) = Sigma_k - Delta_E_k / T``; a DataFrame needs
        ``Sigma, Delta_E`` (and ``Sigma_err, Delta_E_err``, optionally
        ``cov_Sigma_Delta_E``, for weights and propagation). NaN fits are dropped.
    weights : "inverse_variance", None, or array
        ``"inverse_variance"``: w_k = 1 / Var[y_k(u*)] with
        ``Var = Var(Sigma) + u^2 Var(Delta_E) - 2 u Cov``, iterated to self-consistency
        (falls back to equal weights if the covariances are unknown). ``None``: equal.
    uncertainty : {"propagate", "bootstrap", "none"}
        ``"propagate"``: Monte Carlo over each line's (Sigma, Delta_E) drawn from its
        fitted normal distribution; ``"bootstrap"``: resample the lines (bins) with
        replacement. Weights are held at their point-estimate values.
    n_samples : int
        Replicates for the uncertainty.
    alpha : float
        Interval level 1 - alpha (0.32: 68 %).
    seed : int

    Returns
    -------
    OnsetTemperature
    """
    S, dE, cov = _lines(fits)
    ok = np.isfinite(S) & np.isfinite(dE)
    S, dE, cov = S[ok], dE[ok], cov[ok]
    n = S.size
    if n < 2:
        raise ValueError(f"need at least 2 fitted lines to find an intersection, got {n}")
    if np.ptp(dE) == 0:
        raise ValueError("all lines are parallel (equal Delta_E): no intersection")
    have_cov = np.isfinite(cov).all()
    if isinstance(weights, str):
        if weights != "inverse_variance":
            raise ValueError(f"unknown weights {weights!r}")
        w = np.ones(n)
        u = _u_star(S, dE, w)
        if have_cov:
            for _ in range(100):
                var = cov[:, 0, 0] + u * u * cov[:, 1, 1] - 2 * u * cov[:, 0, 1]
                w = 1.0 / np.maximum(var, np.finfo(float).tiny)
                u_new = _u_star(S, dE, w)
                if abs(u_new - u) <= 1e-12 * max(1.0, abs(u)):
                    u = u_new
                    break
                u = u_new
    elif weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != ok.shape and w.shape != (n,):
            raise ValueError("weights must have one entry per line")
        w = w[ok] if w.shape == ok.shape else w
        if not (w >= 0).all() or w.sum() <= 0:
            raise ValueError("weights must be non-negative and not all zero")
    w = w / w.sum()
    u = float(_u_star(S, dE, w))
    y = S - dE * u
    ybar = float(np.sum(w * y))
    scatter = float(np.sqrt(np.sum(w * (y - ybar) ** 2)))

    samples = None
    if uncertainty == "propagate":
        if not have_cov:
            raise ValueError("uncertainty='propagate' needs the fits' covariances")
        rng = np.random.default_rng(seed)
        evals, evecs = np.linalg.eigh(cov)          # symmetric square root, robust to singular cov
        L = evecs * np.sqrt(np.clip(evals, 0, None))[:, None, :]
        z = rng.standard_normal((int(n_samples), n, 2))
        draws = np.array([S, dE]).T[None] + np.einsum("kij,skj->ski", L, z)
        samples = _u_star(draws[..., 0], draws[..., 1], w[None])
    elif uncertainty == "bootstrap":
        res = bootstrap_ci(lambda s, e, ww: _u_star(s, e, ww) if np.ptp(e) > 0 else np.nan, S, dE, w,
                           n_boot=int(n_samples), alpha=alpha, seed=seed, return_samples=True)
        samples = res.samples
    elif uncertainty != "none":
        raise ValueError(f"uncertainty must be 'propagate', 'bootstrap' or 'none', got {uncertainty!r}")

    T = 1.0 / u if u > 0 else np.nan
    if not u > 0:
        warnings.warn(f"the Kramers lines come closest at u = {u:.3g} <= 0: no positive onset temperature")
    T_low = T_high = T_err = np.nan
    if samples is not None:
        s = samples[np.isfinite(samples)]
        u_lo, u_hi = np.quantile(s, [alpha / 2, 1 - alpha / 2])
        T_low = 1.0 / u_hi if u_hi > 0 else np.nan
        T_high = 1.0 / u_lo if u_lo > 0 else np.inf
        T_err = 0.5 * (T_high - T_low)
    return OnsetTemperature(T_onset=float(T), u_onset=u, T_low=float(T_low), T_high=float(T_high),
                            T_err=float(T_err), ln_TP_onset=ybar, scatter=scatter, weights=w, n_lines=n,
                            method=uncertainty, samples_u=samples)


# ----------------------------------------------------------------------------- fit range

def _inclusive(T_up: float) -> float:
    """T_max for :func:`fit_kramers` (which keeps T < T_max) that keeps T <= T_up."""
    return float(T_up) * (1 + 1e-9) + 1e-12


def fit_range_scan(T, P_R, P_R_err, *, T_uppers=None, min_temperatures: int = 3, T_min: float | None = None):
    """Goodness of weighted per-bin Kramers fits over T <= T_up, for each candidate T_up.

    Parameters
    ----------
    T : (n_T,) temperatures.
    P_R, P_R_err : (n_T, n_bins) rearrangement probabilities and their standard errors
        (NaN for unusable cells; cells with zero error are skipped as in :func:`fit_kramers`).
    T_uppers : candidate upper temperatures; default every measured temperature with at
        least ``min_temperatures`` temperatures at or below it (a fit then has >= 1 dof).
    min_temperatures : fewest usable temperatures per bin for that bin to count.
    T_min : optional lower bound of every range.

    Returns
    -------
    DataFrame, one row per T_up: ``T_up, n_T, n_bins, chi2, dof, red_chi2, p_value``
    (chi2 and dof summed over the fitted bins; errors taken as absolute).
    """
    import pandas as pd
    from scipy.stats import chi2 as chi2_dist

    T = np.asarray(T, dtype=float)
    uniq = np.unique(T if T_min is None else T[T >= T_min])
    if T_uppers is None:
        T_uppers = uniq[min_temperatures - 1:]
    rows = []
    for T_up in np.sort(np.asarray(T_uppers, dtype=float)):
        n_T = int(np.sum(uniq <= T_up * (1 + 1e-9)))
        try:
            f = fit_kramers(T, P_R, P_R_err, T_min=T_min, T_max=_inclusive(T_up), nan_policy="omit",
                            absolute_sigma=True, min_temperatures=min_temperatures)
        except ValueError:
            continue
        ok = np.isfinite(f.chi2) & (f.dof > 0)
        chi2, dof = float(f.chi2[ok].sum()), int(f.dof[ok].sum())
        rows.append(dict(T_up=float(T_up), n_T=n_T, n_bins=int(ok.sum()), chi2=chi2, dof=dof,
                         red_chi2=chi2 / dof if dof else np.nan,
                         p_value=float(chi2_dist.sf(chi2, dof)) if dof else np.nan))
    return pd.DataFrame(rows, columns=["T_up", "n_T", "n_bins", "chi2", "dof", "red_chi2", "p_value"])


def pool_scans(scans) -> "pandas.DataFrame":
    """Sum chi2 and dof of several :func:`fit_range_scan` tables (e.g. one per
    classifier) per T_up, keeping only T_up present in all of them; recompute p-values."""
    import pandas as pd
    from scipy.stats import chi2 as chi2_dist

    scans = [s for s in scans if len(s)]
    if not scans:
        raise ValueError("no scans to pool")
    d = pd.concat(scans, ignore_index=True)
    common = d.groupby("T_up").size()
    common = common[common == len(scans)].index
    g = d[d["T_up"].isin(common)].groupby("T_up").agg(n_T=("n_T", "max"), n_bins=("n_bins", "sum"),
                                                       chi2=("chi2", "sum"), dof=("dof", "sum")).reset_index()
    g["red_chi2"] = g["chi2"] / g["dof"].where(g["dof"] > 0)
    g["p_value"] = [float(chi2_dist.sf(c, k)) if k > 0 else np.nan for c, k in zip(g["chi2"], g["dof"])]
    return g


@dataclass(frozen=True)
class FitRange:
    """Chosen fit range T <= T_up (see :func:`choose_fit_range`).

    T_up : upper temperature (inclusive). T_max : the same bound for ``fit_kramers(T_max=...)``
    (exclusive, just above T_up). p_value, red_chi2 : goodness of the fits in that range
    (p_value with the errors scaled by ``error_scale``).
    passes : whether a range passed with the errors as given (error_scale = 1).
    error_scale : factor on the variances (1, or the smallest reduced chi2 of the scan
        when no range passed with the errors as given).
    p_min : the threshold. criterion : one-line statement of the rule.
    """

    T_up: float
    T_max: float
    p_value: float
    red_chi2: float
    passes: bool
    p_min: float
    criterion: str
    error_scale: float = 1.0


def choose_fit_range(scan, p_min: float = 0.01, min_temperatures: int = 4) -> FitRange:
    """The widest range whose fits are consistent with the errors.

    Parameters
    ----------
    scan : DataFrame from :func:`fit_range_scan` or :func:`pool_scans`.
    p_min : smallest acceptable chi2 p-value.
    min_temperatures : fewest temperatures a candidate range must hold (column ``n_T``;
        ignored if the scan has none, or no range is that wide). A line through three
        points has one degree of freedom per bin and tests almost nothing: on the demo
        data the three coldest temperatures pass alone while every range of four or more
        shows a modest, uniform extra scatter (reduced chi2 1.3-1.9).

    Returns
    -------
    FitRange: the largest T_up with ``p_value >= p_min``. If none passes, the errors are
    too small for every range (scatter beyond the estimated errors, e.g. from effects the
    bootstrap does not see); their variance is then scaled by the smallest reduced chi2 of
    the scan, s2 (the extra scatter measured where the lines fit best), the p-values are
    recomputed with chi2 / s2, and the largest T_up passing at that noise level is used
    (``passes=False``, ``error_scale=s2``): the widest range no worse than the best one.
    """
    from scipy.stats import chi2 as chi2_dist

    if not 0 < p_min < 1:
        raise ValueError("p_min must be in (0, 1)")
    s = scan.dropna(subset=["p_value"])
    if s.empty:
        raise ValueError("the scan has no fitted range")
    if "n_T" in s and (s["n_T"] >= min_temperatures).any():
        s = s[s["n_T"] >= min_temperatures]
    base = (f"largest T_up whose weighted per-bin fits over T <= T_up (at least {min_temperatures} "
            f"temperatures) have a pooled chi2 p-value >= {p_min:g}")
    ok = s[s["p_value"] >= p_min]
    if not ok.empty:
        row = ok.loc[ok["T_up"].idxmax()]
        return FitRange(T_up=float(row["T_up"]), T_max=_inclusive(row["T_up"]), p_value=float(row["p_value"]),
                        red_chi2=float(row["red_chi2"]), passes=True, p_min=float(p_min), criterion=base)
    s2 = float(s["red_chi2"].min())
    p_scaled = np.array([chi2_dist.sf(c / s2, k) for c, k in zip(s["chi2"], s["dof"])])
    ok = s[p_scaled >= p_min]
    row = ok.loc[ok["T_up"].idxmax()] if not ok.empty else s.loc[s["red_chi2"].idxmin()]
    p_row = float(chi2_dist.sf(row["chi2"] / s2, row["dof"]))
    crit = (base + f" (none passes with the errors as given: variances scaled by the smallest reduced chi2, "
            f"{s2:.2f}, i.e. the widest range no worse than the best-fitting one)")
    return FitRange(T_up=float(row["T_up"]), T_max=_inclusive(row["T_up"]), p_value=p_row,
                    red_chi2=float(row["red_chi2"]), passes=False, p_min=float(p_min), criterion=crit,
                    error_scale=s2)


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


def onset_u_batch(Sigma, Delta_E, weights):
    """u* = 1/T_onset of many replicates of one classifier's lines, with fixed weights.

    Sigma, Delta_E : (n_rep, n_bins) (NaN bins get zero weight); weights : (n_bins,).
    Returns (n_rep,) u* (NaN where fewer than two lines are finite)."""
    S = np.asarray(Sigma, dtype=float)
    dE = np.asarray(Delta_E, dtype=float)
    w = np.broadcast_to(np.asarray(weights, dtype=float), S.shape)
    ok = np.isfinite(S) & np.isfinite(dE) & (w > 0)
    w = np.where(ok, w, 0.0)
    S, dE = np.where(ok, S, 0.0), np.where(ok, dE, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wn = w / w.sum(-1, keepdims=True)
        a = S - (wn * S).sum(-1, keepdims=True)
        c = dE - (wn * dE).sum(-1, keepdims=True)
        u = (wn * a * c).sum(-1) / (wn * c * c).sum(-1)
    return np.where(ok.sum(-1) >= 2, u, np.nan)


__all__ = [
    "kramers_residuals", "fit_range_scan", "pool_scans", "FitRange", "choose_fit_range", "fit_lines_batch", "onset_u_batch",
    "P_C", "RearrangementProbability", "rearrangement_probability", "rearrangement_table",
    "KramersFit", "fit_kramers", "fit_kramers_frame", "OnsetTemperature", "onset_temperature",
]
