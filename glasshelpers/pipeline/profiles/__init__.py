"""Run profiles: plain YAML files holding every number a stage needs.

``tiny`` (tests and CI), ``demo`` (the default of ``make book``, on a laptop) and
``paper`` (the paper's protocol at N = 4096). Notebooks and the workflow read all their
numbers from a profile; nothing is hard-coded in a notebook.

A profile may start from another: ``extends: demo`` takes every value of ``demo.yaml``
and replaces those the file gives (sections merged key by key), e.g. ``demo-seed2``,
which is demo with another base seed. The validated profile holds the merged values,
so products record them in full.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
from pathlib import Path

import yaml

from glasshelpers.pipeline.paths import data_root, profile_root as profile_dir, temperature_tag  # noqa: F401 (re-exported)
from glasshelpers.pipeline.profiles.schema import Profile

PROFILE_DIR = Path(__file__).resolve().parent


class ProfileError(ValueError):
    """A profile is unknown or holds an invalid value (the message is one line)."""


def available_profiles() -> list[str]:
    """Names of the profiles shipped with the package."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


# --------------------------------------------------------------------------- reading
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last)."""


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in one mapping (first on line {seen[key] + 1})",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _display(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: os.PathLike) -> dict:
    """Parse a profile file; malformed YAML raises ProfileError with file, line and problem."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ProfileError(f"{_display(path)}: cannot read the profile: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)   # SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        what = ": ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ProfileError(f"{_display(path)}{where}: malformed YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{_display(path)}: malformed YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ProfileError(f"{_display(path)}: a profile must be a YAML mapping of sections, this file is {kind}")
    return data


def profile_path(name_or_path: str | os.PathLike) -> Path:
    """The YAML file of a shipped profile name or a path; ProfileError if there is none."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ProfileError(f"{name_or_path}: no such profile file")
        return path
    path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        close = difflib.get_close_matches(str(name_or_path), available_profiles(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ProfileError(f"unknown profile {str(name_or_path)!r}{hint}: choose one of "
                           f"{available_profiles()} or give a YAML path")
    return path


def read_extended(path: os.PathLike, _chain: tuple = ()) -> dict:
    """A profile file with its ``extends`` chain resolved (see the module docstring).

    ``extends`` names a shipped profile or a YAML path (relative to the file); the file's
    own values replace the base's, sections merged key by key. ProfileError for an
    unknown base, a base that is not a name, or a cycle.
    """
    path = Path(path).resolve()
    if path in _chain:
        names = " -> ".join(p.stem for p in (*_chain, path))
        raise ProfileError(f"{_display(path)}: extends forms a cycle ({names})")
    raw = read_yaml(path)
    if "extends" not in raw:
        return raw
    base = raw.pop("extends")
    if not isinstance(base, str) or not base:
        raise ProfileError(f"{_display(path)}: extends = {_describe(base)}: expected the name of a profile "
                           f"or a YAML path")
    if Path(base).suffix in (".yaml", ".yml"):
        base = path.parent / base            # a path relative to the file (an absolute one stays)
    try:
        base_path = profile_path(base)
    except ProfileError as exc:
        raise ProfileError(f"{_display(path)}: extends: {exc}") from None
    return _merge(read_extended(base_path, (*_chain, path)), raw)


# ------------------------------------------------------------------------- overrides
def expand_overrides(overrides: dict | None) -> dict:
    """Dotted keys to nested dicts: ``{"classifiers.C": 0.1}`` -> ``{"classifiers": {"C": 0.1}}``.

    Nested values are kept (``{"engine": {"name": "hoomd"}}`` is already expanded); two
    overrides of the same key are merged. ProfileError for a key that is not a string.
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise ProfileError(f"overrides must be a mapping of dotted profile keys to values, got {overrides!r}")
    nested: dict = {}
    for key, value in overrides.items():
        if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
            raise ProfileError(f"override key {key!r}: expected a dotted profile key such as 'classifiers.C'")
        *parents, leaf = key.split(".")
        d = nested
        for i, part in enumerate(parents):
            d = d.setdefault(part, {})
            if not isinstance(d, dict):
                raise ProfileError(f"override key {key!r} goes inside {'.'.join(parents[:i + 1])!r}, "
                                   f"which another override sets to a value")
        d[leaf] = _merge(d[leaf], value) if isinstance(d.get(leaf), dict) and isinstance(value, dict) else value
    return nested


def flatten_overrides(nested: dict, base: dict) -> dict:
    """Nested overrides as dotted keys, descending only into sections of ``base``."""
    out = {}
    for key, value in nested.items():
        sub = base.get(key) if isinstance(base, dict) else None
        if (isinstance(value, dict) and value and (sub is None or isinstance(sub, dict))
                and all(isinstance(k, str) for k in value) and all(isinstance(k, str) for k in sub or {})):
            for k2, v2 in flatten_overrides(value, sub).items():
                out[f"{key}.{k2}"] = v2
        else:
            out[str(key)] = value
    return out


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


