"""Computed verdicts on the paper's claims, decided by our uncertainty.

Each function takes the tidy results of a stage and returns a DataFrame with columns
``claim, paper, ours, verdict`` (see results.verdict). A verdict is one of

* **agrees**: our interval is consistent with the paper's value (or lies wholly on the
  side the paper claims);
* **disagrees**: our interval excludes it (or lies wholly on the other side);
* **inconclusive**: our interval is too wide to tell (neither inside the band nor outside
  it, or it straddles the bound of a one-sided claim).

Two rules (68 % intervals are widened by 1.96 about the estimate where only those exist,
:func:`glasshelpers.reference.margins.widen95`); every band, bound and margin is declared,
with its reason, in :data:`glasshelpers.reference.margins.CLAIM_RULES`:

* :func:`judge_value` for claims of a value (the paper's value +- a margin of practical
  equivalence, or an accepted range): agrees when our 90 % interval lies inside the band,
  disagrees when our 95 % interval lies wholly outside it, inconclusive otherwise.
* :func:`judge_bound` for one-sided claims ("above chance", "falls with x", "worse than"):
  agrees if the interval lies inside the claimed region, disagrees if it lies wholly
  outside, inconclusive if it straddles the bound.

Table I's cells, in the paper's own definitions, follow a third rule with declared margins
of practical equivalence (:func:`glasshelpers.reference.margins.judge_equivalence`):
agrees when the 90 % interval lies inside the paper's value +- margin, disagrees when the
95 % interval lies outside it, inconclusive otherwise.

The resolution, tolerances and margins are written into each claim, so a reader can
judge them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from glasshelpers.reference.margins import (BIAS_VARIES, CHANCE, COLLAPSE_RESOLUTION, NEAR_BEST_GAP, Q_SPREAD, SAME_TRANSFER,
                                            SIGMA_COLLAPSE_RESOLUTION, SIMILAR_DIRECTION, TABLE1_MARGINS, Z90, Z95, ci95 as _ci95,
                                            judge_cells, widen95)
from glasshelpers.reference.paper import PAPER_TABLE1, T_ONSET_LITERATURE, T_ONSET_RANGE
from glasshelpers.pipeline.registry import ITEMS_COLUMN
from glasshelpers.pipeline.results import fmt_ci, verdict

#: Resolution needed to say anything about an onset temperature (target half-width 0.1).
ONSET_RESOLUTION = 0.1
#: p-value below which estimates that should be equal are said to differ.
P_DIFFER = 0.05


def judge_value(lo, hi, target_lo, target_hi, est: float | None = None) -> bool | None:
    """Value claim against a declared band: True (agrees) / False (disagrees) / None (inconclusive).

    lo, hi : our 95 % interval, ``est`` the estimate inside it (default: its midpoint).
    target_lo, target_hi : the paper's value +- its margin of practical equivalence (or an
    accepted range). Agrees when our 90 % interval (each side of the 95 % one shrunk by
    1.645 / 1.96 about the estimate) lies inside the band (two one-sided tests at 5 %);
    disagrees when the 95 % interval lies wholly outside it; inconclusive otherwise, and
    for a zero-width band (an exact value needs a margin)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    est = 0.5 * (lo + hi) if est is None or not np.isfinite(est) else float(est)
    lo90, hi90 = est - (est - lo) * Z90 / Z95, est + (hi - est) * Z90 / Z95
    if hi < target_lo or lo > target_hi:
        return False
    if target_lo <= lo90 and hi90 <= target_hi and target_hi > target_lo:
        return True
    return None


