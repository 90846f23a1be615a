"""Scoring a classifier's decision function: accuracy vs bias, the best bias, cross-validated
bias scans, the rescaled output x_alpha and the similarity of two classifiers (the book, Methods: classifiers).

The classifiers themselves and their training are in :mod:`glasshelpers.core.learning.classify`. Here a
classifier enters through its outputs ``alpha`` (signed distances to the hyperplane, in
standardised feature units) on a labelled set, or as a
:class:`~glasshelpers.core.learning.classify.HyperplaneClassifier` where its normal is needed.

* :func:`accuracy_vs_bias`, :func:`best_bias`, :func:`accuracy_around_best`: accuracy of
  "positive when alpha + db > 0" on a labelled set, exactly (by sorting).
* :func:`cv_accuracy_vs_bias`: the same under k-fold cross-validation (Fig. 1).
* :func:`sigma_alpha`, :func:`x_alpha`: the rescaled distance x_alpha of the Kramers analysis.
* :func:`similarity`: cosine between two classifiers' normals in one feature scaling.
* :func:`bias_shifts`: the default grid of bias shifts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glasshelpers.core.statistics import stats
from glasshelpers.core.learning.classify import (DEFAULT_C, HyperplaneClassifier, _as_features, _as_labels, _require_two_classes, check_balance,
                       train_classifier)


# ----------------------------------------------------------------------------- accuracy vs bias

def _alpha_labels(alpha, y, what="test set"):
    alpha = np.asarray(alpha, dtype=float)
    if alpha.ndim != 1:
        raise ValueError(f"alpha must be 1-D, got shape {alpha.shape}")
    if alpha.size == 0:
        raise ValueError(f"{what} is empty (0 samples)")
    if not np.isfinite(alpha).all():
        raise ValueError(f"alpha has {int((~np.isfinite(alpha)).sum())} non-finite values")
    y = _as_labels(y, alpha.size)
    _require_two_classes(y, what)
    return alpha, y


def accuracy_vs_bias(alpha, y, shifts) -> np.ndarray:
    """Accuracy of "positive when alpha + db > 0" for each bias shift db.

    Parameters
    ----------
    alpha : array, shape (n,)
        Classifier outputs (signed distances) of a labelled set.
    y : array of {0, 1}, shape (n,)
        True labels; both classes must be present.
    shifts : array, shape (m,)
        Bias shifts db, same units as alpha.

    Returns
    -------
    ndarray, shape (m,): fraction correctly classified at each shift (exact, by
    sorting; no balance correction).
    """
    alpha, y = _alpha_labels(alpha, y)
    shifts = np.atleast_1d(np.asarray(shifts, dtype=float))
    a1 = np.sort(alpha[y == 1])
    a0 = np.sort(alpha[y == 0])
    thr = -shifts  # positive iff alpha > thr
    correct_pos = a1.size - np.searchsorted(a1, thr, side="right")
    correct_neg = np.searchsorted(a0, thr, side="right")
    return (correct_pos + correct_neg) / alpha.size


@dataclass(frozen=True)
class BestBias:
    """Result of :func:`best_bias`.

    b_best : total bias maximising accuracy (replaces the trained b).
    accuracy : the maximal accuracy.
    shift : ``b_best - b``, the shift relative to the bias passed in.
    """

    b_best: float
    accuracy: float
    shift: float


def best_bias(alpha, y, b: float = 0.0) -> BestBias:
    """The bias that maximises accuracy on a labelled set, found exactly.

    With projections ``p = alpha - b = w_hat . F_std`` the prediction with bias
    ``b'`` is positive iff ``p > -b'``. Accuracy is piecewise constant in the
    threshold ``t = -b'`` and changes only at the sorted distinct values of ``p``,
    so every candidate is scanned: thresholds at the midpoints between consecutive
    distinct projections, plus one below the smallest and one above the largest
    (half the mean gap beyond them). ``b_best = -t`` for the best threshold. Ties
    (several intervals with equal accuracy) go to the smallest ``|b_best - b|``.

    Parameters
    ----------
    alpha : array, shape (n,)
        Classifier outputs on the set, computed with bias ``b``.
    y : array of {0, 1}, shape (n,)
        Labels; both classes required.
    b : float
        Bias that was included in ``alpha`` (the trained bias); 0 if alpha is the
        bare projection.

    Returns
    -------
    BestBias(b_best, accuracy, shift)
    """
    alpha, y = _alpha_labels(alpha, y)
    p = alpha - b
    order = np.argsort(p, kind="stable")
    ps, ys = p[order], y[order]
    u, first = np.unique(ps, return_index=True)
    n1_total = int(ys.sum())
    n0_total = int(ys.size - n1_total)
    # cumulative counts of each class with p <= u_j
    c1 = np.cumsum(ys)
    c0 = np.arange(1, ys.size + 1) - c1
    last = np.r_[first[1:], ys.size] - 1
    n1_le, n0_le = c1[last], c0[last]
    # candidate j = -1 .. m-1: threshold just above u_j (j=-1: below everything)
    correct = np.r_[n1_total, n0_le + (n1_total - n1_le)]
    gap = (u[-1] - u[0]) / (u.size - 1) if u.size > 1 else 1.0
    thresholds = np.r_[u[0] - gap / 2, (u[:-1] + u[1:]) / 2, u[-1] + gap / 2]
    best = np.flatnonzero(correct == correct.max())
    b_cand = -thresholds[best]
    k = best[np.argmin(np.abs(b_cand - b))]
    b_best = float(-thresholds[k])
    return BestBias(b_best=b_best, accuracy=float(correct[k] / ys.size), shift=b_best - float(b))


def accuracy_around_best(alpha, y, shifts, b: float = 0.0) -> tuple[BestBias, np.ndarray]:
    """Accuracy vs bias measured from the optimum (Figs. 2 and 8).

    Parameters
    ----------
    alpha : (n,) outputs on a labelled test set, computed with bias ``b``.
    y : (n,) labels.
    shifts : (m,) offsets s; the total bias is ``b_best + s``.
    b : the bias contained in ``alpha``.

    Returns
    -------
    (BestBias, accuracy at b_best + s for each s)
    """
    best = best_bias(alpha, y, b=b)
    shifts = np.atleast_1d(np.asarray(shifts, dtype=float))
    return best, accuracy_vs_bias(alpha, y, best.shift + shifts)


def crossfit_best_accuracy(alpha, y, blocks=None, *, n_splits: int = 4, seed=0) -> float:
    """Accuracy at a best bias chosen on *other* test samples (two-fold cross-fitting).

    The maximum over the bias of the accuracy on one set (:func:`best_bias`) is optimistic:
    the threshold is tuned to that set's noise (on synthetic sets of 60 per class: +0.03
    over the population accuracy, and above 0.5 for a classifier without skill). Here the
    set is halved (by ``blocks`` within each class; samples of one block stay together),
    the best bias is found on one half and scored on the other, both ways, and the
    sample-weighted mean over ``n_splits`` random halvings is returned. Slightly
    pessimistic instead (the bias is estimated from half the set: -0.015 in the same test).

    Parameters
    ----------
    alpha : (n,) classifier outputs on a labelled set.
    y : (n,) labels {0, 1}.
    blocks : (n,) block ids (one class per block), optional; default one block per sample.
    n_splits : random halvings averaged.
    seed : int or Generator.

    Returns
    -------
    float, fraction correct.
    """
    alpha, y = _alpha_labels(alpha, y)
    blocks = np.arange(alpha.size) if blocks is None else np.asarray(blocks)
    rng = np.random.default_rng(seed)
    correct = 0.0
    for _ in range(int(n_splits)):
        m = stats.half_split(blocks, y, rng)
        for fit_on, score_on in ((m, ~m), (~m, m)):
            t = _best_threshold(alpha[fit_on], y[fit_on])
            correct += float(np.sum((alpha[score_on] > t) == (y[score_on] == 1)))
    return correct / (int(n_splits) * alpha.size)


def _best_threshold(p, y) -> float:
    """The threshold of :func:`best_bias` (predict 1 when p > t) without its checks and tie
    rule (ties: the lowest threshold), for inner loops."""
    order = np.argsort(p, kind="stable")
    ps, ys = p[order], y[order].astype(np.int64)
    n1 = int(ys.sum())
    # accuracy with the threshold just above ps[j]: class 0 up to j right, class 1 beyond j right
    c1 = np.cumsum(ys)
    correct = (np.arange(1, ys.size + 1) - c1) + (n1 - c1)
    last = np.flatnonzero(np.diff(ps) > 0)              # thresholds between distinct values only
    cand = np.concatenate(([n1], correct[last], [correct[-1]]))
    k = int(np.argmax(cand))
    if k == 0:
        return float(ps[0] - 1.0)
    if k == cand.size - 1:
        return float(ps[-1] + 1.0)
    j = last[k - 1]
    return float(0.5 * (ps[j] + ps[j + 1]))


# ----------------------------------------------------------------------------- cross-validation

@dataclass(frozen=True)
class CVBiasScan:
    """Cross-validated accuracy as a function of bias shift.

    - shifts : (m,) bias shifts db.
    - per_fold : (folds, m) held-out accuracy of each fold's classifier.
    - biases : (folds,) trained bias b of each fold's classifier.
    - heldout_alpha : (n,) each sample's output from the fold classifier that did not see
      it (pooled held-out decisions: bootstrap them for accuracy intervals, see
      :func:`accuracy_ci`).
    """

    shifts: np.ndarray
    per_fold: np.ndarray
    biases: np.ndarray
    heldout_alpha: np.ndarray | None = None

    @property
    def mean(self) -> np.ndarray:
        return self.per_fold.mean(axis=0)

    @property
    def sem(self) -> np.ndarray:
        """Standard error of the fold mean (std over folds / sqrt(folds))."""
        k = self.per_fold.shape[0]
        return self.per_fold.std(axis=0, ddof=1) / np.sqrt(k) if k > 1 else np.full(self.shifts.shape, np.nan)


def cv_accuracy_vs_bias(X, y, shifts, C: float = DEFAULT_C, folds: int = 5, seed: int = 0, *,
                        solver: str = "libsvm", max_imbalance: float | None = 0.01,
                        n_jobs: int = 1, groups=None) -> CVBiasScan:
    """K-fold cross-validated accuracy vs bias shift (the book, Methods: classifiers; Fig. 1).

    The set is split with a shuffled, seeded :class:`~sklearn.model_selection.StratifiedKFold`,
    or, with ``groups``, a :class:`~sklearn.model_selection.StratifiedGroupKFold` that
    keeps every group in one fold (groups = one particle x one p_hop window,
    :func:`glasshelpers.core.statistics.stats.labelled_block_ids`: consecutive frames of one event never
    sit on both sides of a split); in each fold a fresh standardiser and SVM are fitted on the training part (as in
    :func:`~glasshelpers.core.learning.classify.train_classifier`) and :func:`accuracy_vs_bias` is evaluated on the
    held-out part, where ``db`` shifts each fold's own trained bias.

    Parameters
    ----------
    X, y : training set, see :func:`~glasshelpers.core.learning.classify.train_classifier` (balance checked once on the whole set).
    shifts : array (m,) of bias shifts.
    C, solver : SVM settings.
    folds : int, number of folds (>= 2).
    seed : int, seeds the split and the solver.
    n_jobs : int, folds run in parallel with joblib when > 1.
    groups : array (n,), optional; samples sharing a value are never split across folds.

    Returns
    -------
    CVBiasScan with ``mean``, ``per_fold`` (folds, m), ``sem`` and the fold biases.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    X = _as_features(X)
    y = _as_labels(y, X.shape[0])
    n0, n1 = check_balance(y, max_imbalance)
    if int(folds) != folds or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}")
    if min(n0, n1) < folds:
        raise ValueError(f"cannot make {folds} stratified folds from {n0} negatives and {n1} positives")
    shifts = np.atleast_1d(np.asarray(shifts, dtype=float))
    if groups is None:
        splits = list(StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=seed).split(X, y))
    else:
        groups = np.asarray(groups)
        if groups.shape != y.shape:
            raise ValueError(f"groups must have one entry per sample ({y.size}), got shape {groups.shape}")
        if np.unique(groups).size < folds:
            raise ValueError(f"cannot make {folds} grouped folds from {np.unique(groups).size} groups")
        splits = list(StratifiedGroupKFold(n_splits=int(folds), shuffle=True, random_state=seed).split(X, y, groups))

    def one(train, test):
        clf = train_classifier(X[train], y[train], C=C, seed=seed, solver=solver, max_imbalance=None)
        alpha = clf.decision(X[test])
        return accuracy_vs_bias(alpha, y[test], shifts), clf.b, alpha

    if n_jobs == 1:
        out = [one(tr, te) for tr, te in splits]
    else:
        from joblib import Parallel, delayed

        out = Parallel(n_jobs=n_jobs)(delayed(one)(tr, te) for tr, te in splits)
    heldout = np.empty(X.shape[0])
    for (_, test), o in zip(splits, out):
        heldout[test] = o[2]
    return CVBiasScan(shifts=shifts, per_fold=np.array([o[0] for o in out]),
                      biases=np.array([o[1] for o in out]), heldout_alpha=heldout)


