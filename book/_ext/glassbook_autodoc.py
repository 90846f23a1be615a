"""Sphinx extension of the API reference (book/api.md): attribute docstrings as prose.

Napoleon reads the first line of the docstring of a constant, an attribute or a property
as ``type: description`` when it holds a colon. The ``#:`` comments of glasshelpers'
constants are prose ("Frames (tau) that one p_hop value depends on: 2 * HALF_WINDOW + 1
= 11."), so napoleon would show that line as a type and look its words up as classes.
These docstrings are kept as written: saved before napoleon reads them, put back after.
"""

_PROSE = ("attribute", "data", "property")
_saved: dict[str, list[str]] = {}


def _save(app, what, name, obj, options, lines):
    if what in _PROSE:
        _saved[name] = list(lines)


def _restore(app, what, name, obj, options, lines):
    if what in _PROSE and name in _saved:
        lines[:] = _saved.pop(name)


def setup(app):
    app.setup_extension("sphinx.ext.napoleon")
    # napoleon handles the same event at the default priority, 500
    app.connect("autodoc-process-docstring", _save, priority=499)
    app.connect("autodoc-process-docstring", _restore, priority=501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
