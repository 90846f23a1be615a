"""Seeded bootstrap helpers for uncertainties (accuracies, Kramers parameters, onset T).

All intervals are percentile bootstrap intervals: resample the data with
replacement ``n_boot`` times, recompute the statistic, and take the ``alpha/2``
and ``1 - alpha/2`` quantiles of the replicates. ``alpha = 0.32`` gives the
"one-sigma" (68 %) interval used for error bars, ``alpha = 0.05`` a 95 % interval.

Block (cluster) bootstrap. Samples are (particle, frame) pairs, and they are not
independent draws: p_hop at frame t uses frames t - 5 ... t + 5, so two samples of one
particle less than ``2 * half_window + 1 = 11`` tau apart share history, and a particle's
structure changes slowly. The resampling unit is therefore a *block*: one particle over
a run of consecutive frames at least one p_hop window long (:func:`block_ids`,
:func:`block_frames`). Whole blocks are drawn with replacement; all samples of a drawn
block enter together. With one sample per block this is the ordinary (iid) bootstrap.
Independent replicas (separate simulations) are the cleanest unit of all; see
:func:`pool_replicas`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glasshelpers.core.dynamics.dynamics import PHOP_SPAN


@dataclass(frozen=True)
class BootstrapResult:
    """Result of :func:`bootstrap_ci`.

    estimate : statistic on the original data (scalar or array).
    low, high : percentile interval bounds, same shape as ``estimate``.
    std : standard deviation of the replicates (bootstrap standard error).
    alpha : tail mass outside the interval (interval level is 1 - alpha).
    n_valid : number of replicates with a finite statistic (per element).
    samples : the replicates, shape ``(n_boot, *estimate.shape)``, if requested.
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


def _cluster_members(clusters, strata):
    """Group sample indices by cluster; clusters are grouped by stratum.

    Returns a list (one entry per stratum, or one entry without strata) of lists of
    index arrays (one per cluster)."""
    clusters = np.asarray(clusters)
    order = np.argsort(clusters, kind="stable")
    uniq, start = np.unique(clusters[order], return_index=True)
    members = np.split(order, start[1:])
    if strata is None:
        return [members]
    strata = np.asarray(strata)
    first = np.array([strata[m[0]] for m in members])
    for m, s0 in zip(members, first):
        if np.any(strata[m] != s0):
            raise ValueError("every cluster must lie inside one stratum (e.g. build cluster ids per class)")
    return [[m for m, s0 in zip(members, first) if s0 == g] for g in np.unique(first)]


def _resample_clusters(rng, groups):
    idx = []
    for members in groups:
        pick = rng.integers(0, len(members), size=len(members))
        idx.extend(members[i] for i in pick)
    return np.concatenate(idx)


def bootstrap_ci(statistic, *data, n_boot: int = 1000, alpha: float = 0.32, seed: int = 0,
                 strata=None, clusters=None, return_samples: bool = False) -> BootstrapResult:
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
    clusters : array, optional
        Block id per sample (:func:`block_ids`). Whole blocks are resampled with
        replacement (block bootstrap; the number of blocks, not of samples, is kept).
        With ``strata``, every block must lie inside one stratum and blocks are drawn
        within their stratum.
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
    arrays, n, groups, cgroups = _bootstrap_setup(data, n_boot, alpha, strata, clusters)
    estimate = np.asarray(statistic(*arrays), dtype=float)
    rng = np.random.default_rng(seed)
    samples = np.empty((int(n_boot),) + estimate.shape)
    for k in range(int(n_boot)):
        idx = _resample_clusters(rng, cgroups) if cgroups is not None else _resample_indices(rng, n, groups)
        samples[k] = statistic(*(a[idx] for a in arrays))
    low, high, std, n_valid = _percentile_interval(samples, estimate.shape, alpha)

    def out(v):
        v = np.asarray(v, dtype=float)
        return float(v) if v.ndim == 0 else v

    nv = int(n_valid) if np.ndim(n_valid) == 0 else n_valid
    return BootstrapResult(estimate=out(estimate), low=out(low), high=out(high), std=out(std),
                           alpha=float(alpha), n_valid=nv, samples=samples if return_samples else None)


def _bootstrap_setup(data, n_boot, alpha, strata, clusters):
    """Checked inputs of :func:`bootstrap_ci`: (arrays, n, sample indices per stratum or
    None, cluster members per stratum or None)."""
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
    cgroups = None
    if clusters is not None:
        clusters = np.asarray(clusters)
        if clusters.shape != (n,):
            raise ValueError("clusters must have one block id per sample")
        cgroups = _cluster_members(clusters, strata)
    return arrays, n, groups, cgroups