# ------------------------------------------------------------------------ validation
def _field_at(parts):
    """(dotted key, FieldInfo or None, model class holding it) for a pydantic error location."""
    from pydantic import BaseModel

    from glasshelpers.pipeline.profiles.schema import Profile

    model, info, key, holder = Profile, None, "", Profile
    for part in parts:
        if isinstance(part, str) and model is not None and part in model.model_fields:
            info, holder = model.model_fields[part], model
            key = f"{key}.{part}" if key else part
            ann = info.annotation
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        elif isinstance(part, int) and not isinstance(part, bool):
            key += f"[{part}]"
        elif isinstance(part, float):
            key += f"[{part:g}]"
        elif model is not None and isinstance(part, str):   # an unknown key below a section
            key = f"{key}.{part}" if key else part
            return key, None, model
        # other parts (union members, '[key]') add nothing a person needs
    return key, info, holder


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _error_items(exc, override_keys) -> list[str]:
    """One ``key: what is expected`` item per offending key of a pydantic ValidationError."""
    from pydantic import BaseModel

    notes: dict[str, list[str]] = {}                   # key -> free-text problems
    typed: dict[str, tuple[str, list[str], str]] = {}  # key -> (input, expectations, description)
    for err in exc.errors():
        kind, loc, msg = err["type"], err["loc"], err["msg"]
        msg = msg.removeprefix("Value error, ")
        if not loc and kind == "value_error":          # cross-field rules: "key: msg | key: msg"
            for piece in msg.split(" | "):
                key, _, text = piece.partition(": ")
                notes.setdefault(key, []).append(text)
            continue
        key, info, holder = _field_at(loc)
        if kind == "extra_forbidden":
            leaf = key.rsplit(".", 1)[-1]
            known = list(holder.model_fields)
            close = [k for k in known if k.lower() == leaf.lower()] or \
                difflib.get_close_matches(leaf, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(known)}"
            notes.setdefault(key, []).append(f"unknown key; {hint}")
            continue
        desc = info.description if info is not None and info.description else ""
        if kind == "missing":
            ann = info.annotation if info is not None else None
            what = "section" if isinstance(ann, type) and issubclass(ann, BaseModel) else "key"
            notes.setdefault(key, []).append(f"required {what} is missing" + (f" ({desc})" if desc else ""))
            continue
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            msg = "Input should be a mapping of keys to values"
        text = (msg[0].lower() + msg[1:]) if msg else kind
        text = text.replace("input should be", "expected")
        entry = typed.setdefault(key, (_describe(err.get("input")), [], desc))
        if text not in entry[1]:
            entry[1].append(text)
    out = []
    for key in dict.fromkeys([*typed, *notes]):
        tag = _override_tag(key, override_keys)
        parts = []
        if key in typed:
            value, texts, desc = typed[key]
            texts = [texts[0]] + [t.removeprefix("expected ") for t in texts[1:]]
            parts.append(f"{key}{tag} = {value}: {' or '.join(texts)}" + (f" ({desc})" if desc else ""))
        if key in notes:
            parts.append(f"{key}{tag}: {'; '.join(notes[key])}")
        out.extend(parts)
    return out


def _override_tag(key: str, override_keys) -> str:
    """`` (override)`` when the dotted ``key`` was set, or lies inside or above a key set, by an override."""
    hit = any(key == k or key.startswith((k + ".", k + "[")) or k.startswith(key + ".") for k in override_keys)
    return " (override)" if hit else ""


def shelf_problems(p: Profile) -> list[tuple[str, str]]:
    """Why the profile's shelf cannot start its runs (missing, another N or density, too few states)."""
    if p.protocol.shelf is None:
        return []
    from glasshelpers.pipeline.shelf import ShelfError, ShelfProtocol

    try:
        shelf = ShelfProtocol.load(p.protocol.shelf)
    except ShelfError as exc:
        return [("protocol.shelf", str(exc))]
    out = []
    if shelf.n_particles != p.model.n_particles or abs(shelf.density - p.model.density) > 1e-12:
        out.append(("protocol.shelf", f"shelf {shelf.name!r} holds N = {shelf.n_particles} at density {shelf.density:g}, "
                                      f"the profile N = {p.model.n_particles} at {p.model.density:g}: remove "
                                      "protocol.shelf (start from the seed run) or make a shelf for this system"))
    first = int(p.protocol.shelf_state)
    if first + p.replicas > shelf.states:
        out.append(("replicas", f"{p.replicas} replicas from state {first} on need states {first}-"
                                f"{first + p.replicas - 1}; shelf {shelf.name!r} has {shelf.states} (0-{shelf.states - 1})"))
    return out


