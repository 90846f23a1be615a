"""The book's section on the shelf of equilibrium states, written when the book is built.

It reads the shipped shelf (:mod:`glasshelpers.pipeline.shelf`), not a profile's data: the
same evidence appears in every profile's book.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from glasshelpers.pipeline.shelf import DEFAULT_SHELF, ShelfProtocol
from glasshelpers.reference.curves import CURVES
from glasshelpers.stages.s01_simulation.evidence import (MARGINS, measured_energy_series, published_targets,
                                                          temperature_evidence)
from glasshelpers.stages.s01_simulation.simulation import halves_false_alarms

#: Run lengths (tau) at which the within-run halves test is calibrated on the shelf's states.
CALIBRATION_LENGTHS = (1200, 600, 300)


def _ci(t: tuple, digits: int = 3) -> str:
    m, lo, hi = t
    if not math.isfinite(m):
        return "-"
    f = f"{{:.{digits}g}}"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f.format(m)
    return f"{f.format(m)} [{f.format(lo)}, {f.format(hi)}]"


def _verdicts(e: dict) -> str:
    out = []
    for q, (word, detail) in e.get("verdicts", {}).items():
        extra = f" ({detail[0]}/{detail[1]} lags)" if q.endswith("_curve") else ""
        out.append(f"{q}: {word}{extra}")
    return "; ".join(out) or "none published"


def _row(prot: ShelfProtocol, T: float, e: dict) -> str:
    if not e["states"]:
        return f"| {T:g} | 0 of {prot.states} | {prot.equilibration_time(T)} | not made yet | | | | | |"
    target = published_targets(T)
    pub = ", ".join(f"{k} {v:.4g}" for k, v in target.items()) or "-"
    sv = e["stationarity_verdicts"]
    drift = (f"{e['stationarity']} (U/N drift over 2 τ_α {e['drift_pe'][0]:+.4f}: {sv['pe']}; "
             f"ΔF_s {e['drift_fs'][0]:+.3f}: {sv['fs']})")
    return (f"| {T:g} | {e['states']} of {prot.states} | {prot.equilibration_time(T)} "
            f"({e['equilibration_tau_alpha']:.0f} τ_α) | {_ci(e['tau_alpha'])} | {_ci(e['D_A'])} "
            f"| {_ci(e['pe'], 5)} | {drift} | {e['largest_solid_cluster']} | {pub}; {_verdicts(e)} |")


def shelf_markdown(image_dir: os.PathLike, shelf: str = DEFAULT_SHELF) -> str:
    """Markdown of the shelf section: what is made, the table of evidence and the figure."""
    prot = ShelfProtocol.load(shelf)
    evidence = {T: temperature_evidence(prot, T) for T in prot.cascade}
    made = sum(e["states"] for e in evidence.values())
    lines = [f"Shelf `{prot.name}`: N = {prot.n_particles}, density {prot.density:g}, {prot.states} independent "
             f"states per temperature; **{made} of {prot.states * len(prot.cascade)} states made** "
             f"(`make states` resumes the rest).", "",
             "| T | states | equilibration [τ] | τ_α [τ] | D_A [σ²/τ] | U/N [ε] | stationarity | largest "
             "solid-like cluster | published; verdicts |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [_row(prot, T, evidence[T]) for T in prot.cascade]
    lines += ["", "Means over the states with 95 % t intervals from their spread (K - 1 degrees of freedom); "
              "D_A only where the lags reach 5 τ_α. Equilibration in τ and in the measured τ_α. Margins: "
              + ", ".join(f"{k} {v:g}" for k, v in MARGINS.items()) + " (relative for τ_α, D_A and the MSD "
              "curve; ε for U/N).", ""]
    lines += _false_alarm_lines(prot, evidence)
    curves = {T: (e["curves"]["lags_tau"], e["curves"]["msd_A"], e["curves"]["fs_A"])
              for T, e in evidence.items() if e["states"]}
    if curves:
        lines += _figure(curves, Path(image_dir))
    return "\n".join(lines) + "\n"


def _false_alarm_lines(prot: ShelfProtocol, evidence: dict) -> list[str]:
    """The calibration of a single run's U/N halves test on the shelf's stationary states:
    windows of each length in :data:`CALIBRATION_LENGTHS` flagged as ageing."""
    rows = []
    for T in prot.cascade:
        if evidence[T].get("stationarity") != "stationary":
            continue
        series = measured_energy_series(prot, T)
        cells = []
        for n in CALIBRATION_LENGTHS:
            c = halves_false_alarms(series, n)
            cells.append(f"{c['flagged']} of {c['windows']}" if c["windows"] else "-")
        rows.append(f"| {T:g} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["**How often a single run's halves test cries wolf.** Stage 1 tests a run by comparing "
            "the two halves of its U/N with block errors (at 1.7 %, a third of 5 %). On the "
            "measured stretches of the states above at temperatures the cross-state test calls "
            "stationary, windows of a given length (one every half length) are flagged as ageing:", "",
            "| T | " + " | ".join(f"{n} τ windows flagged" for n in CALIBRATION_LENGTHS) + " |",
            "| --- | " + " | ".join("---" for _ in CALIBRATION_LENGTHS) + " |", *rows, "",
            "Far above 1.7 % in the supercooled liquid: the blocks are as long as the fast "
            "fluctuations of U/N and their errors miss the slow ones. A run that continues a shelf "
            "state at its own temperature therefore takes the cross-state verdict (Methods).", ""]


def _figure(curves: dict, image_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glasshelpers.figures.simfigures import shelf_relaxation_figure

    image_dir.mkdir(parents=True, exist_ok=True)
    fig = shelf_relaxation_figure(curves, {T: CURVES[T] for T in curves if T in CURVES})
    fig.savefig(image_dir / "shelf_relaxation.png", dpi=110)
    plt.close(fig)
    return [f"```{{figure}} /book/generated/{image_dir.name}/shelf_relaxation.png", ":name: fig-shelf-relaxation",
            ":width: 100%", "",
            "The shelf's states, measured while they were made: MSD of A particles (left) and F_s^A(7.25, t) "
            "(right); thin lines one state each, thick their mean, dashed the published curves at 0.45 (RUMD, "
            "N = 10000), 0.8 (MSD only) and 2.0 (N = 4000). *Source: "
            "{py:func}`glasshelpers.figures.simfigures.shelf_relaxation_figure`, drawn when the book is built "
            "from `glasshelpers/shelf/ka2000/runs/*/evidence.npz`.*", "```", ""]
