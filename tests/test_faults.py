"""Faults a user meets, each answered in one line with nothing lost (fast parts: no MD).

A full disk (an injected ENOSPC), integrity records (lazy hashing, damage, quarantine),
notebook parameters (a temperature the profile does not have, an unknown name), the job
runner's one-line failures, the workflow runner's filtering of Snakemake's output, the
pre-pass that moves damaged products aside, and the book's refusal of missing results.
The same faults on real tiny data: ``tests/test_faults_tiny.py``.
"""

from __future__ import annotations

import errno
import io
import json
import os

import numpy as np
import pandas as pd
import pytest

from glasshelpers.pipeline import cli, integrity, inventory, jobs, parameters, registry, results, workflow
from glasshelpers.pipeline.faults import EXIT_DAMAGED, EXIT_DISK_FULL, EXIT_FAILED, EXIT_INPUT, DamagedProductError, DiskFullError
from glasshelpers.pipeline.profiles import load_profile
from glasshelpers.pipeline.provenance import atomic_path


@pytest.fixture
def tiny(data_root):
    return load_profile("tiny")


# ------------------------------------------------------------------------- a full disk
def test_full_disk_names_the_product_and_leaves_nothing(data_root, tiny):
    target = data_root / "tiny" / "features" / "r0" / "T0.450.npz"
    with pytest.raises(DiskFullError) as err:
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"x" * 100)
            raise OSError(errno.ENOSPC, "No space left on device")      # what the kernel says
    assert str(err.value) == "no space left on device while writing features/r0/T0.450.npz"
    assert err.value.errno == errno.ENOSPC and err.value.exit_status == EXIT_DISK_FULL
    assert list(target.parent.iterdir()) == []                          # the temporary file is gone
    # every CLI: one line, status 4, and it says a rerun after freeing space loses nothing
    stream = io.StringIO()

    def body():
        raise err.value

    assert cli.run(body, stream=stream) == EXIT_DISK_FULL
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("error: no space left on device while writing features/r0/T0.450.npz; ")
    assert "free space and run the same command again, nothing finished is lost" in line
    raw = io.StringIO()                                                 # an unwrapped ENOSPC too

    def raw_body():
        raise OSError(errno.ENOSPC, "No space left on device", str(data_root / "tiny" / "logs" / "x.log"))

    assert cli.run(raw_body, stream=raw) == EXIT_DISK_FULL
    assert raw.getvalue().startswith("error: no space left on device while writing logs/x.log; ")


def test_a_result_on_a_full_disk(data_root, tiny, monkeypatch):
    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    with pytest.raises(DiskFullError, match=r"while writing results/fig1\.csv$"):
        results.write_result(tiny, "fig1", pd.DataFrame([results.verdict("c", "p", "o", True)]).drop(columns="items"))
    assert not (data_root / "tiny" / "results").exists() or list((data_root / "tiny" / "results").iterdir()) == []


# ------------------------------------------------------------------ integrity records
def test_records_are_checked_lazily_and_damage_is_found(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"a" * 1000)
    rec = integrity.record(p)
    assert rec["size"] == 1000 and integrity.check(p).state == "ok" and not integrity.check(p).hashed
    assert integrity.check(p, full=True).hashed                        # --verify hashes anyway
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    c = integrity.check(p)                                              # new mtime: hashed once ...
    assert c.state == "ok" and c.hashed
    assert not integrity.check(p).hashed                                # ... and remembered
    p.write_bytes(b"a" * 499 + b"b" + b"a" * 500)                       # same size, other bytes
    c = integrity.check(p)
    assert c.state == "damaged" and c.why == "its SHA-256 differs from its record"
    p.write_bytes(b"a" * 10)
    assert integrity.check(p).why == "10 bytes, 1,000 bytes recorded"
    p.unlink()
    assert integrity.check(p).state == "missing"
    assert integrity.check(tmp_path / "never").state == "absent"


def test_quarantine_moves_products_with_their_records(tmp_path):
    root = tmp_path / "tiny"
    f = root / "sim" / "r0" / "T0.600" / "traj.gsd"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"gsd")
    integrity.record(f)
    dest = integrity.quarantine_dir(root, "20260101T000000Z")
    (moved,) = integrity.quarantine([f, root / "not-there"], root, dest)
    assert moved == dest / "sim" / "r0" / "T0.600" / "traj.gsd" and moved.read_bytes() == b"gsd"
    assert integrity.record_path(moved).is_file() and not f.exists() and not integrity.record_path(f).exists()


