"""Papermill's ``overrides`` parameter: merged into the profile, recorded in products and
in the page's provenance box, and never a reason to reuse a product made with other
values (cached products are keyed by a hash of the parameters they depend on)."""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
import yaml

from conftest import requires_lammps
from glasshelpers import book
from glasshelpers.products import trajectories as simulate
from glasshelpers.products import classifiers as training
from glasshelpers.pipeline.cache import read_meta
from glasshelpers.pipeline.profiles import load_profile
from glasshelpers.pipeline.results import write_result

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


def _dataset(seed=0, n=120):
    """Two balanced classes separated along a known direction in 100 features (noisy)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=100)
    X = rng.normal(size=(n, 100))
    s = X @ w + rng.normal(scale=3.0, size=n)
    y = (s > np.median(s)).astype(np.int8)
    return {"X": X, "y": y}


@pytest.fixture
def counted_training(monkeypatch):
    calls = []
    real = training.train_classifier

    def counting(*args, **kwargs):
        calls.append(kwargs.get("C"))
        return real(*args, **kwargs)
    monkeypatch.setattr(training, "train_classifier", counting)
    return calls


def test_classifier_cache_follows_the_override(data_root, counted_training):
    ds, ds_params = _dataset(), {"rule": "fluidity", "T": 1.0, "q": 0.01, "n": 60}
    base = load_profile("tiny")
    c0 = 52 / 60                                   # the C x n rule: C_times_n / (samples per class)
    c_base = training.fit_cached(base, "fluidity_T1.000", ds, ds_params, make=True)
    assert counted_training == [c0] and c_base.C == c0

    over = load_profile("tiny", {"classifiers.C": 0.1})
    c_over = training.fit_cached(over, "fluidity_T1.000", ds, ds_params, make=True)
    assert counted_training == [c0, 0.1] and c_over.C == 0.1       # recomputed, not reused
    models = sorted((data_root / "tiny" / "models").glob("*.npz"))
    assert len(models) == 2                                            # a new entry beside the old one
    metas = {read_meta(m)["params"]["C"]: read_meta(m) for m in models}
    assert metas[0.1]["record"]["overrides"] == {"classifiers.C": 0.1}
    assert metas[c0]["record"]["overrides"] == {}
    assert not np.allclose(c_base.w_hat, c_over.w_hat)                          # a different classifier

    mtimes = {m: m.stat().st_mtime_ns for m in models}
    again = training.fit_cached(load_profile("tiny", {"classifiers.C": 0.1}), "fluidity_T1.000", ds, ds_params, make=True)
    assert counted_training == [c0, 0.1]                             # same override: reused
    assert np.array_equal(again.w_hat, c_over.w_hat)
    # an override of a key the classifier does not depend on reuses the existing one
    unrelated = load_profile("tiny", {"analysis.bootstrap": 7, "labels.p_l_grid_step": 0.005})
    same = training.fit_cached(unrelated, "fluidity_T1.000", ds, ds_params, make=True)
    assert counted_training == [c0, 0.1] and np.array_equal(same.w_hat, c_base.w_hat)
    assert {m: m.stat().st_mtime_ns for m in models} == mtimes


def test_trajectory_keys_depend_on_simulation_values_only():
    base = load_profile("tiny")
    analysis_only = load_profile("tiny", {"classifiers.C": 0.1, "labels.fluidity_q": 0.002})
    longer = load_profile("tiny", {"protocol.equil_time": 6})
    assert simulate.seed_params(analysis_only) == simulate.seed_params(base)
    assert simulate.temperature_params(analysis_only, 1.0) == simulate.temperature_params(base, 1.0)
    assert simulate.seed_params(longer) == simulate.seed_params(base)
    assert simulate.temperature_params(longer, 1.0) != simulate.temperature_params(base, 1.0)


def test_result_csv_records_overrides(data_root):
    df = pd.DataFrame({"T": [1.0], "r": [0.5], "G_s": [0.7]})
    plain = pd.read_csv(write_result(load_profile("tiny"), "van_hove", df))
    assert "overrides" not in plain.columns
    over = pd.read_csv(write_result(load_profile("tiny", {"classifiers.C": 0.1}), "van_hove", df))
    assert json.loads(over["overrides"][0]) == {"classifiers.C": 0.1}
    assert over["G_s"][0] == 0.7


def _executed(params):
    return {"metadata": {"papermill": {"parameters": params, "end_time": "2026-01-01T00:00:00",
                                       "duration": 3.0}}, "cells": []}


def test_provenance_box_shows_overrides_and_rerun_command():
    ov = {"classifiers.C": 0.1, "labels.fluidity_temperatures": [1.0, 2.0]}
    md = book.provenance_markdown(_executed({"profile": "tiny", "overrides": ov}), "tiny", "v",
                                  "04_fluid_classification.ipynb")
    assert "with 2 values changed from its file" in md
    assert "| `classifiers.C` | `0.1` |" in md
    assert "| `labels.fluidity_temperatures` | `[1.0, 2.0]` |" in md
    cmd = md.split("To re-run: `")[1].split("`;")[0]
    argv = shlex.split(cmd)
    assert argv[:3] == ["papermill", "notebooks/04_fluid_classification.ipynb", "out.ipynb"]
    assert argv[argv.index("-p") + 1:argv.index("-p") + 3] == ["profile", "tiny"]
    y = argv[argv.index("-y") + 1]
    assert yaml.safe_load(y) == {"overrides": ov}                     # the command passes them back
    # no overrides: no override table, nothing about them in the command
    md0 = book.provenance_markdown(_executed({"profile": "tiny", "overrides": {}}), "tiny", "v", "04_x.ipynb")
    assert "override" not in md0.split("To re-run")[0].lower() and "-y" not in md0


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_takes_described_overrides(nb_path):
    params = papermill.inspect_notebook(str(nb_path))
    assert set(params) >= {"profile", "overrides"}
    assert params["overrides"]["default"] == "{}" and params["overrides"]["inferred_type_name"] == "dict"
    for name, p in params.items():
        assert p["help"], f"{nb_path.name}: parameter {name} has no description"
    src = "".join(c.source for c in nbformat.read(nb_path, as_version=4).cells if c.cell_type == "code")
    # the profile and its overrides are loaded (and every parameter validated) by one call
    assert f'check_parameters("{nb_path.stem}", profile, overrides' in src or "load_profile(profile, overrides)" in src


def test_help_notebook_lists_parameters():
    proc = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook",
                           str(ROOT / "notebooks" / "04_fluid_classification.ipynb")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "profile: str (default \"demo\")" in out and "tiny, demo, paper" in out
    assert "overrides: dict (default {})" in out and "dotted key" in out


# ------------------------------------------------------------- on real tiny data (slow)
def _papermill(nb_name, out, data, *args):
    env = {**os.environ, "GLASSBOOK_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3",
                           "--cwd", str(ROOT / "notebooks"), str(ROOT / "notebooks" / nb_name), str(out), *args],
                          env=env, capture_output=True, text=True)


@requires_lammps
@pytest.mark.slow
def test_papermill_override_on_tiny_data(tiny_data, tmp_path):
    """The issue's acceptance command on a copy of the tiny data: stage 04 with
    classifiers.C = 0.1 runs, its page shows the override, new classifiers are trained
    beside the workflow's (which stay untouched), labelled sets are reused."""
    data = tmp_path / "data"
    shutil.copytree(tiny_data.parent, data)
    tiny = data / "tiny"
    before = {p: p.stat().st_mtime_ns for p in (tiny / "models").glob("*.npz")}
    labels_before = {p: p.stat().st_mtime_ns for p in (tiny / "labels").glob("*.npz")}
    assert before and labels_before
    out = tmp_path / "04.ipynb"
    proc = _papermill("04_fluid_classification.ipynb", out, data, "-p", "profile", "tiny",
                      "-y", "overrides: {classifiers.C: 0.1}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    assert not book.error_outputs(nb)
    assert nb.metadata["papermill"]["parameters"]["overrides"] == {"classifiers.C": 0.1}
    md = book.provenance_markdown(nb, "tiny", "v", "04_fluid_classification.ipynb")
    assert "| `classifiers.C` | `0.1` |" in md
    assert """-y 'overrides: {"classifiers.C": 0.1}'""" in md
    # the workflow's classifiers (C = 0.01) are neither reused nor overwritten
    assert {p: p.stat().st_mtime_ns for p in before} == before
    new = [p for p in (tiny / "models").glob("*.npz") if p not in before]
    index = [p for p in new if read_meta(p)["params"].get("product") == "index"]   # models/classifiers_<hash>.npz
    assert [p.name.startswith("classifiers_") for p in index] == [True]
    new = [p for p in new if p not in index]
    assert new and all(read_meta(p)["params"]["C"] == 0.1 for p in new)
    assert all(read_meta(p)["record"]["overrides"] == {"classifiers.C": 0.1} for p in new)
    # labelled sets do not depend on C: reused as they were
    assert {p: p.stat().st_mtime_ns for p in (tiny / "labels").glob("*.npz")} == labels_before
    fig1 = pd.read_csv(tiny / "results" / "fig1_data.csv")
    assert json.loads(fig1["overrides"][0]) == {"classifiers.C": 0.1}
    # a bad override stops the notebook at the profile cell with the one-line message
    bad = _papermill("04_fluid_classification.ipynb", tmp_path / "bad.ipynb", data, "-p", "profile", "tiny",
                     "-y", "overrides: {classifiers.c: 0.1}")
    assert bad.returncode != 0
    assert "classifiers.c (override): unknown key; did you mean 'C'?" in bad.stderr + bad.stdout


def test_a_later_stage_reads_a_result_table_as_written_and_refuses_a_damaged_one(data_root):
    """read_result gives back the written columns (bookkeeping columns dropped), says in one
    line that a never-written table is missing and refuses one whose bytes changed."""
    from glasshelpers.pipeline.faults import DamagedProductError
    from glasshelpers.pipeline.results import read_result
    from glasshelpers.pipeline.runs import MissingDataError

    P = load_profile("tiny")
    df = pd.DataFrame({"T": [0.45, 2.0], "r": [0.025, 0.075], "G_s": [1.5, 0.25]})
    with pytest.raises(MissingDataError, match="results/van_hove.csv of profile 'tiny' is missing"):
        read_result(P, "van_hove")
    path = write_result(P, "van_hove", df)
    pd.testing.assert_frame_equal(read_result(P, "van_hove"), df)
    path.write_text(path.read_text().replace("1.5", "1.6"))          # same size, other bytes
    os.utime(path, ns=(1, 1))                                         # an mtime unlike the record's
    with pytest.raises(DamagedProductError, match="results/van_hove.csv is damaged"):
        read_result(P, "van_hove")
