"""Faults on a real tiny run: each one line and a documented exit status, nothing
half-written, and a damaged or deleted product recomputed with the same bytes or refused.

* a trajectory cut to half, a flipped byte in a feature bank and a deleted results
  folder, all in one copy of the finished tiny run: the book refuses it first (status 5,
  one line), then one workflow run names each damaged product in one line, moves it aside
  and recomputes it; trajectory and bank come back with the bytes they had, the results
  with the same values;
* a full disk (a small tmpfs) while stage 02 writes its feature bank: status 4, one line
  naming the stage, the file and the log, nothing half-written; after the space is freed
  the same command finishes with the same bytes;
* a temperature the profile does not have, and a parameter a notebook does not take,
  refused before any work (papermill directly, the job runner, the workflow's rules).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, requires_lammps, run_workflow, workflow_failure
from glasshelpers.pipeline import integrity, reproducibility

pytestmark = [requires_lammps, pytest.mark.slow]

BANK = "features/r0/T0.450.npz"
TRAJ = "sim/r0/T0.600/traj.gsd"


def _n_results() -> int:
    """How many result CSVs the registry declares for tiny (the deleted results folder)."""
    from glasshelpers.pipeline import registry
    from glasshelpers.pipeline.profiles import load_profile

    P = load_profile("tiny")
    sim = registry.per_temperature_stem()
    return (len(P.temperatures) * len(registry.stage_results(sim, P))
            + sum(len(registry.stage_results(s, P)) for s in registry.per_profile_stems()))


def _copy(tiny_data: Path, dest_root: Path, ignore=()) -> Path:
    """A copy of the finished tiny run (mtimes kept, so its records stay valid)."""
    shutil.copytree(tiny_data, dest_root / "tiny", symlinks=True,
                    ignore=shutil.ignore_patterns(".book", "damaged", *ignore))
    return dest_root / "tiny"


def _errors(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("error:")]


def _book(data_root: Path, *args):
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    return subprocess.run([sys.executable, "-m", "glasshelpers.book", "build", "--profile", "tiny", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _same_archive(a: Path, b: Path) -> bool:
    """Same bytes; or, when the two were written by different code versions (a dirty
    checkout edited between the runs), the same arrays and parameters."""
    if a.read_bytes() == b.read_bytes():
        return True
    import numpy as np

    from glasshelpers.pipeline.cache import read_meta
    ma, mb = read_meta(a), read_meta(b)
    if ma["code_version"] == mb["code_version"]:
        return False
    with np.load(a) as za, np.load(b) as zb:
        arrays = [k for k in za.files if k != "__meta__"]
        same = all(np.array_equal(za[k], zb[k]) for k in arrays)
    return same and ma["params"] == mb["params"]


@pytest.fixture(scope="module")
def faulted(tiny_data, tmp_path_factory):
    """One copy of the tiny run with three faults, the book's answer, then one workflow run."""
    root = tmp_path_factory.mktemp("faults")
    prof = _copy(tiny_data, root)
    intact = run_workflow(root)                     # an intact copy: verified, nothing to do
    assert intact.returncode == 0, workflow_failure(intact, prof)
    assert "Nothing to be done" in intact.stdout and not intact.stderr.strip(), intact.stderr

    traj = prof / TRAJ
    with open(traj, "r+b") as fh:                   # cut behind the workflow's back
        fh.truncate(traj.stat().st_size // 2)
    bank = prof / BANK
    data = bytearray(bank.read_bytes())
    data[len(data) // 2] ^= 0xFF                    # one flipped byte inside the features
    bank.write_bytes(bytes(data))
    shutil.rmtree(prof / "results")

    book = _book(root)
    proc = run_workflow(root)
    return {"prof": prof, "book": book, "run": proc}


def test_the_book_refuses_deleted_results_in_one_line(faulted):
    book = faulted["book"]
    assert book.returncode == 5, book.stdout[-2000:] + book.stderr[-2000:]
    (line,) = book.stderr.strip().splitlines()
    assert line.startswith(f"error: {_n_results()} product(s) the book needs are missing for profile tiny (results/")
    assert line.endswith("run make workflow PROFILE=tiny first, or build a partial book for debugging with "
                         "--allow-partial")


def test_one_workflow_run_repairs_every_fault(faulted, tiny_data):
    proc, prof = faulted["run"], faulted["prof"]
    assert proc.returncode == 0, workflow_failure(proc, prof)
    notices = proc.stderr.strip().splitlines()
    assert not _errors(proc.stderr), proc.stderr
    # one line per fault, then one line per recomputed trajectory / archive
    traj_lines = [ln for ln in notices if TRAJ in ln]
    bank_lines = [ln for ln in notices if BANK in ln]
    res_lines = [ln for ln in notices if "results/" in ln]
    assert len(traj_lines) == 2 and len(bank_lines) == 2 and len(res_lines) == 1, notices
    assert len(notices) == 5, notices
    size = (tiny_data / TRAJ).stat().st_size
    assert traj_lines[0].startswith(f"glassbook: {TRAJ} is damaged ({size // 2:,} bytes, {size:,} bytes recorded): "
                                    f"moved aside to {prof / 'damaged'}/")
    assert traj_lines[0].endswith("/; recomputing it")
    assert bank_lines[0].startswith(f"glassbook: {BANK} is damaged (its SHA-256 differs from its record): moved aside")
    assert res_lines[0].startswith(f"glassbook: {_n_results()} product(s) the book needs are missing (results/")
    assert res_lines[0].endswith("the workflow rebuilds them")
    assert traj_lines[1] == f"glassbook: recomputed {TRAJ}: the same bytes as recorded before the damage"


def test_a_truncated_trajectory_comes_back_with_the_same_bytes(faulted, tiny_data):
    prof = faulted["prof"]
    assert (prof / TRAJ).read_bytes() == (tiny_data / TRAJ).read_bytes()
    assert reproducibility.trajectory_digests(prof) == reproducibility.trajectory_digests(tiny_data)
    (aside,) = (prof / "damaged").rglob("traj.gsd")                 # moved aside, not deleted
    assert aside.stat().st_size == (tiny_data / TRAJ).stat().st_size // 2
    assert integrity.check(prof / TRAJ, full=True).state == "ok"


def test_a_flipped_byte_in_a_feature_bank_comes_back_with_the_same_bytes(faulted, tiny_data):
    prof = faulted["prof"]
    assert _same_archive(prof / BANK, tiny_data / BANK)
    (aside,) = (prof / "damaged").rglob("T0.450.npz")
    assert aside.read_bytes() != (tiny_data / BANK).read_bytes()
    assert integrity.check(prof / BANK, full=True).state == "ok"


def test_deleted_results_are_rebuilt_and_nothing_is_half_written(faulted, tiny_data):
    prof = faulted["prof"]
    assert reproducibility.results_differences(tiny_data, prof) == []
    assert reproducibility.half_written(prof) == []
    from glasshelpers.book.htmlbuild import check_inputs
    from glasshelpers.pipeline.profiles import load_profile
    check_inputs(load_profile("tiny"), prof, verify=True)             # the strict book accepts it again


# ------------------------------------------------------------------------- a full disk
def _mount_tmpfs(where: Path, size: int) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return r.returncode == 0


def test_a_full_disk_is_one_line_and_a_rerun_loses_nothing(tiny_data, tmp_path):
    fs = tmp_path / "fs"
    if not _mount_tmpfs(fs, 400 << 20):
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail("could not mount a tmpfs for the full-disk test")
        pytest.skip("needs root to mount a small tmpfs (the injected-ENOSPC tests in test_faults.py still run)")
    try:
        prof = _copy(tiny_data, fs, ignore=("features",))
        (prof / "notebooks" / "02_features.ipynb").unlink()
        integrity.forget(prof / "notebooks" / "02_features.ipynb")
        # the copy (without the feature banks and stage 02's page) plus 8 MB: the first bank (17 MB) does not fit
        used = shutil.disk_usage(fs).used
        subprocess.run(["mount", "-o", f"remount,size={used + (8 << 20)}", str(fs)], check=True)
        full = run_workflow(fs)
        assert full.returncode == 4, workflow_failure(full, prof)
        (line,) = _errors(full.stderr)
        assert line.startswith(f"error: 02_features: no space left on device while writing {BANK} (full log: "
                               f"{prof / 'logs' / '02_features.log'}); nothing was half-written: free space and "
                               "run the same command again, nothing finished is lost"), line
        assert reproducibility.half_written(prof) == []
        assert not (prof / BANK).exists()
        assert "DiskFullError" in (prof / "logs" / "02_features.log").read_text()    # the traceback: in the log

        subprocess.run(["mount", "-o", "remount,size=400m", str(fs)], check=True)   # space freed
        again = run_workflow(fs)
        assert again.returncode == 0, workflow_failure(again, prof)
        assert not _errors(again.stderr), again.stderr
        for bank in sorted((tiny_data / "features").rglob("*.npz")):
            assert _same_archive(prof / bank.relative_to(tiny_data), bank), bank.name
        assert reproducibility.results_differences(tiny_data, prof) == []
        assert reproducibility.trajectory_digests(prof) == reproducibility.trajectory_digests(tiny_data)
        assert reproducibility.half_written(prof) == []
    finally:
        subprocess.run(["umount", "-l", str(fs)], capture_output=True)


# --------------------------------------------------------- parameters the profile does not allow
def _papermill(nb: str, out: Path, data_root: Path, *args):
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    return subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3",
                           "--cwd", str(ROOT / "notebooks"), str(ROOT / "notebooks" / nb), str(out), *args],
                          env=env, capture_output=True, text=True, timeout=600)


