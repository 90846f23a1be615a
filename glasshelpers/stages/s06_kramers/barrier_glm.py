"""Stage 6, likelihood half: occupancy P_R and event rate r, fitted as GLMs with
every cell (zeros kept), a curvature test that chooses the fit range, onsets whose
intervals include that choice, and the indicator test (p_c and p_hop window varied).

Entry point :func:`glm_analysis` on the samples of
:func:`glasshelpers.stages.s06_kramers.barriers.rearrangement_samples` (which carry p_hop at t - 1 and
t for every window of ``analysis.indicator_windows``). Units: temperatures and barriers in
epsilon_AA, x_alpha dimensionless, rates in 1/tau.

Measures: ``occupancy`` (binomial: k rearranging samples of n, the paper's P_R) and
``rate`` (Poisson: k onsets in n tau at risk). Design effects phi_T from the block bootstrap
(:func:`glasshelpers.core.barriers.glm.design_effect`) turn the counts into effective counts.

Range rule: for every upper temperature T_up with at least ``min_temperatures`` temperatures
at or below it, each classifier's per-bin straight lines are tested against lines with a
1/T^2 term (likelihood ratio, :func:`glasshelpers.core.barriers.glm.curvature_test`). A range passes when
no classifier detects curvature at ``p_min / n_classifiers`` (Bonferroni: the classifiers
share particles). The default range is the widest passing one; if none passes, the
narrowest candidate is shown, flagged, with its misfit as measured (nothing rescaled). The
onset's interval is the envelope of the profile-likelihood intervals over every passing
range (over the default range alone when none passes).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from glasshelpers.core.dynamics import events
from glasshelpers.core.barriers import glm, glmonset, rearrangement
from glasshelpers.core.statistics import stats
from glasshelpers.core.dynamics.dynamics import HALF_WINDOW, PHOP_SPAN
from glasshelpers.core.barriers.rearrangement import cell_counts
from glasshelpers.stages.s06_kramers.barrier_analysis import point_counts, prepare

MEASURES = {"occupancy": "binomial", "rate": "poisson"}


@dataclass
class Indicator:
    """One rearrangement indicator: threshold ``p_c`` (sigma_AA^2) on p_hop over a window
    of ``window`` tau (frames t - window/2 ... t + window/2)."""

    p_c: float
    window: int

    @property
    def label(self) -> str:
        return f"p_c = {self.p_c:g}, {self.window} tau"


def indicator_groups(groups, ind: Indicator, measure: str):
    """Samples of one measure under one indicator: ``rearranged`` = the counted event
    (p_hop(t) > p_c for occupancy, an onset for the rate) and bins -1 for samples that do
    not count (p_hop undefined; for the rate, not at risk)."""
    out = []
    for g in groups:
        gg = []
        for s in g:
            before, at = s["phop"][int(ind.window)]
            risk, onset = events.onset_flags(before, at, ind.p_c)
            keep = np.isfinite(at) if measure == "occupancy" else risk
            flag = (np.nan_to_num(at, nan=-1.0) > ind.p_c) if measure == "occupancy" else onset
            gg.append(dict(s, rearranged=flag, bins={Tt: np.where(keep, b, -1) for Tt, b in s["bins"].items()}))
        out.append(gg)
    return out


def measure_counts(g, classifiers, nb, measure, boot):
    """Counts (n_T, nb) per classifier of one measure's samples ``g`` (from
    :func:`indicator_groups`): n, k, mean x, design effect phi (n_T,) from the replicates
    ``boot`` (classifier -> (n_b, k_b)), and the effective counts keff, neff."""
    n_pt, k_pt, xs_pt = point_counts(g, classifiers, nb)
    out = {}
    for Tt in classifiers:
        n, k = n_pt[Tt], k_pt[Tt]
        phi = glm.design_effect(k, n, boot[Tt][1], boot[Tt][0], MEASURES[measure])
        with np.errstate(divide="ignore", invalid="ignore"):
            xm = np.where(n > 0, xs_pt[Tt] / n, np.nan)
        out[Tt] = dict(n=n, k=k, x=xm, phi=phi, keff=k / phi[:, None], neff=n / phi[:, None])
    return out


def joint_replicates(groups, variants: dict, nb, n_rep, seed, modes) -> dict:
    """Bootstrap replicates of (n, k) for many variants of the same samples with the same
    draws (one set of cluster draws per temperature, shared by every indicator, measure and
    classifier, as :func:`glasshelpers.core.barriers.rearrangement.resampled_counts` draws them).

    variants : key -> (variant groups from :func:`indicator_groups`, classifiers).
    Returns key -> {classifier: (n_b, k_b)}, arrays (n_rep, n_T, nb)."""
    rng = np.random.default_rng(seed)
    n_T = len(groups)
    out = {key: {Tt: (np.zeros((n_rep, n_T, nb)), np.zeros((n_rep, n_T, nb))) for Tt in clfs}
           for key, (_, clfs) in variants.items()}
    for i, g in enumerate(groups):
        cluster, offset = rearrangement.cluster_ids(g, modes[i])
        D = stats.cluster_draws(rng, offset, n_rep).astype(float)
        for key, (vg, clfs) in variants.items():
            flags = np.concatenate([smp["rearranged"] for smp in vg[i]])
            for Tt in clfs:
                idx = np.concatenate([smp["bins"][Tt] for smp in vg[i]])
                N, K = cell_counts(idx, flags, cluster, offset, nb)
                out[key][Tt][0][:, i], out[key][Tt][1][:, i] = D @ N, D @ K
    return out


def scan_ranges(T, counts, family, min_temperatures: int = 4, onset_ranges=None) -> pd.DataFrame:
    """Curvature test per classifier and candidate T_up, and the smooth-form onset with its
    95 % profile interval (for every T_up, or only those in ``onset_ranges``)."""
    T = np.asarray(T, dtype=float)
    rows = []
    for T_up in T[min_temperatures - 1:]:
        sel = glm.select(T, T_up)
        for Tt, c in counts.items():
            ct = glm.curvature_test(T, c["keff"], c["neff"], family, sel, c["x"])
            rows.append(dict(T_train=Tt, T_up=float(T_up), n_T=ct["n_T"], curvature_lr=ct["lr"],
                             curvature_dof=ct["dof"], curvature_p=ct["p_value"], deviance=ct["deviance"],
                             deviance_dof=ct["deviance_dof"], deviance_p=ct["deviance_p"]))
    scan = pd.DataFrame(rows)
    add_onsets(scan, T, counts, family, onset_ranges)
    return scan


def add_onsets(scan, T, counts, family, T_ups=None):
    """Fill ``T_onset, T_low95, T_high95`` (smooth form, profile) of the scan's rows whose
    T_up is in ``T_ups`` (None: all rows) and whose classifier is in ``counts``. An interval end that the scanned grid does not
    reach is 0 (low) or inf (high): unbounded."""
    for col in ("T_onset", "T_low95", "T_high95"):
        if col not in scan:
            scan[col] = np.nan
    for i, r in scan.iterrows():
        if (T_ups is not None and not np.isclose(r["T_up"], T_ups).any()) or r["T_train"] not in counts:
            continue
        if np.isfinite(r["T_onset"]):
            continue
        c = counts[r["T_train"]]
        o = glmonset.profile_onset("smooth", T, c["keff"], c["neff"], c["x"], family, glm.select(T, r["T_up"]),
                                   n_grid=61)
        scan.loc[i, ["T_onset", "T_low95", "T_high95"]] = (o["T_onset"], _low(o["T_low"]), o["T_high"])


def _low(v):
    """Lower end of an onset interval: 0 (unbounded) where the profile never left the level."""
    return 0.0 if not np.isfinite(v) else float(v)


def choose_range(scan: pd.DataFrame, p_min: float) -> dict:
    """The default range of one measure from its scan (rule in the module docstring).
    Marks ``passes`` per T_up in ``scan`` and returns T_up, passes, threshold, rule."""
    n_clf = scan["T_train"].nunique()
    thr = p_min / max(n_clf, 1)
    worst = scan.groupby("T_up")["curvature_p"].min()
    ok = worst[worst >= thr]
    scan["passes"] = scan["T_up"].map(worst >= thr)
    passes = not ok.empty
    T_up = float(ok.index.max()) if passes else float(worst.index.min())
    rule = (f"widest T <= T_up (at least four temperatures) where no classifier's per-bin lines gain from a "
            f"1/T^2 term (likelihood ratio p >= {p_min:g}/{n_clf} = {thr:.2g})")
    return dict(T_up=T_up, passes=passes, threshold=thr, rule=rule, n_passing=int(ok.size),
                worst_p=float(worst.loc[T_up]))


def _envelope(scan_c, T_up, passes):
    """Onset interval of one classifier: envelope of the passing ranges' intervals."""
    d = scan_c[scan_c["passes"]] if passes else scan_c[np.isclose(scan_c["T_up"], T_up)]
    lo, hi = d["T_low95"].to_numpy(float), d["T_high95"].to_numpy(float)
    return (float(np.nanmin(lo)) if np.isfinite(lo).any() else np.nan,
            float(np.nanmax(hi)) if np.isfinite(hi).any() or np.isinf(hi).any() else np.nan)


