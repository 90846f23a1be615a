"""The classifiers of the book: products of stage 04 (``04_fluid_classification``), which
trains the profile's classifiers; stage 07 trains the variants of its controls (other C, q,
sizes, rules) with ``make=True`` itself. Every other caller reads them.

``softness`` is trained at T = 0.45 on the softness rule; ``fluidity`` at each fluidity
training temperature on the tails of p_hop. Each is stored in
``data/<profile>/models/`` (npz, no pickle) with the parameters of its training set.

The penalty follows the profile's convention (:func:`penalty`): C = C_times_n / n for a
set of n samples per class (``classifiers.C_times_n_softness`` for softness), unless
``classifiers.C`` fixes one C for every set.
"""

from __future__ import annotations

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.core.learning.classify import C_for, HyperplaneClassifier, train_classifier
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.paths import temperature_tag
from glasshelpers.pipeline.provenance import params_hash, profile_record
from glasshelpers.products.labelled import fluidity_training_set, is_profile_set, softness_p_l, softness_training_set
from glasshelpers.products.store import make_or_read, write_index as write_index_file

#: The stage that trains the profile's classifiers.
OWNER = "04_fluid_classification"


def penalty(profile: Profile, rule: str, n_per_class: float) -> float:
    """The SVM penalty C of a set of ``n_per_class`` samples per class labelled by ``rule``:
    ``classifiers.C`` if the profile fixes one, else C_times_n / n
    (:func:`glasshelpers.core.learning.classify.C_for`; softness uses ``C_times_n_softness``)."""
    cl = profile.classifiers
    if cl.C is not None:
        return float(cl.C)
    return C_for(cl.C_times_n_softness if rule == "softness" else cl.C_times_n, n_per_class)


def cv_penalty(profile: Profile, rule: str, n_per_class: float) -> float:
    """:func:`penalty` for the training part of a cross-validation fold: (folds - 1) / folds
    of a set of ``n_per_class`` per class (each fold's classifier is the same estimator at
    that size)."""
    k = int(profile.classifiers.cv_folds)
    return penalty(profile, rule, n_per_class * (k - 1) / k)


def paper_equivalent_C(profile: Profile) -> float:
    """The profile's fluidity penalty as the paper would state it: C for a set of the paper's
    5200 per class (0.01 by default; ``classifiers.C`` itself when the profile fixes one)."""
    cl = profile.classifiers
    return float(cl.C) if cl.C is not None else float(cl.C_times_n) / 5200.0


def refit(profile: Profile, rule: str, solver: str = "libsvm"):
    """``fit(X, y) -> HyperplaneClassifier`` with the profile's penalty for the size of the set
    it is given (half-sampling refits halves: C doubles, C x n stays)."""
    seed = int(profile.seed)

    def fit(X, y):
        return train_classifier(X, y, C=penalty(profile, rule, len(y) / 2), seed=seed, solver=solver,
                                max_imbalance=None)

    return fit


def model_file(profile: Profile, name: str, dataset_params: dict, C: float, solver: str = "libsvm") -> tuple:
    """``(path, params)`` of a classifier: its training parameters and the file named by
    their hash (:func:`glasshelpers.pipeline.paths.model_file`)."""
    params = {**dataset_params, "C": float(C), "solver": solver, "seed": int(profile.seed)}
    return paths.model_file(profile, name, params_hash(params)[:10]), params


def _softness_spec(profile: Profile, p_l: float) -> tuple:
    """``(name, training parameters, n per class)`` of the softness classifier."""
    lab = profile.labels
    return "softness", {"rule": "softness", "T": lab.softness_temperature, "p_l": p_l,
                        "n": lab.softness_per_class}, lab.softness_per_class


def _fluidity_spec(T: float, q: float, n: int, rule: str) -> tuple:
    """``(name, training parameters, n per class)`` of a fluidity classifier (or a variant)."""
    return f"{rule}_{temperature_tag(T)}", {"rule": rule, "T": float(T), "q": float(q), "n": int(n)}, int(n)


