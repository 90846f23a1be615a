"""Stage 4, fluid-phase classification (Figs. 1 and 5): cross-validated accuracy of each
fluidity classifier at its training temperature, the softness classifier on the same
sets, and the fluidity distributions over all temperatures.

Conventions: alpha = w_hat . F_std + b (positive = rearranging / extremely diffusive);
bias shifts are added to alpha. Every function returns a tidy DataFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.learning import scoring
from glasshelpers.products.labelled import fluidity_training_set
from glasshelpers.products.banks import load_bank
from glasshelpers.products.classifiers import cv_penalty, fluidity_classifier, softness_classifier
from glasshelpers.stages.common import bias_shifts, blocks as _blocks, seed as _seed


def cv_bias_scans(profile) -> pd.DataFrame:
    """Fig. 1 main panel: five-fold CV accuracy vs bias shift of each fluidity classifier.

    C follows the profile's C x n convention for the size each fold trains on. Folds are
    grouped by particle x p_hop window (one event never on both sides of a split,
    :func:`glasshelpers.core.learning.scoring.cv_accuracy_vs_bias`). ``accuracy`` is the pooled held-out accuracy (each sample scored by the fold classifier
    that did not see it), ``accuracy_lo``/``accuracy_hi`` its bootstrap interval over
    samples, and ``accuracy_err`` the standard error over folds."""
    shifts = bias_shifts(profile)
    rows = []
    for T in profile.analysis.fig1_temperatures:
        ds = fluidity_training_set(profile, T)
        scan = scoring.cv_accuracy_vs_bias(ds["X"], ds["y"], shifts,
                                           C=cv_penalty(profile, "fluidity", len(ds["y"]) / 2), folds=int(profile.classifiers.cv_folds), seed=_seed(profile),
                                           groups=_blocks(ds))
        ci = scoring.accuracy_ci(scan.heldout_alpha, ds["y"], shifts, n_boot=int(profile.analysis.bootstrap),
                                 seed=_seed(profile), clusters=_blocks(ds))
        rows.append(pd.DataFrame({"T": float(T), "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_err": scan.sem, "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
    return pd.concat(rows, ignore_index=True)


def cv_grouping_effect(profile) -> pd.DataFrame:
    """How much grouped folds change Fig. 1's accuracies: the best pooled held-out
    accuracy over the bias scan of each fluidity classifier, with folds drawn sample by
    sample (ungrouped folds, where consecutive frames of one event sit on both sides of a
    split) and grouped by particle x p_hop window (the scheme used), same C, seed and
    shifts. Returns T, random_folds, grouped_folds, difference (grouped - random)."""
    shifts = bias_shifts(profile)
    rows = []
    for T in profile.analysis.fig1_temperatures:
        ds = fluidity_training_set(profile, T)
        best = {}
        for name, groups in (("random_folds", None), ("grouped_folds", _blocks(ds))):
            scan = scoring.cv_accuracy_vs_bias(ds["X"], ds["y"], shifts,
                                               C=cv_penalty(profile, "fluidity", len(ds["y"]) / 2),
                                               folds=int(profile.classifiers.cv_folds), seed=_seed(profile),
                                               groups=groups)
            best[name] = float(scoring.accuracy_vs_bias(scan.heldout_alpha, ds["y"], shifts).max())
        rows.append(dict(T=float(T), **best, difference=best["grouped_folds"] - best["random_folds"]))
    return pd.DataFrame(rows)


def softness_on_fluid_sets(profile) -> pd.DataFrame:
    """Fig. 1 inset: the softness classifier on each temperature's extreme-event set."""
    shifts = bias_shifts(profile)
    clf = softness_classifier(profile)
    rows = []
    for T in profile.analysis.fig1_temperatures:
        ds = fluidity_training_set(profile, T)
        alpha = clf.decision(ds["X"])
        ci = scoring.accuracy_ci(alpha, ds["y"], shifts, n_boot=int(profile.analysis.bootstrap),
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
    clfs = {T: fluidity_classifier(profile, T) for T in profile.analysis.fig5_training}
    rows = []
    for T in profile.temperatures:
        X = load_bank(profile, T)["features"]
        X = X.reshape(-1, X.shape[-1])
        for Tt, clf in clfs.items():
            a = clf.decision(X)
            h, e = np.histogram(a, bins=bins, range=(-4, 4), density=True)
            rows.append(pd.DataFrame({"T_train": float(Tt), "T": float(T), "x": 0.5 * (e[1:] + e[:-1]),
                                      "density": h, "mean": a.mean(), "std": a.std()}))
    return pd.concat(rows, ignore_index=True)

