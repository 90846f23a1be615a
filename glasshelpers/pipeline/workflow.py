"""Run the Snakemake workflow of one profile, safely.

``python -m glasshelpers.pipeline.workflow --profile tiny [-j 2] [-- extra snakemake arguments]``

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
* Before Snakemake starts, every product of the profile is checked against its integrity
  record (:mod:`glasshelpers.pipeline.inventory`: size always, SHA-256 after a change of mtime, or
  of everything with ``--verify``); a damaged one is named in one line, moved aside and
  recomputed by this run; one that cannot be recomputed here stops the run (status 5).
* Snakemake's own output goes to ``logs/workflow.log``; the terminal gets one line per
  job started or done and **one line per failure** (the stage, the cause, where its full
  log is), and the exit status of the fault (:mod:`glasshelpers.pipeline.faults`: 1 a stage
  failed, 2 bad input, 3 busy, 4 no space left on device, 5 a damaged product).
  ``--debug`` shows Snakemake's output and the tracebacks instead.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline import costs, inventory, matching, paths
from glasshelpers.pipeline.cli import add_debug_flag, run as cli_run
from glasshelpers.pipeline.faults import (DISK_FULL_ADVICE, EXIT_DAMAGED, EXIT_DISK_FULL, EXIT_FAILED, EXIT_INPUT, EXIT_INTERRUPTED,
                     Fault, disk_full_cause)
from glasshelpers.pipeline.jobs import parse_marker
from glasshelpers.pipeline.profiles import load_profile

SNAKEFILE = paths.REPO_ROOT / "workflow" / "Snakefile"


class WorkflowBusy(Fault):
    """Another live run of the same profile holds its working directory."""

    exit_status = 3


class WorkflowFailed(Fault):
    """Snakemake stopped; every failure was already reported in one line."""

    def __init__(self, status: int, message: str = ""):
        super().__init__(message)
        self.exit_status = status


class WorkflowStopped(Fault):
    """SIGTERM or SIGHUP stopped the run, its Snakemake and its jobs (``_forward_termination``)."""

    exit_status = EXIT_INTERRUPTED


#: which status wins when several jobs failed: the root causes first
_PRIORITY = (EXIT_DISK_FULL, EXIT_DAMAGED, EXIT_INPUT, EXIT_FAILED)
#: Snakemake lines the terminal still gets (progress), besides our own "glassbook: ..." lines
_SHOWN = re.compile(r"^(\d+ of \d+ steps \(\d+%\) done|Nothing to be done.*)$")


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


def _relative(text: str) -> str:
    """Absolute paths under the working directory shown relative to it."""
    return text.replace(str(Path.cwd().resolve()) + os.sep, "")


class _Stream:
    """Snakemake's output, line by line: all of it to ``logs/workflow.log`` (best effort:
    a full disk does not stop the run), our lines and the progress to the terminal, each
    job failure as one ``error:`` line."""

    def __init__(self, log_path: Path, debug: bool, out=None, err=None):
        self.out, self.err, self.debug = out or sys.stdout, err or sys.stderr, debug
        self.failures: list[tuple[int, str]] = []
        self.lines: list[str] = []
        self.log_path = log_path
        try:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(log_path, "w", buffering=1)
        except OSError:
            self.fh = None

    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        self.lines.append(line)
        if self.fh is not None:
            try:
                self.fh.write(line + "\n")
            except OSError:
                self.fh = None
        failed = parse_marker(line)
        if failed:
            self.failures.append(failed)
            print(f"error: {_relative(failed[1])}", file=self.err, flush=True)
        elif self.debug:
            print(line, file=self.out, flush=True)
        elif line.startswith("glassbook: ") or _SHOWN.match(line):
            print(_relative(line), file=self.out, flush=True)

    def close(self) -> None:
        if self.fh is not None:
            try:
                self.fh.close()
            except OSError:
                pass

    def verdict(self, returncode: int) -> WorkflowFailed | None:
        """None when Snakemake succeeded; else the fault to raise (its line is printed
        already when a job reported it)."""
        if returncode == 0:
            return None
        if self.failures:
            statuses = {f[0] for f in self.failures}
            return WorkflowFailed(next((s for s in _PRIORITY if s in statuses), min(statuses)))
        text = "\n".join(self.lines[-400:])
        log = inventory.shown(self.log_path) if self.fh is not None or self.log_path.exists() else "its output above"
        cause = disk_full_cause(text)
        if cause:
            return WorkflowFailed(EXIT_DISK_FULL, f"Snakemake: {cause} (full log: {log}); {DISK_FULL_ADVICE}")
        errors = [ln.strip() for ln in self.lines if re.match(r"^\s*(\w*Error|\w*Exception)\b", ln)]
        what = errors[-1] if errors else f"exit status {returncode}"
        return WorkflowFailed(EXIT_FAILED, f"Snakemake failed: {what} (full log: {log})")


def check_products(prof: Profile, verify: bool = False, log=None) -> list:
    """The pre-pass: check and repair the profile's products (see :mod:`glasshelpers.pipeline.inventory`)."""
    log = log or (lambda line: print(_relative(line), file=sys.stderr, flush=True))
    found = inventory.scan(paths.profile_root(prof), full=verify)
    return inventory.repair(prof, found, log)


