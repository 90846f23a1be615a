"""Made by one stage, read by the others: the switch every product of
:mod:`glasshelpers.products` goes through.

The stage that owns a product calls its function with ``make=True``: the product is read
if it is on disk with the right parameters and computed and stored otherwise
(:func:`glasshelpers.pipeline.cache.cached`). Every other caller reads it: a product that is
absent, or was made with other parameters, is an error that names the stage to run,
never a silent recomputation inside a later stage.
"""

from __future__ import annotations

from pathlib import Path

from glasshelpers.pipeline.cache import cached, load_arrays
from glasshelpers.pipeline.faults import describe
from glasshelpers.pipeline.runs import MissingDataError


def make_or_read(path, params: dict, compute, *, make: bool, owner: str, record: dict | None = None) -> dict:
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

    Raises
    ------
    MissingDataError
        ``make`` is false and the file does not exist.
    StaleDataError, DamagedProductError
        ``make`` is false and the file was made with other parameters or is damaged.
    """
    if make:
        return cached(path, params, compute, record=record)
    try:
        return load_arrays(Path(path), params)
    except FileNotFoundError:
        raise MissingDataError(f"{describe(Path(path))} is missing: stage {owner} makes it "
                               "(run it first; the workflow does)") from None


__all__ = ["make_or_read"]
