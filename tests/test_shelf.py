"""The shelf of equilibrium states: protocol validation, resumable bit-exact making,
the manifest that refuses a damaged state, and the measurements recorded with each state."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from glasshelpers.core.dynamics.relaxation import tau_alpha
from glasshelpers.pipeline.cli import run
from glasshelpers.pipeline.shelf import ShelfError, ShelfProtocol, load_state, verified_run
from glasshelpers.stages.s01_simulation import states
from glasshelpers.products.trajectories import _Interrupted

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TINY = {
    "name": "unit", "model": {"n_particles": 500, "density": 1.2},
    "engine": {"name": "lammps", "dt": 0.005, "tau_thermostat": 0.5, "threads": 1},
    "seed": 7, "states": 2, "cascade": [1.0, 0.8], "tau_alpha_estimate": {1.0: 1.0, 0.8: 2.0},
    "protocol": {"equilibration_tau_alpha": 2, "production_tau_alpha": 4, "min_equilibration": 2,
                 "min_production": 4, "origins_per_tau_alpha": 2, "max_lag_tau_alpha": 2,
                 "lags_per_decade": 6, "checkpoint_every": 2, "equilibration_log_every": 1},
}


def _write(folder: Path, raw=TINY) -> ShelfProtocol:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "protocol.yaml").write_text(yaml.safe_dump(raw))
    return ShelfProtocol.load(folder)


def test_shipped_shelf_protocol_and_run_lengths():
    p = ShelfProtocol.load("ka2000")
    assert p.n_particles == 2000 and p.cascade[0] == 2.0 and p.cascade[-1] == 0.45
    for T in p.cascade:        # every run: >= 10 estimated tau_alpha of equilibration, halves of 2 tau_alpha
        assert p.equilibration_time(T) >= 10 * p.tau_estimate(T) and p.equilibration_time(T) >= 100
        assert p.production_time(T) >= 4 * p.tau_estimate(T)
        assert p.max_lag(T) * p.dt <= p.production_time(T) / 2
        assert p.max_lag(T) / p.origin_every(T) <= 8 + 1e-9              # at most 9 open origins
    assert p.equilibration_time(0.45) == 12000 and p.production_time(0.45) == 4800
    assert p.previous(2.0) is None and p.previous(0.45) == 0.47
    assert p.run_params(0.45, 0) != p.run_params(0.45, 1)                 # independent chains
    assert p.run_params(0.8, 0)["cascade"] == p.run_params(0.45, 0)["cascade"][:2]


@pytest.mark.parametrize("edit, message", [
    ({"cascade": [0.8, 1.0]}, "from hot to cold"),
    ({"tau_alpha_estimate": {1.0: 1.0}}, "lacks the temperatures"),
    ({"states": 0}, "states must be a positive integer"),
    ({"states": 1.5}, "positive integer"),
    ({"model": {"density": 1.2}}, "missing key 'n_particles'"),
])
def test_bad_protocol_is_one_line(tmp_path, edit, message):
    (tmp_path / "protocol.yaml").write_text(yaml.safe_dump({**TINY, **edit}))
    with pytest.raises(ShelfError, match=message):
        ShelfProtocol.load(tmp_path)
    (tmp_path / "protocol.yaml").write_text("name: x\ndescription: a: b\n")
    with pytest.raises(ShelfError, match="malformed YAML"):
        ShelfProtocol.load(tmp_path / "protocol.yaml")
    with pytest.raises(ShelfError, match="shipped shelves are"):
        ShelfProtocol.load("no-such-shelf")


@pytest.fixture(scope="module")
def tiny_shelf(tmp_path_factory):
    p = _write(tmp_path_factory.mktemp("shelf") / "ref")
    states.make_states(p, progress=False)
    return p


def test_resumes_after_a_kill_byte_for_byte(tiny_shelf, tmp_path):
    p = _write(tmp_path / "killed")
    # killed between checkpoints: first in the production of the first run (step 617 of
    # 1200), then, resumed, in the production of state 0 at the second temperature
    eq = p.equilibration_time(0.8) * p.steps_per_tau()
    for at in (3 * 200 + 17, eq + 3 * 200 + 5):
        with pytest.raises(_Interrupted):
            states.make_states(p, progress=False, _interrupt_at_step=at)
    assert p.is_done(1.0, 0) and p.is_done(1.0, 1) and not p.is_done(0.8, 0)
    assert (p.run_dir(0.8, 0) / "work").is_dir()
    manifest = states.make_states(p, progress=False)
    assert len(manifest["runs"]) == 4
    for T in p.cascade:
        for k in range(2):
            for f in ("state.gsd", "evidence.npz"):
                assert (p.run_dir(T, k) / f).read_bytes() == (tiny_shelf.run_dir(T, k) / f).read_bytes(), (T, k, f)
            assert not (p.run_dir(T, k) / "work").exists()
    # the two states are independent: different configurations
    a, b = load_state(p, 0.8, 0), load_state(p, 0.8, 1)
    assert not np.allclose(a["positions"], b["positions"])
    assert a["velocities"].std() == pytest.approx(np.sqrt(0.8), rel=0.15)


def test_damaged_or_missing_state_is_refused_in_one_line(tiny_shelf, tmp_path, capsys):
    p = _write(tmp_path / "copy")
    shutil.copytree(tiny_shelf.root / "runs", p.root / "runs")
    shutil.copy(tiny_shelf.root / "manifest.json", p.root / "manifest.json")
    assert verified_run(p, 0.8, 1) == p.run_dir(0.8, 1)
    f = p.run_dir(0.8, 1) / "state.gsd"
    blob = bytearray(f.read_bytes())
    blob[-100] ^= 0x01
    f.write_bytes(bytes(blob))
    with pytest.raises(ShelfError, match="damaged or was edited"):
        load_state(p, 0.8, 1)
    shutil.rmtree(p.run_dir(1.0, 0))
    with pytest.raises(ShelfError, match="no finished state 0 at T = 1.0"):
        load_state(p, 1.0, 0)

    def body():
        load_state(p, 0.8, 1)
    assert run(body) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "damaged" in err[0]


def test_evidence_is_the_physics_of_the_run(tiny_shelf):
    p = tiny_shelf
    ev = np.load(verified_run(p, 0.8, 0) / "evidence.npz")
    log = ev["log"]
    prod = log[log[:, 0] == 1]
    assert prod[0, 2] == 0 and prod[-1, 2] == p.production_time(0.8)       # a row every tau
    assert np.allclose(np.diff(prod[:, 2]), 1.0)
    assert np.mean(prod[:, 4]) == pytest.approx(0.8, rel=0.05)            # thermostat
    assert -6.6 < np.mean(prod[:, 3]) < -6.0                             # U/N of the liquid at 0.8
    fs, msd = np.nanmean(ev["fs_A"], axis=0), np.nanmean(ev["msd_A"], axis=0)
    t = ev["lags_tau"]
    assert np.all(np.diff(msd) > 0) and np.all(np.diff(fs) < 0)
    assert msd[0] == pytest.approx(3 * 0.8 * t[0] ** 2, rel=0.2)         # ballistic: <v^2> t^2, m = 1
    assert fs[0] == pytest.approx(1 - 7.25 ** 2 * msd[0] / 6, abs=1e-3)   # small-k r expansion
    assert 0.5 < tau_alpha(t, fs) < 4.0 or np.isnan(tau_alpha(t, fs))


def test_cli_makes_and_reports(tmp_path, capsys):
    raw = {**TINY, "states": 1, "cascade": [1.0], "tau_alpha_estimate": {1.0: 1.0}}
    p = _write(tmp_path / "cli", raw)
    assert states.main(["--shelf", str(p.root), "--no-progress"]) == 0
    assert "1 of 1 states" in capsys.readouterr().out
    assert states.main(["--shelf", str(tmp_path / "nowhere.yaml")]) == 2
    assert states.main(["--shelf", str(p.root), "--state", "3", "--no-progress"]) == 2
    two = _write(tmp_path / "chain1", {**raw, "states": 2})
    assert states.main(["--shelf", str(two.root), "--state", "1", "--no-progress"]) == 0
    assert two.is_done(1.0, 1) and not two.is_done(1.0, 0)                  # one chain per machine


def test_progress_is_committed_to_git(tmp_path):
    """--commit-every: the shelf folder alone is committed (checkpoints while a run is in
    progress, then the finished runs), other staged work is left staged."""
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, text=True).stdout  # noqa: E731
    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (repo / "other.txt").write_text("staged, not the shelf's\n")
    git("add", "other.txt")
    raw = {**TINY, "states": 1, "cascade": [1.0], "tau_alpha_estimate": {1.0: 1.0}}
    p = _write(repo / "shelf", raw)
    with pytest.raises(_Interrupted):
        states.make_states(p, progress=False, commit_every=0, _interrupt_at_step=3 * 200 + 17)
    files = git("ls-tree", "-r", "--name-only", "HEAD").split()
    assert "shelf/runs/T1.000_k0/work/checkpoint.json" in files and "other.txt" not in files
    states.make_states(p, progress=False, commit_every=0)
    files = git("ls-tree", "-r", "--name-only", "HEAD").split()
    assert {"shelf/manifest.json", "shelf/runs/T1.000_k0/state.gsd"} <= set(files)
    assert not [f for f in files if "/work/" in f]                         # the checkpoints are gone
    assert git("diff", "--cached", "--name-only").split() == ["other.txt"]


def test_temperature_evidence_of_a_tiny_shelf(tiny_shelf):
    from glasshelpers.stages.s01_simulation.evidence import temperature_evidence

    e = temperature_evidence(tiny_shelf, 0.8)
    assert e["states"] == 2 and len(e["per_state"]) == 2
    assert e["stationarity"] in {"stationary", "ageing", "undetermined"}
    assert {"pe", "D_A", "msd_curve"} <= set(e["verdicts"])          # published at 0.8: U/N, D_A, MSD_A(t)
    m, lo, hi = e["pe"]
    assert lo <= m <= hi and -6.5 < m < -6.2
    assert not e["crystallite"] and e["largest_solid_cluster"] < 20
    assert e["curves"]["msd_A"].shape == (2, e["curves"]["lags_tau"].size)
    assert temperature_evidence(tiny_shelf, 1.0)["verdicts"] == {}     # nothing published at 1.0


def test_a_profile_starts_its_runs_from_the_shelf(tiny_shelf, data_root, small_profile, tmp_path):
    """protocol.shelf: no seed run; replica k starts from state k at the nearest shelved T,
    with fresh velocities; the run records the state's SHA-256; a damaged state is refused."""
    from glasshelpers.core.md.trajectory import read_unwrapped
    from glasshelpers.pipeline.profiles import ProfileError, load_profile
    from glasshelpers.pipeline.provenance import read_json
    from glasshelpers.pipeline.runs import shelf_start, uses_seed
    from glasshelpers.products import trajectories as simulate

    over = {k: small_profile.as_dict()[k] for k in ("name", "model", "protocol", "temperatures", "features", "labels",
                                          "analysis")}
    p = load_profile("tiny", {**over, "replicas": 2, "protocol": {**small_profile.protocol.model_dump(),
                                                                  "shelf": str(tiny_shelf.root)}})
    assert not uses_seed(p)
    assert shelf_start(p, 0.8, 1)[1:] == (0.8, 1) and shelf_start(p, 0.9, 0)[1] == 1.0   # a tie goes to the hotter
    out = simulate.run_temperature(p, 0.8, threads=1, progress=False, replica=1)
    start = read_json(out / "meta.json")["params"]["start"]
    assert start["temperature"] == 0.8 and start["state"] == 1 and len(start["sha256"]) == 64
    assert not simulate.seed_dir(p, 1).exists()
    state = load_state(tiny_shelf, 0.8, 1)
    traj = read_unwrapped(out / "traj.gsd")
    L = state["box_length"]
    d = traj["positions"][0] - state["positions"]
    d -= L * np.round(d / L)                                                 # nearest image
    assert np.sqrt(np.mean(np.sum(d * d, axis=1))) < 1.0                   # 2 tau from the shelf state
    # other N than the shelf's: refused when the profile loads, in one line
    with pytest.raises(ProfileError, match="holds N = 500"):
        load_profile("tiny", {**over, "model": {"n_particles": 600},
                              "protocol": {**small_profile.protocol.model_dump(), "shelf": str(tiny_shelf.root)}})
    # a damaged state stops the run before any MD
    copy = tmp_path / "shelfcopy"
    shutil.copytree(tiny_shelf.root, copy)
    f = copy / "runs" / "T1.000_k0" / "state.gsd"
    f.write_bytes(f.read_bytes()[:-7] + b"garbage")
    q = load_profile("tiny", {**over, "name": "unit2", "protocol": {**small_profile.protocol.model_dump(), "shelf": str(copy)}})
    with pytest.raises(ShelfError, match="damaged"):
        simulate.run_temperature(q, 1.0, threads=1, progress=False)


