"""Figures of the simulation stage: thermodynamic traces and pair structure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def thermo_figure(rows, target_temperature=None, axes=None):
    """Potential energy per particle and kinetic temperature against time.

    Parameters
    ----------
    rows : list of dict
        Thermodynamic log (``glasshelpers.trajectory.read_thermo``); time in tau, negative
        during equilibration, production from t = 0.
    target_temperature : float, optional
        Drawn as a dashed line.
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 4.8), sharex=True, constrained_layout=True)
    else:
        fig = axes[0].figure
    t = np.array([r["time"] for r in rows])
    pe = np.array([r["pe"] for r in rows])
    temp = np.array([r["temperature"] for r in rows])
    prod = np.array([r["phase"] == "production" for r in rows])
    for ax, y, label in ((axes[0], pe, r"$U/N$ [$\epsilon$]"), (axes[1], temp, r"$k_B T_\mathrm{kin}$ [$\epsilon$]")):
        ax.plot(t[~prod], y[~prod], color="0.6", lw=0.8, label="equilibration")
        ax.plot(t[prod], y[prod], color="C0", lw=0.8, label="production")
        ax.set_ylabel(label)
        ax.axvline(0, color="k", lw=0.5, ls=":")
    if target_temperature is not None:
        axes[1].axhline(target_temperature, color="C3", ls="--", lw=1, label="target")
    axes[1].set_xlabel(r"time [$\tau$]")
    axes[0].legend(loc="best", fontsize="small")
    return fig


def rdf_figure(r, g, ax=None):
    """Partial pair correlation functions g_ab(r) (from ``structure.partial_rdf``)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.6), constrained_layout=True)
    else:
        fig = ax.figure
    for name, gr in g.items():
        ax.plot(r, gr, label=rf"$g_{{\mathrm{{{name}}}}}(r)$")
    ax.axhline(1, color="0.7", lw=0.5)
    ax.set_xlabel(r"$r$ [$\sigma_{AA}$]")
    ax.set_ylabel(r"$g(r)$")
    ax.legend()
    return fig
