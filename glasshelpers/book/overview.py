"""The simulation chapter's overview page: every temperature's run in two tables and
two figures, read from the simulation notebooks' results (computes nothing).

* thermodynamics: U/N, pressure, kinetic temperature, production length, wall time;
* relaxation and equilibrium: tau_alpha, D_A (68 % block-bootstrap intervals), the
  equilibration in units of tau_alpha, the two-halves tests and each run's verdict
  (:mod:`glasshelpers.stages.s01_simulation.simulation`);
* g_AA(r) and the MSD of every temperature overlaid; tau_alpha(T) and D_A(T) on
  Arrhenius axes beside published values (:mod:`glasshelpers.reference.published`), with the
  per-temperature comparison table.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from glasshelpers.pipeline import registry
from glasshelpers.book.pages import _duration, _md_cell

#: Verdict words of a run (glasshelpers.stages.s01_simulation.simulation) and their badge colours.
EQUILIBRIUM_BADGES = {"equilibrated": "bdg-success", "ageing": "bdg-danger", "untested": "bdg-warning"}


def _overview_row(T: float, summary: Path, page: str, titles: dict | None) -> str:
    """One temperature's row of the overview table, from its ``sim_<tag>_summary.csv``."""
    import pandas as pd

    from glasshelpers.book.display import format_value

    r = pd.read_csv(summary).iloc[0]
    text = (titles or {}).get(page + ".ipynb", f"T = {T:g}")
    return (f"| {T:g} | {format_value(r['U_per_N'])} | {format_value(r['pressure'])} "
            f"| {format_value(r['T_kin'])} | {format_value(r['production_time'])} "
            f"| {_duration(float(r['wall_time_s']))} | {{doc}}`{_md_cell(text)} </book/generated/{page}>` |")


def _overview_curves(curves: Path) -> tuple[tuple | None, tuple | None]:
    """``(g_AA, msd_A)`` as ``(x, y)`` arrays from a ``sim_<tag>_curves.csv`` (None when absent)."""
    import pandas as pd

    if not curves.is_file():
        return None, None
    c = pd.read_csv(curves)
    out = []
    for name in ("g_AA", "msd_A"):
        part = c[c["curve"] == name]
        out.append((part["x"].to_numpy(), part["y"].to_numpy()) if len(part) else None)
    return out[0], out[1]


def _figure_block(fig, image_dir: Path, stem: str, caption: str) -> list[str]:
    """Save ``fig`` as ``image_dir/<stem>.png`` and return its Markdown figure block
    (label ``fig-<stem with - for _>``)."""
    import matplotlib.pyplot as plt

    image_dir.mkdir(parents=True, exist_ok=True)
    fig.savefig(image_dir / f"{stem}.png", dpi=110)
    plt.close(fig)
    return [f"```{{figure}} /book/generated/{image_dir.name}/{stem}.png", f":name: fig-{stem.replace('_', '-')}",
            ":width: 100%", "", caption, "```", ""]


def _overview_figure(rdfs: dict, msds: dict, image_dir: Path) -> list[str]:
    """Draw the overlay of every temperature's g_AA(r) and MSD; its Markdown figure block."""
    import matplotlib

    matplotlib.use("Agg")

    from glasshelpers.figures.simfigures import temperature_overview_figure

    return _figure_block(temperature_overview_figure(rdfs, msds), image_dir, "sim_overview",
                         "Every temperature at once: the A-A pair correlation of the last frame (left) and the "
            "mean-squared displacement of A particles (right), blue for the coldest run, red for "
                         "the hottest. *Source: {py:func}`glasshelpers.figures.simfigures.temperature_overview_figure`, "
                         "drawn when the book is built from the `results/sim_<tag>_curves.csv` of every temperature "
                         "(notebook `01_simulation`, stage {py:mod}`glasshelpers.stages.s01_simulation`).*")


def _fmt_ci(r, q, digits=3) -> str:
    v = r.get(q, np.nan)
    if not np.isfinite(v):
        return "–"
    lo, hi = r.get(f"{q}_lo", np.nan), r.get(f"{q}_hi", np.nan)
    return f"{v:.{digits}g} [{lo:.{digits}g}, {hi:.{digits}g}]" if np.isfinite(lo) else f"{v:.{digits}g}"


