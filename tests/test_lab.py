"""The course lab: JupyterLab serves the notebooks with the project's kernel.

A real JupyterLab server is started headless on 127.0.0.1 (a free port, a random token,
private config/runtime folders). A stage notebook is run cell by cell through the
server's own API — the contents API reads it, the sessions API starts the project's
``python3`` kernel, and the kernel's websocket channel executes every cell — against
the tiny workflow's data, and its known outputs are checked. One headless-Chromium
screenshot shows the running lab with the notebook open. Every wait is bounded and the
server is stopped by the test itself.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from conftest import requires_lammps

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
pytestmark = [requires_lammps, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A JupyterLab server process on 127.0.0.1 with token auth, stopped by ``stop``."""

    def __init__(self, root: Path, env: dict, scratch: Path, timeout: float = 90):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        jupyter = Path(sys.executable).parent / "jupyter"
        for sub in ("config", "runtime", "data", "settings", "workspaces"):
            (scratch / sub).mkdir(parents=True, exist_ok=True)
        env = {**env, "JUPYTER_CONFIG_DIR": str(scratch / "config"), "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces")}
        self.log = open(scratch / "server.log", "w")
        self.proc = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}", "--MappingKernelManager.default_kernel_name=python3",
             f"--FileCheckpoints.checkpoint_dir={scratch / 'checkpoints'}",   # nothing written into the repo
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = self.api("GET", "/api/status")
                if "started" in status:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterLab did not start: {(scratch / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        data = json.dumps(body).encode() if body is not None else None
        req = Request(self.base + path, data=data, method=method,
                      headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)           # jupyter asks for confirmation on one SIGINT...
            time.sleep(0.5)
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGTERM)      # ...and shuts down cleanly on SIGTERM
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


def run_cells(server: LabServer, kernel_id: str, sources: list[str], timeout: float = 300) -> list[list[dict]]:
    """Execute each source on the server's kernel over its websocket; return each cell's
    outputs (nbformat-like dicts). Stops at the first error output."""
    import asyncio

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    async def main():
        url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels"
        ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {server.token}"}))
        session, results = uuid.uuid4().hex, []
        try:
            for src in sources:
                msg_id = uuid.uuid4().hex
                await ws.write_message(json.dumps({
                    "header": {"msg_id": msg_id, "username": "test", "session": session, "msg_type": "execute_request",
                               "version": "5.3", "date": ""},
                    "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                    "content": {"code": src, "silent": False, "store_history": True, "user_expressions": {},
                                "allow_stdin": False, "stop_on_error": True}}))
                outputs, idle, replied = [], False, False
                deadline = time.monotonic() + timeout
                while not (idle and replied):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"cell did not finish within {timeout} s:\n{src[:300]}")
                    raw = await asyncio.wait_for(ws.read_message(), left)
                    if raw is None:
                        raise ConnectionError("the kernel websocket closed")
                    msg = json.loads(raw)
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind, content = msg["header"]["msg_type"], msg["content"]
                    if kind == "status" and content.get("execution_state") == "idle":
                        idle = True
                    elif kind == "execute_reply":
                        replied = True
                    elif kind == "stream":
                        outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
                    elif kind in ("execute_result", "display_data"):
                        outputs.append({"output_type": kind, "data": content["data"], "metadata": content["metadata"]})
                    elif kind == "error":
                        outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"]})
                results.append(outputs)
                if any(o["output_type"] == "error" for o in outputs):
                    break
        finally:
            ws.close()
        return results

    return asyncio.run(main())


@pytest.fixture
def lab(tiny_data, tmp_path):
    env = {**os.environ, "GLASSBOOK_DATA": str(tiny_data.parent)}
    server = LabServer(REPO / "notebooks", env, tmp_path / "jupyter")
    try:
        yield server
    finally:
        server.stop()


def test_lab_runs_a_stage_notebook_on_tiny_data(lab, tiny_data):
    import numpy as np
    import pandas as pd

    assert lab.api("GET", "/api/kernelspecs")["default"] == "python3"
    nb = lab.api("GET", "/api/contents/02_features.ipynb?content=1")["content"]
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    # like papermill: the parameters cell keeps its defaults and gets the new value after them
    sources = [c["source"] + '\nprofile = "tiny"' if "parameters" in c["metadata"].get("tags", []) else c["source"]
               for c in cells]
    session = lab.api("POST", "/api/sessions", {"path": "02_features.ipynb", "type": "notebook", "name": "",
                                                 "kernel": {"name": "python3"}})
    kernel = session["kernel"]["id"]
    try:
        probe = run_cells(lab, kernel, ["import sys; print(sys.prefix)"], timeout=120)
        assert probe[0][0]["text"].strip() == sys.prefix                 # the project's own environment
        outputs = run_cells(lab, kernel, sources)
    finally:
        lab.api("DELETE", f"/api/sessions/{session['id']}")
    errors = [o for cell in outputs for o in cell if o["output_type"] == "error"]
    assert not errors, errors
    assert len(outputs) == len(sources)
    glued = {o["metadata"]["scrapbook"]["name"]: o["data"] for cell in outputs for o in cell
             if "scrapbook" in o.get("metadata", {})}
    assert any(v == "5" for v in glued["bank_stride"].values())          # tiny's bank stride, glued for the prose
    # the bank table is shown for reading, and its numbers are the ones the stage wrote
    html = [o["data"]["text/html"] for cell in outputs for o in cell if "text/html" in o.get("data", {})]
    table = next(h for h in html if "A neighbours within 5.9" in h)
    assert 'class="glassbook-table"' in table and "<th>T</th>" in table
    bank = pd.read_csv(tiny_data / "results" / "features_bank.csv")
    assert len(bank) == 6 and np.all(bank["bank_frames"] > 0)
    assert f"<td>{int(bank['samples'].iloc[0])}</td>" in table
    assert any("image/png" in o.get("data", {}) for o in outputs[-2])   # the mean-structure figure


