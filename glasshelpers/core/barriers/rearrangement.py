"""Rearrangement counts per bin of a classifier output: P_R, and its block-bootstrap replicates.

For each temperature and bin of x (x_alpha, softness or fluidity), P_R is the fraction
of (particle, time) samples in the bin that rearrange, i.e. whose p_hop 2 tau after the
structure exceeds the profile's p_c (the book, Methods: Kramers fits). The bins follow
``numpy.histogram`` (last bin closed). The replicates resample clusters of samples
(:func:`glasshelpers.core.statistics.stats.cluster_draws`) and are the input of the Kramers fits'
intervals (:mod:`glasshelpers.core.barriers.kramers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from glasshelpers.core.statistics import stats
from glasshelpers.core.statistics.stats import binomial_se


@dataclass(frozen=True)
class RearrangementProbability:
    """P_R per bin of x at one temperature.

    - edges : (n_bins + 1,) bin edges in x.
    - centers : (n_bins,) bin mid-points.
    - mean_x : (n_bins,) mean x of the samples in each bin (NaN if empty).
    - counts : (n_bins,) samples per bin.
    - n_rearranged : (n_bins,) rearranging samples per bin.
    - P_R : (n_bins,) n_rearranged / counts (NaN for empty bins).
    - P_R_err : (n_bins,) binomial standard error sqrt(P (1-P) / n); 0 when P is 0 or 1,
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
        Whether the sample rearranges: ``p_hop(t + 2 tau) > p_c`` (the profile's ``labels.p_c``).
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


def rearrangement_table(x_by_T: dict, rearranged_by_T: dict, bins) -> pd.DataFrame:
    """Tidy table of P_R for several temperatures with common bins.

    Parameters
    ----------
    x_by_T, rearranged_by_T : dict T -> array
        Per temperature, the x values and rearrangement flags of the samples.
    bins : array of edges (shared by all temperatures).

    Returns
    -------
    DataFrame with columns ``T, bin, x_lo, x_hi, x_center, x_mean, n, k, P_R, P_R_err``
    (one row per temperature and bin), the input of :func:`~glasshelpers.core.barriers.kramers.fit_kramers_frame` and of
    the Fig. 3/9 plotting functions.
    """

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


def bin_index(x, edges):
    """Bin of each x as in numpy.histogram (last bin closed); -1 outside."""
    nb = edges.size - 1
    idx = np.searchsorted(edges, x, side="right") - 1
    idx[x == edges[-1]] = nb - 1
    idx[(x < edges[0]) | (x > edges[-1]) | ~np.isfinite(x)] = -1
    return idx


def cell_counts(idx, flags, cluster, n_clusters, nb):
    """Per (cluster, bin): samples and rearranging samples, as dense float arrays."""
    ok = idx >= 0
    flat = cluster[ok] * nb + idx[ok]
    N = np.bincount(flat, minlength=n_clusters * nb).reshape(n_clusters, nb).astype(float)
    K = np.bincount(flat, weights=flags[ok].astype(float), minlength=n_clusters * nb).reshape(n_clusters, nb)
    return N, K


def cluster_ids(samples, mode: str) -> tuple[np.ndarray, int]:
    """Resampling clusters of the samples of one temperature (its replicas one after another).

    - samples : prepared samples (see :func:`resampled_counts`).
    - mode : "iid" (every sample its own cluster), "block" (particle x time block) or "time"
      (whole-system time block).

    Returns (ids, n_clusters): ids (n_total,) numbered 0 .. n_clusters - 1, each replica's
    clusters after the previous replica's."""
    pick = {"iid": lambda smp: np.arange(smp["particle"].size), "block": lambda smp: smp["blocks"],
            "time": lambda smp: smp["time_blocks"]}
    if mode not in pick:
        raise ValueError(f"resampling mode {mode!r}: expected one of {sorted(pick)}")
    parts, offset = [], 0
    for smp in samples:
        c = np.asarray(pick[mode](smp))
        parts.append(c + offset)
        offset += int(c.max()) + 1 if c.size else 0
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=int)), offset


def resampled_counts(groups, classifiers, nb, n_boot, seed, mode: str = "block", chunk: int = 50):
    """Bootstrap replicates of (n, k) per classifier, temperature and bin.

    - groups : list (one per temperature) of lists of prepared samples (replicas at that T),
      dicts with ``particle`` (n,), ``rearranged`` (n,) bool, ``blocks`` (n,) particle x
      time-block ids, ``time_blocks`` (n,) whole-system time-block ids and ``bins``
      (dict classifier -> (n,) bin index from :func:`bin_index`).
    - mode : "block" (one particle x one time block), "iid" (every sample on its own) or
      "time" (one time block of the whole system: also keeps neighbours together); or a
      list with one of these per temperature.

    The same draws of blocks are used for every classifier (joint replicates).
    Returns dict T_train -> (n_b, k_b) arrays of shape (n_boot, n_T, nb)."""
    rng = np.random.default_rng(seed)
    n_T = len(groups)
    modes = [mode] * n_T if isinstance(mode, str) else list(mode)
    out = {Tt: (np.zeros((n_boot, n_T, nb)), np.zeros((n_boot, n_T, nb))) for Tt in classifiers}
    for i, g in enumerate(groups):
        cluster, offset = cluster_ids(g, modes[i])
        mats = {}
        for Tt in classifiers:
            idx = np.concatenate([smp["bins"][Tt] for smp in g])
            flags = np.concatenate([smp["rearranged"] for smp in g])
            mats[Tt] = cell_counts(idx, flags, cluster, offset, nb)
        step = max(1, min(chunk, int(2e7 // max(offset, 1))))     # <= ~160 MB of draws at a time
        for start in range(0, n_boot, step):
            m = min(step, n_boot - start)
            D = stats.cluster_draws(rng, offset, m).astype(float)
            for Tt, (N, K) in mats.items():
                out[Tt][0][start:start + m, i] = D @ N
                out[Tt][1][start:start + m, i] = D @ K
    return out

