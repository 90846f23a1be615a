"""Worked solutions of the course lab, written from a lab run's results tables.

Each function takes the tables of :func:`glasshelpers.book.headline.read_results`
(``{key: DataFrame or None}``) and the run's profile, and returns Markdown lines: the
numbers of that run and, where an exercise asks for a judgement, a sentence built from
them (which side of chance an interval lies, whether two intervals overlap). None of
them holds a fixed verdict; a missing table is named instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.book.display import reading_table
from glasshelpers.reference.paper import T_ONSET_LITERATURE
from glasshelpers.book.headline import _ci, default_variant

#: Results tables the solutions read (``results/<key>.csv`` of the lab run).
SOLUTION_TABLES = ("labels_summary", "fig1_peaks", "table1_data", "fig6_data", "fig8_summary",
                   "kramers_variants", "kramers_slopes", "onsets")


def _missing(*keys) -> list[str]:
    return [f"*Not in this run's results: {', '.join(f'`{k}.csv`' for k in keys)}. Run the workflow for "
            "the profile first (`make workflow PROFILE=lab`).*"]


def _has(df, *cols) -> bool:
    return df is not None and len(df) > 0 and set(cols) <= set(df.columns)


def _overlap(a_lo, a_hi, b_lo, b_hi) -> bool:
    return bool(a_lo <= b_hi and b_lo <= a_hi)


def hops(tables: dict, profile: Profile) -> list[str]:
    """Exercise: where p_hop stops separating hops from vibrations (``labels_summary.csv``)."""
    df = tables.get("labels_summary")
    if not _has(df, "T", "phop_q0.5", "phop_q0.99", "frac_above_p_c"):
        return _missing("labels_summary")
    df = df.sort_values("T")
    p_c = float(df["p_c"].iloc[0]) if "p_c" in df else float(profile.labels.p_c)
    table = reading_table(df[["T", "phop_q0.5", "phop_q0.99", "frac_above_p_c"]]).to_markdown()
    lo, hi = df.iloc[0], df.iloc[-1]
    text = (f"The share of $p_\\mathrm{{hop}}$ values above $p_c = {p_c:g}$ grows from "
            f"{100 * lo['frac_above_p_c']:.2g} % at T = {lo['T']:g} to {100 * hi['frac_above_p_c']:.2g} % at "
            f"T = {hi['T']:g}. ")
    typical = df[df["phop_q0.5"] > p_c]
    rare = df[df["phop_q0.99"] < p_c]
    if len(typical):
        first = typical.iloc[0]
        below = df[df["T"] < first["T"]]
        where = (f"Between T = {below['T'].iloc[-1]:g} (median {below['phop_q0.5'].iloc[-1]:.3g}) and "
                 f"T = {first['T']:g} (median {first['phop_q0.5']:.3g})" if len(below) else
                 f"Already at the lowest temperature, T = {first['T']:g},")
        text += (f"{where} the *median* particle crosses $p_c$: above that, a 'hop' by the $p_c$ rule is the "
                 "typical motion, not a rare event, and $p_\\mathrm{hop}$ no longer separates hops from "
                 "vibrations. ")
    else:
        text += (f"At none of this run's temperatures does the median exceed $p_c$ (at T = {hi['T']:g} it is "
                 f"{hi['phop_q0.5']:.3g}), so by that criterion $p_\\mathrm{{hop}}$ still separates a minority "
                 "of hops everywhere. ")
    if len(rare):
        text += (f"Up to T = {float(rare['T'].iloc[-1]):g} even the 99th percentile stays below $p_c$: "
                 "hops are rarer than one value in a hundred there.")
    return [table, "", text]


def fluid_cv(tables: dict, profile: Profile) -> list[str]:
    """Exercise: fluid-phase classifiers on their own training sets (``fig1_peaks.csv``)."""
    df = tables.get("fig1_peaks")
    if not _has(df, "panel", "T", "best_accuracy", "accuracy_lo", "accuracy_hi"):
        return _missing("fig1_peaks")
    cv = df[df["panel"] == "fluidity CV"].sort_values("T")
    if not len(cv):
        return _missing("fig1_peaks")
    rows = []
    for _, r in cv.iterrows():
        side = ("its 68 % interval lies above chance (0.5)" if r["accuracy_lo"] > 0.5 else
                "its 68 % interval reaches down to chance (0.5): not distinguished from guessing")
        rows.append(f"* trained at T = {r['T']:g}: best accuracy "
                    f"{_ci(r, 'best_accuracy', 'accuracy_lo', 'accuracy_hi', '{:.3f}')} at a bias shift of "
                    f"{r['best_shift']:+.2f}; {side}.")
    soft = df[df["panel"] != "fluidity CV"]
    if len(soft):
        rows.append(f"* the softness classifier on the same sets peaks at bias shifts of "
                    f"{soft['best_shift'].min():+.2f} to {soft['best_shift'].max():+.2f} (median "
                    f"{soft['best_shift'].median():+.2f}), with best accuracies "
                    f"{soft['best_accuracy'].min():.3f}-{soft['best_accuracy'].max():.3f}.")
    return rows


def transfer_worst(tables: dict, profile: Profile) -> list[str]:
    """Exercise: which training temperature transfers worst (``table1_data.csv``)."""
    df = tables.get("table1_data")
    if not _has(df, "T", "best_accuracy", "best_accuracy_lo", "best_accuracy_hi"):
        return _missing("table1_data")
    T_soft = float(profile.labels.softness_temperature)
    T_test = float(profile.labels.test_temperature)
    rows = [f"* {'softness' if np.isclose(r['T'], T_soft) else 'fluidity'}, trained at T = {r['T']:g}: "
            f"{_ci(r, 'best_accuracy', 'best_accuracy_lo', 'best_accuracy_hi', '{:.3f}')}"
            for _, r in df.sort_values("T").iterrows()]
    fl = df[~np.isclose(df["T"], T_soft)]
    if len(fl) < 2:
        return rows
    worst = fl.loc[fl["best_accuracy"].idxmin()]
    others = fl.drop(index=worst.name)
    tied = [f"{o['T']:g}" for _, o in others.iterrows()
            if _overlap(worst["best_accuracy_lo"], worst["best_accuracy_hi"], o["best_accuracy_lo"], o["best_accuracy_hi"])]
    text = (f"The lowest transfer accuracy at T = {T_test:g} is that of the classifier trained at "
            f"T = {worst['T']:g} ({worst['best_accuracy']:.3f}). ")
    if not tied:
        text += "Its 68 % interval lies below those of every other fluid-trained classifier, so this run ranks it last."
    else:
        text += (f"Its 68 % interval overlaps that of the classifier(s) trained at T = {', '.join(tied)}, so this "
                 f"run does not rank it below {'that one' if len(tied) == 1 else 'those'}"
                 + (f"; it lies below the other {len(others) - len(tied)}." if len(tied) < len(others) else
                    ": it does not tell which training temperature transfers worst."))
    return rows + ["", text]


def appendix_scan(tables: dict, profile: Profile) -> list[str]:
    """Exercise: dependence on C and on the tail fraction (``fig6_data.csv``)."""
    df = tables.get("fig6_data")
    if not _has(df, "q", "C", "accuracy", "accuracy_lo", "accuracy_hi"):
        return _missing("fig6_data")
    grid = df.pivot_table(index="C", columns="q", values="accuracy").rename(columns=lambda q: f"q = {q:g}")
    table = reading_table(grid).to_markdown()
    spread = float(df["accuracy"].max() - df["accuracy"].min())
    width = float(np.median(df["accuracy_hi"] - df["accuracy_lo"]))
    top = df.loc[df["accuracy"].idxmax()]
    text = (f"Across the whole grid the accuracy spans {df['accuracy'].min():.3f}-{df['accuracy'].max():.3f} "
            f"(a spread of {spread:.3f}); the median 68 % interval is {width:.3f} wide. ")
    best = f"the best cell is C = {top['C']:g}, q = {top['q']:g} ({top['accuracy']:.3f})"
    if spread <= width:
        text += ("The spread is within one interval width, so at this size the accuracy depends on C and q no "
                 "more than the statistical error.")
    elif spread <= 2 * width:
        text += (f"The spread is between one and two interval widths: at most weak evidence that C and q matter "
                 f"at this size; {best}.")
    else:
        text += f"The spread exceeds two interval widths, so C and q matter here; {best}."
    return [table, "", text]


def control(tables: dict, profile: Profile) -> list[str]:
    """Exercise: immobile vs random particles, and displacement labels (``fig8_summary.csv``)."""
    df = tables.get("fig8_summary")
    if not _has(df, "classifier", "best_accuracy", "diff_vs_fluidity", "diff_lo", "diff_hi"):
        return _missing("fig8_summary")
    rows = []
    for _, r in df.iterrows():
        line = (f"* {r['classifier']}: transfer accuracy "
                f"{_ci(r, 'best_accuracy', 'best_accuracy_lo', 'best_accuracy_hi', '{:.3f}')}")
        if pd.notna(r["diff_vs_fluidity"]):
            d = _ci(r, "diff_vs_fluidity", "diff_lo", "diff_hi", "{:+.3f}")
            if r["diff_hi"] < 0:
                line += f"; against the two-tail classifier {d}, worse (the paired 68 % interval is below 0)"
            elif r["diff_lo"] > 0:
                line += f"; against the two-tail classifier {d}, better (the paired 68 % interval is above 0)"
            else:
                line += f"; against the two-tail classifier {d}, not resolved (the paired interval holds 0)"
        rows.append(line + ".")
    return rows


def barriers(tables: dict, profile: Profile) -> list[str]:
    """Exercise: barrier slopes and onset temperatures (``kramers_slopes.csv``, ``onsets.csv``)."""
    variants, slopes, onsets = (tables.get(k) for k in ("kramers_variants", "kramers_slopes", "onsets"))
    if not _has(variants, "fit", "default") or not _has(slopes, "fit", "T_train", "slope"):
        return _missing("kramers_variants", "kramers_slopes")
    fit = str(default_variant(variants)["fit"])
    s = slopes[(slopes["fit"].astype(str) == fit) & np.isfinite(slopes["slope"])].sort_values("T_train")
    rows = [f"Fits over {fit}:", ""]
    down = 0
    for _, r in s.iterrows():
        resolved = "slope_hi" in r and r["slope_hi"] < 0
        down += bool(resolved)
        rows.append(f"* classifier trained at T = {r['T_train']:g}: $d\\Delta E/dx_\\alpha$ = "
                    f"{_ci(r, 'slope', 'slope_lo', 'slope_hi')}"
                    + (" (falling: the 68 % interval is below 0)" if resolved else " (68 % interval reaches 0)"))
    rows += ["", f"$\\Delta E$ falls with $x_\\alpha$, resolved at 68 %, for {down} of {len(s)} classifiers."]
    if _has(onsets, "fit", "T_train", "T_onset"):
        on = onsets[(onsets["fit"].astype(str) == fit)].dropna(subset=["T_onset"]).sort_values("T_train")
        if len(on):
            vals = "; ".join(f"{r['T_train']:g}: {_ci(r, 'T_onset', 'T_onset_lo', 'T_onset_hi')}"
                             for _, r in on.iterrows())
            inside = sum(bool(r.get("T_onset_lo", np.nan) <= T_ONSET_LITERATURE <= r.get("T_onset_hi", np.nan))
                         for _, r in on.iterrows())
            outside = [f"{r['T_train']:g}" for _, r in on.iterrows()
                       if not r.get("T_onset_lo", -np.inf) <= r["T_onset"] <= r.get("T_onset_hi", np.inf)]
            rows += ["", f"Onset temperatures where each classifier's lines meet (by training T): {vals}. "
                     f"The literature value {T_ONSET_LITERATURE:g} lies inside {inside} of these {len(on)} "
                     "68 % intervals."]
            if outside:
                rows[-1] += (f" For training T = {', '.join(outside)} the estimate lies outside its own interval, "
                             "so that interval does not describe the estimator (the comparison chapter lists "
                             "such cases): a point worth discussing, not a result.")
    return rows
