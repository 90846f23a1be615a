"""MD runs, the products of stage 01 (``01_simulation``): the simulation protocol (the book,
Methods: model and protocol), resumable, deterministic and engine-agnostic, and the reader
of a finished run (:func:`load_trajectory`) every later stage uses.

1. ``run_seed``: random start -> soft-then-LJ minimisation -> ``seed_time`` at T = 0.45.
2. ``run_temperature``: the seed's final configuration -> fresh velocities at T ->
   ``equil_time`` (or ``equil_time_by_T``) of NVT -> production, one frame per tau, ``production_time + 1``
   frames (t = 0, 1, ..., production_time).

Each run lives in ``glasshelpers.pipeline.paths.seed_dir`` / ``temperature_dir`` (one folder per
replica and temperature). While it runs, everything is in ``work/`` (partial GSD,
checkpoints, partial log); finished products (``traj.gsd`` or ``seed.gsd``,
``thermo.csv``) are renamed into place and ``meta.json`` (parameters, their hash, code
version, timings) is written last: its presence means "done". A finished run is not
redone; a folder made with other parameters raises StaleDataError instead of being reused
or overwritten.

Determinism. A run is a chain of segments of ``checkpoint_every`` tau. Every segment
starts from the previous segment's checkpoint *read back from disk* (the engine's exact
restart format), in an uninterrupted run as in a resumed one, so a run that was killed
and resumed any number of times performs the same floating-point operations as one that
never stopped: the trajectory depends only on the profile, its seed, the temperature and
the replica. Frames written after the last checkpoint are dropped on resume, and the
finished GSD file is rewritten once in a canonical layout, so the bytes match too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import gsd.hoomd
import numpy as np
import pandas as pd
from tqdm import tqdm

from glasshelpers.core.md.engines import check_engine, get_engine
from glasshelpers.core.md.model import KASystem, random_configuration
from glasshelpers.pipeline.runs import (MissingDataError, Run, seed_dir, seed_params, shelf_start,  # noqa: F401 (re-exported)
                                        temperature_dir, temperature_params, trajectory_path, uses_seed)
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.profiles import Profile, ProfileError, check_temperature, engine_threads, load_profile, seed_threads, steps_per_tau, temperature_tag
from glasshelpers.pipeline.provenance import (StaleDataError, check_meta, code_version, params_hash, profile_record,
                         read_json, write_json)
from glasshelpers.core.md.trajectory import (canonical_copy, make_frame, n_frames, read_configuration, read_thermo,
                                             read_unwrapped, truncate_gsd, write_configuration, write_thermo)
from glasshelpers.pipeline import integrity
from glasshelpers.pipeline.faults import DamagedProductError, describe


class _Interrupted(Exception):
    """Raised by the test hook that simulates a killed run."""


def _derived_seed(base: int, *keys) -> int:
    return int(np.random.SeedSequence([int(base)] + [int(k) for k in keys]).generate_state(1)[0] % 2**31)


def _replica_seed(profile: Profile, replica: int, *keys) -> int:
    """Random seed of a start or a velocity draw; replica 0 keeps the profile's own stream."""
    extra = () if int(replica) == 0 else (1_000_000 + int(replica),)
    return _derived_seed(profile.seed, *keys, *extra)


def _check_replica(profile: Profile, replica: int) -> int:
    n = int(profile.replicas)
    if not (isinstance(replica, (int, np.integer)) and 0 <= replica < n):
        raise ProfileError(f"replica {replica!r} is out of range: profile {profile.name!r} has "
                           f"replicas = {n} (indices 0..{n - 1})")
    return int(replica)


def _threads(profile: Profile, threads: int | None, seed: bool = False) -> int:
    """The engine's thread count: the profile's (``engine.seed_threads`` for the seed). A
    different explicit value is refused, since it would silently make a different
    trajectory (see engine_threads)."""
    want = seed_threads(profile) if seed else engine_threads(profile)
    if threads is not None and int(threads) != want:
        key = "engine.seed_threads" if seed else "engine.threads"
        raise ProfileError(f"threads = {threads} differs from the profile's {key} = {want}; "
                           "the thread count is part of the profile because it changes the trajectory's "
                           f"bits: set {key} in the profile instead")
    return want