def write_index(profile: Profile, p_l: float):
    """Write the index of the profile's classifiers (softness and fluidity at every fluidity
    temperature, with the profile's penalty): the product the workflow declares for them
    (``models/classifiers.npz``). :func:`all_classifiers` writes it when it makes them."""
    lab = profile.labels
    specs = [_softness_spec(profile, p_l)]
    specs += [_fluidity_spec(T, lab.fluidity_q, lab.fluidity_per_class, "fluidity") for T in lab.fluidity_temperatures]
    entries = {name: model_file(profile, name, params, penalty(profile, params["rule"], n)) for name, params, n in specs}
    return write_index_file(paths.models_index_file(profile), entries, record=profile_record(profile))


def fit_cached(profile: Profile, name: str, dataset: dict | None, dataset_params: dict, C: float | None = None,
               solver: str = "libsvm", make: bool = False, n_per_class: float | None = None,
               owner: str = OWNER) -> HyperplaneClassifier:
    """Read a stored classifier, or (``make``) train it on ``dataset`` (a dict with X, y)
    and store it when absent. C defaults to :func:`penalty` for the set's rule and size
    (``n_per_class``, or half the set's length); a reader may pass ``dataset=None``
    with ``n_per_class``."""
    if C is None:
        n = n_per_class if n_per_class is not None else len(dataset["y"]) / 2
        C = penalty(profile, dataset_params.get("rule", "fluidity"), n)
    C = float(C)
    path, params = model_file(profile, name, dataset_params, C, solver)
    d = make_or_read(path, params, lambda: train_classifier(dataset["X"], dataset["y"], C=C, seed=int(profile.seed),
                                                            solver=solver, meta={"name": name, **dataset_params}).to_dict(),
                     make=make, owner=owner, record=profile_record(profile), what_if=bool(profile.overrides))
    return HyperplaneClassifier.from_dict(d)


def softness_classifier(profile: Profile, p_l: float | None = None, make: bool = False) -> HyperplaneClassifier:
    """The softness classifier (``make``: train it from stage 03's set when absent; stage 04 only)."""
    p_l = softness_p_l(profile) if p_l is None else p_l
    ds = softness_training_set(profile, p_l) if make or profile.overrides else None
    name, params, n = _softness_spec(profile, p_l)
    return fit_cached(profile, name, ds, params, make=make, n_per_class=n)


def fluidity_classifier(profile: Profile, T: float, q: float | None = None, n_per_class: int | None = None,
                        rule: str = "fluidity", C: float | None = None, solver: str = "libsvm", make: bool = False):
    """The fluidity classifier trained at T (or a variant: another q, size, rule, C or
    solver). ``make``: train it when absent, from a set the caller's stage may make
    itself only for a variant (stage 07); the profile's own sets come from stage 03."""
    lab = profile.labels
    q = lab.fluidity_q if q is None else q
    n = n_per_class or lab.fluidity_per_class
    own = is_profile_set(profile, rule, q, n)
    ds = (fluidity_training_set(profile, T, q=q, n_per_class=n, rule=rule, make=make and not own)
          if make or profile.overrides else None)
    variant = not own or C is not None or solver != "libsvm"
    name, params, n = _fluidity_spec(T, q, n, rule)
    return fit_cached(profile, name, ds, params, C=C, solver=solver, make=make,
                      n_per_class=n, owner="07_appendix" if variant else OWNER)


def all_classifiers(profile: Profile, make: bool = False) -> dict:
    """``{T_train: classifier}``: softness at T_softness, fluidity at every fluidity T.
    ``make`` (stage 04 only): train the missing ones and write their index
    (:func:`write_index`)."""
    lab = profile.labels
    p_l = softness_p_l(profile)
    out = {float(lab.softness_temperature): softness_classifier(profile, p_l, make=make)}
    for T in lab.fluidity_temperatures:
        out[float(T)] = fluidity_classifier(profile, T, make=make)
    if make:
        write_index(profile, p_l)
    return out