def onsets_at_range(T, counts, family, T_up, scan, passes) -> list:
    """Smooth-form and common-point onsets per classifier over T <= T_up, with their own
    profile intervals (68 %, 95 %), the envelope over passing ranges, and P (occupancy
    or rate) of the lines at the crossing."""
    rows = []
    sel = glm.select(T, T_up)
    for Tt, c in counts.items():
        sm = glmonset.smooth_fit(T, c["keff"], c["neff"], c["x"], family, sel)
        for kind in ("smooth", "common"):
            o95 = glmonset.profile_onset(kind, T, c["keff"], c["neff"], c["x"], family, sel, level=0.95,
                                         levels=(0.68,))
            lo68, hi68 = o95["intervals"][0.68]
            row = dict(T_train=Tt, kind=kind, T_up=T_up, T_onset=o95["T_onset"], T_low=_low(lo68),
                       T_high=hi68, T_low95=_low(o95["T_low"]), T_high95=o95["T_high"])
            if kind == "smooth":
                lo, hi = _envelope(scan[scan["T_train"] == Tt], T_up, passes)
                u = o95["u_onset"]
                row.update(T_env_low95=float(np.nanmin([lo, row["T_low95"]])),
                           T_env_high95=float(np.nanmax([hi, row["T_high95"]])),
                           P_at_onset=u * np.exp(sm["s0"] - sm["e0"] * u),
                           **{p: sm[p] for p in ("s0", "s1", "e0", "e1", "s0_err", "s1_err", "e0_err", "e1_err")},
                           n_cells=sm["n_cells"], n_zero=sm["n_zero"])
            rows.append(row)
    return rows


