"""HOOMD-blue 4.x backend (the paper's engine; conda-forge, tested against 4.8.2).

Same protocol as the LAMMPS backend, only the engine calls differ: ``md.pair.LJ`` with
``mode='shift'`` and per-pair ``r_cut``, ``md.methods.ConstantVolume`` with the ``MTTK``
Nose-Hoover thermostat, FIRE minimisation (bounded DPD-conservative repulsion first,
then LJ).

HOOMD-blue specifics handled here:

* A force object belongs to one integrator for life, so every integrator gets freshly
  built forces (``_forces``); swapping integrators never re-uses an attached force.
* A ``Simulation``'s timestep cannot be reset once its state exists. ``minimize``
  therefore rebuilds the simulation from a snapshot at step 0 (as LAMMPS's
  ``reset_timestep 0``), so the protocol's step counts start after minimisation.
* HOOMD computes the virial only on steps where something asks for it. ``run(n)`` asks
  for it on its last step only (a no-op writer with ``PRESSURE_TENSOR`` flag and an
  ``On`` trigger), so ``thermo()`` after a run has the pressure at ~10 % less cost than
  ``always_compute_pressure`` (which ``run(0)``, a force evaluation only, switches on
  for itself). ``thermo()`` runs ``run(0)`` after any change (load,
  integrator swap, new velocities) so it never reports stale values.
* Checkpoints are our own float64 ``.npz`` files (positions, velocities, images,
  types, box, step, RNG seed and the MTTK thermostat's ``translational_dof``), written
  atomically. ``load_checkpoint`` builds a fresh ``Simulation`` from them, so two loads
  of one checkpoint followed by the same ``run`` give bit-identical states on the CPU.

Device: one place, :func:`select_device`, driven by the environment variable
``GLASSBOOK_HOOMD_DEVICE`` = ``auto`` (default: a GPU when this HOOMD build has GPU
support and sees a device, else the CPU), ``cpu`` or ``gpu`` (error if none).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import numpy as np

from glasshelpers.core.md.model import CUTOFF_FACTOR, EPSILON, SIGMA, TYPE_NAMES
from glasshelpers.core.md.engines.base import Engine, EngineUnavailable, State

DEVICE_ENV = "GLASSBOOK_HOOMD_DEVICE"
CHECKPOINT_FORMAT = "glassbook-hoomd-checkpoint-1"
NLIST_BUFFER = 0.3            # sigma_AA, the LAMMPS skin
SOFT_A = 20.0                 # bounded repulsion amplitude for the first minimisation
FIRE_CHUNK, FIRE_MAX_CHUNKS = 500, 200


def _pressure_request(hoomd):
    """A writer that does nothing but make HOOMD compute the virial on its trigger steps."""

    class _RequestPressure(hoomd.custom.Action):
        flags = [hoomd.custom.Action.Flags.PRESSURE_TENSOR]

        def act(self, timestep):
            pass

    return hoomd.write.CustomWriter(action=_RequestPressure(), trigger=hoomd.trigger.On(0))


def import_hoomd():
    try:
        import hoomd
        import hoomd.md  # noqa: F401
    except ImportError as exc:
        raise EngineUnavailable(
            f"HOOMD-blue cannot be imported ({exc}). It is distributed on conda-forge: "
            "`conda env create -f environment.yml`, or choose engine 'lammps'.") from exc
    return hoomd


def select_device(hoomd, threads: int = 1, choice: str | None = None):
    """The HOOMD device to run on: the one place where CPU vs GPU is decided.

    Parameters
    ----------
    hoomd : module
    threads : int
        CPU threads (only used by TBB-enabled CPU builds).
    choice : {'auto', 'cpu', 'gpu'}, optional
        Default: the ``GLASSBOOK_HOOMD_DEVICE`` environment variable, else ``auto``.
    """
    choice = (choice or os.environ.get(DEVICE_ENV) or "auto").strip().lower()
    if choice not in ("auto", "cpu", "gpu"):
        raise ValueError(f"{DEVICE_ENV}={choice!r}: expected 'auto', 'cpu' or 'gpu'")
    gpus = hoomd.device.GPU.get_available_devices() if hoomd.version.gpu_enabled else []
    if choice == "gpu" and not gpus:
        reasons = (hoomd.device.GPU.get_unavailable_device_reasons() if hoomd.version.gpu_enabled
                   else ["this HOOMD-blue build has no GPU support (install the CUDA build from conda-forge)"])
        raise EngineUnavailable(f"{DEVICE_ENV}=gpu but no usable GPU: {'; '.join(reasons)}")
    if choice == "gpu" or (choice == "auto" and gpus):
        return hoomd.device.GPU()
    device = hoomd.device.CPU()
    if hoomd.version.tbb_enabled:
        device.num_cpu_threads = int(threads)
    return device


class HoomdEngine(Engine):
    """Kob-Andersen MD in HOOMD-blue (device chosen by :func:`select_device`)."""

    name = "hoomd"

    def __init__(self, dt: float = 0.005, threads: int = 1, device: str | None = None):
        super().__init__(dt, threads)
        self.hoomd = import_hoomd()
        self.device = select_device(self.hoomd, self.threads, device)
        self.sim = None
        self.thermo_compute = None
        self._mttk = None
        self._nvt = None          # (T, tau) of the current thermostat
        self._seed = 0
        self._pressure = None     # writer that requests the virial on a run's last step
        self._stale = True        # thermo() must run(0) first

    # ------------------------------------------------------------------ internals
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
                    pot.params[(a, b)] = dict(A=SOFT_A)
                    pot.r_cut[(a, b)] = float(SIGMA[i, j])
        return pot

    def _forces(self, style="lj"):
        """A new neighbour list and pair force (never shared between integrators)."""
        return [self._pair(self.hoomd.md.nlist.Cell(buffer=NLIST_BUFFER), style)]

    def _snapshot(self, positions, types, box_length, velocities, images, step):
        h = self.hoomd
        snap = h.Snapshot(self.device.communicator)
        if snap.communicator.rank == 0:
            L = float(box_length)
            x = np.asarray(positions, dtype=np.float64)
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
            snap.particles.velocity[:] = 0.0 if velocities is None else np.asarray(velocities, np.float64)
        snap.configuration.step = int(step)
        return snap

    def _release(self):
        """Drop the current simulation and everything attached to it."""
        if self.sim is not None:       # only ever set to a fully built simulation
            self.sim.operations.integrator = None
            self.sim.operations.computes.clear()
            self.sim.operations.writers.clear()
        self.sim = self.thermo_compute = self._mttk = self._pressure = None
        self._nvt = None
        gc.collect()

    def _build(self, snap, step: int):
        """A new Simulation at ``step`` from ``snap``, with a force-only integrator."""
        h = self.hoomd
        self._release()
        sim = h.Simulation(device=self.device, seed=self._seed)
        sim.timestep = int(step)
        sim.create_state_from_snapshot(snap)
        self._pressure = _pressure_request(h)
        sim.operations.writers.append(self._pressure)
        sim.operations.integrator = h.md.Integrator(dt=self.dt, forces=self._forces())
        self.sim = sim
        self._fresh_thermo_compute()
        self._stale = True

    def _fresh_thermo_compute(self):
        """A new ThermodynamicQuantities: a compute caches its values per timestep, so
        after new velocities or a new integrator at the same step the old one is stale."""
        h = self.hoomd
        if self.thermo_compute is not None and self.thermo_compute in self.sim.operations.computes:
            self.sim.operations.computes.remove(self.thermo_compute)
        self.thermo_compute = h.md.compute.ThermodynamicQuantities(filter=h.filter.All())
        self.sim.operations.computes.append(self.thermo_compute)

    def _require(self):
        if self.sim is None:
            raise RuntimeError("no system: call load() or load_checkpoint() first")

    # --------------------------------------------------------------------- set-up
    def load(self, positions, types, box_length, velocities=None, images=None, step=0):
        self._build(self._snapshot(positions, types, box_length, velocities, images, step), step)

    def _rebuild_at_rest(self, step: int):
        """A fresh simulation at the current positions, velocities zero, at ``step``.

        A snapshot taken from a running simulation carries its accelerations and a
        flag that stops the next integrator from recomputing them, so the rebuild goes
        through plain arrays: the first step of any later integrator uses its own forces.
        """
        st = self.state()
        self._build(self._snapshot(st.positions, st.types, st.box_length, None, st.images, step), step)

    def _fire(self, style: str, force_tol: float, energy_tol: float):
        """FIRE at constant volume on the ``style`` potential, at rest, from the current
        positions, until converged (RuntimeError after FIRE_MAX_CHUNKS chunks)."""
        h = self.hoomd
        self._rebuild_at_rest(self.step)
        fire = h.md.minimize.FIRE(dt=0.002, force_tol=float(force_tol), angmom_tol=1e-4, energy_tol=energy_tol,
                                  forces=self._forces(style),
                                  methods=[h.md.methods.ConstantVolume(filter=h.filter.All())])
        self.sim.operations.integrator = fire
        for _ in range(FIRE_MAX_CHUNKS):
            self.sim.run(FIRE_CHUNK)
            if fire.converged:
                return
        raise RuntimeError(f"FIRE ({style}) did not converge in {FIRE_CHUNK * FIRE_MAX_CHUNKS} steps")

    def minimize(self):
        self._require()
        for style in ("soft", "lj"):
            self._fire(style, 1e-4, 1e-8)
        # Step 0 after minimisation (HOOMD cannot reset a timestep), at rest like LAMMPS.
        self._rebuild_at_rest(0)

    def quench(self, force_tol: float = 1e-6):
        self._require()
        step = self.step
        self._fire("lj", force_tol, 1e-12)
        self._rebuild_at_rest(step)

    def thermalize(self, temperature, seed):
        self._require()
        self._seed = int(seed) % 65536
        self.sim.seed = self._seed
        self.sim.state.thermalize_particle_momenta(filter=self.hoomd.filter.All(), kT=float(temperature))
        self._stale = True

    def set_nvt(self, temperature, tau):
        self._require()
        h = self.hoomd
        self._mttk = h.md.methods.thermostats.MTTK(kT=float(temperature), tau=float(tau))
        nvt = h.md.methods.ConstantVolume(filter=h.filter.All(), thermostat=self._mttk)
        self.sim.operations.integrator = h.md.Integrator(dt=self.dt, methods=[nvt], forces=self._forces())
        self._nvt = (float(temperature), float(tau))
        self._stale = True

    # -------------------------------------------------------------------- running
    def run(self, steps):
        self._require()
        steps = int(steps)
        if steps < 0:
            raise ValueError("steps must be >= 0")
        if steps == 0:    # run(0) only evaluates forces, without asking writers for flags
            self.sim.always_compute_pressure = True
            self.sim.run(0)
            self.sim.always_compute_pressure = False
        else:
            self._pressure.trigger = self.hoomd.trigger.On(self.step + steps)   # virial on the last step
            self.sim.run(steps)
        self._stale = False

    @property
    def step(self):
        self._require()
        return int(self.sim.timestep)

    def state(self):
        self._require()
        snap = self.sim.state.get_snapshot()
        L = float(snap.configuration.box[0])
        return State(self.step, np.array(snap.particles.position, dtype=np.float64),
                     np.array(snap.particles.image, dtype=np.int32),
                     np.array(snap.particles.velocity, dtype=np.float64),
                     np.array(snap.particles.typeid, dtype=np.int32), L)

    def thermo(self):
        self._require()
        if self._stale:
            self._fresh_thermo_compute()
            self.run(0)
        n = self.sim.state.N_particles
        return {"pe": float(self.thermo_compute.potential_energy) / n,
                "temperature": float(self.thermo_compute.kinetic_temperature),
                "pressure": float(self.thermo_compute.pressure)}

    # ---------------------------------------------------------------- checkpoints
    def thermostat_dof(self) -> tuple[float, float]:
        """The MTTK thermostat's (xi, eta); (0, 0) without a thermostat."""
        if self._mttk is None:
            return (0.0, 0.0)
        if self._stale:
            self.run(0)
        return tuple(float(v) for v in self._mttk.translational_dof)

    def save_checkpoint(self, path):
        """Write a float64 ``.npz`` to ``path`` (exactly that name), atomically."""
        self._require()
        st = self.state()
        data = {"format": np.array(CHECKPOINT_FORMAT), "step": np.int64(st.step),
                "positions": st.positions, "velocities": st.velocities, "images": st.images,
                "types": st.types, "box_length": np.float64(st.box_length),
                "translational_dof": np.array(self.thermostat_dof(), dtype=np.float64),
                "seed": np.int64(self._seed), "dt": np.float64(self.dt),
                "nvt": np.array(self._nvt if self._nvt else (np.nan, np.nan), dtype=np.float64)}
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load_checkpoint(self, path, temperature, tau):
        """Rebuild the system and its NVT integrator (thermostat state included) from ``path``."""
        with np.load(path, allow_pickle=False) as f:
            if "format" not in f.files or str(f["format"]) != CHECKPOINT_FORMAT:
                raise ValueError(f"{path} is not a glassbook HOOMD-blue checkpoint")
            d = {k: f[k] for k in f.files}
        if float(d["dt"]) != self.dt:
            raise ValueError(f"{path} was written with dt = {float(d['dt'])}, this engine has dt = {self.dt}")
        step = int(d["step"])
        self._seed = int(d["seed"])
        self._build(self._snapshot(d["positions"], d["types"], float(d["box_length"]), d["velocities"],
                                   d["images"], step), step)
        self.set_nvt(temperature, tau)
        self._mttk.translational_dof = tuple(float(v) for v in d["translational_dof"])
        self.run(0)
        got = tuple(float(v) for v in self._mttk.translational_dof)
        if got != tuple(float(v) for v in d["translational_dof"]):
            raise RuntimeError(f"HOOMD-blue did not restore the thermostat state: {got}")

    def close(self):
        self._release()
