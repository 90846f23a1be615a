"""MD throughput: the product's simulation path for one temperature vs a bare LAMMPS input.

"Product" is exactly what the workflow runs for one temperature:
``glasshelpers.products.trajectories.run_temperature(profile, T)`` with a profile built in memory from
``tiny`` (N = 2000, density 1.2, dt = 0.005, one engine thread) with a short protocol:
fresh velocities, ``equil_time`` tau of NVT logged every tau, then ``production_time``
tau with a GSD frame and a thermo row every tau, a checkpoint every ``checkpoint_every``
tau, each segment restarting from the checkpoint *read back from disk* (the
deterministic segments), and the final canonical GSD copy and meta.json. It is timed end
to end (engine start, reading the seed configuration, all segments, finishing), in a
private data root.

"Bare" is one LAMMPS input from the same seed configuration: ``read_data``, the same
pair style, cutoffs, shift, neighbour settings (``glasshelpers.core.md.engines.lammps``), the
same ``fix nvt``, dt, thread count (1, no OpenMP styles), ``velocity create`` with the
product's seed, then ``run`` for the equilibration steps and, with a ``dump`` of
positions and images every tau, ``run`` for the production steps: the same number of
MD steps, in two commands. Timed from creating the LAMMPS instance to closing it. With
``--pure``, a second bare variant without the dump is timed too.

The seed run (random start, minimisation, ``--seed-time`` tau at T = 0.45) is made once
beforehand and not timed. Runs are interleaved (bare, product, bare, product, ...) to
share machine noise; the report is steps/s of each and the ratio product/bare
(median over repeats, and per repeat).

    python benchmarks/bench_md.py                               # about 1 minute (2 x 45 tau each)
    python benchmarks/bench_md.py --production 400 --repeats 3  # longer
    python benchmarks/bench_md.py --profile-stats tiny demo     # also the stage's recorded wall time

Optionally (``--profile-stats``) the wall time and disk use of a profile's simulation
stage from its finished runs' meta.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def make_profile(n: int, equil: int, production: int, checkpoint_every: int, seed_time: int, name: str):
    """The tiny profile with the benchmark's system size and protocol (validated)."""
    from glasshelpers.pipeline.profiles import load_profile
    return load_profile("tiny", {
        "name": name,
        "model": {"n_particles": n},
        "engine": {"name": "lammps", "threads": 1},
        "protocol": {"seed_time": seed_time, "equil_time": equil, "production_time": production,
                     "production_time_by_T": {}, "checkpoint_every": checkpoint_every},
        # only MD runs here; keep the analysis settings valid for very short productions
        "analysis": {"van_hove_lag": min(10, production)},
    })


def product_run(profile, T: float) -> tuple[float, int, dict]:
    """Time run_temperature (the workflow's call) once; returns (seconds, MD steps,
    production averages of its thermo log)."""
    from glasshelpers.products import trajectories as simulate
    from glasshelpers.pipeline.profiles import steps_per_tau
    from glasshelpers.pipeline.runs import temperature_params
    from glasshelpers.core.md.trajectory import production_averages, read_thermo
    params = temperature_params(profile, T)
    steps = (params["equil_time"] + params["production_time"]) * steps_per_tau(profile)
    t0 = time.perf_counter()
    out = simulate.run_temperature(profile, T, progress=False)
    dt = time.perf_counter() - t0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["n_frames"] == params["production_time"] + 1
    return dt, steps, production_averages(read_thermo(out / "thermo.csv"))


def write_data(cfg: dict, path: Path) -> None:
    L = cfg["box_length"]
    x = cfg["positions"]
    with open(path, "w") as fh:
        fh.write(f"KA seed configuration\n\n{len(x)} atoms\n2 atom types\n\n")
        fh.writelines(f"{-L / 2:.17g} {L / 2:.17g} {ax}lo {ax}hi\n" for ax in "xyz")
        fh.write("\nMasses\n\n1 1.0\n2 1.0\n\nAtoms # atomic\n\n")
        fh.writelines(f"{i + 1} {ty + 1} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g} {im[0]} {im[1]} {im[2]}\n"
                      for i, (p, ty, im) in enumerate(zip(x, cfg["types"], cfg["images"])))


def bare_run(profile, T: float, data: Path, workdir: Path, dump: bool) -> tuple[float, int, dict]:
    """Time one plain LAMMPS input with the product's settings; returns (seconds, MD steps,
    production averages of pe and temperature sampled every tau by LAMMPS)."""
    from glasshelpers.core.md.engines.lammps import _LJ, _SETTINGS, import_lammps, lammps_args
    from glasshelpers.pipeline.profiles import engine_threads, steps_per_tau
    from glasshelpers.pipeline.runs import temperature_params
    from glasshelpers.products.trajectories import _replica_seed
    lammps = import_lammps()
    params = temperature_params(profile, T)
    spt = steps_per_tau(profile)
    equil, prod = params["equil_time"] * spt, params["production_time"] * spt
    dt_md = float(profile.engine.dt)
    tau_t = float(profile.engine.tau_thermostat)
    vseed = _replica_seed(profile, 0, 2, round(T * 1e6)) % 900000000 + 1     # the product's draw
    t0 = time.perf_counter()
    lmp = lammps.lammps(cmdargs=lammps_args(engine_threads(profile)))   # the product's styles
    lmp.commands_string(f"units lj\natom_style atomic\natom_modify map array\nboundary p p p\n"
                        f"read_data {data}\n{_LJ}\n{_SETTINGS}\ntimestep {dt_md!r}\n"
                        f"velocity all create {T!r} {vseed} dist gaussian mom yes rot no loop geom\n"
                        f"fix nvt all nvt temp {T!r} {T!r} {tau_t!r}\n")
    lmp.command(f"run {equil}")
    lmp.commands_string(f"compute bpe all pe\ncompute btemp all temp\n"
                        f"fix avg all ave/time {spt} 1 {spt} c_bpe c_btemp ave running")
    if dump:
        lmp.commands_string(f"dump d all custom {spt} {workdir}/bare.dump id type x y z ix iy iz\n"
                            "dump_modify d sort id")
    lmp.command(f"run {prod}")
    n = int(lmp.get_natoms())
    avg = {"pe": lmp.extract_fix("avg", 0, 1, 0) / n, "temperature": lmp.extract_fix("avg", 0, 1, 1)}
    lmp.close()
    return time.perf_counter() - t0, equil + prod, avg


