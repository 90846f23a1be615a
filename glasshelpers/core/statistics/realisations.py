"""Do two realisations of one profile agree? (Two seeds of demo.)

Two runs of the same profile with different base seeds (``demo`` and ``demo-seed2``) share
no random number: new MD trajectories, new labelled sets, new half-sampling splits. Their
Table I estimates are then independent, and each carries a half-sampling standard error
(``X_se`` in ``table1_data.csv``, :mod:`glasshelpers.core.learning.halfsample`). For one quantity at one
temperature the difference ``d = X_b - X_a`` has standard error
``sqrt(se_a^2 + se_b^2)``, and

    ``z = d / sqrt(se_a^2 + se_b^2),    p = 2 (1 - Phi(|z|))``

is the two-sided test of "both runs estimate the same number". With several quantities
and temperatures some p fall below 0.05 by chance, so the verdict per row uses Holm's
step-down correction over the whole table (``statsmodels.stats.multitest``), which keeps
the chance of any false "disagrees" below ``alpha``: a row *disagrees* when its Holm-
adjusted p is below ``alpha``, *agrees* otherwise, and is *undetermined* where either
run has no estimate (a similarity whose split-half agreement is too low).

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
#: Family-wise error rate of the Holm-corrected verdicts.
ALPHA = 0.05


def compare(a: pd.DataFrame, b: pd.DataFrame, quantities=QUANTITIES, alpha: float = ALPHA,
            key: str = "T") -> pd.DataFrame:
    """Row by row comparison of two independent realisations of one table.

    Parameters
    ----------
    a, b : DataFrame
        Tables with a ``key`` column (temperature, epsilon_AA / k_B) and, for each
        quantity ``X``, columns ``X`` (estimate) and ``X_se`` (its standard error, same
        units). Rows are matched on ``key``; a key missing from either table is left out.
    quantities : sequence of str
        The quantities to compare.
    alpha : float
        Family-wise error rate of the Holm step-down correction over all determined rows.

    Returns
    -------
    DataFrame
        One row per (key, quantity): ``a``, ``se_a``, ``b``, ``se_b``, ``diff`` (b - a),
        ``half_width95`` (1.96 x the standard error of the difference), ``z``, ``p``,
        ``p_holm`` and ``verdict`` ("agrees", "disagrees" or "undetermined").
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
        ok = np.isfinite(xa) & np.isfinite(xb) & np.isfinite(se) & (se > 0)
        z = np.where(ok, (xb - xa) / np.where(ok, se, 1.0), np.nan)
        parts.append(pd.DataFrame({key: merged[key].to_numpy(float), "quantity": q, "a": xa, "se_a": sa,
                                   "b": xb, "se_b": sb, "diff": xb - xa,
                                   "half_width95": np.where(ok, stats.norm.ppf(0.975) * se, np.nan),
                                   "z": z, "p": 2 * stats.norm.sf(np.abs(z))}))
    out = pd.concat(parts, ignore_index=True)
    out["p_holm"] = np.nan
    det = out["p"].notna().to_numpy()
    if det.any():
        out.loc[det, "p_holm"] = multipletests(out.loc[det, "p"].to_numpy(), alpha=alpha, method="holm")[1]
    out["verdict"] = np.where(~det, "undetermined", np.where(out["p_holm"] < alpha, "disagrees", "agrees"))
    return out


def summary(comparison: pd.DataFrame) -> dict:
    """Counts of the verdicts and the overall one: "agree" when no row disagrees after the
    Holm correction, "disagree" otherwise; also the number of rows with an uncorrected
    p < 0.05 and the number expected by chance among the determined rows."""
    det = comparison["verdict"] != "undetermined"
    counts = comparison["verdict"].value_counts().to_dict()
    return {"rows": int(len(comparison)), "determined": int(det.sum()),
            "agrees": int(counts.get("agrees", 0)), "disagrees": int(counts.get("disagrees", 0)),
            "undetermined": int(counts.get("undetermined", 0)),
            "uncorrected_p_below_0.05": int((comparison.loc[det, "p"] < 0.05).sum()),
            "expected_by_chance": round(0.05 * float(det.sum()), 2),
            "overall": "agree" if counts.get("disagrees", 0) == 0 else "disagree"}


def read_table1(profile_folder) -> pd.DataFrame:
    """``results/table1_data.csv`` of a profile's data folder (e.g. ``data/demo``)."""
    path = Path(profile_folder) / "results" / "table1_data.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no Table I data (build the profile first: make book PROFILE=...)")
    return pd.read_csv(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m glasshelpers.core.statistics.realisations",
                                 description="Compare Table I of two realisations of one profile "
                                             "(independent seeds): z-test per row, Holm-corrected.")
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
