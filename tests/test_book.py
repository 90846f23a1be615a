"""The book: notebook transformations, a strict build, and a real browser.

The build and browser tests use fake executed notebooks (one matplotlib figure and one
equation each, papermill metadata included) for the tiny profile in a temporary data
root, and build a temporary copy of the book sources, so they neither need the
workflow's data nor touch the repository's book/generated/ or _build/.
"""

from __future__ import annotations

import base64
import copy
import io
import shutil
from pathlib import Path

import pytest

from glasshelpers import book
from glasshelpers.profiles import load_profile

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------
# Fake executed notebooks
# --------------------------------------------------------------------------------------

def _png_b64(label: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4])
    ax.set_title(label)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def fake_executed_notebook(title: str, params: dict, png: str | None = None, error: bool = False) -> dict:
    """A notebook dict shaped like papermill's output for one stage."""
    defaults = {k: ("demo" if k == "profile" else 0.45) for k in params}
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {},
         "source": f"# {title}\n\nThe rate follows $P_R \\propto e^{{-\\Delta E/T}}$ and\n\n"
                   "$$\\langle x^2 \\rangle = 6 D t$$\n"},
        {"cell_type": "code", "id": "params", "execution_count": 1,
         "metadata": {"tags": ["parameters"]}, "outputs": [],
         "source": "\n".join(f"{k} = {v!r}" for k, v in defaults.items())},
        {"cell_type": "code", "id": "injected", "execution_count": 2,
         "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
         "source": "# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())},
        {"cell_type": "code", "id": "plot", "execution_count": 3, "metadata": {},
         "source": "fig  # a figure",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": png or _png_b64(title), "text/plain": "<Figure>"}}]},
    ]
    if error:
        cells.append({"cell_type": "code", "id": "boom", "execution_count": 4, "metadata": {},
                      "source": "1/0",
                      "outputs": [{"output_type": "error", "ename": "ZeroDivisionError",
                                   "evalue": "division by zero", "traceback": []}]})
    for c in cells:
        if c["cell_type"] == "code":
            c["metadata"]["papermill"] = {"status": "completed", "duration": 0.1}
    return {
        "nbformat": 4, "nbformat_minor": 5, "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "papermill": {"parameters": params, "exception": None, "duration": 12.5,
                          "start_time": "2024-01-01T10:00:00.000000",
                          "end_time": "2024-01-01T10:00:12.500000",
                          "input_path": "notebooks/x.ipynb", "output_path": "data/x.ipynb",
                          "version": "2.7.0", "environment_variables": {}},
        },
    }


def write_fake_profile_data(root: Path, profile: str = "tiny") -> Path:
    """Fake executed notebooks (and one results CSV) for every page of ``profile``."""
    import json

    prof = load_profile(profile)
    nb_dir = root / profile / "notebooks"
    nb_dir.mkdir(parents=True)
    png = _png_b64("fake")
    for name in book.expected_notebooks(prof["temperatures"]):
        stem = name.removesuffix(".ipynb")
        params = {"profile": profile}
        if stem.startswith("01_simulation_T"):
            params["temperature"] = float(stem.split("_T")[1])
        nb = fake_executed_notebook(f"Stage {stem}", params, png=png)
        (nb_dir / name).write_text(json.dumps(nb))
    results = root / profile / "results"
    results.mkdir()
    (results / "fig1.csv").write_text("claim,paper,ours,verdict\npeak CV accuracy,~0.8,0.79,agrees\n")
    return root / profile


# --------------------------------------------------------------------------------------
# Unit tests of the pure transformations
# --------------------------------------------------------------------------------------

