"""The resumable simulation protocol and the GSD products it writes."""

import json

import numpy as np
import pytest

from conftest import requires_lammps
from glasshelpers.products import trajectories as simulate
from glasshelpers.pipeline.profiles import ProfileError, load_profile
from glasshelpers.pipeline.provenance import StaleDataError
from glasshelpers.core.md.trajectory import read_steps, read_thermo, read_unwrapped

pytestmark = requires_lammps


@pytest.fixture
def seeded(data_root, small_profile):
    simulate.run_seed(small_profile, threads=1, progress=False)
    return small_profile


def test_trajectory_content(seeded):
    p = seeded
    out = simulate.run_temperature(p, 1.0, threads=1, progress=False)
    traj = read_unwrapped(out / "traj.gsd")
    steps = traj["steps"]
    assert len(steps) == 12 + 1
    assert np.all(np.diff(steps) == 200)                    # exactly 1 tau = 200 steps of 0.005
    assert steps[0] == 2 * 200                              # after 2 tau of equilibration
    types = traj["types"]
    assert (types == 0).sum() == 400 and (types == 1).sum() == 100
    L = traj["box_length"]
    assert 500 / L ** 3 == pytest.approx(1.2, rel=1e-6)
    # unwrapped displacements between frames are physical (no jumps of a box length)...
    d = np.linalg.norm(np.diff(traj["positions"], axis=0), axis=2)
    assert d.max() < L / 4
    # ...while some particles did cross the periodic faces (image flags in use)
    import gsd.hoomd
    with gsd.hoomd.open(str(out / "traj.gsd")) as f:
        images = np.array([fr.particles.image for fr in f])
        wrapped = np.array([fr.particles.position for fr in f])
    crossed = np.any(images[1:] != images[:-1], axis=2)
    assert crossed.sum() > 0
    jump = np.linalg.norm(np.diff(wrapped, axis=0), axis=2)
    assert jump[crossed].min() > L / 2 and d[crossed].max() < L / 4
    assert wrapped.min() >= -L / 2 and wrapped.max() <= L / 2
    thermo = read_thermo(out / "thermo.csv")
    prod = [r for r in thermo if r["phase"] == "production"]
    assert [r["time"] for r in prod] == list(range(13))
    meta = json.loads((out / "meta.json").read_text())
    assert meta["params"]["temperature"] == 1.0 and meta["n_frames"] == 13
    assert meta["code_version"].startswith("0.")
    assert not (out / "work").exists()


@pytest.mark.parametrize("interrupt_at", [1 * 200 + 50, 2 * 200 + 7 * 200])
def test_resume_after_interruption_is_continuous(seeded, interrupt_at):
    """Interrupted in equilibration, or in production between two checkpoints (the
    partial GSD then holds frames newer than the checkpoint, which must be dropped)."""
    p = seeded
    with pytest.raises(simulate._Interrupted):
        simulate.run_temperature(p, 0.8, threads=1, progress=False, _interrupt_at_step=interrupt_at)
    work = simulate.temperature_dir(p, 0.8) / "work"
    assert work.exists() and not (work.parent / "meta.json").exists()
    out = simulate.run_temperature(p, 0.8, threads=1, progress=False)
    steps = read_steps(out / "traj.gsd")
    assert np.array_equal(steps, 400 + 200 * np.arange(13))
    thermo = read_thermo(out / "thermo.csv")
    tsteps = [r["step"] for r in thermo]
    assert tsteps == sorted(set(tsteps))                    # no duplicate or missing rows
    assert len([r for r in thermo if r["phase"] == "production"]) == 13
    # identical to an uninterrupted run up to the last checkpoint
    ref_profile = load_profile("tiny", {**{k: p.as_dict()[k] for k in ("model", "protocol", "features")},
                                         "name": "unit_ref"})
    simulate.run_seed(ref_profile, threads=1, progress=False)
    ref = simulate.run_temperature(ref_profile, 0.8, threads=1, progress=False)
    # Deterministic segments: the interrupted run is the same computation as the
    # uninterrupted one, so the files are the same bytes (trajectory and thermo log).
    assert (out / "traj.gsd").read_bytes() == (ref / "traj.gsd").read_bytes()
    assert (out / "thermo.csv").read_bytes() == (ref / "thermo.csv").read_bytes()