def _p(v) -> str:
    return "–" if not np.isfinite(v) else f"{v:.2g}"


def _relaxation_table(df: pd.DataFrame) -> list[str]:
    """Relaxation and equilibrium of every run (rows of the summaries that carry them)."""
    if "equilibrium" not in df:
        return ["*These simulation summaries predate the equilibrium tests: re-run the simulation "
                "notebooks to get tau_alpha, D_A and each run's verdict.*", ""]
    lines = ["| T | before production (τ) | τ_α (τ) | before / τ_α | D_A (σ²/τ) | halves p: U/N, MSD, F_s | "
             "largest solid-like cluster | run |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in df.iterrows():
        badge = EQUILIBRIUM_BADGES.get(r["equilibrium"], "bdg-secondary")
        ratio = r["equil_over_tau_alpha"]
        cluster = r.get("largest_solid_cluster", np.nan)
        cluster = "–" if not np.isfinite(cluster) else (f"{cluster:.0f}" + (" (crystallite)" if str(r.get("crystallite"))
                                                                             == "True" else ""))
        lines.append(f"| {r['T']:g} | {r['equil_history']:g} | {_fmt_ci(r, 'tau_alpha')} | "
                     f"{'–' if not np.isfinite(ratio) else f'{ratio:.3g}'} | {_fmt_ci(r, 'D_A')} | "
                     f"{_p(r['U_drift_p'])}, {_p(r['msd_drift_p'])}, {_p(r['fs_drift_p'])} | {cluster} | "
                     f"{{{badge}}}`{r['equilibrium']}` |")
    counts = df["equilibrium"].value_counts()
    sentence = [f"**{counts.get('equilibrated', 0)} of {len(df)} runs equilibrated**"]
    for word in ("ageing", "untested"):
        temps = df.loc[df["equilibrium"] == word, "T"]
        if len(temps):
            sentence.append(f"{word}: T = {', '.join(f'{T:g}' for T in temps)}")
    sentence.append(_chance_flags(df))
    return lines + ["", "; ".join(s for s in sentence if s) + ". A run's reason is on its page. τ_α and D_A carry 68 % "
                    "block-bootstrap intervals over time origins (– where the run is too short to measure "
                    "them, or τ_α is below the 1 τ frame interval); the p-values are those of the "
                    "two-halves tests (each at 5 %/3); the largest cluster of solid-like A particles (q_6 "
                    "order, first, middle and last production frames) is 0 to a few in a liquid.", ""]


def _chance_flags(df: pd.DataFrame) -> str:
    """How many of the runs' halves-test flags chance explains (Holm over the runs,
    :func:`glasshelpers.core.statistics.ageingflags.summary_flags`)."""
    from glasshelpers.core.statistics.ageingflags import summary_flags

    by_halves, kept = summary_flags(df)
    if not by_halves.any():
        return ""
    kept = df.loc[kept, "T"]
    return (f"the halves tests flag T = {', '.join(f'{T:g}' for T in df.loc[by_halves, 'T'])} at 5 % per run, "
            f"where about {0.05 * len(df):.1g} of {len(df)} stationary runs would be flagged by chance; with "
            f"Holm's correction over the runs they still flag "
            + (f"T = {', '.join(f'{T:g}' for T in kept)}" if len(kept) else "none")
            + " (a run's own verdict stays the per-run one)")


def _published(results_dir: Path, temperatures) -> pd.DataFrame:
    from glasshelpers.pipeline.profiles import temperature_tag

    parts = []
    for T in temperatures:
        f = results_dir / f"sim_{temperature_tag(T)}_published.csv"
        if f.is_file() and f.stat().st_size:
            try:
                parts.append(pd.read_csv(f))
            except pd.errors.EmptyDataError:
                continue
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _published_table(pub: pd.DataFrame) -> list[str]:
    if pub.empty:
        return ["No published value of this model lies at one of this profile's temperatures.", ""]
    lines = ["| T | quantity | ours (95 %) | published | tolerance | source | verdict |", "|---|---|---|---|---|---|---|"]
    sources = list(dict.fromkeys(pub["source"]))
    for _, r in pub.iterrows():
        ours = f"{r['ours']:.4g}" + (f" [{r['ours_lo95']:.4g}, {r['ours_hi95']:.4g}]" if np.isfinite(r["ours_lo95"])
                                     else " (no interval)") if np.isfinite(r["ours"]) else "not measured"
        lines.append(f"| {r['T']:g} | {r['quantity']} | {ours} | {r['published']:.4g} ({r['kind']}) | "
                     f"{r['tolerance']} | [{sources.index(r['source']) + 1}] | {r['verdict']} |")
    notes = [f"[{i + 1}] {_md_cell(src)}; " + "; ".join(sorted(set(pub.loc[pub['source'] == src, 'where'])))
             for i, src in enumerate(sources)]
    return lines + ["", "Sources: " + " ".join(notes) + ". *derived*: computed here from the source's tabulated "
                    "curves (`glasshelpers/reference/published.py`).", ""]


def _arrhenius(df: pd.DataFrame, pub: pd.DataFrame, image_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")

    from glasshelpers.figures.simfigures import arrhenius_figure

    if "tau_alpha" not in df or not (np.isfinite(df["tau_alpha"]).any() or np.isfinite(df["D_A"]).any()):
        return []
    points = [(r["quantity"], r["T"], r["published"], f"published ({r['kind']})")
              for _, r in pub.iterrows() if r["quantity"] in ("tau_alpha", "D_A")] if len(pub) else []
    return _figure_block(arrhenius_figure(df, points), image_dir, "sim_arrhenius",
                         "Relaxation time τ_α (left) and A-particle diffusion constant D_A (right) against 1/T, with 68 % "
            "block-bootstrap intervals; open circles: runs not shown to be equilibrated; squares: published "
                         "values (table below). *Source: {py:func}`glasshelpers.figures.simfigures.arrhenius_figure`, "
                         "drawn when the book is built from the `results/sim_<tag>_summary.csv` and "
                         "`results/sim_<tag>_published.csv` of every temperature (notebook `01_simulation`, stage "
                         "{py:mod}`glasshelpers.stages.s01_simulation`).*")


def simulation_overview_markdown(results_dir: os.PathLike, temperatures, image_dir: os.PathLike,
                                 titles: dict | None = None) -> str:
    """The simulation chapter's overview (module docstring), from ``results/sim_<tag>_summary.csv``,
    ``sim_<tag>_curves.csv`` (curve g_AA, msd_A or fs_A; x, y) and ``sim_<tag>_published.csv``;
    draws ``image_dir/sim_overview.png`` and ``sim_arrhenius.png``. Temperatures without a
    summary are listed as missing rather than dropped silently."""
    from glasshelpers.pipeline.profiles import temperature_tag

    results_dir, image_dir = Path(results_dir), Path(image_dir)
    rows, summaries, missing, rdfs, msds = [], [], [], {}, {}
    temps = sorted(float(t) for t in temperatures)
    for T in temps:
        tag = temperature_tag(T)
        summary = results_dir / f"sim_{tag}_summary.csv"
        if not summary.is_file():
            missing.append(f"{T:g}")
            continue
        rows.append(_overview_row(T, summary, f"{registry.per_temperature_stem()}_{tag}", titles))
        summaries.append(pd.read_csv(summary))
        rdf, msd = _overview_curves(results_dir / f"sim_{tag}_curves.csv")
        if rdf is not None:
            rdfs[T] = rdf
        if msd is not None:
            msds[T] = msd
    parts = []
    if rows:
        parts += ["| T | U/N | pressure | T_kin | production (τ) | wall time | page |",
                  "|---|---|---|---|---|---|---|", *rows, ""]
        parts += ["Averages over each production run: potential energy per particle $U/N$ "
                  "($\\epsilon$), pressure ($\\epsilon/\\sigma_{AA}^3$) and kinetic temperature; "
                  "wall time of the run on the machine that made it.", ""]
    if missing:
        parts += [f"**Missing:** no simulation summary for T = {', '.join(missing)} "
                  "(`results/sim_<T>_summary.csv`); re-run those simulation notebooks.", ""]
    if rdfs or msds:
        parts += _overview_figure(rdfs, msds, image_dir)
    if summaries:
        df = pd.concat(summaries, ignore_index=True)
        pub = _published(results_dir, temps)
        parts += ["**Relaxation and equilibrium.**", "", *_relaxation_table(df), *_arrhenius(df, pub, image_dir),
                  "**Against published values.**", "", *_published_table(pub)]
    return "\n".join(parts) + "\n"
