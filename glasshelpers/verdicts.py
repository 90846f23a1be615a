"""Computed verdicts on the paper's claims, stated as what our data show.

Each function takes the tidy results of a stage and returns a DataFrame with columns
``claim, paper, ours, verdict`` (see results.verdict). Thresholds are stated in the
claim text so a reader can judge them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .figures import PAPER_TABLE1
from .results import fmt_ci, verdict

CHANCE = 0.5


def fluid_classification(cv_peaks: pd.DataFrame, inset_peaks: pd.DataFrame, dist: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in cv_peaks.iterrows():
        lo = r["best_accuracy"] - 2 * r["accuracy_err"]
        rows.append(verdict(f"fluidity trained at T = {r['T']:g} classifies its extreme events above chance "
                            "(5-fold CV, 2 SEM)", "yes (Fig. 1)",
                            f"{r['best_accuracy']:.3f} +- {r['accuracy_err']:.3f}", bool(lo > CHANCE)))
        rows.append(verdict(f"T = {r['T']:g}: near-peak accuracy at the trained bias (within 0.02)",
                            "yes (Fig. 1)", f"{r['accuracy_at_zero_shift']:.3f} at db = 0 vs peak "
                            f"{r['best_accuracy']:.3f} at db = {r['best_shift']:+.2f}",
                            bool(r["best_accuracy"] - r["accuracy_at_zero_shift"] <= 0.02)))
    merged = inset_peaks.merge(cv_peaks[["T", "best_accuracy"]], on="T", suffixes=("_softness", "_fluidity"))
    for _, r in merged.iterrows():
        rows.append(verdict(f"T = {r['T']:g}: the softness classifier nearly matches fluidity on these sets "
                            "(within 0.05) with a strongly shifted bias (|db| > 0.25)", "yes (Fig. 1 inset)",
                            f"{r['best_accuracy_softness']:.3f} at db = {r['best_shift']:+.2f} vs "
                            f"{r['best_accuracy_fluidity']:.3f}",
                            bool(r["best_accuracy_fluidity"] - r["best_accuracy_softness"] < 0.05
                                 and abs(r["best_shift"]) > 0.25)))
    for Tt, g in dist.groupby("T_train"):
        m = g.groupby("T")["mean"].first()
        rho = spearmanr(m.index, m.values)[0] if len(m) > 2 else np.nan
        rows.append(verdict(f"fluidity F^{Tt:g}: mean a monotonic function of the test temperature",
                            "yes (Fig. 5)", f"Spearman rho(T, mean) = {rho:+.3f}",
                            None if not np.isfinite(rho) else bool(abs(rho) > 0.95)))
    return pd.DataFrame(rows)


def transfer(table1: pd.DataFrame, softness_T: float = 0.45) -> pd.DataFrame:
    paper = {row[0]: row for row in PAPER_TABLE1}
    rows = []
    for _, r in table1.iterrows():
        if abs(r["T"] - softness_T) < 1e-9:
            continue
        lo, hi = r.get("best_accuracy_lo", np.nan), r.get("best_accuracy_hi", np.nan)
        rows.append(verdict(f"fluidity trained at T = {r['T']:g} classifies the T = 0.47 test set above chance",
                            "yes (Fig. 2)", fmt_ci(r["best_accuracy"], lo, hi), bool(lo > CHANCE)
                            if np.isfinite(lo) else None))
        p = paper.get(round(r["T"], 2))
        rows.append(verdict(f"T = {r['T']:g}: direction similar to softness (w_S . w_alpha > 0.5)",
                            f"{p[4]:.3f}" if p else "not reported", f"{r['similarity']:.3f}",
                            bool(r["similarity"] > 0.5)))
    fl = table1[np.abs(table1["T"] - softness_T) > 1e-9]
    spread = fl["b_best"].max() - fl["b_best"].min() if len(fl) else np.nan
    rows.append(verdict("the optimal transfer bias b_best varies with the training temperature",
                        "-0.24 ... -0.62 (paper's convention)", f"range {spread:.3f} (our convention)",
                        None if not np.isfinite(spread) else bool(spread > 0.1)))
    return pd.DataFrame(rows)


def _barrier_verdicts(fits: pd.DataFrame, label: str) -> list:
    """Fit quality, monotonic barriers per classifier and their collapse, for one fit range."""
    red = np.nanmedian(fits["chi2"] / fits["dof"].where(fits["dof"] > 0))
    rows = [verdict(f"the Kramers form describes ln(T P_R) vs 1/T ({label}; median chi2/dof < 3)",
                    "yes (Figs. 3, 9)", f"median chi2/dof = {red:.1f}", bool(red < 3) if np.isfinite(red) else None)]
    for Tt, f in fits.groupby("T_train"):
        f = f.dropna(subset=["Delta_E"])
        if len(f) < 3:
            rows.append(verdict(f"classifier T = {Tt:g} ({label}): barriers fall with x_alpha", "yes (Fig. 4)",
                                "too few fitted bins", None))
            continue
        rho = spearmanr(f["x"], f["Delta_E"])[0]
        rows.append(verdict(f"classifier T = {Tt:g} ({label}): Delta_E falls as x_alpha grows (Spearman < -0.5)",
                            "yes (Fig. 4)", f"rho = {rho:+.2f}, Delta_E from {f['Delta_E'].max():.2f} "
                            f"to {f['Delta_E'].min():.2f}", bool(rho < -0.5)))
    piv = fits.pivot_table(index="x", columns="T_train", values="Delta_E")
    if piv.shape[1] > 1:
        spread = np.nanmedian(piv.std(axis=1))
        typical = np.nanmedian(fits["Delta_E_err"])
        rows.append(verdict(f"Delta_E(x_alpha) collapses across classifiers ({label}; spread <= 2 x fit error)",
                            "almost identical (Fig. 4)", f"median spread {spread:.3f} vs median error {typical:.3f}",
                            bool(spread <= 2 * typical) if np.isfinite(spread) else None))
    return rows


def kramers(fits: pd.DataFrame, onsets: pd.DataFrame, fits_low: pd.DataFrame | None = None,
            onsets_low: pd.DataFrame | None = None, T_max_low: float = 0.8) -> pd.DataFrame:
    """Verdicts on Figs. 3, 4, 9: barriers fall with x, collapse, fit quality and onsets
    (default fits over all temperatures; optionally also the fits restricted to T < T_max_low)."""
    rows = []
    for label, f in (("all T", fits), (f"T < {T_max_low:g}", fits_low)):
        if f is None or f.empty:
            continue
        rows += _barrier_verdicts(f, label)
    for label, on in (("all T", onsets), (f"T < {T_max_low:g}", onsets_low)):
        if on is None:
            continue
        ok = on.dropna(subset=["T_onset"])
        if len(ok):
            desc = ", ".join(f"{r.T_train:g}: {r.T_onset:.2f}" for r in ok.itertuples())
            inside = ok["T_onset"].between(0.8, 1.2)
            rows.append(verdict(f"onset temperatures from the Kramers lines ({label}) lie in 0.8-1.2 for every "
                                "classifier", "T0 ~ 0.87 (0.8-1.2 reasonable)", desc,
                                bool(inside.all()) if len(ok) > 1 else None))
    return pd.DataFrame(rows)


def appendix(fig6: pd.DataFrame, control_summary: pd.DataFrame, C: float = 0.01) -> pd.DataFrame:
    rows = []
    at_c = fig6[np.isclose(fig6["C"], C)]
    if len(at_c) > 1:
        d = at_c["accuracy"].max() - at_c["accuracy"].min()
        rows.append(verdict(f"accuracy depends only weakly on the tail fraction q (spread < 0.05 at C = {C:g})",
                            "weak dependence (Figs. 6, 7)", f"spread {d:.3f} over q = "
                            + ", ".join(f"{q:g}" for q in at_c["q"]), bool(d < 0.05)))
    s = control_summary.set_index("classifier")
    fl = s.iloc[0]
    for name, r in s.iloc[1:].iterrows():
        if "immobile" in name:
            rows.append(verdict("immobile-vs-random is clearly worse than fluidity on the T = 0.47 test set",
                                "lower (Fig. 8)", f"{fmt_ci(r.best_accuracy, r.best_accuracy_lo, r.best_accuracy_hi)} vs "
                                f"{fmt_ci(fl.best_accuracy, fl.best_accuracy_lo, fl.best_accuracy_hi)}",
                                bool(r.best_accuracy_hi < fl.best_accuracy_lo)))
        else:
            rows.append(verdict("labels from the cumulative displacement give the same transfer (within 0.03)",
                                "qualitatively identical (text)",
                                f"{fmt_ci(r.best_accuracy, r.best_accuracy_lo, r.best_accuracy_hi)} vs "
                                f"{fl.best_accuracy:.3f}; w . w_fluidity = {r.similarity_to_fluidity:.2f}",
                                bool(abs(r.best_accuracy - fl.best_accuracy) < 0.03)))
    return pd.DataFrame(rows)
