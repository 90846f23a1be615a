"""Likelihood fits of rearrangement counts: the Kramers form as a log-link GLM, zeros kept.

A cell (T, bin of x) holds ``k`` events out of ``n`` trials: rearranging samples out of
all samples for the paper's occupancy P_R (binomial), or rearrangement onsets in ``n``
tau of time at risk for the event rate r (Poisson, ``n`` the exposure). The Kramers form

    ln(T P) = Sigma - Delta_E u,    u = 1/T    (P = P_R, or r in 1/tau)

is a GLM with log link and offset ln u (= -ln T). Cells with ``k = 0`` stay in the
likelihood (a least-squares fit of ln P must drop them, which biases ln P upward where
rearrangements are rare).

Models (cells flattened over temperatures; ``x`` is each cell's *mean* x, not its bin
centre, because the x distribution inside a bin shifts with T):

* per bin: Sigma_j, Delta_E_j for every bin j (the paper's lines), optionally with a
  curvature term ``+ C_j u^2`` (:func:`curvature_test`);
* smooth: Sigma = s0 + s1 x, Delta_E = e0 + e1 x (the softness literature's form). All its
  lines meet where d ln P / dx = s1 - e1 u = 0, i.e. at the onset u* = s1 / e1;
* common point: per-bin barriers whose lines all pass through one point,
  ln(T P) = a + Delta_E_j (u* - u); its best u* is where the per-bin lines meet.

Samples are correlated (one rearrangement spans several frames, neighbours rearrange
together), so the counts are over-dispersed against binomial / Poisson. The fits use
Rao and Scott's effective counts, k / phi and n / phi, with phi the *design effect* per
temperature measured by the block bootstrap (:func:`design_effect`): the resampling, not
the residuals, sets the noise level, so a misfit is never scaled away.

Intervals: the smooth-form and common-point onsets have profile-likelihood intervals
(:func:`~glasshelpers.core.barriers.glmonset.profile_onset`), which always contain their estimate; per-bin parameters have
Wald errors from the observed information. The solver (:func:`fit_batch`) is a batched
Newton method with step halving, checked against statsmodels' GLM in the tests;
:func:`statsmodels_fit` is that reference fit.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import chi2 as chi2_dist

FAMILIES = ("binomial", "poisson")


# ----------------------------------------------------------------------------- the solver

def _loglik(eta, k, n, family):
    """Log-likelihood per cell, without the constant (binomial coefficient / k!)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if family == "poisson":
            return k * eta - n * np.exp(eta)
        p = np.exp(eta)
        ll = k * eta + np.where(n - k > 0, (n - k) * np.log1p(-np.minimum(p, 1.0)), 0.0)
        return np.where((p >= 1.0) & (n - k > 0), -np.inf, ll)


def _score_weights(eta, k, n, family):
    """dll/deta and -d2ll/deta2 per cell (log link)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if family == "poisson":
            mu = n * np.exp(eta)
            return k - mu, mu
        p = np.exp(eta)
        q = 1.0 - p
        return k - (n - k) * p / q, (n - k) * p / q ** 2


def fit_batch(X, k, n, offset=0.0, family: str = "poisson", max_iter: int = 100, tol: float = 1e-10):
    """Maximum-likelihood fits of log-link binomial or Poisson GLMs, batched.

    Parameters
    ----------
    X : (..., m, p) design matrices (leading axes: independent fits). Column 0 must be
        the intercept (all ones): it is lowered to start a binomial fit inside P < 1.
    k, n : (..., m) events and trials (binomial) or exposure (Poisson, any unit);
        non-integer effective counts allowed; cells with n = 0 do not contribute.
    offset : broadcastable to (..., m), added to the linear predictor (e.g. ln u).
    family : "binomial" (P = exp(eta) <= 1) or "poisson" (rate exp(eta) per unit of n).

    Returns
    -------
    dict with ``beta`` (..., p), ``cov`` (..., p, p) inverse observed information,
    ``loglik`` (...,), ``converged`` (...,) bool. Fits that do not converge (e.g. a
    parameter the data leave unbounded: a bin without events) get NaN.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    X = np.asarray(X, dtype=float)
    k, n = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float))
    off = np.broadcast_to(np.asarray(offset, dtype=float), k.shape)
    if X.ndim == 2:                                   # one fit: solve it as a batch of one
        r = fit_batch(X[None], k[None], n[None], off[None], family, max_iter, tol)
        return {key: v[0] for key, v in r.items()}
    if X.shape[:-1] != k.shape:
        raise ValueError(f"X {X.shape} and counts {k.shape} do not match")
    if (k < 0).any() or (n < 0).any() or (family == "binomial" and (k > n * (1 + 1e-12)).any()):
        raise ValueError("counts must satisfy 0 <= k (<= n for binomial)")
    beta = _start(X, k, n, off, family)
    ll = _loglik((X @ beta[..., None])[..., 0] + off, k, n, family).sum(-1)
    done = np.zeros(ll.shape, bool)
    for _ in range(max_iter):
        eta = (X @ beta[..., None])[..., 0] + off
        g, w = _score_weights(eta, k, n, family)
        grad = (X * g[..., None]).sum(-2)
        H = np.swapaxes(X * w[..., None], -1, -2) @ X
        step = _solve(H, grad)
        beta, ll, small = _line_search(X, k, n, off, family, beta, ll, step, done)
        done |= small
        if done.all():
            break
    eta = (X @ beta[..., None])[..., 0] + off
    _, w = _score_weights(eta, k, n, family)
    H = np.swapaxes(X * w[..., None], -1, -2) @ X
    cov = _inv(H)
    var = np.diagonal(cov, axis1=-2, axis2=-1)
    ok = done & np.isfinite(ll) & np.isfinite(cov).all((-1, -2)) & (np.abs(beta) < 1e6).all(-1) & (var < 1e8).all(-1)
    nan = np.where(ok, 1.0, np.nan)
    return dict(beta=beta * nan[..., None], cov=cov * nan[..., None, None], loglik=ll * nan, converged=ok)


