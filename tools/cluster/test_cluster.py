"""`make test-cluster`: the workflow on a real one-node SLURM cluster, checked against a local run.

1. Install Debian's slurm-wlm, slurmdbd, munge and MariaDB if missing (apt-get).
2. Run the workflow of a profile (default ``tiny``) locally with Snakemake (the reference),
   or reuse a finished local run (``--reference``: ``make test`` passes the test suite's
   own uninterrupted tiny run, hard-linked aside before any test touched it).
3. Start munged, MariaDB, slurmdbd, slurmctld and slurmd in a scratch directory
   (``onenode.py``) and run the same workflow through ``snakemake-executor-plugin-slurm``
   up to Table I (stage 05, ``TABLE1_RULE``): every rule instance is its own SLURM job (the
   seed, one job per temperature, one per stage), job status comes from ``sacct`` (real accounting in MariaDB).
4. While the longest simulation (T = 0.45) is in production and has written a checkpoint,
   ``scancel`` it. The workflow run fails; rerun it with ``--rerun-incomplete``; the new job
   must resume from the checkpoint (its log says so, with the checkpoint's step).
5. Compare with the local run: every trajectory (``traj.gsd``, and the seed) bit-identical
   frame by frame and chunk by chunk, and Table I (``table1_data.csv``) equal, wall-time
   columns aside.
6. Stop every daemon by PID (also on failure or SIGTERM) and check none is left.

Exit status 0 only if every check passed. Usage::

    python tools/cluster/test_cluster.py [--profile tiny] [--keep] [--scratch DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from onenode import ACCOUNT, PARTITION, SYSTEM_CONF, OneNodeSlurm, ensure_packages  # noqa: E402

T_CANCEL = 0.45          # the longest run in tiny (140 tau of production)
PY = sys.executable
T_START = time.monotonic()


def log(msg: str):
    print(f"[test-cluster {time.monotonic() - T_START:6.0f} s] {msg}", flush=True)


class CheckFailed(Exception):
    pass


def check(cond: bool, msg: str):
    if not cond:
        raise CheckFailed(msg)
    log(f"ok: {msg}")


# ---------------------------------------------------------------------- workflow runs
#: the workflow rule that writes Table I (results/table1_data.csv): the SLURM run's target
TABLE1_RULE = "stage_05_transfer_learning"


def workflow_cmd(profile: str, cores: int, extra: list[str]) -> list[str]:
    """The project's workflow runner (per-profile Snakemake directory under the data root, so
    the local and the SLURM run, with different data roots, have their own locks)."""
    return [PY, "-m", "glasshelpers.pipeline.workflow", "--profile", profile, "-j", str(cores), "--", *extra]


def data_env(data: Path, base: dict | None = None) -> dict:
    env = dict(os.environ if base is None else base)
    env["GLASSBOOK_DATA"] = str(data)
    return env


def run_logged(cmd, env, logfile: Path) -> int:
    """Run ``cmd`` in its own process group with its output in ``logfile``; if this script
    is interrupted meanwhile, the whole group (Snakemake and its jobs) is stopped too."""
    with open(logfile, "ab") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        out.flush()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
        try:
            return proc.wait()
        except BaseException:
            for sig in (signal.SIGINT, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=30)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
            raise


def tail(path: Path, n: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""


# ---------------------------------------------------------------------- comparisons
def gsd_chunks(path: Path) -> tuple[int, dict]:
    """All chunks of every frame of a GSD file: {(frame, name): raw bytes}."""
    import gsd.fl
    with gsd.fl.open(str(path), "r") as f:
        names = f.find_matching_chunk_names("")
        out = {}
        for i in range(f.nframes):
            for name in names:
                if f.chunk_exists(i, name):
                    out[(i, name)] = np.ascontiguousarray(f.read_chunk(i, name)).tobytes()
        return f.nframes, out


def compare_trajectories(ref: Path, new: Path) -> list[str]:
    """Relative paths of every GSD file under ``ref``; raise if any differs from ``new``."""
    files = sorted(r for r in (p.relative_to(ref) for p in ref.rglob("*.gsd")) if "work" not in r.parts)
    check(len(files) > 0, f"the local run wrote trajectories ({len(files)} GSD files)")
    newfiles = sorted(r for r in (p.relative_to(new) for p in new.rglob("*.gsd")) if "work" not in r.parts)
    check(files == newfiles, "the SLURM run wrote the same GSD files")
    for rel in files:
        a, b = ref / rel, new / rel
        na, ca = gsd_chunks(a)
        nb, cb = gsd_chunks(b)
        if na != nb or ca.keys() != cb.keys():
            raise CheckFailed(f"{rel}: {na} vs {nb} frames, chunks differ")
        diff = [k for k in ca if ca[k] != cb[k]]
        if diff:
            raise CheckFailed(f"{rel}: {len(diff)} chunks differ, first {diff[:3]}")
        if a.read_bytes() != b.read_bytes():
            raise CheckFailed(f"{rel}: same frames but not the same bytes (the canonical GSD layout differs)")
    log(f"ok: {len(files)} GSD files (seed and every trajectory) byte-identical, and every chunk of "
        f"every frame equal")
    return [str(f) for f in files]


def compare_table1(ref: Path, new: Path):
    a = sorted(ref.rglob("table1_data.csv"))
    b = sorted(new.rglob("table1_data.csv"))
    check(len(a) == 1 and len(b) == 1, "both runs wrote one Table I (table1_data.csv)")
    ta, tb = pd.read_csv(a[0]), pd.read_csv(b[0])
    # provenance, not results: wall time, and the git commit (+dirty) the run saw
    wall = [c for c in ta.columns if "wall" in c.lower() or c == "code_version"]
    ta, tb = ta.drop(columns=wall), tb.drop(columns=[c for c in wall if c in tb.columns])
    check(list(ta.columns) == list(tb.columns) and ta.shape == tb.shape,
          f"Table I has the same shape {ta.shape} and columns")
    pd.testing.assert_frame_equal(ta, tb, check_exact=True)
    log(f"ok: Table I identical ({ta.shape[0]} rows x {ta.shape[1]} columns, "
        f"provenance columns ignored: {wall or 'none'})")


# ---------------------------------------------------------------------- SLURM helpers
def find_checkpoint(data: Path, T: float) -> Path | None:
    tag = f"{T:.3f}"
    for ck in data.rglob("checkpoint.json"):
        if ck.parent.name == "work" and tag in ck.parent.parent.name:
            return ck
    return None


def read_checkpoint(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def find_job(cluster: OneNodeSlurm, rule: str, T: float) -> str | None:
    r = cluster.run("squeue", "-h", "-o", "%i|%k|%T", check=False)
    for line in r.stdout.splitlines():
        jid, comment, state = (line.split("|") + ["", ""])[:3]
        if f"rule_{rule}" in comment and f"{T:.3f}" in comment and state == "RUNNING":
            return jid
    return None


def sacct_jobs(cluster: OneNodeSlurm) -> list[dict]:
    r = cluster.run("sacct", "-X", "-n", "-P", "-a", "-S", "2000-01-01",
                    "-o", "JobID,JobName%60,Account,Partition,State,ExitCode,Elapsed,AllocCPUS,ReqMem,Comment%80",
                    check=False)
    keys = ["id", "name", "account", "partition", "state", "exit", "elapsed", "cpus", "reqmem", "comment"]
    return [dict(zip(keys, ln.split("|"))) for ln in r.stdout.splitlines() if ln.strip()]


def sacct_maxrss(cluster: OneNodeSlurm) -> dict:
    """Peak resident memory (MB) per job, from the accounting of its steps."""
    r = cluster.run("sacct", "-n", "-P", "-a", "-S", "2000-01-01", "-o", "JobID,MaxRSS", check=False)
    peak = {}
    for ln in r.stdout.splitlines():
        jid, rss = (ln.split("|") + [""])[:2]
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)", rss.strip())
        if not m:
            continue
        mb = float(m.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024, "": 1 / 2**20}[m.group(2)]
        base = jid.split(".")[0]
        peak[base] = max(peak.get(base, 0.0), mb)
    return peak


# ---------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="tiny")
    ap.add_argument("--scratch", type=Path, help="scratch directory (default: a new one in $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory after success")
    ap.add_argument("--jobs", type=int, default=6, help="SLURM jobs in flight at once")
    ap.add_argument("--reference", type=Path,
                    help="the local run's data root: reused if it holds a finished run of the profile "
                         "(make test passes the suite's tiny run), else the local run is made there")
    args = ap.parse_args(argv)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    ensure_packages(log)
    scratch = (args.scratch or Path(tempfile.mkdtemp(prefix="glassbook-cluster-"))).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    log(f"scratch directory {scratch}")
    timings, ok, cluster, sm = {}, False, None, None
    try:
        # ---- 1. the local reference run
        ref = args.reference or scratch / "local" / "data"
        t = time.monotonic()
        finished = args.reference is not None and any(args.reference.glob(f"{args.profile}/results/table1_data.csv"))
        if args.reference is not None:
            log(f"local reference: {ref} " + ("(a finished run, reused)" if finished else "(no finished run: run now)"))
        if not finished:
            rc = run_logged(workflow_cmd(args.profile, 2, []),
                            data_env(ref), scratch / "local.log")
            check(rc == 0, f"local run of {args.profile} finished (log {scratch / 'local.log'})\n"
                  + ("" if rc == 0 else tail(scratch / "local.log")))
        timings["local run"] = time.monotonic() - t

        # ---- 2. the cluster
        t = time.monotonic()
        cluster = OneNodeSlurm(scratch / "cluster", cpus=2, memory_mb=20000, log=log)
        cluster.__enter__()
        timings["cluster start"] = time.monotonic() - t
        new = scratch / "slurm" / "data"
        # Job status from squeue: with sacct, plugin 2.8.0 never sees a job cancelled with
        # scancel end (sacct says "CANCELLED by 0", the plugin matches "CANCELLED" exactly)
        # and the workflow waits forever. Accounting is still real and read below with sacct.
        slurm_args = ["--executor", "slurm", "--jobs", str(args.jobs), "--slurm-status-command", "squeue",
                      "--default-resources", f"slurm_partition={PARTITION}", f"slurm_account={ACCOUNT}",
                      "--slurm-logdir", str(scratch / "slurm" / "jobs"), "--slurm-keep-successful-logs",
                      "--slurm-init-seconds-before-status-checks", "5", "--seconds-between-status-checks", "5"]
        # Up to Table I: the checks below compare the trajectories and table1_data.csv, so the
        # SLURM run stops after stage 05 (its rule, the target); stages 06-07 run locally in the
        # suite and would add about 3 min here without being compared.
        cmd = workflow_cmd(args.profile, 2, slurm_args + [TABLE1_RULE])
        env = cluster.env(data_env(new))
        slog = scratch / "slurm.log"

        # ---- 3. SLURM run, with one simulation cancelled mid-production
        t = time.monotonic()
        with open(slog, "ab") as out:
            out.write(f"$ {' '.join(cmd)}\n".encode())
            out.flush()
            sm = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                  start_new_session=True)  # its own process group, stopped as one
        from glasshelpers.pipeline.profiles import load_profile
        P = load_profile(args.profile)
        spt = round(1 / float(P.engine.dt))
        every = int(P.protocol.checkpoint_every)
        # a production checkpoint past the first one: equilibration + `every` tau of production
        target_step = (int(P.protocol.equil_time) + every) * spt
        cancelled, ck_before = None, None
        while sm.poll() is None and cancelled is None:
            ck_path = find_checkpoint(new, T_CANCEL)
            ck = read_checkpoint(ck_path) if ck_path else None
            if ck and ck.get("step", 0) >= target_step:
                jid = find_job(cluster, "simulate", T_CANCEL)
                if jid:
                    cluster.run("scancel", jid)
                    cancelled, ck_before = jid, ck
                    log(f"scancel {jid}: the T = {T_CANCEL} simulation, at its checkpoint {ck}")
                    break
            time.sleep(0.2)
        rc1 = sm.wait()
        timings["SLURM run (interrupted)"] = time.monotonic() - t
        check(cancelled is not None, f"a running T = {T_CANCEL} simulation job was found and cancelled "
              f"(log {slog})\n" + ("" if cancelled else tail(slog)))
        check(rc1 != 0, f"the workflow run with the cancelled job failed (exit {rc1}), as it should")
        states = {j["id"]: j for j in sacct_jobs(cluster)}
        check(states.get(cancelled, {}).get("state", "").startswith("CANCELLED"),
              f"sacct records job {cancelled} as {states.get(cancelled, {}).get('state')}")
        ck_path = find_checkpoint(new, T_CANCEL)
        ck_after_cancel = read_checkpoint(ck_path) if ck_path else None
        check(ck_after_cancel is not None and ck_after_cancel.get("step", 0) >= target_step,
              f"the cancelled run left its checkpoint {ck_after_cancel}")
        time.sleep(3)
        check(read_checkpoint(ck_path) == ck_after_cancel, "nothing writes to the cancelled run's work/ any more")

        # ---- 4. rerun with --rerun-incomplete
        t = time.monotonic()
        rc2 = run_logged(cmd, env, slog)
        timings["SLURM rerun"] = time.monotonic() - t
        check(rc2 == 0, f"the rerun finished (log {slog})\n" + ("" if rc2 == 0 else tail(slog)))
        step = ck_after_cancel["step"]
        sim_logs = [p for p in new.rglob("*.log") if "simulation" in p.name and f"{T_CANCEL:.3f}" in p.name]
        resumed = [p for p in sim_logs if re.search(rf"resum\w* .*checkpoint at step {step}\b",
                                                    p.read_text(errors="replace"))]
        check(bool(resumed), f"the rerun job resumed the T = {T_CANCEL} run from its checkpoint at step {step} "
              f"({resumed[0] if resumed else sim_logs})")

        jobs = sacct_jobs(cluster)
        sims = [j for j in jobs if "rule_simulate" in j["comment"]]
        n_T = len(P.temperatures) * int(P.replicas)
        check(len(sims) == n_T + 1 and all(j["account"] == ACCOUNT for j in jobs),
              f"{len(sims)} simulation jobs in the accounting ({n_T} temperatures + 1 resumed), "
              f"all under account {ACCOUNT}")
        peak = sacct_maxrss(cluster)
        with open(scratch / "sacct.txt", "w") as f:
            for j in jobs:
                rss = f"{peak[j['id']]:.0f}M" if j["id"] in peak else "-"
                f.write(f"{j['id']:>4} {j['state']:<14} {j['elapsed']:>9} cpus={j['cpus']} reqmem={j['reqmem']} "
                        f"maxrss={rss} {j['comment']}\n")
        log("jobs (sacct):\n" + (scratch / "sacct.txt").read_text())

        # ---- 5. products equal the local run's
        compare_trajectories(ref, new)
        compare_table1(ref, new)
        ok = True
    except CheckFailed as e:
        log(f"FAILED: {e}")
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
    finally:
        if sm is not None and sm.poll() is None:
            log(f"stopping the workflow run (process group {sm.pid})")
            os.killpg(sm.pid, signal.SIGINT)
            try:
                sm.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(sm.pid, signal.SIGKILL)
                sm.wait()
        if cluster is not None:
            t = time.monotonic()
            cluster.stop()
            timings["cluster stop"] = time.monotonic() - t
            left = cluster.leftovers()
            if SYSTEM_CONF.is_symlink() and os.readlink(SYSTEM_CONF) == str(cluster.conf):
                left.append(f"the link {SYSTEM_CONF}")
            if left:
                ok = False
                log("FAILED: processes left running:\n" + "\n".join(left))
            else:
                log(f"ok: no daemon or job process left (stopped by PID: {cluster.procs_stopped})")
    log("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
        + f"; total {time.monotonic() - T_START:.0f} s")
    if ok and not args.keep and args.scratch is None:
        shutil.rmtree(scratch, ignore_errors=True)
    elif not ok:
        log(f"kept {scratch} for inspection")
    log("PASSED" if ok else "FAILED")
    print(f"cluster: {int(ok)} passed, {int(not ok)} failed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
