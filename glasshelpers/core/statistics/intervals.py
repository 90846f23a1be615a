"""Does every reported estimate lie inside its own interval?

A results table reports an estimate ``X`` with interval columns ``X_lo``/``X_hi`` (68 %) and
``X_lo95``/``X_hi95`` (95 %); the onset tables use ``T_onset`` with ``T_low``/``T_high``.
An estimate outside its own interval means the interval is not an interval of that
estimator (a biased bootstrap, a refit that changes the estimator): a bug in the method,
which :func:`violations` finds so that the book can name it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Interval column pairs by suffix, and the special names of the onset tables.
SUFFIXES = (("_lo", "_hi"), ("_lo95", "_hi95"))
SPECIAL = {"T_onset": (("T_low", "T_high"), ("T_low95", "T_high95")),
           "T_mean": (("T_mean_low", "T_mean_high"), ("T_mean_low95", "T_mean_high95"))}
#: Relative slack for rounding in the CSVs (written with 6 significant digits).
RTOL = 1e-5


def interval_columns(columns) -> list[tuple[str, str, str]]:
    """(estimate, low, high) column triples present in a table."""
    cols = set(columns)
    out = []
    for est in columns:
        pairs = SPECIAL.get(est, tuple((est + a, est + b) for a, b in SUFFIXES))
        out += [(est, lo, hi) for lo, hi in pairs if lo in cols and hi in cols]
    return out


def violations(df: pd.DataFrame, name: str = "") -> pd.DataFrame:
    """Rows whose finite estimate lies outside its finite interval: table, row, column,
    estimate, low, high."""
    rows = []
    for est, lo, hi in interval_columns(df.columns):
        e, a, b = (pd.to_numeric(df[c], errors="coerce").to_numpy(float) for c in (est, lo, hi))
        ok = np.isfinite(e) & np.isfinite(a) & np.isfinite(b)
        tol = RTOL * np.maximum(np.abs(e), 1e-12)
        bad = ok & ((e < a - tol) | (e > b + tol))
        rows += [dict(table=name, row=int(i), column=est, estimate=e[i], low=a[i], high=b[i])
                 for i in np.flatnonzero(bad)]
    return pd.DataFrame(rows, columns=["table", "row", "column", "estimate", "low", "high"])


def results_violations(results_dir) -> pd.DataFrame:
    """:func:`violations` of every CSV in a results folder."""
    parts = []
    for path in sorted(Path(results_dir).glob("*.csv")):
        try:
            df = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            continue
        parts.append(violations(df, path.stem))
    return pd.concat(parts, ignore_index=True) if parts else violations(pd.DataFrame())