# -------------------------------------------------------------------------- run folder
class _RunDir:
    """A run folder: ``meta.json`` when done, ``work/`` while in progress.

    ``reload`` = (temperature, tau): after every checkpoint the engine is re-created from
    the file just written, so that the next segment starts from disk whether or not the
    run was interrupted.
    """

    def __init__(self, path: Path, params: dict, what: str, reload: tuple[float, float]):
        self.path = Path(path)
        self.work = self.path / "work"
        self.params = params
        self.what = what
        self.reload = reload

    def done(self) -> bool:
        if check_meta(self.path / "meta.json", self.params, self.what):
            return True
        return self._complete_finish()

    def prepare(self) -> dict | None:
        """Create ``work/`` or validate the one there; return the last checkpoint or None."""
        pfile = self.work / "params.json"
        if self.work.exists() and pfile.exists():
            stored = read_json(pfile)
            if stored.get("params_hash") != params_hash(self.params):
                raise StaleDataError(
                    f"an interrupted {self.what} in {self.work} was started with other parameters; "
                    f"delete {self.work} to start over (nothing was overwritten)")
        else:
            self.work.mkdir(parents=True, exist_ok=True)
            write_json(pfile, {"params": self.params, "params_hash": params_hash(self.params)})
        ck = self.work / "checkpoint.json"
        return read_json(ck) if ck.exists() else None

    def save_checkpoint(self, engine, frames: int, thermo_rows: list, gsd_file=None, reload: bool = True):
        """Write the engine's restart file, the thermo rows and ``checkpoint.json`` (each
        atomically, the JSON last), then continue from the file just written."""
        if gsd_file is not None:
            gsd_file.flush()
        step = engine.step
        restart = self.work / f"checkpoint-{step}.restart"
        tmp = self.work / f".checkpoint-{step}.part"
        engine.save_checkpoint(tmp)
        os.replace(tmp, restart)
        write_thermo(self.work / ".thermo.part", thermo_rows)
        os.replace(self.work / ".thermo.part", self.work / "thermo.partial.csv")
        write_json(self.work / "checkpoint.json",
                   {"step": step, "frames": frames, "restart": restart.name, "thermo_rows": len(thermo_rows)})
        for old in self.work.glob("checkpoint-*.restart"):
            if old.name != restart.name:
                old.unlink()
        if reload:
            engine.load_checkpoint(restart, *self.reload)

    def load(self, engine, ck: dict):
        engine.load_checkpoint(self.work / ck["restart"], *self.reload)

    def resume_thermo(self, ck: dict) -> list:
        rows = read_thermo(self.work / "thermo.partial.csv")
        return rows[: ck["thermo_rows"]]

    def finish(self, products: dict, extra_meta: dict):
        """Move finished products into place and write meta.json last.

        ``work/finish.json`` (written first) lists the renames, so a run killed half-way
        through them completes them on the next call instead of starting over."""
        meta = {"params": self.params, "params_hash": params_hash(self.params),
                "code_version": code_version(), **extra_meta}
        write_json(self.work / "finish.json",
                   {"products": {Path(src).name: dst for src, dst in products.items()}, "meta": meta})
        self._complete_finish()

    def _complete_finish(self) -> bool:
        plan = self.work / "finish.json"
        if not plan.exists():
            return False
        todo = read_json(plan)
        if todo["meta"].get("params_hash") != params_hash(self.params):
            return False   # prepare() reports the parameter clash
        for src, dst in todo["products"].items():
            if (self.work / src).exists():
                os.replace(self.work / src, self.path / dst)
            elif not (self.path / dst).exists():
                raise StaleDataError(f"{self.what}: {src} vanished while finishing; delete {self.path}")
        write_json(self.path / "meta.json", todo["meta"])
        shutil.rmtree(self.work, ignore_errors=True)
        return True


def _progress(total, initial, desc, enabled):
    return tqdm(total=total, initial=initial, unit="tau", desc=desc, disable=not enabled,
                mininterval=2.0, dynamic_ncols=True)


