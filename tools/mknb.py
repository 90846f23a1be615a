"""Write a notebook from a plain-text source: cells separated by lines '# %% [markdown]'
or '# %%' (code); a code cell whose first line is '# parameters' gets the papermill tag.
Usage: python tools/mknb.py notebooks/src/01_simulation.py notebooks/01_simulation.ipynb"""
import sys

import nbformat


def build(src: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    chunks = src.split("\n# %%")
    for chunk in chunks:
        chunk = chunk[4:] if chunk.startswith("# %%") else chunk
        if chunk.startswith(" [markdown]"):
            body = chunk[len(" [markdown]"):].strip("\n")
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            nb.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines)))
        else:
            body = chunk.strip("\n")
            if not body.strip():
                continue
            cell = nbformat.v4.new_code_cell(body)
            if body.startswith("# parameters"):
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
    return nb


if __name__ == "__main__":
    nb = build(open(sys.argv[1]).read())
    nbformat.write(nb, sys.argv[2])
