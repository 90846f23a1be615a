"""p_hop and the feature bank of every run: products of stage 02 (``02_features``).

* ``load_phop(profile, T)``: p_hop(i, t) of every particle and frame (the book, Methods: p_hop),
  float32, ``data/<profile>/phop/T0.450.npz``.
* ``load_bank(profile, T)``: the *feature bank*, the 100 structure features of every A
  particle on every ``features.bank_stride``-th frame t_s, paired with p_hop at t_s + 2
  (structure 2 tau before dynamics), ``data/<profile>/features/T0.450.npz``. The bank
  feeds sigma_alpha, the fluidity distributions and the Kramers analysis.
* ``labelled_features(profile, T, particles, frames)``: features of chosen
  (particle, frame) pairs, one neighbour query per distinct frame, so a training set
  never costs whole frames (a computation, not a stored product).

Stage 02 makes p_hop and the banks (``make=True``); every later stage reads them
(:func:`glasshelpers.products.store.make_or_read`). Each file stores its parameters
(trajectory hash, stride...) and the code version; a file made with other parameters is
never silently reused.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.core.dynamics import dynamics
from glasshelpers.core.statistics import stats
from glasshelpers.core.structure import features
from glasshelpers.pipeline.provenance import profile_record
from glasshelpers.pipeline.runs import Run
from glasshelpers.products.store import make_or_read
from glasshelpers.products.trajectories import load_trajectory, trajectory_key

from glasshelpers.core.dynamics.dynamics import HALF_WINDOW, STRUCTURE_LAG


#: The stage that makes the products of this module.
OWNER = "02_features"


def load_phop(profile: Profile, T: float, progress: bool = False, replica: int = 0, make: bool = False) -> dict:
    """p_hop (n_frames, N) float32, sigma_AA^2 (NaN where the window does not fit), and
    types (N,). ``make``: compute and store it when absent (stage 02 only)."""
    run = Run(profile, T, replica)
    params = {**trajectory_key(run), "half_window": HALF_WINDOW, "product": "phop"}
    path = run.phop

    def compute():
        traj = load_trajectory(profile, T, replica)
        ph = dynamics.phop(traj["positions"], half_window=HALF_WINDOW)
        return {"phop": ph.astype(np.float32), "types": traj["types"]}

    return make_or_read(path, params, compute, make=make, owner=OWNER, record=profile_record(profile),
                        what_if=bool(profile.overrides))


def bank_frames(n_frames: int, stride: int) -> np.ndarray:
    """Structure frames t_s of the feature bank: p_hop at t_s + 2 must be defined."""
    first = HALF_WINDOW - STRUCTURE_LAG
    last = n_frames - 1 - HALF_WINDOW - STRUCTURE_LAG
    return np.arange(first, last + 1, int(stride))


def load_bank(profile: Profile, T: float, progress: bool = True, replica: int = 0, make: bool = False) -> dict:
    """Feature bank at T (``make``: compute and store it, and p_hop, when absent; stage 02 only).

    Returns
    -------
    dict with ``features`` (n_bank_frames, n_A, 100) float32, ``frames`` (structure frame
    indices), ``particles`` (indices of the A particles), ``phop_later`` (n_bank_frames,
    n_A) float32 = p_hop at frame + 2.
    """
    stride = int(profile.features.bank_stride)
    run = Run(profile, T, replica)
    params = {**trajectory_key(run), "stride": stride, "lag": STRUCTURE_LAG, "product": "bank"}
    path = run.bank

    def compute():
        ph = load_phop(profile, T, replica=replica, make=True)["phop"]
        frames = bank_frames(len(ph), stride)
        traj = load_trajectory(profile, T, replica)
        types = traj["types"]
        a = np.flatnonzero(types == 0)
        out = np.empty((len(frames), len(a), features.N_FEATURES), dtype=np.float32)
        for k, f in enumerate(tqdm(frames, desc=f"features T={T:g}", disable=not progress, mininterval=2)):
            out[k] = features.radial_features(traj["positions"][f], types, traj["box_length"], targets=a)
        return {"features": out, "frames": frames, "particles": a,
                "phop_later": ph[frames + STRUCTURE_LAG][:, a].astype(np.float32)}

    return make_or_read(path, params, compute, make=make, owner=OWNER, record=profile_record(profile),
                        what_if=bool(profile.overrides))


def labelled_features(profile: Profile, T: float, particles, frames, traj=None, replica: int = 0) -> np.ndarray:
    """Features (n, 100) of the (particle, structure-frame) pairs, in the given order."""
    particles = np.asarray(particles, dtype=np.int64)
    frames = np.asarray(frames, dtype=np.int64)
    if particles.shape != frames.shape:
        raise ValueError("particles and frames must have the same shape")
    if traj is None:
        traj = load_trajectory(profile, T, replica)
    out = np.empty((len(particles), features.N_FEATURES))
    for f in np.unique(frames):
        sel = np.flatnonzero(frames == f)
        out[sel] = features.radial_features(traj["positions"][f], traj["types"], traj["box_length"],
                                            targets=particles[sel])
    return out


def bank_clusters(profile: Profile, bank: dict) -> np.ndarray:
    """Cluster id of every bank row (frame-major, as ``features.reshape(-1, d)``): one
    particle over bank frames spanning at least one p_hop window, the unit that the
    half-sampling of sigma_T and of the whole chain halves."""
    nf, na = bank["phop_later"].shape
    stride = float(profile.features.bank_stride)
    span = stats.block_frames(stride) * stride
    return stats.block_ids(np.tile(np.arange(na), nf), np.repeat(np.floor(np.asarray(bank["frames"]) / span), na), 1)


def mean_features(bank: dict) -> np.ndarray:
    """Average G_A(r), G_B(r) over the bank (100,)."""
    return bank["features"].reshape(-1, bank["features"].shape[-1]).mean(axis=0, dtype=np.float64)
