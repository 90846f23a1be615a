"""Crystal-like order: is a supercooled run still a liquid?

Below T ~ 0.45 the Kob-Andersen mixture can demix and grow crystallites of pure A in an
fcc lattice (Toxvaerd et al., J. Chem. Phys. 130, 224501, 2009; Pedersen et al., Phys.
Rev. Lett. 120, 165501, 2018). A crystallite lowers U/N and slows the dynamics, so an
energy below the published liquid value needs this check before it can be read as a
deeper-equilibrated liquid.

The test is the solid-like criterion of ten Wolde, Ruiz-Montero and Frenkel (J. Chem.
Phys. 104, 9932, 1996), on the A particles only, with freud's ``SolidLiquid``: two
neighbours are *connected* when the normalised dot product of their l = 6
bond-orientational vectors q_6m exceeds ``Q_THRESHOLD``; a particle is *solid-like* with at
least ``SOLID_THRESHOLD`` connections; solid-like neighbours form clusters.

In a liquid the solid-like particles are a few per cent at most and their clusters hold a
handful of particles (measured on demo: 0.3-0.8 % of A at T = 0.45, largest cluster 3-6;
none at T = 2.0); in an fcc crystal every particle is solid-like.

Units: lengths sigma_AA.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Neighbour cutoff (sigma_AA): the first minimum of g_AA(r) of the supercooled KA liquid
#: (about 1.4-1.5) and below the fcc second shell of pure A at its partial density
#: (lattice constant 1.49 at number density 1.2 x 0.8 = 0.96).
R_MAX = 1.45
#: Normalised q_6 dot product above which two neighbours are connected (ten Wolde et al.).
Q_THRESHOLD = 0.7
#: Connections that make a particle solid-like (ten Wolde et al.: 6 to 8 of ~12).
SOLID_THRESHOLD = 7
#: A cluster of solid-like A particles at least this large (particles) counts as a
#: crystallite: two orders of magnitude above the largest clusters of the liquid (3-6, see
#: above), and near the critical nucleus sizes of deeply undercooled Lennard-Jones
#: liquids (of order 10^2).
CRYSTALLITE = 100


@dataclass(frozen=True)
class SolidLike:
    """Solid-like order of one configuration.

    fraction : solid-like fraction of the particles given.
    largest : particles in the largest cluster of solid-like particles.
    n : particles given.
    """

    fraction: float
    largest: int
    n: int

    @property
    def crystallite(self) -> bool:
        return self.largest >= CRYSTALLITE


def solid_like(box, positions, *, r_max: float = R_MAX, q_threshold: float = Q_THRESHOLD,
               solid_threshold: int = SOLID_THRESHOLD) -> SolidLike:
    """Solid-like fraction and largest solid-like cluster of one configuration.

    box : freud box, or anything ``freud.box.Box.from_box`` takes (a GSD box array).
    positions : (n, 3) positions inside the box, sigma_AA (wrapped or not).
    r_max : neighbour cutoff, sigma_AA; must be below half the shortest box length.
    """
    import freud

    box = box if isinstance(box, freud.box.Box) else freud.box.Box.from_box(box)
    pos = box.wrap(np.asarray(positions, dtype=np.float32))
    if pos.ndim != 2 or pos.shape[1] != 3 or len(pos) < 2:
        raise ValueError(f"positions must be (n >= 2, 3), got {pos.shape}")
    if r_max >= min(box.L) / 2:
        raise ValueError(f"r_max = {r_max} sigma is not below half the box ({min(box.L) / 2:.3g} sigma)")
    sl = freud.order.SolidLiquid(l=6, q_threshold=q_threshold, solid_threshold=solid_threshold)
    sl.compute((box, pos), neighbors={"r_max": r_max})
    solid = np.asarray(sl.num_connections) >= solid_threshold
    largest = int(np.bincount(np.asarray(sl.cluster_idx)[solid]).max()) if solid.any() else 0
    return SolidLike(fraction=float(solid.mean()), largest=largest, n=len(pos))


def solid_like_frames(box, positions, frames) -> list[SolidLike]:
    """:func:`solid_like` of the A particles at each of ``frames`` of an (n_frames, n, 3) array."""
    x = np.asarray(positions)
    return [solid_like(box, x[i]) for i in frames]
