"""What stage 6 reads, loaded once: the products of stages 02-05 the Kramers analysis needs.

:func:`load_inputs` is the only place stage 6 touches files; :func:`barriers.run
<glasshelpers.stages.s06_kramers.barriers.run>` computes from the :class:`KramersInputs` it
returns and the profile's settings, and loads nothing. The products, each declared in the
workflow as an output of the stage that makes it:

* the classifiers of stage 04 (softness and every fluidity classifier) and stage 05's
  calibration table (b_best and sigma_T of each, ``calibration`` array product);
* per temperature, the feature banks of every replica (stage 02), with p_hop at t - 1 and
  at t = t_s + 2 for each bank row and p_hop window (the 10 tau window from stage 02's
  p_hop, the others from the trajectory);
* for the whole-chain half-sampling of Fig. 4 (``analysis.chain_splits`` > 0): every
  classifier's training set and the test set (stage 03), and the refit callables with the
  profile's penalty rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from glasshelpers.core.dynamics import dynamics
from glasshelpers.core.dynamics.dynamics import HALF_WINDOW, STRUCTURE_LAG
from glasshelpers.pipeline.profiles import Profile, replicas
from glasshelpers.stages.common import blocks, load_calibration
from glasshelpers.products.banks import bank_clusters, load_bank, load_phop
from glasshelpers.products.trajectories import load_trajectory
from glasshelpers.products.labelled import fluidity_training_set, softness_p_l, softness_training_set, test_set
from glasshelpers.products.classifiers import all_classifiers, refit


@dataclass
class KramersInputs:
    """The inputs of stage 6 (module docstring).

    - classifiers : training temperature -> fitted classifier (``decision``, ``b``).
    - table1 : stage 05's calibration, ``T``, ``b_best``, ``sigma_T`` per classifier.
    - windows : the p_hop windows (tau, even) the banks carry p_hop pairs for.
    - banks : temperature -> one table over every replica (rows replica-major, within a
      replica frame-major as ``features.reshape(-1, 100)``): ``X`` (n, 100) float32
      features, ``replica``, ``particle``, ``frame`` (structure frame) (n,) int,
      ``phop_later`` (n,) p_hop at frame + 2 (sigma^2), ``clusters`` (n,) half-sampling
      cluster ids (one particle over a p_hop window of bank frames, distinct across
      replicas) and ``phop`` (window -> (p_hop at t - 1, p_hop at t), each (n,)).
    - train, test : the chain's sets, training temperature -> {X, y, blocks}, and the
      test set {X, y, blocks}; None without the whole-chain half-sampling.
    - refits : training temperature -> ``fit(X, y)`` with the profile's penalty for that size.
    """

    classifiers: dict
    table1: pd.DataFrame
    windows: list
    banks: dict
    train: dict | None = None
    test: dict | None = None
    refits: dict | None = field(default=None, repr=False)


def phop_windows(profile: Profile) -> list[int]:
    """p_hop windows (tau) of the analysis: stage 02's 10 tau and ``analysis.indicator_windows``."""
    return sorted({2 * HALF_WINDOW, *(int(w) for w in profile.analysis.indicator_windows)})


def phop_pairs(profile: Profile, T: float, bank: dict, windows=(2 * HALF_WINDOW,), replica: int = 0) -> dict:
    """p_hop at t - 1 and at t = t_s + STRUCTURE_LAG for every bank sample, per window.

    windows : total p_hop windows in tau (frames t - w/2 ... t + w/2); the stage-2 window
    (2 HALF_WINDOW = 10 tau) comes from the cached p_hop, others are computed from the
    trajectory (no new MD). Returns dict window -> (before, at), each (n_bank_frames * n_A,)
    float (NaN where the window does not fit)."""
    frames, a = np.asarray(bank["frames"]), np.asarray(bank["particles"])
    out = {}
    for w in windows:
        w = int(w)
        if w % 2:
            raise ValueError(f"a p_hop window must be an even number of tau, got {w}")
        if w == 2 * HALF_WINDOW:
            ph = load_phop(profile, T, replica=replica)["phop"]
        else:
            ph = dynamics.phop(load_trajectory(profile, T, replica)["positions"], half_window=w // 2)
        t = frames + STRUCTURE_LAG
        out[w] = tuple(np.asarray(ph[idx][:, a], dtype=float).reshape(-1) for idx in (t - 1, t))
    return out


def _bank_table(profile: Profile, T: float, windows) -> dict:
    """The feature banks of every replica at T as one table (:class:`KramersInputs`)."""
    parts = []
    offset = 0
    for r in replicas(profile):
        bank = load_bank(profile, T, replica=r, progress=False)
        nf, na = bank["phop_later"].shape
        clusters = bank_clusters(profile, bank)
        parts.append({"X": bank["features"].reshape(-1, bank["features"].shape[-1]),
                      "replica": np.full(nf * na, r, dtype=np.int64),
                      "particle": np.broadcast_to(np.arange(na)[None, :], (nf, na)).ravel().copy(),
                      "frame": np.broadcast_to(np.asarray(bank["frames"])[:, None], (nf, na)).ravel().copy(),
                      "phop_later": np.asarray(bank["phop_later"]).reshape(-1),
                      "clusters": clusters + offset,
                      "phop": phop_pairs(profile, T, bank, windows, r)})
        offset += int(clusters.max()) + 1
    one = len(parts) == 1
    table = {k: parts[0][k] if one else np.concatenate([p[k] for p in parts])
             for k in ("X", "replica", "particle", "frame", "phop_later", "clusters")}
    table["phop"] = {w: tuple(parts[0]["phop"][w][i] if one else np.concatenate([p["phop"][w][i] for p in parts])
                              for i in (0, 1)) for w in windows}
    return table


def load_inputs(profile: Profile, classifiers: dict | None = None) -> KramersInputs:
    """Load everything stage 6 reads (module docstring); ``classifiers`` if already loaded."""
    clfs = classifiers or all_classifiers(profile)
    windows = phop_windows(profile)
    inputs = KramersInputs(classifiers=clfs, table1=load_calibration(profile, clfs), windows=windows,
                           banks={float(T): _bank_table(profile, T, windows) for T in profile.temperatures})
    if int(profile.analysis.chain_splits) > 0:
        lab = profile.labels
        soft_T, p_l = float(lab.softness_temperature), softness_p_l(profile)
        train = {}
        for T in clfs:
            ds = softness_training_set(profile, p_l) if abs(T - soft_T) < 1e-9 else fluidity_training_set(profile, T)
            train[float(T)] = {"X": ds["X"], "y": ds["y"], "blocks": blocks(ds)}
        ts = test_set(profile, p_l)
        inputs.train, inputs.test = train, {"X": ts["X"], "y": ts["y"], "blocks": blocks(ts)}
        inputs.refits = {T: refit(profile, "softness" if abs(T - soft_T) < 1e-9 else "fluidity") for T in train}
    return inputs
