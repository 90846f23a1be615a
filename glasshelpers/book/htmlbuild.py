"""The build: stage the sources, write the generated pages, run jupyter-book, check the HTML.

:func:`build` checks that every expected executed notebook is there, copies them into
``book/generated/`` (:mod:`.notebooks`), writes the generated pages (:mod:`.pages`,
:mod:`.headline`, :mod:`.lab`) and the assets (:mod:`.assets`), runs ``jupyter-book build --all -W
-n --keep-going`` (any warning fails), refuses pages that load MathJax from outside the
book or show local paths, and publishes the HTML folder with renames only.

(Named ``htmlbuild`` rather than ``build`` so that ``glasshelpers.book.build`` stays the
function.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline.paths import REPO_ROOT
from glasshelpers.book.assets import ensure_mathjax, write_data_flow_figure
from glasshelpers.book.errors import BookBuildError
from glasshelpers.book.headline import headline_markdown
from glasshelpers.book.lab import lab_markdown, lab_results_dir
from glasshelpers.book.notebooks import copy_notebooks, expected_notebooks, missing_notebooks, simulation_titles
from glasshelpers.book.overview import simulation_overview_markdown
from glasshelpers.book.shelfpage import shelf_markdown
from glasshelpers.book.tablespage import tables_page
from glasshelpers.book.pages import costs_markdown, paper_vs_ours_markdown

#: The folder that holds the package ``glasshelpers`` this module belongs to.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]


def run_jupyter_book(root: os.PathLike, strict: bool = True) -> subprocess.CompletedProcess:
    """``jupyter-book build <root> --all [-W -n --keep-going]`` with this interpreter.

    ``--all`` rebuilds every page: an incremental Sphinx build after switching profiles
    keeps stale pages (e.g. a bibliography whose citation ids no longer match). The API
    reference (``book/api.md``) imports ``glasshelpers``: the folder that holds this copy
    of the package goes first on ``PYTHONPATH``, so the book documents the code that
    builds it, not another installed copy."""
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root), "--all"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_PARENT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def external_mathjax(html_dir: os.PathLike) -> list[str]:
    """HTML files that load MathJax from anywhere but the book itself."""
    bad = []
    for page in Path(html_dir).rglob("*.html"):
        text = page.read_text(errors="replace")
        for line in text.splitlines():
            remote = "http://" in line or "https://" in line or "//cdn" in line
            if "mathjax" in line.lower() and "<script" in line and remote:
                bad.append(str(page))
                break
    return bad


def local_path_leaks(html_dir: os.PathLike, paths) -> list[str]:
    """``page: what`` for every HTML page that shows one of ``paths`` (absolute local
    folders, e.g. the data and source roots) or the repr of a ``PosixPath`` or ``WindowsPath``."""
    needles = sorted({str(Path(p).resolve()) for p in paths} | {str(Path(p)) for p in paths}, key=len, reverse=True)
    needles = [n for n in needles if len(n) > 1]
    found = []
    for page in sorted(Path(html_dir).rglob("*.html")):
        if page.relative_to(html_dir).parts[0] == "_static":
            continue
        text = page.read_text(errors="replace")
        rel = page.relative_to(html_dir).as_posix()
        for needle in needles:
            if needle in text:
                found.append(f"{rel}: {needle}")
                break
        for rep in ("PosixPath(", "WindowsPath("):
            if rep in text:
                found.append(f"{rel}: {rep}")
    return found


def stage_sources(src_root: os.PathLike, dest: os.PathLike) -> Path:
    """Copy the book's sources (``_config.yml``, ``_toc.yml``, ``book/`` without generated
    files) into ``dest``, a private build root, replacing what was there."""
    src_root, dest = Path(src_root), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for item in ("_config.yml", "_toc.yml"):
        shutil.copy2(src_root / item, dest / item)
    shutil.copytree(src_root / "book", dest / "book",
                    ignore=shutil.ignore_patterns("generated", "_build", "mathjax", ".ipynb_checkpoints"))
    return dest


def publish_html(built: os.PathLike, build_dir: os.PathLike, profile_name: str) -> Path:
    """Move a finished ``html`` folder to ``<build_dir>/<profile>/html`` and point the
    ``<build_dir>/html`` link at it; each step is a rename, so a reader never sees a
    half-copied book and two profiles' builds never write the same folder."""
    build_dir = Path(build_dir)
    final = build_dir / profile_name / "html"
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name("html.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    shutil.move(os.fspath(built), os.fspath(final))
    shutil.rmtree(old, ignore_errors=True)
    link = build_dir / "html"
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)           # a real folder left by an older version
    tmp = build_dir / f".html.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path(profile_name) / "html")
    os.replace(tmp, link)
    return final


def write_generated(prof: Profile, pdir: Path, gen: Path, log=print) -> None:
    """Fill ``gen`` (``book/generated/``, emptied first) from the profile data folder
    ``pdir``: the prepared notebooks, the generated pages and the data-flow figure."""
    from glasshelpers.pipeline.profiles import load_profile
    from glasshelpers.pipeline.provenance import code_version

    name, nb_dir = prof.name, pdir / "notebooks"
    if gen.exists():
        shutil.rmtree(gen)
    gen.mkdir(parents=True)
    titles = simulation_titles(prof)
    names = expected_notebooks(prof.temperatures)
    copy_notebooks(nb_dir, gen, names, name, code_version(), titles=titles)
    log(f"copied {len(names)} executed notebooks into {gen}")
    results, figures = pdir / "results", pdir / "figures"
    (gen / "headline.md").write_text(headline_markdown(prof, results, figures, gen / "headline"))
    (gen / "simulation_overview.md").write_text(
        simulation_overview_markdown(results, prof.temperatures, gen / "overview", titles))
    (gen / "shelf.md").write_text(shelf_markdown(gen / "shelf"))
    (gen / "result_tables.md").write_text(tables_page())
    (gen / "costs.md").write_text(costs_markdown({n: json.loads((nb_dir / n).read_text()) for n in names}))
    write_data_flow_figure(gen / "data_flow.png")
    (gen / "paper_vs_ours_body.md").write_text(paper_vs_ours_markdown(name, results, figures, gen / "compare"))
    lab_dir, lab_name = lab_results_dir(prof, pdir)
    (gen / "lab_body.md").write_text(lab_markdown(prof if lab_name == name else load_profile(lab_name), lab_dir))


