"""What a run will cost, told before it starts, and a mistyped size refused.

:func:`estimate` gives the MD time (core-hours), the disk (GB) and the peak memory (GB) of
the runs a profile makes, from the sizes of its products and two constants calibrated on
measured runs of the 2-core development machine (below). It is an order of magnitude,
not a promise: good enough to tell 10 minutes from 10 hours. Estimated against measured:
tiny 0.082 GB of disk (84 MB), barrier 1.8 GB (1.8 GB), settle 2.2 GB (2.2 GB).

:func:`check` compares the cost of what a command is about to do with the cost of the same
work under the profile file as written (without overrides):

* more than ``TELL_RATIO`` times as much (time, disk or memory): the estimate is
  printed in one line before the work starts;
* more than ``REFUSE_RATIO`` times as much, or more memory than ``MEMORY_SHARE`` of
  this machine's: refused in one line (:class:`CostRefused`, exit status 2) unless the
  profile or an override sets ``confirm_cost: true``.

Free disk space is not judged here: a disk that fills up stops the work in one line with
nothing half-written (:mod:`glasshelpers.pipeline.faults`, status 4).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from glasshelpers.pipeline.profiles import Profile, ProfileError, equil_time, production_time, replicas

#: MD speed, tau per core-second for N = 2000 (LAMMPS, dt = 0.005): demo's MD, 11 400 tau of
#: N = 2000 in all, took 1.9 core-hours with two runs sharing two cores (a run alone on a
#: core makes 3.3 tau/s); the cost grows linearly with N
MD_TAU_PER_CORE_SECOND = 1.7
MD_REFERENCE_N = 2000
#: bytes per particle and frame: trajectory (float32 positions, int32 images), p_hop
#: (float32), unwrapped positions in memory (float64)
TRAJECTORY_BYTES, PHOP_BYTES, UNWRAPPED_BYTES = 24, 4, 24
#: bytes per A particle and bank frame: 100 float32 features
BANK_BYTES = 400
#: A share of the particles (Kob-Andersen 80:20)
A_SHARE = 0.8
#: what the interpreter and its libraries hold before any array (GB)
BASE_MEMORY_GB = 0.5
#: peak memory over the arrays of the largest run (its unwrapped positions, p_hop and feature
#: bank): barrier's measured peak, 3.0 GB, over its 0.33 GB of such arrays
MEMORY_FACTOR = 7.5

TELL_RATIO = 10.0
REFUSE_RATIO = 100.0
MEMORY_SHARE = 0.5


class CostRefused(ProfileError):
    """The estimated cost is far above the profile's own, or above this machine (exit status
    2, as every bad input; one line in a notebook too)."""

    def _render_traceback_(self):     # IPython: one line instead of a traceback
        return [f"error: {self}"]


@dataclass(frozen=True)
class Cost:
    """Estimated cost: MD core-hours, disk in GB and peak memory in GB."""

    md_core_hours: float
    disk_gb: float
    memory_gb: float

    def ratio(self, other: "Cost") -> float:
        """The largest ratio of this cost to ``other``, over time, disk and memory."""
        pairs = ((self.md_core_hours, other.md_core_hours), (self.disk_gb, other.disk_gb),
                 (self.memory_gb - BASE_MEMORY_GB, other.memory_gb - BASE_MEMORY_GB))
        return max(a / b if b > 0 else (float("inf") if a > 0 else 1.0) for a, b in pairs)

    def describe(self) -> str:
        return (f"about {_amount(self.md_core_hours, 'core-hour')} of MD, {self.disk_gb:.2g} GB of disk and "
                f"{self.memory_gb:.2g} GB of memory")


def _amount(x: float, unit: str) -> str:
    return f"{x:.2g} {unit}{'' if abs(x - 1) < 1e-9 else 's'}"


def estimate(profile: Profile, temperatures=None, *, seed: bool = True) -> Cost:
    """The cost of making the runs of ``profile`` at ``temperatures`` (default: all of them,
    and the seed runs when ``seed``), every replica, with their p_hop and feature banks."""
    temps = profile.temperatures if temperatures is None else list(temperatures)
    n = int(profile.model.n_particles)
    n_rep = len(replicas(profile))
    stride = max(1, int(profile.features.bank_stride))
    tau = sum(equil_time(profile, T) + production_time(profile, T) for T in temps)
    if seed and not profile.protocol.shelf:        # a shelf start has no seed run
        tau += float(profile.protocol.seed_time)
    seconds = n_rep * tau * (n / MD_REFERENCE_N) / MD_TAU_PER_CORE_SECOND
    frames = [production_time(profile, T) + 1 for T in temps]
    per_frame = n * (TRAJECTORY_BYTES + PHOP_BYTES) + A_SHARE * n * BANK_BYTES / stride
    disk = n_rep * sum(f * per_frame for f in frames)
    biggest = max(frames, default=0)
    memory = biggest * n * (UNWRAPPED_BYTES + PHOP_BYTES) + biggest / stride * A_SHARE * n * BANK_BYTES
    return Cost(seconds / 3600.0, disk / 1e9, BASE_MEMORY_GB + MEMORY_FACTOR * memory / 1e9)


def _machine_memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return float("inf")


def check(profile: Profile, base: dict | None = None, temperatures=None, *, seed: bool = True, what: str = "this run",
          log=None) -> Cost:
    """Tell (one line on stderr) or refuse (:class:`CostRefused`) work far above the cost of
    ``base`` (the profile as its file stands; default ``profile`` itself) or above this
    machine; see the module docstring. Returns the estimate."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    cost = estimate(profile, temperatures, seed=seed)
    own = estimate(base if base is not None else profile, temperatures, seed=seed)
    ratio = cost.ratio(own)
    memory = _machine_memory_gb()
    why = []
    if ratio > REFUSE_RATIO:
        why.append(f"{ratio:.3g} times the cost of profile {profile.name!r} as its file stands")
    if cost.memory_gb > MEMORY_SHARE * memory:
        why.append(f"more than {MEMORY_SHARE:.0%} of this machine's {memory:.3g} GB of memory")
    if why and not profile.confirm_cost:
        raise CostRefused(f"{what} would take {cost.describe()}: {'; '.join(why)}. If that is what you want, "
                          "set confirm_cost: true (in the profile or as an override)")
    if why or ratio > TELL_RATIO:
        log(f"glassbook: {what} will take {cost.describe()} ({ratio:.3g} times the profile file's own)")
    return cost