def profile_stats(name):
    from glasshelpers.pipeline.paths import data_root
    sim = data_root() / name / "sim"
    if not sim.exists():
        return None
    metas = list(sim.glob("*/*/meta.json"))
    wall = sum(json.loads(m.read_text()).get("wall_time_s", 0.0) for m in metas)
    size = sum(f.stat().st_size for f in sim.rglob("*") if f.is_file())
    return {"profile": name, "sum_of_run_wall_times_s": round(wall, 1), "disk_MB": round(size / 1e6, 1),
            "runs": len(metas)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="particles (default 2000, the tiny/demo size)")
    ap.add_argument("--temperature", type=float, default=0.6)
    ap.add_argument("--equil", type=int, default=5, help="equilibration, tau (default 5)")
    ap.add_argument("--production", type=int, default=40,
                    help="production, tau (default 40, tiny's; e.g. 400 for a longer measurement)")
    ap.add_argument("--checkpoint-every", type=int, default=20, help="tau between checkpoints (tiny: 20)")
    ap.add_argument("--repeats", type=int, default=2, help="interleaved bare/product pairs (default 2)")
    ap.add_argument("--seed-time", type=int, default=2, help="tau of the (untimed) seed run")
    ap.add_argument("--pure", action="store_true", help="also time a bare input without the dump")
    ap.add_argument("--profile-stats", nargs="*", default=[], metavar="PROFILE")
    args = ap.parse_args(argv)

    from glasshelpers.products import trajectories as simulate
    from glasshelpers.core.md.trajectory import read_configuration

    old_root = os.environ.get("GLASSBOOK_DATA")
    res = {"bare": [], "product": [], "pure": []}
    with tempfile.TemporaryDirectory(prefix="bench_md_") as wd:
        wd = Path(wd)
        os.environ["GLASSBOOK_DATA"] = str(wd / "data")
        try:
            seed_prof = make_profile(n=args.n, equil=args.equil, production=args.production,
                                     checkpoint_every=args.checkpoint_every, seed_time=args.seed_time,
                                     name="bench")
            t0 = time.perf_counter()
            sdir = simulate.run_seed(seed_prof, progress=False)
            print(f"seed run (untimed in the comparison): {time.perf_counter() - t0:.1f} s", flush=True)
            data = wd / "seed.data"
            write_data(read_configuration(sdir / "seed.gsd"), data)
            for r in range(args.repeats):
                res["bare"].append(bare_run(seed_prof, args.temperature, data, wd, dump=True))
                if args.pure:
                    res["pure"].append(bare_run(seed_prof, args.temperature, data, wd, dump=False))
                # a fresh product run each repeat (a finished run would be reused, not redone)
                shutil.rmtree(simulate.temperature_dir(seed_prof, args.temperature), ignore_errors=True)
                res["product"].append(product_run(seed_prof, args.temperature))
                print(f"repeat {r + 1}/{args.repeats}: bare {res['bare'][-1][0]:.1f} s, "
                      f"product {res['product'][-1][0]:.1f} s", flush=True)
        finally:
            if old_root is None:
                os.environ.pop("GLASSBOOK_DATA", None)
            else:
                os.environ["GLASSBOOK_DATA"] = old_root

    def rate(runs):
        return np.array([r[1] / r[0] for r in runs])

    b, p = rate(res["bare"]), rate(res["product"])
    steps = res["product"][0][1]
    print(f"N = {args.n}, T = {args.temperature}, 1 thread, {args.equil} + {args.production} tau "
          f"({steps} steps) per run, checkpoint every {args.checkpoint_every} tau, "
          f"{args.repeats} repeat(s), median")
    print(f"  bare LAMMPS input (dump every tau):          {np.median(b):8.0f} steps/s  runs {np.round(b)}")
    if res["pure"]:
        q = rate(res["pure"])
        print(f"  bare LAMMPS input (no dump):                 {np.median(q):8.0f} steps/s  runs {np.round(q)}")
    print(f"  product (simulate.run_temperature, lammps):  {np.median(p):8.0f} steps/s  runs {np.round(p)}")
    print(f"  ratio product/bare = {np.median(p) / np.median(b):.3f}  (per repeat {np.round(p / b, 3)})")
    if res["pure"]:
        print(f"  ratio product/bare-no-dump = {np.median(p) / np.median(q):.3f}")
    # same system check: production means of U/N and T (different trajectories, same state point)
    bu = np.mean([r[2]["pe"] for r in res["bare"]])
    pu = np.mean([r[2]["pe"] for r in res["product"]])
    bt = np.mean([r[2]["temperature"] for r in res["bare"]])
    pt = np.mean([r[2]["temperature"] for r in res["product"]])
    print(f"  same state point: U/N bare {bu:.4f} vs product {pu:.4f}, T bare {bt:.4f} vs product {pt:.4f}")
    for name in args.profile_stats:
        s = profile_stats(name)
        if s:
            print(f"  simulation stage, profile {name}: {s}")


if __name__ == "__main__":
    main()
