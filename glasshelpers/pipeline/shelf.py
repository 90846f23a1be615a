"""The shelf of equilibrium states: its protocol, its folders, its manifest.

A shelf is a folder (``glasshelpers/shelf/<name>/`` for the shipped ones) holding

- ``protocol.yaml``: the model, the MD engine, the cascade of temperatures, the number of
  independent states K, and how long each state is equilibrated and measured
  (:class:`ShelfProtocol`);
- ``runs/T<T>_k<k>/``: one run per temperature and state: ``state.gsd`` (the final
  configuration with velocities and image flags), ``evidence.npz`` (the thermodynamic log
  and the MSD / F_s tables measured while it ran) and ``meta.json`` (parameters, code
  version, wall time); ``work/`` holds the checkpoints while it is in progress;
- ``manifest.json``: the SHA-256 of every finished file, so that a damaged or edited state
  is refused (:func:`load_state`).

The maker is ``glasshelpers.stages.s01_simulation.states`` (``make states``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from glasshelpers.pipeline.integrity import sha256
from glasshelpers.pipeline.provenance import params_hash, read_json, write_json

#: Where the shipped shelves live (installed with the package).
SHELF_HOME = Path(__file__).resolve().parents[1] / "shelf"
#: The shelf the profiles start from.
DEFAULT_SHELF = "ka2000"


class ShelfError(ValueError):
    """A shelf's protocol is malformed, or a state on it is missing or damaged (one line, exit status 2)."""

    exit_status = 2


def _positive(name, value, integer=False):
    try:
        v = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ShelfError(f"shelf protocol: {name} must be a number, got {value!r}") from None
    if not (v > 0 and math.isfinite(v)) or (integer and v != float(value)):
        raise ShelfError(f"shelf protocol: {name} must be a positive {'integer' if integer else 'number'}, got {value!r}")
    return v