def per_bin_table(T, counts, family, T_up, edges) -> pd.DataFrame:
    """Per-bin Sigma, Delta_E (95 % Wald intervals on the effective counts) over T <= T_up."""
    sel = glm.select(T, T_up)
    rows = []
    for Tt, c in counts.items():
        f = glm.per_bin_fit(T, c["keff"], c["neff"], family, sel, c["x"])
        n = c["n"][sel]
        xm = f["x_bar"]
        for j in range(edges.size - 1):
            rows.append(dict(T_train=Tt, bin=j, x_center=0.5 * (edges[j] + edges[j + 1]), x_mean=xm[j],
                             Sigma=f["Sigma"][j], Sigma_err=f["Sigma_err"][j], Delta_E=f["Delta_E"][j],
                             Delta_E_err=f["Delta_E_err"][j], events=float(c["k"][sel, j].sum()),
                             zero_cells=int(((c["k"][sel, j] == 0) & (n[:, j] > 0)).sum())))
    d = pd.DataFrame(rows)
    for lvl, z in (("", 1.0), ("95", 1.96)):
        d[f"Delta_E_lo{lvl}"], d[f"Delta_E_hi{lvl}"] = d["Delta_E"] - z * d["Delta_E_err"], d["Delta_E"] + z * d["Delta_E_err"]
    return d


def cell_frame(T, counts, measure, edges) -> pd.DataFrame:
    """The cells of one measure: T_train, T, bin, n (samples, or tau at risk), k, P
    (k/n: P_R, or r in 1/tau), phi, x_mean."""
    rows = []
    for Tt, c in counts.items():
        for i, Tv in enumerate(T):
            for j in range(edges.size - 1):
                n, k = c["n"][i, j], c["k"][i, j]
                rows.append(dict(measure=measure, T_train=Tt, T=float(Tv), bin=j, x_mean=c["x"][i, j], n=n, k=k,
                                 P=k / n if n > 0 else np.nan, phi=c["phi"][i]))
    return pd.DataFrame(rows)


