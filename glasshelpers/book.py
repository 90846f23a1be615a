"""Assemble the HTML book from executed notebooks.

Usage::

    python -m glasshelpers.book build --profile demo

The workflow (Snakemake driving papermill) leaves executed notebooks in
``data/<profile>/notebooks/`` (``01_simulation_T0.450.ipynb`` once per temperature,
``02_features.ipynb`` ... ``07_appendix.ipynb`` once per profile). This module

1. checks that every expected executed notebook is there (naming the missing ones);
2. copies them into ``book/generated/``, where each copy gets papermill's injected
   parameters cell hidden (found by its ``injected-parameters`` tag, never by position)
   and a small provenance box (profile, parameters, code version) near the top; a
   notebook holding an error output fails the build;
3. draws the data-flow diagram of the landing page and writes the body of the
   "Paper vs. this reproduction" chapter from ``data/<profile>/results/*.csv``;
4. makes sure MathJax 3 is served from the book itself (``book/_static/mathjax/``,
   unpacked from the npm package ``mathjax``, tarball cached in ``~/.cache/glassbook``);
5. runs ``jupyter-book build . -W -n --keep-going`` (any warning fails) and prints where
   the book is and how to open it.

Notebook transformations are pure functions on notebook dicts (nbformat JSON), so they
are unit-tested without a build.

Results convention for the comparison chapter: ``data/<profile>/results/<key>.csv`` and
optionally ``data/<profile>/figures/<key>.png`` for key in ``fig1`` ... ``fig9``,
``table1``. A CSV with a ``verdict`` column contributes its verdicts to the summary
table; any CSV is shown (first rows) under its figure.
"""

from __future__ import annotations

import argparse
import base64
import copy
import csv
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

from .figures import PAPER_TABLE1

REPO_ROOT = Path(__file__).resolve().parents[1]

PER_TEMPERATURE_STEM = "01_simulation"
STAGE_STEMS = (
    "02_features",
    "03_labels",
    "04_fluid_classification",
    "05_transfer_learning",
    "06_kramers",
    "07_appendix",
)

INJECTED_TAG = "injected-parameters"      # papermill's cell with the -p values
PARAMETERS_TAG = "parameters"             # the notebook's own defaults
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
PROVENANCE_TAG = "glassbook-provenance"

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


class BookBuildError(RuntimeError):
    """The book cannot be built (missing inputs, failed notebooks, build warnings)."""


# --------------------------------------------------------------------------------------
# Which notebooks a profile needs
# --------------------------------------------------------------------------------------

def expected_notebooks(temperatures) -> list[str]:
    """File names of the executed notebooks a profile with these temperatures produces."""
    from .profiles import temperature_tag

    names = [f"{PER_TEMPERATURE_STEM}_{temperature_tag(T)}.ipynb" for T in sorted(temperatures)]
    return names + [f"{stem}.ipynb" for stem in STAGE_STEMS]


def missing_notebooks(nb_dir: os.PathLike, temperatures) -> list[str]:
    nb_dir = Path(nb_dir)
    return [name for name in expected_notebooks(temperatures) if not (nb_dir / name).is_file()]


# --------------------------------------------------------------------------------------
# Pure notebook transformations (dict in, new dict out)
# --------------------------------------------------------------------------------------

def _tags(cell: dict) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _add_tags(cell: dict, *tags: str) -> None:
    meta = cell.setdefault("metadata", {})
    have = meta.setdefault("tags", [])
    for tag in tags:
        if tag not in have:
            have.append(tag)


def hide_parameter_cells(nb: dict) -> dict:
    """Return a copy of ``nb`` whose parameter cells are hidden on the rendered page.

    Papermill's injected cell (tag ``injected-parameters``) is removed from the page
    (``remove-cell``); the notebook's default ``parameters`` cell keeps a collapsed
    input (``hide-input``). Cells are found by tag, wherever they are.
    """
    out = copy.deepcopy(nb)
    for cell in out.get("cells", []):
        tags = _tags(cell)
        if INJECTED_TAG in tags:
            _add_tags(cell, "remove-cell")
        elif PARAMETERS_TAG in tags:
            _add_tags(cell, "hide-input")
    return out


def papermill_parameters(nb: dict) -> dict:
    """The parameters papermill injected (``metadata.papermill.parameters``)."""
    return dict(nb.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {})


def _code(value) -> str:
    text = repr(value).replace("`", "'")
    return f"`{text}`"


def _cli_value(key: str, value) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return f"-p {key} {shlex.quote(str(value))}"
    return "-y " + shlex.quote(f"{key}: {json.dumps(value)}")


def _cell_text(value) -> str:
    """A value for a Markdown table cell: inline code, pipes escaped."""
    return _code(value).replace("|", "\\|")


def rerun_command(source_name: str, params: dict) -> str:
    """The papermill command that re-runs a notebook with its recorded parameters;
    overrides (a mapping of dotted profile keys) are passed with ``-y``."""
    args = " ".join(_cli_value(k, v) for k, v in params.items() if not (k == "overrides" and not v))
    return f"papermill notebooks/{source_name} out.ipynb {args}".rstrip()


