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
                               seed=_seed(profile))
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
                               seed=_seed(profile))
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
                               seed=_seed(profile))
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
            ci = stats.accuracy_ci(scan.heldout_alpha, ds["y"], [0.0], n_boot=int(a["bootstrap"]), seed=_seed(profile))
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
        ci = stats.accuracy_ci(scan.heldout_alpha, ds["y"], shifts, n_boot=int(a["bootstrap"]), seed=_seed(profile))
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
    rows, summary = [], []
    for name, clf in clfs.items():
        alpha = clf.decision(ts["X"])
        best, _ = classify.accuracy_around_best(alpha, ts["y"], shifts, b=clf.b)
        ci = stats.accuracy_ci(alpha, ts["y"], best.shift + shifts, n_boot=int(a["bootstrap"]), seed=_seed(profile))
        rows.append(pd.DataFrame({"classifier": name, "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
        i0 = int(np.argmin(np.abs(shifts)))
        summary.append({"classifier": name, "T_train": T, "best_accuracy": best.accuracy,
                        "best_accuracy_lo": ci.low[i0], "best_accuracy_hi": ci.high[i0],
                        "similarity_to_softness": classify.similarity(soft, clf, scaling="a"),
                        "similarity_to_fluidity": classify.similarity(
                            clfs["fluidity (both tails of p_hop)"], clf, scaling="a")})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(summary)
