"""Made by one stage, read by the others: the switch every product of
:mod:`glasshelpers.products` goes through.

The stage that owns a product calls its function with ``make=True``: the product is read
if it is on disk with the right parameters and computed and stored otherwise
(:func:`glasshelpers.pipeline.cache.cached`). Every other caller reads it: a product that is
absent, or was made with other parameters, is an error that names the stage to run,
never a silent recomputation inside a later stage.

One exception, by design: a *what-if* run, a notebook executed by hand on a profile loaded
with overrides (the book's "Re-run it yourself" page), makes the products its changed
values need, stored beside the profile's own under their own parameters. The workflow
never runs with overrides, so in the book's own build every product is made once, by its
stage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glasshelpers.pipeline import integrity
from glasshelpers.pipeline.cache import cached, load_arrays, read_meta, save_arrays
from glasshelpers.pipeline.faults import describe
from glasshelpers.pipeline.provenance import params_hash
from glasshelpers.pipeline.runs import MissingDataError


def make_or_read(path, params: dict, compute, *, make: bool, owner: str, record: dict | None = None,
                 what_if: bool = False) -> dict:
    """The arrays of one product.

    Parameters
    ----------
    path : path of the product's ``.npz`` file
    params : dict, the parameters that determine it
    compute : callable returning the product's arrays (called only when ``make`` is true
        and the file is absent, stale or damaged)
    make : bool, whether the caller is the stage that makes this product
    owner : str, the notebook stem of that stage (named in the error a reader gets)
    record : dict, optional, stored with a fresh product (the profile's record)
    what_if : bool, the caller's profile carries overrides (a what-if run): make the
        product when absent, whoever the caller

    Raises
    ------
    MissingDataError
        ``make`` is false and the file does not exist.
    StaleDataError, DamagedProductError
        ``make`` is false and the file was made with other parameters or is damaged.
    """
    if make or what_if:
        return cached(path, params, compute, record=record)
    try:
        return load_arrays(Path(path), params)
    except FileNotFoundError:
        raise MissingDataError(f"{describe(Path(path))} is missing: stage {owner} makes it "
                               "(run it first; the workflow does)") from None


def write_index(path, entries: dict, record: dict | None = None) -> Path:
    """Write the index of a family of products that one stage made: ``entries`` maps each
    product's name to ``(file, params)``; every file must exist. The index (an ``.npz`` with
    ``name``, ``file`` relative to the index's folder and ``sha256`` per entry) is the product
    the workflow declares for the family, so its graph knows which stage makes it.
    Its parameters are the names and the parameter hashes of the entries."""
    path = Path(path)
    names = sorted(entries)
    files = [Path(entries[n][0]) for n in names]
    missing = [describe(f) for f in files if not f.is_file()]
    if missing:
        raise MissingDataError(f"cannot index {describe(path)}: {', '.join(missing)} not made")
    arrays = {"name": np.array(names, dtype=str),
              "file": np.array([f.relative_to(path.parent).as_posix() for f in files], dtype=str),
              "sha256": np.array([integrity.sha256(f) for f in files], dtype=str)}
    params = {"product": "index", "entries": {n: params_hash(entries[n][1]) for n in names}}
    return save_arrays(path, arrays, params, record=record)


def read_index(path) -> dict:
    """``{name: (file path, sha256)}`` of an index written by :func:`write_index`."""
    path = Path(path)
    d = load_arrays(path, read_meta(path)["params"])
    return {str(n): (path.parent / str(f), str(h)) for n, f, h in zip(d["name"], d["file"], d["sha256"])}


__all__ = ["make_or_read", "write_index", "read_index"]
