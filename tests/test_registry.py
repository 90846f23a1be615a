"""The one registry (stages, items) against the files that must follow it, the verdict
routing, and the layering of the package (no cycles, lower layers never import higher)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from glasshelpers.pipeline import registry
from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline.results import verdict

ROOT = Path(__file__).resolve().parents[1]


def test_toc_lists_the_registry_stages_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = toc["parts"][0]["chapters"]
    sim, rest = chapters[0], [c["file"] for c in chapters[1:]]
    assert rest == registry.toc_chapters()
    # one page per temperature, then the shelf of equilibrium states
    assert sim["sections"] == [{"glob": f"book/generated/{registry.per_temperature_stem()}_T*"},
                               {"file": "book/shelf"}]


def test_every_stage_has_a_notebook_and_a_source_and_every_item_a_stage():
    for s in registry.STAGES:
        assert (ROOT / "notebooks" / f"{s.stem}.ipynb").is_file()
        assert (ROOT / "notebooks" / "src" / f"{s.stem}.py").is_file()
    stems = {s.stem for s in registry.STAGES}
    assert {it.stage for it in registry.ITEMS} <= stems
    assert [it.key for it in registry.ITEMS] == [f"fig{k}" for k in range(1, 10)] + ["table1"]


def test_notebooks_route_verdicts_through_the_registry_not_by_claim_text():
    for stem in registry.per_profile_stems():
        src = (ROOT / "notebooks" / "src" / f"{stem}.py").read_text()
        if registry.items_of_stage(stem):
            assert f'registry.route_verdicts(v, "{stem}")' in src, stem
        assert not re.search(r'\["claim"\]\.str\.contains', src), stem


def _written(stem: str) -> tuple[set, set]:
    """Result and figure keys a notebook source writes (literal keys; the verdict tables
    routed through the registry count as the items the stage judges)."""
    src = (ROOT / "notebooks" / "src" / f"{stem}.py").read_text()
    results = set(re.findall(r'write_result\(P, f?"([^"]+)"', src))
    figures = set(re.findall(r'save_figure\(P, f?"([^"]+)"', src))
    if f'registry.route_verdicts(v, "{stem}")' in src:
        results |= set(registry.items_of_stage(stem))
    return results, figures


def test_registry_declares_every_result_and_figure_the_notebooks_write():
    """The Snakefile's outputs and the book's inputs come from these declarations: they
    must be exactly what the notebook sources write (a key written but not declared would
    never be rebuilt; one declared but not written fails every run of its stage)."""
    for s in registry.STAGES:
        results, figures = _written(s.stem)
        assert results == set(registry.stage_results(s.stem)), (s.stem, results ^ set(registry.stage_results(s.stem)))
        assert figures == set(registry.stage_figures(s.stem)), s.stem
        src = (ROOT / "notebooks" / "src" / f"{s.stem}.py").read_text()
        for t in s.tables:
            if t.when:                       # written under a test of its profile key
                assert re.search(rf'if [AP](\.\w+)?\.{t.when.rsplit(".", 1)[-1]}:\s*\n(.*\n){{0,3}}.*"{t.key}"', src), t.key
    assert "sim_{tag}_summary" in registry.stage_results("01_simulation")
    assert registry.stage_results("01_simulation", tag="T0.450")[:2] == ["sim_T0.450_summary", "sim_T0.450_curves"]


def test_optional_results_follow_the_profile():
    from glasshelpers.pipeline.profiles import load_profile

    tiny, barrier = load_profile("tiny"), load_profile("barrier")
    assert not tiny.analysis.sigma_T_sizes and barrier.analysis.sigma_T_sizes
    assert "sigma_T_size" not in registry.stage_results("07_appendix", tiny)
    assert "sigma_T_size" in registry.stage_results("07_appendix", barrier)
    assert registry.cache_stage("features") == "02_features" and registry.cache_stage("models") == "04_fluid_classification"
    assert registry.cache_stage("results") is None


def test_route_verdicts_keeps_order_and_drops_the_routing_column():
    v = pd.DataFrame([verdict("a", "p", "o", True, items=("fig3", "fig4")),
                      verdict("b", "p", "o", False, items=("fig4",)),
                      verdict("c", "p", "o", None, items=("fig9",))])
    out = registry.route_verdicts(v, "06_kramers")
    assert list(out) == ["fig3", "fig4", "fig9"]
    assert out["fig4"]["claim"].tolist() == ["a", "b"] and out["fig3"]["claim"].tolist() == ["a"]
    assert registry.ITEMS_COLUMN not in out["fig9"].columns
    with pytest.raises(ValueError, match="does not judge"):
        registry.route_verdicts(v, "07_appendix")
    with pytest.raises(ValueError, match="belong to no item"):
        registry.route_verdicts(pd.DataFrame([verdict("d", "p", "o", True)]), "06_kramers")


def test_every_key_a_notebook_reads_is_in_the_schema():
    fields = {name: f.annotation for name, f in Profile.model_fields.items()}
    sections = {name: getattr(fields[name], "model_fields", None) for name in fields}
    aliases = {"A": "analysis", "L": "labels"}
    seen = 0
    for path in sorted((ROOT / "notebooks" / "src").glob("*.py")):
        src = path.read_text()
        for sec, key in re.findall(r'\bP\.(\w+)\.(\w+)', src):
            assert sections.get(sec) and key in sections[sec], f"{path.name}: {sec}.{key} is not in the schema"
            seen += 1
        for var, key in re.findall(r'\b(A|L)\.(\w+)', src):
            assert key in sections[aliases[var]], f"{path.name}: {aliases[var]}.{key} is not in the schema"
            seen += 1
        assert not re.search(r"""\b(P|A|L)(\.get\(|\[['"])""", src), \
            f"{path.name}: read the typed profile by attribute (the schema supplies every default)"
    assert seen > 20


# ------------------------------------------------------------------------- layering
#: The package's floors from the bottom up; a unit imports its own floor and the ones below.
#: A unit is a package of the numerical core (``core.md``, ``core.structure``, ...), a stage
#: folder (``stages.s01_simulation`` ... ``stages.s07_appendix``, and ``stages.common``), or one
#: of the top-level packages. The README's map ("Where things live") names the same units.
FLOORS = [
    {"core", "core.md", "core.structure", "core.dynamics", "core.statistics", "core.learning", "core.barriers"},
    {"pipeline"},
    {"reference"},
    {"figures"},
    {"products"},
    {"stages", "stages.common", "stages.s01_simulation", "stages.s02_features", "stages.s03_labels", "stages.s04_fluid",
     "stages.s05_transfer", "stages.s06_kramers", "stages.s07_appendix"},
    {"book"},
]

def _unit(module: str) -> str:
    """The unit of a dotted module name below ``glasshelpers``."""
    parts = module.split(".")[1:]
    if parts and parts[0] in ("core", "stages") and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0] if parts else "glasshelpers"


def _module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imported_modules(path: Path) -> set[str]:
    """Dotted glasshelpers modules a file imports (a name imported from a package counts as
    its module when it is one)."""
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom):
            assert not n.level, f"{path}: relative import (the package imports absolutely)"
            if n.module and n.module.split(".")[0] == "glasshelpers":
                for a in n.names:
                    sub = ROOT / Path(*n.module.split(".")) / a.name
                    full = f"{n.module}.{a.name}"
                    out.add(full if sub.with_suffix(".py").is_file() or sub.is_dir() else n.module)
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names if a.name.split(".")[0] == "glasshelpers")
    return out


def _package_files():
    return [p for p in (ROOT / "glasshelpers").rglob("*.py") if p != ROOT / "glasshelpers" / "__init__.py"]


def test_every_unit_has_a_floor_and_lower_floors_never_import_higher_ones():
    level = {u: i for i, floor in enumerate(FLOORS) for u in floor}
    problems = []
    for path in _package_files():
        me = _unit(_module_of(path))
        assert me in level, f"{path}: unit {me} is on no floor: add it to FLOORS (and the README's map)"
        for mod in _imported_modules(path):
            other = _unit(mod)
            if other == "glasshelpers":
                continue
            assert other in level, f"{path}: imports {mod}, whose unit {other} is on no floor"
            if level[other] > level[me]:
                problems.append(f"{me} (floor {level[me]}) imports {mod} (floor {level[other]})")
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_numerical_core_reads_no_profile_and_the_units_import_no_cycle():
    graph: dict[str, set[str]] = {}
    for path in _package_files():
        me = _unit(_module_of(path))
        others = {_unit(m) for m in _imported_modules(path)} - {me, "glasshelpers"}
        graph.setdefault(me, set()).update(others)
        if me.startswith("core."):
            assert all(o.startswith("core.") for o in others), f"{path} imports outside the core: {others}"
    seen, done = set(), set()

    def visit(u, trail):
        assert u not in trail, f"import cycle: {' -> '.join(trail + [u])}"
        if u in done:
            return
        for v in graph.get(u, ()):
            visit(v, trail + [u])
        done.add(u)
    for u in graph:
        visit(u, [])


def test_no_stage_imports_another_stage():
    """Stages meet only in glasshelpers.products (and share stages.common): neither a stage
    folder nor a stage notebook imports another stage's code."""
    problems = []
    sources = [(p, _unit(_module_of(p))) for p in (ROOT / "glasshelpers" / "stages").rglob("*.py")]
    for stage in registry.STAGES:
        sources.append((ROOT / "notebooks" / "src" / f"{stage.stem}.py", f"stages.{stage.package}"))
    for path, me in sources:
        for mod in _imported_modules(path):
            other = _unit(mod)
            if other.startswith("stages.s") and other != me:
                problems.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not problems, "\n".join(sorted(problems))


def test_a_later_stage_reads_an_earlier_stage_product_and_never_makes_it(data_root):
    """A product read before the stage that owns it has made it is a one-line error naming
    that stage, not a silent computation."""
    from glasshelpers.pipeline.profiles import load_profile
    from glasshelpers.pipeline.runs import MissingDataError
    from glasshelpers.products import banks, classifiers

    P = load_profile("tiny")
    with pytest.raises(MissingDataError, match=r"phop/.*T0\.450\.npz is missing: stage 02_features makes it"):
        banks.load_phop(P, 0.45)
    with pytest.raises(MissingDataError, match="stage 04_fluid_classification makes it"):
        classifiers.fluidity_classifier(P, 1.0)
    with pytest.raises(MissingDataError, match="stage 07_appendix makes it"):
        classifiers.fluidity_classifier(P, 1.0, rule="control")
    assert not any((data_root / "tiny").rglob("*.npz"))


def test_no_module_over_500_lines_and_no_function_over_80():
    long_modules, long_functions = [], []
    for path in (ROOT / "glasshelpers").rglob("*.py"):
        text = path.read_text()
        if len(text.splitlines()) > 510:
            long_modules.append(f"{path.name}: {len(text.splitlines())}")
        for n in ast.walk(ast.parse(text)):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 80:
                long_functions.append(f"{path.name}:{n.name}: {n.end_lineno - n.lineno + 1}")
    assert not long_modules and not long_functions, (long_modules, long_functions)


def test_the_workflow_graph_is_the_true_one(tmp_path):
    """Snakemake's rule graph, reduced to its direct stage edges, is 01 -> 02 -> 03 -> 04 ->
    {05 -> 06, 07}: a stage waits for the stages whose products it reads, and no other."""
    import os
    import subprocess
    from glasshelpers.pipeline.workflow import snakemake_command

    env = {**os.environ, "GLASSBOOK_DATA": str(tmp_path / "data")}
    proc = subprocess.run(snakemake_command("tiny", tmp_path / "wd", 1, ["--rulegraph", "--quiet"]), cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = dict(re.findall(r"^\s*(\d+)\[label = \"(\w+)\"", proc.stdout, re.M))
    edges = {(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", proc.stdout, re.M)}
    edges = {(a.removeprefix("stage_"), b.removeprefix("stage_")) for a, b in edges if b != "all"}
    reach = {}

    def below(n):                        # everything n's job waits for, transitively
        if n not in reach:
            reach[n] = set().union(*({a} | below(a) for a, b in edges if b == n))
        return reach[n]
    direct = {(a, b) for a, b in edges if not any(a in below(c) for c, d in edges if d == b and c != a)}
    assert direct == {("seed", "simulate"), ("simulate", "02_features"), ("02_features", "03_labels"),
                      ("03_labels", "04_fluid_classification"),
                      ("04_fluid_classification", "05_transfer_learning"),
                      ("05_transfer_learning", "06_kramers"), ("04_fluid_classification", "07_appendix")}, direct


def test_the_readme_map_names_every_unit():
    """The README's map of the package names every unit of FLOORS, so it is the one the code has."""
    row = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `glasshelpers/` |"))
    for floor in FLOORS:
        for unit in floor - {"core", "stages"}:
            name = unit.split(".")[-1]
            assert f"`{unit.replace('.', '/')}" in row or f"`{name}`" in row or f"**`{name}/`**" in row, unit
    actual = {_unit(_module_of(p)) for p in _package_files()}
    assert actual == set().union(*FLOORS), actual ^ set().union(*FLOORS)
