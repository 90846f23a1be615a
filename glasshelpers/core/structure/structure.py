"""Static structure of a configuration: partial pair correlation functions."""

from __future__ import annotations

import freud
import numpy as np


def partial_rdf(positions, types, box_length, r_max=4.0, bins=160):
    """Partial radial distribution functions g_AA, g_AB, g_BB of one configuration.

    Parameters
    ----------
    positions : ndarray (N, 3), sigma_AA (any periodic image; wrapped here)
    types : ndarray (N,) of 0 (A) / 1 (B)
    box_length : float, sigma_AA; r_max must be below box_length / 2
    r_max : float, sigma_AA
    bins : int

    Returns
    -------
    r : ndarray (bins,) bin centres, sigma_AA
    g : dict ``{"AA", "AB", "BB"} -> ndarray (bins,)``, each -> 1 at large r; pairs
        of a type absent from the configuration are left out
    """
    positions = np.asarray(positions, dtype=np.float64)
    types = np.asarray(types)
    if r_max >= box_length / 2:
        raise ValueError(f"r_max = {r_max} must be below half the box length {box_length / 2:.3f}")
    box = freud.box.Box.cube(box_length)
    wrapped = box.wrap(positions).astype(np.float32)
    out = {}
    r = None
    for name, (ta, tb) in {"AA": (0, 0), "AB": (0, 1), "BB": (1, 1)}.items():
        rdf = freud.density.RDF(bins=bins, r_max=r_max)
        pa, pb = wrapped[types == ta], wrapped[types == tb]
        if len(pa) == 0 or len(pb) == 0 or (ta == tb and len(pa) < 2):
            continue  # a type absent from this configuration
        query_args = {"r_max": r_max, "exclude_ii": ta == tb}
        rdf.compute(system=(box, pb), query_points=pa, neighbors=query_args)
        out[name] = np.array(rdf.rdf)
        r = np.array(rdf.bin_centers)
    return r, out
