"""Half-sampling of the whole chain behind Fig. 4: classifiers, b_best, sigma_T, x_alpha, P_R, Kramers lines.

The barriers Delta_E(x_alpha) and prefactors Sigma(x_alpha) of a classifier rest on a chain
of estimates: the classifier's normal and bias (its training set), b_best (the T = 0.47 test
set), sigma_T (the population at its training temperature), and the rearrangement counts
per bin and temperature (the feature banks). A bootstrap of the counts alone holds the
first three fixed. Here every link is halved at once, as in
:mod:`glasshelpers.core.learning.halfsample`: each split draws a random half A of the
blocks of every training set (within each class), of the test set and of the particle
clusters of every bank, and the complement B; on each half the classifiers are refitted,
b_best and sigma_T recomputed, every bank sample of that half re-scored and re-binned, and
the Kramers lines refitted (weights from binomial errors). A statistic gives theta(A) and
theta(B), independent draws at half size, and delta = (theta(A) - theta(B)) / 2 has the
variance of the full-size estimator (for a 1/n variance); the interval is

    theta_hat +- t_{K-1}(1 - alpha/2) sqrt(mean_k delta_k^2)

about the full-sample estimate. The deltas of several classifiers in one split are paired
(the same halves of the banks and of the test set), so their covariance is that of the
estimates, and the collapse of Delta_E or Sigma across classifiers is a chi2 with that
covariance (:func:`collapse_test`).

Everything here takes arrays and callables; units: x_alpha dimensionless, Delta_E in
epsilon_AA, Sigma dimensionless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sstats

from glasshelpers.core.barriers.kramers import fit_kramers
from glasshelpers.core.barriers.rearrangement import bin_index
from glasshelpers.core.learning.halfsample import half_width
from glasshelpers.core.learning.maxscore import smoothed_best_bias
from glasshelpers.core.learning.scoring import x_alpha
from glasshelpers.core.statistics.stats import half_split


@dataclass
class ChainHalves:
    """Half-sample deltas of the whole chain.

    - delta_E, delta_S : dict classifier -> (n_splits, n_bins) arrays of (theta(A) -
      theta(B)) / 2 for Delta_E (epsilon_AA) and Sigma; NaN where a half could not be
      fitted in that bin.
    - n_splits : splits drawn.
    """

    delta_E: dict
    delta_S: dict
    n_splits: int

    def half_width(self, key, which: str = "E", level: float = 0.95) -> np.ndarray:
        """Per bin, the half-sampling half-width of every other interval of the book
        (:func:`glasshelpers.core.learning.halfsample.half_width`: t_{K-1} quantile x
        sqrt(mean delta^2); NaN with fewer than 2 finite deltas or more than 5 % of the
        splits unfittable in that bin, where the fitted halves are a selected subset)."""
        d = (self.delta_E if which == "E" else self.delta_S)[key]
        return np.array([half_width(d[:, j], level) for j in range(d.shape[1])])


def calibrate(clf, test_X, test_y, population_X) -> tuple[float, float]:
    """(b_best, sigma_T) of a classifier: the smoothed best bias on a test set
    (:func:`glasshelpers.core.learning.maxscore.smoothed_best_bias`) and the standard
    deviation of its output over a population (distance units)."""
    bb = smoothed_best_bias(clf.decision(test_X), test_y, b=clf.b).b_best
    return float(bb), float(np.std(np.asarray(population_X) @ clf.w_raw))


def kramers_lines(T_arr, banks, masks, x_of, edges, T_max=None, min_count: int = 30):
    """Kramers lines (Sigma, Delta_E), each (n_bins,), of the bank samples in ``masks``
    (dict T -> bool mask) with x_alpha from ``x_of(T, mask)``; P_R per temperature and bin
    with binomial errors (cells under ``min_count`` samples left out), then
    :func:`glasshelpers.core.barriers.kramers.fit_kramers` over T < T_max. NaN where a bin
    cannot be fitted."""
    nb = edges.size - 1
    P = np.full((T_arr.size, nb), np.nan)
    err = np.full_like(P, np.nan)
    for i, T in enumerate(T_arr):
        m = masks[T]
        b = bin_index(x_of(T, m), edges)
        ok = b >= 0
        n = np.bincount(b[ok], minlength=nb).astype(float)
        k = np.bincount(b[ok], weights=banks[T]["rearranged"][m][ok].astype(float), minlength=nb)
        good = n >= min_count
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(good, k / n, np.nan)
            P[i] = p
            err[i] = np.where(good, np.sqrt(np.maximum(p * (1 - p), 1.0 / n ** 2) / n), np.nan)
    try:
        f = fit_kramers(T_arr, P, err, T_max=T_max, nan_policy="omit")
    except ValueError:
        return np.full(nb, np.nan), np.full(nb, np.nan)
    return np.asarray(f.Sigma, float), np.asarray(f.Delta_E, float)


def whole_chain_halves(train: dict, test: dict, banks: dict, fit, edges, *, T_max: float | None = None,
                       min_bin_count: int = 30, n_splits: int = 20, seed: int = 0) -> ChainHalves:
    """Half-sample the whole chain (see the module docstring).

    Parameters
    ----------
    train : dict classifier key (its training temperature) -> ``X`` (n, d) raw features,
        ``y`` (n,) labels 0/1, ``blocks`` (n,) block ids (one class per block).
    test : the T = 0.47 test set, ``X``, ``y``, ``blocks``.
    banks : dict T -> ``X`` (m, d) features of the bank samples, ``clusters`` (m,) particle
        clusters, ``rearranged`` (m,) bool; must hold every training temperature (its bank
        is the population of sigma_T).
    fit : callable (X, y) -> classifier with ``decision(X)`` (distance units), ``b`` and
        ``w_raw`` (raw-feature normal), or a dict key -> callable (the profile's penalty
        convention for the size it gets).
    edges : x_alpha bin edges.
    T_max : fits use T < T_max (None: every temperature).
    min_bin_count : cells of a half with fewer samples are left out (half the full analysis's).
    n_splits, seed : splits and their seed.
    """
    edges = np.asarray(edges, dtype=float)
    T_arr = np.array(sorted(banks), dtype=float)
    rng = np.random.default_rng(seed)
    dE = {key: [] for key in train}
    dS = {key: [] for key in train}
    for _ in range(int(n_splits)):
        bmask = {T: half_split(banks[T]["clusters"], None, rng) for T in T_arr}
        tmask = half_split(test["blocks"], test["y"], rng)
        for key, ds in train.items():
            f = fit[key] if isinstance(fit, dict) else fit
            m = half_split(ds["blocks"], ds["y"], rng)
            lines = []
            for half, tm in ((m, tmask), (~m, ~tmask)):
                clf = f(ds["X"][half], ds["y"][half])
                side = {T: (bmask[T] if half is m else ~bmask[T]) for T in T_arr}
                bb, sig = calibrate(clf, test["X"][tm], test["y"][tm], banks[float(key)]["X"][side[float(key)]])

                def x_of(T, mask, clf=clf, bb=bb, sig=sig):
                    return x_alpha(clf.decision(banks[T]["X"][mask]), clf.b, bb, sig)

                lines.append(kramers_lines(T_arr, banks, side, x_of, edges, T_max, min_bin_count))
            (sa, ea), (sb, eb) = lines
            dE[key].append((ea - eb) / 2)
            dS[key].append((sa - sb) / 2)
    return ChainHalves({k: np.array(v) for k, v in dE.items()}, {k: np.array(v) for k, v in dS.items()},
                       int(n_splits))


def collapse_test(estimates: dict, deltas: dict) -> dict:
    """Chi2 of the classifiers' values about their mean, bin by bin, with the covariance of
    their paired half-sample deltas, summed over bins.

    estimates : dict classifier -> (n_bins,) point values; deltas : dict classifier ->
    (n_splits, n_bins). Returns ``chi2``, ``dof``, ``p_value`` (NaN without any bin held by
    two classifiers)."""
    keys = list(estimates)
    nb = len(next(iter(estimates.values())))
    chi2, dof = 0.0, 0
    for j in range(nb):
        ks = [k for k in keys if np.isfinite(estimates[k][j]) and np.isfinite(deltas[k][:, j]).sum() >= 3]
        if len(ks) < 2:
            continue
        D = np.column_stack([deltas[k][:, j] for k in ks])
        D = D[np.isfinite(D).all(axis=1)]
        if len(D) < len(ks) + 1:
            continue
        cov = D.T @ D / len(D)
        e = np.array([estimates[k][j] for k in ks])
        # contrasts against the mean: c = A e with A = I - 1/n, rank n - 1
        A = np.eye(len(ks)) - 1.0 / len(ks)
        c, C = A @ e, A @ cov @ A.T
        chi2 += float(c @ np.linalg.pinv(C, rcond=1e-10) @ c)
        dof += len(ks) - 1
    return {"chi2": chi2, "dof": dof, "p_value": float(sstats.chi2.sf(chi2, dof)) if dof else np.nan}
