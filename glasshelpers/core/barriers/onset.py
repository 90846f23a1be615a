"""The onset temperature: where the Kramers lines of one classifier come closest.

Onset temperature. The fitted lines of all bins are expected to cross near one
point; the onset temperature is where they come closest, the u* that minimises the
weighted scatter of the lines' values

    S(u) = sum_k w_k (y_k(u) - ybar_w(u))^2,   y_k(u) = Sigma_k - Delta_E_k u,

with closed form u* = sum_k w_k a_k c_k / sum_k w_k c_k^2, a_k = Sigma_k - Sigma_bar_w,
c_k = Delta_E_k - Delta_E_bar_w. Because ln P_R = ln(T P_R) + ln u differs from
ln(T P_R) by a term common to all bins, S(u) and hence u* are the same in the
(1/T, ln P_R) and (1/T, ln(T P_R)) planes: the two descriptions agree exactly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from glasshelpers.core.barriers.kramers import KramersFit
from glasshelpers.core.statistics.stats import bootstrap_ci


@dataclass(frozen=True)
class OnsetTemperature:
    """Best common intersection of Kramers lines.

    - T_onset : 1/u* (NaN if the lines do not meet at positive u).
    - u_onset : u* = 1/T_onset.
    - T_low, T_high : interval (level 1 - alpha) from the chosen uncertainty method
      (T_high = inf if the u interval reaches u <= 0).
    - T_err : half-width (T_high - T_low) / 2 of that interval.
    - ln_TP_onset : weighted mean of the lines' ln(T P_R) at u*.
    - scatter : weighted rms spread of the lines at u* (how well they meet).
    - weights : (n_lines,) weights used.
    - n_lines : lines used (finite fits).
    - method : uncertainty method.
    - samples_u : replicates of u* (propagated or bootstrap).
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
    w = _onset_weights(S, dE, cov if have_cov else None, weights, ok)
    u = float(_u_star(S, dE, w))
    y = S - dE * u
    ybar = float(np.sum(w * y))
    scatter = float(np.sqrt(np.sum(w * (y - ybar) ** 2)))
    if uncertainty == "propagate" and not have_cov:
        raise ValueError("uncertainty='propagate' needs the fits' covariances")
    samples = _onset_samples(S, dE, cov, w, uncertainty, n_samples, alpha, seed)
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


def _onset_weights(S, dE, cov, weights, ok) -> np.ndarray:
    """Normalised line weights of :func:`onset_temperature` (``cov`` None: unknown)."""
    n = S.size
    if isinstance(weights, str):
        if weights != "inverse_variance":
            raise ValueError(f"unknown weights {weights!r}")
        w = np.ones(n)
        u = _u_star(S, dE, w)
        if cov is not None:
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
    return w / w.sum()


def _onset_samples(S, dE, cov, w, uncertainty, n_samples, alpha, seed):
    """Replicates of u* for :func:`onset_temperature`'s interval (None for ``"none"``)."""
    if uncertainty == "propagate":
        rng = np.random.default_rng(seed)
        evals, evecs = np.linalg.eigh(cov)          # symmetric square root, robust to singular cov
        L = evecs * np.sqrt(np.clip(evals, 0, None))[:, None, :]
        z = rng.standard_normal((int(n_samples), S.size, 2))
        draws = np.array([S, dE]).T[None] + np.einsum("kij,skj->ski", L, z)
        return _u_star(draws[..., 0], draws[..., 1], w[None])
    if uncertainty == "bootstrap":
        res = bootstrap_ci(lambda s, e, ww: _u_star(s, e, ww) if np.ptp(e) > 0 else np.nan, S, dE, w,
                           n_boot=int(n_samples), alpha=alpha, seed=seed, return_samples=True)
        return res.samples
    if uncertainty != "none":
        raise ValueError(f"uncertainty must be 'propagate', 'bootstrap' or 'none', got {uncertainty!r}")
    return None


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

