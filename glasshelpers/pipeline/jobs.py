"""One workflow job, run so that its failure reaches the user as one line.

The Snakefile runs every job through this module::

    python -m glasshelpers.pipeline.jobs notebook --profile tiny --stage 02_features --log LOG
    python -m glasshelpers.pipeline.jobs notebook --profile tiny --stage 01_simulation --temperature 0.45 --log LOG
    python -m glasshelpers.pipeline.jobs simulate seed --profile tiny --replica 1 --log LOG
    python -m glasshelpers.pipeline.jobs simulate temperature --profile tiny --replica 1 --temperature 0.45 --log LOG

A job

1. validates its parameters before any work (:mod:`glasshelpers.pipeline.parameters`: the profile,
   a temperature that must be one of the profile's, names the notebook must take);
2. runs papermill in this process (cell outputs and the traceback of a failure go to
   the log) into ``<name>.part.ipynb``, or the simulation CLI with its output to the log;
3. on success stamps the code version, checks that the notebook wrote every result and
   figure the registry declares, renames the notebook into place and writes the
   integrity records of what it made (the executed notebook; a run's ``traj.gsd`` /
   ``seed.gsd``, ``thermo.csv`` and ``meta.json``);
4. on failure removes its ``.part.ipynb`` (nothing half-written) and prints one line,
   ``glassbook: FAILED [<status>] <job>: <cause> (full log: <log>)``, which the
   workflow runner (:mod:`glasshelpers.pipeline.workflow`) shows as ``error: ...``; the exit
   status is the fault's (:mod:`glasshelpers.pipeline.faults`: 2 bad input, 4 disk full, 5
   damaged product, 1 otherwise).

``GLASSBOOK_DEBUG=1`` (the runner's ``--debug``) also prints the traceback on stderr.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from glasshelpers.pipeline import integrity, paths, registry
from glasshelpers.pipeline.faults import (DISK_FULL_ADVICE, EXIT_DAMAGED, EXIT_DISK_FULL, EXIT_FAILED, EXIT_INPUT, EXIT_INTERRUPTED,
                     Fault, describe, disk_full_cause, is_disk_full)
from glasshelpers.pipeline.parameters import ParameterError, check_names, load, temperature_in_profile
from glasshelpers.pipeline.inventory import shown
from glasshelpers.pipeline.profiles import Profile, ProfileError

MARK = "glassbook: FAILED"
_MARK_RE = re.compile(r"^glassbook: FAILED \[(\d+)\] (.*)$")
#: exception names (in a notebook) that mean "bad input" or "damaged product"
INPUT_ENAMES = ("ProfileError", "ParameterError")
DAMAGED_ENAMES = ("DamagedProductError", "MissingProductsError")
#: free space (bytes) below which a failed job is reported as a full disk
NEARLY_FULL = 1 << 20


def parse_marker(line: str) -> tuple[int, str] | None:
    """(status, message) of a job's failure line, else None."""
    m = _MARK_RE.match(line.strip())
    return (int(m.group(1)), m.group(2)) if m else None


class JobLog:
    """The job's log file, written as the job goes; the last lines are kept in memory
    too, and a log that cannot be written (a full disk) does not stop the job."""

    def __init__(self, path: os.PathLike):
        self.path = Path(path)
        self.tail = collections.deque(maxlen=400)
        self.error: OSError | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(self.path, "w", buffering=1)
        except OSError as exc:
            self.fh, self.error = None, exc

    def write(self, text: str) -> None:
        self.tail.extend(text.splitlines())
        if self.fh is not None:
            try:
                self.fh.write(text if text.endswith("\n") else text + "\n")
            except OSError as exc:
                self.fh, self.error = None, exc

    def close(self) -> None:
        if self.fh is not None:
            try:
                self.fh.close()
            except OSError as exc:
                self.error = exc
            self.fh = None

    def where(self) -> str:
        if self.error is not None:
            return f"{shown(self.path)} could not be written ({self.error.strerror}); run again with --debug"
        return shown(self.path)


class _ToLog(logging.Handler):
    def __init__(self, log: JobLog):
        super().__init__(logging.INFO)
        self.log = log

    def emit(self, record):
        self.log.write(record.getMessage())