def validate_profile(raw: dict, source: str = "profile", override_keys=()) -> Profile:
    """Validate a profile dict against :mod:`glasshelpers.pipeline.profiles.schema`.

    Returns the validated :class:`~glasshelpers.pipeline.profiles.schema.Profile`, every
    default filled in (``as_dict()`` gives it as plain data); raises
    ProfileError with one line per call: ``<source>: <dotted key> ...: <what is expected>``
    (several problems separated by ``;``).
    """
    from pydantic import ValidationError

    try:
        model = Profile.model_validate(raw)
    except ValidationError as exc:
        items = _error_items(exc, tuple(override_keys))
        raise ProfileError(" ".join(f"{source}: {'; '.join(items)}".split())) from None
    shelf = shelf_problems(model)              # reads the shelf's files: after the schema's own rules
    if shelf:
        items = [f"{key}{_override_tag(key, override_keys)}: {msg}" for key, msg in shelf]
        raise ProfileError(" ".join(f"{source}: {'; '.join(items)}".split()))
    return model


def load_profile(name_or_path: str | os.PathLike, overrides: dict | None = None) -> Profile:
    """Read and validate a profile.

    Parameters
    ----------
    name_or_path : str or path
        A shipped profile name (``tiny``, ``demo``, ``paper``) or a path to a YAML file.
    overrides : dict, optional
        Values that replace the file's, as dotted keys (``{"classifiers.C": 0.1}``, the
        form papermill's ``overrides`` parameter takes) or nested (``{"engine": {"name":
        "hoomd"}}``). They are validated with the file.

    Returns
    -------
    Profile
        The validated profile, defaults filled in. ``profile.overrides`` records the
        applied overrides as dotted keys (``{}`` when none). A file may hold such a record
        (a dumped profile does); it is kept as a record and not applied again: the
        file's own values are the ones used.

    Raises
    ------
    ProfileError
        One line naming the file, the dotted key and what is expected.
    """
    path = profile_path(name_or_path)
    raw = read_extended(path)
    source = _display(path)
    recorded = raw.pop("overrides", None) or {}
    if not isinstance(recorded, dict):
        raise ProfileError(f"{source}: overrides = {_describe(recorded)}: expected a mapping (the record of "
                           f"applied overrides that load_profile writes)")
    try:
        extra = expand_overrides(overrides)
    except ProfileError as exc:
        raise ProfileError(f"{source}: {exc}") from None
    merged = _merge(raw, extra)
    applied = flatten_overrides(extra, raw)
    merged["overrides"] = json.loads(json.dumps({**recorded, **applied}, default=str))
    if applied:
        source += " with overrides " + json.dumps(applied, default=str)
    return validate_profile(merged, source, override_keys=applied)


def check_temperature(T) -> float:
    """Return T as float, or raise ProfileError unless 0 < T < inf."""
    try:
        T = float(T)
    except (TypeError, ValueError):
        raise ProfileError(f"temperature must be a number, got {T!r}") from None
    if not (T > 0 and T < float("inf")):
        raise ProfileError(f"temperature must be positive and finite, got {T!r}")
    return T


def steps_per_tau(profile: Profile) -> int:
    """MD steps in one tau (1 / dt)."""
    return int(round(1.0 / profile.engine.dt))


def production_time(profile: Profile, T: float) -> int:
    """Production length at temperature T, in tau (= number of frame intervals)."""
    by_t = {float(k): v for k, v in (profile.protocol.production_time_by_T or {}).items()}
    return int(by_t.get(round(float(T), 6), profile.protocol.production_time))


def equil_time(profile: Profile, T: float) -> int:
    """Equilibration at temperature T before production, in tau (``protocol.equil_time``,
    or ``protocol.equil_time_by_T`` where it names T)."""
    by_t = {round(float(k), 6): v for k, v in (profile.protocol.equil_time_by_T or {}).items()}
    return int(by_t.get(round(float(T), 6), profile.protocol.equil_time))


def replicas(profile: Profile) -> list[int]:
    """Replica indices of a profile: ``range(profile.replicas)``."""
    return list(range(int(profile.replicas)))


def engine_threads(profile: Profile) -> int:
    """CPU threads of the MD engine. Part of the profile, not a run-time choice: LAMMPS'
    OpenMP styles sum forces in a thread-dependent order, so another thread count gives
    another (equally valid) trajectory."""
    return int(profile.engine.threads)



def seed_threads(profile: Profile) -> int:
    """CPU threads of the seed run (``engine.seed_threads``, default ``engine.threads``):
    the seed runs alone at the start of the workflow, so it may use every core. Part of the
    seed's parameters, since the thread count changes the trajectory's bits."""
    return int(profile.engine.seed_threads or engine_threads(profile))