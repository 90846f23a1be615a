"""Where every product lives: the one map from (profile, replica, temperature, product) to a path.

No other module builds a data path; the workflow gets its path patterns here too, by
passing Snakemake wildcards (``"{rep}"``, ``"{tag}"``, ``"{stage}"``) for replica, temperature
or stem. The layout under the data root
(``$GLASSBOOK_DATA``, else ``data/`` in the checkout)::

    <root>/<profile>/
        sim/r<k>/seed/{seed.gsd, thermo.csv, meta.json}       replica k's seed configuration
        sim/r<k>/T0.450/{traj.gsd, thermo.csv, meta.json}     replica k's trajectory at T
        sim/r<k>/T0.450/work/                                 a run in progress (checkpoints)
        phop/r<k>/T0.450.npz                                  p_hop of every particle and frame
        features/r<k>/T0.450.npz                              the feature bank
        labels/<rule>_T0.450_<key>.npz                        labelled sets
        models/<name>_<key>.npz                               trained classifiers
        results/<key>.csv, figures/<key>.png                  what the book shows
        notebooks/*.ipynb, logs/*.log                         executed notebooks and their logs
        .workflow/                                            Snakemake's working directory (its lock)
        .book/                                                the book's sources, staged for this profile's build

Replicas are independent seed configurations of the same profile (profile key
``replicas``, default 1); replica 0 is the one the per-temperature book pages show.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from glasshelpers.pipeline.roots import REPO_ROOT, data_root  # noqa: F401 (part of this module's API)

if TYPE_CHECKING:
    from glasshelpers.pipeline.profiles.schema import Profile


def _wildcard(value) -> bool:
    """A Snakemake wildcard such as ``"{tag}"``: the workflow asks for path patterns."""
    return isinstance(value, str) and value.startswith("{") and value.endswith("}")


def temperature_tag(T: float) -> str:
    """Folder or file stem for a temperature, e.g. ``T0.450`` (a wildcard ``"{tag}"`` is
    kept as it is)."""
    return T if _wildcard(T) else f"T{float(T):.3f}"


def replica_tag(replica: int) -> str:
    """Folder name of a replica, e.g. ``r0`` (a wildcard ``"{rep}"`` gives ``r{rep}``)."""
    if _wildcard(replica):
        return f"r{replica}"
    replica = int(replica)
    if replica < 0:
        raise ValueError(f"replica must be >= 0, got {replica}")
    return f"r{replica}"


def profile_root(profile: Profile) -> Path:
    """``<root>/<profile name>``: everything a profile makes."""
    return data_root() / profile.name


def sim_dir(profile: Profile, replica: int = 0) -> Path:
    return profile_root(profile) / "sim" / replica_tag(replica)


def seed_dir(profile: Profile, replica: int = 0) -> Path:
    """The seed run of a replica (``seed.gsd``, ``thermo.csv``, ``meta.json``)."""
    return sim_dir(profile, replica) / "seed"


def temperature_dir(profile: Profile, T: float, replica: int = 0) -> Path:
    """The run at T of a replica (``traj.gsd``, ``thermo.csv``, ``meta.json``)."""
    return sim_dir(profile, replica) / temperature_tag(T)


def phop_file(profile: Profile, T: float, replica: int = 0) -> Path:
    return profile_root(profile) / "phop" / replica_tag(replica) / f"{temperature_tag(T)}.npz"


def bank_file(profile: Profile, T: float, replica: int = 0) -> Path:
    return profile_root(profile) / "features" / replica_tag(replica) / f"{temperature_tag(T)}.npz"


def labels_file(profile: Profile, rule: str, T: float, key: str) -> Path:
    """A labelled set; ``key`` is the (shortened) hash of everything that made it."""
    return profile_root(profile) / "labels" / f"{rule}_{temperature_tag(T)}_{key}.npz"


def _per_overrides(profile: Profile, folder: str, stem: str, own: bool) -> Path:
    """``<folder>/<stem>.npz``, or with overrides (unless ``own``) ``<stem>_<hash>.npz``."""
    overrides = {} if own else (profile.overrides or {})
    if not overrides:
        return profile_root(profile) / folder / f"{stem}.npz"
    from glasshelpers.pipeline.provenance import params_hash     # provenance imports this module
    return profile_root(profile) / folder / f"{stem}_{params_hash(overrides)[:10]}.npz"


def calibration_file(profile: Profile, own: bool = False) -> Path:
    """The transfer calibration of every classifier (stage 05: b_best and sigma_T), which
    the Kramers stage reads to rescale the classifier outputs into x_alpha. The profile's own
    is ``calibration.npz``; a profile loaded with overrides (unless ``own``) has a file of its
    own, ``calibration_<hash of the overrides>.npz``, so it never replaces the profile's."""
    return _per_overrides(profile, "models", "calibration", own)


