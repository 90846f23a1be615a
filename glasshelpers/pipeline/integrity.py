"""Integrity records: the size and SHA-256 of every finished product, checked before use.

Each product ``<dir>/<name>`` has a record beside it, ``<dir>/.<name>.integrity.json``::

    {"size": 17468324, "sha256": "…", "mtime_ns": 1764580000123456789, "recorded": "2026-…Z"}

written by whoever finished the product (:func:`glasshelpers.pipeline.results.write_result`,
:func:`glasshelpers.pipeline.cache.save_arrays`, the workflow's job runner for trajectories and
executed notebooks), after the product was renamed into place. The record sits in the
product's own folder, so a folder copied or cached elsewhere (``data/<profile>/sim`` on
GitHub Actions) keeps its records.

Checking is cheap and lazy (:func:`check`): the size always; the hash only when the
file's mtime differs from the one recorded (then, if the hash still matches, the record
takes the new mtime, so the next check is a ``stat`` again), or always with ``full``
(``--verify``). A product without a record is *unrecorded*: callers may check its
structure and record it (trust on first sight).

:func:`quarantine` moves damaged products (with their records) aside into
``<profile>/damaged/<UTC time>/<path inside the profile>``: nothing is deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from glasshelpers.pipeline import paths
from glasshelpers.pipeline.provenance import write_json

SUFFIX = ".integrity.json"
QUARANTINE = "damaged"


def record_path(path: os.PathLike | str) -> Path:
    """Where the record of ``path`` lives: ``<dir>/.<name>.integrity.json``."""
    path = Path(path)
    return path.with_name(f".{path.name}{SUFFIX}")


def is_record(path: os.PathLike | str) -> bool:
    name = Path(path).name
    return name.startswith(".") and name.endswith(SUFFIX)


def sha256(path: os.PathLike | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_record(path: os.PathLike | str) -> dict | None:
    """The record of ``path``, or None when there is none (an unreadable record counts as none)."""
    try:
        rec = json.loads(record_path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or not {"size", "sha256"} <= set(rec):
        return None
    return rec


def record(path: os.PathLike | str) -> dict:
    """Hash a finished product and write its record; return the record."""
    path = Path(path)
    st = path.stat()
    rec = {"size": st.st_size, "sha256": sha256(path), "mtime_ns": st.st_mtime_ns,
           "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_json(record_path(path), rec)
    return rec


def forget(path: os.PathLike | str) -> None:
    """Remove the record of ``path`` (before the product is replaced)."""
    try:
        record_path(path).unlink()
    except FileNotFoundError:
        pass


def _bytes(n: int) -> str:
    return f"{n:,} bytes"


@dataclass(frozen=True)
class Check:
    """The state of one product: ``ok``, ``damaged`` (``why`` says how), ``missing``
    (a record without its product), ``unrecorded`` (a product without a record) or
    ``absent`` (neither). ``record`` is the stored record, if any; ``hashed`` whether
    the check read the whole file."""

    path: Path
    state: str
    why: str = ""
    record: dict | None = None
    hashed: bool = False


def check(path: os.PathLike | str, full: bool = False, update: bool = True) -> Check:
    """Compare a product with its record (see the module docstring for the lazy rule).

    ``update``: after a successful hash of a file whose mtime changed, store the new mtime
    in the record (best effort: a read-only or full disk leaves the record as it was)."""
    path = Path(path)
    rec = read_record(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return Check(path, "missing" if rec else "absent", "the file is gone" if rec else "", rec)
    if rec is None:
        return Check(path, "unrecorded")
    if st.st_size != rec["size"]:
        return Check(path, "damaged", f"{_bytes(st.st_size)}, {_bytes(rec['size'])} recorded", rec)
    if not full and st.st_mtime_ns == rec.get("mtime_ns"):
        return Check(path, "ok", record=rec)
    if sha256(path) != rec["sha256"]:
        return Check(path, "damaged", "its SHA-256 differs from its record", rec, hashed=True)
    if update and st.st_mtime_ns != rec.get("mtime_ns"):
        try:
            write_json(record_path(path), {**rec, "mtime_ns": st.st_mtime_ns})
        except OSError:
            pass
    return Check(path, "ok", record=rec, hashed=True)


def owner_root(path: os.PathLike | str) -> Path:
    """The profile folder holding ``path`` (``<data root>/<profile>``), or its own folder
    when it lies outside the data root."""
    path = Path(path).resolve()
    root = paths.data_root().resolve()
    try:
        rel = path.relative_to(root)
    except ValueError:
        return path.parent
    return root / rel.parts[0] if len(rel.parts) > 1 else path.parent


def quarantine_dir(root: os.PathLike | str, stamp: str | None = None) -> Path:
    """``<root>/damaged/<UTC time>``: where products found damaged in one pass are moved."""
    return Path(root) / QUARANTINE / (stamp or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))


def quarantine(files, root: os.PathLike | str, dest: os.PathLike | str) -> list[Path]:
    """Move ``files`` (each with its record) from the folder ``root`` into ``dest``, keeping
    their place inside ``root``; return where they went. Files that are gone are skipped."""
    root, dest, moved = Path(root), Path(dest), []
    for f in files:
        f = Path(f)
        for src in (f, record_path(f)):
            if not src.exists():
                continue
            target = dest / src.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            n = 1
            while target.exists():
                target = target.with_name(f"{src.name}.{n}")
                n += 1
            shutil.move(os.fspath(src), os.fspath(target))
            if src == f:
                moved.append(target)
    return moved
