"""Inherent structures: each configuration quenched to its nearest local energy minimum.

The inherent structure of a configuration is the minimum of the potential energy reached
from it by steepest descent (Stillinger and Weber, Phys. Rev. A 25, 978, 1982); in practice a
conjugate-gradient (LAMMPS) or FIRE (HOOMD-blue) minimisation of the plain LJ potential,
stopped when the forces vanish to ``force_tol``. Quenching removes the vibrations inside a
basin, so a quantity computed on the quenched trajectory (for example p_hop) sees only the
transitions between basins.

Units: lengths sigma_AA, forces epsilon_AA / sigma_AA.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

#: Largest force component (epsilon_AA / sigma_AA) left at an inherent structure.
FORCE_TOL = 1e-6


def inherent_structures(engine, positions, types, box_length: float, force_tol: float = FORCE_TOL,
                        progress: bool = False) -> np.ndarray:
    """Quench every frame of a trajectory to its inherent structure.

    Parameters
    ----------
    engine : glasshelpers.core.md.engines.base.Engine
        An MD engine (any state; each frame is loaded afresh).
    positions : array_like, shape (n_frames, n_particles, 3)
        Unwrapped positions, sigma_AA.
    types : array_like, shape (n_particles,)
        0 (A) and 1 (B).
    box_length : float
        Cubic box edge, sigma_AA.
    force_tol : float
        Convergence of the minimisation, epsilon_AA / sigma_AA.

    Returns
    -------
    ndarray, float64, shape (n_frames, n_particles, 3)
        Unwrapped inherent-structure positions: each frame's own unwrapping plus the
        displacement of its quench, so displacements between quenched frames are physical.
    """
    x = np.asarray(positions, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != 3:
        raise ValueError(f"positions must have shape (n_frames, n_particles, 3), got {x.shape}")
    out = np.empty_like(x)
    for i in tqdm(range(len(x)), desc="inherent structures", unit="frame", disable=not progress,
                  mininterval=2.0):
        engine.load(x[i], types, box_length)
        engine.quench(force_tol)
        out[i] = engine.state().unwrapped
    return out