def test_the_book_section_of_a_shelf(tiny_shelf, tmp_path):
    from glasshelpers.book.shelfpage import shelf_markdown

    md = shelf_markdown(tmp_path / "img", shelf=str(tiny_shelf.root))
    assert "**4 of 4 states made**" in md
    rows = [line for line in md.splitlines() if line.startswith("| 1 |") or line.startswith("| 0.8 |")]
    assert len(rows) == 2 and "2 of 2" in rows[0] and "msd_curve" in rows[1]
    assert (tmp_path / "img" / "shelf_relaxation.png").stat().st_size > 10_000


def test_the_simulation_page_of_a_run_on_the_shelf(tiny_shelf, data_root, small_profile):
    """Notebook 01 on a profile that starts from the shelf: no seed run is made (asking for
    one is refused in one line), the run's history at a shelved temperature includes the
    state's own time there, and its summary names the state it started from."""
    import pandas as pd
    import papermill

    from glasshelpers.pipeline import paths
    from glasshelpers.pipeline.profiles import load_profile
    from glasshelpers.products import trajectories as simulate

    ROOT = Path(__file__).resolve().parents[1]
    over = {k: small_profile.as_dict()[k] for k in ("name", "model", "temperatures", "features", "labels", "analysis")}
    over["protocol"] = {**small_profile.protocol.model_dump(), "shelf": str(tiny_shelf.root)}
    p = load_profile("tiny", over)
    with pytest.raises(ValueError, match="starts its runs from shelf .*: it has no seed run"):
        simulate.run_seed(p)
    data_root.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(ROOT / "notebooks" / "01_simulation.ipynb"), str(data_root / "out.ipynb"),
                               parameters={"profile": "tiny", "overrides": over, "temperature": 0.8},
                               progress_bar=False, cwd=str(ROOT / "notebooks"))
    assert not simulate.seed_dir(p, 0).exists()
    row = pd.read_csv(paths.result_file(p, "sim_T0.800_summary")).iloc[0]
    assert row["start"] == "shelf unit, state 0 at T = 0.8"
    made_at_08 = tiny_shelf.equilibration_time(0.8) + tiny_shelf.production_time(0.8)
    assert row["equil_history"] == p.protocol.equil_time + made_at_08
