"""Intervals for statistics of refitted classifiers: half-sampling by blocks, and the
similarity of two normals corrected for attenuation.

Why not the bootstrap. Resampling rows with replacement and refitting an SVM does not give
draws of the estimator that made the point value: a block bootstrap changes the number of
samples the penalty C multiplies, duplicated rows weigh twice in the hinge sum, and the
cosine of two noisy normals is biased low, so the replicates sat beside, not around, the
estimate (Table I at T = 1.0: 0.786 against [0.864, 0.946]).

**Half-sampling** (the delete-d jackknife of Shao & Wu 1989 with d = n/2). The units are the
blocks of :func:`glasshelpers.core.statistics.stats.labelled_block_ids` (one particle, one class, one p_hop
window of 11 tau), drawn *without replacement*: each split puts a random half of the
blocks of every class into half A, the rest into B, and every classifier is refitted on
each half with the same penalty per sample convention (:func:`glasshelpers.core.learning.classify.C_for`:
C x n fixed, so a half is the same estimator at n/2). A statistic theta gives
theta(A) and theta(B), two *independent* draws of the estimator at size m = n/2 (disjoint
sets of independent blocks). Their half-difference delta = (theta(A) - theta(B)) / 2 has
mean 0 exactly (A and B are exchangeable) and, for an estimator whose variance falls as
1/n, variance Var(theta_m) / 2 = Var(theta_n): the m-out-of-n rate correction
sqrt(m / (n - m)) equals 1 at m = n/2. The interval is therefore

    theta_hat +- t_{K-1}(1 - alpha/2) * sqrt(mean_k delta_k^2)

over K random splits (:func:`interval_columns`), centred on the full-sample estimate (which
it always contains). Different random splits give nearly independent deltas (the signs of
the assignments are independent), so the Monte Carlo error of an interval end is
half-width / sqrt(2K); :func:`half_sample_statistics` adds splits until every 95 % end is
stable to ``end_error`` (0.01 by default) or ``max_splits`` is reached, and reports it.
Assumptions: blocks independent (neighbouring particles are not: the same caveat as the
block bootstrap), variance ~ 1/n (a sqrt(n)-consistent estimator: true for an SVM at a
fixed C x n, the average accuracy and sigma_T), and delta close to normal (the t quantile).
b_best is the exception: its test-set part is the maximiser of a (kernel-smoothed)
accuracy, which converges as n^(-gamma) with gamma = :data:`glasshelpers.core.learning.maxscore.RATE`
= 2/5, so delta has variance Var(theta_n) 2^(2 gamma - 1) and its deltas are multiplied by
the rate correction 2^((1 - 2 gamma)/2) = 1.07 (:func:`rate_factor`; conservative for the
classifier-training part, which converges as n^(-1/2)). The exact argmax of the step
function (rate 1/3) would need 1.12 and is neither normal nor stable where the accuracy
curve is flat, hence the smoothed estimator (:mod:`glasshelpers.core.learning.maxscore`).

**Attenuation-corrected similarity.** A normal fitted on n samples is the population
direction w plus noise: ``w_hat = (w + e) / |w + e|`` with E e = 0 and ``E|e|^2 = tau^2 / n``
(noise concentrated over d ~ 100 directions, independent between data sets). Then
E[w_hat . w] = a(n) = (1 + tau^2/n)^(-1/2), and for two classifiers trained on independent
data E[w_hat_1 . w_hat_2] = a_1 a_2 cos(w_1, w_2): the raw cosine is attenuated. Two
normals fitted on disjoint halves of one class sample agree by r = a(n/2)^2 = 1 / (1 +
2 tau^2 / n) (the split-half reliability, :func:`split_half_reliability`); the reliability
of the full-size normal (the agreement of two independent full-size fits) follows as the
Spearman-Brown step rho = 2 r / (1 + r) = a(n)^2 (:func:`spearman_brown`). Hence

    cos_corrected = (w_hat_1 . w_hat_2) / sqrt(rho_1 rho_2),

Spearman's correction for attenuation with split-half reliabilities
(:func:`corrected_similarity`). Assumed: the noise has no mean along any direction
(E w_hat is along w; first order in 1/n), the two training sets are independent, and both
normals are in one common feature scaling. Its half-sample replicate uses the half-size
fits and the half-size reliabilities r directly: theta(A) = (w_hat_1(A) . w_hat_2(A)) /
sqrt(r_1 r_2). The reliabilities are averaged over the K splits (their own sampling noise
is left out of the interval; on synthetic data the intervals still cover, see
``tests/test_halfsample.py``). Corrected values can exceed 1 by noise; they are clipped to
[-1, 1] with their intervals. Where a normal's split-half agreement is below
:data:`MIN_RELIABILITY` the correction is not determined and the similarity is NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.learning.maxscore import RATE as B_BEST_RATE, smoothed_best_bias
from glasshelpers.core.learning.scoring import best_bias, crossfit_best_accuracy, similarity as _similarity
from glasshelpers.core.statistics.stats import half_split

#: Default target for the Monte Carlo error of the interval ends.
END_ERROR = 0.01
#: Smallest split-half agreement r of a normal for which the similarity is corrected: below
#: it the correction factor of one normal exceeds 1/sqrt(SB(0.2)) = 1.7 and is a ratio with a
#: noisy denominator near zero (tiny: r = -0.12 ... 0.13); the corrected value is then NaN
#: (undetermined by these data) and ``similarity_raw`` still reported.
MIN_RELIABILITY = 0.2


# ----------------------------------------------------------------------------- intervals

def rate_factor(rate: float) -> float:
    """Factor on the half-differences of an estimator that converges as n^-rate:
    2^((1 - 2 rate)/2) (1 for the usual rate 1/2; module docstring)."""
    return float(2.0 ** ((1.0 - 2.0 * float(rate)) / 2.0))


def _t(level: float, k: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, max(k - 1, 1)))


def half_width(deltas, level: float = 0.95) -> float:
    """t_{K-1} quantile times sqrt(mean delta^2) of the finite half-differences (NaN if
    fewer than 2 or more than 5 % of them are not finite)."""
    d = np.asarray(deltas, dtype=float)
    ok = np.isfinite(d)
    if ok.sum() < 2 or ok.mean() < 0.95:
        return float("nan")
    return _t(level, int(ok.sum())) * float(np.sqrt(np.mean(d[ok] ** 2)))


def interval_columns(name: str, estimate: float, deltas, clip=None) -> dict:
    """The result columns of one statistic: ``name`` (the estimate), ``name_lo``/``_hi``
    (68 %), ``name_lo95``/``_hi95``, ``name_lo90``/``_hi90`` (for equivalence tests), ``name_se`` (the standard error sqrt(mean delta^2)) and
    ``name_end_error`` (Monte Carlo error of the 95 % ends, half-width / sqrt(2K)).
    ``clip`` = (low, high) bounds the estimate and its interval (a cosine, an accuracy)."""
    d = np.asarray(deltas, dtype=float)
    k = int(np.isfinite(d).sum())
    h68, h90, h95 = half_width(d, 0.6827), half_width(d, 0.90), half_width(d, 0.95)
    est = float(estimate)
    vals = [est, est - h68, est + h68, est - h95, est + h95, est - h90, est + h90]
    if clip is not None:
        vals = [float(np.clip(v, *clip)) if np.isfinite(v) else v for v in vals]
    out = dict(zip((name, f"{name}_lo", f"{name}_hi", f"{name}_lo95", f"{name}_hi95", f"{name}_lo90",
                    f"{name}_hi90"), vals))
    out[f"{name}_se"] = float(np.sqrt(np.mean(d[np.isfinite(d)] ** 2))) if k else float("nan")
    out[f"{name}_end_error"] = h95 / np.sqrt(2 * k) if k and np.isfinite(est) else float("nan")
    return out


# ----------------------------------------------------------------------------- attenuation

def spearman_brown(r):
    """Reliability of a full-size estimate from the split-half agreement r: 2 r / (1 + r)
    (NaN where r <= 0: the halves do not agree, the correction is undefined)."""
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r > 0, 2 * r / (1 + r), np.nan)
    return float(out) if out.ndim == 0 else out


def corrected_similarity(cos, r_a, r_b):
    """Attenuation-corrected cosine cos / sqrt(SB(r_a) SB(r_b)) from the split-half
    reliabilities r_a, r_b of the two normals (module docstring); not clipped."""
    return np.asarray(cos, dtype=float) / np.sqrt(spearman_brown(r_a) * spearman_brown(r_b))


def split_half_reliability(clf_a, clf_b, scaling) -> float:
    """Cosine between two normals fitted on disjoint halves of one sample, in ``scaling``."""
    return _similarity(clf_a, clf_b, scaling=scaling)


# ----------------------------------------------------------------------------- the engine

def _halves(X, y, mask, fit):
    return fit(X[mask], y[mask]), fit(X[~mask], y[~mask])


def _one_split(train, full, test, populations, fit, ref, rng):
    """Half fits of every training set and the half values of each statistic, one split:
    dict key -> {stat: (value_A, value_B)}, and the reliabilities key -> r (in the full
    reference classifier's scaling)."""
    fits = {}
    for key, ds in train.items():
        m = half_split(ds["blocks"], ds["y"], rng)
        fits[key] = _halves(ds["X"], ds["y"], m, fit[key] if isinstance(fit, dict) else fit)
    tmask = half_split(test["blocks"], test["y"], rng) if test is not None else None
    vals, rel = {}, {}
    for key, (ca, cb) in fits.items():
        v = {}
        if ref is not None:
            rel[key] = split_half_reliability(ca, cb, full[ref].scale)
            if key != ref:       # each half in its own reference scaling, as the full estimate
                v["similarity"] = (_similarity(fits[ref][0], ca, scaling="a"),
                                   _similarity(fits[ref][1], cb, scaling="a"))
                v["similarity_own"] = (float(fits[ref][0].w_hat @ ca.w_hat), float(fits[ref][1].w_hat @ cb.w_hat))
        v["w_norm"] = (float(ca.w_norm), float(cb.w_norm))
        v["b"] = (float(ca.b), float(cb.b))
        v["b_raw"] = (float(ca.b * ca.w_norm), float(cb.b * cb.w_norm))
        if test is not None:
            sides = [(c, test["X"][m], test["y"][m], test["blocks"][m]) for c, m in ((ca, tmask), (cb, ~tmask))]
            v["best_accuracy"] = tuple(crossfit_best_accuracy(c.decision(X), yy, bl, seed=rng) for c, X, yy, bl in sides)
            v["b_best"] = tuple(smoothed_best_bias(c.decision(X), yy, b=c.b).b_best for c, X, yy, _ in sides)
            v["b_best_raw"] = (v["b_best"][0] * ca.w_norm, v["b_best"][1] * cb.w_norm)
        if populations is not None and key in populations:
            F, cl = populations[key]          # std ignores the offset: project on w_raw only
            pm = half_split(cl, None, rng)
            v["sigma_T"] = (float(np.std((F @ ca.w_raw)[pm])), float(np.std((F @ cb.w_raw)[~pm])))
            v["sigma_T_raw"] = (v["sigma_T"][0] * ca.w_norm, v["sigma_T"][1] * cb.w_norm)
        vals[key] = v
    return vals, rel


def half_sample_statistics(train: dict, full: dict, fit, *, ref=None, test: dict | None = None,
                           populations: dict | None = None, pairs=(), max_splits: int = 200, min_splits: int = 20,
                           batch: int = 10, end_error: float = END_ERROR, seed: int = 0) -> pd.DataFrame:
    """Estimates and half-sampling intervals of the statistics of refitted classifiers.

    Parameters
    ----------
    train : dict key -> labelled set (``X`` (n, d) raw features, ``y`` (n,) labels,
        ``blocks`` (n,) block ids, one class per block).
    full : dict key -> the classifier fitted on the whole set (the point estimates).
    fit : callable (X, y) -> HyperplaneClassifier, or a dict key -> callable; it must
        apply the profile's penalty convention for the set size it is given.
    ref : key of the reference classifier (softness): adds ``similarity`` (attenuation
        corrected, in the reference's standardised scaling), ``similarity_raw`` (the plain
        cosine of the full fits, no interval), ``similarity_plain`` (the same plain cosine
        with its interval), ``similarity_own`` (the plain dot product of the two unit normals,
        each in its own classifier's standardised features: the paper's w_hat_S . w_hat_alpha)
        and ``reliability`` (split-half agreement of each normal).
    test : labelled set (``X``, ``y``, ``blocks``), optional: adds ``b_best`` (the bias that
        maximises the kernel-smoothed accuracy on it, :mod:`glasshelpers.core.learning.maxscore`; total
        bias, distance units of the unit normal), ``b_best_raw`` (the same bias in units of the
        SVM's own decision function, ``b_best |w|``), ``best_accuracy_in_sample`` (the maximum of the
        plain accuracy over the bias, optimistic) and ``best_accuracy``
        (at a best bias chosen on the other half of the test set,
        :func:`glasshelpers.core.learning.scoring.crossfit_best_accuracy`; the one with an interval).
    populations : dict key -> (features (m, d), cluster ids (m,)), optional: adds
        ``sigma_T``, the std of the classifier's output over the population (distance units),
        and ``sigma_T_raw`` (the same in decision-function units, ``sigma_T |w|``).
        Every key also gets ``w_norm``, the norm ``|w|`` of the fitted SVM in standardised features, and
        the trained bias ``b`` (distance units) and ``b_raw`` (decision-function units).
    pairs : (key_a, key_b) pairs, with ``test``: adds to key_a's row ``best_accuracy_diff``,
        the cross-fitted accuracy of a minus that of b on the same test set, whose
        half-sample replicates pair the two on the same test half in every split (so the
        interval is that of the difference, training noise of both classifiers included).
    max_splits, min_splits, batch, end_error : splits are drawn ``batch`` at a time, at least
        ``min_splits``, until every 95 % end has a Monte Carlo error <= ``end_error`` or
        ``max_splits`` are drawn.
    seed : seeds the splits.

    Returns
    -------
    DataFrame, one row per key: ``key``, ``n_splits`` and, per statistic, the columns of
    :func:`interval_columns`.
    """
    rng = np.random.default_rng(seed)
    halves = {k: {} for k in train}
    rels = {k: [] for k in train}
    k_done = 0
    while True:
        for _ in range(batch):
            vals, rel = _one_split(train, full, test, populations, fit, ref, rng)
            for key, v in vals.items():
                for stat, (a, b) in v.items():
                    halves[key].setdefault(stat, []).append((a, b))
            for key, r in rel.items():
                rels[key].append(r)
        k_done += batch
        table = _table(train, full, halves, rels, ref, test, populations, k_done, pairs)
        worst = np.nanmax(table.filter(like="_end_error").to_numpy(float), initial=0.0)
        if k_done >= max_splits or (k_done >= min_splits and worst <= end_error):
            return table


def _deltas(h: dict, stat: str) -> np.ndarray:
    """Half-sample deltas (value_A - value_B) / 2 of one statistic over the splits."""
    return (h[stat][:, 0] - h[stat][:, 1]) / 2


def _table(train, full, halves, rels, ref, test, populations, k_done, pairs=()):
    rows = []
    acc_full = {}
    rbar = {k: float(np.mean(v)) if v else np.nan for k, v in rels.items()}
    for key, clf in full.items():
        row = {"key": key, "n_splits": k_done}
        h = {s: np.asarray(v, dtype=float) for s, v in halves[key].items()}
        row.update(interval_columns("w_norm", float(clf.w_norm), _deltas(h, "w_norm")))
        row.update(interval_columns("b", float(clf.b), _deltas(h, "b")))
        row.update(interval_columns("b_raw", float(clf.b * clf.w_norm), _deltas(h, "b_raw")))
        if ref is not None:
            row["reliability"] = rbar[key]
            if key == ref:
                zero = np.zeros(k_done)
                row.update(similarity_raw=1.0, **interval_columns("similarity", 1.0, zero),
                           **interval_columns("similarity_plain", 1.0, zero),
                           **interval_columns("similarity_own", 1.0, zero))
            else:
                raw = _similarity(full[ref], clf, scaling="a")
                est = corrected_similarity(raw, rbar[ref], rbar[key])
                if min(rbar[ref], rbar[key]) < MIN_RELIABILITY:
                    est = np.nan
                with np.errstate(invalid="ignore"):
                    d = (h["similarity"][:, 0] - h["similarity"][:, 1]) / 2 / np.sqrt(rbar[ref] * rbar[key])
                row.update(similarity_raw=raw, **interval_columns("similarity", est, d, clip=(-1.0, 1.0)))
                row.update(interval_columns("similarity_plain", raw, _deltas(h, "similarity"), clip=(-1.0, 1.0)))
                row.update(interval_columns("similarity_own", float(full[ref].w_hat @ clf.w_hat),
                                            _deltas(h, "similarity_own"), clip=(-1.0, 1.0)))
        if test is not None:
            a = clf.decision(test["X"])
            b = best_bias(a, test["y"], b=clf.b)
            acc = crossfit_best_accuracy(a, test["y"], test["blocks"], seed=0)
            acc_full[key] = acc
            row["best_accuracy_in_sample"] = b.accuracy
            row.update(interval_columns("best_accuracy", acc, (h["best_accuracy"][:, 0] - h["best_accuracy"][:, 1]) / 2,
                                        clip=(0.0, 1.0)))
            b_best = smoothed_best_bias(a, test["y"], b=clf.b).b_best
            row.update(interval_columns("b_best", b_best, _deltas(h, "b_best") * rate_factor(B_BEST_RATE)))
            row.update(interval_columns("b_best_raw", b_best * clf.w_norm,
                                        _deltas(h, "b_best_raw") * rate_factor(B_BEST_RATE)))
        if populations is not None and key in populations:
            est = float(np.std(populations[key][0] @ clf.w_raw))
            row.update(interval_columns("sigma_T", est, _deltas(h, "sigma_T")))
            row.update(interval_columns("sigma_T_raw", est * clf.w_norm, _deltas(h, "sigma_T_raw")))
        rows.append(row)
    by_key = {r["key"]: r for r in rows}
    for a_key, b_key in pairs if test is not None else ():
        ha, hb = (np.asarray(halves[k]["best_accuracy"], dtype=float) for k in (a_key, b_key))
        d = ((ha[:, 0] - hb[:, 0]) - (ha[:, 1] - hb[:, 1])) / 2
        by_key[a_key].update(diff_reference=b_key,
                             **interval_columns("best_accuracy_diff", acc_full[a_key] - acc_full[b_key], d))
    return pd.DataFrame(rows)


__all__ = ["half_split", "half_width", "rate_factor", "interval_columns", "spearman_brown", "corrected_similarity",
           "split_half_reliability", "half_sample_statistics", "END_ERROR", "MIN_RELIABILITY"]
