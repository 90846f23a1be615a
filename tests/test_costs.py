"""Cost estimates told before work starts, and a mistyped size refused in one line
(glasshelpers.pipeline.costs): hand-computed sizes, linearity, the tell / refuse rules, and
the papermill case of a stage notebook given a million particles."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from glasshelpers.pipeline import costs
from glasshelpers.pipeline.parameters import check_parameters
from glasshelpers.pipeline.profiles import ProfileError, load_profile


def _one(n=2000, production=99, stride=5):
    return load_profile("tiny", {"model.n_particles": n, "protocol.production_time_by_T": {},
                                 "protocol.production_time": production, "features.bank_stride": stride})


def test_disk_memory_and_time_by_hand():
    p = _one()
    c = costs.estimate(p, [1.0], seed=False)
    frames = 100                                            # production 99 tau, one frame per tau
    per_frame = 2000 * (24 + 4) + 0.8 * 2000 * 400 / 5      # trajectory + p_hop, and the bank
    assert c.disk_gb == pytest.approx(frames * per_frame / 1e9)
    tau = p.protocol.equil_time + 99
    assert c.md_core_hours == pytest.approx(tau / costs.MD_TAU_PER_CORE_SECOND / 3600)
    arrays = frames * 2000 * (24 + 4) + frames / 5 * 0.8 * 2000 * 400
    assert c.memory_gb == pytest.approx(costs.BASE_MEMORY_GB + costs.MEMORY_FACTOR * arrays / 1e9)


def test_cost_grows_linearly_with_n_replicas_and_temperatures():
    a, b = costs.estimate(_one(2000), [1.0]), costs.estimate(_one(6000), [1.0])
    assert b.md_core_hours == pytest.approx(3 * a.md_core_hours) and b.disk_gb == pytest.approx(3 * a.disk_gb)
    two = load_profile("tiny", {"replicas": 2})
    one = load_profile("tiny")
    assert costs.estimate(two).disk_gb == pytest.approx(2 * costs.estimate(one).disk_gb)
    assert costs.estimate(one, [0.6, 1.0], seed=False).md_core_hours == pytest.approx(
        costs.estimate(one, [0.6], seed=False).md_core_hours + costs.estimate(one, [1.0], seed=False).md_core_hours)


def test_a_run_like_its_profile_is_silent_a_larger_one_told_a_far_larger_one_refused():
    tiny, said = load_profile("tiny"), []
    costs.check(tiny, log=said.append)
    assert said == []
    costs.check(load_profile("tiny", {"model.n_particles": 40000}), tiny, [0.6], seed=False, log=said.append)
    (line,) = said                                          # 20 x: told in one line, not refused
    assert line.startswith("glassbook: this run will take about") and "20 times" in line
    big = load_profile("tiny", {"model.n_particles": 1000000})
    with pytest.raises(costs.CostRefused) as err:
        costs.check(big, tiny, [0.6], seed=False, log=said.append)
    msg = str(err.value)
    assert isinstance(err.value, ProfileError) and "\n" not in msg     # every CLI: one line, status 2 and "500 times the cost" in msg and "confirm_cost" in msg
    costs.check(load_profile("tiny", {"model.n_particles": 1000000, "confirm_cost": True}), tiny, [0.6],
                seed=False, log=said.append)                # confirmed: told, not refused
    assert len(said) == 2


def test_a_machine_too_small_refuses_even_the_profiles_own_cost(monkeypatch):
    monkeypatch.setattr(costs, "_machine_memory_gb", lambda: 1.0)
    with pytest.raises(costs.CostRefused, match="more than 50% of this machine's 1 GB of memory"):
        costs.check(load_profile("settle"))


def test_notebook_parameters_refuse_a_million_particles_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(costs.CostRefused, match="01_simulation at T = 0.6 would take"):
        check_parameters("01_simulation", "tiny", {"model.n_particles": 1000000}, temperature=0.6)
    assert not (tmp_path / "data").exists()


def test_papermill_with_a_mistyped_size_stops_in_one_line(tmp_path):
    """The case of a user who types one zero too many (here: 500 times tiny's N)."""
    data = tmp_path / "data"
    env = {**os.environ, "GLASSBOOK_DATA": str(data)}
    proc = subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3", "--cwd",
                           str(ROOT / "notebooks"), str(ROOT / "notebooks" / "01_simulation.ipynb"),
                           str(tmp_path / "out.ipynb"), "-p", "profile", "tiny", "-p", "temperature", "0.6", "-y",
                           "overrides: {model.n_particles: 1000000}"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    nb = json.loads((tmp_path / "out.ipynb").read_text())
    (err,) = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    (line,) = err["traceback"]
    assert line.startswith("error: 01_simulation at T = 0.6 would take about") and "confirm_cost" in line
    assert not (data / "tiny" / "sim").exists()


def test_the_workflow_refuses_a_profile_file_larger_than_this_machine(tmp_path, capsys, monkeypatch):
    import yaml
    from glasshelpers.pipeline import workflow
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path / "data"))
    raw = yaml.safe_load((ROOT / "glasshelpers" / "pipeline" / "profiles" / "tiny.yaml").read_text())
    raw["model"]["n_particles"] = 1000000
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert workflow.main(["--profile", str(path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: profile 'tiny' would take about") and "of this machine's" in line
    assert not (tmp_path / "data").exists()
