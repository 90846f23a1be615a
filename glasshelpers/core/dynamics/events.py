"""Rearrangement events and their rate, beside the paper's occupancy P_R.

The paper's P_R counts (particle, frame) pairs with p_hop > p_c: one rearrangement is
counted in every frame its p_hop window covers, and how many frames that is depends on T
(at T >= 1 nearly every frame is above p_c). The event rate counts each rearrangement
once, at its *onset*, the frame t where p_hop crosses p_c upward
(p_hop(t - 1) <= p_c < p_hop(t)), and divides by the time the particle spent at risk, i.e.
below p_c at t - 1:

    r(x, T) = (onsets in the bin of x) / (time at risk in the bin of x),   units 1/tau,

with x the structure taken ``STRUCTURE_LAG`` = 2 tau before the onset frame, as for P_R.
With frames dt apart each at-risk frame contributes dt. For a process that leaves the
quiet state at rate lambda and is observed every dt, the expected estimate is
p_01(dt) / dt (:func:`sampled_rate`), which tends to lambda as lambda dt -> 0.
"""

from __future__ import annotations

import numpy as np


def onset_flags(phop_before, phop_at, p_c: float):
    """At-risk and onset flags of samples.

    - phop_before, phop_at : arrays (same shape) of p_hop at t - 1 and at t (sigma_AA^2;
      NaN where the window does not fit).
    - p_c : threshold.

    Returns (at_risk, onset) bool arrays: at risk = p_hop(t - 1) <= p_c (both defined);
    onset = at risk and p_hop(t) > p_c.
    """
    b, a = np.asarray(phop_before, dtype=float), np.asarray(phop_at, dtype=float)
    if b.shape != a.shape:
        raise ValueError(f"phop_before {b.shape} and phop_at {a.shape} differ")
    defined = np.isfinite(b) & np.isfinite(a)
    at_risk = defined & (b <= p_c)
    return at_risk, at_risk & (a > p_c)


def series_rate(phop, p_c: float, dt: float = 1.0):
    """Onsets and time at risk of p_hop series, summed over particles.

    phop : (n_frames, n_particles) p_hop on frames dt apart (NaN where undefined).
    Returns (onsets, time_at_risk in the units of dt, rate = onsets / time)."""
    ph = np.asarray(phop, dtype=float)
    risk, on = onset_flags(ph[:-1], ph[1:], p_c)
    e, t = int(on.sum()), float(risk.sum()) * float(dt)
    return e, t, e / t if t > 0 else np.nan


def rate_table(x, at_risk, onset, edges, dt: float = 1.0):
    """Event rate per bin of x.

    x : (n,) structure 2 tau before each sample's frame; at_risk, onset : (n,) flags from
    :func:`onset_flags`; edges : bin edges (numpy.histogram rules); dt : tau per frame.
    Returns dict of (n_bins,) arrays: ``events``, ``exposure`` (tau at risk), ``rate``
    (1/tau, NaN without exposure), ``rate_err`` (Poisson sqrt(events) / exposure),
    ``mean_x`` (mean x of the at-risk samples)."""
    x = np.asarray(x, dtype=float)
    risk, on = np.asarray(at_risk, bool), np.asarray(onset, bool)
    if not (x.shape == risk.shape == on.shape):
        raise ValueError("x, at_risk and onset must have the same shape")
    if (on & ~risk).any():
        raise ValueError("an onset must be at risk")
    edges = np.asarray(edges, dtype=float)
    n_risk, _ = np.histogram(x[risk], bins=edges)
    e, _ = np.histogram(x[on], bins=edges)
    sx, _ = np.histogram(x[risk], bins=edges, weights=x[risk])
    exp_ = n_risk * float(dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(exp_ > 0, e / exp_, np.nan)
        err = np.where(exp_ > 0, np.sqrt(e) / exp_, np.nan)
        mx = np.where(n_risk > 0, sx / n_risk, np.nan)
    return dict(events=e, exposure=exp_, rate=rate, rate_err=err, mean_x=mx)


def sampled_rate(rate_up: float, rate_down: float, dt: float) -> float:
    """Expected onset rate estimate of a telegraph process observed every dt.

    A two-state Markov process leaves the quiet state at ``rate_up`` and returns at
    ``rate_down`` (1/tau). Observed on frames dt apart, the chance of quiet at t - dt and
    active at t is p_01 = rate_up / (rate_up + rate_down) (1 - exp(-(rate_up + rate_down) dt)),
    so onsets / (dt x quiet frames) estimates p_01 / dt (-> rate_up as dt -> 0)."""
    s = float(rate_up) + float(rate_down)
    return float(rate_up) / s * (1.0 - np.exp(-s * float(dt))) / float(dt)


def telegraph(rate_up: float, rate_down: float, duration: float, dt: float, n_series: int, seed: int = 0):
    """Synthetic telegraph series (0 quiet, 1 active) sampled every dt, shape
    (n_frames, n_series), started in equilibrium; exact exponential waiting times."""
    rng = np.random.default_rng(seed)
    n_frames = int(np.floor(duration / dt)) + 1
    times = np.arange(n_frames) * dt
    out = np.zeros((n_frames, n_series), dtype=np.int8)
    p_active = rate_up / (rate_up + rate_down)
    for s in range(n_series):
        state = int(rng.random() < p_active)
        t, switches, states = 0.0, [0.0], [state]
        while t < times[-1]:
            t += rng.exponential(1.0 / (rate_down if state else rate_up))
            state = 1 - state
            switches.append(t)
            states.append(state)
        idx = np.searchsorted(np.asarray(switches), times, side="right") - 1
        out[:, s] = np.asarray(states, dtype=np.int8)[idx]
    return out
