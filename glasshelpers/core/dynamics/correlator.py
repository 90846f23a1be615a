"""MSD and F_s(k, t) accumulated while a run goes, without storing its trajectory.

A long run at a cold temperature would need hundreds of megabytes of frames to measure
its relaxation afterwards. :class:`OriginCorrelator` instead keeps the configuration of
each open time origin and, whenever the run reaches ``origin + lag`` for a lag of a fixed
(log-spaced) grid, adds that pair's mean-squared displacement and self-intermediate
scattering function to a table. Its whole state is a few arrays (:meth:`OriginCorrelator.state`), saved
with each checkpoint so that an interrupted run resumes exactly.

Definitions are those of :mod:`glasshelpers.core.dynamics.relaxation`: unwrapped positions
in sigma_AA, ``MSD = <|r_i(t0 + t) - r_i(t0)|^2>``, ``F_s(k, t) = <sin(k r) / (k r)>`` (exact
isotropic average), averaged over the selected particles; times are MD steps counted from
the start of the measured window.
"""

from __future__ import annotations

import numpy as np

from glasshelpers.core.dynamics.relaxation import FS_WAVENUMBER


def log_step_lags(max_lag: int, per_decade: int = 8, min_lag: int = 1) -> np.ndarray:
    """Distinct integer lags (steps) spaced evenly in log from ``min_lag`` to ``max_lag``.

    Parameters
    ----------
    max_lag, min_lag : int
        Largest and smallest lag, MD steps (1 <= min_lag <= max_lag).
    per_decade : int
        Points per decade before rounding to integers (duplicates removed).

    Returns
    -------
    ndarray of int64, increasing, starting at ``min_lag`` and ending at ``max_lag``.
    """
    max_lag, min_lag = int(max_lag), int(min_lag)
    if not (1 <= min_lag <= max_lag) or per_decade < 1:
        raise ValueError(f"need 1 <= min_lag <= max_lag and per_decade >= 1, got {min_lag}, {max_lag}, {per_decade}")
    n = max(2, int(np.ceil(np.log10(max_lag / min_lag) * per_decade)) + 1)
    return np.unique(np.round(np.geomspace(min_lag, max_lag, n)).astype(np.int64))


class OriginCorrelator:
    """MSD and F_s at lags ``lags`` from time origins every ``origin_every`` steps.

    Origins are at steps 0, origin_every, 2 origin_every, ... <= span; a pair (origin o,
    lag l) is measured when o + l <= span. Feed every configuration the schedule asks
    for, in order, with :meth:`observe`.

    Parameters
    ----------
    span : int
        Length of the measured window, MD steps.
    origin_every : int
        Spacing of time origins, MD steps.
    lags : array_like of int
        Lags, MD steps (positive, increasing).
    particles : array_like of int or bool
        Particles averaged over (for example the A particles).
    k : float
        Wavenumber of F_s, sigma_AA^-1.

    Attributes
    ----------
    origins_ : ndarray of int
        The origin steps.
    msd_, fs_ : ndarray of float64
        Shape (number of origins, number of lags); sigma_AA^2 and dimensionless; NaN for
        pairs not (yet) measured.
    """

    def __init__(self, span: int, origin_every: int, lags, particles, k: float = FS_WAVENUMBER):
        self.span, self.origin_every = int(span), int(origin_every)
        self.lags = np.asarray(lags, dtype=np.int64)
        if self.span < 1 or self.origin_every < 1:
            raise ValueError(f"span and origin_every must be positive, got {span}, {origin_every}")
        if self.lags.ndim != 1 or self.lags.size == 0 or self.lags[0] < 1 or np.any(np.diff(self.lags) <= 0):
            raise ValueError("lags must be positive and strictly increasing")
        sel = np.asarray(particles)
        self.particles = np.flatnonzero(sel) if sel.dtype == bool else sel.astype(np.int64)
        if self.particles.size == 0:
            raise ValueError("no particles selected")
        self.k = float(k)
        self.origins_ = np.arange(0, self.span + 1, self.origin_every, dtype=np.int64)
        shape = (self.origins_.size, self.lags.size)
        self.msd_ = np.full(shape, np.nan)
        self.fs_ = np.full(shape, np.nan)
        self._open: dict[int, np.ndarray] = {}

    def schedule(self) -> np.ndarray:
        """Every step (0 .. span) at which :meth:`observe` needs the configuration."""
        pairs = self.origins_[:, None] + np.concatenate([[0], self.lags])[None, :]
        return np.unique(pairs[pairs <= self.span])

    def observe(self, step: int, unwrapped) -> None:
        """Take the unwrapped positions (n_particles, 3), sigma_AA, at ``step``."""
        step = int(step)
        x = np.asarray(unwrapped, dtype=np.float64)[self.particles]
        for o in sorted(self._open):
            j = np.searchsorted(self.lags, step - o)
            if j < self.lags.size and self.lags[j] == step - o:
                d = x - self._open[o]
                r = np.sqrt(np.einsum("pk,pk->p", d, d))
                i = o // self.origin_every
                self.msd_[i, j] = float(np.mean(r * r))
                self.fs_[i, j] = float(np.mean(np.sinc(self.k / np.pi * r)))
            if step >= self._last_needed(o):
                del self._open[o]
        if step % self.origin_every == 0 and step <= self.span and step + self.lags[0] <= self.span:
            self._open[step] = x.copy()

    def _last_needed(self, origin: int) -> int:
        reach = self.lags[self.lags <= self.span - origin]
        return origin + int(reach[-1]) if reach.size else origin

    def state(self) -> dict:
        """Arrays that restore this correlator exactly (:meth:`from_state`)."""
        keys = np.array(sorted(self._open), dtype=np.int64)
        held = (np.stack([self._open[o] for o in keys]) if keys.size
                else np.zeros((0, self.particles.size, 3)))
        return {"span": np.int64(self.span), "origin_every": np.int64(self.origin_every),
                "lags": self.lags, "particles": self.particles, "k": np.float64(self.k),
                "msd": self.msd_, "fs": self.fs_, "open_origins": keys, "open_positions": held}

    @classmethod
    def from_state(cls, state: dict) -> "OriginCorrelator":
        """Rebuild a correlator from :meth:`state` (for example read back from an npz file)."""
        c = cls(int(state["span"]), int(state["origin_every"]), state["lags"], state["particles"],
                float(state["k"]))
        c.msd_ = np.array(state["msd"], dtype=np.float64)
        c.fs_ = np.array(state["fs"], dtype=np.float64)
        c._open = {int(o): np.array(p, dtype=np.float64)
                   for o, p in zip(state["open_origins"], state["open_positions"])}
        return c
