"""Do two realisations of one profile agree? (Two seeds of demo.)

Two runs of the same profile with different base seeds (``demo`` and ``demo-seed2``) share
no random number: new MD trajectories, new labelled sets, new half-sampling splits. Their
Table I estimates are then independent, and each carries a half-sampling standard error
(``X_se`` in ``table1_data.csv``, :mod:`glasshelpers.core.learning.halfsample`). For one quantity at one
temperature the difference ``d = X_b - X_a`` has standard error ``se = sqrt(se_a^2 + se_b^2)``.

Verdicts use declared margins of practical equivalence (:data:`MARGINS`), the rule of the
comparison with the paper: a row **agrees** when the 90 % interval of d lies inside
``+-margin`` (two one-sided tests at 5 %), **disagrees** when its 95 % interval lies wholly
outside, and is **inconclusive** otherwise (or *undetermined* where either run has no
estimate). Failing to find a difference is not agreement: a wide interval is inconclusive.

The family: a table holds many rows. "All rows agree" is an intersection of equivalence
tests and needs no correction (each row at 5 %). For "some row disagrees" the one-sided
p-values of ``|delta| > margin`` are Holm-corrected over the determined rows
(``statsmodels.stats.multitest``), so the overall verdict "disagree" keeps a family-wise
error below 2.5 %. :func:`summary` also says how many rows chance alone would flip.

Functions take frames and return frames; :func:`main` is the command line
(``python -m glasshelpers.core.statistics.realisations data/demo data/demo-seed2``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

#: Table I quantities compared (columns of ``table1_data.csv`` with an ``_se`` column).
QUANTITIES = ("best_accuracy", "similarity", "sigma_T", "b_best")
#: Margins (declared 2026-12-07), as (kind, size): "absolute" in the quantity's units,
#: "relative" to the mean of the two estimates, "sigma_T" a fraction of the two runs' mean
#: sigma_T at that temperature. Accuracy: 0.03, a difference that reads the same on the
#: paper's accuracy plots; similarity 0.1, sigma_T 10 % and b_best 0.25 sigma_T: the margins
#: of the comparison with the paper (:mod:`glasshelpers.reference.margins`), which move
#: x_alpha by at most half a bin.
MARGINS = {"best_accuracy": ("absolute", 0.03), "similarity": ("absolute", 0.1),
           "sigma_T": ("relative", 0.10), "b_best": ("sigma_T", 0.25)}
#: Family-wise error rate of the overall "disagree" (one-sided, Holm).
ALPHA = 0.025
Z90, Z95 = stats.norm.ppf(0.95), stats.norm.ppf(0.975)


def _margin(q, merged, xa, xb):
    kind, size = MARGINS[q]
    if kind == "absolute":
        return np.full(xa.shape, size)
    if kind == "relative":
        return size * np.abs((xa + xb) / 2)
    if "sigma_T_a" not in merged or "sigma_T_b" not in merged:
        raise KeyError(f"the margin of {q!r} is a fraction of sigma_T: 'sigma_T' missing from a table")
    return size * (merged["sigma_T_a"].to_numpy(float) + merged["sigma_T_b"].to_numpy(float)) / 2


def compare(a: pd.DataFrame, b: pd.DataFrame, quantities=QUANTITIES, alpha: float = ALPHA,
            key: str = "T") -> pd.DataFrame:
    """Row by row comparison of two independent realisations of one table.

    Parameters
    ----------
    a, b : DataFrame
        Tables with a ``key`` column (temperature, epsilon_AA / k_B) and, for each
        quantity ``X``, columns ``X`` (estimate) and ``X_se`` (its standard error, same
        units); ``sigma_T`` too where ``b_best`` is compared. Rows are matched on ``key``;
        a key missing from either table is left out.
    quantities : sequence of str
        The quantities to compare (keys of :data:`MARGINS`).
    alpha : float
        Family-wise error rate of the Holm-corrected one-sided tests of ``|delta| > margin``.

    Returns
    -------
    DataFrame
        One row per (key, quantity): ``a``, ``se_a``, ``b``, ``se_b``, ``diff`` (b - a),
        ``margin``, ``lo90``, ``hi90``, ``lo95``, ``hi95`` (intervals of diff),
        ``half_width95``, ``z`` and ``p`` (the test of "the same number", for reference),
        ``p_outside`` (one-sided p of ``|delta| > margin``), ``p_outside_holm`` and
        ``verdict`` ("agrees", "disagrees", "inconclusive" or "undetermined").
    """
    merged = a.merge(b, on=key, suffixes=("_a", "_b"))
    parts = []
    for q in quantities:
        for name, t in (("first", a), ("second", b)):
            if q not in t.columns or q + "_se" not in t.columns:
                raise KeyError(f"{q!r} or {q + '_se'!r} missing from the {name} table")
        xa, xb = (merged[q + s].to_numpy(float) for s in ("_a", "_b"))
        sa, sb = (merged[q + "_se" + s].to_numpy(float) for s in ("_a", "_b"))
        se = np.hypot(sa, sb)
        m = _margin(q, merged, xa, xb)
        ok = np.isfinite(xa) & np.isfinite(xb) & np.isfinite(se) & (se > 0) & np.isfinite(m)
        d = xb - xa
        safe = np.where(ok, se, 1.0)
        parts.append(pd.DataFrame({key: merged[key].to_numpy(float), "quantity": q, "a": xa, "se_a": sa,
                                   "b": xb, "se_b": sb, "diff": d, "margin": m,
                                   "lo90": d - Z90 * se, "hi90": d + Z90 * se, "lo95": d - Z95 * se,
                                   "hi95": d + Z95 * se, "half_width95": np.where(ok, Z95 * se, np.nan),
                                   "z": np.where(ok, d / safe, np.nan),
                                   "p": np.where(ok, 2 * stats.norm.sf(np.abs(d / safe)), np.nan),
                                   "p_outside": np.where(ok, stats.norm.sf((np.abs(d) - m) / safe), np.nan)}))
    out = pd.concat(parts, ignore_index=True)
    det = out["p"].notna().to_numpy()
    out["p_outside_holm"] = np.nan
    if det.any():
        out.loc[det, "p_outside_holm"] = multipletests(out.loc[det, "p_outside"].to_numpy(), method="holm")[1]
    inside = (out["lo90"] >= -out["margin"]) & (out["hi90"] <= out["margin"])
    outside = (out["lo95"] > out["margin"]) | (out["hi95"] < -out["margin"])
    out["verdict"] = np.where(~det, "undetermined",
                              np.where(inside, "agrees", np.where(outside, "disagrees", "inconclusive")))
    out.attrs["alpha"] = alpha
    return out


def summary(comparison: pd.DataFrame) -> dict:
    """Counts of the row verdicts and the overall one: "agree" when every determined row
    agrees, "disagree" when some row's Holm-corrected ``p_outside`` is below alpha,
    "inconclusive" otherwise; with the rows chance alone would flip: at most 5 % of the
    determined rows into "agrees" (``chance_agree``) and 2.5 % into "disagrees"
    (``chance_disagree``)."""
    det = comparison["verdict"] != "undetermined"
    counts = comparison["verdict"].value_counts().to_dict()
    alpha = comparison.attrs.get("alpha", ALPHA)
    n = int(det.sum())
    if n and counts.get("agrees", 0) == n:
        overall = "agree"
    elif (comparison.loc[det, "p_outside_holm"] < alpha).any():
        overall = "disagree"
    else:
        overall = "inconclusive"
    return {"rows": int(len(comparison)), "determined": n,
            "agrees": int(counts.get("agrees", 0)), "disagrees": int(counts.get("disagrees", 0)),
            "inconclusive": int(counts.get("inconclusive", 0)),
            "undetermined": int(counts.get("undetermined", 0)),
            "chance_agree": round(0.05 * n, 2), "chance_disagree": round(0.025 * n, 2), "overall": overall}


def read_table1(profile_folder) -> pd.DataFrame:
    """``results/table1_data.csv`` of a profile's data folder (e.g. ``data/demo``)."""
    path = Path(profile_folder) / "results" / "table1_data.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no Table I data (build the profile first: make book PROFILE=...)")
    return pd.read_csv(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glasshelpers.core.statistics.realisations",
                                 description="Compare Table I of two realisations of one profile "
                                             "(independent seeds) by declared margins, row by row.")
    ap.add_argument("first", help="data folder of one run, e.g. data/demo")
    ap.add_argument("second", help="data folder of the other, e.g. data/demo-seed2")
    args = ap.parse_args(argv)
    try:
        cmp = compare(read_table1(args.first), read_table1(args.second))
    except (FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pd.set_option("display.width", 200)
    print(cmp.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(summary(cmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
