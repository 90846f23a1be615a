"""Is a run equilibrated? Intervals for tau_alpha and D, and two-halves (ageing) tests.

:func:`block_bootstrap`, :func:`tau_alpha_interval`, :func:`diffusion_interval`
    Seeded block bootstrap over blocks of consecutive time origins: intervals for
    tau_alpha and D that respect the time correlation of the per-origin data.
:func:`ageing_test`
    Two-halves test of a production time series (U/N per frame, or a per-origin
    observable): block means, block standard errors, Welch t-test, verdict.
:func:`compare_halves_dynamics`
    The same test on the MSD at a lag and on F_s at tau_alpha, with time origins (and
    displacement end points) restricted to each half of the trajectory.

Units as in :mod:`glasshelpers.core.dynamics.relaxation` (sigma_AA, tau; lags in frames). The only
random numbers are the bootstrap's, drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from glasshelpers.core.dynamics.relaxation import (FS_WAVENUMBER, INV_E, _select, _trajectory, diffusion_coefficient, msd,
                         self_intermediate_scattering, tau_alpha)


# ------------------------------------------------------------------ block bootstrap
@dataclass(frozen=True)
class BlockInterval:
    """Result of :func:`block_bootstrap` (and the tau_alpha / D wrappers).

    - estimate : statistic of the full (all-origin) curve.
    - low, high : percentile interval at ``confidence``.
    - std : standard deviation of the finite replicates.
    - confidence : interval level (e.g. 0.68 or 0.95).
    - block_length : time origins (frames) per block.
    - n_blocks : blocks resampled.
    - n_valid : replicates with a finite statistic (a tau_alpha replicate is NaN when its
      F_s does not reach 1/e); the interval uses only these.
    - samples : the replicates (n_boot,).
    """

    estimate: float
    low: float
    high: float
    std: float
    confidence: float
    block_length: int
    n_blocks: int
    n_valid: int
    samples: np.ndarray

    def covers(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)


def block_bootstrap(per_origin, statistic, *, block_length: int, n_boot: int = 1000, seed: int = 0,
                    confidence: float = 0.68) -> BlockInterval:
    """Block bootstrap over time origins of a per-origin curve.

    The origins (columns) are cut into ``n_blocks = n_origins // block_length``
    consecutive blocks of (nearly) equal size, all origins used. A replicate draws
    ``n_blocks`` blocks with replacement, averages the curve over the drawn origins (NaN
    entries, i.e. lags that run past the window, are skipped) and applies
    ``statistic``. Per-origin values at one lag are correlated over about ``lag``
    origins (their displacement windows overlap) and over the relaxation time, so
    ``block_length`` should be at least the largest lag the statistic uses (the
    wrappers' default) and several times tau_alpha; keep n_blocks >= ~10.

    Parameters
    ----------
    per_origin : array_like, shape (n_lags, n_origins)
        E.g. ``msd(..., per_origin=True)`` or ``self_intermediate_scattering(...,
        per_origin=True)``.
    statistic : callable
        Maps a curve of shape (n_lags,) to a float (e.g. ``lambda f: tau_alpha(t, f)``).
    block_length : int
        Time origins (frames) per block.
    n_boot : int
        Bootstrap replicates.
    seed : int
        Seed of ``numpy.random.default_rng``: same inputs and seed, same interval.
    confidence : float
        Level of the percentile interval.

    Returns
    -------
    BlockInterval
    """
    v = np.asarray(per_origin, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"per_origin must have shape (n_lags, n_origins), got {v.shape}")
    n_orig = v.shape[1]
    b = int(block_length)
    if b < 1:
        raise ValueError(f"block_length must be >= 1, got {block_length!r}")
    nb = n_orig // b
    if nb < 2:
        raise ValueError(f"{n_orig} time origins make fewer than 2 blocks of {b}: shorten the blocks "
                         "or use a longer trajectory")
    if not (0 < confidence < 1):
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    ok = np.isfinite(v)
    vals = np.where(ok, v, 0.0)
    bounds = np.linspace(0, n_orig, nb + 1).round().astype(int)
    sums = np.add.reduceat(vals, bounds[:-1], axis=1)            # (n_lags, nb)
    counts = np.add.reduceat(ok.astype(np.float64), bounds[:-1], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        full = sums.sum(axis=1) / counts.sum(axis=1)
    estimate = float(statistic(full))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, nb, size=(int(n_boot), nb))
    weights = np.zeros((int(n_boot), nb))
    np.add.at(weights, (np.repeat(np.arange(int(n_boot)), nb), draws.ravel()), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        curves = (weights @ sums.T) / (weights @ counts.T)        # (n_boot, n_lags)
    samples = np.array([statistic(c) for c in curves], dtype=np.float64)
    fin = samples[np.isfinite(samples)]
    if fin.size:
        lo, hi = np.quantile(fin, [(1 - confidence) / 2, (1 + confidence) / 2])
        sd = float(fin.std(ddof=1)) if fin.size > 1 else 0.0
    else:
        lo = hi = sd = float("nan")
    return BlockInterval(estimate=estimate, low=float(lo), high=float(hi), std=sd, confidence=float(confidence),
                         block_length=b, n_blocks=int(nb), n_valid=int(fin.size), samples=samples)


def _finite_prefix(t, curve):
    """The lags up to the first one without a value (a replicate whose blocks hold no
    origin for a long lag): statistics use only the curve measured without gaps."""
    bad = np.flatnonzero(~np.isfinite(curve))
    n = bad[0] if bad.size else len(curve)
    return t[:n], curve[:n]


def tau_alpha_interval(t, fs_per_origin, *, level: float = INV_E, block_length: int | None = None,
                       frame_interval: float = 1.0, n_boot: int = 1000, seed: int = 0,
                       confidence: float = 0.68) -> BlockInterval:
    """tau_alpha with a block-bootstrap interval over time origins.

    Parameters
    ----------
    t : array_like, shape (n_lags,)
        Times of the lags in tau (lags x ``frame_interval``).
    fs_per_origin : array_like, shape (n_lags, n_origins)
        ``self_intermediate_scattering(..., per_origin=True)`` at those lags.
    block_length : int, optional
        Origins per block. Default: the lag (in frames) of the first sample at or below
        ``level`` in the all-origin curve, i.e. the longest lag the interpolation uses,
        and at least 1.
    frame_interval : float
        tau per frame (to turn ``t`` back into a lag for the default block length).
    n_boot, seed, confidence :
        As in :func:`block_bootstrap`.

    Returns
    -------
    BlockInterval
        Estimate and interval in the units of ``t``. ``estimate`` is NaN when the
        all-origin F_s never reaches the level.
    """
    t = np.asarray(t, dtype=np.float64)
    v = np.asarray(fs_per_origin, dtype=np.float64)
    if block_length is None:
        curve = np.nanmean(v, axis=1)
        below = np.flatnonzero(curve <= level)
        last_t = t[below[0]] if below.size else t[-1]
        block_length = max(1, int(np.ceil(last_t / frame_interval - 1e-9)))
    return block_bootstrap(v, lambda f: tau_alpha(*_finite_prefix(t, f), level), block_length=block_length,
                           n_boot=n_boot, seed=seed, confidence=confidence)


def diffusion_interval(t, msd_per_origin, *, t_min: float, t_max: float | None = None,
                       intercept: bool = True, block_length: int | None = None, frame_interval: float = 1.0,
                       n_boot: int = 1000, seed: int = 0, confidence: float = 0.68) -> BlockInterval:
    """D (sigma_AA^2 / tau) with a block-bootstrap interval over time origins.

    Each replicate refits :func:`~glasshelpers.core.dynamics.relaxation.diffusion_coefficient` to the resampled MSD curve.
    Default ``block_length``: the largest lag (frames) in the fit range, so that blocks
    are about as long as the longest displacement they hold.

    Parameters
    ----------
    t : array_like, shape (n_lags,)
        Times of the lags in tau.
    msd_per_origin : array_like, shape (n_lags, n_origins)
        ``msd(..., per_origin=True)`` at those lags.
    t_min, t_max, intercept :
        Fit range and form, as in :func:`~glasshelpers.core.dynamics.relaxation.diffusion_coefficient`.
    block_length, frame_interval, n_boot, seed, confidence :
        As in :func:`tau_alpha_interval`.
    """
    t = np.asarray(t, dtype=np.float64)
    hi = np.inf if t_max is None else float(t_max)
    if block_length is None:
        in_fit = t[(t >= t_min) & (t <= hi)]
        if in_fit.size == 0:
            raise ValueError(f"no lag lies in the fit range [{t_min}, {hi}]")
        block_length = max(1, int(np.ceil(in_fit.max() / frame_interval - 1e-9)))

    def stat(curve):
        tt, cc = _finite_prefix(t, curve)
        if np.count_nonzero((tt >= t_min) & (tt <= hi)) < 2:
            return np.nan
        return diffusion_coefficient(tt, cc, t_min, t_max, intercept=intercept).D

    return block_bootstrap(msd_per_origin, stat, block_length=block_length, n_boot=n_boot, seed=seed,
                           confidence=confidence)


# ---------------------------------------------------------------- two-halves tests
@dataclass(frozen=True)
class HalvesTest:
    """Result of :func:`ageing_test` and of each part of :func:`compare_halves_dynamics`.

    - quantity : what was compared (free text, e.g. "U/N" or "MSD at lag 20").
    - first_mean, second_mean : means over the first and second half.
    - first_err, second_err : their block standard errors (std of the block means / sqrt(n_blocks)).
    - difference : second_mean - first_mean.
    - difference_err : sqrt(first_err^2 + second_err^2).
    - z : difference / difference_err.
    - dof : Welch-Satterthwaite degrees of freedom of the t statistic ``z``.
    - p_value : two-sided p-value of ``z`` under Student's t with ``dof``.
    - alpha : significance level of the verdict.
    - verdict : "ageing" if p_value < alpha, else "equilibrated".
    - n_blocks : blocks per half.
    - block_length : samples per block (the shortest block when they differ by one).
    - tau_int : integrated autocorrelation time of the samples (in samples; Sokal's
      windowed estimate, the mean of the two halves' values, each about its own mean),
      a diagnostic: block means are close to independent when block_length is
      several tau_int (see ``blocks_ok``).
    - blocks_ok : block_length >= 5 tau_int. False means the block errors are likely too
      small and the test too eager to say "ageing": use fewer, longer blocks.
    """

    quantity: str
    first_mean: float
    first_err: float
    second_mean: float
    second_err: float
    difference: float
    difference_err: float
    z: float
    dof: float
    p_value: float
    alpha: float
    verdict: str
    n_blocks: int
    block_length: int
    tau_int: float
    blocks_ok: bool

    @property
    def equilibrated(self) -> bool:
        return self.verdict == "equilibrated"


def integrated_autocorrelation_time(x, c: float = 5.0) -> float:
    """Integrated autocorrelation time tau_int = 1/2 + sum_{t>=1} rho(t), in samples.

    Sokal's automatic window: the sum runs to the smallest W with W >= c tau_int(W)
    (c = 5). For white noise tau_int = 1/2; the variance of a mean of n samples is
    2 tau_int var / n. ``x`` is 1-d; its mean is removed first.
    """
    y = np.asarray(x, dtype=np.float64)
    y = y - y.mean()
    n = y.size
    if n < 4 or not np.any(y):
        return 0.5
    f = np.fft.rfft(y, n=2 * n)
    acf = np.fft.irfft(f.real ** 2 + f.imag ** 2, n=2 * n)[:n] / np.arange(n, 0, -1)
    rho = acf / acf[0]
    tau = 0.5
    for w in range(1, n):
        tau += rho[w]
        if w >= c * tau:
            break
    return float(max(tau, 0.5))


def _block_stats(x, n_blocks):
    parts = np.array_split(x, n_blocks)
    means = np.array([p.mean() for p in parts])
    return float(x.mean()), float(means.std(ddof=1) / np.sqrt(n_blocks)), min(len(p) for p in parts)


def _pooled_tau_int(a, b):
    """Mean of the two halves' tau_int (each half about its own mean, so a drift between
    the halves does not inflate it)."""
    return 0.5 * (integrated_autocorrelation_time(a) + integrated_autocorrelation_time(b))


def _two_halves(first, second, n_blocks: int, alpha: float, quantity: str) -> HalvesTest:
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    n_blocks = int(n_blocks)
    if n_blocks < 2:
        raise ValueError(f"n_blocks must be >= 2, got {n_blocks}")
    if min(first.size, second.size) < 2 * n_blocks:
        raise ValueError(f"each half needs at least 2 samples per block: halves of {first.size} and "
                         f"{second.size} samples, {n_blocks} blocks")
    if not (np.all(np.isfinite(first)) and np.all(np.isfinite(second))):
        raise ValueError("the series contains NaN or infinite values")
    if not (0 < alpha < 1):
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    m1, e1, l1 = _block_stats(first, n_blocks)
    m2, e2, l2 = _block_stats(second, n_blocks)
    diff = m2 - m1
    err = float(np.hypot(e1, e2))
    if err > 0:
        z = diff / err
        dof = err ** 4 / ((e1 ** 4 + e2 ** 4) / (n_blocks - 1)) if (e1 > 0 or e2 > 0) else float(2 * n_blocks - 2)
        p = float(2.0 * _st.t.sf(abs(z), dof))
    else:
        z, dof = (0.0 if diff == 0 else float(np.copysign(np.inf, diff))), float(2 * n_blocks - 2)
        p = 1.0 if diff == 0 else 0.0
    tau = _pooled_tau_int(first, second)
    block = min(l1, l2)
    return HalvesTest(quantity=quantity, first_mean=m1, first_err=e1, second_mean=m2, second_err=e2,
                      difference=float(diff), difference_err=err, z=float(z), dof=float(dof), p_value=p,
                      alpha=float(alpha), verdict="ageing" if p < alpha else "equilibrated",
                      n_blocks=n_blocks, block_length=int(block), tau_int=float(tau),
                      blocks_ok=bool(block >= 5.0 * tau))


def ageing_test(series, n_blocks: int = 10, alpha: float = 0.05, quantity: str = "series") -> HalvesTest:
    """Does a production time series drift between its first and second half?

    The series (e.g. U/N at every production frame, or a per-time-origin observable)
    is split into a first and a second half (an odd middle sample is dropped). Each
    half is cut into ``n_blocks`` consecutive blocks of (nearly) equal length: the
    block length is *fixed* by n_blocks, not chosen from the data. The half's mean
    and its standard error (std of the block means / sqrt(n_blocks)) give a Welch
    t statistic for the difference of the halves, with Welch-Satterthwaite degrees of
    freedom (about 2 n_blocks - 2). Verdict: "ageing" when the two-sided p-value is
    below ``alpha``, else "equilibrated" (i.e. no detectable drift at this level: an
    absence of evidence, with power set by the run length).

    The integrated autocorrelation time is reported as a diagnostic (``tau_int``,
    ``blocks_ok``): the block errors are honest when blocks are several tau_int long;
    with blocks shorter than that the test says "ageing" too often.

    Deterministic: no random numbers.

    Parameters
    ----------
    series : array_like, shape (n,)
        Samples in time order (any units; the result carries the same units).
    n_blocks : int
        Blocks per half (default 10; at least 2 samples per block).
    alpha : float
        Significance level of the verdict.
    quantity : str
        Name stored in the result.

    Returns
    -------
    HalvesTest
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"series must be 1-d, got shape {x.shape}")
    half = x.size // 2
    return _two_halves(x[:half], x[x.size - half:], n_blocks, alpha, quantity)


