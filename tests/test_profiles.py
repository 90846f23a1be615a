"""Profiles are validated at load (glasshelpers.pipeline.profiles.schema), before any MD runs, and
every CLI reports a bad one in one line with exit status 2.

``BAD_INPUTS`` is the bad-input table of the book's chapter "Validation and costs"
(``book/validation.md``): each case is a profile file derived from ``tiny.yaml`` (or raw
text), the expected fragments of its message, and the message itself is checked to name
the file and the key. ``python tests/test_profiles.py`` prints the table;
``test_bad_input_table_is_current`` keeps the book in step with it.
"""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from glasshelpers.products import trajectories as simulate
from glasshelpers.pipeline.profiles import PROFILE_DIR, ProfileError, load_profile
from glasshelpers.pipeline.matching import profile_hash
from glasshelpers.pipeline.provenance import params_hash

ROOT = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((PROFILE_DIR / "tiny.yaml").read_text())


def _set(key, value):
    def change(d):
        *parents, leaf = key.split(".")
        for p in parents:
            d = d[p]
        d[leaf] = value
    return change


def _drop(key):
    def change(d):
        *parents, leaf = key.split(".")
        for p in parents:
            d = d[p]
        del d[leaf]
    return change


def _rename(key, new):
    def change(d):
        *parents, leaf = key.split(".")
        for p in parents:
            d = d[p]
        d[new] = d.pop(leaf)
    return change


TINY_TEXT = (PROFILE_DIR / "tiny.yaml").read_text()

# (case, change to tiny.yaml: a function on its dict or the file's text, fragments of the message)
BAD_INPUTS = [
    ("box too small for the 5.9 sigma feature reach (N = 1000)", _set("model.n_particles", 1000),
     ["model.n_particles", "below the 5.9 sigma reach", "N >= 1975"]),
    ("density not a number", _set("model.density", "abc"),
     ["model.density = 'abc'", "valid number"]),
    ("malformed YAML (unclosed bracket)", TINY_TEXT.replace("temperatures: [0.45,", "temperatures: [0.45,,"),
     ["my.yaml:", "malformed YAML"]),
    ("key given twice", TINY_TEXT.replace("  density: 1.2\n", "  density: 1.2\n  density: 1.3\n"),
     ["my.yaml:", "'density' appears twice"]),
    ("typo in a key (fluidty_q)", _rename("labels.fluidity_q", "fluidty_q"),
     ["labels.fluidty_q: unknown key; did you mean 'fluidity_q'?", "labels.fluidity_q: required key is missing"]),
    ("unknown section", _set("plotting", {"dpi": 100}), ["plotting: unknown key"]),
    ("missing section", _drop("labels"), ["labels: required section is missing"]),
    ("empty file", "", ["this file is empty"]),
    ("not a mapping", "- 1\n- 2\n", ["must be a YAML mapping", "list"]),
    ("negative time", _set("protocol.production_time", -40),
     ["protocol.production_time = -40", "greater than or equal to 1"]),
    ("fractional time", _set("protocol.seed_time", 10.5),
     ["protocol.seed_time = 10.5", "valid integer"]),
    ("dt does not divide 1 tau", _set("engine.dt", 0.003),
     ["engine.dt = 0.003", "whole steps"]),
    ("unknown engine", _set("engine.name", "gromacs"),
     ["engine.name = 'gromacs'", "'lammps' or 'hoomd'"]),
    ("N not splittable 80:20 (N = 7)", _set("model.n_particles", 7),
     ["model.n_particles", "cannot be split"]),
    ("negative temperature", _set("temperatures", [0.45, 0.47, -0.6, 1.0, 1.2, 2.0]),
     ["temperatures[2] = -0.6", "greater than 0"]),
    ("temperature listed twice", _set("temperatures", [0.45, 0.47, 0.6, 1.0, 1.2, 2.0, 0.6]),
     ["temperatures:", "repeated: 0.600"]),
    ("fluidity temperature not simulated", _set("labels.fluidity_temperatures", [1.0, 1.5]),
     ["labels.fluidity_temperatures", "[1.5] not simulated"]),
    ("softness temperature not simulated", _set("labels.softness_temperature", 0.46),
     ["labels.softness_temperature", "0.46 is not simulated"]),
    ("run too short for the quiet time", _set("protocol.production_time_by_T", {0.45: 100, 0.47: 140}),
     ["labels.softness_temperature", "too short", "production_time >= 129"]),
    ("C <= 0", _set("classifiers.C", 0), ["classifiers.C = 0", "greater than 0"]),
    ("one cross-validation fold", _set("classifiers.cv_folds", 1),
     ["classifiers.cv_folds = 1", "greater than or equal to 2"]),
    ("p_c out of range", _set("labels.p_c", 1.5), ["labels.p_c = 1.5", "less than 1"]),
    ("p_l above p_c", _set("labels.p_l", 0.3), ["labels.p_l", "must be below p_c"]),
    ("p_l neither a number nor auto", _set("labels.p_l", "low"),
     ["labels.p_l = 'low'", "'auto' or a valid number"]),
    ("tail fraction q out of range", _set("labels.fluidity_q", 0.6),
     ["labels.fluidity_q = 0.6", "less than 0.5"]),
    ("bins decreasing", _set("analysis.x_bins", [2.5, -2.5, 0.5]),
     ["analysis.x_bins", "must increase"]),
    ("boolean where a number belongs", _set("seed", True), ["seed = True", "boolean"]),
    ("replicas < 1", _set("replicas", 0), ["replicas = 0", "greater than or equal to 1"]),
]


