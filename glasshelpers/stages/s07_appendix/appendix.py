"""Stage 7, the appendix controls (Figs. 6-8): accuracy against C and the tail
fraction, the immobile-vs-random and displacement controls, iid against block interval
widths, and how sigma_T depends on q and C (the sigma_T factor scans that need new
labels or MD are in :mod:`glasshelpers.stages.s07_appendix.sigma_factors`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.learning import halfsample, maxscore, scoring
from glasshelpers.core.statistics import stats
from glasshelpers.core.learning.classify import train_classifier
from glasshelpers.core.dynamics.dynamics import PHOP_SPAN
from glasshelpers.products.labelled import fluidity_training_set, softness_p_l, test_set
from glasshelpers.products.banks import load_bank
from glasshelpers.products.classifiers import cv_penalty, fluidity_classifier, refit, softness_classifier
from glasshelpers.stages.common import bias_shifts, blocks as _blocks, seed as _seed


#: Samples per class of the paper's fluidity sets: the size at which the paper states C.
PAPER_N_PER_CLASS = 5200


def accuracy_vs_C(profile) -> pd.DataFrame:
    """Fig. 6: five-fold CV accuracy (trained bias) vs C for three tail fractions.

    ``analysis.appendix_C`` holds C as the paper states it, for its sets of 5200 per class;
    each is applied at the same C x n (``C_applied`` = C x 5200 / samples per class of a
    fold's training part), so the scan covers the paper's regularisation range whatever the
    set size. Columns q, C (paper's scale), C_times_n, C_applied, accuracy and its errors."""
    a = profile.analysis
    T = a.appendix_temperature
    k = int(profile.classifiers.cv_folds)
    rows = []
    for q in a.appendix_fractions:
        ds = fluidity_training_set(profile, T, q=q, n_per_class=a.appendix_per_class, make=True)
        for C in a.appendix_C:
            C_applied = float(C) * PAPER_N_PER_CLASS / (len(ds["y"]) / 2 * (k - 1) / k)
            scan = scoring.cv_accuracy_vs_bias(ds["X"], ds["y"], [0.0], C=C_applied,
                                                folds=int(profile.classifiers.cv_folds), seed=_seed(profile),
                                               groups=_blocks(ds))
            ci = scoring.accuracy_ci(scan.heldout_alpha, ds["y"], [0.0], n_boot=int(a.bootstrap), seed=_seed(profile),
                                   clusters=_blocks(ds))
            rows.append({"q": float(q), "C": float(C), "C_times_n": float(C) * PAPER_N_PER_CLASS,
                         "C_applied": C_applied, "accuracy": float(scan.mean[0]),
                         "accuracy_err": float(scan.sem[0]), "accuracy_lo": float(ci.low[0]),
                         "accuracy_hi": float(ci.high[0])})
    return pd.DataFrame(rows)


def accuracy_vs_bias_fractions(profile) -> pd.DataFrame:
    """Fig. 7: CV accuracy vs bias shift at the profile's C for three tail fractions."""
    a = profile.analysis
    T = a.appendix_temperature
    shifts = bias_shifts(profile)
    rows = []
    for q in a.appendix_fractions:
        ds = fluidity_training_set(profile, T, q=q, n_per_class=a.appendix_per_class, make=True)
        scan = scoring.cv_accuracy_vs_bias(ds["X"], ds["y"], shifts,
                                           C=cv_penalty(profile, "fluidity", len(ds["y"]) / 2),
                                           folds=int(profile.classifiers.cv_folds), seed=_seed(profile),
                                           groups=_blocks(ds))
        ci = scoring.accuracy_ci(scan.heldout_alpha, ds["y"], shifts, n_boot=int(a.bootstrap), seed=_seed(profile),
                               clusters=_blocks(ds))
        rows.append(pd.DataFrame({"q": float(q), "shift": shifts, "accuracy": scan.mean, "accuracy_err": scan.sem,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
    return pd.concat(rows, ignore_index=True)


def control_transfer(profile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fig. 8 and the displacement control: classifiers trained at the appendix T with
    other labels, tested on the T = 0.47 set, against the fluidity classifier."""
    a = profile.analysis
    T = float(a.appendix_temperature)
    soft = softness_classifier(profile)
    clfs = {"fluidity (both tails of p_hop)": fluidity_classifier(profile, T),
            "immobile vs random": fluidity_classifier(profile, T, rule="control", make=True),
            "both tails of displacement": fluidity_classifier(profile, T, rule="displacement", make=True)}
    shifts = bias_shifts(profile)
    ts = test_set(profile, softness_p_l(profile))
    blocks = _blocks(ts)
    rows, summary, at_best = [], [], {}
    for name, clf in clfs.items():
        alpha = clf.decision(ts["X"])
        best = maxscore.smoothed_best_bias(alpha, ts["y"], b=clf.b)
        at_best[name] = alpha + best.shift          # decision at this classifier's best bias
        ci = scoring.accuracy_ci(alpha, ts["y"], best.shift + shifts, n_boot=int(a.bootstrap), seed=_seed(profile),
                               clusters=blocks)
        rows.append(pd.DataFrame({"classifier": name, "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
        i0 = int(np.argmin(np.abs(shifts)))
        summary.append({"classifier": name, "T_train": T, "best_accuracy": best.accuracy,
                        "best_accuracy_lo": ci.low[i0], "best_accuracy_hi": ci.high[i0],
                        "similarity_to_softness": scoring.similarity(soft, clf, scaling="a"),
                        "similarity_to_fluidity": scoring.similarity(
                            clfs["fluidity (both tails of p_hop)"], clf, scaling="a")})
    hs = control_half_sampling(profile, clfs, ts)
    for row in summary:
        h = hs.loc[row["classifier"]]
        row.update(best_accuracy_crossfit=h["best_accuracy"], best_accuracy_crossfit_lo95=h["best_accuracy_lo95"],
                   best_accuracy_crossfit_hi95=h["best_accuracy_hi95"], n_splits=int(h["n_splits"]))
        if row is summary[0]:
            continue
        row.update(diff_vs_fluidity=h["best_accuracy_diff"], diff_lo=h["best_accuracy_diff_lo"],
                   diff_hi=h["best_accuracy_diff_hi"], diff_lo95=h["best_accuracy_diff_lo95"],
                   diff_hi95=h["best_accuracy_diff_hi95"])
        # the test-set-only paired bootstrap at each classifier's in-sample best bias (the
        # classifiers held fixed: no training noise), for comparison with the refitted difference
        d95 = paired_accuracy_difference(at_best[row["classifier"]], at_best["fluidity (both tails of p_hop)"],
                                         ts["y"], blocks, n_boot=int(a.bootstrap), seed=_seed(profile), alpha=0.05)
        row.update(diff_fixed_in_sample=d95.estimate, diff_fixed_lo95=d95.low, diff_fixed_hi95=d95.high)
    return pd.concat(rows, ignore_index=True), pd.DataFrame(summary)


#: Training rule of each Fig. 8 classifier.
CONTROL_RULES = {"fluidity (both tails of p_hop)": "fluidity", "immobile vs random": "control",
                 "both tails of displacement": "displacement"}


def control_half_sampling(profile, clfs: dict, ts: dict) -> pd.DataFrame:
    """Half-sampling intervals (:func:`glasshelpers.core.learning.halfsample.half_sample_statistics`) of
    the Fig. 8 classifiers: each training set at the appendix T and the T = 0.47 test set
    halved by blocks, every classifier refitted on its halves at the profile's C x n, the
    cross-fitted transfer accuracy of each and its difference from the fluidity classifier
    (paired on the same test half). Indexed by classifier name."""
    a = profile.analysis
    T = float(a.appendix_temperature)
    train = {}
    for name in clfs:
        ds = fluidity_training_set(profile, T, rule=CONTROL_RULES[name], make=True)
        train[name] = {"X": ds["X"], "y": ds["y"], "blocks": _blocks(ds)}
    test = {"X": ts["X"], "y": ts["y"], "blocks": _blocks(ts)}
    ref = "fluidity (both tails of p_hop)"
    fits = {name: refit(profile, CONTROL_RULES[name]) for name in clfs}
    out = halfsample.half_sample_statistics(train, clfs, fits, test=test, pairs=[(n, ref) for n in clfs if n != ref],
                                            max_splits=int(a.half_splits), end_error=float(a.interval_end_error),
                                            seed=_seed(profile, 17))
    return out.set_index("key")


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


def accuracy_width_comparison(profile, classifier=None) -> pd.DataFrame:
    """68 % interval of the T = 0.47 test accuracy at b_best, iid vs block bootstrap,
    for the softness classifier and the fluidity classifier at the appendix T."""
    ts = test_set(profile, softness_p_l(profile))
    n_boot = int(profile.analysis.bootstrap)
    rows = []
    for name, clf in (("softness", softness_classifier(profile)),
                      (f"fluidity T = {profile.analysis.appendix_temperature:g}",
                       fluidity_classifier(profile, float(profile.analysis.appendix_temperature)))):
        a = clf.decision(ts["X"])
        best = maxscore.smoothed_best_bias(a, ts["y"], b=clf.b)
        iid = scoring.accuracy_ci(a, ts["y"], [best.shift], n_boot=n_boot, seed=_seed(profile))
        blk = scoring.accuracy_ci(a, ts["y"], [best.shift], n_boot=n_boot, seed=_seed(profile), clusters=_blocks(ts))
        rows.append(dict(quantity=f"test accuracy at b_best ({name})", block_tau=PHOP_SPAN,
                         n=int(len(np.unique(_blocks(ts)))),
                         median_ratio=float(stats.interval_width_ratio(blk, iid)[0]),
                         iid_width=float(iid.high[0] - iid.low[0]), block_width=float(blk.high[0] - blk.low[0])))
    return pd.DataFrame(rows)


def sigma_T_dependence(profile, T: float | None = None, qs=None, Cs=None, n_per_class: int | None = None,
                       paper_scale: bool = True) -> pd.DataFrame:
    """How sigma_T of a fluidity classifier depends on what differs from the paper.

    For each tail fraction q and penalty C, a fluidity classifier is trained at T (same
    rule, ``n_per_class`` samples per class for every q so that only q changes) and
    sigma_T = std of its output over all A particles of the feature bank at T is
    measured in two feature scalings: ``sigma_T`` (the classifier's own standardiser,
    fitted on its training set, as in Table I) and ``sigma_T_population`` (the same
    hyperplane with features standardised over all particles at T). The accuracy on the
    T = 0.47 test set at b_best is reported too. With ``paper_scale`` (default) each C is
    the paper's, for 5200 per class, applied at the same C x n (``C_applied`` = C x 5200 / n);
    without, C is applied as given (the fixed-C convention).

    Returns q, C, C_applied, C_times_n (applied C x n), n_per_class, sigma_T,
    sigma_T_population, b_best, best_accuracy.
    """
    a = profile.analysis
    T = float(a.appendix_temperature if T is None else T)
    qs = list(a.appendix_fractions if qs is None else qs)
    Cs = list(a.appendix_C if Cs is None else Cs)
    n = int(n_per_class or a.appendix_per_class)
    bank = load_bank(profile, T)
    X = bank["features"].reshape(-1, bank["features"].shape[-1]).astype(float)
    s_pop = X.std(axis=0)
    s_pop[s_pop == 0] = 1.0
    ts = test_set(profile, softness_p_l(profile))
    rows = []
    for q in qs:
        ds = fluidity_training_set(profile, T, q=q, n_per_class=n, make=True)
        for C in Cs:
            C_applied = float(C) * PAPER_N_PER_CLASS / n if paper_scale else float(C)
            clf = train_classifier(ds["X"], ds["y"], C=C_applied, seed=int(profile.seed))
            alpha = clf.decision(X)
            w_raw = clf.w_hat / clf.scale
            best = maxscore.smoothed_best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
            rows.append(dict(T=T, q=float(q), C=float(C), C_applied=C_applied, C_times_n=C_applied * n,
                             n_per_class=n, sigma_T=float(np.std(alpha)),
                             sigma_T_population=float(np.std(X @ w_raw) / np.linalg.norm(w_raw * s_pop)),
                             b_best=best.b_best, best_accuracy=best.accuracy))
    return pd.DataFrame(rows)

