"""What determines a simulation run, and where its products are.

The parameters of a seed run and of a trajectory (their hash keys every later product),
the run handle :class:`Run` (profile, temperature, replica) that hands out every path of
one run, and the lookup of a finished trajectory. Stages read trajectories through
``Run.finished_trajectory`` (or ``trajectory_path``); only
``glasshelpers.products.trajectories`` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.paths import seed_dir, temperature_dir, temperature_tag  # noqa: F401 (re-exported for simulate)
from glasshelpers.pipeline.profiles import check_temperature, engine_threads, equil_time, production_time, seed_threads
from glasshelpers.pipeline.provenance import check_meta, params_hash


class MissingDataError(FileNotFoundError):
    """A product a stage needs has not been made yet."""


def _engine_params(profile, threads=None):
    e = profile.engine
    return {"name": e.name, "dt": e.dt, "tau_thermostat": e.tau_thermostat,
            "threads": engine_threads(profile) if threads is None else int(threads)}


def seed_params(profile: Profile, replica: int = 0) -> dict:
    """Everything that determines a replica's seed configuration."""
    p = profile.protocol
    return {"stage": "seed", "model": profile.model.model_dump(), "engine": _engine_params(profile, seed_threads(profile)),
            "seed_temperature": float(p.seed_temperature), "seed_time": int(p.seed_time),
            "checkpoint_every": int(p.checkpoint_every), "seed": int(profile.seed),
            "replica": int(replica)}


def uses_seed(profile: Profile) -> bool:
    """True when the profile's runs start from its seed runs, False when from a shelf."""
    return not profile.protocol.shelf


def shelf_start(profile: Profile, temperature: float, replica: int = 0) -> tuple:
    """(shelf protocol, shelved temperature, state) a run starts from: state
    ``protocol.shelf_state + replica`` at the shelved temperature nearest to ``temperature``
    (the hotter of two equally near)."""
    from glasshelpers.pipeline.shelf import ShelfProtocol

    shelf = ShelfProtocol.load(profile.protocol.shelf)
    T = check_temperature(temperature)
    Ts = min(shelf.cascade, key=lambda t: (round(abs(t - T), 9), -t))
    return shelf, Ts, int(profile.protocol.shelf_state) + int(replica)


def _start_record(profile: Profile, temperature: float, replica: int) -> dict:
    """What a run starts from, in its parameters: the seed run's hash, or the shelf state
    with the SHA-256 of its bytes."""
    if uses_seed(profile):
        return {"seed_run": params_hash(seed_params(profile, replica))}
    from glasshelpers.pipeline.shelf import verified_run
    from glasshelpers.pipeline.integrity import sha256

    shelf, Ts, k = shelf_start(profile, temperature, replica)
    state = verified_run(shelf, Ts, k) / "state.gsd"
    return {"start": {"shelf": shelf.name, "temperature": Ts, "state": k, "sha256": sha256(state)}}


def temperature_params(profile: Profile, temperature: float, replica: int = 0) -> dict:
    """Everything that determines a replica's trajectory at ``temperature``."""
    T = check_temperature(temperature)
    p = profile.protocol
    return {"stage": "production", **_start_record(profile, T, replica),
            "model": profile.model.model_dump(), "engine": _engine_params(profile),
            "temperature": round(T, 6), "equil_time": equil_time(profile, T),
            "production_time": production_time(profile, T), "checkpoint_every": int(p.checkpoint_every),
            "seed": int(profile.seed), "replica": int(replica)}


def trajectory_path(profile: Profile, temperature: float, replica: int = 0) -> Path:
    """The finished trajectory at ``temperature`` (:meth:`Run.finished_trajectory`)."""
    return Run(profile, temperature, replica).finished_trajectory()




@dataclass(frozen=True)
class Run:
    """One MD run of a profile: replica ``replica`` at ``temperature`` (epsilon / k_B).

    Hands out the run's parameters and every path of it and of the products made from
    its trajectory alone (p_hop, the feature bank); the paths come from
    :mod:`glasshelpers.pipeline.paths`, the one map of the data layout.
    """

    profile: Profile
    temperature: float
    replica: int = 0

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_temperature(self.temperature))
        object.__setattr__(self, "replica", int(self.replica))

    @classmethod
    def all_of(cls, profile: Profile) -> list["Run"]:
        """Every run of a profile, replica-major, temperatures in the profile's order."""
        from glasshelpers.pipeline.profiles import replicas
        return [cls(profile, T, r) for r in replicas(profile) for T in profile.temperatures]

    @property
    def tag(self) -> str:
        """``T0.450``: the temperature as it appears in file names."""
        return temperature_tag(self.temperature)

    @property
    def folder(self) -> Path:
        """The run's folder (trajectory, thermo log, meta.json; ``work/`` while it runs)."""
        return paths.temperature_dir(self.profile, self.temperature, self.replica)

    @property
    def meta(self) -> Path:
        return paths.temperature_meta(self.profile, self.temperature, self.replica)

    @property
    def trajectory(self) -> Path:
        """Where the trajectory is (or will be) written; :meth:`finished_trajectory` checks it."""
        return self.folder / "traj.gsd"

    @property
    def thermo(self) -> Path:
        return self.folder / "thermo.csv"

    @property
    def phop(self) -> Path:
        return paths.phop_file(self.profile, self.temperature, self.replica)

    @property
    def bank(self) -> Path:
        return paths.bank_file(self.profile, self.temperature, self.replica)

    @property
    def params(self) -> dict:
        """Everything that determines the trajectory (:func:`temperature_params`)."""
        return temperature_params(self.profile, self.temperature, self.replica)

    def finished_trajectory(self) -> Path:
        """The finished trajectory; MissingDataError if not made yet, StaleDataError if made
        with other parameters."""
        check_meta(self.meta, self.params, "trajectory")
        if not self.meta.exists() or not self.trajectory.exists():
            name = self.profile.name
            raise MissingDataError(
                f"no finished trajectory for profile {name!r} at T = {self.temperature} (replica "
                f"{self.replica}): run the simulation stage first (make workflow PROFILE={name})")
        return self.trajectory
