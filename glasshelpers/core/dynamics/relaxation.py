"""Relaxation of a trajectory: MSD, F_s(k, t), tau_alpha and D.

Small array-in, array-out functions (freud / scikit-learn style). Units are reduced
Lennard-Jones units throughout: lengths in sigma_AA, times in tau = sigma_AA sqrt(m /
epsilon_AA). Trajectories are *unwrapped* positions of shape (n_frames, n_particles, 3);
lags and time origins are frame indices, and the caller converts them to time with the
frame interval (1 tau in glassbook's production runs, ``frame_interval_tau`` in a run's
``meta.json``).

What is here
------------
:func:`msd`
    Mean-squared displacement by FFT (Wiener-Khinchin, O(n_frames log n_frames) per
    particle), averaged over particles and time origins; or per time origin (direct
    differences); optionally restricted to a window of frames.
:func:`self_intermediate_scattering`
    F_s(k, t) = < sin(k r) / (k r) >, ``r = |r_i(t0 + t) - r_i(t0)|``: the exact isotropic
    (orientational) average of exp(i k . dr) for one particle, averaged over particles
    and time origins (or per origin).
:func:`tau_alpha`
    First time F_s drops to 1/e, interpolated linearly in log t; NaN if never reached.
:func:`diffusion_coefficient`
    D from the long-time slope, MSD = 6 D t + c, least squares over t_min <= t <= t_max.

Their intervals and the two-halves (ageing) tests are in :mod:`glasshelpers.core.dynamics.equilibration`.

Everything here is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Wavenumber (sigma_AA^-1) of F_s: near the first peak of the A-A structure factor of the
#: Kob-Andersen mixture at density 1.2, the value used since Kob & Andersen (1995).
FS_WAVENUMBER = 7.25
#: Level that defines tau_alpha: F_s(k, tau_alpha) = 1/e.
INV_E = float(np.exp(-1.0))
#: Temporary-memory target (bytes) of the chunked loops.
_CHUNK_BYTES = 32 * 2**20


# --------------------------------------------------------------------------- inputs
def _trajectory(positions) -> np.ndarray:
    x = np.asarray(positions)
    if x.ndim != 3 or x.shape[2] != 3:
        raise ValueError(f"positions must have shape (n_frames, n_particles, 3), got {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"positions hold no frames or no particles: shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("positions contain NaN or infinite values")
    return x


def _window(origins, n_frames: int) -> tuple[int, int]:
    """Frames [start, stop) that a calculation may use (None: all of them)."""
    if origins is None:
        return 0, n_frames
    try:
        start, stop = origins
    except (TypeError, ValueError):
        raise ValueError(f"origins must be None or a (start, stop) pair of frames, got {origins!r}") from None
    start = 0 if start is None else int(start)
    stop = n_frames if stop is None else int(stop)
    if not (0 <= start < stop <= n_frames):
        raise ValueError(f"origins window ({start}, {stop}) must satisfy 0 <= start < stop <= {n_frames}")
    return start, stop


def _lag_array(lags, n_window: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(lags))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("lags must be a non-empty 1-d sequence of frame counts")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError(f"lags must be whole numbers of frames, got {arr.tolist()}")
    arr = arr.astype(np.int64)
    if np.any(arr < 0) or np.any(arr >= n_window):
        raise ValueError(f"lags must lie in [0, {n_window - 1}] (frames in the window), got {arr.tolist()}")
    return arr


def _select(x, particles):
    if particles is None:
        return x
    sel = np.asarray(particles)
    if sel.dtype == bool:
        if sel.shape != (x.shape[1],):
            raise ValueError(f"a boolean particle mask must have shape ({x.shape[1]},), got {sel.shape}")
        sel = np.flatnonzero(sel)
    if sel.size == 0:
        raise ValueError("no particles selected")
    return x[:, sel]


def _chunk(n_frames: int, per_value: int = 3 * 8) -> int:
    return max(1, _CHUNK_BYTES // max(1, n_frames * per_value))


# ------------------------------------------------------------------------------ MSD
def msd(positions, lags, *, origins=None, per_origin: bool = False, particles=None) -> np.ndarray:
    """Mean-squared displacement ``< |r_i(t0 + lag) - r_i(t0)|^2 >`` at each lag.

    Parameters
    ----------
    positions : array_like, shape (n_frames, n_particles, 3)
        Unwrapped positions in sigma_AA (float32 input is accepted; arithmetic is
        float64).
    lags : sequence of int
        Lags in frames, 0 <= lag < number of frames in the window. Multiply by the frame
        interval (tau) to get times.
    origins : (start, stop) or None
        Use only frames start .. stop - 1: every displacement *starts and ends* inside
        that window, so two disjoint windows (e.g. the two halves of a run) give
        statistically separate estimates. None: the whole trajectory.
    per_origin : bool
        False (default): average over particles and over every time origin t0 with
        t0 + lag in the window (FFT algorithm, all lags at once). True: average over
        particles only, one value per time origin (direct differences).
    particles : array_like of int or bool, optional
        Indices or a mask of the particles to average over (e.g. ``types == 0`` for A).

    Returns
    -------
    ndarray, float64, sigma_AA^2
        per_origin False: shape (len(lags),). per_origin True: shape
        (len(lags), stop - start); column j belongs to origin frame start + j and is NaN
        where start + j + lag >= stop. ``np.nanmean(msd(..., per_origin=True), axis=1)``
        equals ``msd(...)`` to rounding.

    Notes
    -----
    FFT route: with y(t) the position relative to the particle's first frame in the
    window and n = window length, ``sum_{t0} |y(t0+m) - y(t0)|^2`` = S1(m) - 2 S2(m), where
    ``S1(m) = sum_{t0=0}^{n-1-m} |y(t0)|^2 + |y(t0+m)|^2`` (cumulative sums) and S2(m) =
    sum_{t0} y(t0) . y(t0+m) is the autocorrelation computed by zero-padded FFT. Same
    result as freud.msd.MSD(mode="window"), particle average and origin average taken
    together (every origin weighted equally).
    """
    x = _select(_trajectory(positions), particles)
    start, stop = _window(origins, x.shape[0])
    x = x[start:stop]
    n, npart = x.shape[0], x.shape[1]
    lag = _lag_array(lags, n)
    if per_origin:
        out = np.full((lag.size, n), np.nan)
        step = _chunk(n)
        for k, m in enumerate(lag):
            if m == 0:
                out[k] = 0.0
                continue
            acc = np.zeros(n - m)
            for p0 in range(0, npart, step):
                d = x[m:, p0:p0 + step].astype(np.float64) - x[:n - m, p0:p0 + step]
                acc += np.einsum("tpk,tpk->t", d, d)
            out[k, :n - m] = acc / npart
        return out
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    m_all = np.arange(n)
    step = _chunk(2 * n, per_value=3 * 16)
    for p0 in range(0, npart, step):
        y = x[:, p0:p0 + step].astype(np.float64) - x[0, p0:p0 + step]
        sq = np.einsum("tpk,tpk->t", y, y)                 # sum over particles of |y(t)|^2
        cs = np.concatenate([[0.0], np.cumsum(sq)])
        s1 += (cs[n - m_all] - cs[0]) + (cs[n] - cs[m_all])
        f = np.fft.rfft(y, n=2 * n, axis=0)
        power = (f.real ** 2 + f.imag ** 2).sum(axis=(1, 2))
        s2 += np.fft.irfft(power, n=2 * n)[:n]
    full = (s1 - 2.0 * s2) / ((n - m_all) * npart)
    full[0] = 0.0
    return np.maximum(full[lag], 0.0)


# ------------------------------------------------------------------------------ F_s
def self_intermediate_scattering(positions, lags, k: float = FS_WAVENUMBER, origins=None, *,
                                 per_origin: bool = False, particles=None) -> np.ndarray:
    """Self-intermediate scattering function F_s(k, t), isotropically averaged.

    ``F_s(k, t) = < sin(k r) / (k r) >,  r = |r_i(t0 + t) - r_i(t0)|``,

    the exact average of exp(i k . dr) over directions of k at fixed ``|k|`` (no lattice of
    k vectors, no sampling error from directions), averaged over the selected
    particles and over time origins.

    Parameters
    ----------
    positions : array_like, shape (n_frames, n_particles, 3)
        Unwrapped positions in sigma_AA.
    lags : sequence of int
        Lags in frames (0 <= lag < frames in the window).
    k : float
        Wavenumber in sigma_AA^-1 (default 7.25, the first peak of S_AA(k) at density 1.2).
    origins : (start, stop) or None
        Frame window, as in :func:`msd` (displacements start and end inside it).
    per_origin : bool
        True: one value per time origin, shape (len(lags), stop - start), NaN where the
        lag runs past the window.
    particles : array_like of int or bool, optional
        Particles to average over (e.g. the A particles).

    Returns
    -------
    ndarray, float64, dimensionless
        Shape (len(lags),), or (len(lags), stop - start) with ``per_origin``.
    """
    if not (np.isfinite(k) and k > 0):
        raise ValueError(f"k must be positive and finite, got {k!r}")
    x = _select(_trajectory(positions), particles)
    start, stop = _window(origins, x.shape[0])
    x = x[start:stop]
    n, npart = x.shape[0], x.shape[1]
    lag = _lag_array(lags, n)
    per = np.full((lag.size, n), np.nan)
    step = _chunk(n)
    kk = float(k) / np.pi                                # np.sinc(u) = sin(pi u) / (pi u)
    for j, m in enumerate(lag):
        if m == 0:
            per[j] = 1.0
            continue
        acc = np.zeros(n - m)
        for p0 in range(0, npart, step):
            d = x[m:, p0:p0 + step].astype(np.float64) - x[:n - m, p0:p0 + step]
            r = np.sqrt(np.einsum("tpk,tpk->tp", d, d))
            acc += np.sinc(kk * r).sum(axis=1)
        per[j, :n - m] = acc / npart
    if per_origin:
        return per
    return np.nanmean(per, axis=1)


# ------------------------------------------------------------------------ tau_alpha
def tau_alpha(t, fs, level: float = INV_E) -> float:
    """Time at which F_s first falls to ``level`` (default 1/e).

    Between the last sample above the level and the first at or below it, F_s is
    interpolated linearly in log t (linearly in t if the earlier sample is at t = 0).

    Parameters
    ----------
    t : array_like, shape (n,)
        Increasing times >= 0, in tau (lag in frames x frame interval).
    fs : array_like, shape (n,)
        F_s at those times (finite).
    level : float
        Crossing level, 0 < level < 1.

    Returns
    -------
    float
        tau_alpha in the units of ``t``; NaN when F_s never reaches the level within the
        data (run too short) or is already at or below it at the first time (crossing
        before the first sample: add shorter lags). NaN is the flag: test with
        ``np.isnan``.
    """
    t = np.asarray(t, dtype=np.float64)
    f = np.asarray(fs, dtype=np.float64)
    if t.ndim != 1 or t.shape != f.shape or t.size < 1:
        raise ValueError(f"t and fs must be 1-d arrays of one length, got {t.shape} and {f.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(f))):
        raise ValueError("t and fs must be finite")
    if np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be >= 0 and strictly increasing")
    if not (0 < level < 1):
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    below = np.flatnonzero(f <= level)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    i = int(below[0])
    t0, t1, f0, f1 = t[i - 1], t[i], f[i - 1], f[i]
    frac = (f0 - level) / (f0 - f1)
    if t0 <= 0:
        return float(t0 + frac * (t1 - t0))
    return float(np.exp(np.log(t0) + frac * (np.log(t1) - np.log(t0))))


# --------------------------------------------------------------------------------- D
@dataclass(frozen=True)
class DiffusionFit:
    """Result of :func:`diffusion_coefficient`.

    - D : diffusion coefficient, sigma_AA^2 / tau.
    - stderr : standard error of D from the least-squares fit (see the caveat in
      :func:`diffusion_coefficient`).
    - intercept : fitted c of MSD = 2 dim D t + c, sigma_AA^2 (0 if not fitted).
    - n_points : number of (t, MSD) points in the fit.
    - t_min, t_max : fit range actually used, tau.
    """

    D: float
    stderr: float
    intercept: float
    n_points: int
    t_min: float
    t_max: float

    def __iter__(self):          # D, stderr = diffusion_coefficient(...)
        return iter((self.D, self.stderr))


def diffusion_coefficient(t, msd_values, t_min: float, t_max: float | None = None, *,
                          intercept: bool = True, dim: int = 3) -> DiffusionFit:
    """D from the long-time (Fickian) slope of the MSD: MSD = 2 dim D t + c.

    Ordinary least squares over the points with t_min <= t <= t_max. Choose t_min past
    the cage plateau, where the MSD has become linear: in a supercooled liquid several
    tau_alpha (and an MSD of at least ~1 sigma_AA^2); ``intercept=True`` (default) lets
    the fitted line absorb the short-time (ballistic + cage) offset c.

    Parameters
    ----------
    t : array_like, shape (n,)
        Times in tau.
    msd_values : array_like, shape (n,)
        MSD in sigma_AA^2 at those times.
    t_min, t_max : float
        Fit range in tau (t_max None: up to the last point). At least 2 points (3 with an
        intercept) must fall in it.
    intercept : bool
        Fit c as well (True) or force the line through the origin (False).
    dim : int
        Spatial dimension (3).

    Returns
    -------
    DiffusionFit
        ``D`` in sigma_AA^2 / tau and ``stderr``, the standard error of the slope / (2 dim)
        from the fit residuals. Caveat: MSD values at neighbouring lags are strongly
        correlated, so ``stderr`` measures how straight the curve is, not how far D is
        from the truth; use :func:`~glasshelpers.core.dynamics.equilibration.diffusion_interval` (block bootstrap over time
        origins) for an interval that includes the statistical error.
    """
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(msd_values, dtype=np.float64)
    if t.ndim != 1 or t.shape != y.shape:
        raise ValueError(f"t and msd must be 1-d arrays of one length, got {t.shape} and {y.shape}")
    hi = np.inf if t_max is None else float(t_max)
    use = (t >= float(t_min)) & (t <= hi) & np.isfinite(y)
    need = 3 if intercept else 2
    if use.sum() < need:
        raise ValueError(f"only {int(use.sum())} MSD points lie in [{t_min}, {hi}]; need at least {need}")
    tt, yy = t[use], y[use]
    X = np.column_stack([tt, np.ones_like(tt)]) if intercept else tt[:, None]
    coef, *_ = np.linalg.lstsq(X, yy, rcond=None)
    resid = yy - X @ coef
    dof = len(tt) - X.shape[1]
    s2 = float(resid @ resid) / dof if dof > 0 else 0.0
    cov = s2 * np.linalg.inv(X.T @ X)
    scale = 2.0 * dim
    return DiffusionFit(D=float(coef[0] / scale), stderr=float(np.sqrt(max(cov[0, 0], 0.0)) / scale),
                        intercept=float(coef[1]) if intercept else 0.0, n_points=len(tt),
                        t_min=float(tt.min()), t_max=float(tt.max()))
