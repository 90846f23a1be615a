"""The Kramers analysis of stage 6 on prepared samples: P_R with block-bootstrap errors,
the fit range, three fit variants, onsets, slopes and the collapse and consistency tests.

:func:`kramers_analysis` is the entry point; it returns a :class:`KramersResult`. The
profile-aware parts (which samples, which classifiers) are in
:mod:`glasshelpers.stages.s06_kramers.barriers`. Units: temperatures and barriers in epsilon_AA
(k_B = 1), x_alpha dimensionless, time in tau.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from glasshelpers.core.barriers import fitrange, kramers, onset
from glasshelpers.core.statistics import stats
from glasshelpers.core.dynamics.dynamics import PHOP_SPAN
from glasshelpers.core.barriers.rearrangement import bin_index, resampled_counts

#: Kinds of fit variant: the range the data choose (the default), the paper's literal fit
#: over all temperatures, and the paper's own check over T < ``T_max_low``.
VARIANT_KINDS = ("data", "all", "paper_check")


@dataclass(frozen=True)
class FitVariant:
    """One temperature range of the Kramers fits: ``label`` (as written in the ``fit``
    column of every table), ``kind`` (one of :data:`VARIANT_KINDS`) and ``T_max`` (fits
    use T < T_max; None: all temperatures)."""

    label: str
    kind: str
    T_max: float | None


@dataclass
class KramersResult:
    """Everything the Kramers stage computes; tables are tidy DataFrames.

    - pr : cells (T_train, T, bin) with n, k, P_R, its block error ``P_R_err``, binomial
      error ``P_R_err_binomial`` and 68 % interval.
    - scan, scan_per_classifier : the fit-range scan (pooled, and per classifier).
    - fit_range : :class:`glasshelpers.core.barriers.fitrange.FitRange`, the chosen range.
    - variants : the fit variants, the default (``kind == "data"``) first.
    - fits, onsets, slopes : per variant (column ``fit`` = variant label) and classifier.
    - onset_consistency, collapse : one row per variant.
    - widths : interval widths of the bootstrap schemes against iid (empty without comparison).
    - scheme : bootstrap scheme per temperature.
    - block_tau : time block length, tau.
    """

    pr: pd.DataFrame
    scan: pd.DataFrame
    scan_per_classifier: pd.DataFrame
    fit_range: fitrange.FitRange
    variants: tuple
    fits: pd.DataFrame
    onsets: pd.DataFrame
    onset_consistency: pd.DataFrame
    slopes: pd.DataFrame
    collapse: pd.DataFrame
    widths: pd.DataFrame
    scheme: pd.DataFrame
    block_tau: float

    @property
    def default(self) -> FitVariant:
        """The default variant: the fit range the data choose."""
        return next(v for v in self.variants if v.kind == "data")

    def variant(self, kind: str) -> FitVariant:
        """The variant of one kind (``"data"``, ``"all"`` or ``"paper_check"``)."""
        for v in self.variants:
            if v.kind == kind:
                return v
        raise KeyError(f"no fit variant of kind {kind!r}; kinds: {[v.kind for v in self.variants]}")

    def of(self, table: str, variant: FitVariant | None = None) -> pd.DataFrame:
        """Rows of ``fits``, ``onsets``, ``slopes``, ... for one variant (default: the default)."""
        df = getattr(self, table)
        return df[df["fit"] == (variant or self.default).label]

    def variants_frame(self) -> pd.DataFrame:
        """The variants as a table (fit, kind, T_max, default): ``results/kramers_variants.csv``."""
        return pd.DataFrame([dict(fit=v.label, kind=v.kind, T_max=v.T_max, default=v == self.default)
                             for v in self.variants])


def _q(a, q, axis=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanpercentile(a, q, axis=axis)


def _std(a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanstd(a, axis=0, ddof=1)


def prepare(samples: list, edges, span: float) -> tuple[list, list, list]:
    """Group samples by temperature and add their bootstrap ids and bins, without
    changing the input. Returns (temperatures, groups of prepared samples, classifiers)."""
    classifiers = sorted(samples[0]["x"])
    prepared = []
    for s in samples:
        tb = np.floor(np.asarray(s["frame"]) / span).astype(np.int64)
        prepared.append(dict(s, blocks=stats.block_ids(s["particle"], tb, 1),
                             time_blocks=np.unique(tb, return_inverse=True)[1].ravel().astype(np.int64),
                             bins={Tt: bin_index(np.asarray(s["x"][Tt], dtype=float), edges) for Tt in classifiers}))
    temps = sorted({float(s["T"]) for s in samples})
    groups = [[s for s in prepared if float(s["T"]) == T] for T in temps]
    return temps, groups, classifiers


def point_counts(groups, classifiers, nb):
    """Samples n, rearranging samples k and the sum of x per (classifier, T, bin)."""
    n_pt, k_pt, xs_pt = ({Tt: np.zeros((len(groups), nb)) for Tt in classifiers} for _ in range(3))
    for i, g in enumerate(groups):
        for Tt in classifiers:
            idx = np.concatenate([s["bins"][Tt] for s in g])
            fl = np.concatenate([s["rearranged"] for s in g])
            xv = np.concatenate([np.asarray(s["x"][Tt], dtype=float) for s in g])
            ok = idx >= 0
            n_pt[Tt][i] = np.bincount(idx[ok], minlength=nb)
            k_pt[Tt][i] = np.bincount(idx[ok], weights=fl[ok].astype(float), minlength=nb)
            xs_pt[Tt][i] = np.bincount(idx[ok], weights=xv[ok], minlength=nb)
    return n_pt, k_pt, xs_pt


def bootstrap_schemes(groups, temps, classifiers, nb, n_boot, seed, min_time_blocks, compare_iid):
    """Scheme per temperature, its replicates, and the comparison schemes' replicates.

    Whole-system time blocks at a temperature with at least ``min_time_blocks`` of them
    (pooled over replicas), particle x time blocks elsewhere. Returns (scheme table,
    replicates, dict of comparison replicates: ``iid``, ``time``, ``part``)."""
    n_tb = [int(sum(int(s["time_blocks"].max()) + 1 if s["time_blocks"].size else 0 for s in g)) for g in groups]
    modes = ["time" if min_time_blocks is not None and n >= int(min_time_blocks) else "block" for n in n_tb]
    scheme = pd.DataFrame({"T": temps, "time_blocks": n_tb,
                           "scheme": ["whole-system time blocks" if m == "time" else "particle x time blocks"
                                      for m in modes]})
    boot = resampled_counts(groups, classifiers, nb, n_boot, seed, mode=modes)
    alt = {}
    if compare_iid:
        alt["iid"] = resampled_counts(groups, classifiers, nb, n_boot, seed + 1, mode="iid")
        alt["time"] = resampled_counts(groups, classifiers, nb, n_boot, seed + 2, mode="time")
        alt["part"] = (boot if "time" not in modes else
                       resampled_counts(groups, classifiers, nb, n_boot, seed + 3, mode="block"))
    return scheme, boot, alt


@dataclass
class _Cells:
    """P_R per (classifier -> (n_T, nb)) and its replicates and errors."""

    P: dict
    err: dict
    err_bin: dict
    Pb: dict
    err_alt: dict
    Pb_alt: dict


def cell_estimates(counts, boot, alt, classifiers, min_bin_count) -> _Cells:
    """P_R, its block error (replicate spread), binomial error and replicates; cells with
    fewer than ``min_bin_count`` samples are NaN."""
    n_pt, k_pt, _ = counts
    c = _Cells({}, {}, {}, {}, {k: {} for k in alt}, {k: {} for k in alt})
    with np.errstate(divide="ignore", invalid="ignore"):
        for Tt in classifiers:
            use = n_pt[Tt] >= int(min_bin_count)
            c.P[Tt] = np.where(use, k_pt[Tt] / n_pt[Tt], np.nan)
            c.Pb[Tt] = np.where(use[None], boot[Tt][1] / boot[Tt][0], np.nan)
            c.err[Tt] = np.where(use, _std(c.Pb[Tt]), np.nan)
            c.err_bin[Tt] = np.where(use, stats.binomial_se(k_pt[Tt], n_pt[Tt]), np.nan)
            for k, b in alt.items():
                c.Pb_alt[k][Tt] = np.where(use[None], b[Tt][1] / b[Tt][0], np.nan)
                c.err_alt[k][Tt] = np.where(use, _std(c.Pb_alt[k][Tt]), np.nan)
    return c


def cell_table(cells: _Cells, counts, temps, edges, classifiers) -> pd.DataFrame:
    """The ``pr`` table: one row per (classifier, T, bin)."""
    n_pt, k_pt, xs_pt = counts
    centers = 0.5 * (edges[1:] + edges[:-1])
    rows = []
    for Tt in classifiers:
        use = np.isfinite(cells.P[Tt])
        lo, hi = _q(cells.Pb[Tt], 16), _q(cells.Pb[Tt], 84)
        for i, T in enumerate(temps):
            for j in range(edges.size - 1):
                n = n_pt[Tt][i, j]
                rows.append(dict(T_train=Tt, T=T, bin=j, x_lo=edges[j], x_hi=edges[j + 1], x_center=centers[j],
                                 x_mean=xs_pt[Tt][i, j] / n if n else np.nan, n=int(n), k=int(k_pt[Tt][i, j]),
                                 P_R=cells.P[Tt][i, j], P_R_err=cells.err[Tt][i, j],
                                 P_R_err_binomial=cells.err_bin[Tt][i, j],
                                 P_R_lo=lo[i, j] if use[i, j] else np.nan, P_R_hi=hi[i, j] if use[i, j] else np.nan))
    return pd.DataFrame(rows)


def choose_range(cells: _Cells, T_arr, classifiers, p_min):
    """The fit-range scan pooled over classifiers and its choice (fitrange module)."""
    scans = [fitrange.fit_range_scan(T_arr, cells.P[Tt], cells.err[Tt]).assign(T_train=Tt) for Tt in classifiers]
    scan = fitrange.pool_scans([s.drop(columns="T_train") for s in scans])
    fr = fitrange.choose_fit_range(scan, p_min=p_min)
    scan["chosen"] = np.isclose(scan["T_up"], fr.T_up)
    return scan, pd.concat(scans, ignore_index=True), fr


def given_range(scan, choice: dict, p_min: float) -> fitrange.FitRange:
    """A :class:`~glasshelpers.core.barriers.fitrange.FitRange` for a range chosen by another rule (its
    p-value: that rule's; red_chi2: the weighted scan's at that range, the misfit as
    measured; error_scale 1). Marks it ``chosen`` in ``scan``."""
    T_up = float(choice["T_up"])
    scan["chosen"] = np.isclose(scan["T_up"], T_up)
    row = scan[scan["chosen"]]
    return fitrange.FitRange(T_up=T_up, T_max=T_up * (1 + 1e-9) + 1e-12, p_value=float(choice["worst_p"]),
                             red_chi2=float(row["red_chi2"].iloc[0]) if len(row) else np.nan,
                             passes=bool(choice["passes"]), p_min=float(p_min), criterion=str(choice["rule"]))


def _inv(v):
    return 1.0 / v if v > 0 else np.inf


def _interval_columns(df, name, arr):
    """Intervals of column ``name`` from its replicates ``arr`` (n_boot, n_bins): the
    estimate +- 1 and 1.96 bootstrap standard deviations (taken robustly as half the 16-84 %
    range), so that each interval contains its estimate, as the onsets' do; the percentile
    intervals, which a skewed, offset bootstrap distribution (the bias of a line fitted to
    logarithms of small counts) can put beside the estimate, stay in ``*_pct``, and the
    offset in ``{name}_boot_bias`` (replicate median - estimate)."""
    est = df[name].to_numpy(float)
    q16, q84 = _q(arr, 16), _q(arr, 84)
    sd = 0.5 * (q84 - q16)
    df[f"{name}_lo"], df[f"{name}_hi"] = est - sd, est + sd
    df[f"{name}_lo95"], df[f"{name}_hi95"] = est - 1.96 * sd, est + 1.96 * sd
    df[f"{name}_lo_pct"], df[f"{name}_hi_pct"] = q16, q84
    df[f"{name}_lo95_pct"], df[f"{name}_hi95_pct"] = _q(arr, 2.5), _q(arr, 97.5)
    df[f"{name}_boot_bias"] = _q(arr, 50) - est


def _onset_row(variant, Tt, f, S_b, E_b, fin, lines_alt, nb):
    """Onset of one classifier in one variant with its replicate intervals; also
    returns the replicates of u = 1/T_onset (None when the lines cannot meet)."""
    row = dict(fit=variant.label, T_train=Tt, T_onset=np.nan, n_lines=int(fin.sum()))
    if not (fin.sum() >= 2 and np.ptp(f.Delta_E[fin]) > 0):
        return row, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        o = onset.onset_temperature(f, uncertainty="none")
    w = np.zeros(nb)
    w[fin] = o.weights
    u_b = onset.onset_u_batch(S_b, E_b, w)
    # Interval in u centred on the estimate, half-width from the replicates' spread (half the
    # 16-84 % range, robust to the outliers of nearly parallel lines): it always contains the
    # estimate, which a percentile interval of a skewed, offset ratio need not (kept as *_pct).
    ulo, uhi, ulo95, uhi95 = (_q(u_b, q) for q in (16, 84, 2.5, 97.5))
    sd = 0.5 * (uhi - ulo)
    u0 = o.u_onset
    row.update(T_onset=o.T_onset, u_onset=u0, T_low=_inv(u0 + sd), T_high=_inv(u0 - sd),
               T_low95=_inv(u0 + 1.96 * sd), T_high95=_inv(u0 - 1.96 * sd), T_low_pct=_inv(uhi), T_high_pct=_inv(ulo),
               T_low95_pct=_inv(uhi95), T_high95_pct=_inv(ulo95), T_boot_median=_inv(_q(u_b, 50)),
               scatter=o.scatter, n_valid=int(np.isfinite(u_b).sum()))
    row["T_err"] = 0.5 * (row["T_high"] - row["T_low"])
    row["T_onset_lo"], row["T_onset_hi"] = row["T_low"], row["T_high"]   # names used by the book
    if "iid" in lines_alt:
        u_i = onset.onset_u_batch(*lines_alt["iid"], w)
        row["T_low_iid"], row["T_high_iid"] = _inv(_q(u_i, 84)), _inv(_q(u_i, 16))
    return row, u_b


def fit_classifier(variant: FitVariant, Tt, cells: _Cells, T_arr, centers):
    """Fits, slope and onset of one classifier in one variant, with replicate intervals.

    Returns None when the variant's range cannot be fitted, else (fits table, slope
    row, onset row, Delta_E replicates, point Delta_E, onset u replicates or None, Sigma
    replicates, point Sigma)."""
    try:
        f = kramers.fit_kramers(T_arr, cells.P[Tt], cells.err[Tt], T_max=variant.T_max, nan_policy="omit", x=centers)
    except ValueError:
        return None
    S_b, E_b = kramers.fit_lines_batch(T_arr, cells.Pb[Tt], cells.err[Tt], T_max=variant.T_max)
    fin = np.isfinite(f.Delta_E)
    S_b[:, ~fin] = np.nan
    E_b[:, ~fin] = np.nan
    df = f.to_frame()
    df.insert(0, "T_train", Tt)
    df["fit"] = variant.label
    df["T_max"] = np.nan if variant.T_max is None else variant.T_max
    _interval_columns(df, "Delta_E", E_b)
    _interval_columns(df, "Sigma", S_b)
    lines_alt = {}
    for k in cells.Pb_alt:
        S_k, E_k = kramers.fit_lines_batch(T_arr, cells.Pb_alt[k][Tt], cells.err[Tt], T_max=variant.T_max)
        S_k[:, ~fin], E_k[:, ~fin] = np.nan, np.nan
        lines_alt[k] = (S_k, E_k)
        df[f"Delta_E_lo_{k}"], df[f"Delta_E_hi_{k}"] = _q(E_k, 16), _q(E_k, 84)
    sl_b = kramers.barrier_slope(np.broadcast_to(centers, E_b.shape), E_b)
    sl = float(kramers.barrier_slope(centers, np.where(fin, f.Delta_E, np.nan)))
    sl_sd = 0.5 * (_q(sl_b, 84) - _q(sl_b, 16))          # estimate +- sd, as _interval_columns
    slope = dict(fit=variant.label, T_train=Tt, slope=sl, slope_lo=sl - sl_sd, slope_hi=sl + sl_sd,
                 slope_lo95=sl - 1.96 * sl_sd, slope_hi95=sl + 1.96 * sl_sd,
                 slope_lo95_pct=_q(sl_b, 2.5), slope_hi95_pct=_q(sl_b, 97.5), n_bins=int(fin.sum()))
    on_row, u_b = _onset_row(variant, Tt, f, S_b, E_b, fin, lines_alt, centers.size)
    return df, slope, on_row, E_b, np.where(fin, f.Delta_E, np.nan), u_b, S_b, np.where(fin, f.Sigma, np.nan)


def onset_consistency(variant: FitVariant, on_rows, u_joint) -> dict:
    """Chi2 of the classifiers' onsets about their common value in u = 1/T, with the
    covariance of the joint replicates (classifiers share particles)."""
    keys = [Tt for Tt in u_joint if np.isfinite(u_joint[Tt]).sum() > 0]
    cons = dict(fit=variant.label, n_classifiers=len(keys))
    if len(keys) < 2:
        return cons
    est = np.array([r["u_onset"] for r in on_rows if r["fit"] == variant.label and r["T_train"] in keys])
    try:
        c = stats.consistency_test(est, samples=np.column_stack([u_joint[k] for k in keys]))
    except ValueError as exc:
        cons["note"] = str(exc)
        return cons
    m, e = c.mean, c.mean_err
    cons.update(u_mean=m, T_mean=1 / m if m > 0 else np.nan, T_mean_low=1 / (m + e),
                T_mean_high=1 / (m - e) if m > e else np.inf, T_mean_low95=1 / (m + 1.96 * e),
                T_mean_high95=1 / (m - 1.96 * e) if m > 1.96 * e else np.inf,
                chi2=c.chi2, dof=c.dof, p_value=c.p_value, T_spread=float(np.std(1 / est)))
    return cons


def barrier_collapse(variant: FitVariant, E_joint, E_pt, nb, prefix: str = "") -> dict:
    """Sum over bins of the chi2 of the classifiers' barriers (or, with ``prefix="sigma_"``,
    of their Sigma) about their mean (joint replicate covariance): columns ``chi2``, ``dof``,
    ``p_value`` with the prefix."""
    chi2 = dof = 0
    for j in range(nb):
        ks = [Tt for Tt in E_joint if np.isfinite(E_joint[Tt][:, j]).any()]
        if len(ks) < 2:
            continue
        est = np.array([E_pt[Tt][j] for Tt in ks])
        if not np.isfinite(est).all():
            continue
        try:
            c = stats.consistency_test(est, samples=np.column_stack([E_joint[Tt][:, j] for Tt in ks]))
        except ValueError:
            continue
        chi2 += c.chi2
        dof += c.dof
    return {"fit": variant.label, f"{prefix}chi2": chi2, f"{prefix}dof": dof,
            f"{prefix}p_value": float(chi2_dist.sf(chi2, dof)) if dof else np.nan}


def fit_variants(variants, cells: _Cells, T_arr, centers, classifiers) -> dict:
    """Every variant for every classifier: the fits, onsets, slopes, consistency and
    collapse tables of :class:`KramersResult`."""
    out = {k: [] for k in ("fits", "onsets", "slopes", "onset_consistency", "collapse")}
    for v in variants:
        u_joint, E_joint, E_pt, S_joint, S_pt = {}, {}, {}, {}, {}
        for Tt in classifiers:
            r = fit_classifier(v, Tt, cells, T_arr, centers)
            if r is None:
                continue
            df, slope, on_row, E_joint[Tt], E_pt[Tt], u_b, S_joint[Tt], S_pt[Tt] = r
            if u_b is not None:
                u_joint[Tt] = u_b
            out["fits"].append(df)
            out["slopes"].append(slope)
            out["onsets"].append(on_row)
        out["onset_consistency"].append(onset_consistency(v, out["onsets"], u_joint))
        out["collapse"].append({**barrier_collapse(v, E_joint, E_pt, centers.size),
                                **barrier_collapse(v, S_joint, S_pt, centers.size, prefix="sigma_")})
    fit_tables = out.pop("fits")
    fits = pd.concat(fit_tables, ignore_index=True) if fit_tables else pd.DataFrame()
    return dict(fits=fits, **{k: pd.DataFrame(rows) for k, rows in out.items()})


def _ratio_row(quantity, scheme, r, span):
    r = pd.Series(np.asarray(r, dtype=float)).replace([np.inf, -np.inf], np.nan).dropna()
    return dict(quantity=quantity, scheme=scheme, block_tau=span, n=int(r.size),
                median_ratio=float(r.median()) if r.size else np.nan,
                min_ratio=float(r.min()) if r.size else np.nan, max_ratio=float(r.max()) if r.size else np.nan)


def width_table(cells: _Cells, pr, fits, ons, default: FitVariant, classifiers, span) -> pd.DataFrame:
    """Widths of the errors and intervals of each bootstrap scheme against iid (the
    default variant)."""
    d, o = fits[fits["fit"] == default.label], ons[ons["fit"] == default.label]
    err_t, err_p, err_b = (pd.Series(np.concatenate([m[Tt].ravel() for Tt in classifiers]))
                           for m in (cells.err_alt["time"], cells.err_alt["part"], cells.err_bin))
    iid_E = d["Delta_E_hi_iid"] - d["Delta_E_lo_iid"]
    onset_ratio = ((o["T_high"] - o["T_low"]) / (o["T_high_iid"] - o["T_low_iid"]) if "T_low_iid" in o
                   else pd.Series(dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = [
            ("P_R (standard error)", "particle x time blocks", err_p / err_b),
            ("P_R (standard error)", "whole-system time blocks", err_t / err_b),
            ("P_R (standard error)", "used (scheme per temperature)", pr["P_R_err"] / pr["P_R_err_binomial"]),
            ("Delta_E (68 % interval)", "particle x time blocks", (d["Delta_E_hi_part"] - d["Delta_E_lo_part"]) / iid_E),
            ("Delta_E (68 % interval)", "whole-system time blocks",
             (d["Delta_E_hi_time"] - d["Delta_E_lo_time"]) / iid_E),
            ("Delta_E (68 % interval)", "used (scheme per temperature)", (d["Delta_E_hi"] - d["Delta_E_lo"]) / iid_E),
            ("onset T (68 % interval)", "used (scheme per temperature)", onset_ratio)]
        return pd.DataFrame([_ratio_row(q, s, r, span) for q, s, r in ratios])


def kramers_analysis(samples: list, edges, *, min_bin_count: int = 30, n_boot: int = 200, seed: int = 0,
                     T_max_low: float = 0.8, p_min: float = 0.01, block_tau: float = PHOP_SPAN,
                     frame_spacing: float = 1.0, compare_iid: bool = True, min_time_blocks: int | None = 30,
                     range_choice: dict | None = None) -> KramersResult:
    """The whole Kramers analysis (Figs. 3, 4, 9, onsets) with a block bootstrap.

    - samples : list of dicts from :func:`glasshelpers.stages.s06_kramers.barriers.rearrangement_samples`
      (``T``, ``replica``, ``particle``, ``frame`` in tau, ``rearranged``, ``x``: dict
      classifier -> x_alpha); several entries at one T are independent replicas, pooled.
      Not modified.
    - edges : x_alpha bin edges shared by all classifiers.
    - min_bin_count : cells with fewer samples are left out (P_R = NaN).
    - n_boot, seed : bootstrap replicates and their seed.
    - T_max_low : the paper's own check, fits over T < T_max_low.
    - p_min : p-value threshold of the fit-range criterion (:func:`glasshelpers.core.barriers.fitrange.choose_fit_range`).
    - block_tau, frame_spacing : a time block spans ``block_frames(frame_spacing, block_tau)
      * frame_spacing`` tau (``frame_spacing``: the bank stride).
    - compare_iid : also run the iid bootstrap and both block schemes alone (``widths``).
    - min_time_blocks : temperatures with at least this many whole-system time blocks
      resample them (keeping correlations between neighbours); elsewhere one particle x
      one time block. None: particle blocks everywhere.
    - range_choice : the default fit range decided elsewhere (``T_up``, ``passes``, ``rule``,
      ``worst_p``: the likelihood curvature test of :mod:`glasshelpers.stages.s06_kramers.barrier_glm`);
      the weighted-chi2 scan is then only reported, and nothing is rescaled. None: the
      scan's own choice (:func:`glasshelpers.core.barriers.fitrange.choose_fit_range`).

    Intervals of Delta_E, Sigma and slopes are percentiles of the refits of the
    replicates (weights fixed at the point errors); onsets (with the point estimate's line
    weights) are u* -+ z times the replicates' robust spread in u = 1/T, so that each
    contains its estimate (percentile intervals in ``T_low_pct`` ... ``T_high95_pct``). Tests: the onsets of all classifiers are one value, and barriers collapse
    across classifiers (chi2 with the joint bootstrap covariance).
    """
    edges = np.asarray(edges, dtype=float)
    nb = edges.size - 1
    if not samples:
        raise ValueError("no samples")
    span = stats.block_frames(frame_spacing, block_tau) * float(frame_spacing)
    temps, groups, classifiers = prepare(samples, edges, span)
    T_arr, centers = np.asarray(temps), 0.5 * (edges[1:] + edges[:-1])
    counts = point_counts(groups, classifiers, nb)
    scheme, boot, alt = bootstrap_schemes(groups, temps, classifiers, nb, int(n_boot), seed, min_time_blocks,
                                          compare_iid)
    cells = cell_estimates(counts, boot, alt, classifiers, min_bin_count)
    pr = cell_table(cells, counts, temps, edges, classifiers)
    scan, scan_per, fr = choose_range(cells, T_arr, classifiers, p_min)
    if range_choice is not None:
        fr = given_range(scan, range_choice, p_min)
    variants = (FitVariant(f"T <= {fr.T_up:g} (data)", "data", fr.T_max), FitVariant("all T", "all", None),
                FitVariant(f"T < {T_max_low:g}", "paper_check", T_max_low))
    tabs = fit_variants(variants, cells, T_arr, centers, classifiers)
    widths = (width_table(cells, pr, tabs["fits"], tabs["onsets"], variants[0], classifiers, span)
              if compare_iid else pd.DataFrame())
    return KramersResult(pr=pr, scan=scan, scan_per_classifier=scan_per, fit_range=fr, variants=variants,
                         widths=widths, scheme=scheme, block_tau=span, **tabs)
