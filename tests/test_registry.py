"""The one registry (stages, items) against the files that must follow it, the verdict
routing, and the layering of the package (no cycles, lower layers never import higher)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from glasshelpers import registry
from glasshelpers.profiles.schema import Profile
from glasshelpers.results import verdict

ROOT = Path(__file__).resolve().parents[1]


def test_toc_lists_the_registry_stages_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = toc["parts"][0]["chapters"]
    sim, rest = chapters[0], [c["file"] for c in chapters[1:]]
    assert rest == registry.toc_chapters()
    assert sim["sections"] == [{"glob": f"book/generated/{registry.per_temperature_stem()}_T*"}]


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
        for key, dotted in s.optional:       # written under a test of its profile key
            assert re.search(rf'if [AP]\[?"?\w*"?\]?\["{dotted.rsplit(".", 1)[-1]}"\]:\s*\n(.*\n){{0,3}}.*"{key}"', src), key
    assert "sim_{tag}_summary" in registry.stage_results("01_simulation")
    assert registry.stage_results("01_simulation", tag="T0.450")[:2] == ["sim_T0.450_summary", "sim_T0.450_curves"]


def test_optional_results_follow_the_profile():
    from glasshelpers.profiles import load_profile

    tiny, barrier = load_profile("tiny"), load_profile("barrier")
    assert not tiny["analysis"]["sigma_T_sizes"] and barrier["analysis"]["sigma_T_sizes"]
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
        for sec, key in re.findall(r'P\["(\w+)"\]\["(\w+)"\]', src):
            assert key in sections[sec], f"{path.name}: {sec}.{key} is not in the schema"
            seen += 1
        for var, key in re.findall(r'\b(A|L)\["(\w+)"\]', src):
            assert key in sections[aliases[var]], f"{path.name}: {aliases[var]}.{key} is not in the schema"
            seen += 1
        assert not re.search(r"\b(P|A|L)\.get\(", src), \
            f"{path.name}: read profile keys directly (the schema supplies every default)"
    assert seen > 20


# ------------------------------------------------------------------------- layering
#: Layers from the bottom up; a module may import its own layer and the ones below.
LAYERS = [
    {"registry", "paper", "model", "dynamics", "structure", "paths", "display", "faults"},
    {"features", "labels", "classify", "stats", "relaxation", "trajectory", "provenance", "reproducibility",
     "engines", "integrity", "crystal"},
    {"scoring", "kramers", "onset", "fitrange", "rearrangement", "equilibration", "cache", "results",
     "published", "profiles", "cli", "parameters", "intervals", "halfsample", "maxscore", "events", "glm", "glmonset",
     "sizing", "realisations", "ageingflags"},
    {"runs", "simulate", "stagedata", "datasets", "training", "verdicts", "figures", "simfigures", "products"},
    {"stages"},
    {"book", "workflow", "jobs"},
]


def _top(module: str) -> str:
    return module.split(".")[0]


def _imports(path: Path) -> set[str]:
    """Package modules (first component below glasshelpers) imported by a file."""
    tree = ast.parse(path.read_text())
    rel = path.relative_to(ROOT / "glasshelpers").with_suffix("")
    here = list(rel.parts[:-1])
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = here[:len(here) - (n.level - 1)] if n.level > 1 else here
                parts = base + (n.module.split(".") if n.module else [])
                if parts:
                    out.add(parts[0])
                else:                              # "from . import x, y": only modules count
                    pkg = ROOT / "glasshelpers"
                    out.update(a.name for a in n.names
                               if (pkg / f"{a.name}.py").is_file() or (pkg / a.name).is_dir())
            elif n.module and n.module.startswith("glasshelpers."):
                out.add(n.module.split(".")[1])
        elif isinstance(n, ast.Import):
            out.update(a.name.split(".")[1] for a in n.names if a.name.startswith("glasshelpers."))
    return out


def test_lower_layers_never_import_higher_ones():
    level = {m: i for i, layer in enumerate(LAYERS) for m in layer}
    files = [p for p in (ROOT / "glasshelpers").rglob("*.py") if p.name != "__init__.py" or p.parent.name != "glasshelpers"]
    problems = []
    for path in files:
        rel = path.relative_to(ROOT / "glasshelpers").with_suffix("")
        me = _top(".".join(rel.parts))
        assert me in level, f"{me} is in no layer: add it to LAYERS (and the README's map)"
        for other in _imports(path) - {me}:
            assert other in level, f"{path}: imports {other}, which is in no layer"
            if level[other] > level[me]:
                problems.append(f"{me} (layer {level[me]}) imports {other} (layer {level[other]})")
    assert not problems, "\n".join(sorted(set(problems)))


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
