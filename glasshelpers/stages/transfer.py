"""Stage 5, transfer to the supercooled liquid (Fig. 2, Table I): each classifier on the
T = 0.47 test set with its bias re-optimised, sigma_T, the similarity of normals, their
block-bootstrap intervals, and the van Hove function of the Fig. 2 inset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import scoring, stats
from ..classify import train_classifier
from ..scoring import similarity
from ..datasets import fluidity_training_set, softness_p_l, softness_training_set, test_set
from ..dynamics import van_hove_self
from ..stagedata import load_bank, load_trajectory
from ..training import all_classifiers
from .common import bias_shifts, blocks as _blocks, seed as _seed


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
        best, _ = scoring.accuracy_around_best(alpha, ts["y"], shifts, b=clf.b)
        ci = scoring.accuracy_ci(alpha, ts["y"], best.shift + shifts, n_boot=int(profile["analysis"]["bootstrap"]),
                               seed=_seed(profile), clusters=_blocks(ts))
        rows.append(pd.DataFrame({"T": T, "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
        i0 = int(np.argmin(np.abs(shifts)))
        best_rows.append({"T": T, "b": clf.b, "b_best": best.b_best, "best_accuracy": best.accuracy,
                          "best_accuracy_lo": ci.low[i0], "best_accuracy_hi": ci.high[i0],
                          "accuracy_at_trained_b": scoring.accuracy_vs_bias(alpha, ts["y"], [0.0])[0]})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(best_rows)


def best_biases(profile, classifiers: dict | None = None) -> pd.DataFrame:
    """b_best and the best accuracy of each classifier on the T = 0.47 test set (no bootstrap)."""
    clfs = classifiers or all_classifiers(profile)
    ts = test_set(profile, softness_p_l(profile))
    rows = []
    for T, clf in clfs.items():
        best = scoring.best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
        rows.append({"T": T, "b": clf.b, "b_best": best.b_best, "best_accuracy": best.accuracy})
    return pd.DataFrame(rows)


def sigma_alphas(profile, classifiers: dict | None = None) -> dict:
    """sigma_alpha of each classifier over all A particles (feature bank) at its training T."""
    clfs = classifiers or all_classifiers(profile)
    out = {}
    for T, clf in clfs.items():
        X = load_bank(profile, T)["features"]
        out[T] = scoring.sigma_alpha(clf.decision(X.reshape(-1, X.shape[-1])))
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
                     "similarity": scoring.similarity(soft, clf, scaling="a"),
                     "best_accuracy": float(bb["best_accuracy"])})
    return pd.DataFrame(rows)


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
        bb = stats.bootstrap_ci(lambda x, yy: scoring.best_bias(x, yy, b=clf.b).b_best, a, ts["y"],
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