def _run_logged(engine, rd, phase, until_step, spt, ck_every, rows, bar, time_zero, interrupt=None):
    """Advance to ``until_step`` in 1-tau chunks, logging thermo, checkpointing every ``ck_every`` tau."""
    t0, s0 = time.perf_counter(), engine.step
    while engine.step < until_step:
        n = min(spt, until_step - engine.step)
        engine.run(n)
        th = engine.thermo()
        rows.append({"phase": phase, "step": engine.step,
                     "time": (engine.step - time_zero) / spt, **th})
        bar.update(n / spt)
        elapsed = time.perf_counter() - t0
        if elapsed > 0:
            bar.set_postfix(steps_per_s=f"{(engine.step - s0) / elapsed:.0f}", refresh=False)
        if engine.step % (ck_every * spt) == 0 or engine.step == until_step:
            rd.save_checkpoint(engine, 0, rows)
        if interrupt is not None and engine.step >= interrupt:
            raise _Interrupted(phase)


# -------------------------------------------------------------------------------- seed
def run_seed(profile: Profile, threads: int | None = None, progress: bool = True, replica: int = 0) -> Path:
    """Make (or reuse) a replica's seed configuration: random start, minimisation,
    ``seed_time`` at T_seed.

    Returns the folder holding ``seed.gsd`` (final positions, images and velocities).
    Raises ValueError for a profile on a shelf (``protocol.shelf``), which has no seed run.
    """
    if not uses_seed(profile):
        raise ValueError(f"profile {profile.name!r} starts its runs from shelf {profile.protocol.shelf!r} "
                         "(protocol.shelf): it has no seed run")
    replica = _check_replica(profile, replica)
    params = seed_params(profile, replica)
    prot = profile.protocol
    T, tau = float(prot.seed_temperature), float(profile.engine.tau_thermostat)
    rd = _RunDir(seed_dir(profile, replica), params, f"seed run (replica {replica})", (T, tau))
    if rd.done():
        return rd.path
    threads = _threads(profile, threads, seed=True)
    check_engine(params["engine"]["name"])
    ck = rd.prepare()
    spt = steps_per_tau(profile)
    system = KASystem(profile.model.n_particles, profile.model.density)
    wall = time.perf_counter()
    with get_engine(params["engine"]["name"], profile.engine.dt, threads) as eng:
        if ck is None:
            x, types, L = random_configuration(system, _replica_seed(profile, replica, 0))
            eng.load(x, types, L)
            eng.minimize()
            eng.thermalize(T, _replica_seed(profile, replica, 1))
            eng.set_nvt(T, tau)
            rows = [{"phase": "minimised", "step": 0, "time": 0.0, **eng.thermo()}]
            rd.save_checkpoint(eng, 0, rows)
        else:
            print(f"resuming the seed run from its checkpoint at step {ck['step']}", flush=True)
            rd.load(eng, ck)
            rows = rd.resume_thermo(ck)
        total = int(prot.seed_time) * spt
        with _progress(prot.seed_time, eng.step / spt, f"seed T={T:g}", progress) as bar:
            _run_logged(eng, rd, "seed", total, spt, int(prot.checkpoint_every), rows, bar, 0)
        write_configuration(rd.work / "seed.gsd", eng.state())
    write_thermo(rd.work / "thermo.csv", rows)
    rd.finish({rd.work / "seed.gsd": "seed.gsd", rd.work / "thermo.csv": "thermo.csv"},
              {"wall_time_s": time.perf_counter() - wall, "n_particles": system.n_particles,
               **profile_record(profile)})
    return rd.path


# ------------------------------------------------------------------------ temperature
def _start_file(profile: Profile, T: float, replica: int) -> Path:
    """The configuration a run at T starts from: the replica's finished seed, or its verified
    shelf state (:func:`glasshelpers.pipeline.runs.shelf_start`)."""
    if not uses_seed(profile):
        from glasshelpers.pipeline.shelf import verified_run

        shelf, Ts, k = shelf_start(profile, T, replica)
        return verified_run(shelf, Ts, k) / "state.gsd"
    sdir = seed_dir(profile, replica)
    if not check_meta(sdir / "meta.json", seed_params(profile, replica), "seed run"):
        raise MissingDataError(f"the seed configuration of profile {profile.name!r} (replica {replica}) "
                               f"is missing ({sdir}): run run_seed first (the workflow does)")
    return sdir / "seed.gsd"


