"""Trajectories in GSD (HOOMD schema) and thermodynamic logs.

Frames hold wrapped positions (float32, box centred on the origin), image flags,
types A/B and the MD step; ``log/glassbook/time`` holds the production time in tau.
Unwrapped positions are ``position + image * L`` (exact up to float32 rounding of the
wrapped coordinate, about 1e-6 sigma).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import gsd.hoomd
import numpy as np

from glasshelpers.core.md.model import TYPE_NAMES

THERMO_FIELDS = ("phase", "step", "time", "pe", "temperature", "pressure")


def make_frame(state, time: float | None = None) -> gsd.hoomd.Frame:
    """A GSD frame from an engine State (see glasshelpers.core.md.engines.base.State)."""
    frame = gsd.hoomd.Frame()
    frame.configuration.step = int(state.step)
    L = float(state.box_length)
    frame.configuration.box = [L, L, L, 0.0, 0.0, 0.0]
    frame.particles.N = len(state.positions)
    frame.particles.types = list(TYPE_NAMES)
    frame.particles.typeid = np.asarray(state.types, dtype=np.uint32)
    frame.particles.position = np.asarray(state.positions, dtype=np.float32)
    frame.particles.image = np.asarray(state.images, dtype=np.int32)
    if time is not None:
        frame.log["glassbook/time"] = np.array([time], dtype=np.float64)
    return frame


def write_configuration(path, state, log: dict | None = None) -> None:
    """Write one configuration (with velocities and optional log arrays) as a one-frame GSD file."""
    frame = make_frame(state)
    frame.particles.velocity = np.asarray(state.velocities, dtype=np.float32)
    for key, value in (log or {}).items():
        frame.log[key] = np.asarray(value)
    with gsd.hoomd.open(os.fspath(path), mode="w") as traj:
        traj.append(frame)


def read_configuration(path, frame: int = -1) -> dict:
    """Positions, images, types, box length, step (and velocities if stored) of one frame."""
    with gsd.hoomd.open(os.fspath(path), mode="r") as traj:
        if len(traj) == 0:
            raise ValueError(f"{path} holds no frames")
        f = traj[frame]
        return {
            "positions": np.asarray(f.particles.position, dtype=np.float64),
            "images": np.asarray(f.particles.image, dtype=np.int32),
            "types": np.asarray(f.particles.typeid, dtype=np.int32),
            "velocities": np.asarray(f.particles.velocity, dtype=np.float64),
            "box_length": float(f.configuration.box[0]),
            "step": int(f.configuration.step),
            "log": dict(f.log),
        }


def n_frames(path) -> int:
    with gsd.hoomd.open(os.fspath(path), mode="r") as traj:
        return len(traj)


def read_steps(path) -> np.ndarray:
    """The MD step of every frame."""
    with gsd.hoomd.open(os.fspath(path), mode="r") as traj:
        return np.array([f.configuration.step for f in traj], dtype=np.int64)


def read_unwrapped(path, start: int = 0, stop: int | None = None, stride: int = 1) -> dict:
    """Unwrapped positions of a frame range.

    Returns
    -------
    dict with ``positions`` (n_frames, N, 3) float64 in sigma_AA, ``types`` (N,),
    ``box_length``, ``steps`` (n_frames,) and ``frames`` (the frame indices read).
    """
    with gsd.hoomd.open(os.fspath(path), mode="r") as traj:
        idx = range(len(traj))[start:stop:stride]
        if len(idx) == 0:
            raise ValueError(f"no frames in {path}[{start}:{stop}:{stride}]")
        first = traj[idx[0]]
        L = float(first.configuration.box[0])
        n = int(first.particles.N)
        pos = np.empty((len(idx), n, 3))
        steps = np.empty(len(idx), dtype=np.int64)
        for k, i in enumerate(idx):
            f = traj[i]
            pos[k] = f.particles.position + f.particles.image.astype(np.float64) * L
            steps[k] = f.configuration.step
        return {"positions": pos, "types": np.asarray(first.particles.typeid, dtype=np.int32),
                "box_length": L, "steps": steps, "frames": np.asarray(idx)}


def truncate_gsd(path, keep: int) -> None:
    """Keep only the first ``keep`` frames of a GSD file (rewritten through a temporary file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".trunc")
    with gsd.hoomd.open(os.fspath(path), mode="r") as src, gsd.hoomd.open(os.fspath(tmp), mode="w") as dst:
        if len(src) < keep:
            raise RuntimeError(f"{path} has {len(src)} frames, fewer than the checkpoint's {keep}")
        for i in range(keep):
            dst.append(src[i])
    os.replace(tmp, path)


def canonical_copy(src, dst) -> None:
    """Rewrite a GSD file frame by frame into ``dst`` (through a temporary name).

    A trajectory that was truncated and appended to while resuming has another byte
    layout than one written in one go; the copy has the same bytes either way."""
    dst = Path(dst)
    tmp = dst.with_name(dst.name + ".copy")
    with gsd.hoomd.open(os.fspath(src), mode="r") as fin, gsd.hoomd.open(os.fspath(tmp), mode="w") as fout:
        for frame in fin:
            fout.append(frame)
    os.replace(tmp, dst)


def write_thermo(path, rows) -> None:
    """Write thermodynamic rows (dicts with THERMO_FIELDS) as CSV."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=THERMO_FIELDS)
        w.writeheader()
        w.writerows(rows)


def read_thermo(path) -> list[dict]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["step"] = int(r["step"])
        for k in ("time", "pe", "temperature", "pressure"):
            r[k] = float(r[k])
    return rows


def production_averages(rows) -> dict:
    """Averages over the production phase of a thermodynamic log (``read_thermo`` rows).

    Returns a dict with ``pe`` (U/N, epsilon), ``pe_first_half`` and ``pe_second_half``
    (drift check), ``temperature`` (kinetic T, epsilon/k_B), ``pressure``
    (epsilon/sigma^3) and ``n`` (rows averaged); raises ValueError without production rows.
    """
    prod = [r for r in rows if r["phase"] == "production"]
    if not prod:
        raise ValueError("the thermodynamic log has no production rows")
    pe = np.array([r["pe"] for r in prod], dtype=float)
    half = len(pe) // 2
    return {
        "pe": float(pe.mean()),
        "pe_first_half": float(pe[:half].mean()) if half else float(pe.mean()),
        "pe_second_half": float(pe[half:].mean()),
        "temperature": float(np.mean([r["temperature"] for r in prod])),
        "pressure": float(np.mean([r["pressure"] for r in prod])),
        "n": len(prod),
    }