def _percentile_interval(samples, shape, alpha):
    """(low, high, std, n_valid) of the finite replicates (NaN where there are none)."""
    finite = np.isfinite(samples)
    n_valid = finite.sum(axis=0)
    masked = np.where(finite, samples, np.nan)
    with np.errstate(all="ignore"):
        if np.all(n_valid > 0):
            low, high = np.nanquantile(masked, [alpha / 2, 1 - alpha / 2], axis=0)
            std = np.nanstd(masked, axis=0, ddof=1)
        else:
            low = high = std = np.full(shape, np.nan)
            ok = n_valid > 0
            if ok.any():
                lo_, hi_ = np.nanquantile(masked[:, ok], [alpha / 2, 1 - alpha / 2], axis=0)
                low, high, std = low.copy(), high.copy(), std.copy()
                low[ok], high[ok] = lo_, hi_
                std[ok] = np.nanstd(masked[:, ok], axis=0, ddof=1)
    return low, high, std, n_valid


def binomial_se(k, n):
    """Standard error sqrt(p (1 - p) / n) of a fraction p = k / n (NaN where n = 0)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        return np.where(n > 0, np.sqrt(p * (1 - p) / n), np.nan)


def block_resampler(clusters, strata=None, seed: int = 0):
    """Generator of block-bootstrap index arrays (one per call of ``next``), for statistics
    too costly to pass through :func:`bootstrap_ci` (e.g. refitting a classifier)."""
    groups = _cluster_members(np.asarray(clusters), strata)
    rng = np.random.default_rng(seed)
    while True:
        yield _resample_clusters(rng, groups)


def half_split(units, strata=None, rng=None) -> np.ndarray:
    """A random half of the blocks ``units`` (n,), within each stratum (n,), optional; every
    block lies in one stratum, an odd one out goes to either half at random. ``rng``: a seed
    or Generator. Returns (n,) bool, True for the samples of half A (half-sampling,
    :mod:`glasshelpers.core.learning.halfsample`)."""
    rng = np.random.default_rng(rng)
    units = np.asarray(units)
    uniq, inv = np.unique(units, return_inverse=True)
    if strata is None:
        groups = [np.arange(uniq.size)]
    else:
        strata = np.asarray(strata)
        first = np.zeros(uniq.size, dtype=strata.dtype)
        first[inv] = strata
        groups = [np.flatnonzero(first == s) for s in np.unique(first)]
    in_a = np.zeros(uniq.size, dtype=bool)
    for g in groups:
        if g.size < 2:
            raise ValueError(f"a stratum has {g.size} block(s); half-sampling needs at least 2 per stratum")
        k = g.size // 2 + (rng.random() < 0.5 if g.size % 2 else 0)
        in_a[rng.permutation(g)[:k]] = True
    return in_a[inv.ravel()]


def block_frames(frame_spacing: float = 1.0, block_tau: float = PHOP_SPAN) -> int:
    """Number of consecutive stored frames in one bootstrap block.

    Parameters
    ----------
    frame_spacing : float
        Time between consecutive stored frames in tau (the feature bank's
        ``bank_stride``; 1 for trajectories).
    block_tau : float
        Shortest block duration in tau (default one p_hop window, 11 tau). Samples of a
        particle closer than this share frames of their p_hop windows.

    Returns
    -------
    int >= 1: ``ceil(block_tau / frame_spacing)``; a block of that many stored frames
    spans at least ``block_tau``.
    """
    if not frame_spacing > 0 or not block_tau > 0:
        raise ValueError("frame_spacing and block_tau must be positive")
    return max(1, int(np.ceil(block_tau / frame_spacing - 1e-9)))


def block_ids(particle, frame, block_length: int, stratum=None) -> np.ndarray:
    """Block id of each (particle, frame) sample: same particle, same time block.

    Parameters
    ----------
    particle : (n,) int
        Particle index of each sample.
    frame : (n,) int
        Frame index of each sample, in the same units as ``block_length`` (e.g. tau for
        trajectory frames, bank positions for feature-bank rows).
    block_length : int
        Frames per time block; block k holds frames ``k * block_length ... (k + 1) *
        block_length - 1``.
    stratum : (n,), optional
        Extra key (e.g. the class label) so that blocks never mix strata.

    Returns
    -------
    (n,) int64: consecutive ids 0 ... n_blocks - 1.
    """
    particle = np.asarray(particle).ravel()
    frame = np.asarray(frame).ravel()
    if particle.shape != frame.shape:
        raise ValueError("particle and frame must have the same length")
    if int(block_length) != block_length or block_length < 1:
        raise ValueError(f"block_length must be a positive integer, got {block_length!r}")
    keys = [particle.astype(np.int64), np.floor_divide(frame.astype(np.int64), int(block_length))]
    if stratum is not None:
        stratum = np.asarray(stratum).ravel()
        if stratum.shape != particle.shape:
            raise ValueError("stratum must have one value per sample")
        keys.append(np.unique(stratum, return_inverse=True)[1].astype(np.int64))
    _, ids = np.unique(np.column_stack(keys), axis=0, return_inverse=True)
    return ids.ravel().astype(np.int64)


def labelled_block_ids(ds: dict, frame_spacing: float = 1.0, block_tau: float = PHOP_SPAN) -> np.ndarray:
    """Block ids for a labelled set (dict with ``particle``, ``frame`` in tau, ``y``):
    blocks of one particle and one class over ``block_tau``."""
    return block_ids(ds["particle"], ds["frame"], block_frames(frame_spacing, block_tau), stratum=ds["y"])


def cluster_draws(rng, n_clusters: int, n_boot: int) -> np.ndarray:
    """How often each of ``n_clusters`` blocks is drawn in each of ``n_boot`` replicates.

    Returns (n_boot, n_clusters) int array; every row sums to ``n_clusters``. With the
    per-block sums of a statistic's ingredients (counts, sums) a replicate is then a
    matrix product, which is how the Kramers bootstrap resamples millions of samples.
    """
    n_clusters, n_boot = int(n_clusters), int(n_boot)
    if n_clusters < 1 or n_boot < 1:
        raise ValueError("need at least one cluster and one replicate")
    out = np.empty((n_boot, n_clusters), dtype=np.int64)
    for k in range(n_boot):
        out[k] = np.bincount(rng.integers(0, n_clusters, size=n_clusters), minlength=n_clusters)
    return out


def ar1_variance_inflation(rho: float) -> float:
    """Large-n variance of the mean of an AR(1) series over the iid value: (1 + rho) / (1 - rho)."""
    if not -1 < rho < 1:
        raise ValueError("|rho| must be < 1")
    return (1 + rho) / (1 - rho)


def interval_width_ratio(block: BootstrapResult, iid: BootstrapResult):
    """(high - low) of a block-bootstrap interval over that of the iid interval."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.asarray(block.high) - np.asarray(block.low)) / (np.asarray(iid.high) - np.asarray(iid.low))


