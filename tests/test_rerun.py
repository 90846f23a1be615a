"""Every exercise on the "Re-run it yourself" page comes with a command, and every such
command runs: the page's papermill commands for the `lab` profile are executed here on
a copy of the tiny workflow's data (profile switched to `tiny`, outputs to a temporary
folder), and each executed notebook must hold no error."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import requires_lammps

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "book" / "rerun.md"


def exercises(text: str) -> list[tuple[str, list[str]]]:
    """(title, papermill commands) of each numbered exercise of the page."""
    section = text.split("## Suggested exercises", 1)[1]
    items = re.split(r"\n(?=\d+\. \*\*)", section)[1:]
    out = []
    for item in items:
        title = re.match(r"\d+\. \*\*(.+?)\*\*", item).group(1)
        blocks = re.findall(r"```bash\n(.*?)```", item, flags=re.S)
        cmds = [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip().startswith("papermill ")]
        out.append((title, cmds))
    return out


def test_every_exercise_has_a_lab_command():
    found = exercises(PAGE.read_text())
    assert len(found) >= 5
    for title, cmds in found:
        assert cmds, f"exercise {title!r} has no command"
        for cmd in cmds:
            args = shlex.split(cmd)
            assert args[1].startswith("notebooks/") and (REPO / args[1]).is_file(), cmd
            assert "-p" in args and args[args.index("-p") + 1:args.index("-p") + 3] == ["profile", "lab"], cmd


@requires_lammps
@pytest.mark.slow
def test_exercise_commands_run_on_tiny(tiny_data, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(tiny_data, root / "tiny", ignore=shutil.ignore_patterns(".workflow", "logs"))
    env = {**os.environ, "GLASSBOOK_DATA": str(root)}
    ran = []
    for title, cmds in exercises(PAGE.read_text()):
        for cmd in cmds:
            args = shlex.split(cmd)
            args[args.index("profile", args.index("-p")) + 1] = "tiny"
            out = tmp_path / Path(args[2]).name
            args[2] = str(out)
            proc = subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3",
                                   "--cwd", str(REPO / "notebooks"), *args[1:]],
                                  cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, f"{title}: {cmd}\n{proc.stderr[-3000:]}"
            nb = nbformat.read(out, as_version=4)
            errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if o.get("output_type") == "error"]
            assert not errors, (title, errors)
            assert nb.metadata["papermill"]["parameters"]["profile"] == "tiny"
            ran.append(title)
    assert len(set(ran)) >= 5
