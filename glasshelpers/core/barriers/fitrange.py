"""The temperature range over which the Kramers form is fitted, decided by the data.

Above the onset P_R saturates near 1 and a weighted fit over all temperatures is then
dominated by saturated points. For every candidate upper temperature T_up (a measured
temperature, with at least ``min_temperatures`` temperatures at or below it) all bins
are fitted over T <= T_up with their given errors taken as absolute; the pooled chi2
over bins (and classifiers) has a p-value under the chi2 distribution with the pooled
degrees of freedom. The fit range is T <= T_up* with T_up* the *largest* T_up whose
p-value is at least ``p_min`` (default 0.01): the widest range in which straight lines
are consistent with the data's errors. If no range passes, the variances are scaled by
the smallest reduced chi2 of the scan and the widest range passing at that noise level
is used (flagged). The errors must be honest for this to work (block-bootstrap errors of
P_R): with binomial errors that ignore correlated samples every chi2 is inflated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from glasshelpers.core.barriers.kramers import fit_kramers


def _inclusive(T_up: float) -> float:
    """T_max for :func:`~glasshelpers.core.barriers.kramers.fit_kramers` (which keeps T < T_max) that keeps T <= T_up."""
    return float(T_up) * (1 + 1e-9) + 1e-12


def fit_range_scan(T, P_R, P_R_err, *, T_uppers=None, min_temperatures: int = 3, T_min: float | None = None):
    """Goodness of weighted per-bin Kramers fits over T <= T_up, for each candidate T_up.

    Parameters
    ----------
    T : (n_T,) temperatures.
    P_R, P_R_err : (n_T, n_bins) rearrangement probabilities and their standard errors
        (NaN for unusable cells; cells with zero error are skipped as in :func:`~glasshelpers.core.barriers.kramers.fit_kramers`).
    T_uppers : candidate upper temperatures; default every measured temperature with at
        least ``min_temperatures`` temperatures at or below it (a fit then has >= 1 dof).
    min_temperatures : fewest usable temperatures per bin for that bin to count.
    T_min : optional lower bound of every range.

    Returns
    -------
    DataFrame, one row per T_up: ``T_up, n_T, n_bins, chi2, dof, red_chi2, p_value``
    (chi2 and dof summed over the fitted bins; errors taken as absolute).
    """
    from scipy.stats import chi2 as chi2_dist

    T = np.asarray(T, dtype=float)
    uniq = np.unique(T if T_min is None else T[T >= T_min])
    if T_uppers is None:
        T_uppers = uniq[min_temperatures - 1:]
    rows = []
    for T_up in np.sort(np.asarray(T_uppers, dtype=float)):
        n_T = int(np.sum(uniq <= T_up * (1 + 1e-9)))
        try:
            f = fit_kramers(T, P_R, P_R_err, T_min=T_min, T_max=_inclusive(T_up), nan_policy="omit",
                            absolute_sigma=True, min_temperatures=min_temperatures)
        except ValueError:
            continue
        ok = np.isfinite(f.chi2) & (f.dof > 0)
        chi2, dof = float(f.chi2[ok].sum()), int(f.dof[ok].sum())
        rows.append(dict(T_up=float(T_up), n_T=n_T, n_bins=int(ok.sum()), chi2=chi2, dof=dof,
                         red_chi2=chi2 / dof if dof else np.nan,
                         p_value=float(chi2_dist.sf(chi2, dof)) if dof else np.nan))
    return pd.DataFrame(rows, columns=["T_up", "n_T", "n_bins", "chi2", "dof", "red_chi2", "p_value"])


def pool_scans(scans) -> pd.DataFrame:
    """Sum chi2 and dof of several :func:`fit_range_scan` tables (e.g. one per
    classifier) per T_up, keeping only T_up present in all of them; recompute p-values."""
    from scipy.stats import chi2 as chi2_dist

    scans = [s for s in scans if len(s)]
    if not scans:
        raise ValueError("no scans to pool")
    d = pd.concat(scans, ignore_index=True)
    common = d.groupby("T_up").size()
    common = common[common == len(scans)].index
    g = d[d["T_up"].isin(common)].groupby("T_up").agg(n_T=("n_T", "max"), n_bins=("n_bins", "sum"),
                                                       chi2=("chi2", "sum"), dof=("dof", "sum")).reset_index()
    g["red_chi2"] = g["chi2"] / g["dof"].where(g["dof"] > 0)
    g["p_value"] = [float(chi2_dist.sf(c, k)) if k > 0 else np.nan for c, k in zip(g["chi2"], g["dof"])]
    return g


@dataclass(frozen=True)
class FitRange:
    """Chosen fit range T <= T_up (see :func:`choose_fit_range`).

    - T_up : upper temperature (inclusive).
    - T_max : the same bound for ``fit_kramers(T_max=...)`` (exclusive, just above T_up).
    - p_value, red_chi2 : goodness of the fits in that range (p_value with the errors
      scaled by ``error_scale``).
    - passes : whether a range passed with the errors as given (error_scale = 1).
    - error_scale : factor on the variances (1, or the smallest reduced chi2 of the scan
      when no range passed with the errors as given).
    - p_min : the threshold.
    - criterion : one-line statement of the rule.
    """

    T_up: float
    T_max: float
    p_value: float
    red_chi2: float
    passes: bool
    p_min: float
    criterion: str
    error_scale: float = 1.0


def choose_fit_range(scan, p_min: float = 0.01, min_temperatures: int = 4) -> FitRange:
    """The widest range whose fits are consistent with the errors.

    Parameters
    ----------
    scan : DataFrame from :func:`fit_range_scan` or :func:`pool_scans`.
    p_min : smallest acceptable chi2 p-value.
    min_temperatures : fewest temperatures a candidate range must hold (column ``n_T``;
        ignored if the scan has none, or no range is that wide). A line through three
        points has one degree of freedom per bin and tests almost nothing: on the demo
        data the three coldest temperatures pass alone while every range of four or more
        shows a modest, uniform extra scatter (reduced chi2 1.3-1.9).

    Returns
    -------
    FitRange: the largest T_up with ``p_value >= p_min``. If none passes, the errors are
    too small for every range (scatter beyond the estimated errors, e.g. from effects the
    bootstrap does not see); their variance is then scaled by the smallest reduced chi2 of
    the scan, s2 (the extra scatter measured where the lines fit best), the p-values are
    recomputed with chi2 / s2, and the largest T_up passing at that noise level is used
    (``passes=False``, ``error_scale=s2``): the widest range no worse than the best one.
    """
    from scipy.stats import chi2 as chi2_dist

    if not 0 < p_min < 1:
        raise ValueError("p_min must be in (0, 1)")
    s = scan.dropna(subset=["p_value"])
    if s.empty:
        raise ValueError("the scan has no fitted range")
    if "n_T" in s and (s["n_T"] >= min_temperatures).any():
        s = s[s["n_T"] >= min_temperatures]
    base = (f"largest T_up whose weighted per-bin fits over T <= T_up (at least {min_temperatures} "
            f"temperatures) have a pooled chi2 p-value >= {p_min:g}")
    ok = s[s["p_value"] >= p_min]
    if not ok.empty:
        row = ok.loc[ok["T_up"].idxmax()]
        return FitRange(T_up=float(row["T_up"]), T_max=_inclusive(row["T_up"]), p_value=float(row["p_value"]),
                        red_chi2=float(row["red_chi2"]), passes=True, p_min=float(p_min), criterion=base)
    s2 = float(s["red_chi2"].min())
    p_scaled = np.array([chi2_dist.sf(c / s2, k) for c, k in zip(s["chi2"], s["dof"])])
    ok = s[p_scaled >= p_min]
    row = ok.loc[ok["T_up"].idxmax()] if not ok.empty else s.loc[s["red_chi2"].idxmin()]
    p_row = float(chi2_dist.sf(row["chi2"] / s2, row["dof"]))
    crit = (base + f" (none passes with the errors as given: variances scaled by the smallest reduced chi2, "
            f"{s2:.2f}, i.e. the widest range no worse than the best-fitting one)")
    return FitRange(T_up=float(row["T_up"]), T_max=_inclusive(row["T_up"]), p_value=p_row,
                    red_chi2=float(row["red_chi2"]), passes=False, p_min=float(p_min), criterion=crit,
                    error_scale=s2)