@dataclass(frozen=True)
class HalvesDynamics:
    """Result of :func:`compare_halves_dynamics`.

    msd : HalvesTest of the MSD (sigma_AA^2) at ``msd_lag``.
    fs : HalvesTest of F_s(k, t) at ``fs_lag`` (None if tau_alpha was not reached).
    msd_lag, fs_lag : lags in frames.
    tau_alpha_frames : tau_alpha used for ``fs_lag`` (frames), from the whole run unless given.
    k : wavenumber, sigma_AA^-1.
    windows : ((start, stop), (start, stop)) frame windows of the two halves.

    ``verdict`` is "ageing" if either test says so, so its false-alarm rate on a
    stationary run is up to about 2 alpha (the two tests are positively correlated).
    """

    msd: HalvesTest
    fs: HalvesTest | None
    msd_lag: int
    fs_lag: int | None
    tau_alpha_frames: float
    k: float
    windows: tuple

    @property
    def verdict(self) -> str:
        parts = [self.msd] + ([self.fs] if self.fs is not None else [])
        return "ageing" if any(p.verdict == "ageing" for p in parts) else "equilibrated"


def _blocks_for(n_origins: int, n_blocks: int) -> int:
    """Blocks per half: ``n_blocks``, fewer when a half holds too few origins for two per
    block (at least 2 blocks; callers keep at least 4 origins)."""
    return max(2, min(int(n_blocks), n_origins // 2))


def compare_halves_dynamics(positions, lag: int, *, k: float = FS_WAVENUMBER, tau_alpha_frames: float | None = None,
                            n_blocks: int = 5, alpha: float = 0.05, particles=None) -> HalvesDynamics:
    """Compare the dynamics of the first and second half of a trajectory.

    The trajectory's frames are split into two halves of equal length h (an odd middle
    frame is dropped: the halves are frames [0, h) and [n - h, n)). In each half,
    with time origins *and* end points inside it, the per-origin MSD at ``lag`` and the
    per-origin F_s(k, t) at t = tau_alpha are computed; each per-origin series is
    compared between the halves with the block test of :func:`ageing_test`
    (``n_blocks`` blocks of consecutive origins per half). Blocks should be longer than
    the lag (neighbouring origins share displacement windows); the result's
    ``blocks_ok`` uses the measured autocorrelation time of the per-origin series.

    Parameters
    ----------
    positions : array_like, shape (n_frames, n_particles, 3)
        Unwrapped positions, sigma_AA.
    lag : int
        MSD lag in frames (1 <= lag < h).
    k : float
        F_s wavenumber, sigma_AA^-1.
    tau_alpha_frames : float, optional
        tau_alpha in frames. Default: from the F_s of the whole trajectory (all origins)
        at log-spaced lags up to h - 1 (:func:`~glasshelpers.core.dynamics.relaxation.tau_alpha`); F_s is then compared at the
        nearest whole lag (at least 1). If tau_alpha is not reached, ``fs`` is None.
    n_blocks : int
        Blocks of origins per half (default 5).
    alpha : float
        Significance level.
    particles : array_like of int or bool, optional
        Particles to average over.

    Returns
    -------
    HalvesDynamics
        ``verdict`` is "ageing" if either comparison says so.
    """
    x = _select(_trajectory(positions), particles)
    n = x.shape[0]
    h = n // 2
    lag = int(lag)
    if not (1 <= lag < h):
        raise ValueError(f"lag must lie in [1, {h - 1}] frames for halves of {h} frames, got {lag}")
    w1, w2 = (0, h), (n - h, n)
    if tau_alpha_frames is None:
        lags = np.unique(np.round(np.geomspace(1, h - 1, 40)).astype(int))
        fs_all = self_intermediate_scattering(x, lags, k)
        tau_alpha_frames = tau_alpha(lags.astype(float), fs_all)
    tau_f = float(tau_alpha_frames)
    m1 = msd(x, [lag], origins=w1, per_origin=True)[0, :h - lag]
    m2 = msd(x, [lag], origins=w2, per_origin=True)[0, :h - lag]
    res_msd = _two_halves(m1, m2, _blocks_for(h - lag, n_blocks), alpha, f"MSD at lag {lag} frames")
    res_fs, fs_lag = None, None
    if np.isfinite(tau_f):
        fs_lag = int(max(1, round(tau_f)))
        if h - fs_lag >= 4:
            f1 = self_intermediate_scattering(x, [fs_lag], k, w1, per_origin=True)[0, :h - fs_lag]
            f2 = self_intermediate_scattering(x, [fs_lag], k, w2, per_origin=True)[0, :h - fs_lag]
            res_fs = _two_halves(f1, f2, _blocks_for(h - fs_lag, n_blocks), alpha,
                                 f"F_s(k={k:g}) at lag {fs_lag} frames (~tau_alpha)")
        else:
            fs_lag = None
    return HalvesDynamics(msd=res_msd, fs=res_fs, msd_lag=lag, fs_lag=fs_lag, tau_alpha_frames=tau_f,
                          k=float(k), windows=(w1, w2))
