"""The GitHub Actions workflows that publish the book: linted with actionlint, and checked for
what publishing needs (triggers, Pages permissions, caches keyed by profile and code)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def actionlint() -> str:
    exe = Path(sys.executable).parent / "actionlint"
    found = str(exe) if exe.exists() else shutil.which("actionlint")
    assert found, "actionlint is missing: it comes with the test extra (pip install -e .[test])"
    return found


def lint(paths, cwd=ROOT):
    return subprocess.run([actionlint(), "-no-color", "-oneline", *map(str, paths)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def load(name):
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


def test_workflows_pass_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"book.yml", "book-profile.yml", "book-build.yml"}
    r = lint(files)
    assert r.returncode == 0 and not r.stdout.strip(), f"actionlint findings:\n{r.stdout}{r.stderr}"


def test_actionlint_reports_a_broken_workflow(tmp_path):
    """The linter really checks: an unknown input, a bad permission and a typo'd key are reported."""
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "bad.yml").write_text(
        "on:\n  workflow_dispatch:\n    inputs:\n      profile: {type: string}\n"
        "permissions:\n  pages: writ\n"
        "jobs:\n  b:\n    runs-on: ubuntu-24.04\n    step:\n      - run: echo hi\n"
        "  c:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ inputs.profil }}\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    r = lint([wf / "bad.yml"], cwd=tmp_path)
    assert r.returncode != 0
    out = r.stdout
    assert "profil" in out and "writ" in out and "step" in out, out


def test_book_workflow_builds_demo_on_main_and_deploys_to_pages():
    book = load("book.yml")
    assert book["on"]["push"]["branches"] == ["main"]
    build, deploy = book["jobs"]["build"], book["jobs"]["deploy"]
    assert build["uses"] == "./.github/workflows/book-build.yml"
    assert build["with"] == {"profile": "demo", "pages": True}
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    assert book["permissions"] == {"contents": "read"}


def test_manual_workflow_builds_any_profile():
    man = load("book-profile.yml")
    inputs = man["on"]["workflow_dispatch"]["inputs"]
    assert inputs["profile"]["required"] is True and inputs["profile"]["type"] == "string"
    assert man["jobs"]["build"]["with"]["profile"] == "${{ inputs.profile }}"
    assert "pages" not in man["jobs"]["build"]["with"]  # a manual build is not deployed


def test_build_caches_are_keyed_by_profile_and_code():
    steps = load("book-build.yml")["jobs"]["build"]["steps"]
    caches = {s["name"]: s["with"] for s in steps if s.get("uses", "").startswith("actions/cache@")}
    venv = caches["Cache the virtual environment"]
    assert venv["path"] == ".venv" and "hashFiles('constraints.txt', 'pyproject.toml')" in venv["key"]
    sim = caches["Cache the trajectories"]
    assert sim["path"] == "data/${{ inputs.profile }}/sim"
    for part in ("inputs.profile", "glasshelpers/pipeline/profiles/{0}.yaml", "'.profile-chain.yaml'",
                 "glasshelpers/products/trajectories.py", "glasshelpers/core/md/engines/**"):
        assert part in sim["key"], part
    data = caches["Cache the later products"]
    assert data["path"].strip().splitlines() == ["data/${{ inputs.profile }}", "!data/${{ inputs.profile }}/sim"]
    for part in ("inputs.profile", "glasshelpers/pipeline/profiles/{0}.yaml", "'.profile-chain.yaml'", "'glasshelpers/**'",
                 "'notebooks/**'", "'workflow/**'"):
        assert part in data["key"], part
    # every file the simulation cache names exists (a renamed module would silently drop out of the key)
    for rel in ("glasshelpers/products/trajectories.py", "glasshelpers/core/md/model.py", "glasshelpers/core/md/trajectory.py",
                "glasshelpers/pipeline/profiles/__init__.py"):
        assert (ROOT / rel).exists(), rel
    run = " ".join(s.get("run", "") for s in steps)
    assert 'make book PROFILE="${PROFILE}"' in run
    pages = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert pages and pages[0]["with"]["path"] == "_build/${{ inputs.profile }}/html" and pages[0]["if"] == "inputs.pages"


def test_the_cache_keys_follow_the_extends_chain():
    """The step that collects a profile and the profiles it extends, run as GitHub runs it
    (bash, from the repository root): demo-seed2 collects itself and demo, demo only itself;
    the collected file is what the cache keys hash besides the profile's own."""
    steps = load("book-build.yml")["jobs"]["build"]["steps"]
    (step,) = [s for s in steps if s.get("name", "").startswith("Collect the profile")]
    out = ROOT / ".profile-chain.yaml"
    for profile, files in (("demo-seed2", ["demo-seed2", "demo"]), ("demo", ["demo"])):
        try:
            r = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=ROOT,
                               env={"PROFILE": profile, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                               timeout=30)
            assert r.returncode == 0, r.stderr
            want = "".join((ROOT / "glasshelpers" / "pipeline" / "profiles" / f"{f}.yaml").read_text() for f in files)
            assert out.read_text() == want
        finally:
            out.unlink(missing_ok=True)