@dataclass(frozen=True)
class ShelfProtocol:
    """How a shelf is made (``protocol.yaml``); times in tau, temperatures in epsilon / k_B.

    Each of the K states is an independent chain: a random packing, minimised, is
    equilibrated at the first (hottest) temperature of the cascade; its final state starts
    the next temperature with fresh Maxwell-Boltzmann velocities; and so on down the
    cascade. At temperature T a run spends ``equilibration_time(T)`` before it measures,
    then ``production_time(T)`` during which the thermodynamic log and the MSD / F_s tables
    are recorded. The state shelved is the configuration at the end of production.
    """

    name: str
    root: Path
    description: str
    n_particles: int
    density: float
    engine: str
    dt: float
    tau_thermostat: float
    threads: int
    seed: int
    states: int
    cascade: tuple
    tau_alpha_estimate: dict
    equilibration_tau_alpha: float
    production_tau_alpha: float
    min_equilibration: int
    min_production: int
    origins_per_tau_alpha: float
    max_lag_tau_alpha: float
    lags_per_decade: int
    checkpoint_every: int
    equilibration_log_every: int = 10
    min_max_lag: float = 0.0

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, shelf: str | Path = DEFAULT_SHELF) -> "ShelfProtocol":
        """Read and validate ``protocol.yaml`` of a shelf: a shipped name or a folder / YAML path."""
        p = Path(shelf)
        if p.suffix in (".yaml", ".yml"):
            path = p
        elif p.is_dir():
            path = p / "protocol.yaml"
        else:
            path = SHELF_HOME / str(shelf) / "protocol.yaml"
        if not path.is_file():
            known = sorted(d.name for d in SHELF_HOME.iterdir() if (d / "protocol.yaml").is_file())
            raise ShelfError(f"no shelf {str(shelf)!r}: shipped shelves are {known}, or give a protocol.yaml path")
        try:
            raw = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ShelfError(f"{path}: malformed YAML: {str(exc).splitlines()[0]}") from None
        return cls.from_dict(raw or {}, path.parent.resolve())

    @classmethod
    def from_dict(cls, raw: dict, root: Path) -> "ShelfProtocol":
        try:
            model, eng, prot = raw["model"], raw["engine"], raw["protocol"]
            cascade = tuple(float(t) for t in raw["cascade"])
            est = {round(float(t), 6): _positive(f"tau_alpha_estimate[{t}]", v)
                   for t, v in raw["tau_alpha_estimate"].items()}
            out = cls(
                name=str(raw["name"]), root=Path(root), description=str(raw.get("description", "")),
                n_particles=_positive("model.n_particles", model["n_particles"], True),
                density=_positive("model.density", model["density"]),
                engine=str(eng.get("name", "lammps")), dt=_positive("engine.dt", eng["dt"]),
                tau_thermostat=_positive("engine.tau_thermostat", eng["tau_thermostat"]),
                threads=_positive("engine.threads", eng.get("threads", 1), True),
                seed=int(raw["seed"]), states=_positive("states", raw["states"], True),
                cascade=cascade, tau_alpha_estimate=est,
                **{k: _positive(f"protocol.{k}", prot[k], k in _INTEGER_KEYS) for k in _PROTOCOL_KEYS},
                equilibration_log_every=_positive("protocol.equilibration_log_every",
                                                  prot.get("equilibration_log_every", 10), True),
                min_max_lag=float(prot.get("min_max_lag", 0.0)))
        except KeyError as exc:
            raise ShelfError(f"shelf protocol: missing key {exc.args[0]!r}") from None
        except (TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, ShelfError):
                raise
            raise ShelfError(f"shelf protocol: {exc}") from None
        if not cascade or any(t <= 0 for t in cascade) or list(cascade) != sorted(cascade, reverse=True) \
                or len(set(cascade)) != len(cascade):
            raise ShelfError(f"shelf protocol: cascade must list distinct positive temperatures from hot to cold, "
                             f"got {list(cascade)}")
        missing = [t for t in cascade if round(t, 6) not in est]
        if missing:
            raise ShelfError(f"shelf protocol: tau_alpha_estimate lacks the temperatures {missing}")
        return out

    # ----------------------------------------------------------------- times
    def steps_per_tau(self) -> int:
        return int(round(1.0 / self.dt))

    def tau_estimate(self, T: float) -> float:
        """The stated a-priori tau_alpha(T) that sets the run lengths, tau."""
        return self.tau_alpha_estimate[round(float(T), 6)]

    def _rounded(self, tau: float, floor: int) -> int:
        ck = self.checkpoint_every
        return int(max(floor, ck * math.ceil(tau / ck)))

    def equilibration_time(self, T: float) -> int:
        """Equilibration before measuring, tau: equilibration_tau_alpha x the estimate (at least
        min_equilibration), rounded up to whole checkpoint intervals."""
        return self._rounded(self.equilibration_tau_alpha * self.tau_estimate(T), self.min_equilibration)

    def production_time(self, T: float) -> int:
        """Measured stretch, tau (production_tau_alpha x the estimate, at least min_production)."""
        return self._rounded(self.production_tau_alpha * self.tau_estimate(T), self.min_production)

    def origin_every(self, T: float) -> int:
        """Spacing of the MSD / F_s time origins, MD steps: tau_alpha / origins_per_tau_alpha,
        widened where needed so that at most ``MAX_OPEN_ORIGINS`` origins are open at once
        (each holds a configuration in the checkpoint)."""
        spacing = max(self.tau_estimate(T) / self.origins_per_tau_alpha * self.steps_per_tau(),
                      self.max_lag(T) / (MAX_OPEN_ORIGINS - 1))
        return max(1, int(round(spacing)))

    def max_lag(self, T: float) -> int:
        """Longest MSD / F_s lag, MD steps: max_lag_tau_alpha x the estimate, at least
        min_max_lag tau (the hot liquids need long lags for D), at most half the production."""
        want = max(self.max_lag_tau_alpha * self.tau_estimate(T), self.min_max_lag)
        return int(round(min(want, self.production_time(T) / 2) * self.steps_per_tau()))

    def previous(self, T: float) -> float | None:
        """The temperature whose state starts the run at T (None for the first)."""
        i = self.index(T)
        return None if i == 0 else self.cascade[i - 1]

    def index(self, T: float) -> int:
        for i, t in enumerate(self.cascade):
            if abs(t - float(T)) < 1e-9:
                return i
        raise ShelfError(f"T = {T} is not on shelf {self.name!r} (its temperatures: {list(self.cascade)})")

    # ----------------------------------------------------------------- identity
    def run_params(self, T: float, k: int) -> dict:
        """Everything that determines the run of state ``k`` at ``T`` (and so its bits): the
        model, the engine, the seed and every step of the cascade down to T."""
        if not (0 <= int(k) < self.states):
            raise ShelfError(f"state {k!r} is out of range: shelf {self.name!r} has {self.states} states")
        steps = [{"T": t, "equilibration": self.equilibration_time(t), "production": self.production_time(t),
                  "origin_every": self.origin_every(t), "max_lag": self.max_lag(t)}
                 for t in self.cascade[: self.index(T) + 1]]
        return {"stage": "shelf", "model": {"n_particles": self.n_particles, "density": self.density},
                "engine": {"name": self.engine, "dt": self.dt, "tau_thermostat": self.tau_thermostat,
                           "threads": self.threads},
                "seed": self.seed, "state": int(k), "cascade": steps, "lags_per_decade": self.lags_per_decade,
                "checkpoint_every": self.checkpoint_every, "equilibration_log_every": self.equilibration_log_every}

    def run_dir(self, T: float, k: int) -> Path:
        return self.root / "runs" / f"T{float(T):.3f}_k{int(k)}"

    def is_done(self, T: float, k: int) -> bool:
        meta = self.run_dir(T, k) / "meta.json"
        return meta.is_file() and read_json(meta).get("params_hash") == params_hash(self.run_params(T, k))