def bootstrap_modes(groups, min_time_blocks) -> list:
    """Resampling unit per temperature, as in :func:`~glasshelpers.stages.s06_kramers.barrier_analysis.bootstrap_schemes`."""
    n_tb = [int(sum(int(s["time_blocks"].max()) + 1 if s["time_blocks"].size else 0 for s in g)) for g in groups]
    return ["time" if min_time_blocks is not None and n >= int(min_time_blocks) else "block" for n in n_tb]


def analyse_indicator(T, vg, classifiers, nb, ind, measure, boot, *, p_min, min_temperatures=4, with_common=True,
                      figure_classifiers=()):
    """One measure under one indicator: counts, range scan and choice, onsets at the
    default range. ``vg``: the measure's samples (:func:`indicator_groups`); ``boot``:
    their replicates. Smooth-form onsets of the passing ranges and the default one; with
    ``with_common`` also the common-point onsets, and the smooth-form onset of every
    candidate range for ``figure_classifiers`` (the onset-vs-range figure).
    Returns (counts, scan, choice dict, onset rows)."""
    family = MEASURES[measure]
    counts = measure_counts(vg, classifiers, nb, measure, boot)
    scan = scan_ranges(T, counts, family, min_temperatures, onset_ranges=[])
    ch = choose_range(scan, p_min)
    add_onsets(scan, T, counts, family, scan.loc[scan["passes"], "T_up"].unique().tolist() + [ch["T_up"]])
    if with_common and figure_classifiers:               # every range, for the onset-vs-range figure
        add_onsets(scan, T, {Tt: counts[Tt] for Tt in counts if np.isclose(Tt, figure_classifiers).any()}, family)
    rows = onsets_at_range(T, counts, family, ch["T_up"], scan, ch["passes"])
    if not with_common:
        rows = [r for r in rows if r["kind"] == "smooth"]
    for r in rows:
        r.update(measure=measure, p_c=ind.p_c, window=ind.window, range_passes=ch["passes"])
    scan.insert(0, "measure", measure)
    return counts, scan, ch, rows


@dataclass
class GLMResult:
    """The likelihood analysis of stage 6 (tables as DataFrames; see :func:`glm_analysis`).

    cells : counts per measure, classifier, T, bin (n, k, P, phi, x_mean).
    scan : curvature test and smooth-form onset per measure, classifier and T_up.
    ranges : the chosen range per measure (T_up, passes, rule, ...).
    fits : per-bin Sigma, Delta_E per measure and classifier over its default range.
    onsets : smooth-form and common-point onsets per measure and classifier.
    indicator : smooth-form onsets per indicator (p_c, window), measure and classifier.
    baseline : the indicator of the paper (p_c of the profile, 10 tau).
    """

    cells: pd.DataFrame
    scan: pd.DataFrame
    ranges: pd.DataFrame
    fits: pd.DataFrame
    onsets: pd.DataFrame
    indicator: pd.DataFrame
    baseline: Indicator

    def range_of(self, measure: str) -> dict:
        return self.ranges.set_index("measure").loc[measure].to_dict()

    def range_summary(self) -> tuple[pd.DataFrame, str]:
        """The chosen range per measure as a table, and the sentence saying which measure the
        Kramers form describes over the wider range (or that both share one)."""
        rows = [{"measure": r["measure"], "widest range without curvature": f"T <= {r['T_up']:g}",
                 "passes": bool(r["passes"]), "ranges that pass": int(r["n_passing"]),
                 "note": "" if r["passes"] else "none passes: the smallest range is shown"}
                for _, r in self.ranges.iterrows()]
        occ, rate = self.range_of("occupancy"), self.range_of("rate")
        if np.isclose(occ["T_up"], rate["T_up"]):
            sentence = "the Kramers form describes the rate and the occupancy over the same range"
        else:
            wide = self.ranges.sort_values("T_up").iloc[-1]
            sentence = f"the Kramers form describes the {wide['measure']} over the wider range (T <= {wide['T_up']:g})"
        return pd.DataFrame(rows), sentence

    def cell_summary(self) -> pd.DataFrame:
        """Per measure: cells fitted, cells with trials but no event (kept in the
        likelihood), and the median design effect phi."""
        c = self.cells
        return pd.DataFrame([{"measure": m, "cells": len(d), "zero-event cells": int(((d["k"] == 0) & (d["n"] > 0)).sum()),
                              "median design effect": float(d["phi"].median())}
                             for m, d in c.groupby("measure", sort=True)])


