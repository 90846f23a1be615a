"""Preparing executed notebooks for the book.

Which executed notebooks a profile needs (one per stage of :mod:`glasshelpers.pipeline.registry`,
the simulation once per temperature), and what the book does to each copy: papermill's
injected parameters cell hidden (found by its tag, never by position), progress bars
dropped, a provenance box near the top, per-temperature page titles, and a failed
notebook refused. The
transformations are pure functions on notebook dicts (nbformat JSON), so they are
unit-tested without a build; :func:`copy_notebooks` and :func:`~glasshelpers.pipeline.provenance.stamp_code_version` are
the only ones that touch files.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
from pathlib import Path

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline import registry
from glasshelpers.book.errors import BookBuildError
from glasshelpers.pipeline.provenance import stamp_code_version  # noqa: F401 (part of the book API)

INJECTED_TAG = "injected-parameters"      # papermill's cell with the -p values
PARAMETERS_TAG = "parameters"             # the notebook's own defaults
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
PROVENANCE_TAG = "glassbook-provenance"


# --------------------------------------------------------------------------------------
# Which notebooks a profile needs
# --------------------------------------------------------------------------------------

def expected_notebooks(temperatures) -> list[str]:
    """File names of the executed notebooks a profile with these temperatures produces."""
    from glasshelpers.pipeline.profiles import temperature_tag

    sim = registry.per_temperature_stem()
    names = [f"{sim}_{temperature_tag(T)}.ipynb" for T in sorted(temperatures)]
    return names + [f"{stem}.ipynb" for stem in registry.per_profile_stems()]


def missing_notebooks(nb_dir: os.PathLike, temperatures) -> list[str]:
    nb_dir = Path(nb_dir)
    return [name for name in expected_notebooks(temperatures) if not (nb_dir / name).is_file()]


def source_notebook_name(executed_name: str) -> str:
    """``01_simulation_T0.450.ipynb`` -> ``01_simulation.ipynb`` (others unchanged)."""
    sim = registry.per_temperature_stem()
    if executed_name.startswith(sim + "_T"):
        return sim + ".ipynb"
    return executed_name


# --------------------------------------------------------------------------------------
# Tags and hidden parameter cells
# --------------------------------------------------------------------------------------

def _tags(cell: dict) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _add_tags(cell: dict, *tags: str) -> None:
    meta = cell.setdefault("metadata", {})
    have = meta.setdefault("tags", [])
    for tag in tags:
        if tag not in have:
            have.append(tag)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


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


# --------------------------------------------------------------------------------------
# The provenance box
# --------------------------------------------------------------------------------------

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


def _provenance_headline(nb: dict, profile: str, code_version: str, n_overrides: int) -> str:
    """The box's first line: profile, overrides changed, code version, run time."""
    meta = nb.get("metadata", {})
    pm = meta.get("papermill", {}) or {}
    recorded = (meta.get("glassbook") or {}).get("code_version")
    version = f"`{recorded}`" if recorded else f"`{code_version}` (the book build's; the run did not record its own)"
    when = ""
    if pm.get("end_time"):
        when = f" · executed {pm['end_time'][:19].replace('T', ' ')} UTC"
        if pm.get("duration") is not None:
            when += f" in {float(pm['duration']):.0f} s"
    changed = ""
    if n_overrides:
        s = "s" if n_overrides > 1 else ""
        changed = f" with {n_overrides} value{s} changed from its file (overrides below)"
    return f"Profile **`{profile}`**{changed} · code version {version}{when}."


def _value_table(header: str, values: dict) -> list[str]:
    if not values:
        return []
    return [f"| {header} | value |", "|---|---|", *(f"| `{k}` | {_cell_text(v)} |" for k, v in values.items()), ""]


def provenance_markdown(nb: dict, profile: str, code_version: str, source_name: str | None = None) -> str:
    """Markdown of the provenance box: profile, parameters, overrides, code version, run time."""
    params = papermill_parameters(nb)
    overrides = params.get("overrides") or {}
    plain = {k: v for k, v in params.items() if k != "overrides"}
    lines = [":::{admonition} How this page was made", ":class: note", "",
             _provenance_headline(nb, profile, code_version, len(overrides)), ""]
    lines += _value_table("parameter", plain)
    lines += _value_table("profile key (override)", overrides)
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
    titled = (first is not None and first.get("cell_type") == "markdown"
              and _source(first).lstrip().startswith("# "))
    cells.insert(1 if titled else 0, cell)
    out["cells"] = cells
    return out


# --------------------------------------------------------------------------------------
# Failed notebooks
# --------------------------------------------------------------------------------------

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


#: One tqdm progress bar as it stands after its last carriage return ("T=0.45:  40%|####  | 58/145 [...]").
_PROGRESS_BAR = re.compile(r"^.*\b\d{1,3}%\|.*\|\s*[\d.]+/[\d.]+\s*\[.*\]$")


def _is_progress(out: dict) -> bool:
    """A stderr stream output holding nothing but progress-bar updates and blank lines."""
    if out.get("output_type") != "stream" or out.get("name") != "stderr":
        return False
    text = "".join(out.get("text", "")) if isinstance(out.get("text"), list) else out.get("text", "")
    lines = [ln.rsplit("\r", 1)[-1].strip() for ln in text.split("\n")]
    return all(not ln or _PROGRESS_BAR.match(ln) for ln in lines)


def drop_progress_bars(nb: dict) -> dict:
    """A copy of ``nb`` without the progress bars the MD and feature loops write to
    stderr (a reader sees the results, not a hundred updates of a bar); any other stderr
    text, a warning say, stays."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if not _is_progress(o)]
    return nb


def prepare_notebook(nb: dict, profile: str, code_version: str, source_name: str | None = None) -> dict:
    """Everything the book does to an executed notebook (raises on error outputs)."""
    problems = error_outputs(nb)
    if problems:
        raise BookBuildError("notebook has errors: " + "; ".join(problems))
    return add_provenance_cell(hide_parameter_cells(drop_progress_bars(nb)), profile, code_version, source_name)


# --------------------------------------------------------------------------------------
# Page titles of the per-temperature simulation pages
# --------------------------------------------------------------------------------------

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
        lines = _source(cell).split("\n")
        for i, line in enumerate(lines):
            if line.startswith("# "):
                old = line[2:].strip()
                lines[i:i + 1] = [f"# {title}", "", f"*{old}*"]
                cell["source"] = "\n".join(lines)
                return out
        break
    raise BookBuildError(f"cannot retitle a notebook without a '# ' heading in its first markdown cell ({title!r})")


def simulation_titles(profile: Profile) -> dict:
    """Executed simulation notebook name -> page title, for every temperature of ``profile``."""
    from glasshelpers.pipeline.profiles import production_time, temperature_tag

    sim = registry.per_temperature_stem()
    return {f"{sim}_{temperature_tag(T)}.ipynb": simulation_page_title(T, production_time(profile, T))
            for T in profile.temperatures}


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
        raise BookBuildError("failed notebooks fail the book: " + "; ".join(failures))
    return written