def indicator_autocorrelation(flags, max_lag: int) -> np.ndarray:
    """Normalised time autocorrelation of a 0/1 indicator, averaged over particles.

    Parameters
    ----------
    flags : (n_frames, n_particles) bool, e.g. p_hop > p_c, frames 1 tau apart.
    max_lag : largest lag (frames).

    Returns
    -------
    (max_lag + 1,) C(lag) = (<I(t) I(t+lag)> - m^2) / (m - m^2), m = <I>; C(0) = 1,
    0 for independent frames. NaN if the indicator is constant.
    """
    I = np.asarray(flags, dtype=float)
    if I.ndim != 2:
        raise ValueError("flags must be (n_frames, n_particles)")
    n = I.shape[0]
    if not 0 <= max_lag < n:
        raise ValueError(f"max_lag must be in [0, {n - 1}]")
    m = I.mean()
    var = m - m * m
    if var <= 0:
        return np.full(max_lag + 1, np.nan)
    return np.array([((I[: n - k] * I[k:]).mean() - m * m) / var for k in range(max_lag + 1)])


def decorrelation_time(C, threshold: float = np.exp(-1)) -> float:
    """First lag (linear interpolation) where an autocorrelation drops below ``threshold``
    (default 1/e); NaN if it never does."""
    C = np.asarray(C, dtype=float)
    below = np.flatnonzero(C < threshold)
    if below.size == 0:
        return float("nan")
    k = int(below[0])
    if k == 0:
        return 0.0
    return float(k - 1 + (C[k - 1] - threshold) / (C[k - 1] - C[k]))


# ----------------------------------------------------------------- consistency tests

@dataclass(frozen=True)
class Consistency:
    """Are several estimates of one quantity the same within their uncertainty?

    mean : generalised least-squares mean (weights from the inverse covariance).
    mean_err : its standard error.
    chi2 : r^T C^-1 r of the estimates about ``mean``.
    dof : number of estimates - 1.
    p_value : P(chi2_dof >= chi2): small values mean the estimates differ.
    spread : standard deviation of the estimates (ddof = 0).
    """

    mean: float
    mean_err: float
    chi2: float
    dof: int
    p_value: float
    spread: float