def _forward_termination(proc: subprocess.Popen):
    """On SIGTERM or SIGHUP, stop Snakemake and every job it started, then report.

    ``kill PID`` or ``timeout`` signals only this process, not its process group. With
    Python's default handling we would die alone; Snakemake itself stops on SIGTERM but
    leaves its running jobs going (measured: a seed run finished 7 min after its Snakemake
    had exited), and a rerun then finds a live lock, or later takes the job that finished
    unobserved for an incomplete one and computes it again. So the signal goes to Snakemake
    and all its descendants (``psutil``), which is what the kill soak's SIGKILL of the whole
    process group already proves safe: every product is written under a temporary name
    and every run resumes from its checkpoint. Returns a function that restores the
    previous handlers and raises :class:`WorkflowStopped` if a signal came (main thread
    only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    fired = []

    def handler(signum, frame):
        fired.append(signal.Signals(signum).name)
        terminate_tree(proc.pid)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def restore():
        for sig, h in previous.items():
            signal.signal(sig, h)
        if fired:
            raise WorkflowStopped(f"stopped by {fired[0]}: Snakemake and its running jobs were stopped, "
                                  "their checkpoints kept; run the same command again to resume")
    return restore


def terminate_tree(pid: int, sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` to process ``pid`` and all its descendants (those already gone are skipped)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


def run(profile: str, jobs: int = 2, extra=(), log=print, verify: bool = False, debug: bool = False,
        update: bool = False) -> int:
    """Run the workflow of ``profile``; return 0, or raise the fault that stopped it.

    The profile's folder must hold only products of this profile
    (:func:`glasshelpers.pipeline.matching.check_folder`, exit status 6 otherwise); with
    ``update`` the stages made with other analysis parameters are re-run instead."""
    prof = load_profile(profile)
    workdir = paths.workflow_dir(prof)
    profile_arg = _profile_arg(profile)
    matching.check_folder(prof, analysis=not update)
    costs.check(prof, what=f"profile {prof.name!r}")
    lock = acquire(workdir)
    try:
        clear_stale_lock(profile_arg, workdir, log)
        if update:
            rules = sorted({rule for rule, _, _ in matching.stale_stages(prof)})
            if rules:
                log(f"glassbook: re-running {', '.join(rules)} (made with other analysis parameters)")
                extra = [*extra, "--forcerun", *rules]
        redo = check_products(prof, verify)
        env = {**os.environ, **({"GLASSBOOK_DEBUG": "1"} if debug else {})}
        stream = _Stream(paths.log_file(prof, "workflow"), debug)
        proc = subprocess.Popen(snakemake_command(profile_arg, workdir, jobs, extra), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace", env=env)
        restore = _forward_termination(proc)
        try:
            for line in proc.stdout:
                stream.feed(line)
        finally:
            returncode = proc.wait()
            stream.close()
            restore()
        failed = stream.verdict(returncode)
        if failed is not None:
            raise failed
        inventory.confirm(redo, paths.profile_root(prof),
                         lambda line: print(_relative(line), file=sys.stderr, flush=True))
        return 0
    finally:
        lock.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glasshelpers.pipeline.workflow",
                                 description="Run the glassbook Snakemake workflow of one profile.")
    ap.add_argument("--profile", default="demo", help="profile name or YAML path")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cores Snakemake may use")
    ap.add_argument("--verify", action="store_true",
                    help="hash every product against its record (default: size always, hash after a change of mtime)")
    ap.add_argument("--update", action="store_true",
                    help="re-run the stages whose notebooks were made with other analysis parameters of this profile")
    ap.add_argument("extra", nargs="*", help="extra Snakemake arguments (after --)")
    add_debug_flag(ap)
    args = ap.parse_args(argv)
    # a bad profile is one line and status 2 here, before Snakemake parses the Snakefile
    return cli_run(lambda: run(args.profile, args.jobs, args.extra, verify=args.verify, debug=args.debug,
                               update=args.update), args.debug)


if __name__ == "__main__":
    sys.exit(main())