def _start(X, k, n, off, family):
    """Starting values: weighted least squares of the log of smoothed proportions."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log((k + 0.5) / (n + 1.0)) - off
    w = n / (1.0 + n)
    A = np.einsum("...mp,...m,...mq->...pq", X, w, X) + 1e-9 * np.eye(X.shape[-1])
    b = np.einsum("...mp,...m,...m->...p", X, w, y)
    beta = _solve(A, b)
    beta = np.where(np.isfinite(beta), beta, 0.0)
    if family == "binomial":            # start strictly inside P < 1 where there are trials
        eta = (X @ beta[..., None])[..., 0] + off
        top = np.max(np.where(n > 0, eta, -np.inf), axis=-1)
        beta[..., 0] -= np.where(top > -0.05, top + 0.05, 0.0)
    return beta


def _ridged(A):
    """A with non-finite entries zeroed and a tiny ridge (relative 1e-12 of its largest
    diagonal entry), so that a parameter without data gives a finite, huge variance
    instead of a singular matrix."""
    A = np.where(np.isfinite(A), A, 0.0)
    d = np.abs(np.diagonal(A, axis1=-2, axis2=-1)).max(-1)
    return A + (1e-12 * np.maximum(d, 1e-300))[..., None, None] * np.eye(A.shape[-1])


def _solve(A, b):
    return np.linalg.solve(_ridged(A), np.where(np.isfinite(b), b, 0.0)[..., None])[..., 0]


def _inv(H):
    return np.linalg.inv(_ridged(H))


def _line_search(X, k, n, off, family, beta, ll, step, done):
    """Newton step with halving until the log-likelihood does not decrease."""
    t = np.where(done, 0.0, 1.0)
    new_beta, new_ll = beta.copy(), ll.copy()
    pending = ~done & np.isfinite(step).all(-1)
    for _ in range(40):
        if not pending.any():
            break
        cand = beta + t[..., None] * np.where(np.isfinite(step), step, 0.0)
        cll = _loglik((X @ cand[..., None])[..., 0] + off, k, n, family).sum(-1)
        good = pending & np.isfinite(cll) & (cll >= ll - 1e-12 * np.abs(ll))
        new_beta[good], new_ll[good] = cand[good], cll[good]
        pending &= ~good
        t = np.where(pending, t * 0.5, t)
    scale = np.maximum(1.0, np.abs(new_beta)).max(-1)
    with np.errstate(invalid="ignore"):                  # -inf - -inf where a fit has no valid start
        small = (np.abs(new_beta - beta).max(-1) <= 1e-10 * scale) | (pending & (t < 1e-11)) | \
            (np.abs(new_ll - ll) <= 1e-13 * np.maximum(1.0, np.abs(ll)))
    return new_beta, new_ll, small | ~np.isfinite(step).all(-1)


def statsmodels_fit(X, k, n, offset=0.0, family: str = "poisson"):
    """The same fit with statsmodels' GLM (the reference of :func:`fit_batch`): one design
    (m, p). Poisson uses ``exposure = n``; binomial the proportion k/n with ``var_weights
    = n`` and a log link. Returns (beta, cov, converged)."""
    import statsmodels.api as sm

    X = np.asarray(X, dtype=float)
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    off = np.broadcast_to(np.asarray(offset, dtype=float), k.shape)
    use = n > 0
    if family == "poisson":
        m = sm.GLM(k[use], X[use], family=sm.families.Poisson(), offset=off[use], exposure=n[use])
    else:
        m = sm.GLM(k[use] / n[use], X[use], family=sm.families.Binomial(link=sm.families.links.Log()),
                   offset=off[use], var_weights=n[use])
    r = m.fit(start_params=_start(X[use], k[use], n[use], off[use], family), tol=1e-12, maxiter=200)
    return np.asarray(r.params), np.asarray(r.cov_params()), bool(r.converged)


# ----------------------------------------------------------------------------- cells and design effect

def design_effect(k, n, k_boot, n_boot, family: str = "binomial"):
    """Over-dispersion per temperature from bootstrap replicates of the counts.

    k, n : (n_T, n_bins) counts; k_boot, n_boot : (n_rep, n_T, n_bins) their replicates.
    phi_T = sum_j Var_boot(k/n) / sum_j V_j, with the model variance V = P(1-P)/n
    (binomial) or P/n (Poisson, P = k/n a rate), over cells with events. Floored at 1
    (the samples are never more informative than independent draws); 1 where no cell
    has events. Returns (n_T,)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = k / n
        Pb = np.asarray(k_boot, dtype=float) / np.asarray(n_boot, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)          # cells never drawn: NaN
            vb = np.nanvar(Pb, axis=0, ddof=1) if Pb.shape[0] > 1 else np.full(P.shape, np.nan)
        vm = P * (1 - P) / n if family == "binomial" else P / n
    use = (k > 0) & np.isfinite(vb) & np.isfinite(vm) & (vm > 0)
    num, den = np.where(use, vb, 0).sum(-1), np.where(use, vm, 0).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(den > 0, num / den, 1.0)
    return np.maximum(np.where(np.isfinite(phi), phi, 1.0), 1.0)


