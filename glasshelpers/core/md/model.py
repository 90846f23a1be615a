"""The 80:20 Kob-Andersen binary Lennard-Jones mixture.

Types are integers: 0 for A (large, 80 %) and 1 for B (small, 20 %). Every pair
interacts through a Lennard-Jones potential truncated at 2.5 sigma_ab and shifted
so that it is zero at the cutoff. Units: sigma_AA, epsilon_AA, m = 1, tau.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TYPE_NAMES = ("A", "B")

#: (epsilon, sigma) for the pairs AA, AB, BB (Kob & Andersen, PRE 51, 4626, 1995).
EPSILON = np.array([[1.0, 1.5], [1.5, 0.5]])
SIGMA = np.array([[1.0, 0.8], [0.8, 0.88]])
#: Cutoff in units of sigma_ab.
CUTOFF_FACTOR = 2.5


@dataclass(frozen=True)
class KASystem:
    """Size and density of a Kob-Andersen system.

    Parameters
    ----------
    n_particles : int
        Total number of particles N. N_A = round(0.8 N) (N = 4096 gives the usual
        3277 A + 819 B); an N whose nearest split is more than 0.1 % off 80:20 is refused.
    density : float
        Number density N / V in sigma_AA^-3.
    fraction_a : float
        Fraction of A particles (0.8 for the KA model).
    """

    n_particles: int
    density: float = 1.2
    fraction_a: float = 0.8

    def __post_init__(self):
        if int(self.n_particles) != self.n_particles or self.n_particles < 5:
            raise ValueError(f"n_particles must be an integer >= 5, got {self.n_particles!r}")
        if not self.density > 0:
            raise ValueError(f"density must be positive, got {self.density!r}")
        n_a = round(self.n_particles * self.fraction_a)
        if abs(n_a / self.n_particles - self.fraction_a) > 1e-3:
            raise ValueError(
                f"N = {self.n_particles} cannot be split {self.fraction_a:g}:{1 - self.fraction_a:g} into "
                f"A and B particles within 0.1 % (nearest: {n_a} A, {self.n_particles - n_a} B); "
                f"choose a larger N or one divisible by 5"
            )

    @property
    def n_a(self) -> int:
        return int(round(self.n_particles * self.fraction_a))

    @property
    def n_b(self) -> int:
        return self.n_particles - self.n_a

    @property
    def box_length(self) -> float:
        """Edge length L of the cubic box, in sigma_AA."""
        return float((self.n_particles / self.density) ** (1.0 / 3.0))

    def types(self) -> np.ndarray:
        """Type of each particle: the first n_a are A (0), the rest B (1)."""
        t = np.zeros(self.n_particles, dtype=np.int32)
        t[self.n_a:] = 1
        return t


def cutoff(type_i: int, type_j: int) -> float:
    """Cutoff radius 2.5 sigma_ij of a pair of types, in sigma_AA."""
    return CUTOFF_FACTOR * SIGMA[type_i, type_j]


def pair_energy(r, type_i, type_j):
    """Shifted, truncated LJ pair energy of the KA model.

    Parameters
    ----------
    r : array_like
        Pair distances, sigma_AA.
    type_i, type_j : array_like of int
        Types of the two particles (0 = A, 1 = B), broadcast against ``r``.

    Returns
    -------
    ndarray
        Energy of each pair in epsilon_AA; zero at and beyond 2.5 sigma_ij.
    """
    r = np.asarray(r, dtype=float)
    eps = EPSILON[type_i, type_j]
    sig = SIGMA[type_i, type_j]
    rc = CUTOFF_FACTOR * sig
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        sr6 = (sig / r) ** 6
        src6 = (sig / rc) ** 6
        u = 4.0 * eps * (sr6 * sr6 - sr6) - 4.0 * eps * (src6 * src6 - src6)
    return np.where(r < rc, u, 0.0)


def random_configuration(system: KASystem, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Uniformly random positions in the box centred on the origin.

    Returns
    -------
    positions : ndarray (N, 3)
        In [-L/2, L/2), sigma_AA.
    types : ndarray (N,)
    box_length : float
    """
    rng = np.random.default_rng(seed)
    box = system.box_length
    positions = rng.uniform(-box / 2, box / 2, size=(system.n_particles, 3))
    return positions, system.types(), box


def potential_energy(positions, types, box_length) -> float:
    """Total KA potential energy by direct summation over all pairs (minimum image).

    An O(N^2) reference independent of any MD engine; requires box_length > 2 * 2.5 * max(sigma).

    Parameters
    ----------
    positions : ndarray (N, 3), sigma_AA
    types : ndarray (N,) of 0/1
    box_length : float, sigma_AA

    Returns
    -------
    float
        Total potential energy in epsilon_AA.
    """
    positions = np.asarray(positions, dtype=float)
    types = np.asarray(types, dtype=int)
    if box_length <= 2 * CUTOFF_FACTOR * SIGMA.max():
        raise ValueError("box too small for minimum-image summation with the KA cutoff")
    total = 0.0
    for i in range(len(positions) - 1):
        d = positions[i + 1:] - positions[i]
        d -= box_length * np.round(d / box_length)
        r = np.sqrt((d * d).sum(axis=1))
        total += pair_energy(r, types[i], types[i + 1:]).sum()
    return float(total)