def _write_case(tmp_path, change) -> Path:
    path = tmp_path / "my.yaml"
    if isinstance(change, str):
        path.write_text(change)
    else:
        d = copy.deepcopy(TINY)
        change(d)
        path.write_text(yaml.safe_dump(d, sort_keys=False))
    return path


def case_message(change, tmp_path) -> str:
    """The message of a case's ProfileError, for a file named my.yaml in the working dir."""
    path = _write_case(tmp_path, change)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        load_profile("my.yaml")
    except ProfileError as exc:
        return str(exc)
    finally:
        os.chdir(old)
    raise AssertionError("no ProfileError")


def _nothing_written(root: Path) -> bool:
    return not root.exists() or not any(root.rglob("*"))


@pytest.mark.parametrize("case,change,fragments", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_profile_is_one_line_exit_2_nothing_written(case, change, fragments, data_root, tmp_path,
                                                        capsys, monkeypatch):
    path = _write_case(tmp_path, change)
    with pytest.raises(ProfileError):        # checked first: a case that loaded would run MD
        load_profile(path)
    monkeypatch.chdir(tmp_path)
    rc = simulate.main(["seed", "--profile", "my.yaml", "--threads", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: my.yaml"), err
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    assert "Traceback" not in err
    assert _nothing_written(data_root), list(data_root.rglob("*"))


def test_shipped_profiles_load_with_defaults(tmp_path):
    for name in ("tiny", "demo", "paper"):
        p = load_profile(name)
        assert p.name == name and p.replicas == 1 and p.overrides == {}
        assert p.features.allow_small_box is False
        assert isinstance(p.as_dict()["analysis"]["bias_shifts"], list)     # plain data for YAML and JSON
    # defaults fill keys a file leaves out
    p = load_profile(_write_case(tmp_path, lambda d: (_drop("engine.tau_thermostat")(d), _drop("labels.quiet_time")(d))))
    assert p.engine.tau_thermostat == 0.5 and p.labels.quiet_time == 120


def test_validated_profile_keeps_simulation_hashes():
    """What products are keyed by does not move: the run parameters of the tiny profile hash
    to the values recorded in every tiny folder made so far (a change here must be a
    deliberate change of the simulation), and they carry the YAML file's own numbers."""
    p = load_profile("tiny")
    assert params_hash(simulate.seed_params(p)) == "5a89db98b9329a9a"
    assert [params_hash(simulate.temperature_params(p, T)) for T in p.temperatures[:3]] == \
        ["db7f9182e82605bd", "c399d2effdf058a8", "83a1f0a98001b608"]
    assert profile_hash(p) == "1d467327fe39a1cd"     # protocol.shelf_state joined the profile (default 0)
    params = simulate.temperature_params(p, TINY["temperatures"][0])
    assert params["model"]["n_particles"] == TINY["model"]["n_particles"]
    assert params["production_time"] == TINY["protocol"]["production_time_by_T"][TINY["temperatures"][0]]


def test_dumped_profile_round_trips(tmp_path):
    p = load_profile("tiny", {"classifiers.C": 0.1, "name": "mine"})
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(p.as_dict()))
    q = load_profile(path)
    assert q == p
    # the record is kept, not applied again: an edit after dumping wins
    p2 = dict(p.as_dict(), classifiers={"C": 0.5, "cv_folds": 5})
    path.write_text(yaml.safe_dump(p2))
    assert load_profile(path).classifiers.C == 0.5


def test_extends_takes_the_base_and_replaces_what_the_file_gives(tmp_path):
    """``extends``: every value of the base, the file's own values replacing the base's key
    by key inside a section; chains resolve; the seed-2 demo differs from demo only in its
    name, description, seed and shelf state."""
    (tmp_path / "a.yaml").write_text("extends: tiny\nname: a\nseed: 7\nlabels:\n  p_c: 0.3\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\nengine:\n  dt: 0.004\n")
    tiny, b = load_profile("tiny"), load_profile(tmp_path / "b.yaml")
    assert (b.name, b.seed, b.labels.p_c, b.engine.dt) == ("b", 7, 0.3, 0.004)
    assert b.labels.softness_per_class == tiny.labels.softness_per_class   # the rest of labels kept
    assert b.engine.name == tiny.engine.name and b.temperatures == tiny.temperatures
    assert "extends" not in b.as_dict()
    demo, seed2 = load_profile("demo").as_dict(), load_profile("demo-seed2").as_dict()
    assert {k for k in demo if demo[k] != seed2[k]} == {"name", "description", "seed", "protocol"}
    assert {k for k in demo["protocol"] if demo["protocol"][k] != seed2["protocol"][k]} == {"shelf_state"}


@pytest.mark.parametrize("text, fragment", [
    ("extends: nosuch\nname: x\n", "extends: unknown profile 'nosuch'"),
    ("extends: 3\nname: x\n", "extends = 3: expected the name of a profile"),
    ("extends: c.yaml\nname: c\n", "extends forms a cycle (c -> c)"),
])
def test_bad_extends_is_one_line(tmp_path, text, fragment):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


# ----------------------------------------------------------------------------- overrides
def test_dotted_overrides_merge_and_are_recorded():
    p = load_profile("tiny", {"classifiers.C": 0.1, "labels.fluidity_q": 0.002})
    base = load_profile("tiny")
    assert p.classifiers.model_dump() == {**base.classifiers.model_dump(), "C": 0.1}
    assert p.labels.model_dump() == {**base.labels.model_dump(), "fluidity_q": 0.002}
    assert p.overrides == {"classifiers.C": 0.1, "labels.fluidity_q": 0.002}
    pd_, bd = p.as_dict(), base.as_dict()
    assert {k: v for k, v in pd_.items() if k not in ("classifiers", "labels", "overrides")} == \
        {k: v for k, v in bd.items() if k not in ("classifiers", "labels", "overrides")}
    # the nested form is the same thing
    assert load_profile("tiny", {"classifiers": {"C": 0.1}}).overrides == {"classifiers.C": 0.1}


@pytest.mark.parametrize("overrides,fragments", [
    ({"classifiers.c": 0.1}, ["classifiers.c (override): unknown key; did you mean 'C'?"]),
    ({"labels.fluidty_q": 0.1}, ["labels.fluidty_q (override): unknown key; did you mean 'fluidity_q'?"]),
    ({"classifiers.C": -1}, ["classifiers.C (override) = -1", "greater than 0"]),
    ({"labels.fluidity_temperatures": [1.0, 1.1]}, ["labels.fluidity_temperatures (override)", "[1.1] not simulated"]),
    ({"model.n_particles": 1000}, ["model.n_particles (override)", "N >= 1975"]),
    ({"classifiers..C": 1}, ["override key 'classifiers..C'", "dotted profile key"]),
    ({"classifiers.C.x": 1}, ["classifiers.C (override) = {'x': 1}", "valid number"]),
])
def test_bad_override_is_a_clear_error(overrides, fragments):
    with pytest.raises(ProfileError) as info:
        load_profile("tiny", overrides)
    msg = str(info.value)
    assert "\n" not in msg and "tiny.yaml" in msg
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_overrides_must_be_a_mapping():
    with pytest.raises(ProfileError, match="mapping of dotted profile keys"):
        load_profile("tiny", ["classifiers.C", 0.1])


# --------------------------------------------------------------------------------- CLIs
def test_cli_subprocess_one_line_and_debug_traceback(tmp_path, data_root):
    path = _write_case(tmp_path, BAD_INPUTS[0][1])
    cmd = [sys.executable, "-m", "glasshelpers.products.trajectories", "seed", "--profile", str(path), "--no-progress"]
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "model.n_particles" in proc.stderr and "Traceback" not in proc.stderr
    dbg = subprocess.run(cmd + ["--debug"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert dbg.returncode != 0 and "Traceback" in dbg.stderr and "ProfileError" in dbg.stderr
    assert _nothing_written(data_root)


def test_book_cli_bad_profile(tmp_path, capsys, data_root):
    from glasshelpers import book
    rc = book.main(["build", "--profile", "tinny"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "unknown profile 'tinny' (did you mean 'tiny'?)" in err
    path = _write_case(tmp_path, _set("model.density", "abc"))
    rc = book.main(["build", "--profile", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and "model.density = 'abc'" in err and str(path) in err
    with pytest.raises(ProfileError):
        book.main(["build", "--profile", str(path), "--debug"])
    assert _nothing_written(data_root)


@pytest.mark.parametrize("cli", ["simulate", "book", "workflow"])
def test_every_cli_reports_a_bad_profile_in_one_line(cli, tmp_path, data_root, capsys):
    import importlib
    mod = importlib.import_module({"simulate": "glasshelpers.products.trajectories", "book": "glasshelpers.book",
                                   "workflow": "glasshelpers.pipeline.workflow"}[cli])
    path = _write_case(tmp_path, _rename("labels.fluidity_q", "fluidty_q"))
    argv = {"simulate": ["seed", "--profile", str(path)], "book": ["build", "--profile", str(path)],
            "workflow": ["--profile", str(path)]}[cli]
    rc = mod.main(argv)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {path}: ") and "did you mean 'fluidity_q'?" in err
    assert _nothing_written(data_root)


def test_cli_other_errors_exit_1_without_traceback(capsys):
    from glasshelpers.pipeline import cli

    def boom():
        raise RuntimeError("disk full")
    assert cli.run(boom) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: RuntimeError: disk full") and "--debug" in err
    with pytest.raises(RuntimeError):
        cli.run(boom, debug=True)
    assert cli.run(lambda: None) == 0


# ------------------------------------------------------------------ the book's table
def bad_input_table(tmp_path) -> str:
    rows = ["| bad input | message (`python -m glasshelpers.products.trajectories seed --profile my.yaml`, exit status 2) |",
            "|---|---|"]
    for case, change, _ in BAD_INPUTS:
        msg = "error: " + case_message(change, tmp_path).replace("|", "\\|")
        rows.append(f"| {case} | `{msg}` |")
    return "\n".join(rows)


def test_bad_input_table_is_current(tmp_path):
    page = (ROOT / "book" / "validation.md").read_text()
    table = bad_input_table(tmp_path)
    missing = [row for row in table.splitlines() if row not in page]
    assert not missing, "bad-input table of book/validation.md is stale; regenerate with " \
        "python tests/test_profiles.py:\n" + "\n".join(missing)


if __name__ == "__main__":
    import tempfile
    print(bad_input_table(Path(tempfile.mkdtemp())))


SHIPPED = sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def _job_stats(text: str) -> dict:
    """Snakemake's "Job stats" table of a dry run as {rule: count}."""
    lines = text.split("Job stats:", 1)[1].splitlines()
    out = {}
    for line in lines[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        out[parts[0]] = int(parts[1])
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_loads_and_its_workflow_dry_runs(name, tmp_path):
    """Each YAML file in glasshelpers/pipeline/profiles/ validates, and Snakemake plans its whole job
    graph (a dry run: nothing runs) with one job per simulation and stage."""
    from glasshelpers.pipeline import registry
    from glasshelpers.pipeline.profiles import replicas
    from glasshelpers.pipeline.workflow import snakemake_command

    p = load_profile(name)
    assert p.name == name
    env = {**os.environ, "GLASSBOOK_DATA": str(tmp_path / "data")}
    proc = subprocess.run(snakemake_command(name, tmp_path / "wd", 2, ["-n", "--quiet", "rules"]),
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = _job_stats(proc.stdout + proc.stderr)
    n_T, n_rep = len(p.temperatures), len(replicas(p))
    assert jobs.get("seed", 0) == (0 if p.protocol.shelf else n_rep)
    assert jobs["simulate"] == n_T
    assert jobs.get("simulate_replica", 0) == (n_rep - 1) * n_T
    for stem in registry.per_profile_stems():
        assert jobs[f"stage_{stem}"] == 1, (stem, jobs)
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.npz"))


def test_a_shelf_profile_plans_no_seed_run(tmp_path):
    """protocol.shelf: the simulations start from the shelf (its manifest is their input),
    so the job graph holds no seed run."""
    import yaml

    from glasshelpers.pipeline.workflow import snakemake_command

    from glasshelpers.pipeline.shelf import SHELF_HOME

    shelf = tmp_path / "shelf"                 # the shipped protocol, no state made yet
    shelf.mkdir()
    (shelf / "protocol.yaml").write_text((SHELF_HOME / "ka2000" / "protocol.yaml").read_text())
    (shelf / "manifest.json").write_text('{"runs": {}}')
    raw = yaml.safe_load((PROFILE_DIR / "demo.yaml").read_text())
    raw["name"] = "demo-shelf"
    raw["protocol"]["shelf"] = str(shelf)
    f = tmp_path / "demo-shelf.yaml"
    f.write_text(yaml.safe_dump(raw))
    env = {**os.environ, "GLASSBOOK_DATA": str(tmp_path / "data")}
    proc = subprocess.run(snakemake_command(str(f), tmp_path / "wd", 2, ["-n", "--quiet", "rules"]),
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = _job_stats(proc.stdout + proc.stderr)
    assert "seed" not in jobs and jobs["simulate"] == len(raw["temperatures"])


def test_no_code_reads_a_profile_by_string_key():
    """One typed profile: the package, the notebooks and the workflow read it by attribute
    (``profile.labels.p_c``), so a misspelt key fails at once instead of in a lookup."""
    import re
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("glasshelpers/**/*.py"), *root.glob("notebooks/src/*.py"), root / "workflow" / "Snakefile"]
    pattern = re.compile(r"""\b(profile|prof|build_profile|P)(\[['"]|\.get\()""")
    found = [f"{f.relative_to(root)}:{i}" for f in files for i, line in enumerate(f.read_text().splitlines(), 1)
             if pattern.search(line)]
    assert len(files) > 80 and not found, found


def test_a_run_handle_hands_out_every_path_of_its_run(tmp_path, monkeypatch):
    """Run(profile, T, replica): the paths of the data map, the parameters that key the
    trajectory, every run of a profile once; a bad temperature is one line."""
    from glasshelpers.pipeline import paths
    from glasshelpers.pipeline.runs import MissingDataError, Run

    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path))
    p = load_profile("tiny", {"replicas": 2})
    run = Run(p, "0.47", 1)
    assert (run.temperature, run.replica, run.tag) == (0.47, 1, "T0.470")
    root = tmp_path / "tiny"
    assert run.folder == root / "sim" / "r1" / "T0.470" == paths.temperature_dir(p, 0.47, 1)
    assert run.meta == run.folder / "meta.json" and run.trajectory == run.folder / "traj.gsd"
    assert run.phop == root / "phop" / "r1" / "T0.470.npz" and run.bank == root / "features" / "r1" / "T0.470.npz"
    assert run.params == simulate.temperature_params(p, 0.47, 1) and run.params["replica"] == 1
    assert params_hash(Run(p, 0.47, 0).params) != params_hash(run.params)       # replicas are other runs
    runs = Run.all_of(p)
    assert len(runs) == 2 * len(p.temperatures) == len({r.folder for r in runs})
    with pytest.raises(MissingDataError, match="no finished trajectory"):
        run.finished_trajectory()
    with pytest.raises(ProfileError, match="temperature must be positive"):
        Run(p, -1.0)


def test_realisations_on_a_shelf_start_from_states_they_do_not_share():
    """demo-seed2 takes the shelf's state 1 where demo takes state 0, and a profile whose
    replicas would run past the shelf's last state is refused in one line."""
    from glasshelpers.pipeline.runs import shelf_start

    a, b = load_profile("demo"), load_profile("demo-seed2")
    assert [shelf_start(a, T)[2] for T in (0.45, 0.6, 2.0)] == [0, 0, 0]
    assert [shelf_start(b, T)[2] for T in (0.45, 0.6, 2.0)] == [1, 1, 1]
    assert shelf_start(a, 0.6)[1] == 0.58 and shelf_start(a, 1.4)[1] == 2.0     # nearest; a tie goes hotter
    assert shelf_start(load_profile("demo", {"replicas": 2}), 0.45, 1)[2] == 1
    with pytest.raises(ProfileError, match=r"replicas \(override\): 2 replicas from state 3 on need states 3-4; shelf 'ka2000' has 4 \(0-3\)"):
        load_profile("demo", {"replicas": 2, "protocol.shelf_state": 3})
