"""Checks of the reproducibility promise: the same profile and seed give the same bytes.

* ``trajectory_digests``: SHA-256 of every seed configuration and trajectory of a
  profile's data folder, keyed by their path inside it.
* ``results_differences``: every difference between two folders' result CSVs, ignoring
  columns that record when or with which build something ran (wall times, code version).
* ``half_written``: anything an interrupted run could have left behind: run folders
  still holding ``work/``, temporary files (``*.part``, ``*.trunc``, ``*.copy``),
  trajectories that do not open or lack frames, executed notebooks with a cell that
  never ran.

Used by the kill soak test, the cluster test and by hand
(``python -m glasshelpers.pipeline.reproducibility A B``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

#: result columns that legitimately differ between two runs of the same profile
VOLATILE_COLUMNS = ("code_version", "wall_time_s", "wall_s", "duration_s", "seconds")

#: temporary names of atomic writes (``*.part``, dot-files included), executed notebooks,
#: GSD truncation and canonical copies
_TEMP_PATTERNS = ("*.part", "*.part.ipynb", "*.trunc", "*.copy")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def trajectory_digests(profile_root) -> dict[str, str]:
    """``{relative path: sha256}`` of ``sim/*/seed/seed.gsd`` and ``sim/*/T*/traj.gsd``."""
    root = Path(profile_root)
    files = sorted(root.glob("sim/*/seed/seed.gsd")) + sorted(root.glob("sim/*/T*/traj.gsd"))
    return {str(f.relative_to(root)): _sha256(f) for f in files}


def _volatile(column: str) -> bool:
    return column in VOLATILE_COLUMNS or "wall" in column.lower()


def results_differences(root_a, root_b) -> list[str]:
    """Human-readable differences between the ``results/*.csv`` of two profile folders."""
    a, b = Path(root_a) / "results", Path(root_b) / "results"
    names_a = {p.name for p in a.glob("*.csv")}
    names_b = {p.name for p in b.glob("*.csv")}
    out = [f"only in {a}: {n}" for n in sorted(names_a - names_b)]
    out += [f"only in {b}: {n}" for n in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        da, db = pd.read_csv(a / name), pd.read_csv(b / name)
        keep = [c for c in da.columns if not _volatile(c)]
        if list(da.columns) != list(db.columns):
            out.append(f"{name}: columns differ")
            continue
        da, db = da[keep], db[keep]
        if da.shape != db.shape:
            out.append(f"{name}: shape {da.shape} vs {db.shape}")
            continue
        diff = ~((da == db) | (da.isna() & db.isna()))
        if diff.to_numpy().any():
            cols = [c for c in keep if diff[c].any()]
            out.append(f"{name}: values differ in {cols}")
    return out


def _notebook_unexecuted_cells(path: Path) -> int:
    nb = json.loads(path.read_text())
    return sum(1 for c in nb.get("cells", []) if c.get("cell_type") == "code"
               and "".join(c.get("source", "")).strip() and c.get("execution_count") is None)


def half_written(profile_root) -> list[str]:
    """Everything in a profile folder that an interrupted run left incomplete."""
    import gsd.hoomd

    root = Path(profile_root)
    problems = []
    for work in root.glob("sim/*/*/work"):
        problems.append(f"unfinished run folder: {work.relative_to(root)}")
    for pattern in _TEMP_PATTERNS:
        for f in root.rglob(pattern):
            if ".workflow" not in f.parts:
                problems.append(f"temporary file: {f.relative_to(root)}")
    for run in sorted(root.glob("sim/*/T*")):
        meta, traj = run / "meta.json", run / "traj.gsd"
        if not meta.exists():
            continue
        try:
            with gsd.hoomd.open(str(traj), "r") as fh:
                n = len(fh)
        except Exception as exc:   # noqa: BLE001 - any failure to open is a finding
            problems.append(f"unreadable trajectory {traj.relative_to(root)}: {exc}")
            continue
        want = json.loads(meta.read_text()).get("n_frames")
        if want is not None and n != want:
            problems.append(f"truncated trajectory {traj.relative_to(root)}: {n} of {want} frames")
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        if nb.name.endswith(".part.ipynb"):
            continue
        missing = _notebook_unexecuted_cells(nb)
        if missing:
            problems.append(f"notebook with {missing} unexecuted cell(s): {nb.relative_to(root)}")
    return sorted(set(problems))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glasshelpers.pipeline.reproducibility",
                                 description="Compare two data folders of the same profile.")
    ap.add_argument("a", help="profile folder, e.g. data/tiny")
    ap.add_argument("b", help="another folder of the same profile")
    args = ap.parse_args(argv)
    da, db = trajectory_digests(args.a), trajectory_digests(args.b)
    bad = [k for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)]
    for k in bad:
        print(f"trajectory differs or is missing: {k}")
    diffs = results_differences(args.a, args.b)
    for d in diffs:
        print(d)
    for root in (args.a, args.b):
        for p in half_written(root):
            print(f"{root}: {p}")
    same = not bad and not diffs
    print(f"{len(da)} trajectories compared; {'identical' if same else 'DIFFERENT'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