#: Most time origins open at once (each a configuration kept in memory and in the checkpoint).
MAX_OPEN_ORIGINS = 9
_PROTOCOL_KEYS = ("equilibration_tau_alpha", "production_tau_alpha", "min_equilibration", "min_production",
                  "origins_per_tau_alpha", "max_lag_tau_alpha", "lags_per_decade", "checkpoint_every")
_INTEGER_KEYS = {"min_equilibration", "min_production", "lags_per_decade", "checkpoint_every"}
#: The files of a finished run that the manifest vouches for.
RUN_FILES = ("state.gsd", "evidence.npz", "meta.json")


# ---------------------------------------------------------------------- manifest
def manifest_path(protocol: ShelfProtocol) -> Path:
    return protocol.root / "manifest.json"


def write_manifest(protocol: ShelfProtocol) -> dict:
    """Record the SHA-256 of every finished run's files (``manifest.json``) and return it."""
    runs = {}
    for T in protocol.cascade:
        for k in range(protocol.states):
            if protocol.is_done(T, k):
                d = protocol.run_dir(T, k)
                runs[d.name] = {"temperature": T, "state": k, "params_hash": params_hash(protocol.run_params(T, k)),
                                "sha256": {f: sha256(d / f) for f in RUN_FILES}}
    manifest = {"shelf": protocol.name, "n_particles": protocol.n_particles, "density": protocol.density,
                "states": protocol.states, "cascade": list(protocol.cascade), "runs": runs}
    write_json(manifest_path(protocol), manifest)
    return manifest


def verified_run(protocol: ShelfProtocol, T: float, k: int) -> Path:
    """The folder of a finished run whose files match the manifest; ShelfError (one line) if
    the state is missing, was made by another protocol, or its bytes were changed."""
    d = protocol.run_dir(T, k)
    mpath = manifest_path(protocol)
    entry = read_json(mpath).get("runs", {}).get(d.name) if mpath.is_file() else None
    if entry is None or not protocol.is_done(T, k):
        raise ShelfError(f"shelf {protocol.name!r} has no finished state {k} at T = {T} ({d}): "
                         f"make it with `make states SHELF={protocol.name}`")
    if entry["params_hash"] != params_hash(protocol.run_params(T, k)):
        raise ShelfError(f"{d}: the manifest records another protocol for this state; "
                         f"run `make states SHELF={protocol.name}` to remake the manifest")
    for f, digest in entry["sha256"].items():
        if not (d / f).is_file() or sha256(d / f) != digest:
            raise ShelfError(f"{d / f} is damaged or was edited (its SHA-256 differs from manifest.json): "
                             f"restore it with `git checkout -- {d}` or remake it with `make states`")
    return d


def load_state(protocol: ShelfProtocol, T: float, k: int) -> dict:
    """A verified shelf state as read by ``read_configuration`` (positions, images, types,
    velocities, box_length, step)."""
    from glasshelpers.core.md.trajectory import read_configuration

    return read_configuration(verified_run(protocol, T, k) / "state.gsd")
