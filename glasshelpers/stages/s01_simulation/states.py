"""``make states``: the shelf of independent equilibrium states, made resumably.

For each state k = 0 .. K-1 (an independent chain with its own random start and
velocities) and each temperature of the cascade, hot to cold, one run
(:func:`run_state`): start from the chain's state at the previous temperature (the first
temperature: a random packing, minimised), draw fresh velocities at T, equilibrate, then
measure while it runs: the thermodynamic log every tau and the MSD and F_s^A(k = 7.25) of
the A particles from time origins spaced by a fraction of tau_alpha
(:class:`~glasshelpers.core.dynamics.correlator.OriginCorrelator`). No trajectory is kept.
The runs go temperature by temperature (all K states at T before the next T), so an
interrupted shelf is complete down to some temperature.

Every run is a chain of segments restarted from checkpoints read back from disk, as in
:mod:`~glasshelpers.products.trajectories`, so a run killed and resumed any number
of times writes the same bytes as one that never stopped. ``--commit-every MIN`` commits
the shelf folder (finished runs and the checkpoints of the run in progress) to git at most
every MIN minutes, so a shelf built over several days on a laptop loses at most that much.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from glasshelpers.core.dynamics.correlator import OriginCorrelator, log_step_lags
from glasshelpers.core.md.engines import check_engine, get_engine
from glasshelpers.core.md.model import KASystem, random_configuration
from glasshelpers.core.md.trajectory import write_configuration
from glasshelpers.pipeline.shelf import ShelfError, ShelfProtocol, verified_run, write_manifest
from glasshelpers.products.trajectories import _derived_seed, _Interrupted, _RunDir

#: Columns of the thermodynamic log in ``evidence.npz`` (phase 0: equilibration, 1: production).
LOG_FIELDS = ("phase", "step", "time", "pe", "temperature", "pressure")


def _events(prot: ShelfProtocol, T: float) -> tuple:
    """Step numbers of the run at T: end of equilibration, end of the run, log steps,
    checkpoint steps, the correlator's lags and its origin spacing (MD steps; the
    correlator's schedule counts from the end of equilibration)."""
    spt = prot.steps_per_tau()
    eq, total = prot.equilibration_time(T) * spt, (prot.equilibration_time(T) + prot.production_time(T)) * spt
    log = np.concatenate([np.arange(0, eq, prot.equilibration_log_every * spt), np.arange(eq, total + 1, spt)])
    ck = np.arange(prot.checkpoint_every * spt, total + 1, prot.checkpoint_every * spt)
    lags = log_step_lags(prot.max_lag(T), prot.lags_per_decade, min_lag=max(1, spt // 50))
    return eq, total, log, ck, lags, prot.origin_every(T)


def _corr_file(work: Path, step: int) -> Path:
    return work / f"correlator-{step}.npz"


def _save_correlator(rd: _RunDir, corr: OriginCorrelator, step: int) -> None:
    tmp = rd.work / f".correlator-{step}.part.npz"
    np.savez(tmp, **corr.state())
    tmp.replace(_corr_file(rd.work, step))


def _prune_correlators(rd: _RunDir, keep: int) -> None:
    for old in rd.work.glob("correlator-*.npz"):
        if old.name != _corr_file(rd.work, keep).name:
            old.unlink()


def _start(eng, prot: ShelfProtocol, T: float, k: int) -> None:
    """Load the chain's previous state (or a minimised random packing) and draw velocities at T."""
    prev = prot.previous(T)
    if prev is None:
        system = KASystem(prot.n_particles, prot.density)
        x, types, L = random_configuration(system, _derived_seed(prot.seed, k, 0))
        eng.load(x, types, L)
        eng.minimize()
    else:
        from glasshelpers.core.md.trajectory import read_configuration

        cfg = read_configuration(verified_run(prot, prev, k) / "state.gsd")
        eng.load(cfg["positions"], cfg["types"], cfg["box_length"], images=cfg["images"])
    eng.thermalize(T, _derived_seed(prot.seed, k, 1, round(T * 1e6)))
    eng.set_nvt(T, prot.tau_thermostat)


def run_state(prot: ShelfProtocol, T: float, k: int, progress: bool = True, on_checkpoint=None,
              _interrupt_at_step: int | None = None) -> Path:
    """Make (or reuse) state ``k`` at temperature ``T`` of a shelf; returns its run folder.

    ``on_checkpoint(message)`` is called after every checkpoint (``make_states`` commits there).

    Raises ShelfError when the previous temperature's state of this chain is missing.
    """
    T = prot.cascade[prot.index(T)]
    params = prot.run_params(T, k)
    rd = _RunDir(prot.run_dir(T, k), params, f"shelf state {k} at T = {T}", (T, prot.tau_thermostat))
    if rd.done():
        return rd.path
    check_engine(prot.engine)
    if prot.previous(T) is not None and not prot.is_done(prot.previous(T), k):
        raise ShelfError(f"state {k} at T = {prot.previous(T)} is missing: the cascade makes it first")
    eq, total, log_steps, ck_steps, lags, origin_every = _events(prot, T)
    ck = rd.prepare()
    wall = time.perf_counter()
    with get_engine(prot.engine, prot.dt, prot.threads) as eng:
        if ck is None:
            _start(eng, prot, T, k)
            types = eng.state().types
            corr = OriginCorrelator(total - eq, origin_every, lags, types == 0)
            rows = [_row(eng, eq)]
            _save_correlator(rd, corr, 0)
            rd.save_checkpoint(eng, 0, rows)
        else:
            rd.load(eng, ck)
            rows = rd.resume_thermo(ck)
            corr = OriginCorrelator.from_state(dict(np.load(_corr_file(rd.work, ck["step"]))))
        _advance(eng, rd, corr, rows, (eq, total, log_steps, ck_steps), (T, k), progress, on_checkpoint,
                 _interrupt_at_step)
        write_configuration(rd.work / "state.gsd", eng.state())
    _write_evidence(rd.work / "evidence.npz", rows, corr, prot, T)
    rd.finish({rd.work / "state.gsd": "state.gsd", rd.work / "evidence.npz": "evidence.npz"},
              {"wall_time_s": time.perf_counter() - wall, "temperature": T, "state": k, "shelf": prot.name})
    return rd.path


def _row(eng, eq: int) -> dict:
    """One log row; ``time`` in tau from the end of equilibration."""
    spt = int(round(1.0 / eng.dt))
    return {"phase": "production" if eng.step >= eq else "equilibration", "step": eng.step,
            "time": (eng.step - eq) / spt, **eng.thermo()}


def _advance(eng, rd, corr, rows, events, run, progress, on_checkpoint, interrupt):
    """Run from the engine's step to the end, stopping at every log, correlator and checkpoint step."""
    (eq, total, log_steps, ck_steps), (T, k) = events, run
    sched = corr.schedule() + eq
    stops = np.unique(np.concatenate([log_steps, ck_steps, sched]))
    stops = stops[stops > eng.step]
    spt = int(round(1.0 / eng.dt))
    logs, cks, obs = set(log_steps.tolist()), set(ck_steps.tolist()), set(sched.tolist())
    with tqdm(total=total, initial=eng.step, unit="tau", unit_scale=1.0 / spt, desc=f"shelf T={T:g} k={k}",
              disable=not progress, mininterval=2.0, dynamic_ncols=True) as bar:
        for s in stops:
            bar.update(int(s - eng.step))
            eng.run(int(s - eng.step))
            if s in obs:
                corr.observe(int(s - eq), eng.state().unwrapped)
            if s in logs:
                rows.append(_row(eng, eq))
            if s in cks:
                _save_correlator(rd, corr, int(s))
                rd.save_checkpoint(eng, 0, rows, reload=s < total)
                _prune_correlators(rd, int(s))
                if on_checkpoint is not None and s < total:
                    on_checkpoint(f"state {k} at T = {T}, checkpoint at {s * eng.dt:g} tau")
            if interrupt is not None and s >= interrupt:
                raise _Interrupted("shelf")


def _write_evidence(path: Path, rows, corr: OriginCorrelator, prot: ShelfProtocol, T: float) -> None:
    log = np.array([[1.0 if r["phase"] == "production" else 0.0, r["step"], r["time"], r["pe"],
                     r["temperature"], r["pressure"]] for r in rows], dtype=np.float64)
    tmp = path.with_name(".evidence.part.npz")
    np.savez(tmp, log=log, log_fields=np.array(LOG_FIELDS), origins_tau=corr.origins_ * prot.dt,
             lags_tau=corr.lags * prot.dt, msd_A=corr.msd_, fs_A=corr.fs_, k=np.float64(corr.k),
             temperature=np.float64(T), equilibration_tau=np.float64(prot.equilibration_time(T)),
             production_tau=np.float64(prot.production_time(T)))
    tmp.replace(path)


# ------------------------------------------------------------------------- the shelf
def _git_commit(root: Path, message: str) -> None:
    """Commit the shelf folder alone (other staged changes stay staged); a failure is reported, not fatal."""
    try:
        subprocess.run(["git", "add", "-A", "--", str(root)], cwd=root, check=True, capture_output=True)
        subprocess.run(["git", "commit", "-q", "-m", message, "--", str(root)], cwd=root, check=True,
                       capture_output=True)
        print(f"committed: {message}", flush=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        print(f"warning: could not commit the shelf progress ({err.decode(errors='replace').strip() or exc})",
              flush=True)


def make_states(prot: ShelfProtocol, progress: bool = True, commit_every: float | None = None,
                temperatures=None, chains=None, _interrupt_at_step: int | None = None) -> dict:
    """Make every missing state of the shelf, hot to cold, and write its manifest.

    ``commit_every`` (minutes): also commit the shelf folder to git at most that often and
    after the last run. ``temperatures``: stop after the coldest of these. ``chains``: make
    only these states (indices; default all), for example one per machine.
    Returns the manifest.
    """
    coldest = min(temperatures) if temperatures else min(prot.cascade)
    last = [time.monotonic()]

    def maybe_commit(message):
        if commit_every is not None and time.monotonic() - last[0] > 60 * commit_every:
            _git_commit(prot.root, f"shelf {prot.name}: {message}")
            last[0] = time.monotonic()

    for T in prot.cascade:
        if T < coldest - 1e-9:
            break
        for k in (range(prot.states) if chains is None else chains):
            if prot.is_done(T, k):
                continue
            run_state(prot, T, k, progress, maybe_commit, _interrupt_at_step)
            write_manifest(prot)
            maybe_commit(f"state {k} at T = {T}")
    manifest = write_manifest(prot)
    if commit_every is not None:
        _git_commit(prot.root, f"shelf {prot.name}: {len(manifest['runs'])} states")
    return manifest


def main(argv=None) -> int:
    from glasshelpers.pipeline.cli import add_debug_flag, run

    ap = argparse.ArgumentParser(prog="python -m glasshelpers.stages.s01_simulation.states",
                                 description="Make (or resume) a shelf of equilibrium states.")
    ap.add_argument("--shelf", default="ka2000", help="a shipped shelf name or a protocol.yaml path")
    ap.add_argument("--commit-every", type=float, metavar="MIN",
                    help="commit the shelf folder to git at most every MIN minutes")
    ap.add_argument("--down-to", type=float, metavar="T", help="stop after this temperature of the cascade")
    ap.add_argument("--state", type=int, action="append", metavar="K",
                    help="make only chain K (repeatable; default every chain)")
    ap.add_argument("--no-progress", action="store_true")
    add_debug_flag(ap)
    args = ap.parse_args(argv)

    def body():
        prot = ShelfProtocol.load(args.shelf)
        for k in args.state or ():
            prot.run_params(prot.cascade[0], k)          # ShelfError (one line) when out of range
        manifest = make_states(prot, not args.no_progress, args.commit_every,
                               [args.down_to] if args.down_to is not None else None, args.state)
        print(f"shelf {prot.name}: {len(manifest['runs'])} of {prot.states * len(prot.cascade)} states in {prot.root}")

    return run(body, args.debug)


if __name__ == "__main__":
    raise SystemExit(main())