# ------------------------------------------------------------------------------ causes
def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def classify(exc: BaseException) -> tuple[int, str]:
    """(exit status, one-line cause) of a job's exception."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted"
    if isinstance(exc, PapermillExecutionError):
        ename, evalue = exc.ename, _first_line(exc.evalue)
        if ename == "DiskFullError" or disk_full_cause(f"{ename}: {exc.evalue}"):
            return EXIT_DISK_FULL, evalue if ename == "DiskFullError" else disk_full_cause(f"{ename}: {exc.evalue}")
        if ename in INPUT_ENAMES:
            return EXIT_INPUT, evalue
        if ename in DAMAGED_ENAMES:
            return EXIT_DAMAGED, evalue
        return EXIT_FAILED, f"{ename}: {evalue}" if evalue else ename
    if is_disk_full(exc):
        return EXIT_DISK_FULL, disk_full_cause(f"[Errno 28] No space left on device: '{exc.filename}'"
                                               if getattr(exc, "filename", None) else str(exc)) or str(exc)
    if isinstance(exc, ProfileError):
        return EXIT_INPUT, " ".join(str(exc).split())
    name, text = type(exc).__name__, _first_line(exc)
    if hasattr(type(exc), "exit_status"):        # our own faults: their message is the line
        return int(exc.exit_status), text
    if name == "DeadKernelError":
        return EXIT_FAILED, "the notebook's kernel died (out of memory, or killed)"
    return EXIT_FAILED, f"{name}: {text}" if text else name


def _nearly_full(profile_root: Path) -> str | None:
    try:
        free = shutil.disk_usage(profile_root if profile_root.exists() else paths.data_root()).free
    except OSError:
        return None
    return f"the disk holding the data has only {free // 1024} kB free" if free < NEARLY_FULL else None


def report_failure(job: str, exc: BaseException, log: JobLog, profile_root: Path) -> int:
    """Write the traceback to the log, print the one failure line, return the status."""
    status, cause = classify(exc)
    log.write("".join(traceback.format_exception(exc)))
    if status not in (EXIT_DISK_FULL, EXIT_INPUT, EXIT_INTERRUPTED):
        full = _nearly_full(profile_root)
        if full:
            status, cause = EXIT_DISK_FULL, f"{cause}; {full}"
    line = f"{job}: {cause} (full log: {log.where()})"
    if status == EXIT_DISK_FULL:
        line += f"; {DISK_FULL_ADVICE}"
    log.write(f"{MARK} [{status}] {line}")
    log.close()
    if os.environ.get("GLASSBOOK_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    print(f"{MARK} [{status}] {line}", file=sys.stderr, flush=True)
    return status


# ------------------------------------------------------------------------------- jobs
def job_name(stem: str, T: float | None = None) -> str:
    return stem if T is None else f"{stem}_{paths.temperature_tag(T)}"


def _missing_outputs(P: Profile, stem: str, T: float | None) -> list[str]:
    tag = paths.temperature_tag(T) if T is not None else None
    want = [paths.result_file(P, k) for k in registry.stage_results(stem, P, tag=tag)]
    want += [paths.figure_file(P, k) for k in registry.stage_figures(stem)]
    return [describe(p) for p in want if not p.is_file()]


def _run_files(P: Profile, T: float | None, replica: int) -> list[Path]:
    d = paths.seed_dir(P, replica) if T is None else paths.temperature_dir(P, T, replica)
    names = ("seed.gsd", "thermo.csv", "meta.json") if T is None else ("traj.gsd", "thermo.csv", "meta.json")
    return [d / n for n in names]


def _execute(src: Path, part: Path, params: dict, log: JobLog) -> None:
    import papermill

    logger = logging.getLogger("papermill")
    handler = _ToLog(log)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                papermill.execute_notebook(str(src), str(part), parameters=params, kernel_name="python3",
                                           cwd=str(src.parent), log_output=True, progress_bar=False,
                                           iopub_timeout=IOPUB_TIMEOUT)
                return
            except RuntimeError as exc:
                if KERNEL_START_FAILURE not in str(exc) or attempt == KERNEL_START_ATTEMPTS:
                    raise
                log.write(f"glassbook: the kernel did not start ({exc}); no cell ran, starting it again")
    finally:
        logger.removeHandler(handler)


#: How a kernel that never started shows (before any cell ran): jupyter_client chooses free
#: ports and frees them before the kernel binds them, so two kernels started at the same
#: moment can pick the same port ("ZMQError: Address already in use"; seen on a one-node
#: SLURM with several jobs starting at once). Such a start is tried again.
KERNEL_START_FAILURE = "before replying to kernel_info"
KERNEL_START_ATTEMPTS = 3


#: Seconds nbclient waits for a cell's output messages after the kernel has replied. Its
#: default, 4 s, failed a tiny workflow on a loaded 2-core machine ("Timeout waiting for
#: IOPub output" after a cell that had finished); it bounds a wait, not a computation.
IOPUB_TIMEOUT = 120


def run_notebook(profile: str, stem: str, temperature: float | None, log_path: os.PathLike) -> int:
    """Execute one stage notebook (see the module docstring); return the exit status."""
    t0 = time.time()
    job = job_name(stem, temperature)
    log = JobLog(log_path)
    part = None
    root = paths.data_root()
    try:
        P = load(profile)
        root = paths.profile_root(P)
        params = {"profile": profile}
        if registry.stage(stem).per_temperature:
            if temperature is None:
                raise ParameterError(f"{stem}: runs once per temperature: give --temperature")
            params["temperature"] = temperature = temperature_in_profile(P, temperature)
        src = paths.REPO_ROOT / "notebooks" / f"{stem}.ipynb"
        import papermill
        check_names(stem, params, papermill.inspect_notebook(str(src)))
        out = paths.executed_notebook(P, stem, temperature)
        part = out.with_suffix(".part.ipynb")
        print(f"glassbook: {job} started (log: {shown(log.path)})", file=sys.stderr, flush=True)
        log.write(f"Input Notebook:  {src}\nOutput Notebook: {part}\nWorking directory: {src.parent}")
        _execute(src, part, params, log)
        from glasshelpers.pipeline.matching import profile_hash
        from glasshelpers.pipeline.provenance import stamp_code_version
        stamp_code_version(part, profile_hash=profile_hash(P))
        missing = _missing_outputs(P, stem, temperature)
        if missing:
            raise Fault(f"the notebook did not write {', '.join(missing)}, which glasshelpers.pipeline.registry "
                        "declares for it")
        integrity.forget(out)
        os.replace(part, out)
        integrity.record(out)
        if temperature is not None:
            for f in _run_files(P, temperature, 0):
                integrity.record(f)
    except BaseException as exc:     # noqa: BLE001 - every failure becomes one line
        if part is not None and part.exists():
            part.unlink()
        return report_failure(job, exc, log, root)
    log.close()
    print(f"glassbook: {job} done in {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return 0


def run_simulation(profile: str, what: str, replica: int, temperature: float | None,
                   log_path: os.PathLike) -> int:
    """Run ``python -m glasshelpers.products.trajectories`` for a seed or a replica's temperature, its
    output to the log; record the finished run; return the exit status."""
    t0 = time.time()
    job = f"seed_r{replica}" if what == "seed" else f"sim_r{replica}_{paths.temperature_tag(temperature)}"
    log = JobLog(log_path)
    root = paths.data_root()
    try:
        P = load(profile)
        root = paths.profile_root(P)
        cmd = [sys.executable, "-m", "glasshelpers.products.trajectories", what, "--profile", profile,
               "--replica", str(replica), "--no-progress"]
        if what == "temperature":
            temperature = temperature_in_profile(P, temperature)
            cmd += ["--temperature", repr(temperature)]
        print(f"glassbook: {job} started (log: {shown(log.path)})", file=sys.stderr, flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            log.write(line)
        if proc.wait() != 0:
            errors = [ln[len("error: "):] for ln in log.tail if ln.startswith("error: ")]
            cause = errors[-1] if errors else f"the simulation exited with status {proc.returncode}"
            raise _Exited(proc.returncode, cause.removesuffix(" (run again with --debug for the traceback)"))
        for f in _run_files(P, temperature if what == "temperature" else None, replica):
            integrity.record(f)
    except BaseException as exc:     # noqa: BLE001
        return report_failure(job, exc, log, root)
    log.close()
    print(f"glassbook: {job} done in {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return 0


class _Exited(Fault):
    """A child command failed; it already said why in one line."""

    def __init__(self, status: int, cause: str):
        super().__init__(cause)
        self.exit_status = status if status in (EXIT_INPUT, EXIT_DISK_FULL, EXIT_DAMAGED) else EXIT_FAILED


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glasshelpers.pipeline.jobs", description="Run one workflow job.")
    sub = ap.add_subparsers(dest="kind", required=True)
    nb = sub.add_parser("notebook", help="execute one stage notebook with papermill")
    nb.add_argument("--stage", required=True, choices=[s.stem for s in registry.STAGES])
    sim = sub.add_parser("simulate", help="run a seed or a replica's temperature (python -m glasshelpers.products.trajectories)")
    sim.add_argument("what", choices=["seed", "temperature"])
    sim.add_argument("--replica", type=int, default=0)
    for p in (nb, sim):
        p.add_argument("--profile", required=True)
        p.add_argument("--temperature", type=float)
        p.add_argument("--log", required=True)
    args = ap.parse_args(argv)
    if args.kind == "notebook":
        return run_notebook(args.profile, args.stage, args.temperature, args.log)
    return run_simulation(args.profile, args.what, args.replica, args.temperature, args.log)


if __name__ == "__main__":
    sys.exit(main())
