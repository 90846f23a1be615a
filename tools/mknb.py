"""Write a notebook from a plain-text source (percent format).

Cells are separated by header lines ``# %%`` (code) or ``# %% [markdown]``; a header may
carry cell tags in the jupytext way, ``# %% tags=["hide-input"]`` or
``# %% [markdown] tags=["remove-cell"]``. A code cell whose first line is
``# parameters`` gets the papermill ``parameters`` tag.

Usage: python tools/mknb.py notebooks/src/01_simulation.py notebooks/01_simulation.ipynb
"""
import json
import re
import sys

import nbformat

_HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?:\s+tags=(?P<tags>\[.*\]))?\s*$")


def _parse_header(line: str):
    """(is_markdown, tags) of a ``# %%`` header line; ValueError if it is malformed."""
    m = _HEADER.match(line)
    if not m:
        raise ValueError(f"cannot read cell header {line!r}: expected '# %%', '# %% [markdown]', "
                         "optionally followed by tags=[\"...\"]")
    tags = json.loads(m.group("tags")) if m.group("tags") else []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError(f"tags must be a JSON list of strings in {line!r}")
    return bool(m.group("md")), tags


def build(src: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    chunks, current = [], None
    for line in src.splitlines():
        if line.startswith("# %%"):
            current = (*_parse_header(line), [])
            chunks.append(current)
        elif current is None:
            if line.strip():
                current = (False, [], [line])
                chunks.append(current)
        else:
            current[2].append(line)
    for is_md, tags, lines in chunks:
        body = "\n".join(lines).strip("\n")
        if is_md:
            text = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            cell = nbformat.v4.new_markdown_cell("\n".join(text))
        else:
            if not body.strip():
                continue
            cell = nbformat.v4.new_code_cell(body)
            if body.startswith("# parameters"):
                tags = ["parameters", *tags]
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    return nb


if __name__ == "__main__":
    nb = build(open(sys.argv[1]).read())
    nbformat.write(nb, sys.argv[2])
