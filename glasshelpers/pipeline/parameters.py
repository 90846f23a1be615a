"""Notebook parameters, validated like profiles: before any work, one line, exit status 2.

Every stage notebook's first code cell after its ``parameters`` cell calls
:func:`check_parameters` with the values papermill injected::

    P = check_parameters("01_simulation", profile, overrides, temperature=temperature)

It refuses, with one line (:class:`ParameterError`, a :class:`~glasshelpers.pipeline.profiles.ProfileError`, so every CLI
maps it to status 2 and a notebook shows ``error: ...`` instead of a traceback):

* a parameter name the notebook does not take (papermill only warns about it): the names
  come from the injected cell, read back from the kernel's input history;
* a profile that does not load or an override that does not validate (the profile's own
  one-line message);
* a temperature that is not one of the profile's, with the list and the closest value.

The workflow's job runner (:mod:`glasshelpers.pipeline.jobs`) calls the same checks before it
starts a kernel, so a bad value never reaches papermill there.
"""

from __future__ import annotations

import ast
import difflib
import os

from glasshelpers.pipeline import costs
from glasshelpers.pipeline.profiles import Profile, ProfileError, check_temperature, load_profile

#: papermill's first line of the cell it injects (python translator)
INJECTED_HEADER = "# Parameters"


class ParameterError(ProfileError):
    """A notebook parameter is unknown or holds a value the profile does not allow."""

    def _render_traceback_(self):     # IPython: one line instead of a traceback
        return [f"error: {self}"]


def _fmt(T: float) -> str:
    return f"{float(T):g}"


def temperature_in_profile(profile: Profile, temperature) -> float:
    """The profile's own value of ``temperature`` (equal within 1e-9); ParameterError
    listing the profile's temperatures otherwise."""
    try:
        T = check_temperature(temperature)
    except ProfileError as exc:
        raise ParameterError(str(exc)) from None
    temps = [float(t) for t in profile.temperatures]
    for t in temps:
        if abs(t - T) <= 1e-9:
            return t
    near = min(temps, key=lambda t: abs(t - T))
    raise ParameterError(f"temperature = {_fmt(T)} is not one of the temperatures of profile "
                         f"{profile.name!r}: [{', '.join(_fmt(t) for t in temps)}] (did you mean {_fmt(near)}?)")


def injected_names() -> list[str] | None:
    """Names papermill injected into the running kernel (its ``# Parameters`` cell, read
    from IPython's input history), or None outside a kernel or without such a cell."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    ip = get_ipython()
    if ip is None:
        return None
    for src in reversed(list(ip.user_ns.get("In", []))):
        if src.lstrip().startswith(INJECTED_HEADER):
            try:
                tree = ast.parse(src)
            except SyntaxError:
                return None
            return [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Name)]
    return None


def check_names(stage: str, given, allowed) -> None:
    """ParameterError for the first name in ``given`` that is not in ``allowed``."""
    allowed = list(allowed)
    for name in given:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(f"{stage}: unknown parameter {name!r}{hint}; this notebook takes "
                                 f"{', '.join(allowed)}")


def load(profile, overrides=None) -> dict:
    """The validated profile; its one-line ProfileError as a ParameterError."""
    if not isinstance(profile, (str, os.PathLike)):
        raise ParameterError(f"profile = {profile!r}: expected a profile name or the path of a YAML file")
    try:
        return load_profile(profile, overrides)
    except ParameterError:
        raise
    except ProfileError as exc:
        raise ParameterError(str(exc)) from None


def check_parameters(stage: str, profile, overrides=None, **values) -> Profile:
    """Validate every parameter of a stage notebook and return the loaded profile.

    ``values`` are the notebook's other parameters by name (``temperature=...``); a
    ``temperature`` must be one of the profile's. Names papermill injected that the
    notebook does not take are refused first."""
    allowed = ["profile", "overrides", *values]
    names = injected_names()
    if names:
        check_names(stage, names, allowed)
    P = load(profile, overrides)
    base = load(profile) if overrides else P
    if "temperature" in values:
        try:
            T = temperature_in_profile(P, values["temperature"])
        except ParameterError as exc:
            raise ParameterError(f"{stage}: {exc}") from None
        costs.check(P, base, [T], seed=False, what=f"{stage} at T = {T:g}")
    else:
        costs.check(P, base, what=stage)
    return P
