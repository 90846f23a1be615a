"""The tiny workflow with ``engine: hoomd`` up to the labels: Snakemake drives the seed and
the six simulation notebooks through HOOMD-blue, then stages 02 (features) and 03 (p_hop
labels) run on its trajectories (``conftest.HOOMD_TARGETS``; stages 04-07 and the book read
only the labelled sets and are tested on the LAMMPS tiny run). Runs wherever HOOMD-blue is
importable (CI)."""

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from conftest import background_workflow, requires_hoomd, workflow_failure

pytestmark = [requires_hoomd, pytest.mark.slow]


@pytest.fixture(scope="module")
def hoomd_tiny(tmp_path_factory):
    """A copy of the tiny profile with engine hoomd (its own name, so its own data folder),
    run by ``python -m glasshelpers.pipeline.workflow`` (what `make workflow` / `make book` run),
    started in the background at collection (conftest)."""
    run = background_workflow("hoomd_tiny", tmp_path_factory)
    proc = run.result()
    if proc.returncode != 0:
        pytest.fail(workflow_failure(proc, run.root / "tiny_hoomd"))
    return Path(run.profile), run.root


def test_simulations_ran_in_hoomd(hoomd_tiny, monkeypatch):
    from glasshelpers.pipeline import paths
    from glasshelpers.pipeline.profiles import load_profile
    from glasshelpers.core.md.trajectory import read_steps, read_thermo
    path, root = hoomd_tiny
    monkeypatch.setenv("GLASSBOOK_DATA", str(root))
    P = load_profile(path)
    seed = paths.seed_dir(P)
    assert json.loads((seed / "meta.json").read_text())["params"]["engine"]["name"] == "hoomd"
    rows = read_thermo(seed / "thermo.csv")
    assert [r["step"] for r in rows if r["phase"] == "seed"] == [200 * k for k in range(1, 11)]  # 10 tau of MD
    for T, n in ((0.45, 141), (0.47, 141), (0.6, 41), (1.0, 41), (1.2, 41), (2.0, 41)):
        d = paths.temperature_dir(P, T)
        assert json.loads((d / "meta.json").read_text())["params"]["engine"]["name"] == "hoomd"
        steps = read_steps(d / "traj.gsd")
        assert (steps == 5 * 200 + 200 * np.arange(n)).all()           # after 5 tau of equilibration
        th = [r for r in read_thermo(d / "thermo.csv") if r["phase"] == "production"]
        assert all(np.isfinite(r["pressure"]) for r in th)
        assert sum(r["temperature"] for r in th) / len(th) == pytest.approx(T, rel=0.05)


def test_features_and_labels_from_the_hoomd_trajectories(hoomd_tiny, monkeypatch):
    """Stages 02 and 03 ran on HOOMD-blue's trajectories without an error, the A particles'
    thermal p_hop at 0.45 lies in its expected range (0.01-0.04 sigma^2) and grows with T, and every temperature
    has a feature bank of 100 finite features; the run stopped there."""
    from glasshelpers.book import error_outputs, expected_notebooks
    from glasshelpers.pipeline.profiles import load_profile
    from glasshelpers.products.banks import load_bank
    path, root = hoomd_tiny
    data = root / "tiny_hoomd"
    P = load_profile(path)
    names = expected_notebooks(P.temperatures)
    done = [n for n in names if (data / "notebooks" / n).is_file()]
    assert len(names) == 12 and len(done) == 8           # six simulation pages, 02 and 03
    for name in done:
        nb = nbformat.read(data / "notebooks" / name, as_version=4)
        assert not error_outputs(nb), name
    assert not (data / "notebooks" / names[-1]).exists()
    res = data / "results"
    lab = pd.read_csv(res / "labels_summary.csv").set_index("T")
    assert 0.01 < lab.loc[0.45, "phop_q0.5"] < 0.04          # thermal p_hop of A particles
    assert lab["phop_q0.5"].is_monotonic_increasing
    monkeypatch.setenv("GLASSBOOK_DATA", str(root))
    for T in P.temperatures:
        X = load_bank(P, T)["features"]
        assert X.shape[-1] == 100 and np.isfinite(X).all()
