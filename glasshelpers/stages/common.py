"""What every stage after the labels shares: the profile's bias shifts and x_alpha bins,
seeds, the block ids of a labelled set, and the transfer calibration that stage 05 writes
and stage 06 reads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.statistics import stats
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.cache import load_arrays, save_arrays
from glasshelpers.pipeline.provenance import StaleDataError, params_hash, profile_record


def bias_shifts(profile) -> np.ndarray:
    """The bias shifts of every accuracy scan (``analysis.bias_shifts``: start, stop, count)."""
    lo, hi, n = profile.analysis.bias_shifts
    return np.linspace(float(lo), float(hi), int(n))


def x_edges(profile) -> np.ndarray:
    """Bin edges of x_alpha (``analysis.x_bins``: start, stop, step)."""
    lo, hi, step = profile.analysis.x_bins
    return np.arange(float(lo), float(hi) + 0.5 * float(step), float(step))


def seed(profile, k=0) -> int:
    """The profile's seed, offset by ``k`` for an independent stream."""
    return int(profile.seed) + k


def blocks(ds) -> np.ndarray:
    """Block-bootstrap ids of a labelled set: one particle, one class, one p_hop window
    (11 tau) of structure frames (frames are 1 tau apart)."""
    return stats.labelled_block_ids(ds)



def _calibration_params(classifiers: dict) -> dict:
    """What the calibration depends on: every classifier's weights and bias (their hash)."""
    return {"product": "calibration",
            "classifiers": {f"{float(T):g}": params_hash({"w_hat": [float(v) for v in np.ravel(c.w_hat)], "b": float(c.b)})
                            for T, c in sorted(classifiers.items())}}


def save_calibration(profile, classifiers: dict, table: pd.DataFrame):
    """Store b_best and sigma_T of every classifier (columns ``T, b_best, sigma_T`` of
    ``table``, full precision) as ``models/calibration.npz`` (with overrides: a file of
    their own, :func:`glasshelpers.pipeline.paths.calibration_file`); returns nothing."""
    t = table.set_index("T").loc[sorted(float(T) for T in classifiers)]
    save_arrays(paths.calibration_file(profile),
                {"T": t.index.to_numpy(float), "b_best": t["b_best"].to_numpy(float),
                 "sigma_T": t["sigma_T"].to_numpy(float)},
                _calibration_params(classifiers), record=profile_record(profile))


def load_calibration(profile, classifiers: dict) -> pd.DataFrame:
    """The calibration stage 05 stored for these classifiers: DataFrame ``T, b_best,
    sigma_T`` (bias units of the decision function, see :func:`save_calibration`). With
    overrides, the one stage 05 made with the same overrides, else the profile's own when
    the overrides leave the classifiers as they are. Raises FileNotFoundError when stage 05
    has not run for these classifiers, StaleDataError when it ran on other ones."""
    params = _calibration_params(classifiers)
    own, mine = paths.calibration_file(profile, own=True), paths.calibration_file(profile)
    for path in dict.fromkeys([mine, own]):
        if path.is_file():
            try:
                d = load_arrays(path, params)
            except StaleDataError:
                if path == own and mine != own:
                    continue
                raise
            return pd.DataFrame({"T": d["T"], "b_best": d["b_best"], "sigma_T": d["sigma_T"]})
    if mine != own and own.is_file():
        raise StaleDataError(f"{own} was made for other classifiers than these overrides give: run "
                             "05_transfer_learning with the same overrides first")
    raise FileNotFoundError(f"no transfer calibration at {mine}: run 05_transfer_learning first")