def consistency_test(estimates, samples=None, errors=None, ridge: float = 1e-9) -> Consistency:
    """chi2 test that ``estimates`` share one value.

    Parameters
    ----------
    estimates : (m,) point estimates (m >= 2).
    samples : (n_boot, m) bootstrap replicates, optional
        Replicates drawn *jointly* (the same resample for every estimate), so that
        their covariance carries the correlation of estimates made from the same data
        (e.g. onsets of classifiers applied to the same particles). Rows with a
        non-finite entry are dropped.
    errors : (m,) standard errors, optional
        Used (as a diagonal covariance) when ``samples`` is not given.
    ridge : float
        Relative regularisation added to the covariance diagonal (numerical safety).

    Returns
    -------
    Consistency
    """
    from scipy.stats import chi2 as chi2_dist

    x = np.asarray(estimates, dtype=float)
    m = x.size
    if x.ndim != 1 or m < 2 or not np.isfinite(x).all():
        raise ValueError("need at least two finite estimates")
    if samples is not None:
        s = np.asarray(samples, dtype=float)
        if s.ndim != 2 or s.shape[1] != m:
            raise ValueError(f"samples must have shape (n_boot, {m})")
        s = s[np.isfinite(s).all(axis=1)]
        if s.shape[0] < m + 2:
            raise ValueError(f"too few finite joint replicates ({s.shape[0]}) for {m} estimates")
        C = np.cov(s, rowvar=False)
    elif errors is not None:
        e = np.asarray(errors, dtype=float)
        if e.shape != (m,) or not (np.isfinite(e) & (e > 0)).all():
            raise ValueError("errors must be finite and positive, one per estimate")
        C = np.diag(e ** 2)
    else:
        raise ValueError("give bootstrap samples or errors")
    C = C + ridge * np.mean(np.diag(C)) * np.eye(m)
    Ci = np.linalg.pinv(C)
    one = np.ones(m)
    var_mean = 1.0 / float(one @ Ci @ one)
    mean = var_mean * float(one @ Ci @ x)
    r = x - mean
    chi2 = float(r @ Ci @ r)
    return Consistency(mean=mean, mean_err=float(np.sqrt(var_mean)), chi2=chi2, dof=m - 1,
                       p_value=float(chi2_dist.sf(chi2, m - 1)), spread=float(x.std()))


# ----------------------------------------------------------------------- replicas

def pool_replicas(df, value_cols, by, replica_col: str = "replica"):
    """Pool per-replica results: mean over replicas and the spread between them.

    Parameters
    ----------
    df : DataFrame
        One row per (replica, group), e.g. per replica and classifier.
    value_cols : list of str
        Columns to pool.
    by : list of str
        Group columns (without the replica column).
    replica_col : str

    Returns
    -------
    DataFrame with ``by`` plus, per value column ``c``: ``c`` (mean over replicas),
    ``c_replica_sd`` (standard deviation between replicas, ddof = 1; 0 for one replica),
    ``c_replica_sem`` (sd / sqrt(n)); and ``n_replicas``.
    """
    import pandas as pd

    if replica_col not in df:
        raise ValueError(f"no {replica_col!r} column")
    by = list(by)
    g = df.groupby(by, sort=True)
    out = g[replica_col].nunique().rename("n_replicas").to_frame()
    for c in value_cols:
        mean = g[c].mean()
        sd = g[c].std(ddof=1).fillna(0.0)
        out[c] = mean
        out[f"{c}_replica_sd"] = sd
        out[f"{c}_replica_sem"] = sd / np.sqrt(out["n_replicas"])
    return out.reset_index()


def pool_counts(df, by, replica_col: str = "replica", n_col: str = "n", k_col: str = "k"):
    """Pool binomial counts (n, k) over replicas: P_R of the pooled counts, plus the
    between-replica spread of the per-replica fractions (``P_R_replica_sd``).

    Returns a DataFrame with ``by``, ``n``, ``k``, ``P_R`` (pooled k / n), ``P_R_err``
    (binomial), ``P_R_replica_sd`` and ``n_replicas``."""
    if replica_col not in df:
        raise ValueError(f"no {replica_col!r} column")
    by = list(by)
    d = df.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        d["_p"] = np.where(d[n_col] > 0, d[k_col] / d[n_col], np.nan)
    g = d.groupby(by, sort=True)
    out = g[[n_col, k_col]].sum()
    out["n_replicas"] = g[replica_col].nunique()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["P_R"] = np.where(out[n_col] > 0, out[k_col] / out[n_col], np.nan)
    out["P_R_err"] = binomial_se(out[k_col], out[n_col])
    out["P_R_replica_sd"] = g["_p"].std(ddof=1).fillna(0.0)
    return out.reset_index()


__all__ = ["BootstrapResult", "bootstrap_ci", "binomial_se", "block_frames",
           "block_ids", "labelled_block_ids", "block_resampler", "half_split", "cluster_draws", "ar1_variance_inflation",
           "interval_width_ratio",
           "indicator_autocorrelation", "decorrelation_time",
           "Consistency", "consistency_test", "pool_replicas", "pool_counts"]