def test_finished_run_is_reused_and_changed_params_refused(seeded):
    p = seeded
    out = simulate.run_temperature(p, 1.0, threads=1, progress=False)
    mtime = (out / "meta.json").stat().st_mtime_ns
    assert simulate.run_temperature(p, 1.0, threads=1, progress=False) == out
    assert (out / "meta.json").stat().st_mtime_ns == mtime
    changed = load_profile("tiny", {**{k: p.as_dict()[k] for k in ("model", "name", "features")},
                                    "protocol": {**p.protocol.model_dump(), "production_time": 20}})
    with pytest.raises(StaleDataError, match="other parameters"):
        simulate.run_temperature(changed, 1.0, threads=1, progress=False)
    with pytest.raises(StaleDataError):
        simulate.trajectory_path(changed, 1.0)


def test_missing_seed_and_bad_input(data_root, small_profile):
    with pytest.raises(simulate.MissingDataError, match="seed"):
        simulate.run_temperature(small_profile, 1.0, progress=False)
    with pytest.raises(simulate.MissingDataError):
        simulate.trajectory_path(small_profile, 1.0)
    with pytest.raises(ProfileError, match="positive"):
        simulate.run_temperature(small_profile, 0.0, progress=False)
    with pytest.raises(ProfileError, match="positive"):
        simulate.run_temperature(small_profile, -1, progress=False)
    assert not data_root.exists() or not any(data_root.rglob("traj.gsd*"))