def provenance_markdown(nb: dict, profile: str, code_version: str, source_name: str | None = None) -> str:
    """Markdown of the provenance box: profile, parameters, overrides, code version, run time."""
    meta = nb.get("metadata", {})
    pm = meta.get("papermill", {}) or {}
    params = papermill_parameters(nb)
    overrides = params.get("overrides") or {}
    plain = {k: v for k, v in params.items() if k != "overrides"}
    recorded = (meta.get("glassbook") or {}).get("code_version")
    version = f"`{recorded}`" if recorded else f"`{code_version}` (the book build's; the run did not record its own)"
    lines = [":::{admonition} How this page was made", ":class: note", ""]
    when = ""
    if pm.get("end_time"):
        when = f" · executed {pm['end_time'][:19].replace('T', ' ')} UTC"
        if pm.get("duration") is not None:
            when += f" in {float(pm['duration']):.0f} s"
    changed = ""
    if overrides:
        n = len(overrides)
        changed = f" with {n} value{'s' if n > 1 else ''} changed from its file (overrides below)"
    lines.append(f"Profile **`{profile}`**{changed} · code version {version}{when}.")
    lines.append("")
    if plain:
        lines += ["| parameter | value |", "|---|---|"]
        lines += [f"| `{k}` | {_cell_text(v)} |" for k, v in plain.items()]
        lines.append("")
    if overrides:
        lines += ["| profile key (override) | value |", "|---|---|"]
        lines += [f"| `{k}` | {_cell_text(v)} |" for k, v in overrides.items()]
        lines.append("")
    if params:
        if source_name:
            lines.append(f"Papermill injected these values (its cell is hidden below). "
                         f"To re-run: `{rerun_command(source_name, params)}`; "
                         "see {doc}`/book/rerun`.")
    else:
        lines.append("No papermill parameters recorded: the notebook's defaults were used.")
    lines.append(":::")
    return "\n".join(lines)


def add_provenance_cell(nb: dict, profile: str, code_version: str, source_name: str | None = None) -> dict:
    """Return a copy with a provenance markdown cell near the top.

    It goes right after the title cell when the first cell is a markdown cell opening
    with a level-1 heading (so the page title stays the notebook's), else first.
    Any earlier provenance cell (tag ``glassbook-provenance``) is replaced.
    """
    out = copy.deepcopy(nb)
    cells = [c for c in out.get("cells", []) if PROVENANCE_TAG not in _tags(c)]
    cell = {
        "cell_type": "markdown",
        "id": "glassbook-provenance",
        "metadata": {"tags": [PROVENANCE_TAG]},
        "source": provenance_markdown(out, profile, code_version, source_name),
    }
    first = cells[0] if cells else None
    at = 0
    if first is not None and first.get("cell_type") == "markdown":
        src = first.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        if src.lstrip().startswith("# "):
            at = 1
    cells.insert(at, cell)
    out["cells"] = cells
    return out


def error_outputs(nb: dict) -> list[str]:
    """Human-readable descriptions of every sign that the notebook failed.

    Error outputs, papermill's exception flag, its error-cell tag, and cells papermill
    marked failed or never ran. An empty list means the notebook ran cleanly.
    """
    problems = []
    if (nb.get("metadata", {}).get("papermill", {}) or {}).get("exception"):
        problems.append("papermill recorded an exception for this notebook")
    for i, cell in enumerate(nb.get("cells", [])):
        if PAPERMILL_ERROR_TAG in _tags(cell):
            problems.append(f"cell {i}: papermill error banner")
        status = (cell.get("metadata", {}).get("papermill", {}) or {}).get("status")
        if cell.get("cell_type") == "code" and status in ("failed", "pending", "running"):
            problems.append(f"cell {i}: papermill status {status!r}")
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename', 'Error')}: {out.get('evalue', '')}".rstrip(": "))
    return problems


def prepare_notebook(nb: dict, profile: str, code_version: str, source_name: str | None = None) -> dict:
    """Everything the book does to an executed notebook (raises on error outputs)."""
    problems = error_outputs(nb)
    if problems:
        raise BookBuildError("notebook has errors: " + "; ".join(problems))
    return add_provenance_cell(hide_parameter_cells(nb), profile, code_version, source_name)


def temperature_regime(T: float) -> str:
    """A reader's word for where T lies for the Kob-Andersen mixture (onset near 0.8-1.0)."""
    T = float(T)
    if T < 0.8:
        return "supercooled"
    if T < 1.0:
        return "near the onset"
    return "normal liquid"


def simulation_page_title(T: float, production_tau: float) -> str:
    """Title of a per-temperature simulation page, e.g. ``T = 0.45: supercooled, 600 τ``."""
    return f"T = {float(T):g}: {temperature_regime(T)}, {float(production_tau):g} τ"


