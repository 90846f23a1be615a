"""Interruptions change nothing.

* The kill soak: the tiny workflow is SIGKILLed (whole process group) at seeded random
  moments spread over every stage, and the same command is rerun after each kill with no
  manual step. The result must be the same bytes as an uninterrupted run: identical
  trajectories, identical result tables, nothing half-written.
* Locks: a lock left by a killed run is cleared by the next run; a live run of the same
  profile is never disturbed (the second one is refused); two profiles run at once.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, requires_lammps, run_workflow, workflow_failure
from glasshelpers.pipeline import reproducibility, workflow

pytestmark = [requires_lammps]

SOAK_SEED = int(os.environ.get("GLASSBOOK_SOAK_SEED", "20231103"))


def _start(data_root, profile="tiny", extra=()):
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    cmd = [sys.executable, "-m", "glasshelpers.pipeline.workflow", "--profile", str(profile), "-j", "2",
           "--", "--quiet", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _killpg(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _group_members(pgid) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                if fields[0] != "Z" and int(fields[2]) == pgid:
                    out.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


def _group_alive(pgid, wait_s=15.0) -> bool:
    """True if a process of the group is still alive after ``wait_s`` (SIGKILL is delivered
    asynchronously: give the kernel a moment)."""
    deadline = time.time() + wait_s
    while _group_members(pgid):
        if time.time() > deadline:
            return True
        time.sleep(0.1)
    return False


def _triggers(prof: Path):
    """(name, condition on the data folder, delay range in s): one kill per entry, in
    workflow order, so the kills land in every stage."""
    nb = prof / "notebooks"

    def part(stage):
        return lambda: (nb / f"{stage}.part.ipynb").exists()

    def production():
        return any(prof.glob("sim/r0/T*/work/traj.gsd.part"))

    return [
        ("workflow start", lambda: True, (0.5, 4.0)),
        ("seed MD", lambda: (prof / "sim/r0/seed/work/checkpoint.json").exists(), (0.0, 1.0)),
        ("production (GSD writes)", production, (0.0, 1.5)),
        ("production (GSD writes)", production, (0.5, 2.0)),
        ("simulation notebook output", lambda: any(nb.glob("01_simulation_*.part.ipynb")), (0.0, 3.0)),
        ("02 features", part("02_features"), (1.0, 6.0)),
        ("03 labels", part("03_labels"), (0.5, 4.0)),
        ("04 fluid classification", part("04_fluid_classification"), (0.5, 4.0)),
        ("05 transfer", part("05_transfer_learning"), (0.5, 3.0)),
        ("06 Kramers", part("06_kramers"), (0.5, 4.0)),
        ("07 appendix", part("07_appendix"), (0.5, 4.0)),
        ("random", lambda: True, (2.0, 30.0)),
    ]


@pytest.mark.slow
def test_kill_soak_gives_the_same_bytes(tiny_data, tmp_path):
    rng = random.Random(SOAK_SEED)
    root = tmp_path / "soak"
    prof = root / "tiny"
    kills = []
    for name, ready, (lo, hi) in _triggers(prof):
        proc = _start(root)
        deadline = time.time() + 600
        fired = False
        while proc.poll() is None and time.time() < deadline:
            if ready():
                time.sleep(rng.uniform(lo, hi))
                if proc.poll() is None:
                    _killpg(proc)
                    fired = True
                break
            time.sleep(0.05)
        if not fired and proc.poll() is None:
            _killpg(proc)
            fired = True
        assert not _group_alive(proc.pid), "a process of the killed workflow survived"
        if fired:
            kills.append(name)
        if proc.returncode == 0 and not fired:
            break                       # finished before this trigger came
    assert len(kills) >= 10, f"only {len(kills)} kills landed: {kills}"
    assert {"seed MD", "production (GSD writes)", "02 features", "06 Kramers"} <= set(kills), kills
    proc = run_workflow(root)           # the same command, no manual step
    assert proc.returncode == 0, workflow_failure(proc, prof)

    assert reproducibility.half_written(prof) == []
    ref, got = reproducibility.trajectory_digests(tiny_data), reproducibility.trajectory_digests(prof)
    assert len(ref) == 1 + 6 and ref == got
    assert reproducibility.results_differences(tiny_data, prof) == []


def test_half_written_finds_leftovers(tmp_path):
    prof = tmp_path / "p"
    (prof / "sim/r0/T0.450/work").mkdir(parents=True)
    (prof / "notebooks").mkdir()
    (prof / "notebooks/02_features.part.ipynb").write_text("{}")
    (prof / "notebooks/03_labels.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "source": "x = 1", "execution_count": null}]}')
    (prof / "results").mkdir()
    (prof / "results/.fig1.csv.abc.part").write_text("")
    found = reproducibility.half_written(prof)
    assert any("unfinished run folder" in p for p in found)
    assert any("02_features.part.ipynb" in p for p in found)
    assert any("unexecuted" in p and "03_labels" in p for p in found)
    assert any(".fig1.csv" in p for p in found)
    assert len(found) == 4


def test_results_differences_ignore_only_volatile_columns(tmp_path):
    for name, value, ver in (("a", 1.0, "0.1+gaaa"), ("b", 1.0, "0.1+gbbb")):
        (tmp_path / name / "results").mkdir(parents=True)
        (tmp_path / name / "results/x.csv").write_text(f"T,acc,wall_time_s,code_version\n0.45,{value},1.0,{ver}\n")
    assert reproducibility.results_differences(tmp_path / "a", tmp_path / "b") == []
    (tmp_path / "b/results/x.csv").write_text("T,acc,wall_time_s,code_version\n0.45,1.5,9.0,z\n")
    assert reproducibility.results_differences(tmp_path / "a", tmp_path / "b") == ["x.csv: values differ in ['acc']"]


# ------------------------------------------------------------------------------ locks
def _copy_profile(tmp_path, name):
    prof = yaml.safe_load((ROOT / "glasshelpers/pipeline/profiles/tiny.yaml").read_text())
    prof["name"] = name
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(prof))
    return path


def test_stale_lock_of_a_killed_run_is_cleared(tmp_path):
    root = tmp_path / "data"
    prof = root / "tiny"
    proc = _start(root)
    deadline = time.time() + 300
    while time.time() < deadline and not workflow.snakemake_locks(prof / ".workflow"):
        time.sleep(0.05)
    time.sleep(0.5)
    _killpg(proc)
    assert workflow.snakemake_locks(prof / ".workflow"), "the killed run left no lock to clear"
    # Snakemake alone refuses now; our runner clears the stale lock and goes on
    out = run_workflow(root, extra=["--dry-run"])
    assert out.returncode == 0, out.stderr[-2000:]
    assert "cleared a stale Snakemake lock" in out.stdout + out.stderr
    assert not workflow.snakemake_locks(prof / ".workflow")


def test_live_run_is_refused_and_other_profiles_run(tmp_path):
    root = tmp_path / "data"
    env_root = {"GLASSBOOK_DATA": str(root)}
    other = _copy_profile(tmp_path, "tinycopy")
    old = os.environ.get("GLASSBOOK_DATA")
    os.environ.update(env_root)
    try:
        from glasshelpers.pipeline import paths
        from glasshelpers.pipeline.profiles import load_profile
        held = workflow.acquire(paths.workflow_dir(load_profile("tiny")))   # a live run of tiny
    finally:
        if old is None:
            os.environ.pop("GLASSBOOK_DATA")
        else:
            os.environ["GLASSBOOK_DATA"] = old
    try:
        busy = run_workflow(root, extra=["--dry-run"])
        assert busy.returncode == 3
        assert "in progress" in busy.stderr and f"pid {os.getpid()}" in busy.stderr
        assert len(busy.stderr.strip().splitlines()) == 1          # one line, no traceback
        free = run_workflow(root, profile=other, extra=["--dry-run"])
        assert free.returncode == 0, free.stderr[-2000:]
    finally:
        held.close()
    again = run_workflow(root, extra=["--dry-run"])                 # released: runs again
    assert again.returncode == 0, again.stderr[-2000:]


def test_two_profiles_build_at_once_in_one_checkout(tmp_path):
    """Two real runs at the same time (seed stage of two profiles), both finish."""
    root = tmp_path / "data"
    other = _copy_profile(tmp_path, "tinycopy")
    target = ["--until", "seed"]
    a, b = _start(root, extra=target), _start(root, other, extra=target)
    try:
        assert a.wait(timeout=600) == 0, a.stderr.read()[-2000:]
        assert b.wait(timeout=600) == 0, b.stderr.read()[-2000:]
    finally:
        for p in (a, b):
            if p.poll() is None:
                _killpg(p)
    for name in ("tiny", "tinycopy"):
        assert (root / name / "sim/r0/seed/meta.json").exists()
    # same profile contents, other name: same seed, same bytes
    assert reproducibility.trajectory_digests(root / "tiny") == reproducibility.trajectory_digests(root / "tinycopy")
    shutil.rmtree(root)


def test_sigterm_to_the_runner_stops_snakemake_and_its_jobs(tmp_path):
    """``kill PID`` and ``timeout`` signal the runner alone, not its process group. It must
    stop Snakemake and every running job (none may run on unobserved and finish behind a
    rerun's back), say so in one line with status 130, and the same command resumes."""
    root = tmp_path / "data"
    prof = root / "tiny"
    target = ["--until", "seed"]
    proc = _start(root, extra=target)
    checkpoint = prof / "sim/r0/seed/work/checkpoint.json"
    deadline = time.time() + 300
    while time.time() < deadline and not checkpoint.exists() and proc.poll() is None:
        time.sleep(0.05)
    assert checkpoint.exists(), "the seed never started"
    try:
        proc.send_signal(signal.SIGTERM)                  # the runner only, as `kill PID` does
        err = proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            _killpg(proc)
    assert proc.returncode == 130, err[-2000:]
    assert err.strip().splitlines()[-1].startswith("error: stopped by SIGTERM"), err[-2000:]
    assert not _group_alive(proc.pid, wait_s=10), "a job of the stopped run is still running"
    assert not (prof / "sim/r0/seed/meta.json").exists(), "the seed finished after its run was stopped"
    again = _start(root, extra=target)
    try:
        assert again.wait(timeout=600) == 0, again.stderr.read()[-2000:]
    finally:
        if again.poll() is None:
            _killpg(again)
    assert "resuming the seed run from its checkpoint" in (prof / "logs/seed_r0.log").read_text()
    assert (prof / "sim/r0/seed/meta.json").exists()
