"""The book's table of results: every ``results/<key>.csv`` with its columns, units and
meanings, printed from the stages' declarations (:mod:`glasshelpers.pipeline.tables`)."""

from __future__ import annotations

from glasshelpers.pipeline import registry, tables


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def tables_page() -> str:
    """Markdown: the units, the columns every verdict table shares, then one section per
    stage with a table of columns for each result table it declares."""
    out = ["| unit | meaning |", "| --- | --- |"]
    out += [f"| `{u}` | {_cell(m)} |" for u, m in tables.UNITS.items()]
    out += ["", "**Verdict tables** (`fig1` ... `fig9`, `table1`, one per item of the paper, written by the "
            "stage that judges it) share these columns:", "", "| column | unit | meaning |", "| --- | --- | --- |"]
    out += [f"| `{n}` | `{u}` | {_cell(a)} |" for n, (u, a) in tables.VERDICT_COLUMNS.items()]
    out += ["", "Every table also carries `code_version` (the code that wrote it) and, when the profile was "
            "loaded with overrides, `overrides` (JSON of the changed values)."]
    for s in registry.STAGES:
        out += ["", f"## {s.title} (`notebooks/{s.stem}.ipynb`)", "",
                f"Declared in `glasshelpers/stages/{s.package}/tables.yaml`."]
        for t in s.tables:
            when = f" Written only when the profile sets `{t.when}`." if t.when else ""
            out += ["", f"**`{t.key}`**: {_cell(t.about)}.{when}", "", "| column | unit | meaning |",
                    "| --- | --- | --- |"]
            out += [f"| `{c.name}` | `{c.unit}` | {_cell(c.about)}{' (not always present)' if c.optional else ''} |"
                    for c in t.columns]
    return "\n".join(out) + "\n"


__all__ = ["tables_page"]