def judge_bound(lo, hi, bound: float, above: bool = True) -> bool | None:
    """One-sided claim (quantity > bound if ``above``, else < bound): True if the interval
    lies wholly on the claimed side, False if wholly on the other, None if it straddles."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    if above:
        return True if lo > bound else (False if hi < bound else None)
    return True if hi < bound else (False if lo > bound else None)


def judge_consistency(p_value: float, half_widths, resolution: float | None = None) -> bool | None:
    """"The same for all": disagrees if p < P_DIFFER; inconclusive if the typical interval
    half-width exceeds the resolution (agreement would be trivial); else agrees."""
    if not np.isfinite(p_value):
        return None
    if p_value < P_DIFFER:
        return False
    hw = np.asarray(half_widths, dtype=float)
    if resolution is not None and (not np.isfinite(hw).any() or np.nanmedian(hw) > resolution):
        return None
    return True


# ------------------------------------------------------------------ Figs. 1 and 5
def fluid_classification(cv_peaks: pd.DataFrame, inset_peaks: pd.DataFrame, dist: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in cv_peaks.iterrows():
        lo, hi = _ci95(r, "best_accuracy", "accuracy_lo", "accuracy_hi")
        rows.append(verdict(f"fluidity trained at T = {r['T']:g} classifies its extreme events above chance "
                            "(95 % interval above 0.5)", "yes (Fig. 1)",
                            fmt_ci(r["best_accuracy"], lo, hi), judge_bound(lo, hi, CHANCE), items=("fig1",),
                            headline="classification"))
        # paper: best near zero shift; ours: peak minus accuracy at db = 0, whose uncertainty we take
        # as the peak's interval; the paper's precision is read as 0.02 in accuracy
        gap = r["best_accuracy"] - r["accuracy_at_zero_shift"]
        hw = 0.5 * (hi - lo) if np.isfinite(hi - lo) else np.nan
        rows.append(verdict(f"T = {r['T']:g}: the trained bias is near the best one (accuracy lost at db = 0 "
                            f"is 0 +- {NEAR_BEST_GAP:g}: 90 % interval inside)",
                            "yes (Fig. 1)", f"{r['accuracy_at_zero_shift']:.3f} at db = 0 vs peak "
                            f"{r['best_accuracy']:.3f} at db = {r['best_shift']:+.2f}",
                            judge_value(gap - hw, gap + hw, -NEAR_BEST_GAP, NEAR_BEST_GAP, est=gap), items=("fig1",)))
    merged = inset_peaks.merge(cv_peaks[["T", "best_accuracy"] + [c for c in ("accuracy_lo", "accuracy_hi")
                                                                  if c in cv_peaks]],
                               on="T", suffixes=("_softness", "_fluidity"))
    for _, r in merged.iterrows():
        hw = np.nan
        if "accuracy_lo_softness" in r and "accuracy_lo_fluidity" in r:
            hw = Z95 * np.hypot(0.5 * (r["accuracy_hi_softness"] - r["accuracy_lo_softness"]),
                                0.5 * (r["accuracy_hi_fluidity"] - r["accuracy_lo_fluidity"]))
        d = r["best_accuracy_fluidity"] - r["best_accuracy_softness"]
        close = judge_bound(d - hw, d + hw, 0.05, above=False) if np.isfinite(hw) else None
        shifted = abs(r["best_shift"]) > 0.25
        holds = None if close is None else (close and shifted)
        rows.append(verdict(f"T = {r['T']:g}: the softness classifier nearly matches fluidity on these sets "
                            "(accuracy gap below 0.05 at 95 %) with a strongly shifted bias (|db| > 0.25)",
                            "yes (Fig. 1 inset)",
                            f"gap {d:+.3f} +- {hw:.3f}; softness best at db = {r['best_shift']:+.2f}", holds,
                            items=("fig1",)))
    for Tt, g in dist.groupby("T_train"):
        m = g.groupby("T")["mean"].first()
        rho = spearmanr(m.index, m.values)[0] if len(m) > 2 else np.nan
        # the means of thousands of samples have negligible error next to their change with T:
        # the verdict is on the ordering itself (|rho| > 0.95)
        rows.append(verdict(f"fluidity F^{Tt:g}: mean a monotonic function of the test temperature "
                            "(|Spearman rho| > 0.95)", "yes (Fig. 5)", f"Spearman rho(T, mean) = {rho:+.3f}",
                            None if not np.isfinite(rho) else bool(abs(rho) > 0.95), items=("fig5",)))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ Fig. 2, Table I
def transfer(table1: pd.DataFrame, softness_T: float = 0.45, resolution: float = 0.1,
             compare_table: bool = False) -> pd.DataFrame:
    """Fig. 2 and Table I verdicts (the Table I value comparisons only with
    ``compare_table=True``, or via :func:`table_one`).

    ``table1`` columns: T, b_best, sigma_T, similarity, best_accuracy (+ ``_lo/_hi``
    68 % or ``_lo95/_hi95`` interval columns for any of them, e.g. from
    :func:`glasshelpers.stages.s05_transfer.transfer.table_one_half_sampling`). Table I values are compared with
    the paper's in the paper's own definitions where the table has them: sigma_T and b_best
    in units of the SVM's decision function (``sigma_T_raw``, ``b_best_raw``, our b_best
    sign-flipped to its convention) and the similarity as the plain dot product of the unit
    normals in their own scalings (``similarity_own``), each with :func:`judge_value`;
    ``resolution`` is the margin of the distance-unit comparison (tables without the
    paper's units)."""
    paper = {round(row[0], 2): row for row in PAPER_TABLE1}
    rows = []
    for _, r in table1.iterrows():
        soft = abs(r["T"] - softness_T) < 1e-9
        p = paper.get(round(r["T"], 2))
        if not soft:
            lo, hi = _ci95(r, "best_accuracy", "best_accuracy_lo", "best_accuracy_hi")
            rows.append(verdict(f"fluidity trained at T = {r['T']:g} classifies the T = 0.47 test set above "
                                "chance (95 % interval above 0.5)", "yes (Fig. 2)",
                                fmt_ci(r["best_accuracy"], lo, hi), judge_bound(lo, hi, CHANCE), items=("fig2",),
                                headline="transfer"))
        if not soft:
            lo, hi = _ci95(r, "similarity", "similarity_lo", "similarity_hi")
            ours = f"{r['similarity']:.3f}" + (f" [{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) else " (no interval)")
            holds = judge_bound(lo, hi, SIMILAR_DIRECTION) if np.isfinite(lo) else None
            bias = r.get("similarity_bias", 0.0)
            if np.isfinite(lo) and np.isfinite(bias) and abs(bias) > 0.5 * (hi - lo):
                holds = None                     # the bootstrap is dominated by its own bias
                ours += f"; bootstrap bias {bias:+.3f} exceeds the half-width"
            if not np.isfinite(r["similarity"]) and np.isfinite(r.get("similarity_raw", np.nan)):
                ours = (f"undetermined: normals fitted on two halves of a training set do not agree "
                        f"(raw cosine {r['similarity_raw']:.3f})")
            rows.append(verdict(f"T = {r['T']:g}: direction similar to softness (w_S . w_alpha > 0.5 at 95 %, "
                                "attenuation-corrected, half-sampling interval)", f"{p[4]:.3f}" if p else "not reported",
                                ours, holds, items=("table1",)))
        if p is None or not compare_table:
            continue
        rows += table_one_cells(r, p, soft, resolution)
    fl = table1[np.abs(table1["T"] - softness_T) > 1e-9]
    if len(fl) > 1:
        rows.append(bias_varies(fl))
    return pd.DataFrame(rows)


def bias_varies(fl: pd.DataFrame) -> dict:
    """"b_best varies with the training temperature", from all the fluid rows at once
    (``margins.CLAIM_RULES``, key ``bias_varies``): agrees when a chi2 test rejects equal
    b_best at 5 % and some b_best's 95 % interval lies more than BIAS_VARIES sigma_T from
    their weighted mean; disagrees when every b_best's 90 % interval lies within that of
    the mean; inconclusive otherwise (also without intervals)."""
    from scipy.stats import chi2 as chi2_dist

    b = fl["b_best"].to_numpy(float)
    sig = fl["sigma_T"].to_numpy(float) if "sigma_T" in fl else np.full(b.shape, np.nan)
    bounds = np.array([_ci95(r, "b_best", "b_best_lo", "b_best_hi") for _, r in fl.iterrows()], dtype=float)
    se = (bounds[:, 1] - bounds[:, 0]) / (2 * Z95)
    claim = (f"the optimal transfer bias b_best varies with the training temperature (chi2 of equal b_best "
             f"rejects at 5 % and one lies beyond +-{BIAS_VARIES:g} sigma_T of their mean at 95 %; all within it at "
             "90 %: disagrees)")
    paper = "-0.24 ... -0.62 (paper's convention)"
    if not (np.isfinite(se).all() and (se > 0).all() and np.isfinite(sig).all()):
        return verdict(claim, paper, f"range {np.ptp(b):.3f} (no interval)", None, items=("fig2",))
    w = 1 / se ** 2
    m = float(np.sum(w * b) / np.sum(w))
    chi2 = float(np.sum(((b - m) / se) ** 2))
    p = float(chi2_dist.sf(chi2, len(b) - 1))
    margin = BIAS_VARIES * sig
    beyond = bool(np.any((bounds[:, 0] - m > margin) | (m - bounds[:, 1] > margin)))
    within = bool(np.all(np.abs(b - m) + Z90 * se <= margin))
    holds = True if (p < 0.05 and beyond) else (False if within else None)
    return verdict(claim, paper, f"mean {m:.3f}; chi2 = {chi2:.1f} / {len(b) - 1} dof, p = {p:.3g}; "
                   f"b_best {', '.join(f'{v:.2f}' for v in b)}", holds, items=("fig2",))


def table_one_cells(r, p, soft: bool, resolution: float = 0.1) -> list:
    """Verdicts of one Table I row against the paper's row ``p``: in the paper's definitions
    with the declared margins (:func:`glasshelpers.reference.margins.judge_cells`) where our
    row has those columns; otherwise sigma_T and b_best in distance units, labelled so,
    with :func:`judge_value` in the band +- ``resolution``."""
    if all(m.column in r for m in TABLE1_MARGINS):
        return judge_cells(r, p, soft)
    out = []
    for col, k, label in (("sigma_T", 2, "sigma_T (in distance units, not the paper's)"),
                          ("b_best", 3, "b_best (paper's sign, in distance units, not the paper's)")):
        if col not in r or not np.isfinite(r[col]):
            continue
        lo, hi = _ci95(r, col, f"{col}_lo", f"{col}_hi")
        sign = -1.0 if col == "b_best" else 1.0
        est = sign * r[col]
        lo, hi = sorted((sign * lo, sign * hi))
        out.append(verdict(f"Table I, T = {r['T']:g}: {label} equals the paper's within +-{resolution:g} "
                           "(90 % interval inside)", f"{p[k]:.4f}",
                           fmt_ci(est, lo, hi) if np.isfinite(lo) else f"{est:.3f} (no interval)",
                           judge_value(lo, hi, p[k] - resolution, p[k] + resolution, est=est) if np.isfinite(lo) else None,
                           items=("table1",)))
    return out


def table_one(table1: pd.DataFrame, softness_T: float = 0.45, resolution: float = 0.1) -> pd.DataFrame:
    """Table I verdicts only: similarity > 0.5 and sigma_T, b_best against the paper's
    values (interval columns from :func:`glasshelpers.stages.s05_transfer.transfer.table_one_half_sampling`)."""
    v = transfer(table1, softness_T, resolution, compare_table=True)
    return split_transfer(v)[1]


def split_transfer(v: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split :func:`transfer`'s verdicts into those of Fig. 2 (above chance, b_best varies)
    and those of Table I (similarity, sigma_T and b_best against the paper's)."""
    t1 = np.array(["table1" in ks for ks in v[ITEMS_COLUMN]], dtype=bool)
    return v[~t1].reset_index(drop=True), v[t1].reset_index(drop=True)


# ------------------------------------------------------------------ Figs. 3, 4, 9
def kramers(res, fig3_classifiers=(), glm=None) -> pd.DataFrame:
    """Verdicts on Figs. 3, 4, 9 and the onset from a
    :class:`glasshelpers.stages.s06_kramers.barrier_analysis.KramersResult`.

    Per fit variant (data range, all T, T < 0.8): the Kramers form fits (pooled chi2
    p-value >= 0.01), barriers fall with x_alpha per classifier (slope's 95 % interval
    below 0), barriers collapse across classifiers (chi2 with the joint bootstrap
    covariance, p >= 0.05), one onset for all classifiers (same test on the onsets);
    for the default variant (the data range) also the pooled onset against the
    literature (0.87; 0.8-1.2 accepted). ``fig3_classifiers``: the training temperatures
    Fig. 3 shows, whose slope verdicts also belong to it. ``glm``: the likelihood analysis
    (:class:`glasshelpers.stages.s06_kramers.barrier_glm.GLMResult`); its rows (:func:`kramers_glm`)
    are appended and its occupancy onset carries the headline onset value."""
    rows = [_kramers_form(res)] + _fit_quality(res.fits)
    for _, s in res.slopes.iterrows():
        items = ("fig3", "fig4") if np.isclose(s["T_train"], fig3_classifiers).any() else ("fig4",)
        rows.append(verdict(f"classifier T = {s['T_train']:g} ({s['fit']}): Delta_E falls as x_alpha grows "
                            "(slope dDelta_E/dx, 95 % interval below 0)", "yes (Fig. 4)",
                            fmt_ci(s["slope"], s["slope_lo95"], s["slope_hi95"], 2) + f" over {s['n_bins']} bins",
                            judge_bound(s["slope_lo95"], s["slope_hi95"], 0.0, above=False)
                            if s["n_bins"] >= 3 else None, items=items))
    for _, c in res.collapse.iterrows():
        for name, col, label, res_ in (("Delta_E", "", "barriers", COLLAPSE_RESOLUTION),
                                       ("Sigma", "sigma_", "Sigma", SIGMA_COLLAPSE_RESOLUTION)):
            rows += _collapse_row(res, c, name, col, label, res_)
    for _, c in res.onset_consistency.iterrows():
        rows += _onset_claims(c, res.onsets[res.onsets["fit"] == c["fit"]], c["fit"] == res.default.label)
    if glm is not None:
        for r in rows:
            if r.get("headline") == "onset_value":
                r["headline"] = ""
        rows += kramers_glm(glm, fig3_classifiers)
    return pd.DataFrame(rows)


def _collapse_row(res, c, name: str, col: str, label: str, resolution: float) -> list:
    """The collapse claim of Delta_E or Sigma for one fit variant: with the whole-chain
    half-sampling covariance where the stage computed it (classifiers, b_best, sigma_T and
    the Kramers lines refitted on each half), else with the joint bootstrap of the counts."""
    chain = f"{col}chain_p_value" in c and np.isfinite(c[f"{col}chain_p_value"])
    key = f"{col}chain_" if chain else col
    if f"{key}p_value" not in c or not np.isfinite(c.get(f"{key}chi2", np.nan)):
        return []
    lo, hi = (f"{name}_lo95_chain", f"{name}_hi95_chain") if chain else (f"{name}_lo95", f"{name}_hi95")
    hw = res.fits.loc[res.fits["fit"] == c["fit"], [lo, hi]].diff(axis=1).iloc[:, 1] / 2
    how = ("whole-chain half-sampling covariance, every link refitted" if chain
           else "joint bootstrap covariance of the counts")
    head = "collapse" if (name == "Delta_E" and c["fit"] == res.default.label) else ""
    sym = "Delta_E" if name == "Delta_E" else "Sigma"
    return [verdict(f"{sym}(x_alpha) collapses across classifiers ({c['fit']}; chi2 of each bin's {label} about "
                    f"their mean, {how}; p >= 0.05, median 95 % half-width <= {resolution:g})",
                    "almost identical (Fig. 4)",
                    f"chi2 = {c[f'{key}chi2']:.1f} for {int(c[f'{key}dof'])} dof, p = {c[f'{key}p_value']:.3g}; "
                    f"median half-width {np.nanmedian(hw):.2f}",
                    judge_consistency(c[f"{key}p_value"], hw, resolution), items=("fig4",), headline=head)]


def _kramers_form(res) -> dict:
    fr = res.fit_range
    return verdict("the Kramers form describes ln(T P_R) vs 1/T below the onset: a range of at least four "
                   f"temperatures passes the fit-range criterion ({fr.criterion})", "yes (Figs. 3, 9)",
                   f"T <= {fr.T_up:g}: p = {fr.p_value:.3g}; weighted chi2/dof there {fr.red_chi2:.2f}"
                   + ("" if fr.passes else "; no range passes (nothing rescaled)")
                   + ("" if fr.error_scale == 1 else f"; variances x {fr.error_scale:.2f}"),
                   bool(fr.passes and res.scan.loc[res.scan["chosen"], "n_T"].iloc[0] >= 4),
                   items=("fig3", "fig4", "fig9"), headline="kramers_form")


def _fit_quality(fits) -> list:
    from scipy.stats import chi2 as chi2_dist

    rows = []
    for label, f in fits.groupby("fit", sort=False):
        ok = f["dof"] > 0
        chi2, dof = float(f.loc[ok, "chi2"].sum()), int(f.loc[ok, "dof"].sum())
        p = float(chi2_dist.sf(chi2, dof)) if dof else np.nan
        rows.append(verdict(f"fits over {label} are consistent with the errors (pooled chi2 p >= 0.01)",
                            "yes (Figs. 3, 9)", f"chi2/dof = {chi2 / max(dof, 1):.2f} (dof {dof}), p = {p:.3g}",
                            None if not np.isfinite(p) else bool(p >= 0.01), items=("fig3", "fig9")))
    return rows


def _onset_claims(c, o, default: bool) -> list:
    """The one-onset claim of a fit variant and, for the default variant, the literature value."""
    hw = 0.5 * (o["T_high95"] - o["T_low95"]) if "T_high95" in o else pd.Series(dtype=float)
    paper = "the same across softness and fluidity classifiers (Sec. III)"
    head = "common_onset" if default else ""
    if "p_value" not in c or not np.isfinite(c.get("p_value", np.nan)):
        return [verdict(f"one onset temperature for all classifiers ({c['fit']})", paper,
                        str(c.get("note", "too few onsets")), None, items=("fig9",), headline=head)]
    desc = ", ".join(f"{r.T_train:g}: {r.T_onset:.2f}" for r in o.itertuples() if np.isfinite(r.T_onset))
    rows = [verdict(f"one onset temperature for all classifiers ({c['fit']}; chi2 of the onsets about "
                    f"their mean in 1/T, joint bootstrap covariance; p >= {P_DIFFER:g}, median 95 % "
                    f"half-width <= {ONSET_RESOLUTION:g})", paper, f"{desc}; chi2 = {c['chi2']:.1f} / "
                    f"{int(c['dof'])} dof, p = {c['p_value']:.3g}", judge_consistency(c["p_value"], hw, ONSET_RESOLUTION),
                    items=("fig9",), headline=head)]
    if default:
        lo, hi = c["T_mean_low95"], c["T_mean_high95"]
        rows.append(verdict(f"the common onset ({c['fit']}) matches the literature value "
                            f"(T0 ~ {T_ONSET_LITERATURE:g}; 90 % interval inside the accepted "
                            f"{T_ONSET_RANGE[0]:g}-{T_ONSET_RANGE[1]:g})", f"T0 ~ {T_ONSET_LITERATURE:g} (its Refs. 7, 19); 0.8-1.2 "
                            "reasonable (Refs. 4, 11), Sec. II", fmt_ci(c["T_mean"], lo, hi, 2),
                            judge_value(lo, hi, *T_ONSET_RANGE, est=c["T_mean"]), items=("fig9",),
                            headline="onset_value"))
    return rows


# ------------------------------------------------------------------ Figs. 6-8
def appendix(fig6: pd.DataFrame, control_summary: pd.DataFrame, C: float = 0.01,
             q_tolerance: float = Q_SPREAD, same_tolerance: float = SAME_TRANSFER) -> pd.DataFrame:
    """Appendix verdicts. ``control_summary`` rows after the first (the fluidity classifier)
    should carry ``diff_vs_fluidity`` and its 95 % interval ``diff_lo95, diff_hi95``
    (cross-fitted accuracies, half-sampling of the refitted classifiers paired on the shared
    test set, :func:`glasshelpers.stages.s07_appendix.appendix.control_transfer`); without them the two
    accuracy intervals are combined as independent."""
    rows = []
    at_c = fig6[np.isclose(fig6["C"], C)]
    if len(at_c) > 1:
        d = at_c["accuracy"].max() - at_c["accuracy"].min()
        hw = np.nan
        if {"accuracy_lo", "accuracy_hi"} <= set(at_c.columns):
            hw = Z95 * np.sqrt(2) * float(np.nanmax(0.5 * (at_c["accuracy_hi"] - at_c["accuracy_lo"])))
        rows.append(verdict(f"accuracy depends only weakly on the tail fraction q (spread over q below "
                            f"{q_tolerance:g} at 95 %, C = {C:g})", "weak dependence (Figs. 6, 7)",
                            f"spread {d:.3f} +- {hw:.3f} over q = " + ", ".join(f"{q:g}" for q in at_c["q"]),
                            judge_bound(d - hw, d + hw, q_tolerance, above=False) if np.isfinite(hw) else None,
                            items=("fig6", "fig7")))
    s = control_summary.set_index("classifier")
    fl = s.iloc[0]
    for name, r in s.iloc[1:].iterrows():
        d = fl.best_accuracy - r.best_accuracy
        if "diff_lo95" in r and np.isfinite(r.get("diff_lo95", np.nan)):
            lo, hi = -r.diff_hi95, -r.diff_lo95          # diff_vs_fluidity = control - fluidity
            d = -r.diff_vs_fluidity                      # the estimate that interval belongs to
        else:
            hw = Z95 * np.hypot(0.5 * (r.best_accuracy_hi - r.best_accuracy_lo),
                                0.5 * (fl.best_accuracy_hi - fl.best_accuracy_lo))
            lo, hi = d - hw, d + hw
        ours = (f"{fmt_ci(r.best_accuracy, r.best_accuracy_lo, r.best_accuracy_hi)} vs "
                f"{fmt_ci(fl.best_accuracy, fl.best_accuracy_lo, fl.best_accuracy_hi)}; fluidity minus this: "
                f"{fmt_ci(d, lo, hi)}")
        if "immobile" in name:
            rows.append(verdict("immobile-vs-random is worse than fluidity on the T = 0.47 test set (accuracy "
                                "difference, paired 95 % interval above 0)", "lower (Fig. 8)", ours,
                                judge_bound(lo, hi, 0.0), items=("fig8",), headline="control"))
        else:
            rows.append(verdict(f"labels from the cumulative displacement give the same transfer (difference 0 "
                                f"+- {same_tolerance:g}: paired 90 % interval inside)",
                                "qualitatively identical (text)",
                                ours + f"; w . w_fluidity = {r.similarity_to_fluidity:.2f}",
                                judge_value(lo, hi, -same_tolerance, same_tolerance, est=d),
                                items=("fig8",)))
    return pd.DataFrame(rows)


def combine(verdict_words) -> str:
    """One verdict for a claim tested by several rows (e.g. one per temperature):
    *disagrees* if any row disagrees, *agrees* if every row agrees, *inconclusive*
    otherwise; ``"not computed"`` without rows. Notes after the word are ignored."""
    c = counts(verdict_words)
    n = sum(c.values())
    if n == 0:
        return "not computed"
    if c["disagrees"]:
        return "disagrees"
    return "agrees" if c["agrees"] == n else "inconclusive"


#: The three verdict words, in the order the book shows them.
VERDICT_WORDS = ("agrees", "disagrees", "inconclusive")


def counts(verdict_words) -> dict:
    """Counts of agrees / disagrees / inconclusive among verdict strings (the word alone,
    or followed by a space and a note, e.g. ``"inconclusive (bias ...)"``); anything
    else counts as ``other``. The one verdict counter of the package."""
    out = dict.fromkeys((*VERDICT_WORDS, "other"), 0)
    for w in verdict_words:
        w = str(w).strip()
        out[next((k for k in VERDICT_WORDS if w == k or w.startswith(k + " ")), "other")] += 1
    return out


def kramers_glm(g, fig3_classifiers=()) -> list:
    """Verdicts of the likelihood analysis from a
    :class:`glasshelpers.stages.s06_kramers.barrier_glm.GLMResult`: per measure (occupancy P_R, event
    rate r) whether a range of at least four temperatures shows no curvature; the onset of
    the softness classifier against the literature, judged on its own 95 % interval (the
    envelope over the passing ranges, so it includes the range choice) whether or not a
    range passes the curvature test, which is a claim of its own; and the indicator test."""
    rows = []
    for _, r in g.ranges.iterrows():
        sc = g.scan[(g.scan["measure"] == r["measure"]) & np.isclose(g.scan["T_up"], r["T_up"])]
        rows.append(verdict(f"Kramers form, likelihood fit of the {r['measure']} with every cell (zeros kept): "
                            f"{r['rule']}", "yes (Figs. 3, 9)",
                            f"T <= {r['T_up']:g}, worst curvature p = {r['worst_p']:.3g}; deviance p "
                            f"{sc['deviance_p'].min():.3g}-{sc['deviance_p'].max():.3g} (misfit, not rescaled)",
                            bool(r["passes"]), items=("fig3", "fig9")))
    soft = min(fig3_classifiers) if len(fig3_classifiers) else None
    o = g.onsets[(g.onsets["kind"] == "smooth")]
    for measure in ("occupancy", "rate"):
        d = o[(o["measure"] == measure) & (np.isclose(o["T_train"], soft) if soft is not None else True)]
        if d.empty:
            continue
        d = d.iloc[0]
        lo, hi = d["T_env_low95"], d["T_env_high95"]
        rows.append(verdict(f"the onset of classifier T = {d['T_train']:g} ({measure}, smooth form, lines meet at "
                            f"e1/s1; 95 % envelope over the passing ranges) matches the literature (T0 ~ "
                            f"{T_ONSET_LITERATURE:g}; 90 % interval inside the accepted "
                            f"{T_ONSET_RANGE[0]:g}-{T_ONSET_RANGE[1]:g})",
                            f"T0 ~ {T_ONSET_LITERATURE:g}, Sec. II",
                            fmt_ci(d["T_onset"], lo, hi, 2) + ("" if d["range_passes"] else
                                                               " (no range passes the curvature test: its own claim)"),
                            judge_value(lo, hi, *T_ONSET_RANGE, est=d["T_onset"]),
                            items=("fig9",), headline="onset_value" if measure == "occupancy" else ""))
    rows += [indicator_verdict(g, m) for m in ("occupancy", "rate")]
    return rows


def indicator_moves(base, var) -> bool:
    """An onset moved: each estimate lies outside the other's 95 % interval."""
    return bool(not (base["T_env_low95"] <= var["T_onset"] <= base["T_env_high95"])
                and not (var["T_env_low95"] <= base["T_onset"] <= var["T_env_high95"]))


def indicator_verdict(g, measure: str) -> dict:
    """Does the onset move by more than its interval when p_c or the window change?
    Disagrees (the onset belongs to the indicator) if any classifier's onset moves
    (:func:`indicator_moves`); agrees if none does, every variant's estimate lies inside
    the baseline's interval and the baseline's half-width is at most ONSET_RESOLUTION;
    else inconclusive."""
    d = g.indicator[g.indicator["measure"] == measure]
    b0 = g.baseline
    base = d[np.isclose(d["p_c"], b0.p_c) & (d["window"] == b0.window)].set_index("T_train")
    moved, inside = [], True
    for _, v in d.iterrows():
        if v["T_train"] not in base.index or (np.isclose(v["p_c"], b0.p_c) and v["window"] == b0.window):
            continue
        b = base.loc[v["T_train"]]
        if indicator_moves(b, v):
            moved.append(f"T = {v['T_train']:g}: {v['p_c']:g}/{int(v['window'])} tau -> {v['T_onset']:.2f}")
        inside &= bool(b["T_env_low95"] <= v["T_onset"] <= b["T_env_high95"])
    hw = 0.5 * (base["T_env_high95"] - base["T_env_low95"])
    holds = False if moved else (True if inside and (hw <= ONSET_RESOLUTION).all() else None)
    desc = ", ".join(f"{Tt:g}: {r.T_onset:.2f}" for Tt, r in base.iterrows())
    pcs = ", ".join(f"{v:g}" for v in sorted(d["p_c"].unique()))
    wins = ", ".join(f"{int(v)}" for v in sorted(d["window"].unique()))
    return verdict(f"indicator test ({measure}): the onset does not move by more than its 95 % interval when p_c "
                   f"({pcs}) or the p_hop window ({wins} tau) change", "implied: the onset is a property "
                   "of the liquid (Sec. I)", f"baseline {desc}; " + ("; ".join(moved) if moved else "no onset moves"),
                   holds, items=("fig9",))
