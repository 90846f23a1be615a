"""Visit every page of a built book in headless Chromium and check what a reader sees.

Used by the book tests (fake notebooks) and the tiny-workflow test (real notebooks).
``check_book`` serves the HTML folder on a loopback port, opens every page, and raises
one AssertionError listing every problem: resources fetched from outside the book,
HTTP errors, images that did not load, MathJax that is not ours or failed, dead internal
links or anchors, a page whose main column scrolls sideways, a ``pre`` or cell output
wider than its box (a printed line cut off), a page showing a local path
(``forbidden``) or a ``PosixPath(`` repr. It returns the per-page reports.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

from browser_cdp import Browser, CDPError

MATHJAX_VERSION = "3.2.2"

PAGE_REPORT_JS = r"""
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
  // Sideways scrolling: the page itself and the main column must fit their width.
  const wide = [];
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) wide.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
  for (const sel of ['#main-content', 'main', 'article.bd-article', '.bd-article-container']) {
    const el = document.querySelector(sel);
    if (el && el.scrollWidth > el.clientWidth + 1) wide.push(`${sel} ${el.scrollWidth} > ${el.clientWidth}`);
  }
  // Cut-off lines: no preformatted block or cell output may be wider than its box.
  const cut = [];
  for (const el of document.querySelectorAll('pre, div.cell_output, div.output')) {
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      const line = (el.innerText || '').split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      cut.push(`${el.tagName.toLowerCase()} ${el.scrollWidth} > ${el.clientWidth}: ${line.slice(0, 100)}`);
    }
  }
  const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  return {
    url: location.href,
    title: document.title,
    mathjax: mathjax,
    math: document.querySelectorAll('span.math, div.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    merror: document.querySelectorAll('mjx-merror').length,
    images: imgs.map(i => ({src: i.currentSrc || i.src, w: i.naturalWidth, ok: i.complete && i.naturalWidth > 0})),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    ids: Array.from(document.querySelectorAll('[id], a[name]')).map(e => e.id || e.getAttribute('name')),
    wide: wide,
    cut: cut,
    text: document.body.innerText,
    html: document.documentElement.outerHTML,
    pasted: document.querySelectorAll('.pasted-text').length,
    main_text: main.innerText,
  };
})()
"""


@contextlib.contextmanager
def serve(html_dir):
    """Base URL of ``html_dir`` on a loopback HTTP server with a random port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _visit(browser: Browser, base: str, page: str) -> tuple[dict, list, set]:
    browser.goto(base + page)
    if page == "index.html":            # Jupyter Book's root page redirects to the landing page
        for _ in range(100):
            try:                        # evaluating during the navigation may fail
                if browser.evaluate("location.pathname", timeout=5).endswith("book/intro.html"):
                    break
            except CDPError:
                pass
            browser.drain(0.1)
        else:
            raise AssertionError("index.html does not lead to the landing page book/intro.html")
        browser.wait_event("Page.loadEventFired")
    report = browser.evaluate(PAGE_REPORT_JS, timeout=60)
    browser.drain(0.1)
    requests, problems, outside = {}, [], set()
    for ev in browser.events:
        p = ev.get("params", {})
        if ev["method"] == "Network.requestWillBeSent":
            url = p["request"]["url"]
            requests[p["requestId"]] = url
            if not url.startswith((base, "data:", "blob:", "about:")):
                outside.add(url)
        elif (ev["method"] == "Network.responseReceived" and p["response"]["status"] >= 400
              and not p["response"]["url"].endswith("/favicon.ico")):   # asked by the browser, not the page
            problems.append(f"{page}: HTTP {p['response']['status']} {p['response']['url']}")
        elif ev["method"] == "Network.loadingFailed" and not p.get("canceled"):
            problems.append(f"{page}: {p.get('errorText')} {requests.get(p['requestId'], '?')}")
    return report, problems, outside


def check_book(html_dir, chromium: str, forbidden=(), artifacts: Path | None = None,
               screenshots: dict | None = None) -> dict:
    """Visit every page of the book in ``html_dir``; raise AssertionError listing all problems.

    ``forbidden``: absolute local paths no page may show (data root, source root).
    ``screenshots``: page -> file name saved under ``artifacts`` (default: the landing
    page and the first simulation page)."""
    html_dir = Path(html_dir)
    pages = sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                   if not p.relative_to(html_dir).as_posix().startswith("_static/"))
    if screenshots is None:
        sims = [p for p in pages if p.startswith("book/generated/01_simulation_T")]
        screenshots = {"book/intro.html": "book-landing.png"}
        if sims:
            screenshots[sims[0]] = "book-figure-page.png"
    needles = sorted({str(Path(f)) for f in forbidden} | {str(Path(f).resolve()) for f in forbidden})
    reports, problems, outside = {}, [], set()
    with serve(html_dir) as base:
        browser = Browser(chromium)
        try:
            for page in pages:
                report, net, out = _visit(browser, base, page)
                reports[page] = report
                problems += net
                outside |= out
                if artifacts is not None and page in screenshots:
                    Path(artifacts).mkdir(parents=True, exist_ok=True)
                    browser.screenshot(str(Path(artifacts) / screenshots[page]))
        finally:
            browser.close()
        if outside:
            problems.append(f"pages fetched resources from outside the book: {sorted(outside)[:10]}")
        for page, r in reports.items():
            problems += [f"{page}: image did not load: {img['src']}" for img in r["images"] if not img["ok"]]
            if r["math"]:
                if r["mathjax"] != MATHJAX_VERSION:
                    problems.append(f"{page}: MathJax {r['mathjax']} instead of the book's {MATHJAX_VERSION}")
                if r["typeset"] < r["math"] or r["merror"]:
                    problems.append(f"{page}: {r['math']} equations, {r['typeset']} typeset, {r['merror']} errors")
            problems += [f"{page}: scrolls sideways ({w})" for w in r["wide"]]
            problems += [f"{page}: a printed line is cut off ({c})" for c in r["cut"]]
            for needle in needles:
                if needle in r["html"]:
                    problems.append(f"{page}: shows the local path {needle}")
            if "PosixPath(" in r["html"] or "WindowsPath(" in r["html"]:
                problems.append(f"{page}: shows a PosixPath( repr")
        # no broken internal links (targets exist; #fragments exist on the target page)
        ids = {urlsplit(r["url"]).path: set(r["ids"]) for r in reports.values()}
        for page, r in reports.items():
            for link in r["links"]:
                if not link.startswith(base):
                    continue
                target, frag = urldefrag(link)
                path = urlsplit(target).path
                file = html_dir / unquote(path.lstrip("/"))
                if file.is_dir():
                    file = file / "index.html"
                if not file.is_file():
                    problems.append(f"dead link {page} -> {link}")
                elif frag and path in ids and unquote(frag) not in ids[path]:
                    problems.append(f"dead link {page} -> {link} (no #{frag})")
    if problems:
        raise AssertionError(f"{len(problems)} problem(s) in the book:\n" + "\n".join(problems[:40]))
    return reports


def dump(reports: dict) -> str:
    """Compact JSON of the reports without the page text (for debugging)."""
    return json.dumps({k: {kk: vv for kk, vv in v.items() if kk not in ("html", "text", "main_text", "links", "ids")}
                       for k, v in reports.items()}, indent=1)
