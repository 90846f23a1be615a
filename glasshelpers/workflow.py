"""Run the Snakemake workflow of one profile, safely.

``python -m glasshelpers.workflow --profile tiny [-j 2] [-- extra snakemake arguments]``

* Each profile runs in its own Snakemake working directory (``paths.workflow_dir``), so
  its lock and metadata are its own: ``tiny`` and ``demo`` can build at the same time in
  one checkout.
* A run holds an exclusive ``flock`` on ``<workflow dir>/run.lock`` for its lifetime;
  the kernel drops it when the process dies, however it dies. A second run of the same
  profile finds it held and is refused (exit status 3).
* A Snakemake lock left by a killed run (no live process holds our flock, and no live
  Snakemake process works in that directory) is cleared with ``snakemake --unlock``,
  with a one-line notice, and the workflow continues where it stopped
  (``--rerun-incomplete``).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
from pathlib import Path

from . import paths
from .cli import add_debug_flag, run as cli_run
from .profiles import load_profile

SNAKEFILE = paths.REPO_ROOT / "workflow" / "Snakefile"


class WorkflowBusy(RuntimeError):
    """Another live run of the same profile holds its working directory."""

    exit_status = 3


def _profile_arg(name_or_path: str) -> str:
    """The profile as Snakemake's config gets it: a name, or an absolute YAML path."""
    p = Path(name_or_path)
    return str(p.resolve()) if p.suffix in (".yaml", ".yml") else str(name_or_path)


def snakemake_command(profile_arg: str, workdir: Path, jobs: int, extra=()) -> list[str]:
    """The Snakemake command line of a run (module invocation, per-profile directory)."""
    return [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--directory", str(workdir),
            "--config", f"profile={profile_arg}", "--cores", str(int(jobs)), "--rerun-incomplete",
            *extra]


def live_snakemake_pids(workdir: Path) -> list[int]:
    """PIDs of live Snakemake processes whose working directory is ``workdir`` (Linux /proc)."""
    workdir = Path(workdir).resolve()
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            if not any(b"snakemake" in part for part in cmd[:3]):
                continue
            if Path(os.readlink(entry / "cwd")).resolve() == workdir:
                out.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return out


def snakemake_locks(workdir: Path) -> list[Path]:
    locks = Path(workdir) / ".snakemake" / "locks"
    return sorted(locks.glob("*.lock")) if locks.is_dir() else []


def acquire(workdir: Path):
    """Take the profile's run lock; return the open file (keep it open) or raise WorkflowBusy."""
    workdir.mkdir(parents=True, exist_ok=True)
    fh = open(workdir / "run.lock", "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise WorkflowBusy(f"another workflow run of this profile is in progress (pid {holder}, "
                           f"lock {workdir / 'run.lock'}); wait for it or stop it") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def clear_stale_lock(profile_arg: str, workdir: Path, log=print) -> bool:
    """Remove Snakemake's lock if no live process owns it. Call with the run lock held."""
    if not snakemake_locks(workdir):
        return False
    live = live_snakemake_pids(workdir)
    if live:
        raise WorkflowBusy(f"Snakemake process(es) {live} are working in {workdir}; not clearing their lock")
    proc = subprocess.run(snakemake_command(profile_arg, workdir, 1, ["--unlock", "--quiet"]),
                          capture_output=True, text=True)
    if proc.returncode != 0 or snakemake_locks(workdir):
        raise RuntimeError(f"could not clear the stale Snakemake lock in {workdir}:\n{proc.stderr[-2000:]}")
    log(f"glassbook: cleared a stale Snakemake lock in {workdir} (left by an interrupted run); resuming")
    return True


def run(profile: str, jobs: int = 2, extra=(), log=print) -> int:
    """Run the workflow of ``profile``; return Snakemake's exit status."""
    prof = load_profile(profile)
    workdir = paths.workflow_dir(prof)
    profile_arg = _profile_arg(profile)
    lock = acquire(workdir)
    try:
        clear_stale_lock(profile_arg, workdir, log)
        return subprocess.run(snakemake_command(profile_arg, workdir, jobs, extra)).returncode
    finally:
        lock.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glasshelpers.workflow",
                                 description="Run the glassbook Snakemake workflow of one profile.")
    ap.add_argument("--profile", default="demo", help="profile name or YAML path")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cores Snakemake may use")
    ap.add_argument("extra", nargs="*", help="extra Snakemake arguments (after --)")
    add_debug_flag(ap)
    args = ap.parse_args(argv)
    # a bad profile is one line and status 2 here, before Snakemake parses the Snakefile
    return cli_run(lambda: run(args.profile, args.jobs, args.extra), args.debug)


if __name__ == "__main__":
    sys.exit(main())
