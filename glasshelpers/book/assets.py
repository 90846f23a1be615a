"""Files the book serves besides its pages: MathJax and the data-flow figure.

MathJax 3 is served from the book itself (``book/_static/mathjax/``): the npm package
``mathjax`` is fetched once with ``npm pack``, checked against npm's integrity hash,
cached (``$GLASSBOOK_CACHE``, else ``~/.cache/glassbook``) and only the parts the CHTML
TeX component loads are unpacked. The landing page's data-flow diagram is drawn by
:func:`glasshelpers.figures.diagram.data_flow_diagram`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from glasshelpers.book.errors import BookBuildError

MATHJAX_VERSION = "3.2.2"
# npm's dist.integrity for mathjax@3.2.2 (checked after every download).
MATHJAX_INTEGRITY = ("sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/"
                     "FEsPsjKPZGJvtRZM1vO+geW0OhGw==")
MATHJAX_ENTRY = "tex-mml-chtml.js"
# What the CHTML TeX component loads at run time: fonts, autoloaded TeX extensions,
# the menu and the assistive-MathML module the menu switches on by default.
_MATHJAX_KEEP = (
    f"es5/{MATHJAX_ENTRY}",
    "es5/output/chtml/fonts/woff-v2/",
    "es5/input/tex/extensions/",
    "es5/a11y/",
    "es5/ui/",
    "LICENSE",
)


def write_data_flow_figure(path: os.PathLike) -> Path:
    """Save ``figures.data_flow_diagram()`` as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glasshelpers.figures import data_flow_diagram

    fig = data_flow_diagram()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def cache_dir() -> Path:
    """Download cache: $GLASSBOOK_CACHE, else $XDG_CACHE_HOME/glassbook, else ~/.cache/glassbook."""
    if os.environ.get("GLASSBOOK_CACHE"):
        return Path(os.environ["GLASSBOOK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "glassbook"


def _integrity_ok(tarball: Path) -> bool:
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode() == MATHJAX_INTEGRITY


def fetch_mathjax_tarball(cache: os.PathLike | None = None) -> Path:
    """The npm tarball of MathJax, downloaded once with ``npm pack`` and cached."""
    cache = Path(cache) if cache else cache_dir()
    tarball = cache / f"mathjax-{MATHJAX_VERSION}.tgz"
    if tarball.is_file() and _integrity_ok(tarball):
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise BookBuildError(
            f"MathJax is served locally and is not cached yet: install npm (Debian: apt-get install npm) "
            f"or put the npm tarball mathjax-{MATHJAX_VERSION}.tgz into {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        proc = subprocess.run([npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent"], cwd=tmp,
                              capture_output=True, text=True)
        got = Path(tmp) / f"mathjax-{MATHJAX_VERSION}.tgz"
        if proc.returncode != 0 or not got.is_file():
            raise BookBuildError(f"npm pack mathjax@{MATHJAX_VERSION} failed:\n{proc.stderr}")
        if not _integrity_ok(got):
            raise BookBuildError(f"downloaded mathjax-{MATHJAX_VERSION}.tgz does not match npm's integrity hash")
        os.replace(got, tarball)
    return tarball


def _unpack_mathjax(tarball: Path, dest: Path) -> None:
    """Extract the kept parts of the npm tarball into ``dest`` (``es5/`` prefix dropped)."""
    with tarfile.open(tarball) as tf:
        for member in tf.getmembers():
            rel = member.name.removeprefix("package/")
            if not member.isfile() or not rel.startswith(_MATHJAX_KEEP):
                continue
            out_path = dest / rel.removeprefix("es5/")
            out_path.parent.mkdir(parents=True, exist_ok=True)
            with tf.extractfile(member) as src, open(out_path, "wb") as out:
                shutil.copyfileobj(src, out)


def ensure_mathjax(static_dir: os.PathLike, cache: os.PathLike | None = None) -> Path:
    """Unpack what the book needs of MathJax into ``<static_dir>/mathjax`` (once)."""
    target = Path(static_dir) / "mathjax"
    stamp = target / ".version"
    if stamp.is_file() and stamp.read_text().strip() == MATHJAX_VERSION and (target / MATHJAX_ENTRY).is_file():
        return target / MATHJAX_ENTRY
    tarball = fetch_mathjax_tarball(cache)
    Path(static_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".mathjax.", dir=static_dir))
    try:
        _unpack_mathjax(tarball, tmp)
        (tmp / ".version").write_text(MATHJAX_VERSION + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target / MATHJAX_ENTRY
