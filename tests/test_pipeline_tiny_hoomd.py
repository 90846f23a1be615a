"""The whole tiny workflow with ``engine: hoomd``: Snakemake drives the seed and the six
simulation notebooks through HOOMD-blue, then stages 02-07 run on its trajectories and
the book builds strictly from them. Runs wherever HOOMD-blue is importable (CI)."""

import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from conftest import background_workflow, requires_hoomd, workflow_failure

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [requires_hoomd, pytest.mark.slow]


@pytest.fixture(scope="module")
def hoomd_tiny(tmp_path_factory):
    """A copy of the tiny profile with engine hoomd (its own name, so its own data folder),
    run by ``python -m glasshelpers.workflow`` (what `make workflow` / `make book` run),
    started in the background at collection (conftest)."""
    run = background_workflow("hoomd_tiny", tmp_path_factory)
    proc = run.result()
    if proc.returncode != 0:
        pytest.fail(workflow_failure(proc, run.root / "tiny_hoomd"))
    return Path(run.profile), run.root


def test_simulations_ran_in_hoomd(hoomd_tiny, monkeypatch):
    from glasshelpers import paths
    from glasshelpers.profiles import load_profile
    from glasshelpers.trajectory import read_steps, read_thermo
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


def test_stages_02_to_07_produce_results(hoomd_tiny):
    from glasshelpers.book import error_outputs, expected_notebooks
    from glasshelpers.profiles import load_profile
    path, root = hoomd_tiny
    data = root / "tiny_hoomd"
    names = expected_notebooks(load_profile(path)["temperatures"])
    assert len(names) == 12
    for name in names:
        nb = nbformat.read(data / "notebooks" / name, as_version=4)
        assert not error_outputs(nb), name
    res = data / "results"
    lab = pd.read_csv(res / "labels_summary.csv").set_index("T")
    assert 0.01 < lab.loc[0.45, "phop_q0.5"] < 0.04          # thermal p_hop of A particles (SPEC)
    assert lab["phop_q0.5"].is_monotonic_increasing
    t1 = pd.read_csv(res / "table1_data.csv").set_index("T")
    assert t1.loc[0.45, "similarity"] == pytest.approx(1.0)
    # the in-sample maximum over the bias is >= 0.5 by construction (balanced classes); the
    # cross-fitted accuracy is not, since a classifier at chance scores 0.5 +- noise
    assert (t1["best_accuracy_in_sample"].between(0.5, 1.0)).all()
    assert (t1["best_accuracy"].between(t1["best_accuracy_lo95"], t1["best_accuracy_hi95"])).all()
    for key in ("fig1", "fig2", "fig4", "fig6", "fig8", "table1"):
        df = pd.read_csv(res / f"{key}.csv")
        assert "verdict" in df and len(df) > 0
    assert (data / "figures" / "fig2.png").stat().st_size > 1000


@pytest.mark.book
def test_book_builds_from_the_hoomd_run(hoomd_tiny, tmp_path):
    from glasshelpers.book import build
    path, root = hoomd_tiny
    data = root / "tiny_hoomd"
    dest = tmp_path / "repo"
    dest.mkdir()
    for item in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / item, dest / item)
    shutil.copytree(ROOT / "book", dest / "book", ignore=shutil.ignore_patterns("generated", "_build", "mathjax"))
    index = build(str(path), root=dest, data_dir=data, strict=True, log=lambda *a: None)
    assert index.is_file()
