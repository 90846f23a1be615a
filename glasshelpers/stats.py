"""Seeded bootstrap helpers for uncertainties (accuracies, Kramers parameters, onset T).

All intervals are percentile bootstrap intervals: resample the data with
replacement ``n_boot`` times, recompute the statistic, and take the ``alpha/2``
and ``1 - alpha/2`` quantiles of the replicates. ``alpha = 0.32`` gives the
"one-sigma" (68 %) interval used for error bars, ``alpha = 0.05`` a 95 % interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BootstrapResult:
    """Result of :func:`bootstrap_ci`.

    estimate : statistic on the original data (scalar or array).
    low, high : percentile interval bounds, same shape as ``estimate``.
    std : standard deviation of the replicates (bootstrap standard error).
    alpha : tail mass outside the interval (interval level is 1 - alpha).
    n_valid : number of replicates with a finite statistic (per element).
    samples : the replicates, shape (n_boot, *estimate.shape), if requested.
    """

    estimate: np.ndarray | float
    low: np.ndarray | float
    high: np.ndarray | float
    std: np.ndarray | float
    alpha: float
    n_valid: np.ndarray | int
    samples: np.ndarray | None = None


def _resample_indices(rng, n, strata):
    if strata is None:
        return rng.integers(0, n, size=n)
    idx = []
    for members in strata:
        idx.append(members[rng.integers(0, members.size, size=members.size)])
    return np.concatenate(idx)


def bootstrap_ci(statistic, *data, n_boot: int = 1000, alpha: float = 0.32, seed: int = 0,
                 strata=None, return_samples: bool = False) -> BootstrapResult:
    """Percentile bootstrap interval of ``statistic(*data)``.

    Parameters
    ----------
    statistic : callable
        ``statistic(*arrays) -> float or ndarray`` (fixed shape).
    *data : arrays
        One or more arrays with the same length along axis 0; samples (rows) are
        resampled jointly (paired), e.g. ``(alpha, y)`` of a test set.
    n_boot : int
        Number of bootstrap replicates.
    alpha : float in (0, 1)
        Tail mass: the interval covers ``1 - alpha`` (0.32 -> 68 %, 0.05 -> 95 %).
    seed : int
        Seed of :func:`numpy.random.default_rng`; same seed, same interval.
    strata : array, optional
        Group label per sample; resampling is done within each group, keeping the
        group sizes (e.g. the labels of a balanced test set, to keep it balanced).
    return_samples : bool
        Keep the replicates in the result.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    Replicates where the statistic is not finite (e.g. a fit that fails on a
    degenerate resample) are ignored in the quantiles; ``n_valid`` counts the rest.
    """
    if not data:
        raise ValueError("bootstrap_ci needs at least one data array")
    arrays = [np.asarray(d) for d in data]
    n = arrays[0].shape[0] if arrays[0].ndim else 0
    for a in arrays:
        if a.ndim == 0 or a.shape[0] != n:
            raise ValueError("all data arrays must have the same length along axis 0")
    if n < 2:
        raise ValueError(f"need at least 2 samples to bootstrap, got {n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if int(n_boot) != n_boot or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    groups = None
    if strata is not None:
        strata = np.asarray(strata)
        if strata.shape != (n,):
            raise ValueError("strata must have one label per sample")
        groups = [np.flatnonzero(strata == g) for g in np.unique(strata)]
    estimate = np.asarray(statistic(*arrays), dtype=float)
    rng = np.random.default_rng(seed)
    samples = np.empty((int(n_boot),) + estimate.shape)
    for k in range(int(n_boot)):
        idx = _resample_indices(rng, n, groups)
        samples[k] = statistic(*(a[idx] for a in arrays))
    finite = np.isfinite(samples)
    n_valid = finite.sum(axis=0)
    masked = np.where(finite, samples, np.nan)
    with np.errstate(all="ignore"):
        if np.all(n_valid > 0):
            low, high = np.nanquantile(masked, [alpha / 2, 1 - alpha / 2], axis=0)
            std = np.nanstd(masked, axis=0, ddof=1)
        else:
            low = high = std = np.full(estimate.shape, np.nan)
            ok = n_valid > 0
            if ok.any():
                lo_, hi_ = np.nanquantile(masked[:, ok], [alpha / 2, 1 - alpha / 2], axis=0)
                low, high, std = low.copy(), high.copy(), std.copy()
                low[ok], high[ok] = lo_, hi_
                std[ok] = np.nanstd(masked[:, ok], axis=0, ddof=1)

    def out(v):
        v = np.asarray(v, dtype=float)
        return float(v) if v.ndim == 0 else v

    nv = int(n_valid) if np.ndim(n_valid) == 0 else n_valid
    return BootstrapResult(estimate=out(estimate), low=out(low), high=out(high), std=out(std),
                           alpha=float(alpha), n_valid=nv, samples=samples if return_samples else None)


def binomial_se(k, n):
    """Standard error sqrt(p (1 - p) / n) of a fraction p = k / n (NaN where n = 0)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        return np.where(n > 0, np.sqrt(p * (1 - p) / n), np.nan)


def accuracy_ci(alpha_values, y, shifts, *, n_boot: int = 500, alpha: float = 0.32, seed: int = 0,
                stratified: bool = True) -> BootstrapResult:
    """Bootstrap interval of accuracy vs bias shift on a labelled test set.

    Test samples are resampled (within each class when ``stratified``, so a balanced
    test set stays balanced) and :func:`glasshelpers.classify.accuracy_vs_bias` is
    recomputed at every shift.

    Parameters
    ----------
    alpha_values : (n,) classifier outputs on the test set.
    y : (n,) labels {0, 1}.
    shifts : (m,) bias shifts.
    """
    from .classify import accuracy_vs_bias

    y = np.asarray(y)
    shifts = np.atleast_1d(np.asarray(shifts, dtype=float))
    return bootstrap_ci(lambda a, yy: accuracy_vs_bias(a, yy, shifts), alpha_values, y,
                        n_boot=n_boot, alpha=alpha, seed=seed, strata=y if stratified else None)


__all__ = ["BootstrapResult", "bootstrap_ci", "binomial_se", "accuracy_ci"]