@pytest.mark.book
def test_lab_page_loads_in_chromium(lab):
    """The landing notebook that `make lab` opens renders in the lab, exercises listed."""
    from browser_cdp import Browser, CDPError, install_chromium

    path, why = install_chromium()
    if path is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    browser = Browser(path, width=1280, height=800)
    try:
        browser.goto(f"{lab.base}/lab/tree/START_HERE.ipynb?token={lab.token}", timeout=60)
        deadline, title, text = time.monotonic() + 90, "", ""
        while time.monotonic() < deadline:
            try:
                title = browser.evaluate("document.title", timeout=5) or ""
                text = browser.evaluate("Array.from(document.querySelectorAll('.jp-RenderedMarkdown'))"
                                        ".map(e => e.innerText).join(' ')", timeout=5) or ""
            except CDPError:
                pass
            if "JupyterLab" in title and "Hops or vibrations?" in text:
                break
            browser.drain(0.5)
        ARTIFACTS.mkdir(exist_ok=True)
        browser.screenshot(str(ARTIFACTS / "lab.png"), full_page=False)
    finally:
        browser.close()
    assert "JupyterLab" in title, title
    assert "Start here" in text and "Hops or vibrations?" in text      # the landing notebook rendered
    assert (ARTIFACTS / "lab.png").stat().st_size > 10_000


# --------------------------------------------------------------------------------------
# The lab chapter: its exercises, its landing notebook, and solutions from a real lab run
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def lab_data(tmp_path_factory):
    """The whole ``lab`` workflow in a private data root (what ``make workflow
    PROFILE=lab`` runs; once per session, started in the background at collection by
    ``conftest.py``). ``GLASSBOOK_TEST_LAB_DATA=<data root>`` reuses a finished lab run."""
    from conftest import finished_workflow

    return finished_workflow("lab_data", "lab", tmp_path_factory)[0]


def test_start_here_and_make_lab_lead_to_every_exercise():
    from glasshelpers.book.lab import EXERCISES

    src = (REPO / "notebooks" / "src" / "START_HERE.py").read_text()
    for ex in EXERCISES:
        assert ex.title in src and ex.command() in src, ex.key
        assert f"]({ex.stage}.ipynb)" in src and (REPO / "notebooks" / f"{ex.stage}.ipynb").is_file()
    assert sum(ex.thought for ex in EXERCISES) >= 2                   # exercises that ask for thought
    assert "--LabApp.default_url=/lab/tree/START_HERE.ipynb" in (REPO / "Makefile").read_text()


def _ci(est, lo, hi, fmt="{:.3f}"):
    return f"{fmt.format(est)} [{fmt.format(lo)}, {fmt.format(hi)}]"


def test_lab_chapter_solutions_are_the_lab_runs_numbers(lab_data):
    """The lab chapter is written from the lab run's results: every exercise's command is
    a stage notebook the workflow executed on the lab profile, and the worked solutions
    hold that run's numbers."""
    import numpy as np
    import pandas as pd

    from glasshelpers.book.lab import EXERCISES, lab_markdown
    from glasshelpers.book.display import format_value
    from glasshelpers.pipeline.profiles import load_profile

    P = load_profile("lab")
    page = lab_markdown(P, lab_data)
    res = lambda key: pd.read_csv(lab_data / "results" / f"{key}.csv")   # noqa: E731
    assert "Not in this run's results" not in page and "No `lab` run was found" not in page
    assert page.count(":::{dropdown} Worked solution (lab run)") == len(EXERCISES)
    for ex in EXERCISES:
        assert ex.command() in page
        nb = json.loads((lab_data / "notebooks" / f"{ex.stage}.ipynb").read_text())
        assert nb["metadata"]["papermill"]["parameters"]["profile"] == "lab", ex.stage   # the command's run
    labels = res("labels_summary")
    for _, r in labels.iterrows():
        assert f"| {r['T']:g} | {format_value(r['phop_q0.5'])} | {format_value(r['phop_q0.99'])} |" in page
    cv = res("fig1_peaks").query("panel == 'fluidity CV'")
    for _, r in cv.iterrows():
        assert _ci(r["best_accuracy"], r["accuracy_lo"], r["accuracy_hi"]) in page
        assert ("lies above chance" in page) if (cv["accuracy_lo"] > 0.5).all() else ("reaches down to chance" in page)
    t1 = res("table1_data")
    for _, r in t1.iterrows():
        assert _ci(r["best_accuracy"], r["best_accuracy_lo"], r["best_accuracy_hi"]) in page
    fl = t1[~np.isclose(t1["T"], P.labels.softness_temperature)]
    assert f"trained at T = {fl.loc[fl['best_accuracy'].idxmin(), 'T']:g} (" in page
    f6 = res("fig6_data")
    assert f"spread of {f6['accuracy'].max() - f6['accuracy'].min():.3f}" in page
    for _, r in res("fig8_summary").dropna(subset=["diff_vs_fluidity"]).iterrows():
        assert _ci(r["diff_vs_fluidity"], r["diff_lo"], r["diff_hi"], "{:+.3f}") in page
    variants = res("kramers_variants")
    fit = variants.loc[variants["default"].astype(str).str.lower().isin(["true", "1"]), "fit"].iloc[0]
    slopes = res("kramers_slopes").query("fit == @fit").dropna(subset=["slope"])
    for _, r in slopes.iterrows():
        assert _ci(r["slope"], r["slope_lo"], r["slope_hi"], "{:.2f}") in page
    assert f"for {int((slopes['slope_hi'] < 0).sum())} of {len(slopes)} classifiers" in page
