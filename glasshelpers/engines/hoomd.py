"""HOOMD-blue 4.x backend (the paper's engine; conda-forge only, not tested here).

Same protocol as the LAMMPS backend, only the engine calls differ: ``md.pair.LJ`` with
``mode='shift'`` and per-pair ``r_cut``, ``md.methods.ConstantVolume`` with the ``MTTK``
Nose-Hoover thermostat, FIRE minimisation (bounded DPD-conservative repulsion first,
then LJ). A checkpoint is a one-frame GSD file (positions, images, velocities, step)
with the thermostat's two degrees of freedom in the frame's log.
"""

from __future__ import annotations

import numpy as np

from ..model import CUTOFF_FACTOR, EPSILON, SIGMA, TYPE_NAMES
from .base import Engine, EngineUnavailable, State


def import_hoomd():
    try:
        import hoomd
        import hoomd.md  # noqa: F401
    except ImportError as exc:
        raise EngineUnavailable(
            f"HOOMD-blue cannot be imported ({exc}). It is distributed on conda-forge: "
            "`conda env create -f environment.yml`, or choose engine 'lammps'.") from exc
    return hoomd


class HoomdEngine(Engine):
    """Kob-Andersen MD in HOOMD-blue (CPU device; GPU when available)."""

    name = "hoomd"

    def __init__(self, dt: float = 0.005, threads: int = 1):
        super().__init__(dt, threads)
        self.hoomd = import_hoomd()
        self.sim = None
        self._mttk = None

    def _device(self):
        h = self.hoomd
        try:
            return h.device.GPU()
        except Exception:
            return h.device.CPU(num_cpu_threads=self.threads)

    def _pair(self, nlist, style="lj"):
        md = self.hoomd.md
        if style == "lj":
            pot = md.pair.LJ(nlist=nlist, default_r_cut=CUTOFF_FACTOR, mode="shift")
        else:
            pot = md.pair.DPDConservative(nlist=nlist, default_r_cut=1.0)
        for i, a in enumerate(TYPE_NAMES):
            for j, b in enumerate(TYPE_NAMES):
                if style == "lj":
                    pot.params[(a, b)] = dict(epsilon=float(EPSILON[i, j]), sigma=float(SIGMA[i, j]))
                    pot.r_cut[(a, b)] = float(CUTOFF_FACTOR * SIGMA[i, j])
                else:
                    pot.params[(a, b)] = dict(A=20.0)
                    pot.r_cut[(a, b)] = float(SIGMA[i, j])
        return pot

    def _snapshot(self, positions, types, box_length, velocities, images, step):
        h = self.hoomd
        snap = h.Snapshot()
        if snap.communicator.rank == 0:
            L = float(box_length)
            x = np.asarray(positions, dtype=float)
            shift = np.floor((x + L / 2) / L)
            snap.configuration.box = [L, L, L, 0, 0, 0]
            snap.particles.N = len(x)
            snap.particles.types = list(TYPE_NAMES)
            snap.particles.typeid[:] = np.asarray(types, dtype=np.uint32)
            snap.particles.position[:] = x - shift * L
            img = shift.astype(np.int32)
            if images is not None:
                img += np.asarray(images, dtype=np.int32)
            snap.particles.image[:] = img
            snap.particles.mass[:] = 1.0
            if velocities is not None:
                snap.particles.velocity[:] = np.asarray(velocities, dtype=float)
        snap.configuration.step = int(step)
        return snap

    def load(self, positions, types, box_length, velocities=None, images=None, step=0):
        h = self.hoomd
        self.sim = h.Simulation(device=self._device(), seed=0)
        self.sim.timestep = int(step)
        self.sim.create_state_from_snapshot(
            self._snapshot(positions, types, box_length, velocities, images, step))
        self.nlist = h.md.nlist.Cell(buffer=0.3)
        self.lj = self._pair(self.nlist)
        self.thermo_compute = h.md.compute.ThermodynamicQuantities(filter=h.filter.All())
        self.sim.operations.computes.append(self.thermo_compute)
        self.sim.operations.integrator = h.md.Integrator(dt=self.dt, forces=[self.lj])

    def minimize(self):
        h = self.hoomd
        for pot in (self._pair(self.nlist, "soft"), self.lj):
            fire = h.md.minimize.FIRE(dt=0.002, force_tol=1e-4, angmom_tol=1e-4, energy_tol=1e-8,
                                      forces=[pot],
                                      methods=[h.md.methods.ConstantVolume(filter=h.filter.All())])
            self.sim.operations.integrator = fire
            for _ in range(200):
                self.sim.run(500)
                if fire.converged:
                    break
        self.sim.operations.integrator = h.md.Integrator(dt=self.dt, forces=[self.lj])
        self._mttk = None

    def thermalize(self, temperature, seed):
        self.sim.seed = int(seed) % 65536
        self.sim.state.thermalize_particle_momenta(filter=self.hoomd.filter.All(), kT=float(temperature))

    def set_nvt(self, temperature, tau):
        h = self.hoomd
        self._mttk = h.md.methods.thermostats.MTTK(kT=float(temperature), tau=float(tau))
        nvt = h.md.methods.ConstantVolume(filter=h.filter.All(), thermostat=self._mttk)
        self.sim.operations.integrator = h.md.Integrator(dt=self.dt, methods=[nvt], forces=[self.lj])

    def run(self, steps):
        self.sim.run(int(steps))

    @property
    def step(self):
        return int(self.sim.timestep)

    def state(self):
        snap = self.sim.state.get_snapshot()
        L = float(snap.configuration.box[0])
        return State(self.step, np.array(snap.particles.position, dtype=float),
                     np.array(snap.particles.image, dtype=np.int32),
                     np.array(snap.particles.velocity, dtype=float),
                     np.array(snap.particles.typeid, dtype=np.int32), L)

    def thermo(self):
        if self.sim.timestep == 0 or not self.thermo_compute._attached:
            self.sim.run(0)
        n = self.sim.state.N_particles
        return {"pe": float(self.thermo_compute.potential_energy) / n,
                "temperature": float(self.thermo_compute.kinetic_temperature),
                "pressure": float(self.thermo_compute.pressure)}

    def save_checkpoint(self, path):
        from ..trajectory import write_configuration
        dof = self._mttk.translational_thermostat_dof if self._mttk else (0.0, 0.0)
        write_configuration(path, self.state(), log={"glassbook/mttk_dof": np.asarray(dof, float)})

    def load_checkpoint(self, path, temperature, tau):
        from ..trajectory import read_configuration
        cfg = read_configuration(path)
        self.load(cfg["positions"], cfg["types"], cfg["box_length"], cfg["velocities"],
                  cfg["images"], cfg["step"])
        self.set_nvt(temperature, tau)
        self._mttk.translational_thermostat_dof = tuple(float(v) for v in cfg["log"]["glassbook/mttk_dof"])

    def close(self):
        self.sim = None