def select(T, T_up, T_min=None):
    """Mask of temperatures T_min <= T <= T_up (inclusive, float-tolerant)."""
    T = np.asarray(T, dtype=float)
    m = T <= T_up * (1 + 1e-9)
    return m if T_min is None else m & (T >= T_min * (1 - 1e-9))


def eligible_bins(k, sel, min_event_temperatures: int = 2):
    """Bins that a per-bin fit can determine over the selected temperatures: events at
    ``min_event_temperatures`` or more distinct temperatures (else the likelihood is
    maximised at Delta_E -> infinity). k : (n_T, n_bins). Returns (n_bins,) bool."""
    return ((np.asarray(k)[sel] > 0).sum(0) >= int(min_event_temperatures))


# ----------------------------------------------------------------------------- per-bin fits and curvature

def _per_bin_design(u, dx, j, nb, curved):
    """Columns: per-bin intercept and -u, the shared within-bin slope terms dx and -u dx
    (when ``dx`` is given), and per-bin (u - u_mid)^2 for the bins in ``curved``."""
    onehot = (j[:, None] == np.arange(nb)[None, :]).astype(float)
    cols = [onehot, -u[:, None] * onehot]
    if dx is not None:
        cols.append(np.column_stack([dx, -u * dx]))
    if curved is not None and curved.any():
        um = 0.5 * (u.min() + u.max())
        cols.append(((u - um) ** 2)[:, None] * onehot[:, curved])
    return np.concatenate(cols, axis=1)


