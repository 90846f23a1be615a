"""Stage computations behind the figures: each function returns tidy DataFrames.

Notebooks 04-07 call these, plot with glasshelpers.figures and write every number to
``data/<profile>/results/`` (``results.write_result``). Conventions: alpha = w_hat . F_std + b
(positive = rearranging / extremely diffusive); bias shifts are added to alpha.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import classify, kramers, stats
from .datasets import fluidity_training_set, labelled_set, softness_p_l, test_set
from .dynamics import van_hove_self
from .stagedata import load_bank, load_trajectory
from .training import all_classifiers, fluidity_classifier, softness_classifier


def bias_shifts(profile) -> np.ndarray:
    lo, hi, n = profile["analysis"]["bias_shifts"]
    return np.linspace(float(lo), float(hi), int(n))


def x_edges(profile) -> np.ndarray:
    lo, hi, step = profile["analysis"]["x_bins"]
    return np.arange(float(lo), float(hi) + 0.5 * float(step), float(step))


def _seed(profile, k=0):
    return int(profile["seed"]) + k


def _blocks(ds) -> np.ndarray:
    """Block-bootstrap ids of a labelled set: one particle, one class, one p_hop window
    (11 tau) of structure frames (frames are 1 tau apart)."""
    return stats.labelled_block_ids(ds)


# ------------------------------------------------------------------- stage 4: Fig. 1, 5
def cv_bias_scans(profile) -> pd.DataFrame:
    """Fig. 1 main panel: five-fold CV accuracy vs bias shift of each fluidity classifier.

    ``accuracy`` is the pooled held-out accuracy (each sample scored by the fold classifier
    that did not see it), ``accuracy_lo``/``accuracy_hi`` its bootstrap interval over
    samples, and ``accuracy_err`` the standard error over folds."""
    shifts = bias_shifts(profile)
    rows = []
    for T in profile["analysis"]["fig1_temperatures"]:
        ds = fluidity_training_set(profile, T)
        scan = classify.cv_accuracy_vs_bias(ds["X"], ds["y"], shifts, C=profile["classifiers"]["C"],
                                            folds=int(profile["classifiers"]["cv_folds"]), seed=_seed(profile))
        ci = stats.accuracy_ci(scan.heldout_alpha, ds["y"], shifts, n_boot=int(profile["analysis"]["bootstrap"]),
                               seed=_seed(profile), clusters=_blocks(ds))
        rows.append(pd.DataFrame({"T": float(T), "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_err": scan.sem, "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
    return pd.concat(rows, ignore_index=True)


def softness_on_fluid_sets(profile) -> pd.DataFrame:
    """Fig. 1 inset: the softness classifier on each temperature's extreme-event set."""
    shifts = bias_shifts(profile)
    clf = softness_classifier(profile)
    rows = []
    for T in profile["analysis"]["fig1_temperatures"]:
        ds = fluidity_training_set(profile, T)
        alpha = clf.decision(ds["X"])
        ci = stats.accuracy_ci(alpha, ds["y"], shifts, n_boot=int(profile["analysis"]["bootstrap"]),
                               seed=_seed(profile), clusters=_blocks(ds))
        rows.append(pd.DataFrame({"T": float(T), "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
    return pd.concat(rows, ignore_index=True)


def peak_summary(scan: pd.DataFrame, group="T") -> pd.DataFrame:
    """Best accuracy and the shift where it occurs, per group."""
    idx = scan.groupby(group)["accuracy"].idxmax()
    cols = [c for c in (group, "shift", "accuracy", "accuracy_err", "accuracy_lo", "accuracy_hi") if c in scan]
    out = scan.loc[idx, cols].rename(columns={"shift": "best_shift", "accuracy": "best_accuracy"})
    at0 = scan.loc[scan.groupby(group)["shift"].apply(lambda s: (s.abs()).idxmin()), [group, "accuracy"]]
    return out.merge(at0.rename(columns={"accuracy": "accuracy_at_zero_shift"}), on=group).reset_index(drop=True)


def fluidity_distributions(profile, bins: int = 60) -> pd.DataFrame:
    """Fig. 5: histograms of fluidity F^{T_train} over all A particles at each test T."""
    clfs = {T: fluidity_classifier(profile, T) for T in profile["analysis"]["fig5_training"]}
    rows = []
    for T in profile["temperatures"]:
        X = load_bank(profile, T)["features"]
        X = X.reshape(-1, X.shape[-1])
        for Tt, clf in clfs.items():
            a = clf.decision(X)
            h, e = np.histogram(a, bins=bins, range=(-4, 4), density=True)
            rows.append(pd.DataFrame({"T_train": float(Tt), "T": float(T), "x": 0.5 * (e[1:] + e[:-1]),
                                      "density": h, "mean": a.mean(), "std": a.std()}))
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------ stage 5: Fig. 2, Table I
def transfer_scans(profile, classifiers: dict | None = None):
    """Fig. 2: accuracy on the T = 0.47 test set vs bias relative to each optimum.

    Returns (scan DataFrame with T, shift, accuracy, accuracy_lo/hi; best DataFrame with
    T, b, b_best, best_accuracy and its interval)."""
    shifts = bias_shifts(profile)
    clfs = classifiers or all_classifiers(profile)
    ts = test_set(profile, softness_p_l(profile))
    rows, best_rows = [], []
    for T, clf in clfs.items():
        alpha = clf.decision(ts["X"])
        best, _ = classify.accuracy_around_best(alpha, ts["y"], shifts, b=clf.b)
        ci = stats.accuracy_ci(alpha, ts["y"], best.shift + shifts, n_boot=int(profile["analysis"]["bootstrap"]),
                               seed=_seed(profile), clusters=_blocks(ts))
        rows.append(pd.DataFrame({"T": T, "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
        i0 = int(np.argmin(np.abs(shifts)))
        best_rows.append({"T": T, "b": clf.b, "b_best": best.b_best, "best_accuracy": best.accuracy,
                          "best_accuracy_lo": ci.low[i0], "best_accuracy_hi": ci.high[i0],
                          "accuracy_at_trained_b": classify.accuracy_vs_bias(alpha, ts["y"], [0.0])[0]})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(best_rows)


def best_biases(profile, classifiers: dict | None = None) -> pd.DataFrame:
    """b_best and the best accuracy of each classifier on the T = 0.47 test set (no bootstrap)."""
    clfs = classifiers or all_classifiers(profile)
    ts = test_set(profile, softness_p_l(profile))
    rows = []
    for T, clf in clfs.items():
        best = classify.best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
        rows.append({"T": T, "b": clf.b, "b_best": best.b_best, "best_accuracy": best.accuracy})
    return pd.DataFrame(rows)


def sigma_alphas(profile, classifiers: dict | None = None) -> dict:
    """sigma_alpha of each classifier over all A particles (feature bank) at its training T."""
    clfs = classifiers or all_classifiers(profile)
    out = {}
    for T, clf in clfs.items():
        X = load_bank(profile, T)["features"]
        out[T] = classify.sigma_alpha(clf.decision(X.reshape(-1, X.shape[-1])))
    return out


def table_one(profile, classifiers: dict | None = None, best: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table I in our convention: T, b, sigma_T, b_best, similarity (softness scaling).

    ``best`` (from transfer_scans) is reused when given; otherwise b_best is found
    without the bootstrap (best_biases)."""
    clfs = classifiers or all_classifiers(profile)
    if best is None:
        best = best_biases(profile, clfs)
    sig = sigma_alphas(profile, clfs)
    soft = clfs[float(profile["labels"]["softness_temperature"])]
    rows = []
    for T, clf in clfs.items():
        bb = best.loc[best["T"] == T].iloc[0]
        rows.append({"T": T, "b": clf.b, "sigma_T": sig[T], "b_best": float(bb["b_best"]),
                     "similarity": classify.similarity(soft, clf, scaling="a"),
                     "best_accuracy": float(bb["best_accuracy"])})
    return pd.DataFrame(rows)


def van_hove(profile, lag: int | None = None, bins=None) -> pd.DataFrame:
    """Fig. 2 inset: P(r), the density of A displacements |dr| over ``lag`` tau, per T."""
    lag = int(lag or profile["analysis"]["van_hove_lag"])
    edges = np.linspace(0, 6, 121) if bins is None else bins
    rows = []
    for T in profile["temperatures"]:
        traj = load_trajectory(profile, T)
        r, p = van_hove_self(traj["positions"], lag, types=traj["types"], bins=edges)
        rows.append(pd.DataFrame({"T": float(T), "r": r, "G_s": p}))
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------ stage 6: Figs. 3, 4, 9
def rearrangement_tables(profile, classifiers: dict | None = None, table1: pd.DataFrame | None = None):
    """P_R per x_alpha bin and temperature, for every classifier.

    Returns a DataFrame with T_train plus the columns of kramers.rearrangement_table;
    cells with fewer than ``min_bin_count`` samples get P_R = NaN.
    """
    clfs = classifiers or all_classifiers(profile)
    t1 = table1 if table1 is not None else table_one(profile, clfs)
    p_c = float(profile["labels"]["p_c"])
    edges = x_edges(profile)
    xs = {Tt: {} for Tt in clfs}
    flags = {}
    for T in profile["temperatures"]:
        bank = load_bank(profile, T)
        X = bank["features"].reshape(-1, bank["features"].shape[-1])
        flags[T] = bank["phop_later"].reshape(-1) > p_c
        for Tt, clf in clfs.items():
            row = t1.loc[t1["T"] == Tt].iloc[0]
            xs[Tt][T] = classify.x_alpha(clf.decision(X), clf.b, row["b_best"], row["sigma_T"])
    tabs = []
    for Tt in clfs:
        tab = kramers.rearrangement_table(xs[Tt], flags, edges)
        tab.insert(0, "T_train", Tt)
        tabs.append(tab)
    out = pd.concat(tabs, ignore_index=True)
    few = out["n"] < int(profile["analysis"]["min_bin_count"])
    out.loc[few, ["P_R", "P_R_err"]] = np.nan
    return out


def kramers_fits(pr: pd.DataFrame, T_max: float | None = None) -> pd.DataFrame:
    """Per classifier and bin: Delta_E, Sigma (and errors) of ln(T P_R) = Sigma - Delta_E / T."""
    fits = []
    for Tt, tab in pr.groupby("T_train"):
        usable = tab.dropna(subset=["P_R"])
        if usable["T"].nunique() < 3:
            continue
        f = kramers.fit_kramers_frame(tab, nan_policy="omit", T_max=T_max)
        f.insert(0, "T_train", Tt)
        f["T_max"] = np.nan if T_max is None else T_max
        fits.append(f)
    return pd.concat(fits, ignore_index=True) if fits else pd.DataFrame()


def onsets(fits: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Onset temperature per classifier from the best common intersection of its lines."""
    rows = []
    for Tt, f in fits.groupby("T_train"):
        try:
            o = kramers.onset_temperature(f, seed=seed)
            rows.append({"T_train": Tt, "T_onset": o.T_onset, "T_low": o.T_low, "T_high": o.T_high,
                         "T_err": o.T_err, "n_lines": o.n_lines, "scatter": o.scatter})
        except ValueError as exc:
            rows.append({"T_train": Tt, "T_onset": np.nan, "note": str(exc)})
    return pd.DataFrame(rows)


def kramers_bootstrap(pr: pd.DataFrame, n_boot: int = 200, T_max: float | None = None, seed: int = 0,
                      alpha: float = 0.32):
    """Parametric bootstrap of the Kramers analysis: redraw k ~ Binomial(n, P_R) in every
    (classifier, T, bin) cell, refit, and take percentile intervals of Delta_E, Sigma per bin
    and of the onset temperature per classifier.

    Returns (fits interval DataFrame: T_train, bin, Delta_E_lo/hi, Sigma_lo/hi;
    onset interval DataFrame: T_train, T_onset_lo/hi, n_valid).
    """
    rng = np.random.default_rng(seed)
    ok = pr["P_R"].notna()
    fit_samples, onset_samples = [], []
    for _ in range(int(n_boot)):
        b = pr.copy()
        k = rng.binomial(b.loc[ok, "n"].to_numpy(), b.loc[ok, "P_R"].to_numpy())
        n = b.loc[ok, "n"].to_numpy()
        b.loc[ok, "P_R"] = k / n
        b.loc[ok, "P_R_err"] = stats.binomial_se(k, n)
        f = kramers_fits(b, T_max=T_max)
        if f.empty:
            continue
        fit_samples.append(f[["T_train", "bin", "Delta_E", "Sigma"]])
        onset_samples.append(onsets(f)[["T_train", "T_onset"]])
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
    fs = pd.concat(fit_samples)
    fit_ci = fs.groupby(["T_train", "bin"]).agg(
        Delta_E_lo=("Delta_E", lambda v: np.nanpercentile(v, lo)),
        Delta_E_hi=("Delta_E", lambda v: np.nanpercentile(v, hi)),
        Sigma_lo=("Sigma", lambda v: np.nanpercentile(v, lo)),
        Sigma_hi=("Sigma", lambda v: np.nanpercentile(v, hi))).reset_index()
    os_ = pd.concat(onset_samples)
    on_ci = os_.groupby("T_train").agg(
        T_onset_lo=("T_onset", lambda v: np.nanpercentile(v, lo) if np.isfinite(v).any() else np.nan),
        T_onset_hi=("T_onset", lambda v: np.nanpercentile(v, hi) if np.isfinite(v).any() else np.nan),
        n_valid=("T_onset", lambda v: int(np.isfinite(v).sum()))).reset_index()
    return fit_ci, on_ci


# ------------------------------------------- stage 6: block bootstrap, data-driven range
def rearrangement_samples(profile, classifiers: dict | None = None, table1: pd.DataFrame | None = None,
                          replica: int = 0) -> list:
    """Per temperature, the feature-bank samples of the Kramers analysis.

    Returns a list of dicts (one per temperature) with ``T``, ``replica``, ``particle``
    (n,), ``frame`` (n,) structure frame in tau, ``rearranged`` (n,) bool (p_hop 2 tau
    later > p_c) and ``x`` (dict T_train -> (n,) x_alpha), the input of
    :func:`kramers_analysis`.
    """
    clfs = classifiers or all_classifiers(profile)
    t1 = table1 if table1 is not None else table_one(profile, clfs)
    p_c = float(profile["labels"]["p_c"])
    out = []
    for T in profile["temperatures"]:
        bank = load_bank(profile, T, replica=int(replica))
        nf, na = bank["phop_later"].shape
        X = bank["features"].reshape(-1, bank["features"].shape[-1])
        xs = {}
        for Tt, clf in clfs.items():
            row = t1.loc[t1["T"] == Tt].iloc[0]
            xs[float(Tt)] = classify.x_alpha(clf.decision(X), clf.b, row["b_best"], row["sigma_T"])
        out.append({"T": float(T), "replica": int(replica),
                    "particle": np.broadcast_to(np.arange(na)[None, :], (nf, na)).ravel().copy(),
                    "frame": np.broadcast_to(np.asarray(bank["frames"])[:, None], (nf, na)).ravel().copy(),
                    "rearranged": bank["phop_later"].reshape(-1) > p_c, "x": xs})
    return out


def _bin_index(x, edges):
    """Bin of each x as in numpy.histogram (last bin closed); -1 outside."""
    nb = edges.size - 1
    idx = np.searchsorted(edges, x, side="right") - 1
    idx[x == edges[-1]] = nb - 1
    idx[(x < edges[0]) | (x > edges[-1]) | ~np.isfinite(x)] = -1
    return idx


def _cell_counts(idx, flags, cluster, n_clusters, nb):
    """Per (cluster, bin): samples and rearranging samples, as dense float arrays."""
    ok = idx >= 0
    flat = cluster[ok] * nb + idx[ok]
    N = np.bincount(flat, minlength=n_clusters * nb).reshape(n_clusters, nb).astype(float)
    K = np.bincount(flat, weights=flags[ok].astype(float), minlength=n_clusters * nb).reshape(n_clusters, nb)
    return N, K


def _resampled_counts(groups, classifiers, nb, n_boot, seed, mode: str = "block", chunk: int = 50):
    """Bootstrap replicates of (n, k) per classifier, temperature and bin.

    groups : list (one per temperature) of lists of sample dicts (replicas at that T).
    mode : "block" (one particle x one time block), "iid" (every sample on its own) or
        "time" (one time block of the whole system: also keeps neighbours together); or a
        list with one of these per temperature.
    The same draws of blocks are used for every classifier (joint replicates).
    Returns dict T_train -> (n_b, k_b) arrays of shape (n_boot, n_T, nb)."""
    rng = np.random.default_rng(seed)
    n_T = len(groups)
    modes = [mode] * n_T if isinstance(mode, str) else list(mode)
    out = {Tt: (np.zeros((n_boot, n_T, nb)), np.zeros((n_boot, n_T, nb))) for Tt in classifiers}
    for i, g in enumerate(groups):
        cl, offset = [], 0
        for smp in g:
            c = {"iid": lambda: np.arange(smp["particle"].size), "block": lambda: smp["_blocks"],
                 "time": lambda: smp["_tblocks"]}[modes[i]]()
            cl.append(c + offset)
            offset += int(c.max()) + 1 if c.size else 0
        cluster = np.concatenate(cl)
        mats = {}
        for Tt in classifiers:
            idx = np.concatenate([smp["_bins"][Tt] for smp in g])
            flags = np.concatenate([smp["rearranged"] for smp in g])
            mats[Tt] = _cell_counts(idx, flags, cluster, offset, nb)
        step = max(1, min(chunk, int(2e7 // max(offset, 1))))     # <= ~160 MB of draws at a time
        for start in range(0, n_boot, step):
            m = min(step, n_boot - start)
            D = stats.cluster_draws(rng, offset, m).astype(float)
            for Tt, (N, K) in mats.items():
                out[Tt][0][start:start + m, i] = D @ N
                out[Tt][1][start:start + m, i] = D @ K
    return out


def _q(a, q, axis=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanpercentile(a, q, axis=axis)


def _slope(x, y):
    """Least-squares slope of y on x along the last axis, NaN entries ignored."""
    ok = np.isfinite(y) & np.isfinite(x)
    n = ok.sum(-1)
    xm = np.where(ok, x, 0).sum(-1) / np.maximum(n, 1)
    ym = np.where(ok, y, 0).sum(-1) / np.maximum(n, 1)
    dx = np.where(ok, x - xm[..., None], 0)
    dy = np.where(ok, y - ym[..., None], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (dx * dy).sum(-1) / (dx * dx).sum(-1)
    return np.where(n >= 3, s, np.nan)


def kramers_analysis(samples: list, edges, *, min_bin_count: int = 30, n_boot: int = 200, seed: int = 0,
                     T_max_low: float = 0.8, p_min: float = 0.01, block_tau: float = stats.PHOP_SPAN,
                     frame_spacing: float = 1.0, compare_iid: bool = True, min_time_blocks: int | None = 30
                     ) -> dict:
    """The whole Kramers analysis (Figs. 3, 4, 9, onsets) with a block bootstrap.

    Parameters
    ----------
    samples : list of dicts from :func:`rearrangement_samples` (several entries for one
        temperature = independent replicas, pooled; their blocks are independent).
    edges : x_alpha bin edges shared by all classifiers.
    min_bin_count : cells with fewer samples are left out (P_R = NaN).
    n_boot : bootstrap replicates.
    T_max_low : the paper's own check, fits over T < T_max_low.
    p_min : p-value threshold of the fit-range criterion (:func:`kramers.choose_fit_range`).
    block_tau, frame_spacing : a block is one particle over ``block_frames(frame_spacing,
        block_tau) * frame_spacing`` tau (frames in ``samples`` are in tau;
        ``frame_spacing`` is the bank stride).
    compare_iid : also run the independent-sample bootstrap and both block schemes on
        their own, for the width comparison.
    min_time_blocks : at a temperature with at least this many whole-system time blocks
        (pooled over replicas), resample whole-system time blocks (all particles of a time
        block together), which also keeps the correlation between neighbouring particles;
        elsewhere one particle x one time block. None: particle blocks everywhere.

    Method
    ------
    1. P_R per (classifier, T, bin) from the pooled samples; its error is the standard
       deviation of P_R over block-bootstrap replicates (blocks: one particle, one time
       block of at least one p_hop window; draws shared by all classifiers at a T).
    2. Fit range: the largest T_up whose weighted per-bin fits over T <= T_up, pooled over
       all classifiers, have chi2 p-value >= p_min (:func:`kramers.choose_fit_range`).
    3. Three fit variants per classifier: the data range (default), all T (the paper's
       literal fit) and T < T_max_low (the paper's check). Intervals of Delta_E, Sigma,
       onsets, barrier slopes: percentiles of the refits of the replicates (weights
       fixed at the point errors; onsets with the point estimate's line weights).
    4. Tests: the onsets of all classifiers are one value (chi2 with the joint bootstrap
       covariance, in u = 1/T); barriers collapse across classifiers (same, per bin, summed).

    Returns
    -------
    dict of DataFrames: ``pr`` (cells, with ``P_R_err`` block, ``P_R_err_binomial``),
    ``scan`` (fit-range scan), ``fits``, ``onsets``, ``onset_consistency``, ``slopes``,
    ``collapse``, ``widths`` (block / iid), and ``fit_range`` (kramers.FitRange).
    """
    edges = np.asarray(edges, dtype=float)
    nb = edges.size - 1
    if not samples:
        raise ValueError("no samples")
    classifiers = sorted(samples[0]["x"])
    L = stats.block_frames(frame_spacing, block_tau)
    span = L * float(frame_spacing)
    temps = sorted({float(s["T"]) for s in samples})
    groups = [[s for s in samples if float(s["T"]) == T] for T in temps]
    for s in samples:
        tb = np.floor(np.asarray(s["frame"]) / span).astype(np.int64)
        s["_blocks"] = stats.block_ids(s["particle"], tb, 1)
        s["_tblocks"] = np.unique(tb, return_inverse=True)[1].ravel().astype(np.int64)
        s["_bins"] = {Tt: _bin_index(np.asarray(s["x"][Tt], dtype=float), edges) for Tt in classifiers}
    T_arr = np.asarray(temps)
    centers = 0.5 * (edges[1:] + edges[:-1])

    # point estimates
    n_pt = {Tt: np.zeros((len(temps), nb)) for Tt in classifiers}
    k_pt = {Tt: np.zeros((len(temps), nb)) for Tt in classifiers}
    xs_pt = {Tt: np.zeros((len(temps), nb)) for Tt in classifiers}
    for i, g in enumerate(groups):
        for Tt in classifiers:
            idx = np.concatenate([s["_bins"][Tt] for s in g])
            fl = np.concatenate([s["rearranged"] for s in g])
            xv = np.concatenate([np.asarray(s["x"][Tt], dtype=float) for s in g])
            ok = idx >= 0
            n_pt[Tt][i] = np.bincount(idx[ok], minlength=nb)
            k_pt[Tt][i] = np.bincount(idx[ok], weights=fl[ok].astype(float), minlength=nb)
            xs_pt[Tt][i] = np.bincount(idx[ok], weights=xv[ok], minlength=nb)
    n_tblocks = [int(sum(int(s["_tblocks"].max()) + 1 if s["_tblocks"].size else 0 for s in g)) for g in groups]
    modes = ["time" if min_time_blocks is not None and n >= int(min_time_blocks) else "block" for n in n_tblocks]
    scheme_table = pd.DataFrame({"T": temps, "time_blocks": n_tblocks,
                                 "scheme": ["whole-system time blocks" if m == "time" else "particle x time blocks"
                                            for m in modes]})
    boot = _resampled_counts(groups, classifiers, nb, int(n_boot), seed, mode=modes)
    # the comparison schemes, each on its own: iid, whole-system and particle time blocks
    alt = {}
    if compare_iid:
        alt["iid"] = _resampled_counts(groups, classifiers, nb, int(n_boot), seed + 1, mode="iid")
        alt["time"] = _resampled_counts(groups, classifiers, nb, int(n_boot), seed + 2, mode="time")
        alt["part"] = (boot if "time" not in modes else
                       _resampled_counts(groups, classifiers, nb, int(n_boot), seed + 3, mode="block"))
    Pb_alt, err_alt = {k: {} for k in alt}, {k: {} for k in alt}

    usable, P, err, err_bin, Pb = {}, {}, {}, {}, {}
    rows = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for Tt in classifiers:
            use = n_pt[Tt] >= int(min_bin_count)
            usable[Tt] = use
            P[Tt] = np.where(use, k_pt[Tt] / n_pt[Tt], np.nan)
            nb_, kb_ = boot[Tt]
            Pb[Tt] = np.where(use[None], kb_ / nb_, np.nan)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                err[Tt] = np.where(use, np.nanstd(Pb[Tt], axis=0, ddof=1), np.nan)
            err_bin[Tt] = np.where(use, stats.binomial_se(k_pt[Tt], n_pt[Tt]), np.nan)
            for k, b in alt.items():
                Pb_alt[k][Tt] = np.where(use[None], b[Tt][1] / b[Tt][0], np.nan)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    err_alt[k][Tt] = np.where(use, np.nanstd(Pb_alt[k][Tt], axis=0, ddof=1), np.nan)
            lo, hi = _q(Pb[Tt], 16), _q(Pb[Tt], 84)
            for i, T in enumerate(temps):
                for j in range(nb):
                    rows.append(dict(T_train=Tt, T=T, bin=j, x_lo=edges[j], x_hi=edges[j + 1], x_center=centers[j],
                                     x_mean=xs_pt[Tt][i, j] / n_pt[Tt][i, j] if n_pt[Tt][i, j] else np.nan,
                                     n=int(n_pt[Tt][i, j]), k=int(k_pt[Tt][i, j]), P_R=P[Tt][i, j],
                                     P_R_err=err[Tt][i, j], P_R_err_binomial=err_bin[Tt][i, j],
                                     P_R_lo=lo[i, j] if use[i, j] else np.nan,
                                     P_R_hi=hi[i, j] if use[i, j] else np.nan))
    pr = pd.DataFrame(rows)

    # 2. fit range from the data
    scans = []
    for Tt in classifiers:
        sc = kramers.fit_range_scan(T_arr, P[Tt], err[Tt])
        scans.append(sc.assign(T_train=Tt))
    scan = kramers.pool_scans([s.drop(columns="T_train") for s in scans])
    fr = kramers.choose_fit_range(scan, p_min=p_min)
    scan["chosen"] = np.isclose(scan["T_up"], fr.T_up)
    scan_per = pd.concat(scans, ignore_index=True)

    # 3. fit variants
    variants = [(f"T <= {fr.T_up:g} (data)", fr.T_max), ("all T", None), (f"T < {T_max_low:g}", T_max_low)]
    fit_rows, on_rows, slope_rows, coll_rows, cons_rows, width_rows = [], [], [], [], [], []
    for label, T_max in variants:
        u_joint, E_joint, E_pt = {}, {}, {}
        for Tt in classifiers:
            try:
                f = kramers.fit_kramers(T_arr, P[Tt], err[Tt], T_max=T_max, nan_policy="omit", x=centers)
            except ValueError:
                continue
            S_b, E_b = kramers.fit_lines_batch(T_arr, Pb[Tt], err[Tt], T_max=T_max)
            fin = np.isfinite(f.Delta_E)
            S_b[:, ~fin] = np.nan
            E_b[:, ~fin] = np.nan
            E_joint[Tt] = E_b
            E_pt[Tt] = np.where(fin, f.Delta_E, np.nan)
            df = f.to_frame()
            df.insert(0, "T_train", Tt)
            df["fit"] = label
            df["T_max"] = np.nan if T_max is None else T_max
            for name, arr in (("Delta_E", E_b), ("Sigma", S_b)):
                df[f"{name}_lo"], df[f"{name}_hi"] = _q(arr, 16), _q(arr, 84)
                df[f"{name}_lo95"], df[f"{name}_hi95"] = _q(arr, 2.5), _q(arr, 97.5)
            lines_alt = {}
            for k in alt:
                S_k, E_k = kramers.fit_lines_batch(T_arr, Pb_alt[k][Tt], err[Tt], T_max=T_max)
                S_k[:, ~fin], E_k[:, ~fin] = np.nan, np.nan
                lines_alt[k] = (S_k, E_k)
                df[f"Delta_E_lo_{k}"], df[f"Delta_E_hi_{k}"] = _q(E_k, 16), _q(E_k, 84)
            fit_rows.append(df)
            # slope of the barrier with x
            sl_b = _slope(np.broadcast_to(centers, E_b.shape), E_b)
            sl = float(_slope(centers, np.where(fin, f.Delta_E, np.nan)))
            slope_rows.append(dict(fit=label, T_train=Tt, slope=sl, slope_lo=_q(sl_b, 16), slope_hi=_q(sl_b, 84),
                                   slope_lo95=_q(sl_b, 2.5), slope_hi95=_q(sl_b, 97.5), n_bins=int(fin.sum())))
            # onset
            row = dict(fit=label, T_train=Tt, T_onset=np.nan, n_lines=int(fin.sum()))
            if fin.sum() >= 2 and np.ptp(f.Delta_E[fin]) > 0:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    o = kramers.onset_temperature(f, uncertainty="none")
                w = np.zeros(nb)
                w[fin] = o.weights
                u_b = kramers.onset_u_batch(S_b, E_b, w)
                u_joint[Tt] = u_b
                ulo, uhi, ulo95, uhi95 = (_q(u_b, q) for q in (16, 84, 2.5, 97.5))
                inv = lambda v: 1.0 / v if v > 0 else np.inf  # noqa: E731
                row.update(T_onset=o.T_onset, u_onset=o.u_onset, T_low=inv(uhi), T_high=inv(ulo),
                           T_low95=inv(uhi95), T_high95=inv(ulo95), T_boot_median=inv(_q(u_b, 50)),
                           scatter=o.scatter,
                           n_valid=int(np.isfinite(u_b).sum()))
                row["T_err"] = 0.5 * (row["T_high"] - row["T_low"])
                row["T_onset_lo"], row["T_onset_hi"] = row["T_low"], row["T_high"]   # names used by the book
                if "iid" in lines_alt:
                    u_i = kramers.onset_u_batch(*lines_alt["iid"], w)
                    row["T_low_iid"], row["T_high_iid"] = inv(_q(u_i, 84)), inv(_q(u_i, 16))
            on_rows.append(row)
        # onset consistency across classifiers (joint replicates, in u)
        keys = [Tt for Tt in u_joint if np.isfinite(u_joint[Tt]).sum() > 0]
        cons = dict(fit=label, n_classifiers=len(keys))
        if len(keys) >= 2:
            est = np.array([r["u_onset"] for r in on_rows if r["fit"] == label and r["T_train"] in keys])
            try:
                c = stats.consistency_test(est, samples=np.column_stack([u_joint[k] for k in keys]))
                cons.update(u_mean=c.mean, T_mean=1 / c.mean if c.mean > 0 else np.nan,
                            T_mean_low=1 / (c.mean + c.mean_err), T_mean_high=1 / (c.mean - c.mean_err)
                            if c.mean > c.mean_err else np.inf,
                            T_mean_low95=1 / (c.mean + 1.96 * c.mean_err),
                            T_mean_high95=1 / (c.mean - 1.96 * c.mean_err) if c.mean > 1.96 * c.mean_err else np.inf,
                            chi2=c.chi2, dof=c.dof, p_value=c.p_value, T_spread=float(np.std(1 / est)))
            except ValueError as exc:
                cons["note"] = str(exc)
        cons_rows.append(cons)
        # barrier collapse across classifiers, bin by bin
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
        from scipy.stats import chi2 as chi2_dist
        coll_rows.append(dict(fit=label, chi2=chi2, dof=dof, p_value=float(chi2_dist.sf(chi2, dof)) if dof else np.nan))
    fits = pd.concat(fit_rows, ignore_index=True) if fit_rows else pd.DataFrame()
    ons = pd.DataFrame(on_rows)

    # block vs iid widths (data-range variant); whole-system time blocks as a check on
    # correlations between neighbouring particles
    if compare_iid:
        d = fits[fits["fit"] == variants[0][0]]
        o = ons[ons["fit"] == variants[0][0]]
        err_t, err_p = (pd.Series(np.concatenate([err_alt[k][Tt].ravel() for Tt in classifiers]))
                        for k in ("time", "part"))
        err_b = pd.Series(np.concatenate([err_bin[Tt].ravel() for Tt in classifiers]))
        iid_E = d["Delta_E_hi_iid"] - d["Delta_E_lo_iid"]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = [
                ("P_R (standard error)", "particle x time blocks", err_p / err_b),
                ("P_R (standard error)", "whole-system time blocks", err_t / err_b),
                ("P_R (standard error)", "used (scheme per temperature)", pr["P_R_err"] / pr["P_R_err_binomial"]),
                ("Delta_E (68 % interval)", "particle x time blocks",
                 (d["Delta_E_hi_part"] - d["Delta_E_lo_part"]) / iid_E),
                ("Delta_E (68 % interval)", "whole-system time blocks",
                 (d["Delta_E_hi_time"] - d["Delta_E_lo_time"]) / iid_E),
                ("Delta_E (68 % interval)", "used (scheme per temperature)",
                 (d["Delta_E_hi"] - d["Delta_E_lo"]) / iid_E),
                ("onset T (68 % interval)", "used (scheme per temperature)",
                 (o["T_high"] - o["T_low"]) / (o["T_high_iid"] - o["T_low_iid"]) if "T_low_iid" in o
                 else pd.Series(dtype=float))]
        for q, scheme, r in ratios:
            r = pd.Series(np.asarray(r, dtype=float)).replace([np.inf, -np.inf], np.nan).dropna()
            width_rows.append(dict(quantity=q, scheme=scheme, block_tau=span, n=int(r.size),
                                   median_ratio=float(r.median()) if r.size else np.nan,
                                   min_ratio=float(r.min()) if r.size else np.nan,
                                   max_ratio=float(r.max()) if r.size else np.nan))
    for s in samples:
        for key in ("_blocks", "_tblocks", "_bins"):
            s.pop(key, None)
    return dict(pr=pr, scan=scan, scan_per_classifier=scan_per, fit_range=fr, fits=fits, onsets=ons,
                onset_consistency=pd.DataFrame(cons_rows), slopes=pd.DataFrame(slope_rows),
                collapse=pd.DataFrame(coll_rows), widths=pd.DataFrame(width_rows), block_tau=span,
                scheme=scheme_table)


def interval_targets(res: dict, delta_e_max: float = 0.3, onset_max: float = 0.1) -> pd.DataFrame:
    """How wide the barrier intervals are against issue 8's targets, per classifier.

    For the default fit (the data-chosen range) of :func:`kramers_analysis`'s result:
    the 68 % half-width (hi - lo) / 2 of Delta_E in every populated bin (a finite
    estimate), its median and largest value, the fraction of bins within
    ``delta_e_max`` (targets: Delta_E <= 0.3 in every populated bin, onset <= 0.1), and the
    onset's 68 % half-width. The last row, ``all``, pools the bins of every classifier.

    Returns
    -------
    DataFrame: T_train, bins, delta_e_hw_median, delta_e_hw_max, delta_e_within,
    onset_hw, delta_e_target_met, onset_target_met.
    """
    fits, on = res["fits"], res["onsets"]
    default = fits["fit"].iloc[0]
    d = fits[(fits["fit"] == default) & np.isfinite(fits["Delta_E"])].copy()
    d["hw"] = 0.5 * (d["Delta_E_hi"] - d["Delta_E_lo"])
    o = on[on["fit"] == default].set_index("T_train")
    rows = []
    for Tt, g in d.groupby("T_train"):
        ohw = float(0.5 * (o.loc[Tt, "T_high"] - o.loc[Tt, "T_low"])) if Tt in o.index and "T_high" in o else np.nan
        rows.append(dict(T_train=Tt, bins=len(g), delta_e_hw_median=float(g["hw"].median()),
                         delta_e_hw_max=float(g["hw"].max()), delta_e_within=float((g["hw"] <= delta_e_max).mean()),
                         onset_hw=ohw))
    t = pd.DataFrame(rows)
    t = pd.concat([t, pd.DataFrame([dict(T_train="all", bins=len(d), delta_e_hw_median=float(d["hw"].median()),
                                         delta_e_hw_max=float(d["hw"].max()),
                                         delta_e_within=float((d["hw"] <= delta_e_max).mean()),
                                         onset_hw=float(t["onset_hw"].max()))])], ignore_index=True)
    t["delta_e_target_met"] = t["delta_e_hw_max"] <= delta_e_max
    t["onset_target_met"] = t["onset_hw"] <= onset_max
    return t


def replica_spread(samples: list, edges, fit_range, *, min_bin_count: int = 30) -> pd.DataFrame:
    """Onset per replica and classifier over the chosen fit range, pooled with
    :func:`stats.pool_replicas` (mean and spread between replicas).

    Returns the pooled DataFrame (T_train, T_onset, T_onset_replica_sd, ...); with one
    replica the spread is 0. Each replica's fits are weighted with binomial errors (no
    bootstrap per replica), so its onsets can differ slightly from the pooled analysis's
    block-error-weighted ones even for a single replica."""
    edges = np.asarray(edges, dtype=float)
    rows = []
    for rep in sorted({int(s["replica"]) for s in samples}):
        sub = [s for s in samples if int(s["replica"]) == rep]
        temps = np.array(sorted({float(s["T"]) for s in sub}))
        for Tt in sorted(sub[0]["x"]):
            tab = kramers.rearrangement_table({s["T"]: s["x"][Tt] for s in sub},
                                              {s["T"]: s["rearranged"] for s in sub}, edges)
            tab.loc[tab["n"] < min_bin_count, ["P_R", "P_R_err"]] = np.nan
            try:
                f = kramers.fit_kramers_frame(tab, nan_policy="omit", T_max=fit_range.T_max)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    o = kramers.onset_temperature(f, uncertainty="none")
                T_on = o.T_onset
            except ValueError:
                T_on = np.nan
            rows.append(dict(replica=rep, T_train=Tt, T_onset=T_on, n_temperatures=temps.size))
    return stats.pool_replicas(pd.DataFrame(rows), ["T_onset"], by=["T_train"])


def paired_accuracy_difference(alpha_a, alpha_b, y, clusters=None, *, n_boot: int = 200, seed: int = 0,
                               alpha: float = 0.32) -> stats.BootstrapResult:
    """Accuracy of decisions ``alpha_a > 0`` minus that of ``alpha_b > 0`` on one labelled
    set, with a paired (block) bootstrap: both classifiers see the same resampled
    test samples, so the interval is that of the difference itself."""
    y = np.asarray(y)

    def diff(a, b, yy):
        return np.mean((a > 0) == (yy == 1)) - np.mean((b > 0) == (yy == 1))

    return stats.bootstrap_ci(diff, np.asarray(alpha_a), np.asarray(alpha_b), y, n_boot=n_boot, alpha=alpha,
                              seed=seed, strata=y, clusters=clusters)


def table_one_intervals(profile, classifiers: dict | None = None, table1: pd.DataFrame | None = None,
                        n_boot: int | None = None) -> pd.DataFrame:
    """Block-bootstrap intervals of Table I's b_best and sigma_T.

    b_best: the T = 0.47 test set resampled by blocks (one particle, one class, 11 tau),
    the optimum re-found in every replicate. sigma_T: the training temperature's feature
    bank resampled by blocks (one particle, bank frames spanning >= 11 tau).
    The similarity w_S . w_alpha would need the SVMs refitted per replicate; it has no
    interval here. Returns T, b_best_lo/hi (68 %), b_best_lo95/hi95, sigma_T_lo/hi, sigma_T_lo95/hi95.
    """
    clfs = classifiers or all_classifiers(profile)
    n_boot = int(n_boot or profile["analysis"]["bootstrap"])
    ts = test_set(profile, softness_p_l(profile))
    blocks = _blocks(ts)
    stride = float(profile["features"]["bank_stride"])
    rng_seed = _seed(profile, 7)
    rows = []
    for T, clf in clfs.items():
        a = clf.decision(ts["X"])
        bb = stats.bootstrap_ci(lambda x, yy: classify.best_bias(x, yy, b=clf.b).b_best, a, ts["y"],
                                n_boot=n_boot, seed=rng_seed, strata=ts["y"], clusters=blocks, return_samples=True)
        bank = load_bank(profile, T)
        nf, na = bank["phop_later"].shape
        al = clf.decision(bank["features"].reshape(-1, bank["features"].shape[-1]))
        span = stats.block_frames(stride) * stride
        cl = stats.block_ids(np.tile(np.arange(na), nf), np.repeat(np.floor(np.asarray(bank["frames"]) / span), na), 1)
        nc = int(cl.max()) + 1
        sums = np.column_stack([np.bincount(cl, minlength=nc), np.bincount(cl, weights=al, minlength=nc),
                                np.bincount(cl, weights=al * al, minlength=nc)])
        D = stats.cluster_draws(np.random.default_rng(rng_seed), nc, n_boot).astype(float)
        m = D @ sums
        sig = np.sqrt(np.maximum(m[:, 2] / m[:, 0] - (m[:, 1] / m[:, 0]) ** 2, 0) * m[:, 0] / (m[:, 0] - 1))
        rows.append(dict(T=T, b_best_lo=bb.low, b_best_hi=bb.high,
                         b_best_lo95=float(np.nanquantile(bb.samples, 0.025)),
                         b_best_hi95=float(np.nanquantile(bb.samples, 0.975)),
                         sigma_T_lo=float(np.quantile(sig, 0.16)), sigma_T_hi=float(np.quantile(sig, 0.84)),
                         sigma_T_lo95=float(np.quantile(sig, 0.025)), sigma_T_hi95=float(np.quantile(sig, 0.975))))
    return pd.DataFrame(rows)


def similarity_intervals(profile, classifiers: dict | None = None, n_boot: int | None = None) -> pd.DataFrame:
    """Block-bootstrap interval of the similarity w_S . w_alpha of Table I.

    Each replicate resamples the softness training set and each fluidity training set by
    blocks (one particle, one class, 11 tau), refits both SVMs (same C, seed) and
    recomputes the similarity in the refitted softness scaling. Refitting is the costly
    part (a 3000-sample fit takes ~1.5-3 s on 2 cores): ``n_boot`` defaults to
    min(analysis.bootstrap, 20). The replicates' similarity is
    biased low (two noisier normals), so the interval is the basic bootstrap one,
    [2 s - q_hi, 2 s - q_lo], which corrects for that bias; ``similarity_bias`` (replicate
    mean minus the point value) shows it. A bias as large as the interval's half-width
    means the bootstrap cannot be trusted here (the verdict is then inconclusive).

    Returns T, similarity_lo/hi (68 %), similarity_lo95/hi95, n_boot."""
    from .classify import similarity, train_classifier
    from .datasets import softness_training_set

    clfs = classifiers or all_classifiers(profile)
    n_boot = int(n_boot or min(int(profile["analysis"]["bootstrap"]), 20))
    C, seed = float(profile["classifiers"]["C"]), int(profile["seed"])
    soft_T = float(profile["labels"]["softness_temperature"])
    sets = {soft_T: softness_training_set(profile, softness_p_l(profile))}
    for T in clfs:
        if T != soft_T:
            sets[T] = fluidity_training_set(profile, T)
    gens = {T: stats.block_resampler(_blocks(ds), ds["y"], seed=_seed(profile, 11) + i)
            for i, (T, ds) in enumerate(sets.items())}
    sims = {T: [] for T in sets if T != soft_T}
    for _ in range(n_boot):
        fits = {}
        for T, ds in sets.items():
            idx = next(gens[T])
            fits[T] = train_classifier(ds["X"][idx], ds["y"][idx], C=C, seed=seed, max_imbalance=None)
        for T in sims:
            sims[T].append(similarity(fits[soft_T], fits[T], scaling="a"))
    rows = [dict(T=soft_T, similarity_lo=1.0, similarity_hi=1.0, similarity_lo95=1.0, similarity_hi95=1.0,
                 similarity_bias=0.0, n_boot=n_boot)]
    point = {T: similarity(clfs[soft_T], clfs[T], scaling="a") for T in sims}
    for T, v in sims.items():
        v = np.asarray(v)
        # basic (reverse-percentile) interval 2 s - q: the cosine of two refitted, noisier
        # normals is biased low, and the basic interval corrects for that bias
        basic = lambda q: float(np.clip(2 * point[T] - np.quantile(v, q), -1, 1))  # noqa: E731
        rows.append(dict(T=T, similarity_lo=basic(0.84), similarity_hi=basic(0.16), similarity_lo95=basic(0.975),
                         similarity_hi95=basic(0.025), similarity_bias=float(v.mean() - point[T]),
                         n_boot=n_boot))
    return pd.DataFrame(rows)


def sigma_T_dependence(profile, T: float | None = None, qs=None, Cs=None, n_per_class: int | None = None
                       ) -> pd.DataFrame:
    """How sigma_T of a fluidity classifier depends on what differs from the paper.

    For each tail fraction q and penalty C, a fluidity classifier is trained at T (same
    rule, ``n_per_class`` samples per class for every q so that only q changes) and
    sigma_T = std of its output over all A particles of the feature bank at T is
    measured in two feature scalings: ``sigma_T`` (the classifier's own standardiser,
    fitted on its training set, as in Table I) and ``sigma_T_population`` (the same
    hyperplane with features standardised over all particles at T). The accuracy on the
    T = 0.47 test set at b_best is reported too.

    Returns q, C, n_per_class, sigma_T, sigma_T_population, b_best, best_accuracy.
    """
    from .classify import train_classifier

    a, lab = profile["analysis"], profile["labels"]
    T = float(a["appendix_temperature"] if T is None else T)
    qs = list(a["appendix_fractions"] if qs is None else qs)
    Cs = list(a["appendix_C"] if Cs is None else Cs)
    n = int(n_per_class or a["appendix_per_class"])
    bank = load_bank(profile, T)
    X = bank["features"].reshape(-1, bank["features"].shape[-1]).astype(float)
    s_pop = X.std(axis=0)
    s_pop[s_pop == 0] = 1.0
    ts = test_set(profile, softness_p_l(profile))
    rows = []
    for q in qs:
        ds = fluidity_training_set(profile, T, q=q, n_per_class=n)
        for C in Cs:
            clf = train_classifier(ds["X"], ds["y"], C=float(C), seed=int(profile["seed"]))
            alpha = clf.decision(X)
            w_raw = clf.w_hat / clf.scale
            best = classify.best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
            rows.append(dict(T=T, q=float(q), C=float(C), n_per_class=n, sigma_T=float(np.std(alpha)),
                             sigma_T_population=float(np.std(X @ w_raw) / np.linalg.norm(w_raw * s_pop)),
                             b_best=best.b_best, best_accuracy=best.accuracy))
    return pd.DataFrame(rows)


def table_one_with_intervals(profile, classifiers: dict | None = None, best: pd.DataFrame | None = None,
                             similarity_boot: int | None = None) -> pd.DataFrame:
    """:func:`table_one` plus block-bootstrap intervals of b_best, sigma_T
    (:func:`table_one_intervals`) and the similarity (:func:`similarity_intervals`), and
    the best accuracy's interval when ``best`` (from :func:`transfer_scans`) has it.
    The input of :func:`glasshelpers.verdicts.table_one` and :func:`glasshelpers.figures.table1`."""
    clfs = classifiers or all_classifiers(profile)
    t1 = table_one(profile, clfs, best)
    t1 = t1.merge(table_one_intervals(profile, clfs, t1), on="T", how="left")
    t1 = t1.merge(similarity_intervals(profile, clfs, similarity_boot).drop(columns=["n_boot"]),
                  on="T", how="left")
    if best is not None and {"best_accuracy_lo", "best_accuracy_hi"} <= set(best.columns):
        t1 = t1.merge(best[["T", "best_accuracy_lo", "best_accuracy_hi"]], on="T", how="left")
    return t1


def accuracy_width_comparison(profile, classifier=None) -> pd.DataFrame:
    """68 % interval of the T = 0.47 test accuracy at b_best, iid vs block bootstrap,
    for the softness classifier and the fluidity classifier at the appendix T."""
    ts = test_set(profile, softness_p_l(profile))
    n_boot = int(profile["analysis"]["bootstrap"])
    rows = []
    for name, clf in (("softness", softness_classifier(profile)),
                      (f"fluidity T = {profile['analysis']['appendix_temperature']:g}",
                       fluidity_classifier(profile, float(profile["analysis"]["appendix_temperature"])))):
        a = clf.decision(ts["X"])
        best = classify.best_bias(a, ts["y"], b=clf.b)
        iid = stats.accuracy_ci(a, ts["y"], [best.shift], n_boot=n_boot, seed=_seed(profile))
        blk = stats.accuracy_ci(a, ts["y"], [best.shift], n_boot=n_boot, seed=_seed(profile), clusters=_blocks(ts))
        rows.append(dict(quantity=f"test accuracy at b_best ({name})", block_tau=stats.PHOP_SPAN,
                         n=int(len(np.unique(_blocks(ts)))),
                         median_ratio=float(stats.interval_width_ratio(blk, iid)[0]),
                         iid_width=float(iid.high[0] - iid.low[0]), block_width=float(blk.high[0] - blk.low[0])))
    return pd.DataFrame(rows)


# --------------------------------------------------------------- stage 7: Figs. 6-8
def accuracy_vs_C(profile) -> pd.DataFrame:
    """Fig. 6: five-fold CV accuracy (trained bias) vs C for three tail fractions."""
    a = profile["analysis"]
    T = a["appendix_temperature"]
    rows = []
    for q in a["appendix_fractions"]:
        ds = fluidity_training_set(profile, T, q=q, n_per_class=a["appendix_per_class"])
        for C in a["appendix_C"]:
            scan = classify.cv_accuracy_vs_bias(ds["X"], ds["y"], [0.0], C=C,
                                                folds=int(profile["classifiers"]["cv_folds"]), seed=_seed(profile))
            ci = stats.accuracy_ci(scan.heldout_alpha, ds["y"], [0.0], n_boot=int(a["bootstrap"]), seed=_seed(profile),
                                   clusters=_blocks(ds))
            rows.append({"q": float(q), "C": float(C), "accuracy": float(scan.mean[0]),
                         "accuracy_err": float(scan.sem[0]), "accuracy_lo": float(ci.low[0]),
                         "accuracy_hi": float(ci.high[0])})
    return pd.DataFrame(rows)


def accuracy_vs_bias_fractions(profile) -> pd.DataFrame:
    """Fig. 7: CV accuracy vs bias shift at the profile's C for three tail fractions."""
    a = profile["analysis"]
    T = a["appendix_temperature"]
    shifts = bias_shifts(profile)
    rows = []
    for q in a["appendix_fractions"]:
        ds = fluidity_training_set(profile, T, q=q, n_per_class=a["appendix_per_class"])
        scan = classify.cv_accuracy_vs_bias(ds["X"], ds["y"], shifts, C=profile["classifiers"]["C"],
                                            folds=int(profile["classifiers"]["cv_folds"]), seed=_seed(profile))
        ci = stats.accuracy_ci(scan.heldout_alpha, ds["y"], shifts, n_boot=int(a["bootstrap"]), seed=_seed(profile),
                               clusters=_blocks(ds))
        rows.append(pd.DataFrame({"q": float(q), "shift": shifts, "accuracy": scan.mean, "accuracy_err": scan.sem,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
    return pd.concat(rows, ignore_index=True)


def control_transfer(profile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fig. 8 and the displacement control: classifiers trained at the appendix T with
    other labels, tested on the T = 0.47 set, against the fluidity classifier."""
    a, lab = profile["analysis"], profile["labels"]
    T = float(a["appendix_temperature"])
    soft = softness_classifier(profile)
    clfs = {"fluidity (both tails of p_hop)": fluidity_classifier(profile, T),
            "immobile vs random": fluidity_classifier(profile, T, rule="control"),
            "both tails of displacement": fluidity_classifier(profile, T, rule="displacement")}
    shifts = bias_shifts(profile)
    ts = test_set(profile, softness_p_l(profile))
    blocks = _blocks(ts)
    rows, summary, at_best = [], [], {}
    for name, clf in clfs.items():
        alpha = clf.decision(ts["X"])
        best, _ = classify.accuracy_around_best(alpha, ts["y"], shifts, b=clf.b)
        at_best[name] = alpha + best.shift          # decision at this classifier's best bias
        ci = stats.accuracy_ci(alpha, ts["y"], best.shift + shifts, n_boot=int(a["bootstrap"]), seed=_seed(profile),
                               clusters=blocks)
        rows.append(pd.DataFrame({"classifier": name, "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
        i0 = int(np.argmin(np.abs(shifts)))
        summary.append({"classifier": name, "T_train": T, "best_accuracy": best.accuracy,
                        "best_accuracy_lo": ci.low[i0], "best_accuracy_hi": ci.high[i0],
                        "similarity_to_softness": classify.similarity(soft, clf, scaling="a"),
                        "similarity_to_fluidity": classify.similarity(
                            clfs["fluidity (both tails of p_hop)"], clf, scaling="a")})
    ref = at_best["fluidity (both tails of p_hop)"]
    for row in summary[1:]:
        d = paired_accuracy_difference(at_best[row["classifier"]], ref, ts["y"], blocks,
                                       n_boot=int(a["bootstrap"]), seed=_seed(profile))
        row.update(diff_vs_fluidity=d.estimate, diff_lo=d.low, diff_hi=d.high)
        d95 = paired_accuracy_difference(at_best[row["classifier"]], ref, ts["y"], blocks,
                                         n_boot=int(a["bootstrap"]), seed=_seed(profile), alpha=0.05)
        row.update(diff_lo95=d95.low, diff_hi95=d95.high)
    return pd.concat(rows, ignore_index=True), pd.DataFrame(summary)
