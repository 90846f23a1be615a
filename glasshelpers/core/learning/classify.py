"""Linear soft-margin SVM classifiers: softness and fluidity (the book, Methods: classifiers).

This module holds the classifier and its training; scoring its decision function
(accuracy vs bias, the best bias, cross-validated scans, x_alpha, similarity) is in
:mod:`glasshelpers.core.learning.scoring`.

A classifier is a hyperplane in the space of *standardised* structure features. For
a particle with raw feature vector ``F`` (shape ``(100,)``, see the book, Methods: structure features) its
output is the signed distance to the hyperplane,

    alpha = w_hat . F_std + b,      F_std = (F - mean) / scale,

with ``w_hat`` the unit normal and ``b`` the bias, both in units of the
standardised feature space (a distance in "standard deviations"). Positive alpha
means rearranging (softness) or extremely diffusive (fluidity); labels are ``1``
for that class and ``0`` for the other.

Sign convention. The paper writes ``alpha = w . F - b``; this package writes
``alpha = w_hat . F_std + b``. Our ``b`` therefore corresponds to ``-b`` in the
paper's formula. See :func:`glasshelpers.reference.paper.table1` for the comparison.

Choice of solver (measured on 10 400 x 100 standardised, correlated Gaussian
samples with overlapping classes, 2 cores, scikit-learn 1.9):

===========================================  =========  =================  =========
solver, C = 0.01                             fit time   b                  w . w_ref
===========================================  =========  =================  =========
``SVC(kernel='linear')`` (libsvm)            3.5 s      -0.0454            1 (ref)
``LinearSVC(loss='hinge')``, intercept x 1   0.12 s     -0.0445            0.99999
``LinearSVC(loss='hinge')``, intercept x 10  0.32 s     -0.0455            0.999999
``LinearSVC(loss='squared_hinge')``          0.23 s     (other objective)
===========================================  =========  =================  =========

Through :func:`train_classifier` (10 400 x 100, C = 0.01, same machine, loaded by
other jobs): libsvm 2.5 s (training accuracy 0.78) to 6-11 s (accuracy 0.65; the
time grows with the number of support vectors, i.e. with class overlap), and 14-17 s
for a five-fold scan; liblinear 0.25-0.75 s per fit and 0.7-2.2 s per scan.

``SVC(kernel='linear')`` solves the textbook soft-margin problem
``min |w|^2 / 2 + C sum_i max(0, 1 - y_i (w.x_i + b))`` exactly, with an
unpenalised bias. liblinear (``LinearSVC``) adds the bias as an extra feature of
value ``intercept_scaling`` and so *regularises* it; with ``intercept_scaling = 10``
it agrees with libsvm to ~1e-3 in ``b`` and 1e-5 in direction at C = 0.01 and is
ten times faster, but it stops converging for C >~ 1 and disagrees for C <~ 1e-3
(there the bias of a balanced set is nearly undetermined anyway). The default is
therefore the exact solver, ``solver="libsvm"``; ``solver="liblinear"`` is offered
for fast scans (e.g. over C or many folds). libsvm becomes slow at large C (116 s
at C = 10 on the same data).

Why not a scikit-learn estimator. :class:`HyperplaneClassifier` is the *fitted result*,
not an estimator: a standardiser, a unit normal and a bias, stored without pickle (npz)
and read back identically on any machine, so that later stages and other runs compare
the very same hyperplane. Fitting is :func:`train_classifier`, a function of the training
set and C that wraps scikit-learn's ``SVC`` / ``LinearSVC`` on standardised features
(scikit-learn's own ``decision_function`` is ``|w|`` times :meth:`HyperplaneClassifier.decision`);
:attr:`HyperplaneClassifier.scaler` gives the equivalent fitted ``StandardScaler``.
Estimator conventions (parameters in ``__init__``, ``fit`` returning ``self``, learned
state ending in ``_``) would add a mutable object around a record that must not change
once a stage has written it.

Balance policy. Training sets must be balanced (the book, Methods: p_hop and labels): the hinge loss and
hence the bias depend on the class proportions, and accuracy is only a meaningful
score (chance = 0.5) on balanced sets. :func:`train_classifier` refuses a set whose
class counts differ by more than ``max(1, max_imbalance * n)`` (default
``max_imbalance = 0.01``); pass ``max_imbalance=None`` to skip the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Default misclassification penalty (the paper's C).
DEFAULT_C = 0.01
#: The paper's C x (samples per class): C = 0.01 with 5200 per class (fluidity, 10 400
#: samples) and 3800 per class (softness, 7600 samples).
PAPER_C_TIMES_N = {"fluidity": DEFAULT_C * 5200, "softness": DEFAULT_C * 3800}
#: liblinear's intercept scaling used by ``solver="liblinear"`` (see module docstring).
LIBLINEAR_INTERCEPT_SCALING = 10.0
SOLVERS = ("libsvm", "liblinear")


# ----------------------------------------------------------------------------- checks

def _as_features(X, name="X") -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {X.shape})")
    bad = ~np.isfinite(X)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        raise ValueError(
            f"{name} has {int(bad.sum())} non-finite values (NaN/inf) in {rows.size} samples, "
            f"first rows {rows[:5].tolist()}; features must be finite"
        )
    return X


def _as_labels(y, n: int | None = None, name="y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {y.shape}")
    if n is not None and y.shape[0] != n:
        raise ValueError(f"{name} has {y.shape[0]} labels but there are {n} samples")
    if y.size == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if y.dtype == bool:
        return y.astype(np.int8)
    if not np.issubdtype(y.dtype, np.number) or not np.isin(y, (0, 1)).all():
        vals = np.unique(y)[:5].tolist()
        raise ValueError(f"{name} must contain only 0 and 1 (1 = rearranging/extremely diffusive), got values {vals}")
    return y.astype(np.int8)


def _require_two_classes(y: np.ndarray, what: str):
    n1 = int(y.sum())
    n0 = int(y.size - n1)
    if n0 == 0 or n1 == 0:
        raise ValueError(
            f"{what} has only one class ({n0} negatives, {n1} positives); both classes are needed"
        )
    return n0, n1


def check_balance(y, max_imbalance: float | None = 0.01) -> tuple[int, int]:
    """Refuse a labelled set whose classes are not balanced.

    Parameters
    ----------
    y : array of {0, 1}, shape (n,)
    max_imbalance : float or None
        Largest allowed ``|n_1 - n_0| / n``; a difference of one sample is always
        allowed (odd ``n``). ``None`` disables the check.

    Returns
    -------
    (n_0, n_1) : class counts.
    """
    y = _as_labels(y)
    n0, n1 = _require_two_classes(y, "training set")
    if max_imbalance is not None:
        n = n0 + n1
        if abs(n1 - n0) > max(1.0, max_imbalance * n):
            raise ValueError(
                f"training set is unbalanced: {n0} negatives vs {n1} positives "
                f"(|difference|/n = {abs(n1 - n0) / n:.3g} > max_imbalance = {max_imbalance}); "
                "balance the classes or pass max_imbalance=None"
            )
    return n0, n1


def C_for(C_times_n: float, n_per_class: float) -> float:
    """The penalty C for a set of ``n_per_class`` samples per class at a fixed C x n.

    Convention. scikit-learn's soft margin minimises
    ``|w|^2 / 2 + C sum_i hinge_i``, i.e. ``(C n_total) * [ |w|^2 / (2 C n_total) +
    mean_i hinge_i ]``: what sets the hyperplane is the regularisation per unit of mean
    loss, ``lambda = 1 / (C n)``. A profile therefore fixes ``C x n`` (n = samples per
    class; the paper's 0.01 x 5200 = 52 for fluidity, 0.01 x 3800 = 38 for softness) and
    every set, whatever its size, is trained with ``C = C_times_n / n``: a demo set of 1500
    per class gets C = 0.035, half of it (half-sampling) 0.069, and all of them aim at the
    same population hyperplane the paper's sets did. A fixed C would instead regularise a
    smaller set more strongly (C n = 15 at C = 0.01, n = 1500).

    Parameters
    ----------
    C_times_n : float > 0, penalty times samples per class (dimensionless).
    n_per_class : float > 0, samples per class of the set (the mean of the two classes).
    """
    if not C_times_n > 0 or not n_per_class > 0:
        raise ValueError(f"C_times_n and n_per_class must be positive, got {C_times_n!r}, {n_per_class!r}")
    return float(C_times_n) / float(n_per_class)


# ----------------------------------------------------------------------------- classifier

@dataclass(frozen=True, eq=False)
class HyperplaneClassifier:
    """A trained linear classifier: standardisation plus a hyperplane.

    Attributes
    ----------
    w_hat : ndarray, shape (d,)
        Unit normal of the hyperplane in standardised feature space.
    b : float
        Bias as a signed distance (``intercept / |w|``), same units as alpha.
    mean, scale : ndarray, shape (d,)
        The standardiser fitted on the training set: ``F_std = (F - mean) / scale``
        (features of zero variance get ``scale = 1``, as in scikit-learn).
    C : float
        Misclassification penalty used.
    solver : str
        ``"libsvm"`` or ``"liblinear"``.
    n_train : tuple of int
        Training class counts ``(n_0, n_1)``.
    train_accuracy : float
        Accuracy on the training set at the trained bias.
    w_norm : float
        ``|w|`` of the fitted SVM in standardised space (margin half-width = ``1/|w|``).
    meta : dict
        Free-form provenance (training temperature, label rule, ...).
    """

    w_hat: np.ndarray
    b: float
    mean: np.ndarray
    scale: np.ndarray
    C: float = DEFAULT_C
    solver: str = "libsvm"
    n_train: tuple = (0, 0)
    train_accuracy: float = float("nan")
    w_norm: float = float("nan")
    meta: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.w_hat.shape[0])

    def _check_X(self, X) -> np.ndarray:
        X = _as_features(X)
        if X.shape[1] != self.n_features:
            raise ValueError(f"X has {X.shape[1]} features, classifier expects {self.n_features}")
        return X

    def standardise(self, X) -> np.ndarray:
        """Raw features ``(n, d)`` -> standardised features with the training scaler."""
        X = self._check_X(X)
        return (X - self.mean) / self.scale

    def project(self, X) -> np.ndarray:
        """``w_hat . F_std`` for each sample (alpha without the bias), shape (n,)."""
        return self.standardise(X) @ self.w_hat

    def decision(self, X, b: float | None = None) -> np.ndarray:
        """Signed distance alpha = w_hat . F_std + b for raw features X, shape (n,).

        ``b`` replaces the trained bias if given (e.g. ``b_best``).
        """
        return self.project(X) + (self.b if b is None else float(b))

    def predict(self, X, db: float = 0.0) -> np.ndarray:
        """Labels (1 = rearranging) predicted with the bias shifted by ``db``."""
        return (self.decision(X) + db > 0).astype(np.int8)

    def x_alpha(self, X, b_best: float, sigma: float) -> np.ndarray:
        """x_alpha = (w_hat . F_std + b_best) / sigma_alpha (the book, Methods: Table I's quantities)."""
        return (self.project(X) + b_best) / sigma

    @property
    def scaler(self):
        """A fitted :class:`sklearn.preprocessing.StandardScaler` equal to ours."""
        from sklearn.preprocessing import StandardScaler

        s = StandardScaler()
        s.mean_ = self.mean.copy()
        s.scale_ = self.scale.copy()
        s.var_ = self.scale ** 2
        s.n_features_in_ = self.n_features
        s.n_samples_seen_ = int(sum(self.n_train))
        return s

    @property
    def w_raw(self) -> np.ndarray:
        """Normal of the hyperplane in raw feature coordinates, ``w_hat / scale``.

        Not unit length: ``alpha = w_raw . (F - mean) + b``.
        """
        return self.w_hat / self.scale

    def normal_in(self, scale) -> np.ndarray:
        """Unit normal of this hyperplane in another per-feature scaling.

        If the raw features are expressed as ``F' = (F - m') / scale'`` the
        hyperplane's normal there is ``w_raw * scale'``; this returns it normalised.
        ``scale = 1`` gives the unit normal in raw feature space.
        """
        scale = np.broadcast_to(np.asarray(scale, dtype=float), self.w_hat.shape)
        v = self.w_raw * scale
        return v / np.linalg.norm(v)

    def to_dict(self) -> dict:
        """Plain dict of arrays, numbers and strings.

        Suitable for ``np.savez(path, **clf.to_dict())`` and loading back with
        ``np.load(path)`` (no pickling: ``meta`` is stored as a JSON string).
        """
        import json

        return dict(w_hat=np.asarray(self.w_hat), b=float(self.b), mean=np.asarray(self.mean),
                    scale=np.asarray(self.scale), C=float(self.C), solver=str(self.solver),
                    n_train=np.asarray(self.n_train, dtype=np.int64), train_accuracy=float(self.train_accuracy),
                    w_norm=float(self.w_norm), meta_json=json.dumps(self.meta, sort_keys=True, default=float))

    @classmethod
    def from_dict(cls, d) -> "HyperplaneClassifier":
        """Inverse of :meth:`to_dict`; accepts a dict or an ``NpzFile``."""
        import json

        def get(k, default):
            return d[k] if k in d else default

        return cls(w_hat=np.asarray(d["w_hat"], dtype=float), b=float(d["b"]),
                   mean=np.asarray(d["mean"], dtype=float), scale=np.asarray(d["scale"], dtype=float),
                   C=float(get("C", DEFAULT_C)), solver=str(np.asarray(get("solver", "libsvm")).item()),
                   n_train=tuple(int(v) for v in np.asarray(get("n_train", (0, 0))).ravel()),
                   train_accuracy=float(get("train_accuracy", np.nan)), w_norm=float(get("w_norm", np.nan)),
                   meta=json.loads(str(np.asarray(get("meta_json", "{}")).item())))


def _make_svm(C, solver, seed, tol, cache_size):
    from sklearn.svm import SVC, LinearSVC

    if solver == "libsvm":
        return SVC(kernel="linear", C=C, tol=tol, cache_size=cache_size, random_state=seed)
    if solver == "liblinear":
        return LinearSVC(C=C, loss="hinge", dual=True, tol=tol * 1e-1,
                         intercept_scaling=LIBLINEAR_INTERCEPT_SCALING, max_iter=200_000,
                         random_state=seed)
    raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")


def train_classifier(X, y, C: float = DEFAULT_C, seed: int = 0, *, solver: str = "libsvm",
                     max_imbalance: float | None = 0.01, tol: float = 1e-3,
                     cache_size: float = 500, meta: dict | None = None) -> HyperplaneClassifier:
    """Fit a standardiser and a linear soft-margin SVM on a labelled set.

    Parameters
    ----------
    X : array, shape (n, d)
        Raw structure features (the book, Methods: structure features), finite.
    y : array of {0, 1} or bool, shape (n,)
        1 = rearranging / extremely diffusive, 0 = the other class.
    C : float
        Misclassification penalty (paper: 0.01).
    seed : int
        Random state passed to the solver (liblinear shuffles coordinates).
    solver : {"libsvm", "liblinear"}
        Exact ``SVC(kernel="linear")`` or faster ``LinearSVC(loss="hinge")``; see
        the module docstring for the measured trade-off.
    max_imbalance : float or None
        Balance tolerance, see :func:`check_balance`.
    tol : float
        Solver stopping tolerance.
    cache_size : float
        libsvm kernel cache in MB.
    meta : dict, optional
        Stored on the classifier.

    Returns
    -------
    HyperplaneClassifier

    Raises
    ------
    ValueError
        Empty set, wrong shapes, non-finite features, labels other than 0/1, one
        class only, unbalanced classes, or a degenerate (zero) normal.
    """
    X = _as_features(X)
    y = _as_labels(y, X.shape[0])
    n0, n1 = check_balance(y, max_imbalance)
    if not C > 0:
        raise ValueError(f"C must be positive, got {C!r}")
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    scale = np.where(std > 0, std, 1.0)  # scikit-learn's convention for constant features
    Xs = (X - mean) / scale
    svm = _make_svm(C, solver, seed, tol, cache_size)
    svm.fit(Xs, y)
    w = np.asarray(svm.coef_, dtype=float).ravel()
    norm = float(np.linalg.norm(w))
    if not norm > 0:
        raise ValueError("the SVM normal vanished (|w| = 0): the classes are not distinguishable by these features at this C")
    w_hat = w / norm
    b = float(np.ravel(svm.intercept_)[0]) / norm
    acc = float(np.mean(((Xs @ w_hat + b) > 0) == (y == 1)))
    return HyperplaneClassifier(w_hat=w_hat, b=b, mean=mean, scale=scale, C=float(C), solver=solver,
                                n_train=(n0, n1), train_accuracy=acc, w_norm=norm, meta=dict(meta or {}))


__all__ = ["DEFAULT_C", "PAPER_C_TIMES_N", "C_for", "HyperplaneClassifier", "train_classifier", "check_balance"]
