"""A profile folder holds only the products of the profile that asks for them: runs made
with other simulation parameters, or stage notebooks made with another profile, are refused
in one line with exit status 6 before anything is written (glasshelpers.pipeline.matching).

Hand-made folders here; the same refusals on a real tiny run (workflow and book build, the
profile file of another seed, an edited analysis, ``--update``) are in
``test_a_profile_of_the_same_name_never_takes_anothers_products`` below."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, requires_lammps
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.faults import EXIT_MISMATCH
from glasshelpers.pipeline.matching import (ProfileMismatch, check_folder, profile_hash, simulation_mismatches,
                                            stale_stages)
from glasshelpers.pipeline.profiles import load_profile, validate_profile
from glasshelpers.pipeline.provenance import params_hash, write_json
from glasshelpers.pipeline.runs import seed_params, temperature_params


def _runs(prof, root: Path):
    """Finished-run records of every run of ``prof`` under ``root`` (meta.json only)."""
    name = paths.profile_root(prof)
    for T in prof.temperatures:
        write_json(root / paths.temperature_meta(prof, T).relative_to(name),
                   {"params_hash": params_hash(temperature_params(prof, T))})
    write_json(root / paths.seed_meta(prof).relative_to(name), {"params_hash": params_hash(seed_params(prof))})


def _notebook(root: Path, stem: str, stamp: dict | None):
    nb = {"cells": [], "metadata": {"glassbook": stamp} if stamp is not None else {}, "nbformat": 4,
          "nbformat_minor": 5}
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "notebooks" / f"{stem}.ipynb").write_text(json.dumps(nb))


def test_the_profile_hash_ignores_name_and_description_only():
    a = load_profile("tiny")
    d = a.as_dict()
    assert profile_hash(a) == profile_hash(validate_profile({**d, "name": "other", "description": "another text"}))
    assert profile_hash(a) != profile_hash(validate_profile({**d, "seed": a.seed + 1}))
    assert profile_hash(a) != profile_hash(validate_profile({**d, "analysis": {**d["analysis"], "bootstrap": 7}}))


def test_a_folder_of_another_seed_is_refused_naming_the_run_and_both_hashes(tmp_path):
    tiny = load_profile("tiny")
    _runs(tiny, tmp_path)
    check_folder(tiny, tmp_path)                       # its own folder: nothing to say
    other = validate_profile({**tiny.as_dict(), "seed": 7})
    assert len(simulation_mismatches(other, tmp_path)) == len(tiny.temperatures) + 1
    with pytest.raises(ProfileMismatch) as err:
        check_folder(other, tmp_path)
    msg = str(err.value)
    assert err.value.exit_status == EXIT_MISMATCH == 6 and "\n" not in msg
    seed_folder = tmp_path / paths.seed_meta(tiny).parent.relative_to(paths.profile_root(tiny))
    assert msg.startswith(f"{seed_folder} holds a run made with other parameters")
    assert params_hash(seed_params(tiny)) in msg and params_hash(seed_params(other)) in msg
    assert "nothing was overwritten" in msg and "GLASSBOOK_DATA" in msg


def test_an_edited_analysis_is_refused_unless_updating_and_names_the_stale_stages(tmp_path):
    tiny = load_profile("tiny")
    _runs(tiny, tmp_path)
    _notebook(tmp_path, "04_fluid_classification", {"profile_hash": profile_hash(tiny)})
    _notebook(tmp_path, "01_simulation_T0.450", {"profile_hash": profile_hash(tiny)})
    _notebook(tmp_path, "02_features", {"code_version": "0.1.0"})     # no record: trusted
    check_folder(tiny, tmp_path)
    edited = validate_profile({**tiny.as_dict(), "analysis": {**tiny.analysis.model_dump(), "bootstrap": 7}})
    assert [r for r, _, _ in stale_stages(edited, tmp_path)] == ["simulate", "stage_04_fluid_classification"]
    with pytest.raises(ProfileMismatch) as err:
        check_folder(edited, tmp_path)
    assert "UPDATE=1" in str(err.value) and profile_hash(tiny) in str(err.value)
    check_folder(edited, tmp_path, analysis=False)     # the trajectories are still this profile's


# ----------------------------------------------------------------- on a real tiny run

def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@requires_lammps
@pytest.mark.slow
def test_a_profile_of_the_same_name_never_takes_anothers_products(tiny_data, tmp_path):
    """A profile file named tiny with another seed, or with another bootstrap count, run
    against a data root holding tiny's products: the workflow and the book build stop in one
    line with status 6 and leave every file as it was; ``--update`` re-runs only the
    analysis stages (a dry run here), never the MD."""
    import shutil
    root = tmp_path / "data"
    shutil.copytree(tiny_data, root / "tiny", symlinks=True, ignore=shutil.ignore_patterns(".book", ".workflow"))
    raw = yaml.safe_load((paths.REPO_ROOT / "glasshelpers" / "pipeline" / "profiles" / "tiny.yaml").read_text())
    env = {**os.environ, "GLASSBOOK_DATA": str(root)}
    before = _tree(root / "tiny")

    def run(*cmd):
        return subprocess.run([sys.executable, "-m", *cmd], cwd=ROOT, env=env, capture_output=True, text=True)

    for key, value, fragment in (("seed", raw["seed"] + 1, "holds a run made with other parameters"),
                                 ("analysis", {**raw["analysis"], "bootstrap": 7}, "UPDATE=1")):
        prof = tmp_path / f"mytiny_{key}.yaml"
        prof.write_text(yaml.safe_dump({**raw, key: value}))
        for cmd in (["glasshelpers.pipeline.workflow", "--profile", str(prof), "-j", "1"],
                    ["glasshelpers.book", "build", "--profile", str(prof)]):
            proc = run(*cmd)
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode == 6, (cmd, proc.stderr[-2000:])
            assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines
            assert "Traceback" not in proc.stderr
    assert _tree(root / "tiny") == before, "a refused run changed the folder"

    proc = run("glasshelpers.pipeline.workflow", "--profile", str(tmp_path / "mytiny_analysis.yaml"), "-j", "1",
               "--update", "--", "-n")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "re-running simulate, stage_02_features" in proc.stdout + proc.stderr
    assert "rule seed" not in proc.stdout and "simulate_replica" not in proc.stdout
