"""Stage 3's van Hove table: how far A particles move in one p_hop window.

The self part of the van Hove function, the density of the length ``|dr|`` of A
displacements over ``lag`` tau, per temperature (kernel
:func:`glasshelpers.core.dynamics.dynamics.van_hove_self`). Stage 3 computes it once and
writes ``results/van_hove.csv``; stage 5 draws it as the inset of Fig. 2 from that table
(:func:`glasshelpers.pipeline.results.read_result`). Lengths sigma_AA, densities sigma_AA^-1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.dynamics.dynamics import van_hove_self
from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.products.trajectories import load_trajectory



def van_hove(profile: Profile, lag: int | None = None, bins=None) -> pd.DataFrame:
    """P(r), the density of A displacements ``|dr|`` over ``lag`` tau (default
    ``analysis.van_hove_lag``), per T of the profile: columns T, r (bin centre, sigma_AA),
    G_s (probability density, sigma_AA^-1; bins of 0.05 from 0 to 6 unless ``bins``)."""
    lag = int(lag or profile.analysis.van_hove_lag)
    edges = np.linspace(0, 6, 121) if bins is None else bins
    rows = []
    for T in profile.temperatures:
        traj = load_trajectory(profile, T)
        r, p = van_hove_self(traj["positions"], lag, types=traj["types"], bins=edges)
        rows.append(pd.DataFrame({"T": float(T), "r": r, "G_s": p}))
    return pd.concat(rows, ignore_index=True)