# ------------------------------------------------------------------ notebook parameters
def test_a_temperature_the_profile_does_not_have_is_refused_with_the_list(tiny):
    assert parameters.temperature_in_profile(tiny, 0.6) == 0.6
    with pytest.raises(parameters.ParameterError) as err:
        parameters.temperature_in_profile(tiny, 0.61)
    assert str(err.value) == ("temperature = 0.61 is not one of the temperatures of profile 'tiny': "
                              "[0.45, 0.47, 0.6, 1, 1.2, 2] (did you mean 0.6?)")
    assert err.value._render_traceback_() == [f"error: {err.value}"]   # one line in a notebook
    with pytest.raises(parameters.ParameterError, match="temperature must be a number"):
        parameters.temperature_in_profile(tiny, "hot")
    assert cli.exit_code(err.value) == EXIT_INPUT


def test_unknown_parameter_names_and_bad_profiles(tiny):
    parameters.check_names("02_features", ["profile", "overrides"], ["profile", "overrides"])
    with pytest.raises(parameters.ParameterError,
                       match=r"^02_features: unknown parameter 'temprature' \(did you mean 'temperature'\?\); "
                             r"this notebook takes profile, overrides, temperature$"):
        parameters.check_names("02_features", ["profile", "temprature"], ["profile", "overrides", "temperature"])
    with pytest.raises(parameters.ParameterError, match=r"01_simulation: temperature = 0\.61 is not one"):
        parameters.check_parameters("01_simulation", "tiny", {}, temperature=0.61)
    with pytest.raises(parameters.ParameterError, match=r"classifiers\.c \(override\): unknown key"):
        parameters.check_parameters("04_fluid_classification", "tiny", {"classifiers.c": 0.1})
    with pytest.raises(parameters.ParameterError, match="expected a profile name"):
        parameters.check_parameters("02_features", 3)
    assert parameters.check_parameters("01_simulation", "tiny", temperature=1.0).name == "tiny"
    assert parameters.injected_names() is None                        # outside a kernel: nothing to check


# ------------------------------------------------------------------------- job runner
def test_job_failures_are_one_line_with_the_status_of_their_cause(tmp_path, capsys):
    from papermill.exceptions import PapermillExecutionError

    def nb_error(ename, evalue):
        return PapermillExecutionError(3, 4, "src", ename, evalue, ["Traceback ...", f"{ename}: {evalue}"])

    assert jobs.classify(nb_error("DiskFullError", "no space left on device while writing features/r0/T0.450.npz")) \
        == (EXIT_DISK_FULL, "no space left on device while writing features/r0/T0.450.npz")
    assert jobs.classify(nb_error("OSError", "[Errno 28] No space left on device: '/d/tiny/x/.f.csv.ab.part'"))[0] \
        == EXIT_DISK_FULL
    assert jobs.classify(nb_error("ParameterError", "02_features: unknown parameter 'x'"))[0] == EXIT_INPUT
    assert jobs.classify(nb_error("DamagedProductError", "sim/r0/T0.600/traj.gsd is damaged"))[0] == EXIT_DAMAGED
    assert jobs.classify(nb_error("RuntimeError", "Corrupt GSD file\nmore")) == (EXIT_FAILED, "RuntimeError: Corrupt GSD file")
    log = jobs.JobLog(tmp_path / "logs" / "02_features.log")
    status = jobs.report_failure("02_features", nb_error("DiskFullError", "no space left on device while writing "
                                                          "features/r0/T0.450.npz"), log, tmp_path)
    assert status == EXIT_DISK_FULL
    (line,) = capsys.readouterr().err.strip().splitlines()
    parsed = jobs.parse_marker(line)
    assert parsed[0] == EXIT_DISK_FULL
    assert parsed[1].startswith("02_features: no space left on device while writing features/r0/T0.450.npz "
                                "(full log: ")
    assert parsed[1].endswith("nothing finished is lost")
    text = (tmp_path / "logs" / "02_features.log").read_text()
    assert "Traceback" in text and text.strip().endswith("nothing finished is lost")   # the traceback: in the log


def test_job_runner_refuses_a_temperature_before_any_work(data_root, tmp_path, capsys):
    status = jobs.run_notebook("tiny", "01_simulation", 0.61, tmp_path / "x.log")
    assert status == EXIT_INPUT
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("glassbook: FAILED [2] 01_simulation_T0.610: temperature = 0.61 is not one of the "
                           "temperatures of profile 'tiny': [0.45, 0.47, 0.6, 1, 1.2, 2] (did you mean 0.6?)")
    assert not data_root.exists() or list(data_root.rglob("*")) == []  # nothing made under the data root
    assert jobs.run_simulation("tiny", "temperature", 0, 0.61, tmp_path / "y.log") == EXIT_INPUT
    assert jobs.run_notebook("no-such-profile", "02_features", None, tmp_path / "z.log") == EXIT_INPUT