def retitle(nb: dict, title: str) -> dict:
    """Return a copy whose page title (the first level-1 heading of the first markdown
    cell) is ``title``; the old title becomes the first line under it, in italics.
    Raises BookBuildError if the notebook has no such heading."""
    out = copy.deepcopy(nb)
    for cell in out.get("cells", []):
        if cell.get("cell_type") != "markdown" or PROVENANCE_TAG in _tags(cell):
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        lines = src.split("\n")
        for i, line in enumerate(lines):
            if line.startswith("# "):
                old = line[2:].strip()
                lines[i:i + 1] = [f"# {title}", "", f"*{old}*"]
                cell["source"] = "\n".join(lines)
                return out
        break
    raise BookBuildError(f"cannot retitle a notebook without a '# ' heading in its first markdown cell ({title!r})")


def simulation_titles(profile: dict) -> dict:
    """Executed simulation notebook name -> page title, for every temperature of ``profile``."""
    from .profiles import production_time, temperature_tag

    return {f"{PER_TEMPERATURE_STEM}_{temperature_tag(T)}.ipynb": simulation_page_title(T, production_time(profile, T))
            for T in profile["temperatures"]}


def source_notebook_name(executed_name: str) -> str:
    """``01_simulation_T0.450.ipynb`` -> ``01_simulation.ipynb`` (others unchanged)."""
    if executed_name.startswith(PER_TEMPERATURE_STEM + "_T"):
        return PER_TEMPERATURE_STEM + ".ipynb"
    return executed_name


# --------------------------------------------------------------------------------------
# Steps with side effects
# --------------------------------------------------------------------------------------

def copy_notebooks(nb_dir: os.PathLike, dest: os.PathLike, names, profile: str, code_version: str,
                   titles: dict | None = None) -> list[Path]:
    """Prepare and write each executed notebook into ``dest``; fail listing every bad one.

    ``titles`` maps a file name to the page title it should get (``retitle``)."""
    nb_dir, dest = Path(nb_dir), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written, failures = [], []
    for name in names:
        with open(nb_dir / name) as fh:
            nb = json.load(fh)
        try:
            nb = prepare_notebook(nb, profile, code_version, source_notebook_name(name))
            if titles and name in titles:
                nb = retitle(nb, titles[name])
        except BookBuildError as err:
            failures.append(f"{nb_dir / name}: {err}")
            continue
        with open(dest / name, "w") as fh:
            json.dump(nb, fh, indent=1)
        written.append(dest / name)
    if failures:
        raise BookBuildError("failed notebooks fail the book:\n  " + "\n  ".join(failures))
    return written