def per_bin_fit(T, k, n, family, sel=None, x=None, curvature: bool = False):
    """Per-bin fits ln(T P) = Sigma_j - Delta_E_j u (+ C_j (u - u_mid)^2) over the selected
    temperatures, all bins in one likelihood.

    - T : (n_T,); k, n : (n_T, n_bins) effective counts (zeros kept); sel : (n_T,) mask.
    - x : (n_T, n_bins) mean x per cell, optional. Given, the x distribution's shift inside
      a bin is absorbed by two shared terms, (s1 - e1 u)(x - xbar_j), so Sigma_j and
      Delta_E_j belong to the bin's mean x, xbar_j (trial-weighted over the selection);
      without them a shift of x with T shows up as curvature.
    - curvature : add C_j for bins with events at three or more temperatures.

    Bins with events at fewer than two temperatures are left out (NaN). Returns dict with
    ``Sigma, Delta_E`` and errors, ``C`` (if asked), ``x_bar``, ``ok`` (n_bins,),
    ``loglik`` (summed over the fitted cells), ``n_params``, ``n_cells``."""
    T = np.asarray(T, dtype=float)
    sel = np.ones(T.size, bool) if sel is None else np.asarray(sel, bool)
    k, n = np.asarray(k, float), np.asarray(n, float)
    nb = k.shape[1]
    ok = eligible_bins(k, sel, 2)
    curved = eligible_bins(k, sel, 3) & ok if curvature else None
    use = sel[:, None] & (n > 0) & ok[None, :]
    if x is not None:
        xx = np.where(np.isfinite(x), x, 0.0)
        w = np.where(use, n, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            xbar = (w * xx).sum(0) / w.sum(0)
        dx = (xx - np.nan_to_num(xbar)[None, :])[use]
    else:
        xbar, dx = np.full(nb, np.nan), None
    u = np.broadcast_to((1.0 / T)[:, None], k.shape)[use]
    j = np.broadcast_to(np.arange(nb)[None, :], k.shape)[use]
    X = _per_bin_design(u, dx, j, nb, curved)
    keep = np.concatenate([ok, ok, np.ones(X.shape[1] - 2 * nb, bool)])
    r = fit_batch(X[:, keep], k[use], n[use], np.log(u), family)
    m = int(ok.sum())
    b, cov = np.full(X.shape[1], np.nan), np.full(X.shape[1], np.nan)
    b[keep] = r["beta"]
    cov[keep] = np.diag(r["cov"]) if np.ndim(r["cov"]) == 2 else np.nan
    conv = bool(r["converged"])
    nan = 1.0 if conv else np.nan
    out = dict(Sigma=b[:nb] * nan, Delta_E=b[nb:2 * nb] * nan, Sigma_err=np.sqrt(cov[:nb]) * nan,
               Delta_E_err=np.sqrt(cov[nb:2 * nb]) * nan, x_bar=xbar, ok=ok & conv,
               loglik=float(r["loglik"]), n_params=int(keep.sum()), n_cells=int(use.sum()), n_bins=m)
    if curvature:
        C = np.full(nb, np.nan)
        if curved.any():
            C[curved] = b[-int(curved.sum()):]
        out.update(C=C * nan, n_curved=int(curved.sum()))
    return out


def saturated_loglik(k, n, family):
    """Log-likelihood of the saturated model (P = k/n in every cell), per cell."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = np.where(n > 0, k / n, 0.0)
        ll = np.where(k > 0, k * np.log(np.where(k > 0, P, 1.0)), 0.0)
        if family == "poisson":
            return ll - np.where(n > 0, k, 0.0)
        return ll + np.where((n - k) > 0, (n - k) * np.log1p(-np.where(n - k > 0, P, 0.0)), 0.0)


def curvature_test(T, k, n, family, sel=None, x=None) -> dict:
    """Likelihood-ratio test of straight lines against lines with a 1/T^2 term, per bin.

    Over the selected temperatures, :func:`per_bin_fit` without and with a curvature term
    C_j for every bin with events at three or more temperatures; the statistic
    2 (ll_curved - ll_straight) is chi2 with one degree of freedom per curved bin. Also the
    straight model's deviance against the saturated model (misfit of any kind), with its
    own p-value. Neither is rescaled. ``x``: cell mean x (see :func:`per_bin_fit`).

    Returns dict: ``lr, dof, p_value`` (curvature), ``deviance, deviance_dof,
    deviance_p``, ``n_bins`` (bins fitted), ``n_T``."""
    T = np.asarray(T, dtype=float)
    sel = np.ones(T.size, bool) if sel is None else np.asarray(sel, bool)
    s = per_bin_fit(T, k, n, family, sel, x)
    c = per_bin_fit(T, k, n, family, sel, x, curvature=True)
    lr = float(max(0.0, 2 * (c["loglik"] - s["loglik"])))
    dof = int(c["n_curved"]) if np.isfinite(c["loglik"]) and np.isfinite(s["loglik"]) else 0
    kk, nn = np.asarray(k, float)[sel], np.asarray(n, float)[sel]
    dev = float(2 * (saturated_loglik(kk, nn, family)[:, s["ok"]].sum() - s["loglik"]))
    ddof = s["n_cells"] - s["n_params"]
    return dict(lr=lr, dof=dof, p_value=float(chi2_dist.sf(lr, dof)) if dof else np.nan, deviance=dev,
                deviance_dof=ddof, deviance_p=float(chi2_dist.sf(dev, ddof)) if ddof > 0 else np.nan,
                n_bins=s["n_bins"], n_T=int(np.unique(T[sel]).size))