# ---------------------------------------------------------------- the workflow runner
def _stream(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    return workflow._Stream(tmp_path / "logs" / "workflow.log", False, out, err), out, err


def test_snakemake_output_is_filtered_to_one_line_per_failure(tmp_path):
    s, out, err = _stream(tmp_path)
    for line in ["Building DAG of jobs...", "glassbook: 02_features started (log: x)", "localrule stage_02:",
                 "    input: a, b", "glassbook: FAILED [4] 02_features: no space left on device while writing "
                 "features/r0/T0.450.npz (full log: x); nothing was half-written: ...",
                 "Error in rule stage_02_features:", "    jobid: 3", "RuleException:", "3 of 14 steps (21%) done"]:
        s.feed(line)
    s.close()
    assert out.getvalue().splitlines() == ["glassbook: 02_features started (log: x)", "3 of 14 steps (21%) done"]
    (line,) = err.getvalue().splitlines()
    assert line.startswith("error: 02_features: no space left on device while writing features/r0/T0.450.npz")
    assert s.verdict(1).exit_status == EXIT_DISK_FULL and str(s.verdict(1)) == ""   # printed already
    assert s.verdict(0) is None
    assert "Error in rule stage_02_features:" in (tmp_path / "logs" / "workflow.log").read_text()  # all of it, logged


def test_snakemake_failing_by_itself_is_one_line(tmp_path):
    s, _, _ = _stream(tmp_path)
    for line in ["Traceback (most recent call last):", "  File x", "OSError: [Errno 28] No space left on device"]:
        s.feed(line)
    v = s.verdict(1)
    assert v.exit_status == EXIT_DISK_FULL and str(v).startswith("Snakemake: no space left on device (full log: ")
    s2, _, _ = _stream(tmp_path / "b")
    s2.feed("WorkflowError: something")
    v2 = s2.verdict(1)
    assert v2.exit_status == EXIT_FAILED and "Snakemake failed: WorkflowError: something" in str(v2)


# ---------------------------------------------------------------- the pre-pass repair
def _fake_products(root, prof):
    """A profile folder with a finished results table, a feature bank and the stage pages."""
    from glasshelpers.pipeline import cache

    res = root / "results" / "fig1.csv"
    res.parent.mkdir(parents=True)
    res.write_text("claim,verdict\na,agrees\n")
    bank = root / "features" / "r0" / "T0.450.npz"
    cache.save_arrays(bank, {"features": np.arange(1000.0)}, {"p": 1})
    nb = root / "notebooks"
    nb.mkdir()
    for stem in ("02_features", "03_labels"):
        (nb / f"{stem}.ipynb").write_text(json.dumps({"cells": []}))
    return res, bank


def test_prepass_moves_damaged_products_aside_and_unmarks_their_stage(data_root, tiny):
    root = data_root / "tiny"
    res, bank = _fake_products(root, tiny)
    first = inventory.scan(root)
    assert first.first_sight == 3 and not first.findings              # recorded on first sight
    data = bytearray(bank.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bank.write_bytes(bytes(data))
    res.write_text("claim,verdict\na,disagrees\nb,agrees\n")
    lines = []
    redo = inventory.repair(tiny, inventory.scan(root), lines.append)
    assert {f.path for f in redo} == {res, bank}
    assert not bank.exists() and not res.exists()
    assert not (root / "notebooks" / "02_features.ipynb").exists()     # stage 02 runs again ...
    assert (root / "notebooks" / "03_labels.ipynb").exists()           # ... the later ones follow by mtime
    damaged = [ln for ln in lines if " is damaged " in ln]
    assert len(damaged) == 2 and all("moved aside to" in ln and ln.endswith("recomputing it") for ln in damaged)
    n = len(inventory.book_inputs(tiny, root)) - 3                      # all but fig1.csv and the two pages
    assert lines[-1].startswith(f"glassbook: {n} product(s) the book needs are missing (notebooks/01_simulation_T0.450")
    assert any(ln.startswith("glassbook: features/r0/T0.450.npz is damaged (its SHA-256 differs") for ln in lines)
    assert any(ln.startswith("glassbook: results/fig1.csv is damaged (") for ln in lines)
    (aside,) = (root / "damaged").rglob("T0.450.npz")
    assert aside.read_bytes() == bytes(data)                           # kept, not deleted
    assert inventory.scan(root).findings == []                          # nothing left to find


def test_a_trajectory_that_cannot_be_recomputed_here_stops_the_run(data_root, tiny, monkeypatch):
    import glasshelpers.core.md.engines as engines

    root = data_root / "tiny"
    run = root / "sim" / "r0" / "T0.600"
    run.mkdir(parents=True)
    for name in ("traj.gsd", "thermo.csv", "meta.json"):
        (run / name).write_text("{}")
        integrity.record(run / name)
    (run / "traj.gsd").write_text("{} cut")
    monkeypatch.setattr(engines, "check_engine", lambda name: (_ for _ in ()).throw(RuntimeError("no lammps")))
    with pytest.raises(DamagedProductError) as err:
        inventory.repair(tiny, inventory.scan(root), lambda line: None)
    assert str(err.value).startswith("sim/r0/T0.600/traj.gsd is damaged (6 bytes, 2 bytes recorded) and cannot be "
                                     "recomputed here: its MD engine 'lammps' is not available here (no lammps)")
    assert "nothing was moved" in str(err.value) and (run / "traj.gsd").exists()
    assert cli.exit_code(err.value) == EXIT_DAMAGED


# ------------------------------------------------------------------------------- book
def test_book_refuses_missing_or_damaged_results_in_one_line(data_root, tiny):
    from glasshelpers.book.htmlbuild import BookInputsMissing, check_inputs

    root = data_root / "tiny"
    (root / "results").mkdir(parents=True)
    with pytest.raises(BookInputsMissing) as err:
        check_inputs(tiny, root)
    msg, n = str(err.value), len(inventory.book_inputs(tiny, root))   # 12 pages, every figure and result
    figures = sum(len(registry.stage_figures(s.stem)) for s in registry.STAGES)
    assert figures >= 10                                              # Figs. 1-9 and more
    assert n == 12 + figures + sum(len(registry.stage_results(s.stem, tiny)) * (6 if s.per_temperature else 1)
                                   for s in registry.STAGES)
    assert "\n" not in msg and msg.startswith(f"{n} product(s) the book needs are missing for profile tiny "
                                              "(notebooks/01_simulation_T0.450.ipynb, ")
    assert msg.endswith("run make workflow PROFILE=tiny first, or build a partial book for debugging with --allow-partial")
    assert cli.exit_code(err.value) == EXIT_DAMAGED
    logged = []
    check_inputs(tiny, root, allow_partial=True, log=logged.append)    # the debugging copy
    assert logged[0].startswith(f"building a PARTIAL book: {n} product(s) missing")
    for p in inventory.book_inputs(tiny, root):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x,y\n1,2\n")
        integrity.record(p)
    check_inputs(tiny, root)
    (root / "results" / "fig3.csv").write_text("x,y\n1,3\n")
    with pytest.raises(BookInputsMissing, match=r"^1 product\(s\) the book needs are damaged: results/fig3\.csv "
                                                r"\(its SHA-256 differs from its record\); run make workflow"):
        check_inputs(tiny, root)


def test_a_stage_refuses_a_damaged_trajectory_before_reading_it(data_root, tiny):
    from glasshelpers.products import trajectories
    from glasshelpers.pipeline.provenance import params_hash, write_json
    from glasshelpers.pipeline.runs import temperature_params

    run = data_root / "tiny" / "sim" / "r0" / "T0.600"
    write_json(run / "meta.json", {"params_hash": params_hash(temperature_params(tiny, 0.6))})
    (run / "traj.gsd").write_bytes(b"\0" * 4096)
    integrity.record(run / "traj.gsd")
    with open(run / "traj.gsd", "r+b") as fh:
        fh.truncate(2048)
    with pytest.raises(DamagedProductError, match=r"^sim/r0/T0\.600/traj\.gsd is damaged \(2,048 bytes, 4,096 bytes "
                                                  r"recorded\): run make workflow PROFILE=tiny, which moves it aside"):
        trajectories.load_trajectory(tiny, 0.6)


def test_a_kernel_that_never_started_is_started_again_and_other_errors_are_not(tmp_path, monkeypatch):
    """Two kernels started at once can take the same port and die before any cell runs: the
    job starts the kernel again (at most three times); any other error is not retried."""
    import papermill

    from glasshelpers.pipeline import jobs

    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    log = jobs.JobLog(tmp_path / "job.log")
    jobs._execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {}, log)
    assert len(calls) == 3 and sum("starting it again" in line for line in log.tail) == 2

    calls.clear()

    def dead(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", dead)
    with pytest.raises(RuntimeError, match="kernel_info"):
        jobs._execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {}, log)
    assert len(calls) == jobs.KERNEL_START_ATTEMPTS

    calls.clear()

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("a cell failed")

    monkeypatch.setattr(papermill, "execute_notebook", broken)
    with pytest.raises(RuntimeError, match="a cell failed"):
        jobs._execute(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {}, log)
    assert len(calls) == 1
