"""Provenance of generated data: parameter hashes, code version, atomic writes.

Every product is written under a temporary name and renamed when complete, and carries
a ``meta`` record (parameters + code version) that later runs compare against. A full
disk during a write removes the temporary file and raises
:class:`glasshelpers.pipeline.faults.DiskFullError` naming the product, so nothing is half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from glasshelpers import __version__
from glasshelpers.pipeline.faults import DiskFullError, is_disk_full, product_name

if TYPE_CHECKING:
    from glasshelpers.pipeline.profiles.schema import Profile


class StaleDataError(RuntimeError):
    """Data on disk were made with other parameters than the ones requested."""


def params_hash(params: dict) -> str:
    """Short, stable hash of a JSON-serialisable parameter dict (key order does not matter)."""
    blob = json.dumps(params, sort_keys=True, default=float).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def profile_record(profile: Profile) -> dict:
    """What a product records about the profile beyond its parameters (not hashed): the
    profile name and the overrides applied on top of its file (dotted key -> value)."""
    return {"profile": profile.name, "overrides": dict(profile.overrides or {})}


def code_version() -> str:
    """Package version plus the git commit when run from a checkout (``+dirty`` if modified)."""
    root = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return __version__
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return f"{__version__}+g{rev.stdout.strip()}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return __version__


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    A full disk (ENOSPC, EDQUOT) anywhere inside the block removes the temporary file
    and raises DiskFullError naming ``path`` (its place in the profile folder)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(product_name(path), exc.errno) from exc
        raise
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        if is_disk_full(exc) and not isinstance(exc, DiskFullError):
            raise DiskFullError(product_name(path), exc.errno) from exc
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path, obj) -> None:
    """Write JSON atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as fh:
            json.dump(obj, fh, indent=2, sort_keys=True, default=float)


def read_json(path):
    with open(path) as fh:
        return json.load(fh)


def check_meta(meta_path, params: dict, what: str) -> bool:
    """Compare a product's stored parameters with the requested ones.

    Returns True when the product exists and matches (nothing to do), False when it
    does not exist; raises StaleDataError when it exists with other parameters.
    """
    meta_path = Path(meta_path)
    if not meta_path.exists():
        return False
    meta = read_json(meta_path)
    if meta.get("params_hash") != params_hash(params):
        raise StaleDataError(
            f"{what} at {meta_path.parent} was made with other parameters "
            f"(stored hash {meta.get('params_hash')}, requested {params_hash(params)}). "
            f"Delete that folder or choose another profile/data root; nothing was overwritten."
        )
    return True


def stamp_code_version(path: os.PathLike, version: str | None = None, profile_hash: str | None = None) -> None:
    """Write ``metadata.glassbook.code_version`` (and ``profile_hash``, the hash of the
    profile that ran it, :func:`glasshelpers.pipeline.matching.profile_hash`) into an
    executed notebook (atomically)."""
    nb = json.loads(Path(path).read_text())
    stamp = nb.setdefault("metadata", {}).setdefault("glassbook", {})
    stamp["code_version"] = version or code_version()
    if profile_hash is not None:
        stamp["profile_hash"] = profile_hash
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(nb, indent=1))