def test_injected_cell_hidden_by_tag_not_position():
    nb = fake_executed_notebook("T", {"profile": "tiny"}, png="AAAA")
    # move the injected cell to the end: it must still be found
    cells = nb["cells"]
    cells.append(cells.pop(2))
    out = book.hide_parameter_cells(nb)
    injected = [c for c in out["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0]["metadata"]["tags"]
    defaults = [c for c in out["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert "hide-input" in defaults[0]["metadata"]["tags"]
    assert "remove-cell" not in defaults[0]["metadata"]["tags"]
    # no other cell is touched, and the input is not modified
    others = [c for c in out["cells"] if not {"parameters", "injected-parameters"} & set(c["metadata"].get("tags", []))]
    assert all("remove-cell" not in c["metadata"].get("tags", []) for c in others)
    assert "remove-cell" not in nb["cells"][-1]["metadata"]["tags"]


def test_no_injected_cell_is_fine():
    nb = fake_executed_notebook("T", {"profile": "tiny"}, png="AAAA")
    del nb["cells"][2]
    out = book.hide_parameter_cells(nb)
    assert all("remove-cell" not in c["metadata"].get("tags", []) for c in out["cells"])


def test_provenance_cell_content_and_place():
    params = {"profile": "demo", "temperature": 0.45}
    nb = fake_executed_notebook("Simulation", params, png="AAAA")
    nb["metadata"]["glassbook"] = {"code_version": "0.1.0+gabc1234"}
    out = book.add_provenance_cell(nb, "demo", "0.1.0+gzzz", "01_simulation.ipynb")
    assert out["cells"][0]["id"] == "title"           # the page title stays first
    cell = out["cells"][1]
    assert cell["cell_type"] == "markdown" and "glassbook-provenance" in cell["metadata"]["tags"]
    src = cell["source"]
    assert "**`demo`**" in src
    assert "| `temperature` | `0.45` |" in src and "| `profile` | `'demo'` |" in src
    assert "0.1.0+gabc1234" in src and "gzzz" not in src       # the run's own version wins
    assert "-p profile demo -p temperature 0.45" in src
    assert "2024-01-01 10:00:12" in src
    # idempotent: a second pass replaces the box instead of adding another
    again = book.add_provenance_cell(out, "demo", "x", "01_simulation.ipynb")
    assert sum("glassbook-provenance" in c["metadata"].get("tags", []) for c in again["cells"]) == 1


def test_provenance_falls_back_to_build_version_and_top():
    nb = fake_executed_notebook("X", {"profile": "tiny"}, png="AAAA")
    nb["cells"][0]["source"] = "Some text without a heading"
    src = book.add_provenance_cell(nb, "tiny", "0.1.0+gbuild", None)["cells"][0]["source"]
    assert "0.1.0+gbuild" in src and "did not record" in src


def test_error_outputs_detected():
    ok = fake_executed_notebook("ok", {"profile": "tiny"}, png="AAAA")
    assert book.error_outputs(ok) == []
    bad = fake_executed_notebook("bad", {"profile": "tiny"}, png="AAAA", error=True)
    problems = book.error_outputs(bad)
    assert any("ZeroDivisionError" in p for p in problems)
    with pytest.raises(book.BookBuildError, match="ZeroDivisionError"):
        book.prepare_notebook(bad, "tiny", "v")
    flagged = copy.deepcopy(ok)
    flagged["metadata"]["papermill"]["exception"] = True
    assert book.error_outputs(flagged)
    pending = copy.deepcopy(ok)
    pending["cells"][3]["metadata"]["papermill"]["status"] = "pending"
    assert any("pending" in p for p in book.error_outputs(pending))


def test_expected_and_missing_notebooks(tmp_path):
    names = book.expected_notebooks([1.0, 0.45])
    assert names[:2] == ["01_simulation_T0.450.ipynb", "01_simulation_T1.000.ipynb"]
    assert "07_appendix.ipynb" in names
    (tmp_path / "02_features.ipynb").write_text("{}")
    missing = book.missing_notebooks(tmp_path, [0.45])
    assert "02_features.ipynb" not in missing and "01_simulation_T0.450.ipynb" in missing


def test_paper_vs_ours_states_missing(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "fig2.csv").write_text("quantity,verdict\nbest accuracy,agrees\n")
    md = book.paper_vs_ours_markdown("demo", tmp_path / "results", tmp_path / "figures")
    assert "no `results/fig1.csv`" in md and "agrees" in md
    assert "too small" not in md and "smoke test" not in md    # no verdicts by profile name
    assert "0.5571" in md                                      # the paper's Table I


def test_paper_vs_ours_counts_verdicts_with_badges_and_links(tmp_path):
    res = tmp_path / "results"
    res.mkdir()
    (res / "fig3.csv").write_text("claim,verdict\na,agrees\nb,disagrees\nc,inconclusive\nd,agrees\n")
    (res / "fig8.csv").write_text("claim,verdict\ne,inconclusive\nf,agrees (note)\n")
    md = book.paper_vs_ours_markdown("tiny", res, tmp_path / "figures")
    assert "**All items:** {bdg-success}`3 agrees` {bdg-danger}`1 disagrees` {bdg-warning}`2 inconclusive`" in md
    row = next(line for line in md.splitlines() if line.startswith("| {ref}`fig3"))
    assert "{doc}`/book/generated/06_kramers`" in row and "{bdg-success}`2 agrees`" in row
    assert "{bdg-secondary}`missing`" in md                    # e.g. fig1
    assert "Computed and drawn in {doc}`/book/generated/07_appendix`" in md
    assert book.verdict_counts(["agrees", "agreesX", "disagrees (x)", ""]) == \
        {"agrees": 1, "disagrees": 1, "inconclusive": 0, "other": 2}


def test_missing_notebooks_error_names_them(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path))
    with pytest.raises(book.BookBuildError, match="01_simulation_T0.450.ipynb"):
        book.build("tiny", root=tmp_path / "src")


# --------------------------------------------------------------------------------------
# Strict build of the whole book from fake tiny notebooks
# --------------------------------------------------------------------------------------

def _copy_sources(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "book", dest / "book",
                    ignore=shutil.ignore_patterns("generated", "_build", "mathjax"))
    return dest


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """(source root, html dir) of a strict build of fake tiny-profile notebooks."""
    import os

    data = tmp_path_factory.mktemp("data")
    write_fake_profile_data(data, "tiny")
    src = _copy_sources(tmp_path_factory.mktemp("book"))
    old = os.environ.get("GLASSBOOK_DATA")
    os.environ["GLASSBOOK_DATA"] = str(data)
    try:
        index = book.build("tiny", root=src, log=lambda *a: None)
    finally:
        if old is None:
            os.environ.pop("GLASSBOOK_DATA")
        else:
            os.environ["GLASSBOOK_DATA"] = old
    return src, index.parent


@pytest.mark.book
def test_strict_build_succeeds(built_book):
    src, html = built_book
    pages = {p.relative_to(html).as_posix() for p in html.rglob("*.html")}
    for must in ("index.html", "book/intro.html", "book/rerun.html", "book/paper_vs_ours.html",
                 "book/generated/01_simulation_T0.450.html", "book/generated/07_appendix.html"):
        assert must in pages, must
    assert not any(p.startswith(("data/", "tests/", "notebooks/", ".venv/")) for p in pages)
    sim = (html / "book/generated/01_simulation_T0.450.html").read_text()
    assert "How this page was made" in sim and "# Parameters" not in sim   # injected cell removed
    assert (html / "_static/mathjax/tex-mml-chtml.js").is_file()
    assert "_static/mathjax/tex-mml-chtml.js" in sim and "cdn.jsdelivr" not in sim
    assert book.external_mathjax(html) == []
    vs = (html / "book/paper_vs_ours.html").read_text()
    assert "Missing:" in vs and "agrees" in vs


@pytest.mark.book
def test_warning_fails_build(built_book, tmp_path):
    src, _ = built_book
    work = tmp_path / "src"
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("_build"))
    page = work / "book" / "rerun.md"
    page.write_text(page.read_text() + "\nSee {ref}`no-such-label-anywhere`.\n")
    proc = book.run_jupyter_book(work, strict=True)
    assert proc.returncode != 0
    assert "no-such-label-anywhere" in proc.stdout + proc.stderr


@pytest.mark.book
def test_failed_notebook_fails_build(tmp_path, monkeypatch):
    import json

    pdir = write_fake_profile_data(tmp_path / "data", "tiny")
    bad = fake_executed_notebook("broken", {"profile": "tiny"}, png="AAAA", error=True)
    (pdir / "notebooks" / "03_labels.ipynb").write_text(json.dumps(bad))
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(book.BookBuildError, match="03_labels.ipynb.*ZeroDivisionError"):
        book.build("tiny", root=_copy_sources(tmp_path / "src"), log=lambda *a: None)


# --------------------------------------------------------------------------------------
# A real browser: headless Chromium over a loopback HTTP server
# --------------------------------------------------------------------------------------

ARTIFACTS = REPO / "artifacts"

_PAGE_REPORT_JS = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  // Images: make lazy ones load, then wait for each to finish (or fail).
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.race([
    Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; }))),
    sleep(10000)]);
  // MathJax: wait for its start-up typesetting.
  let mathjax = null;
  const hasMathJax = Array.from(document.scripts).some(s => /mathjax/i.test(s.src));
  for (let k = 0; hasMathJax && k < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); k++) await sleep(100);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    mathjax = MathJax.version;
  }
  return {
    url: location.href,
    mathjax: mathjax,
    math: document.querySelectorAll('span.math, div.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    merror: document.querySelectorAll('mjx-merror').length,
    images: imgs.map(i => ({src: i.currentSrc || i.src, w: i.naturalWidth, ok: i.complete && i.naturalWidth > 0})),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    ids: Array.from(document.querySelectorAll('[id], a[name]')).map(e => e.id || e.getAttribute('name')),
  };
})()
"""


@pytest.fixture(scope="session")
def chromium():
    from browser_cdp import install_chromium

    path, why = install_chromium()
    if path is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    return path


@pytest.fixture
def served(built_book):
    """Base URL of the built book on a loopback HTTP server with a random port."""
    import functools
    import http.server
    import threading

    html = built_book[1]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", html
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.book
def test_browser_visits_every_page(served, chromium):
    from urllib.parse import unquote, urldefrag, urlsplit

    from browser_cdp import Browser, CDPError

    base, html = served
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if not p.relative_to(html).as_posix().startswith("_static/"))
    reports, network_problems, outside = {}, [], set()
    ARTIFACTS.mkdir(exist_ok=True)
    browser = Browser(chromium)
    try:
        for page in pages:
            browser.goto(base + page)
            if page == "index.html":            # Jupyter Book's root page redirects to the landing page
                for _ in range(100):
                    try:                            # evaluating during the navigation may fail
                        if browser.evaluate("location.pathname", timeout=5).endswith("book/intro.html"):
                            break
                    except CDPError:
                        pass
                    browser.drain(0.1)
                else:
                    pytest.fail("index.html does not lead to the landing page book/intro.html")
                browser.wait_event("Page.loadEventFired")
            reports[page] = report = browser.evaluate(_PAGE_REPORT_JS, timeout=60)
            browser.drain(0.1)
            requests = {}
            for ev in browser.events:
                p = ev.get("params", {})
                if ev["method"] == "Network.requestWillBeSent":
                    url = p["request"]["url"]
                    requests[p["requestId"]] = url
                    if not url.startswith((base, "data:", "blob:", "about:")):
                        outside.add(url)
                elif (ev["method"] == "Network.responseReceived" and p["response"]["status"] >= 400
                      and not p["response"]["url"].endswith("/favicon.ico")):   # asked by the browser, not the page
                    network_problems.append(f"{page}: HTTP {p['response']['status']} {p['response']['url']}")
                elif ev["method"] == "Network.loadingFailed" and not p.get("canceled"):
                    network_problems.append(f"{page}: {p.get('errorText')} {requests.get(p['requestId'], '?')}")
            if page == "book/intro.html":
                browser.screenshot(str(ARTIFACTS / "book-landing.png"))
            if page == "book/generated/01_simulation_T0.450.html":
                browser.screenshot(str(ARTIFACTS / "book-figure-page.png"))
    finally:
        browser.close()

    assert not outside, f"pages fetched resources from outside the book: {sorted(outside)[:10]}"
    assert not network_problems, network_problems[:10]

    # every image loaded
    broken = [(page, img["src"]) for page, r in reports.items() for img in r["images"] if not img["ok"]]
    assert not broken, broken[:10]
    assert sum(len(r["images"]) for r in reports.values()) >= 13   # data-flow figure + one per notebook

    # MathJax (ours, not a CDN's) typeset every equation, without errors
    for page, r in reports.items():
        if r["math"]:
            assert r["mathjax"] == book.MATHJAX_VERSION, (page, r["mathjax"])
            assert r["typeset"] >= r["math"], (page, r["math"], r["typeset"])
            assert r["merror"] == 0, page
    assert reports["book/intro.html"]["typeset"] >= 3
    assert reports["book/generated/02_features.html"]["typeset"] >= 2

    # no broken internal links (targets exist; #fragments exist on the target page)
    ids = {urlsplit(r["url"]).path: set(r["ids"]) for r in reports.values()}
    dead = []
    for page, r in reports.items():
        for link in r["links"]:
            if not link.startswith(base):
                continue
            target, frag = urldefrag(link)
            path = urlsplit(target).path
            file = html / unquote(path.lstrip("/"))
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                dead.append(f"{page} -> {link}")
            elif frag and path in ids and unquote(frag) not in ids[path]:
                dead.append(f"{page} -> {link} (no #{frag})")
    assert not dead, dead[:10]
    assert (ARTIFACTS / "book-landing.png").stat().st_size > 10_000
    assert (ARTIFACTS / "book-figure-page.png").stat().st_size > 10_000


def test_stamp_records_code_version(tmp_path):
    import json as _json

    from glasshelpers.book import stamp_code_version
    p = tmp_path / "nb.ipynb"
    p.write_text(_json.dumps({"cells": [], "metadata": {"papermill": {}}, "nbformat": 4, "nbformat_minor": 5}))
    stamp_code_version(p, "9.9.9+gabc")
    nb = _json.loads(p.read_text())
    assert nb["metadata"]["glassbook"]["code_version"] == "9.9.9+gabc"
    assert nb["metadata"]["papermill"] == {}
