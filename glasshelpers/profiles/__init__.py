"""Run profiles: plain YAML files holding every number a stage needs.

``tiny`` (tests and CI), ``demo`` (the README's main command on a laptop) and
``paper`` (the paper's protocol at N = 4096). Notebooks and the workflow read all their
numbers from a profile; nothing is hard-coded in a notebook.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from ..model import KASystem
from ..paths import data_root, profile_root as profile_dir, temperature_tag  # noqa: F401 (re-exported)

PROFILE_DIR = Path(__file__).resolve().parent
REQUIRED = {
    "model": ("n_particles", "density"),
    "engine": ("name", "dt", "tau_thermostat"),
    "protocol": ("seed_temperature", "seed_time", "equil_time", "production_time", "checkpoint_every"),
}
KNOWN_ENGINES = ("lammps", "hoomd")


class ProfileError(ValueError):
    """A profile is unknown or holds an invalid value."""


def available_profiles() -> list[str]:
    """Names of the profiles shipped with the package."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load_profile(name_or_path: str | os.PathLike, overrides: dict | None = None) -> dict:
    """Read and validate a profile.

    Parameters
    ----------
    name_or_path : str or path
        A shipped profile name (``tiny``, ``demo``, ``paper``) or a path to a YAML file.
    overrides : dict, optional
        Nested values that replace the file's, e.g. ``{"engine": {"name": "hoomd"}}``.

    Returns
    -------
    dict
        The validated profile.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ProfileError(
            f"unknown profile {str(name_or_path)!r}: choose one of {available_profiles()} or give a YAML path"
        )
    with open(path) as fh:
        profile = yaml.safe_load(fh)
    if overrides:
        profile = _merge(profile, overrides)
    profile.setdefault("replicas", 1)
    if isinstance(profile.get("engine"), dict):
        profile["engine"].setdefault("threads", 1)
    if isinstance(profile.get("labels"), dict):
        profile["labels"].setdefault("p_l_margin", 1.0)
    validate_profile(profile)
    return profile


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def validate_profile(profile: dict) -> None:
    """Raise ProfileError with a clear message for any invalid value."""
    for section, keys in REQUIRED.items():
        if section not in profile:
            raise ProfileError(f"profile {profile.get('name')!r} has no {section!r} section")
        for key in keys:
            if key not in profile[section]:
                raise ProfileError(f"profile {profile.get('name')!r}: missing {section}.{key}")
    try:
        KASystem(profile["model"]["n_particles"], profile["model"]["density"])
    except ValueError as exc:
        raise ProfileError(f"profile {profile.get('name')!r}: {exc}") from None
    eng = profile["engine"]
    if eng["name"] not in KNOWN_ENGINES:
        raise ProfileError(f"unknown engine {eng['name']!r}; known: {KNOWN_ENGINES}")
    steps = 1.0 / eng["dt"]
    if not eng["dt"] > 0 or abs(steps - round(steps)) > 1e-9:
        raise ProfileError(f"dt = {eng['dt']!r} must be positive and divide 1 tau into whole steps")
    temps = list(profile.get("temperatures", [])) + [profile["protocol"]["seed_temperature"]]
    for T in temps:
        check_temperature(T)
    prot = profile["protocol"]
    for key in ("seed_time", "equil_time", "production_time", "checkpoint_every"):
        if not (isinstance(prot[key], (int, float)) and prot[key] >= 0 and float(prot[key]).is_integer()):
            raise ProfileError(f"protocol.{key} must be a whole number of tau >= 0, got {prot[key]!r}")
    for key, value in (("replicas", profile["replicas"]), ("engine.threads", eng["threads"])):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ProfileError(f"{key} must be a whole number >= 1, got {value!r}")
    if prot["checkpoint_every"] < 1:
        raise ProfileError("protocol.checkpoint_every must be at least 1 tau")


def check_temperature(T) -> float:
    """Return T as float, or raise ProfileError unless 0 < T < inf."""
    try:
        T = float(T)
    except (TypeError, ValueError):
        raise ProfileError(f"temperature must be a number, got {T!r}") from None
    if not (T > 0 and T < float("inf")):
        raise ProfileError(f"temperature must be positive and finite, got {T!r}")
    return T


def steps_per_tau(profile: dict) -> int:
    """MD steps in one tau (1 / dt)."""
    return int(round(1.0 / profile["engine"]["dt"]))


def production_time(profile: dict, T: float) -> int:
    """Production length at temperature T, in tau (= number of frame intervals)."""
    by_t = {float(k): v for k, v in (profile["protocol"].get("production_time_by_T") or {}).items()}
    return int(by_t.get(round(float(T), 6), profile["protocol"]["production_time"]))


def replicas(profile: dict) -> list[int]:
    """Replica indices of a profile: ``range(profile['replicas'])``."""
    return list(range(int(profile.get("replicas", 1))))


def engine_threads(profile: dict) -> int:
    """CPU threads of the MD engine. Part of the profile, not a run-time choice: LAMMPS'
    OpenMP styles sum forces in a thread-dependent order, so another thread count gives
    another (equally valid) trajectory."""
    return int(profile["engine"].get("threads", 1))