def check_html(html: Path, forbidden, strict: bool = True) -> None:
    """Refuse a built book that loads MathJax from outside or (if ``strict``) shows local paths."""
    bad = external_mathjax(html)
    if bad:
        raise BookBuildError(f"pages load MathJax from outside the book: {bad[:5]}")
    leaks = local_path_leaks(html, forbidden)
    if leaks and strict:
        raise BookBuildError("pages show local paths or Path objects (fix the notebook outputs):\n  "
                             + "\n  ".join(leaks[:20]))


def builder_failure(proc: subprocess.CompletedProcess, log_path: Path) -> str:
    """One line for a failed jupyter-book run: its first warning or error and where its
    whole output went (``log_path``; the output's last lines if that cannot be written)."""
    out = proc.stdout + proc.stderr
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    first = next((ln for ln in lines if "WARNING" in ln or "ERROR" in ln or "Error" in ln), lines[-1] if lines else "")
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(out)
        where = f"full log: {log_path}"
    except OSError as exc:
        where = f"its log could not be written ({exc.strerror}); last lines: {' | '.join(lines[-5:])}"
    return f"jupyter-book build failed (exit {proc.returncode}): {first[:300]} ({where})"


class BookInputsMissing(BookBuildError):
    """The book's notebooks, results or figures are missing or damaged (exit status 5)."""

    exit_status = 5


def check_inputs(prof: Profile, pdir: Path, allow_partial: bool = False, verify: bool = False, log=print) -> None:
    """Refuse, in one line, a book whose products are damaged or (unless ``allow_partial``)
    missing; see :func:`build`."""
    from glasshelpers.pipeline.inventory import _listing, book_problems

    name = prof.name
    missing, damaged = book_problems(prof, pdir, full=verify)
    if damaged:
        raise BookInputsMissing(
            f"{len(damaged)} product(s) the book needs are damaged: {_listing(damaged)}; run make workflow "
            f"PROFILE={name}, which moves them aside and recomputes them")
    if missing and not allow_partial:
        raise BookInputsMissing(
            f"{len(missing)} product(s) the book needs are missing for profile {name} "
            f"({_listing(missing)}): run make workflow PROFILE={name} first, or build a partial book "
            "for debugging with --allow-partial")
    if missing:
        log(f"building a PARTIAL book: {len(missing)} product(s) missing ({_listing(missing)})")


def build(profile: str, root: os.PathLike = REPO_ROOT, data_dir: os.PathLike | None = None,
          strict: bool = True, log=print, stage: bool | None = None, allow_partial: bool = False,
          verify: bool = False) -> Path:
    """Build the book for ``profile``; return the path of its ``index.html``.

    With the default ``root`` (this checkout) the sources are staged into the profile's
    data folder (``paths.book_stage``) and built there, and the HTML lands in
    ``_build/<profile>/html`` with ``_build/html`` linking to the latest build: two
    profiles can build at the same time. With another ``root`` the book is built in
    place under ``<root>/_build/html``.

    Before anything is built, every product the book reads (each executed notebook and
    every result and figure the registry declares) must be there and match its integrity
    record (size; SHA-256 after a change of mtime, or always with ``verify``): a damaged
    one refuses the build (status 5), and so does a missing one unless ``allow_partial``
    (a debugging copy whose comparison chapter lists what is missing).
    """
    from glasshelpers.pipeline import matching, paths
    from glasshelpers.pipeline.profiles import load_profile

    t0 = time.time()
    prof = load_profile(profile)
    name, root = prof.name, Path(root)
    stage = (root.resolve() == Path(REPO_ROOT).resolve()) if stage is None else stage
    pdir = Path(data_dir) if data_dir else paths.profile_root(prof)
    matching.check_folder(prof, pdir)        # another profile's products: one line, status 6
    publish_to = None
    if stage:
        publish_to = root / "_build"
        root = stage_sources(root, Path(data_dir) / ".book" if data_dir else paths.book_stage(prof))
    missing = missing_notebooks(pdir / "notebooks", prof.temperatures)
    if missing:
        raise BookInputsMissing(
            f"{len(missing)} executed notebook(s) missing in {pdir / 'notebooks'}: {', '.join(missing)}; "
            f"run the workflow first: make workflow PROFILE={name}")
    check_inputs(prof, pdir, allow_partial, verify, log)
    write_generated(prof, pdir, root / "book" / "generated", log)
    ensure_mathjax(root / "book" / "_static")
    log("running jupyter-book build (strict: -W -n --keep-going) ...")
    proc = run_jupyter_book(root, strict=strict)
    if proc.returncode != 0:
        raise BookBuildError(builder_failure(proc, pdir / "logs" / "book.log"))
    html = root / "_build" / "html"
    check_html(html, [pdir, root, paths.data_root()], strict)
    if publish_to is not None:
        html = publish_html(html, publish_to, name)
    index = html / "index.html"
    log(f"book built in {time.time() - t0:.0f} s: {index}")
    log(f"open it with:  python -m http.server -d {html} 8000   then browse http://127.0.0.1:8000/")
    return index
