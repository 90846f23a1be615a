"""Arrays on disk per profile and temperature, with the parameters that made them.

Format: one uncompressed ``.npz`` file (numpy's zip of ``.npy`` arrays, readable without
pickle) per product. Besides the arrays it holds ``__meta__``, a JSON string with the
generating parameters, their hash (:func:`glasshelpers.pipeline.provenance.params_hash`), the code
version (:func:`glasshelpers.pipeline.provenance.code_version`), the array names and the record
of overrides. Files are written under a temporary name and renamed when complete, so a crash
never leaves a half-written product under the final name.

Invalidation is by parameters only: a file made with other parameters is stale. The code
version is stored and reported (:func:`read_meta`) but a new commit alone does not
invalidate data; that would recompute hours of work for every unrelated edit. When a
code change alters results, change a parameter (e.g. a ``version`` entry in ``params``).

Integrity. The archive is written deterministically (fixed zip timestamps, no time of
writing in the metadata), so a product recomputed from the same inputs with the same
code has the same bytes. Once in place it gets its integrity record (size, SHA-256:
:mod:`glasshelpers.pipeline.integrity`); :func:`load_arrays` checks it first (size always, the
hash after a change of mtime) and refuses a damaged file (DamagedProductError), and
:func:`cached` moves a damaged file aside (``<profile>/damaged/``), says so in one line
and recomputes it.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from glasshelpers.pipeline import integrity
from glasshelpers.pipeline.faults import DamagedProductError, describe
from glasshelpers.pipeline.provenance import StaleDataError, atomic_path, code_version, params_hash

META_KEY = "__meta__"
#: zip member timestamp of every archive (the earliest zip allows): same arrays, same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: what a damaged archive raises when it is opened or read
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, ValueError)


def _write_npz(fh, arrays: dict, compress: bool) -> None:
    """numpy's .npz layout (one ``<name>.npy`` member per array) with fixed timestamps."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(fh, mode="w", compression=method, allowZip64=True) as zf:
        for name, a in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            info.compress_type = method
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, a, allow_pickle=False)


def save_arrays(path, arrays: dict, params: dict, *, compress: bool = False, record: dict | None = None) -> Path:
    """Write arrays and their parameters atomically to ``path`` (an .npz file).

    Parameters
    ----------
    path : str or path
        Destination; parent folders are created.
    arrays : dict of str -> array_like
        Numeric or string arrays (object arrays are refused: they would need pickle).
    params : dict
        JSON-serialisable parameters that determine the arrays.
    compress : bool
        Use zip deflate (smaller, slower; rarely worth it for float features).
    record : dict, optional
        Stored in the metadata but not hashed, e.g. the profile's overrides
        (:func:`glasshelpers.pipeline.provenance.profile_record`): it documents how the product
        was made without invalidating it for values it does not depend on.

    Returns
    -------
    Path
        The written path.
    """
    path = Path(path)
    if META_KEY in arrays:
        raise ValueError(f"{META_KEY!r} is reserved for the metadata")
    clean = {}
    for name, value in arrays.items():
        a = np.asarray(value)
        if a.dtype == object:
            raise ValueError(f"array {name!r} has dtype object; store numeric or string arrays only")
        clean[str(name)] = a
    meta = {
        "params": params,
        "params_hash": params_hash(params),
        "code_version": code_version(),
        "arrays": sorted(clean),
        "record": record or {},
    }
    clean[META_KEY] = np.array(json.dumps(meta, sort_keys=True, default=float))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            _write_npz(fh, clean, compress)
            fh.flush()
            os.fsync(fh.fileno())
        integrity.forget(path)
    integrity.record(path)
    return path


def read_meta(path) -> dict:
    """The metadata record of a stored file (params, params_hash, code_version, ...)."""
    with np.load(path, allow_pickle=False) as z:
        if META_KEY not in z.files:
            raise StaleDataError(f"{path} has no {META_KEY} record; it was not written by save_arrays")
        return json.loads(str(z[META_KEY]))


def check_archive(path) -> None:
    """Raise DamagedProductError if ``path`` does not match its integrity record (size
    always, SHA-256 after a change of mtime) or, without a record, is not a readable zip
    whose every member passes its CRC check."""
    c = integrity.check(path)
    if c.state == "damaged":
        raise DamagedProductError(f"{describe(path)} is damaged ({c.why})")
    if c.state == "unrecorded":
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except _DAMAGE as exc:
            raise DamagedProductError(f"{describe(path)} is damaged: it does not open as a zip archive ({exc})") from None
        if bad is not None:
            raise DamagedProductError(f"{describe(path)} is damaged: member {bad} fails its CRC check")