def fallback_data_flow_diagram(ax=None):
    """A plain box-and-arrow sketch of the pipeline (used until figures.py draws one)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 3.2))
    fig = ax.figure
    boxes = {
        "md": (0.07, 0.5, "Kob-Andersen MD\ntrajectories, T = 0.45..2.0"),
        "feat": (0.28, 0.8, "structure features\n$G_A(r), G_B(r)$"),
        "phop": (0.28, 0.2, "dynamics labels\n$p_{hop}$ tails"),
        "svm": (0.50, 0.5, "linear SVMs\nsoftness $S$, fluidity $F^T$"),
        "x": (0.71, 0.5, "$x_\\alpha$ per particle\n$P_R(x_\\alpha, T)$"),
        "kr": (0.92, 0.5, "Kramers fits\n$\\Delta E, \\Sigma, T_0$"),
    }
    artists = {key: ax.text(x, y, text, ha="center", va="center", fontsize=9,
                            bbox=dict(boxstyle="round,pad=0.4", fc="#eef3fa", ec="#35608f"))
               for key, (x, y, text) in boxes.items()}
    for a, b in [("md", "feat"), ("md", "phop"), ("feat", "svm"), ("phop", "svm"), ("svm", "x"), ("x", "kr")]:
        ax.annotate("", xy=boxes[b][:2], xytext=boxes[a][:2],
                    arrowprops=dict(arrowstyle="->", color="#35608f", shrinkA=4, shrinkB=4,
                                    patchA=artists[a].get_bbox_patch(), patchB=artists[b].get_bbox_patch()))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    return fig


def write_data_flow_figure(path: os.PathLike) -> Path:
    """Save ``figures.data_flow_diagram()`` (or the fallback sketch) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        from .figures import data_flow_diagram
    except ImportError:
        data_flow_diagram = fallback_data_flow_diagram
    fig = data_flow_diagram()
    if not hasattr(fig, "savefig"):      # an Axes came back
        fig = fig.figure
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
        with tarfile.open(tarball) as tf:
            for member in tf.getmembers():
                rel = member.name.removeprefix("package/")
                if not member.isfile() or not rel.startswith(_MATHJAX_KEEP):
                    continue
                rel = rel.removeprefix("es5/")
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tf.extractfile(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
        (tmp / ".version").write_text(MATHJAX_VERSION + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target / MATHJAX_ENTRY


# --------------------------------------------------------------------------------------
# "Paper vs. this reproduction": body generated from results CSVs
# --------------------------------------------------------------------------------------

# The paper's claims, in our words, and the stage page (under book/generated/) that draws each.
COMPARISONS = [
    dict(key="fig1", title="Figure 1: fluid-phase classifiers at their training temperatures",
         claim="Linear SVMs trained on the two p_hop tails at T = 1.0 to 2.0 classify their own "
               "training sets well (five-fold CV), best near zero bias shift; the T = 0.45 softness "
               "classifier also separates those sets but only after a large bias shift.",
         page="04_fluid_classification"),
    dict(key="fig2", title="Figure 2: transfer to the supercooled test set",
         claim="The same fluid-phase classifiers keep substantial accuracy on the T = 0.47 "
               "rearranging/non-rearranging test set once their bias is re-optimised; the van Hove "
               "self part at dt = 10 changes from Gaussian (hot) to hop-dominated (cold).",
         page="05_transfer_learning"),
    dict(key="fig3", title="Figure 3: rearrangement probability by fluidity and by softness",
         claim="Binning particles by F^2.0 (or by S), ln P_R is close to linear in 1/T at low T for "
               "every bin (Kramers form), with bin-dependent slopes.",
         page="06_kramers"),
    dict(key="fig4", title="Figure 4: collapse of barriers across classifiers",
         claim="Delta_E and Sigma as functions of the rescaled distance x_alpha nearly coincide for "
               "all training temperatures and for softness.",
         page="06_kramers"),
    dict(key="fig5", title="Figure 5: fluidity distributions across test temperatures",
         claim="For classifiers trained at 1.2 and 2.0 the fluidity distribution at each temperature "
               "is close to Gaussian and its mean moves monotonically with T.",
         page="04_fluid_classification"),
    dict(key="fig6", title="Figure 6: dependence on C and on the tail fraction",
         claim="At T = 1.2 the accuracy depends only weakly on the misclassification penalty C and on "
               "the tail fraction used to define extreme events.",
         page="07_appendix"),
    dict(key="fig7", title="Figure 7: bias scans for three tail fractions",
         claim="At T = 1.2 and C = 0.01 the accuracy-vs-bias curves for three tail fractions are "
               "similar; more extreme tails are slightly easier.",
         page="07_appendix"),
    dict(key="fig8", title="Figure 8: control with immobile vs random particles",
         claim="A classifier of low-tail particles against random particles (trained at 1.2, tested "
               "at 0.47) is clearly worse than the two-tail fluidity classifier; labels from the "
               "cumulative displacement instead of p_hop give the same transfer (text).",
         page="07_appendix"),
    dict(key="fig9", title="Figure 9: Kramers fits by x_alpha for every classifier",
         claim="P_R against 1/T in bins of x_alpha follows the Kramers form for every classifier, and "
               "the lines of every classifier meet at one onset temperature (near the literature value).",
         page="06_kramers"),
    dict(key="table1", title="Table I: per-classifier numbers",
         claim="Training bias b, fluidity/softness spread sigma_T, transfer-optimal bias b_best and "
               "the overlap of each classifier's normal with the softness normal.",
         page="05_transfer_learning"),
]

#: The three verdicts (glasshelpers.verdicts) and the sphinx-design badge colour of each.
VERDICT_BADGES = {"agrees": "bdg-success", "disagrees": "bdg-danger", "inconclusive": "bdg-warning"}


def verdict_counts(words) -> dict:
    """Counts of agrees / disagrees / inconclusive among verdict strings (a note in
    parentheses after the word is allowed); anything else counts as ``other``."""
    out = {k: 0 for k in VERDICT_BADGES}
    out["other"] = 0
    for w in words:
        w = str(w).strip()
        key = next((k for k in VERDICT_BADGES if w == k or w.startswith(k + " ")), "other")
        out[key] += 1
    return out


def badges_markdown(counts: dict) -> str:
    """Coloured badges ``{bdg-success}`3 agrees```... for non-zero counts."""
    parts = [f"{{{VERDICT_BADGES[k]}}}`{counts[k]} {k}`" for k in VERDICT_BADGES if counts.get(k)]
    if counts.get("other"):
        parts.append(f"{{bdg-secondary}}`{counts['other']} other`")
    return " ".join(parts) if parts else "{bdg-secondary}`no verdict`"


def _md_cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _csv_table(path: Path, max_rows: int = 25) -> tuple[str, list[str]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return "*(the file is empty)*", []
    header, body = rows[0], rows[1:]
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in body[:max_rows]]
    if len(body) > max_rows:
        lines.append(f"\n*({len(body) - max_rows} more rows in `{path.name}`)*")
    verdicts = []
    if "verdict" in header:
        i = header.index("verdict")
        verdicts = [row[i] for row in body if len(row) > i and row[i]]
    return "\n".join(lines), verdicts


def paper_vs_ours_markdown(profile: str, results_dir: os.PathLike, figures_dir: os.PathLike,
                           image_dir: os.PathLike | None = None) -> str:
    """Body of the comparison chapter; copies found figures into ``image_dir``.

    Every verdict in the results CSVs was computed from our intervals (agrees /
    disagrees / inconclusive, :mod:`glasshelpers.verdicts`); the summary counts them,
    overall and per item, with coloured badges, and each item links to the stage page
    that draws it. Nothing here depends on the profile's name."""
    results_dir, figures_dir = Path(results_dir), Path(figures_dir)
    summary = ["| item | drawn in | verdicts |", "|---|---|---|"]
    total = {k: 0 for k in (*VERDICT_BADGES, "other")}
    sections = []
    for item in COMPARISONS:
        key = item["key"]
        csv_path = results_dir / f"{key}.csv"
        fig_path = figures_dir / f"{key}.png"
        page = f"{{doc}}`/book/generated/{item['page']}`"
        parts = [f"({key}-compare)=", f"## {item['title']}", "",
                 f"**The paper's claim (our paraphrase):** {item['claim']}", "",
                 f"Computed and drawn in {page}.", ""]
        if key == "table1":
            parts += ["**The paper's values:**", "",
                      "| T | b | sigma_T | b_best | w_S . w_alpha |", "|---|---|---|---|---|"]
            parts += ["| " + " | ".join(f"{v:g}" for v in row) + " |" for row in PAPER_TABLE1]
            parts.append("")
        if image_dir is not None and fig_path.is_file():
            Path(image_dir).mkdir(parents=True, exist_ok=True)
            shutil.copy2(fig_path, Path(image_dir) / fig_path.name)
            parts += [f"```{{figure}} /book/generated/{Path(image_dir).name}/{fig_path.name}", f":name: {key}-ours",
                      ":width: 90%", "", f"Ours ({profile} profile).", "```", ""]
        if csv_path.is_file():
            table, words = _csv_table(csv_path)
            c = verdict_counts(words)
            parts += [f"**Verdicts:** {badges_markdown(c)}", "",
                      f"**Our numbers** (`results/{key}.csv`, {profile} profile):", "", table, ""]
            cell = badges_markdown(c)
            for k in total:
                total[k] += c[k]
        else:
            parts += [f"**Missing:** no `results/{key}.csv` for the `{profile}` profile yet, so there "
                      "is nothing of ours to compare with this item.", ""]
            cell = "{bdg-secondary}`missing`"
        summary.append(f"| {{ref}}`{key} <{key}-compare>` | {page} | {cell} |")
        sections.append("\n".join(parts))
    head = [f"Profile: **`{profile}`**. Results are read from `data/{profile}/results/`.", "",
            "Each verdict is computed from our 95 % block-bootstrap intervals: *agrees* (the paper's value "
            "or claim is consistent with our interval), *disagrees* (our interval excludes it), "
            "*inconclusive* (our interval is too wide to tell). The rule and resolution are stated in "
            "each claim.", "",
            f"**All items:** {badges_markdown(total)}", "", *summary, ""]
    return "\n".join(head) + "\n" + "\n\n".join(sections) + "\n"


def simulation_overview_markdown(results_dir: os.PathLike, temperatures, image_dir: os.PathLike,
                                 titles: dict | None = None) -> str:
    """The simulation chapter's overview: one table across temperatures and one figure.

    Reads ``results/sim_<tag>_summary.csv`` (T, U_per_N, pressure, T_kin,
    production_time, wall_time_s) and ``results/sim_<tag>_curves.csv`` (curve g_AA or
    msd_A, x, y) written by the simulation notebook; draws the overlay of g_AA(r) and the
    MSD into ``image_dir/sim_overview.png``. Temperatures without a summary are listed as
    missing rather than dropped silently.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from .profiles import temperature_tag
    from .simfigures import temperature_overview_figure
    from .tables import format_value

    results_dir, image_dir = Path(results_dir), Path(image_dir)
    rows, missing, rdfs, msds = [], [], {}, {}
    for T in sorted(float(t) for t in temperatures):
        tag = temperature_tag(T)
        summary, curves = results_dir / f"sim_{tag}_summary.csv", results_dir / f"sim_{tag}_curves.csv"
        page = f"{PER_TEMPERATURE_STEM}_{tag}"
        if not summary.is_file():
            missing.append(f"{T:g}")
            continue
        r = pd.read_csv(summary).iloc[0]
        text = (titles or {}).get(page + ".ipynb", f"T = {T:g}")
        rows.append(f"| {T:g} | {format_value(r['U_per_N'])} | {format_value(r['pressure'])} "
                    f"| {format_value(r['T_kin'])} | {format_value(r['production_time'])} "
                    f"| {_duration(float(r['wall_time_s']))} | {{doc}}`{_md_cell(text)} </book/generated/{page}>` |")
        if curves.is_file():
            c = pd.read_csv(curves)
            g, m = c[c["curve"] == "g_AA"], c[c["curve"] == "msd_A"]
            if len(g):
                rdfs[T] = (g["x"].to_numpy(), g["y"].to_numpy())
            if len(m):
                msds[T] = (m["x"].to_numpy(), m["y"].to_numpy())
    parts = []
    if rows:
        parts += ["| T | U/N | pressure | T_kin | production (τ) | wall time | page |",
                  "|---|---|---|---|---|---|---|", *rows, ""]
        parts += ["Averages over each production run: potential energy per particle $U/N$ "
                  "($\\epsilon$), pressure ($\\epsilon/\\sigma_{AA}^3$) and kinetic temperature; "
                  "wall time of the run on the machine that made it.", ""]
    if missing:
        parts += [f"**Missing:** no simulation summary for T = {', '.join(missing)} "
                  "(`results/sim_<T>_summary.csv`); re-run those simulation notebooks.", ""]
    if rdfs or msds:
        image_dir.mkdir(parents=True, exist_ok=True)
        fig = temperature_overview_figure(rdfs, msds)
        fig.savefig(image_dir / "sim_overview.png", dpi=110)
        plt.close(fig)
        parts += [f"```{{figure}} /book/generated/{image_dir.name}/sim_overview.png", ":name: fig-sim-overview",
                  ":width: 100%", "",
                  "Every temperature at once: the A-A pair correlation of the last frame (left) and the "
                  "mean-squared displacement of A particles (right), blue for the coldest run, red for "
                  "the hottest.", "```", ""]
    return "\n".join(parts) + "\n"


VERDICT_WORDS = ("agrees", "disagrees", "inconclusive")


def count_verdicts(results_dir: os.PathLike, keys=None) -> dict:
    """Verdicts of the comparison items' CSVs counted by their first word.

    ``keys`` defaults to the comparison chapter's items (fig1 ... fig9, table1); rows
    without a verdict are not counted. Returns ``{"agrees": n, "disagrees": n,
    "inconclusive": n}``."""
    import pandas as pd

    counts = dict.fromkeys(VERDICT_WORDS, 0)
    for key in keys or [item["key"] for item in COMPARISONS]:
        path = Path(results_dir) / f"{key}.csv"
        if not path.is_file():
            continue
        df = pd.read_csv(path)
        if "verdict" not in df:
            continue
        for v in df["verdict"].dropna().astype(str):
            word = v.split()[0] if v.split() else ""
            if word in counts:
                counts[word] += 1
    return counts


def _ci(row, est, lo, hi, fmt="{:.2f}") -> str:
    text = fmt.format(row[est])
    if lo in row and hi in row and row[lo] == row[lo] and row[hi] == row[hi]:   # not NaN
        text += f" [{fmt.format(row[lo])}, {fmt.format(row[hi])}]"
    return text


def headline_markdown(profile: dict, results_dir: os.PathLike, figures_dir: os.PathLike,
                      image_dir: os.PathLike) -> str:
    """The landing page's opening: headline results with 68 % intervals, verdict counts
    and one key figure, all read from ``results/*.csv`` of the profile at build time.

    Items whose CSV is missing are named as missing; nothing is invented.
    """
    import pandas as pd

    results_dir, figures_dir, image_dir = Path(results_dir), Path(figures_dir), Path(image_dir)
    name = profile["name"]
    L, A = profile.get("labels", {}), profile.get("analysis", {})
    T_soft = float(L.get("softness_temperature", 0.45))
    T_test = float(L.get("test_temperature", 0.47))
    T_low = float(A.get("kramers_T_max_low", 0.8))
    items, missing = [], []

    def read(key):
        path = results_dir / f"{key}.csv"
        if path.is_file():
            return pd.read_csv(path)
        missing.append(f"`{key}.csv`")
        return None

    peaks = read("fig1_peaks")
    if peaks is not None:
        cv = peaks[peaks["panel"] == "fluidity CV"]
        if len(cv):
            top = cv.loc[cv["best_accuracy"].idxmax()]
            above = "accuracy_lo" in cv and bool((cv["accuracy_lo"] > 0.5).all())
            head = ("Structure predicts extreme motion in the hot liquid." if above
                    else "Classifying extreme motion in the hot liquid.")
            items.append(
                f"**{head}** Linear classifiers trained at "
                f"T = {cv['T'].min():g}-{cv['T'].max():g} tell the most from the least mobile particles "
                f"with cross-validated accuracies {cv['best_accuracy'].min():.2f}-{cv['best_accuracy'].max():.2f} "
                f"(chance 0.5); best {_ci(top, 'best_accuracy', 'accuracy_lo', 'accuracy_hi')} at T = {top['T']:g}.")
    t1 = read("table1_data")
    if t1 is not None and "best_accuracy" in t1:
        fl = t1[~np.isclose(t1["T"], T_soft)]
        own = t1[np.isclose(t1["T"], T_soft)]
        if len(fl):
            top = fl.loc[fl["best_accuracy"].idxmax()]
            above = "best_accuracy_lo" in fl and bool((fl["best_accuracy_lo"] > 0.5).all())
            head = "They transfer to the supercooled liquid." if above else "Transfer to the supercooled liquid."
            text = (f"**{head}** On rearranging vs quiet particles at "
                    f"T = {T_test:g}, the fluid-trained classifiers reach {fl['best_accuracy'].min():.2f}-"
                    f"{fl['best_accuracy'].max():.2f} once their bias is re-set; best "
                    f"{_ci(top, 'best_accuracy', 'best_accuracy_lo', 'best_accuracy_hi')} (trained at T = {top['T']:g})")
            if len(own):
                text += (f", against {_ci(own.iloc[0], 'best_accuracy', 'best_accuracy_lo', 'best_accuracy_hi')} "
                         f"for softness trained at T = {T_soft:g}")
            text += (f". Their normals overlap the softness normal by "
                     f"{fl['similarity'].min():.2f}-{fl['similarity'].max():.2f} (cosine).")
            items.append(text)
    fits = read("kramers_fits")
    if fits is not None and {"fit", "Delta_E", "x"} <= set(fits.columns):
        low = fits[fits["fit"].astype(str).str.startswith("T <")].dropna(subset=["Delta_E"])
        falls = []
        for Tt, f in low.groupby("T_train"):
            if len(f) >= 3:
                slope = np.polyfit(f["x"], f["Delta_E"], 1)[0]
                falls.append((Tt, slope))
        if falls:
            n_down = sum(sl < 0 for _, sl in falls)
            slopes = [sl for _, sl in falls]
            head = ("Their outputs encode energy barriers." if n_down == len(falls)
                    else "Energy barriers from the Kramers fits.")
            items.append(
                f"**{head}** Fitting the Kramers form to $P_R$ below "
                f"T = {T_low:g}, the barrier $\\Delta E$ falls as the classifier output $x_\\alpha$ grows for "
                f"{n_down} of {len(falls)} classifiers (slopes {min(slopes):.2f} to {max(slopes):.2f} per unit "
                f"of $x_\\alpha$).")
    on = read("onsets")
    if on is not None and {"T_onset", "fit"} <= set(on.columns):
        for label in (f"T < {T_low:g}", "all T"):
            sub = on[on["fit"].astype(str) == label].dropna(subset=["T_onset"])
            if len(sub):
                vals = "; ".join(f"{r['T_train']:g}: {_ci(r, 'T_onset', 'T_onset_lo', 'T_onset_hi')}"
                                 for _, r in sub.iterrows())
                items.append(f"**Onset temperature** where each classifier's Kramers lines meet "
                             f"(fits over {label}; by training T): {vals}. The paper puts it near 0.87.")
                break
    counts = count_verdicts(results_dir)
    lines = [f"Results of the **`{name}`** profile, read from its results files when this book was built:", ""]
    lines += [f"{k + 1}. {text}" for k, text in enumerate(items)]
    if not items:
        lines.append("*No results found: run the workflow for this profile first.*")
    lines.append("")
    total = sum(counts.values())
    if total:
        lines.append(f"Of the paper's claims checked in {{doc}}`/book/paper_vs_ours`: **{counts['agrees']} agree**, "
                     f"**{counts['disagrees']} disagree**, **{counts['inconclusive']} inconclusive** "
                     f"({total} verdicts).")
        lines.append("")
    if name == "tiny":
        lines += ["```{note}", "`tiny` is a smoke test: these numbers show that the pipeline runs, not the "
                  "physics. Build the `demo` or `paper` profile for results.", "```", ""]
    if missing:
        lines += [f"Not computed for this profile: {', '.join(missing)}.", ""]
    key_fig = figures_dir / "fig2.png"
    if key_fig.is_file():
        image_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(key_fig, image_dir / "headline_fig2.png")
        lines += [f"```{{figure}} /book/generated/{image_dir.name}/headline_fig2.png", ":name: fig-headline",
                  ":width: 85%", "",
                  f"The key result: classifiers trained in the hot liquid, applied unchanged (bias re-set) to "
                  f"the supercooled test set at T = {T_test:g}; accuracy against the bias shift from each "
                  f"optimum, 68 % bootstrap bands ({name} profile).", "```", ""]
    return "\n".join(lines) + "\n"


def costs_markdown(notebooks) -> str:
    """Table of papermill run times of executed notebooks (dicts keyed by file name)."""
    lines = ["| notebook | run time | executed (UTC) |", "|---|---|---|"]
    total = 0.0
    for name, nb in notebooks.items():
        pm = nb.get("metadata", {}).get("papermill", {}) or {}
        dur = pm.get("duration")
        if dur is None:
            lines.append(f"| `{name}` | not recorded | |")
            continue
        total += float(dur)
        lines.append(f"| `{name}` | {_duration(float(dur))} | {str(pm.get('end_time', ''))[:16].replace('T', ' ')} |")
    lines.append(f"| **total** | **{_duration(total)}** | |")
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


# --------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------

def run_jupyter_book(root: os.PathLike, strict: bool = True) -> subprocess.CompletedProcess:
    """``jupyter-book build <root> --all [-W -n --keep-going]`` with this interpreter.

    ``--all`` rebuilds every page: an incremental Sphinx build after switching profiles
    keeps stale pages (e.g. a bibliography whose citation ids no longer match)."""
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root), "--all"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    return subprocess.run(cmd, capture_output=True, text=True)


def external_mathjax(html_dir: os.PathLike) -> list[str]:
    """HTML files that load MathJax from anywhere but the book itself."""
    bad = []
    for page in Path(html_dir).rglob("*.html"):
        text = page.read_text(errors="replace")
        for line in text.splitlines():
            if "mathjax" in line.lower() and "<script" in line and ("http://" in line or "https://" in line or "//cdn" in line):
                bad.append(str(page))
                break
    return bad


def local_path_leaks(html_dir: os.PathLike, paths) -> list[str]:
    """``page: what`` for every HTML page that shows one of ``paths`` (absolute local
    folders, e.g. the data and source roots) or a ``PosixPath(``/``WindowsPath(`` repr."""
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


def build(profile: str, root: os.PathLike = REPO_ROOT, data_dir: os.PathLike | None = None,
          strict: bool = True, log=print, stage: bool | None = None) -> Path:
    """Build the book for ``profile``; return the path of its ``index.html``.

    With the default ``root`` (this checkout) the sources are staged into the profile's
    data folder (``paths.book_stage``) and built there, and the HTML lands in
    ``_build/<profile>/html`` with ``_build/html`` linking to the latest build: two
    profiles can build at the same time. With another ``root`` the book is built in
    place under ``<root>/_build/html``.
    """
    from . import paths
    from .profiles import load_profile
    from .provenance import code_version

    t0 = time.time()
    prof = load_profile(profile)
    name = prof["name"]
    root = Path(root)
    stage = (root.resolve() == Path(REPO_ROOT).resolve()) if stage is None else stage
    publish_to = None
    if stage:
        publish_to = root / "_build"
        root = stage_sources(root, Path(data_dir) / ".book" if data_dir else paths.book_stage(prof))
    pdir = Path(data_dir) if data_dir else paths.profile_root(prof)
    nb_dir = pdir / "notebooks"
    missing = missing_notebooks(nb_dir, prof["temperatures"])
    if missing:
        raise BookBuildError(
            f"{len(missing)} executed notebook(s) missing in {nb_dir}: {', '.join(missing)}\n"
            f"Run the workflow first: make workflow PROFILE={name}")
    gen = root / "book" / "generated"
    if gen.exists():
        shutil.rmtree(gen)
    gen.mkdir(parents=True)
    titles = simulation_titles(prof)
    copy_notebooks(nb_dir, gen, expected_notebooks(prof["temperatures"]), name, code_version(), titles=titles)
    log(f"copied {len(expected_notebooks(prof['temperatures']))} executed notebooks into {gen}")
    names = expected_notebooks(prof["temperatures"])
    (gen / "headline.md").write_text(headline_markdown(prof, pdir / "results", pdir / "figures", gen / "headline"))
    (gen / "simulation_overview.md").write_text(
        simulation_overview_markdown(pdir / "results", prof["temperatures"], gen / "overview", titles))
    (gen / "costs.md").write_text(costs_markdown({n: json.loads((nb_dir / n).read_text()) for n in names}))
    write_data_flow_figure(gen / "data_flow.png")
    (gen / "paper_vs_ours_body.md").write_text(
        paper_vs_ours_markdown(name, pdir / "results", pdir / "figures", gen / "compare"))
    ensure_mathjax(root / "book" / "_static")
    log("running jupyter-book build (strict: -W -n --keep-going) ...")
    proc = run_jupyter_book(root, strict=strict)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
        raise BookBuildError(f"jupyter-book build failed (exit {proc.returncode}):\n{tail}")
    html = root / "_build" / "html"
    bad = external_mathjax(html)
    if bad:
        raise BookBuildError(f"pages load MathJax from outside the book: {bad[:5]}")
    leaks = local_path_leaks(html, [pdir, root, paths.data_root()])
    if leaks and strict:
        raise BookBuildError("pages show local paths or Path objects (fix the notebook outputs):\n  "
                             + "\n  ".join(leaks[:20]))
    if publish_to is not None:
        html = publish_html(html, publish_to, name)
    index = html / "index.html"
    log(f"book built in {time.time() - t0:.0f} s: {index}")
    log(f"open it with:  python -m http.server -d {html} 8000   then browse http://127.0.0.1:8000/")
    return index


def stamp_code_version(path: os.PathLike, version: str | None = None) -> None:
    """Write ``metadata.glassbook.code_version`` into an executed notebook (atomically)."""
    from .provenance import atomic_path, code_version

    nb = json.loads(Path(path).read_text())
    nb.setdefault("metadata", {}).setdefault("glassbook", {})["code_version"] = version or code_version()
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(nb, indent=1))


def main(argv=None) -> int:
    from .cli import add_debug_flag, run

    parser = argparse.ArgumentParser(prog="python -m glasshelpers.book", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the HTML book from the executed notebooks of a profile")
    b.add_argument("--profile", default="demo", help="tiny, demo, paper or a YAML path (default demo)")
    b.add_argument("--data-dir", default=None, help="profile data folder (default $GLASSBOOK_DATA or data/<profile>)")
    b.add_argument("--root", default=str(REPO_ROOT), help="book source root holding _config.yml")
    b.add_argument("--no-strict", action="store_true", help="do not turn warnings into errors")
    mj = sub.add_parser("mathjax", help="fetch MathJax into book/_static/mathjax only")
    st = sub.add_parser("stamp", help="record the code version in an executed notebook's metadata")
    st.add_argument("notebook")
    for sp in (b, st, mj):
        add_debug_flag(sp)
    args = parser.parse_args(argv)

    def body():
        if args.command == "stamp":
            stamp_code_version(args.notebook)
        elif args.command == "mathjax":
            print(ensure_mathjax(REPO_ROOT / "book" / "_static"))
        else:
            build(args.profile, root=args.root, data_dir=args.data_dir, strict=not args.no_strict)

    return run(body, args.debug)


if __name__ == "__main__":
    sys.exit(main())
