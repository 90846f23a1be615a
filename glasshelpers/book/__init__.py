"""Assemble the HTML book from executed notebooks.

Usage::

    python -m glasshelpers.book build --profile demo

The workflow (Snakemake driving papermill) leaves executed notebooks in
``data/<profile>/notebooks/`` (``01_simulation_T0.450.ipynb`` once per temperature,
``02_features.ipynb`` ... ``07_appendix.ipynb`` once per profile: the stages of
:mod:`glasshelpers.pipeline.registry`). The build

1. checks that every expected executed notebook is there (naming the missing ones);
2. copies them into ``book/generated/``, where each copy gets papermill's injected
   parameters cell hidden (found by its ``injected-parameters`` tag, never by position)
   and a small provenance box (profile, parameters, code version) near the top; a
   notebook holding an error output fails the build;
3. writes the generated pages from ``data/<profile>/results/*.csv``: the landing page's
   headline, the "Paper vs. this reproduction" chapter, the simulation overview and the
   costs table; they read stored results and compute nothing scientific;
4. draws the data-flow diagram and makes sure MathJax 3 is served from the book itself
   (``book/_static/mathjax/``, unpacked from the npm package ``mathjax``, tarball cached
   in ``~/.cache/glassbook``);
5. runs ``jupyter-book build . -W -n --keep-going`` (any warning fails), checks the HTML
   and prints where the book is and how to open it.

One job per module:

* :mod:`.notebooks`: which executed notebooks a profile needs; pure transformations of
  notebook dicts (tags, hidden parameter cells, provenance box, page titles, failed
  notebooks); copying them into the book; stamping the code version;
* :mod:`.pages`: the comparison chapter, the simulation overview, the costs table and
  the verdict counts (:func:`glasshelpers.reference.verdicts.counts`) with their badges;
* :mod:`.headline`: the landing page's headline;
* :mod:`.assets`: MathJax (download, integrity check, unpacking) and the data-flow figure;
* :mod:`.htmlbuild`: staging, the jupyter-book run, the HTML checks, publishing, :func:`~glasshelpers.book.htmlbuild.build`;
* :mod:`.cli` (and ``__main__``): ``python -m glasshelpers.book {build,mathjax,stamp}``;
* :mod:`.errors`: :class:`~glasshelpers.book.errors.BookBuildError`.

Results convention for the comparison chapter: ``data/<profile>/results/<key>.csv`` and
optionally ``data/<profile>/figures/<key>.png`` for every item key of
``glasshelpers.pipeline.registry.ITEMS`` (``fig1`` ... ``fig9``, ``table1``). A CSV with a
``verdict`` column contributes its verdicts to the summary table; any CSV is shown
(first rows) under its figure.
"""

from __future__ import annotations

from glasshelpers.book.assets import ensure_mathjax
from glasshelpers.book.cli import main
from glasshelpers.book.errors import BookBuildError
from glasshelpers.book.htmlbuild import build
from glasshelpers.book.notebooks import error_outputs, expected_notebooks, provenance_markdown, simulation_titles, stamp_code_version

__all__ = ["BookBuildError", "build", "ensure_mathjax", "error_outputs", "expected_notebooks", "main",
           "provenance_markdown", "simulation_titles", "stamp_code_version"]
