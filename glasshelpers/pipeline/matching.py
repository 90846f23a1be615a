"""Does a profile folder hold the products of the profile that asks for them?

Products are kept in ``<data root>/<profile name>/``, so two profile files with the same
``name`` share a folder. Each product records the parameters that made it: a run's
``meta.json`` its simulation parameters (:mod:`glasshelpers.pipeline.runs`), an executed
stage notebook the hash of the whole profile that ran it (``metadata.glassbook.profile_hash``,
stamped by the workflow's job runner). Before the workflow or the book build uses a
folder, :func:`check_folder` compares them with the profile it was asked for and refuses,
in one line and with exit status 6 (:class:`ProfileMismatch`), a folder made with other
parameters, before anything is written.

* Simulation parameters differ (another seed, N, protocol, engine): the trajectories belong
  to another profile; nothing can be reused, and the folder must not be overwritten.
* Only the analysis differs (a stage notebook ran with another profile hash): the
  trajectories can be reused; ``make workflow UPDATE=1`` re-runs the stages made with other
  parameters (:func:`stale_stages`), the book build refuses until then.
"""

from __future__ import annotations

import json
from pathlib import Path

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline import paths, registry
from glasshelpers.pipeline.faults import EXIT_MISMATCH, Fault
from glasshelpers.pipeline.profiles import replicas
from glasshelpers.pipeline.provenance import params_hash, read_json
from glasshelpers.pipeline.runs import Run, seed_params, uses_seed

#: keys of a profile that name or document it without changing any product (two profiles
#: that differ only there may share products)
_DOCUMENTING = ("name", "description", "overrides", "confirm_cost")


class ProfileMismatch(Fault):
    """A profile folder holds products made with other parameters than the profile asked for."""

    exit_status = EXIT_MISMATCH


def profile_hash(profile: Profile) -> str:
    """Hash (16 hex digits) of everything in a validated profile that can change a product."""
    return params_hash({k: v for k, v in profile.as_dict().items() if k not in _DOCUMENTING})


def _runs(profile: Profile, root: Path):
    """(meta.json path, expected params) of every run the profile makes, under ``root``."""
    name = paths.profile_root(profile)
    for r in replicas(profile):
        if uses_seed(profile):
            yield root / paths.seed_meta(profile, r).relative_to(name), seed_params(profile, r)
        for T in profile.temperatures:
            run = Run(profile, T, r)
            yield root / run.meta.relative_to(name), run.params


def simulation_mismatches(profile: Profile, root: Path | None = None) -> list[tuple[Path, str, str]]:
    """Finished runs under ``root`` (default: the profile's folder) whose recorded parameters
    differ from the profile's: ``(run folder, stored hash, expected hash)``."""
    root = Path(root) if root is not None else paths.profile_root(profile)
    out = []
    for meta, params in _runs(profile, root):
        if meta.is_file():
            stored = read_json(meta).get("params_hash")
            if stored != params_hash(params):
                out.append((meta.parent, str(stored), params_hash(params)))
    return out


def notebook_hash(path: Path) -> str | None:
    """The profile hash an executed notebook recorded (None: not recorded)."""
    try:
        nb = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return nb.get("metadata", {}).get("glassbook", {}).get("profile_hash")


def stale_stages(profile: Profile, root: Path | None = None) -> list[tuple[str, Path, str]]:
    """Executed notebooks under ``root`` made with another profile hash:
    ``(stage rule name, notebook, stored hash)``; notebooks without a record are trusted."""
    root = Path(root) if root is not None else paths.profile_root(profile)
    want = profile_hash(profile)
    out = []
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        stored = notebook_hash(nb)
        if stored is not None and stored != want:
            stem = next((s.stem for s in registry.STAGES if nb.stem == s.stem or nb.stem.startswith(s.stem + "_T")),
                        None)
            if stem is not None:
                rule = "simulate" if registry.stage(stem).per_temperature else f"stage_{stem}"
                out.append((rule, nb, stored))
    return out


def check_folder(profile: Profile, root: Path | None = None, *, analysis: bool = True) -> None:
    """Raise :class:`ProfileMismatch` (one line) if the folder holds runs made with other
    simulation parameters or, with ``analysis``, stage notebooks made with another profile."""
    root = Path(root) if root is not None else paths.profile_root(profile)
    name = profile.name
    sims = simulation_mismatches(profile, root)
    if sims:
        folder, stored, want = sims[0]
        more = f" (and {len(sims) - 1} more run(s))" if len(sims) > 1 else ""
        raise ProfileMismatch(
            f"{folder} holds a run made with other parameters than profile {name!r} asks for (stored "
            f"{stored}, asked {want}){more}: give this profile its own name, or its own data root "
            "(GLASSBOOK_DATA=...), or move that folder aside; nothing was overwritten")
    if analysis:
        stale = stale_stages(profile, root)
        if stale:
            _, nb, stored = stale[0]
            more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
            raise ProfileMismatch(
                f"{nb} was made with other analysis parameters than profile {name!r} (profile hash "
                f"{stored}, asked {profile_hash(profile)}){more}: re-run those stages with make workflow "
                f"PROFILE={name} UPDATE=1, or give this profile its own name or data root; nothing was "
                "overwritten")
