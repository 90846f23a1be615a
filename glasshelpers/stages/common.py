"""What every stage after the labels shares: the profile's bias shifts and x_alpha bins,
seeds, and the block ids of a labelled set."""

from __future__ import annotations

import numpy as np

from .. import stats


def bias_shifts(profile) -> np.ndarray:
    """The bias shifts of every accuracy scan (``analysis.bias_shifts``: start, stop, count)."""
    lo, hi, n = profile["analysis"]["bias_shifts"]
    return np.linspace(float(lo), float(hi), int(n))


def x_edges(profile) -> np.ndarray:
    """Bin edges of x_alpha (``analysis.x_bins``: start, stop, step)."""
    lo, hi, step = profile["analysis"]["x_bins"]
    return np.arange(float(lo), float(hi) + 0.5 * float(step), float(step))


def seed(profile, k=0) -> int:
    """The profile's seed, offset by ``k`` for an independent stream."""
    return int(profile["seed"]) + k


def blocks(ds) -> np.ndarray:
    """Block-bootstrap ids of a labelled set: one particle, one class, one p_hop window
    (11 tau) of structure frames (frames are 1 tau apart)."""
    return stats.labelled_block_ids(ds)

