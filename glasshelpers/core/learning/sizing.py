"""How large must the labelled sets be for Table I to be settled?

The rule comes from the interval method itself (:mod:`glasshelpers.core.learning.halfsample`): the
half-sampling interval assumes, and its coverage test confirms, an estimator whose
variance falls as 1/n at a fixed penalty per sample (C x n). A 95 % half-width h measured
with n samples per class therefore becomes h sqrt(n / n') with n' per class, and the
half-width ``target`` needs every set that enters the number scaled by

    f = (h / target)^2        (f <= 1: already settled).

A similarity enters through two normals, the softness one and a fluidity one; a transfer
accuracy through the fluidity classifier and the T = 0.47 test set. Both sets are scaled
by the same f (a conservative choice: the smaller set usually dominates).

Where the similarity is undetermined (a normal whose split-half agreement r is below
:data:`glasshelpers.core.learning.halfsample.MIN_RELIABILITY`) there is no half-width to scale. The
agreement of two normals fitted on n/2 samples each follows r(n) = 1 / (1 + c / n) for
noise of fixed size per sample (the model of :mod:`glasshelpers.core.learning.halfsample`), so from a
measured r > 0 the factor that lifts it to the threshold r_min is

    f_r = (1 / r - 1) / (1 / r_min - 1),

a lower bound on the factor that settles the number (the interval at r_min is still wide).
r <= 0 is noise around zero and gives no factor.

Units: set sizes in samples per class; times in tau.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.learning.halfsample import MIN_RELIABILITY

#: The 95 % half-width the issue asks for (Table I similarities and transfer accuracies).
TARGET = 0.1


def half_width95(df: pd.DataFrame, name: str) -> np.ndarray:
    """Half the 95 % interval of column ``name`` (from ``name_lo95`` / ``name_hi95``)."""
    return (df[f"{name}_hi95"].to_numpy(float) - df[f"{name}_lo95"].to_numpy(float)) / 2


def scale_factor(half_width, target: float = TARGET):
    """Factor on n per class that brings a 95 % half-width to ``target`` (variance ~ 1/n).
    Values below 1 mean the target is already met. NaN where the half-width is."""
    h = np.asarray(half_width, dtype=float)
    if target <= 0:
        raise ValueError(f"target half-width must be positive, got {target}")
    return (h / target) ** 2


def reliability_factor(r, r_min: float = MIN_RELIABILITY):
    """Factor on n that lifts a split-half agreement r to ``r_min`` under r(n) = 1/(1 + c/n);
    NaN for r <= 0 (no signal to extrapolate from); values below 1: already above r_min."""
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (1 / r - 1) / (1 / r_min - 1)
    return np.where(r > 0, f, np.nan)


def table_one_factors(t1: pd.DataFrame, soft_T: float, target: float = TARGET) -> pd.DataFrame:
    """Per fluidity training temperature and quantity of Table I: the measured 95 %
    half-width and the factor on the set sizes that reaches ``target``.

    t1 : Table I with intervals (``T``, ``similarity*``, ``reliability``, ``best_accuracy*``).
    Returns rows ``T, quantity, estimate, half_width95, factor, basis`` where basis is
    "half-width" (the rule of the module docstring), "reliability (lower bound)" for an
    undetermined similarity with r > 0, or "undetermined" (no factor)."""
    rows = []
    widths = {q: half_width95(t1, q) for q in ("similarity", "best_accuracy")}
    for i, r in t1.reset_index(drop=True).iterrows():
        if r["T"] == soft_T:
            continue
        for q in ("similarity", "best_accuracy"):
            h = float(widths[q][i])
            est = float(r[q])
            if np.isfinite(h):
                rows.append(dict(T=float(r["T"]), quantity=q, estimate=est, half_width95=h,
                                 factor=float(scale_factor(h, target)), basis="half-width"))
            elif q == "similarity" and float(reliability_factor(r["reliability"])) > 0:
                rows.append(dict(T=float(r["T"]), quantity=q, estimate=est, half_width95=np.nan,
                                 factor=float(reliability_factor(r["reliability"])), basis="reliability (lower bound)"))
            else:
                rows.append(dict(T=float(r["T"]), quantity=q, estimate=est, half_width95=h, factor=np.nan,
                                 basis="undetermined"))
    return pd.DataFrame(rows)


def production_needed(production: float, drawn: int, candidates: int, factor: float,
                      margin: float = 1.25) -> float:
    """tau of production that fills ``factor`` x ``drawn`` samples per class with ``margin``
    headroom, when ``production`` tau gave ``candidates`` (the scarcer class). Candidates
    grow in proportion to production in an equilibrated run. Never less than now."""
    if candidates <= 0:
        return np.inf
    return float(production * max(1.0, max(factor, 1.0) * drawn * margin / candidates))