# ----------------------------------------------------------------------------- x_alpha, similarity

def sigma_alpha(alpha_all, ddof: int = 0) -> float:
    """Standard deviation of alpha over all A particles (and frames) at the training T.

    Parameters
    ----------
    alpha_all : array
        Classifier outputs of every A particle at the classifier's training
        temperature (any shape; flattened). Shifting the bias does not change it.
    ddof : int
        Delta degrees of freedom (0: population standard deviation; irrelevant for
        the ~10^6 values used).
    """
    a = np.asarray(alpha_all, dtype=float).ravel()
    if a.size < 2:
        raise ValueError(f"need at least 2 values for a standard deviation, got {a.size}")
    if not np.isfinite(a).all():
        raise ValueError("alpha_all has non-finite values")
    return float(np.std(a, ddof=ddof))


def x_alpha(alpha, b: float, b_best: float, sigma: float) -> np.ndarray:
    """Rescaled classifier output x_alpha = (w_hat . F_std + b_best) / sigma_alpha.

    Parameters
    ----------
    alpha : array
        Classifier outputs computed with the trained bias ``b``.
    b : float
        The trained bias contained in ``alpha`` (removed here).
    b_best : float
        Total bias maximising accuracy on the T = 0.47 test set (:func:`best_bias`).
    sigma : float
        :func:`sigma_alpha` at the training temperature.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    return (np.asarray(alpha, dtype=float) - b + b_best) / sigma


def similarity(clf_a: HyperplaneClassifier, clf_b: HyperplaneClassifier, scaling="a") -> float:
    """Cosine between two classifiers' normals, in one common feature scaling.

    Each normal is mapped back to raw feature coordinates (``w_raw = w_hat / scale``,
    since ``w_hat . (F - m)/s = (w_hat/s) . (F - m)``), then into the common
    scaling ``s_c`` (``w_c = w_raw * s_c``), renormalised, and the two are dotted.

    Parameters
    ----------
    clf_a, clf_b : HyperplaneClassifier
    scaling : {"a", "b", "raw"} or HyperplaneClassifier or array (d,)
        Common scaling: ``"a"`` uses ``clf_a``'s standardiser (the book passes the
        softness classifier as ``clf_a``, so all similarities are measured in
        softness's standardised features, i.e. feature spreads at T = 0.45);
        ``"b"`` uses ``clf_b``'s; ``"raw"`` compares the raw-space normals; an
        array gives the per-feature scales directly.

    Returns
    -------
    float in [-1, 1]; 1 for a classifier with itself in any scaling.

    Notes
    -----
    The value depends on the scaling chosen (an inner product needs a metric).
    With a fitted scaling (``"a"``/``"b"``) it is invariant under any per-feature
    rescaling of the raw features (the standardisers absorb it); with ``"raw"``
    it is invariant only under rescaling all features by one common factor.
    """
    if clf_a.n_features != clf_b.n_features:
        raise ValueError(f"classifiers have {clf_a.n_features} and {clf_b.n_features} features")
    if isinstance(scaling, HyperplaneClassifier):
        s = scaling.scale
    elif isinstance(scaling, str):
        if scaling == "a":
            s = clf_a.scale
        elif scaling == "b":
            s = clf_b.scale
        elif scaling == "raw":
            s = np.ones(clf_a.n_features)
        else:
            raise ValueError(f"scaling must be 'a', 'b', 'raw', a classifier or an array, got {scaling!r}")
    else:
        s = np.asarray(scaling, dtype=float)
        if s.shape != (clf_a.n_features,) or not (s > 0).all():
            raise ValueError("a scaling array must have one positive entry per feature")
    return float(np.clip(clf_a.normal_in(s) @ clf_b.normal_in(s), -1.0, 1.0))


def bias_shifts(lo: float = -2.0, hi: float = 2.0, n: int = 81) -> np.ndarray:
    """An evenly spaced grid of bias shifts (default -2 .. 2 in steps of 0.05)."""
    return np.linspace(lo, hi, n)




def accuracy_ci(alpha_values, y, shifts, *, n_boot: int = 500, alpha: float = 0.32, seed: int = 0,
                stratified: bool = True, clusters=None) -> stats.BootstrapResult:
    """Bootstrap interval of accuracy vs bias shift on a labelled test set.

    Test samples are resampled (within each class when ``stratified``, so a balanced
    test set stays balanced) and :func:`glasshelpers.core.learning.scoring.accuracy_vs_bias` is
    recomputed at every shift.

    Parameters
    ----------
    alpha_values : (n,) classifier outputs on the test set.
    y : (n,) labels {0, 1}.
    shifts : (m,) bias shifts.
    clusters : (n,) block ids, optional
        Resample whole blocks (:func:`glasshelpers.core.statistics.stats.labelled_block_ids` builds them from the samples'
        particle and frame, per class). Without, samples are resampled independently.
    """
    y = np.asarray(y)
    shifts = np.atleast_1d(np.asarray(shifts, dtype=float))
    return stats.bootstrap_ci(lambda a, yy: accuracy_vs_bias(a, yy, shifts), alpha_values, y,
                        n_boot=n_boot, alpha=alpha, seed=seed, strata=y if stratified else None,
                        clusters=clusters)


__all__ = [
    "accuracy_vs_bias", "BestBias", "best_bias", "accuracy_around_best", "CVBiasScan", "cv_accuracy_vs_bias",
    "sigma_alpha", "x_alpha", "similarity", "bias_shifts", "accuracy_ci", "crossfit_best_accuracy",
]