def test_an_unknown_notebook_parameter_is_refused_before_any_work(tmp_path):
    data = tmp_path / "data"
    proc = _papermill("02_features.ipynb", tmp_path / "out.ipynb", data, "-p", "profile", "tiny",
                      "-p", "temperature", "0.6")
    assert proc.returncode != 0
    want = "error: 02_features: unknown parameter 'temperature'; this notebook takes profile, overrides"
    assert want in proc.stdout + proc.stderr
    nb = json.loads((tmp_path / "out.ipynb").read_text())
    (err,) = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert err["traceback"] == [want]                               # one line on the page, no traceback
    assert not data.exists()                                        # nothing made


SRC01 = (ROOT / "notebooks" / "src" / "01_simulation.py").read_text()


@pytest.mark.skipif("check_parameters(" not in SRC01,
                    reason="notebooks/src/01_simulation.py does not call glasshelpers.pipeline.parameters.check_parameters yet")
def test_a_temperature_the_profile_does_not_have_stops_notebook_01(tmp_path):
    data = tmp_path / "data"
    proc = _papermill("01_simulation.ipynb", tmp_path / "out.ipynb", data, "-p", "profile", "tiny",
                      "-p", "temperature", "0.61")
    assert proc.returncode != 0
    assert ("error: 01_simulation: temperature = 0.61 is not one of the temperatures of profile 'tiny': "
            "[0.45, 0.47, 0.6, 1, 1.2, 2] (did you mean 0.6?)") in proc.stdout + proc.stderr
    assert not list(data.rglob("T0.610*")) and not (data / "tiny" / "sim").exists()   # no run started


def test_the_workflow_jobs_refuse_a_temperature_before_any_work(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "GLASSBOOK_DATA": str(data)}
    for args in (["notebook", "--stage", "01_simulation"], ["simulate", "temperature", "--replica", "0"]):
        proc = subprocess.run([sys.executable, "-m", "glasshelpers.pipeline.jobs", *args, "--profile", "tiny",
                               "--temperature", "0.61", "--log", str(tmp_path / "job.log")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert "temperature = 0.61 is not one of the temperatures of profile 'tiny': [0.45, 0.47, 0.6, 1, 1.2, 2]" \
            in line and line.startswith("glassbook: FAILED [2] ")
    assert not data.exists()