def run_temperature(profile: Profile, temperature: float, threads: int | None = None,
                    progress: bool = True, replica: int = 0, _interrupt_at_step: int | None = None) -> Path:
    """Equilibrate from the replica's seed and record the production trajectory at ``temperature``.

    Returns the folder holding ``traj.gsd``, ``thermo.csv`` and ``meta.json``.
    """
    T = check_temperature(temperature)
    replica = _check_replica(profile, replica)
    run = Run(profile, T, replica)
    params = run.params
    tau = float(profile.engine.tau_thermostat)
    rd = _RunDir(run.folder, params, f"trajectory at T = {T} (replica {replica})", (T, tau))
    if rd.done():
        return rd.path
    threads = _threads(profile, threads)
    check_engine(params["engine"]["name"])
    start = _start_file(profile, T, replica)
    ck = rd.prepare()
    spt = steps_per_tau(profile)
    ck_every = int(profile.protocol.checkpoint_every)
    equil = params["equil_time"] * spt
    n_total = params["production_time"] + 1
    part = rd.work / "traj.gsd.part"
    wall = time.perf_counter()
    with get_engine(params["engine"]["name"], profile.engine.dt, threads) as eng:
        if ck is None:
            cfg = read_configuration(start)
            eng.load(cfg["positions"], cfg["types"], cfg["box_length"])
            eng.thermalize(T, _replica_seed(profile, replica, 2, round(T * 1e6)))
            eng.set_nvt(T, tau)
            rows, frames = [{"phase": "start", "step": 0, "time": float(-params["equil_time"]), **eng.thermo()}], 0
            if part.exists():
                part.unlink()
            rd.save_checkpoint(eng, 0, rows)
        else:
            print(f"resuming the run at T = {T} from its checkpoint at step {ck['step']} "
                  f"({ck['frames']} frames written)", flush=True)
            rd.load(eng, ck)
            rows, frames = rd.resume_thermo(ck), ck["frames"]
            if frames == 0 and part.exists():
                part.unlink()
            elif part.exists() and n_frames(part) != frames:
                truncate_gsd(part, frames)
        total_tau = params["equil_time"] + params["production_time"]
        with _progress(total_tau, eng.step / spt, f"T={T:g}", progress) as bar:
            _run_logged(eng, rd, "equilibration", equil, spt, ck_every, rows, bar, equil, _interrupt_at_step)
            with gsd.hoomd.open(os.fspath(part), mode="a" if frames else "w") as traj:
                if frames == 0:
                    traj.append(make_frame(eng.state(), 0.0))
                    if rows and rows[-1]["step"] == eng.step:
                        rows.pop()  # the end of equilibration is production frame 0
                    rows.append({"phase": "production", "step": eng.step, "time": 0.0, **eng.thermo()})
                    frames = 1
                t0, s0 = time.perf_counter(), eng.step
                while frames < n_total:
                    eng.run(spt)
                    traj.append(make_frame(eng.state(), float(frames)))
                    rows.append({"phase": "production", "step": eng.step, "time": float(frames), **eng.thermo()})
                    frames += 1
                    bar.update(1)
                    bar.set_postfix(steps_per_s=f"{(eng.step - s0) / max(time.perf_counter() - t0, 1e-9):.0f}",
                                    refresh=False)
                    if (frames - 1) % ck_every == 0 or frames == n_total:
                        rd.save_checkpoint(eng, frames, rows, traj, reload=frames < n_total)
                    if _interrupt_at_step is not None and eng.step >= _interrupt_at_step:
                        raise _Interrupted("production")
    canonical_copy(part, rd.work / "traj.gsd")
    write_thermo(rd.work / "thermo.csv", rows)
    rd.finish({rd.work / "traj.gsd": "traj.gsd", rd.work / "thermo.csv": "thermo.csv"},
              {"wall_time_s": time.perf_counter() - wall, "n_frames": n_total,
               "frame_interval_tau": 1.0, **profile_record(profile)})
    return rd.path