def labels_index_file(profile: Profile, own: bool = False) -> Path:
    """The index of the profile's labelled sets (stage 03): ``labels/sets.npz``, one entry
    per set with its file and SHA-256 (with overrides, a file of their own as for the
    calibration)."""
    return _per_overrides(profile, "labels", "sets", own)


def models_index_file(profile: Profile, own: bool = False) -> Path:
    """The index of the profile's classifiers (stage 04): ``models/classifiers.npz``, one entry
    per classifier with its file and SHA-256 (with overrides, a file of their own)."""
    return _per_overrides(profile, "models", "classifiers", own)


def model_file(profile: Profile, name: str, key: str) -> Path:
    """A trained classifier; ``key`` is the (shortened) hash of its training parameters."""
    return profile_root(profile) / "models" / f"{name}_{key}.npz"


def results_dir(profile: Profile) -> Path:
    return profile_root(profile) / "results"


def result_file(profile: Profile, key: str) -> Path:
    return results_dir(profile) / f"{key}.csv"


def figures_dir(profile: Profile) -> Path:
    return profile_root(profile) / "figures"


def figure_file(profile: Profile, key: str) -> Path:
    return figures_dir(profile) / f"{key}.png"


def notebooks_dir(profile: Profile) -> Path:
    """Executed notebooks, the book's sources."""
    return profile_root(profile) / "notebooks"


def logs_dir(profile: Profile) -> Path:
    return profile_root(profile) / "logs"


def book_stage(profile: Profile) -> Path:
    """Private copy of the book's sources where this profile's book is built."""
    return profile_root(profile) / ".book"


def workflow_dir(profile: Profile) -> Path:
    """Snakemake's working directory for this profile: its ``.snakemake/`` (lock,
    metadata) lives here, so that two profiles can run at once in one checkout."""
    return profile_root(profile) / ".workflow"


def seed_meta(profile: Profile, replica: int = 0) -> Path:
    """The seed run's ``meta.json``: written last, so its presence marks a finished seed."""
    return seed_dir(profile, replica) / "meta.json"


def temperature_meta(profile: Profile, T: float, replica: int = 0) -> Path:
    """A run's ``meta.json``: written last, so its presence marks a finished run."""
    return temperature_dir(profile, T, replica) / "meta.json"


def executed_notebook(profile: Profile, stem: str, T: float | None = None) -> Path:
    """The executed copy of a stage notebook (``<stem>_T0.450.ipynb`` for a per-temperature stage)."""
    name = stem if T is None else f"{stem}_{temperature_tag(T)}"
    return notebooks_dir(profile) / f"{name}.ipynb"


def log_file(profile: Profile, name: str) -> Path:
    """The log of one workflow job, ``logs/<name>.log``."""
    return logs_dir(profile) / f"{name}.log"


def stage_arrays(profile: Profile, kinds, replicas, temperatures) -> list[Path]:
    """Paths of a stage's intermediate array products (``Stage.arrays`` of
    :mod:`glasshelpers.pipeline.registry`): ``phop`` and ``features`` per replica and
    temperature; ``labels_index`` (the labelled sets), ``models_index`` (the classifiers)
    and ``calibration`` once per profile."""
    out = []
    for kind in kinds:
        if kind in ("phop", "features"):
            make = phop_file if kind == "phop" else bank_file
            out += [make(profile, T, r) for r in replicas for T in temperatures]
        elif kind == "calibration":
            out.append(calibration_file(profile))
        elif kind == "labels_index":
            out.append(labels_index_file(profile))
        elif kind == "models_index":
            out.append(models_index_file(profile))
        else:
            raise ValueError(f"unknown array product {kind!r}")
    return out