def _differences(stored: dict, requested: dict) -> list[str]:
    a = json.loads(json.dumps(stored, sort_keys=True, default=float))
    b = json.loads(json.dumps(requested, sort_keys=True, default=float))
    keys = sorted(set(a) | set(b))
    return [f"{k}: stored {a.get(k, '<absent>')!r}, requested {b.get(k, '<absent>')!r}"
            for k in keys if a.get(k, object()) != b.get(k, object())]


def load_arrays(path, params: dict, *, missing_ok: bool = False):
    """Load arrays stored by :func:`save_arrays` if they were made with ``params``.

    Parameters
    ----------
    path : str or path
    params : dict
        The parameters the caller needs.
    missing_ok : bool
        Return None instead of raising when the file does not exist.

    Returns
    -------
    dict of str -> ndarray, or None
        All stored arrays, read into memory.

    Raises
    ------
    FileNotFoundError
        No such file (unless ``missing_ok``).
    StaleDataError
        The file was made with other parameters (the message lists the differences).
    DamagedProductError
        The file does not match its integrity record, or does not open / fails a CRC check.
    """
    path = Path(path)
    if not path.exists():
        if missing_ok:
            return None
        raise FileNotFoundError(f"no stored arrays at {path}")
    c = integrity.check(path)
    if c.state == "damaged":
        raise DamagedProductError(f"{describe(path)} is damaged ({c.why})")
    try:
        with np.load(path, allow_pickle=False) as z:
            if META_KEY not in z.files:
                raise StaleDataError(f"{path} has no {META_KEY} record; it was not written by save_arrays")
            meta = json.loads(str(z[META_KEY]))
            if meta.get("params_hash") != params_hash(params):
                diff = _differences(meta.get("params", {}), params)
                raise StaleDataError(
                    f"{path} was made with other parameters (stored hash {meta.get('params_hash')}, "
                    f"requested {params_hash(params)}; code {meta.get('code_version')}): "
                    + ("; ".join(diff) if diff else "values differ")
                )
            return {name: z[name] for name in z.files if name != META_KEY}
    except _DAMAGE as exc:         # a zip that does not open, a member failing its CRC
        raise DamagedProductError(f"{describe(path)} is damaged: {type(exc).__name__}: {exc}") from None


def cached(path, params: dict, compute_fn, *, on_stale: str = "recompute", record: dict | None = None):
    """Load ``path`` if it matches ``params``, else compute, store and return.

    Parameters
    ----------
    path : str or path
    params : dict
        Parameters that determine the result (the only invalidation criterion).
    compute_fn : callable
        ``compute_fn() -> dict of arrays``; called only when needed.
    on_stale : {"recompute", "raise"}
        What to do with a file made with other parameters: overwrite it with a fresh
        result (default) or raise StaleDataError.
    record : dict, optional
        Stored with a freshly computed result, not hashed (see :func:`save_arrays`).

    Returns
    -------
    dict of str -> ndarray
    """
    if on_stale not in ("recompute", "raise"):
        raise ValueError(f"on_stale must be 'recompute' or 'raise', got {on_stale!r}")
    try:
        got = load_arrays(path, params, missing_ok=True)
    except StaleDataError:
        if on_stale == "raise":
            raise
        got = None
    except DamagedProductError as exc:
        set_aside(path, str(exc))
        got = None
    if got is not None:
        return got
    arrays = compute_fn()
    save_arrays(path, arrays, params, record=record)
    return {k: np.asarray(v) for k, v in arrays.items()}


def set_aside(path, why: str) -> Path:
    """Move a damaged product aside (``<profile>/damaged/<time>/...``, with its record)
    and say so in one line on stderr; return where it went."""
    root = integrity.owner_root(path)
    dest = integrity.quarantine_dir(root)
    moved = integrity.quarantine([path], root, dest)
    where = describe(moved[0]) if moved else describe(dest)
    print(f"glassbook: {why}: moved aside to {where}; recomputing it", file=sys.stderr, flush=True)
    return moved[0] if moved else dest
