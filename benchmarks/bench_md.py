"""MD throughput: our interface (production loop with GSD writing) vs a bare LAMMPS input,
and the HOOMD-blue backend through the same loop when HOOMD-blue is importable.

All run the same N = 4096 Kob-Andersen system at T = 1.0 from the same equilibrated
configuration, with the same thread count (HOOMD-blue CPU builds without TBB use one
thread whatever is asked), interleaved A/B/C/A/B/C to share machine noise. Reports
steps/s, tau/s, our overhead against bare LAMMPS and HOOMD-blue's speed as a ratio to
LAMMPS's through our loop; optionally the wall time and disk use of a profile's
simulation stage from its finished runs' meta.json.

    python benchmarks/bench_md.py [--n 2000] [--tau 20] [--repeats 2] [--threads 1] [--no-hoomd]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from glasshelpers.engines.lammps import LammpsEngine, _LJ, _SETTINGS, import_lammps
from glasshelpers.model import KASystem, random_configuration
from glasshelpers.trajectory import make_frame


def prepare(n, threads):
    eng = LammpsEngine(threads=threads)
    x, t, L = random_configuration(KASystem(n), 1)
    eng.load(x, t, L)
    eng.minimize()
    eng.thermalize(1.0, 2)
    eng.set_nvt(1.0, 0.5)
    eng.run(2000)
    st = eng.state()
    eng.close()
    return st


def bare_lammps(st, tau, threads, workdir):
    """Plain LAMMPS: write a data file, one input script, one `run`."""
    lammps = import_lammps()
    data = Path(workdir) / "conf.data"
    L = st.box_length
    with open(data, "w") as fh:
        fh.write(f"KA\n\n{len(st.positions)} atoms\n2 atom types\n\n")
        for ax in "xyz":
            fh.write(f"{-L / 2:.17g} {L / 2:.17g} {ax}lo {ax}hi\n")
        fh.write("\nMasses\n\n1 1.0\n2 1.0\n\nAtoms # atomic\n\n")
        for i, (p, ty) in enumerate(zip(st.positions, st.types)):
            fh.write(f"{i + 1} {ty + 1} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}\n")
        fh.write("\nVelocities\n\n")
        for i, v in enumerate(st.velocities):
            fh.write(f"{i + 1} {v[0]:.17g} {v[1]:.17g} {v[2]:.17g}\n")
    args = ["-nocite", "-log", "none", "-screen", "none"]
    if threads > 1:
        args += ["-pk", "omp", str(threads), "-sf", "omp"]
    lmp = lammps.lammps(cmdargs=args)
    lmp.commands_string(f"units lj\natom_style atomic\nread_data {data}\n{_LJ}\n{_SETTINGS}\n"
                        "timestep 0.005\nfix nvt all nvt temp 1.0 1.0 0.5\n"
                        f"dump d all custom 200 {workdir}/bare.dump id type x y z ix iy iz\n"
                        "dump_modify d sort id\nrun 0")
    t0 = time.perf_counter()
    lmp.command(f"run {tau * 200}")
    dt = time.perf_counter() - t0
    lmp.close()
    return tau * 200 / dt


def ours(st, tau, threads, workdir, engine="lammps"):
    """Our production loop: 1-tau runs, state read-back, thermo, GSD append per frame."""
    import gsd.hoomd

    from glasshelpers.engines import get_engine
    eng = get_engine(engine, dt=0.005, threads=threads)
    eng.load(st.positions, st.types, st.box_length, velocities=st.velocities)
    eng.set_nvt(1.0, 0.5)
    eng.run(0)
    path = os.path.join(workdir, f"ours-{engine}.gsd")
    t0 = time.perf_counter()
    with gsd.hoomd.open(path, "w") as traj:
        for k in range(tau):
            eng.run(200)
            traj.append(make_frame(eng.state(), float(k)))
            eng.thermo()
    dt = time.perf_counter() - t0
    eng.close()
    return tau * 200 / dt


def hoomd_available():
    try:
        from glasshelpers.engines.hoomd import import_hoomd
        import_hoomd()
        return True
    except Exception:
        return False


def profile_stats(name):
    from glasshelpers.paths import data_root
    sim = data_root() / name / "sim"
    if not sim.exists():
        return None
    wall = 0.0
    for meta in sim.glob("*/*/meta.json"):
        wall += json.loads(meta.read_text()).get("wall_time_s", 0.0)
    size = sum(f.stat().st_size for f in sim.rglob("*") if f.is_file())
    return {"profile": name, "sum_of_run_wall_times_s": round(wall, 1), "disk_MB": round(size / 1e6, 1),
            "runs": len(list(sim.glob("*/*/meta.json")))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--tau", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--profile-stats", nargs="*", default=["tiny", "demo", "paper"])
    ap.add_argument("--no-hoomd", action="store_true", help="skip HOOMD-blue even if importable")
    args = ap.parse_args()
    hoomd = not args.no_hoomd and hoomd_available()
    st = prepare(args.n, args.threads)
    res = {"bare": [], "ours": [], "hoomd": []}
    with tempfile.TemporaryDirectory() as wd:
        for _ in range(args.repeats):
            res["bare"].append(bare_lammps(st, args.tau, args.threads, wd))
            res["ours"].append(ours(st, args.tau, args.threads, wd))
            if hoomd:
                res["hoomd"].append(ours(st, args.tau, args.threads, wd, engine="hoomd"))
    b, o = np.median(res["bare"]), np.median(res["ours"])
    print(f"N = {args.n}, T = 1.0, {args.threads} thread(s), {args.tau} tau per run, {args.repeats} repeats (median)")
    print(f"  bare LAMMPS input (dump every tau): {b:8.0f} steps/s  {b / 200:6.2f} tau/s   runs {np.round(res['bare'])}")
    print(f"  glasshelpers production loop + GSD: {o:8.0f} steps/s  {o / 200:6.2f} tau/s   runs {np.round(res['ours'])}")
    print(f"  ratio ours/bare = {o / b:.3f}  (overhead {100 * (1 - o / b):+.1f} %)")
    if hoomd:
        import hoomd as _h
        hm = np.median(res["hoomd"])
        print(f"  HOOMD-blue {_h.version.version} ({'GPU' if _h.version.gpu_enabled else 'CPU'} build, same loop + GSD): "
              f"{hm:8.0f} steps/s  {hm / 200:6.2f} tau/s   runs {np.round(res['hoomd'])}")
        paired = np.array(res["hoomd"]) / np.array(res["ours"])
        print(f"  ratio HOOMD-blue/LAMMPS (same loop) = {hm / o:.3f}  "
              f"(per repeat {np.round(paired, 3)}, median {np.median(paired):.3f})")
    else:
        print("  HOOMD-blue: not importable here (or --no-hoomd), not measured")
    for name in args.profile_stats:
        s = profile_stats(name)
        if s:
            print(f"  simulation stage, profile {name}: {s}")


if __name__ == "__main__":
    main()
