"""The two roots every path starts from: the repository and the data root.

A module of its own so that the lowest plumbing (faults, provenance) can name products
relative to the data root without importing the path scheme of :mod:`glasshelpers.pipeline.paths`.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository (the folder holding ``glasshelpers/``, ``notebooks/`` and ``book/``).
REPO_ROOT = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """Root of generated data: ``$GLASSBOOK_DATA``, else ``data/`` at the repository root."""
    env = os.environ.get("GLASSBOOK_DATA")
    return Path(env) if env else REPO_ROOT / "data"