def glm_analysis(samples, edges, *, p_c: float, windows=(10, 20), p_c_values=(0.1, 0.2, 0.4), n_boot: int = 30,
                 seed: int = 0, p_min: float = 0.01, frame_spacing: float = 1.0, min_time_blocks=30,
                 min_temperatures: int = 4, indicator_classifiers=None) -> GLMResult:
    """Occupancy and rate fits, range choice and onsets, and the indicator test.

    - samples : from :func:`glasshelpers.stages.s06_kramers.barriers.rearrangement_samples` (with
      ``phop``: dict window (tau) -> (p_hop at t - 1, p_hop at t)).
    - p_c : the profile's threshold (the baseline indicator is p_c with a 10 tau window).
    - windows, p_c_values : the indicator grid (every p_c with every window).
    - n_boot : bootstrap replicates for the design effects (shared draws for every
      indicator, measure and classifier; a design effect pooled over bins needs far
      fewer replicates than an interval).
    - indicator_classifiers : training temperatures recomputed for the other indicators
      (default all; the stage uses the two of Fig. 3, to keep its run time).
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # fits that cannot be made (a bin without events, a range that does not close) come
        # back NaN by design; their numerical warnings would only print the source path
        warnings.simplefilter("ignore", RuntimeWarning)
        return _glm_analysis(samples, edges, p_c, windows, p_c_values, n_boot, seed, p_min, frame_spacing,
                             min_time_blocks, min_temperatures, indicator_classifiers)


def _glm_analysis(samples, edges, p_c, windows, p_c_values, n_boot, seed, p_min, frame_spacing, min_time_blocks,
                  min_temperatures, indicator_classifiers) -> GLMResult:
    """The body of :func:`glm_analysis`."""
    edges = np.asarray(edges, dtype=float)
    nb = edges.size - 1
    span = stats.block_frames(frame_spacing, PHOP_SPAN) * float(frame_spacing)
    temps, groups, classifiers = prepare(samples, edges, span)
    T = np.asarray(temps)
    base = Indicator(float(p_c), 2 * HALF_WINDOW)
    ind_clfs = classifiers if indicator_classifiers is None else \
        [c for c in classifiers if np.isclose(c, list(indicator_classifiers)).any()]
    others = [Indicator(float(pc), int(w)) for w in windows for pc in p_c_values
              if not (np.isclose(pc, base.p_c) and int(w) == base.window)]
    variants = {(ind.p_c, ind.window, m): (indicator_groups(groups, ind, m), classifiers if ind is base else ind_clfs)
                for ind in [base] + others for m in MEASURES}
    boot = joint_replicates(groups, variants, nb, int(n_boot), seed, bootstrap_modes(groups, min_time_blocks))
    cells, scans, ranges, fits, onsets, ind_rows = [], [], [], [], [], []
    for ind in [base] + others:
        for m in MEASURES:
            key = (ind.p_c, ind.window, m)
            counts, scan, ch, rows = analyse_indicator(T, variants[key][0], variants[key][1], nb, ind, m, boot[key],
                                                       p_min=p_min, min_temperatures=min_temperatures,
                                                       with_common=ind is base, figure_classifiers=ind_clfs)
            ind_rows += [r for r in rows if r["kind"] == "smooth" and r["T_train"] in ind_clfs]
            if ind is base:
                cells.append(cell_frame(T, counts, m, edges))
                scans.append(scan)
                ranges.append(dict(measure=m, **ch))
                fits.append(per_bin_table(T, counts, MEASURES[m], ch["T_up"], edges).assign(measure=m))
                onsets += rows
    return GLMResult(cells=pd.concat(cells, ignore_index=True), scan=pd.concat(scans, ignore_index=True),
                     ranges=pd.DataFrame(ranges), fits=pd.concat(fits, ignore_index=True),
                     onsets=pd.DataFrame(onsets), indicator=pd.DataFrame(ind_rows), baseline=base)
