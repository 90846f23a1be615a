"""Every figure of a notebook says where it comes from.

A code cell of a notebook source (``notebooks/src/*.py``) that calls a drawing function
of ``glasshelpers.figures`` is followed, within the next two cells, by a markdown cell
with a "Source:" line that names that function by its dotted path (a link into the API
reference), the notebook's own stem, its stage package and the products it was drawn
from: every ``results/<key>.csv`` it names is declared in the registry, and so is every
``figures/<key>.png`` (as one of this stage's figures) the cell saves.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import glasshelpers.figures
from glasshelpers.pipeline import registry

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted((REPO / "notebooks" / "src").glob("*.py"))

#: Calls that look like drawing a figure even where the function is not one of
#: glasshelpers.figures (which the Source line must then fail to name).
LOOKS_LIKE_A_FIGURE = (re.compile(r"\bfigures\.(\w+)\s*\("), re.compile(r"\b(fig\d+_\w+)\s*\("),
                       re.compile(r"\b(\w+_figure)\s*\("))


def _mknb():
    spec = importlib.util.spec_from_file_location("mknb", REPO / "tools" / "mknb.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def drawing_functions() -> dict:
    """name -> function: the public functions of the figure modules that draw (they take
    ``ax`` or ``axes``, or are named ``fig<N>_...``, ``..._figure`` or ``..._diagram``);
    ``style`` holds the helpers they share, not figures."""
    out = {}
    for info in pkgutil.iter_modules(glasshelpers.figures.__path__, "glasshelpers.figures."):
        if info.name.endswith(".style"):
            continue
        mod = importlib.import_module(info.name)
        for name, f in inspect.getmembers(mod, inspect.isfunction):
            if f.__module__ != mod.__name__ or name.startswith("_"):
                continue
            if {"ax", "axes"} & set(inspect.signature(f).parameters) or re.match(r"fig\d|.*_(figure|diagram)$", name):
                out[name] = f
    return out


DRAWING = drawing_functions()


def figure_calls(code: str) -> set[str]:
    """Names of the figure functions a code cell calls (comments ignored)."""
    code = "\n".join(line.split("#", 1)[0] for line in code.splitlines())
    names = {n for n in re.findall(r"\b(\w+)\s*\(", code) if n in DRAWING}
    for pattern in LOOKS_LIKE_A_FIGURE:
        names |= {n for n in pattern.findall(code) if n != "save_figure"}
    return names


def named_functions(text: str) -> set:
    """The functions of glasshelpers.figures that a markdown text names by dotted path."""
    found = set()
    for dotted in re.findall(r"glasshelpers\.figures(?:\.\w+)+", text):
        module, _, name = dotted.rpartition(".")
        try:
            obj = getattr(importlib.import_module(module), name, None)
        except ImportError:
            obj = None
        if inspect.isfunction(obj) and obj.__module__.startswith("glasshelpers.figures"):
            found.add(obj)
    return found


def _cells(src: Path):
    return _mknb().build(src.read_text()).cells


def _problems(src: Path) -> tuple[int, list[str]]:
    stem, cells = src.stem, _cells(src)
    declared = {k.replace("{tag}", "<tag>") for s in registry.STAGES for k in registry.stage_results(s.stem)}
    n, problems = 0, []
    for i, cell in enumerate(cells):
        calls = figure_calls(cell.source) if cell.cell_type == "code" else set()
        if not calls:
            continue
        n += 1
        where = f"{stem}, cell {i} ({sorted(calls)})"
        after = [c for c in cells[i + 1:i + 3] if c.cell_type == "markdown" and "Source:" in c.source]
        if not after:
            problems.append(f"{where}: no markdown cell with 'Source:' within the next two cells")
            continue
        text = after[0].source
        named = named_functions(text)
        for name in sorted(calls):
            if DRAWING.get(name) not in named:
                problems.append(f"{where}: the Source line does not name glasshelpers.figures...{name}")
        if f"`{stem}`" not in text:
            problems.append(f"{where}: the Source line does not name the notebook `{stem}`")
        stage = re.search(r"glasshelpers\.stages\.(s(\d\d)_\w+)", text)
        if not stage or stage.group(2) != stem[:2] or importlib.util.find_spec(stage.group(0)) is None:
            problems.append(f"{where}: the Source line does not name the stage package of {stem}")
        for key in re.findall(r"results/([\w<>]+)\.csv", text):
            if key not in declared:
                problems.append(f"{where}: results/{key}.csv is not a declared result")
        for key in re.findall(r"save_figure\(\s*P\s*,\s*\"(\w+)\"", cell.source):
            if f"figures/{key}.png" not in text or key not in registry.stage_figures(stem):
                problems.append(f"{where}: saves figures/{key}.png, which the Source line or the registry lacks")
    return n, problems


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_every_figure_names_its_function_notebook_stage_and_data(src):
    _, problems = _problems(src)
    assert problems == [], "\n".join(problems)


def test_every_stage_notebook_has_its_figures_found():
    counts = {src.stem: _problems(src)[0] for src in SOURCES}
    stages = {s.stem for s in registry.STAGES}
    assert all(counts[stem] >= 1 for stem in stages), counts
    for s in registry.STAGES:        # every declared figure is drawn in a cell the check sees
        assert len(s.figures) <= counts[s.stem], s.stem


def test_the_check_fails_without_a_source_line_or_with_another_function(tmp_path):
    def problems_of(text):
        fake = tmp_path / "07_appendix.py"
        fake.write_text(text)
        return _problems(fake)[1]

    cell = '# %%\nfig = figures.fig6_accuracy_vs_C(f6)\nsave_figure(P, "fig6", fig)\n\n'
    good = ("# %% [markdown]\n# *Source: {py:func}`glasshelpers.figures.classification.fig6_accuracy_vs_C`, "
            "drawn in notebook `07_appendix` (stage {py:mod}`glasshelpers.stages.s07_appendix`) from its data "
            "`results/fig6_data.csv`; saved as `figures/fig6.png`.*\n")
    assert problems_of(cell + good) == []
    assert "no markdown cell" in problems_of(cell + "# %%\nx = 1\n\n# %%\ny = 2\n\n" + good)[0]
    wrong = good.replace("fig6_accuracy_vs_C", "fig7_accuracy_vs_bias_fractions")
    assert any("does not name glasshelpers.figures...fig6_accuracy_vs_C" in p for p in problems_of(cell + wrong))
    assert any("notebook" in p for p in problems_of(cell + good.replace("`07_appendix`", "`06_kramers`")))
    assert any("not a declared result" in p for p in problems_of(cell + good.replace("fig6_data", "fig6_dat")))
    assert any("figures/fig6.png" in p for p in problems_of(cell + good.replace("figures/fig6.png", "it")))
    plain = "# %%\nfig, ax = plt.subplots()\nax.plot(x)\n\n"            # a figure outside glasshelpers.figures
    assert problems_of(plain) == []            # not seen: drawing in a notebook is against the rules anyway
    assert figure_calls("fig = my_own_figure(x)  # drawn here") == {"my_own_figure"}