def test_missing_engine_is_reported_before_work(data_root, small_profile, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_hoomd(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name.split(".")[0] == "hoomd":
            raise ImportError("No module named 'hoomd'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_hoomd)
    p = load_profile("tiny", {**{k: small_profile.as_dict()[k] for k in ("model", "protocol", "name", "features")},
                              "engine": {"name": "hoomd"}})
    from glasshelpers.core.md.engines import EngineUnavailable
    with pytest.raises(EngineUnavailable, match="conda-forge"):
        simulate.run_seed(p, progress=False)
    assert not data_root.exists() or not any(data_root.rglob("*.gsd*"))


def test_profile_errors():
    with pytest.raises(ProfileError, match="unknown profile"):
        load_profile("nonexistent")
    with pytest.raises(ProfileError, match="80:20|0.8:0.2"):
        load_profile("tiny", {"model": {"n_particles": 7}})
    with pytest.raises(ProfileError, match="engine"):
        load_profile("tiny", {"engine": {"name": "gromacs"}})
    with pytest.raises(ProfileError, match="dt"):
        load_profile("tiny", {"engine": {"dt": 0.003}})
    with pytest.raises(ProfileError, match="temperature"):
        load_profile("tiny", {"temperatures": [0.45, -0.1]})
    for name in ("tiny", "demo", "paper"):
        assert load_profile(name).name == name
    assert load_profile("paper").model.n_particles == 4096


def test_sigkill_mid_production_then_resume(data_root, small_profile, tmp_path):
    """A real kill -9 of the CLI process in production, then a rerun: the trajectory is
    complete and continuous."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import yaml

    prof = small_profile.as_dict()
    prof.update(name="killtest", protocol={**prof["protocol"], "production_time": 60, "checkpoint_every": 5})
    path = tmp_path / "killtest.yaml"
    path.write_text(yaml.safe_dump(prof))
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    cmd = [sys.executable, "-m", "glasshelpers.products.trajectories"]
    subprocess.run(cmd + ["seed", "--profile", str(path), "--threads", "1", "--no-progress"],
                   env=env, check=True, capture_output=True)
    proc = subprocess.Popen(cmd + ["temperature", "--profile", str(path), "--temperature", "1.0",
                                   "--threads", "1", "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = data_root / "killtest" / "sim" / "r0" / "T1.000" / "work"
    deadline = time.time() + 120
    while time.time() < deadline:
        ck = work / "checkpoint.json"
        if ck.exists() and json.loads(ck.read_text())["frames"] >= 12:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (work.parent / "meta.json").exists(), "run finished before it could be killed"
    subprocess.run(cmd + ["temperature", "--profile", str(path), "--temperature", "1.0",
                          "--threads", "1", "--no-progress"], env=env, check=True, capture_output=True)
    steps = read_steps(work.parent / "traj.gsd")
    assert np.array_equal(steps, 400 + 200 * np.arange(61))
    prod = [r for r in read_thermo(work.parent / "thermo.csv") if r["phase"] == "production"]
    assert [r["time"] for r in prod] == list(range(61))


def test_lammps_restart_is_exact(tmp_path):
    """The engine's restart file holds the state in full double precision: a reloaded
    engine has bit-identical positions, images and velocities, and two continuations
    from one file are bit-identical (the basis of deterministic segments)."""
    from glasshelpers.core.md.engines import get_engine
    from glasshelpers.core.md.model import KASystem, random_configuration
    x, t, L = random_configuration(KASystem(500, 1.2), 5)
    ck = tmp_path / "a.restart"
    with get_engine("lammps", 0.005, 1) as e:
        e.load(x, t, L)
        e.minimize()
        e.thermalize(0.8, 3)
        e.set_nvt(0.8, 0.5)
        e.run(300)
        before = e.state()
        e.save_checkpoint(ck)

    def continued(steps):
        with get_engine("lammps", 0.005, 1) as e:
            e.load_checkpoint(ck, 0.8, 0.5)
            loaded = e.state()
            e.run(steps)
            return loaded, e.state()

    loaded, after1 = continued(400)
    _, after2 = continued(400)
    assert loaded.step == before.step == 300
    for name in ("positions", "images", "velocities", "types"):
        assert np.array_equal(getattr(loaded, name), getattr(before, name)), name
    assert np.array_equal(after1.unwrapped, after2.unwrapped)
    assert np.array_equal(after1.velocities, after2.velocities)
    # ...and the continuation really moved (the comparison is not vacuous)
    assert np.abs(after1.unwrapped - before.unwrapped).max() > 0.05


def test_thread_count_belongs_to_the_profile(data_root, small_profile):
    with pytest.raises(ProfileError, match="engine.seed_threads = 1"):
        simulate.run_seed(small_profile, threads=2, progress=False)
    with pytest.raises(ProfileError, match="engine.threads = 1"):
        simulate.run_temperature(small_profile, 0.6, threads=2, progress=False)
    with pytest.raises(ProfileError, match="engine.threads"):
        load_profile("tiny", {"engine": {"threads": 0}})
    assert load_profile("tiny").engine.threads == 1


def test_replicas_are_independent_and_keyed_in_the_layout(data_root, small_profile):
    from glasshelpers.pipeline import paths
    p = load_profile("tiny", {**{k: small_profile.as_dict()[k] for k in ("model", "protocol", "temperatures", "features",
                                                                "labels", "analysis")},
                              "name": "reps", "replicas": 2})
    with pytest.raises(ProfileError, match="out of range"):
        simulate.run_seed(p, progress=False, replica=2)
    d0 = simulate.run_seed(p, progress=False, replica=0)
    d1 = simulate.run_seed(p, progress=False, replica=1)
    assert d0 == paths.seed_dir(p, 0) and d1 == paths.seed_dir(p, 1) and d0 != d1
    from glasshelpers.core.md.trajectory import read_configuration
    a, b = read_configuration(d0 / "seed.gsd"), read_configuration(d1 / "seed.gsd")
    assert not np.allclose(a["positions"], b["positions"])      # independent starts
    assert simulate.seed_params(p, 0)["replica"] == 0 and simulate.seed_params(p, 1)["replica"] == 1