# -------------------------------------------------------------------------------- CLI
# ------------------------------------------------------------------ reading a finished run
def trajectory_key(run: Run) -> dict:
    """The part of a product's cache key that names its trajectory (the hash of its parameters)."""
    return {"trajectory": params_hash(run.params)}


def load_trajectory(profile, T, replica: int = 0, **kwargs):
    """Unwrapped positions of the finished trajectory at T (see trajectory.read_unwrapped),
    checked against its integrity record first (DamagedProductError if it does not match)."""
    path = Run(profile, T, replica).finished_trajectory()
    c = integrity.check(path)
    if c.state == "damaged":
        raise DamagedProductError(f"{describe(path)} is damaged ({c.why}): run make workflow PROFILE="
                                  f"{profile.name}, which moves it aside and recomputes it")
    return read_unwrapped(path, **kwargs)


def simulation_meta(profile, T, replica: int = 0) -> dict:
    """The finished run's meta.json (parameters, code version, wall time)."""
    run = Run(profile, T, replica)
    run.finished_trajectory()
    return read_json(run.meta)


def equilibrium_note(profile: Profile, temperatures, use: str) -> str:
    """A sentence for a later stage's page: which of the runs it uses (``temperatures``, for
    ``use``, e.g. "the softness training set") were not shown to be equilibrated, read
    from the simulation summaries (``results/sim_<T>_summary.csv``). Empty when all were."""
    bad, unknown = [], []
    for T in sorted({float(t) for t in temperatures}):
        f = paths.result_file(profile, f"sim_{temperature_tag(T)}_summary")
        r = pd.read_csv(f).iloc[0] if f.is_file() else None   # absent: no test recorded
        if r is None or "equilibrium" not in r:
            unknown.append(f"{T:g}")
        elif r["equilibrium"] != "equilibrated":
            bad.append(f"{T:g} ({r['equilibrium']})")
    parts = []
    if bad:
        parts.append(f"**Not shown to be equilibrated:** the runs used for {use} at T = {', '.join(bad)}; "
                     "numbers from them describe those runs, not the equilibrium liquid (reasons on the "
                     "simulation pages).")
    if unknown:
        parts.append(f"No equilibrium test is recorded for T = {', '.join(unknown)}.")
    return " ".join(parts)


def main(argv=None) -> int:
    from glasshelpers.pipeline.cli import add_debug_flag, run

    ap = argparse.ArgumentParser(prog="python -m glasshelpers.products.trajectories",
                                 description="Run the seed or one temperature of a profile.")
    ap.add_argument("what", choices=["seed", "temperature"])
    ap.add_argument("--profile", default="demo", help="tiny, demo, paper or a YAML path (default demo)")
    ap.add_argument("--temperature", type=float)
    ap.add_argument("--engine", help="override the profile's engine (lammps or hoomd)")
    ap.add_argument("--replica", type=int, default=0, help="replica index (0 .. replicas-1)")
    ap.add_argument("--threads", type=int, help="must equal the profile's engine.threads (kept for scripts)")
    ap.add_argument("--no-progress", action="store_true")
    add_debug_flag(ap)
    args = ap.parse_args(argv)
    if args.what == "temperature" and args.temperature is None:
        ap.error("--temperature is required")

    def body():
        overrides = {"engine.name": args.engine} if args.engine else None
        profile = load_profile(args.profile, overrides)     # validated before any MD
        if args.what == "temperature":
            from glasshelpers.pipeline.parameters import temperature_in_profile

            temperature_in_profile(profile, args.temperature)
        if args.what == "seed":
            out = run_seed(profile, args.threads, not args.no_progress, replica=args.replica)
        else:
            out = run_temperature(profile, args.temperature, args.threads, not args.no_progress,
                                  replica=args.replica)
        print(out)

    return run(body, args.debug)


if __name__ == "__main__":
    raise SystemExit(main())
