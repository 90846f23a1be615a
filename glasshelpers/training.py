"""The classifiers of the book, trained once per profile and cached.

``softness`` is trained at T = 0.45 on the softness rule; ``fluidity`` at each fluidity
training temperature on the tails of p_hop. Each is stored in
``data/<profile>/models/`` (npz, no pickle) with the parameters of its training set.
"""

from __future__ import annotations

from .cache import cached
from .classify import HyperplaneClassifier, train_classifier
from .datasets import fluidity_training_set, softness_p_l, softness_training_set
from . import paths
from .paths import temperature_tag
from .provenance import params_hash, profile_record


def fit_cached(profile: dict, name: str, dataset: dict, dataset_params: dict, C: float | None = None,
               solver: str = "libsvm") -> HyperplaneClassifier:
    """Train (or load) a classifier on ``dataset`` (a dict with X, y)."""
    C = float(profile["classifiers"]["C"] if C is None else C)
    params = {**dataset_params, "C": C, "solver": solver, "seed": int(profile["seed"])}
    path = paths.model_file(profile, name, params_hash(params)[:10])
    d = cached(path, params, lambda: train_classifier(dataset["X"], dataset["y"], C=C, seed=int(profile["seed"]),
                                                      solver=solver, meta={"name": name, **dataset_params}).to_dict(),
               record=profile_record(profile))
    return HyperplaneClassifier.from_dict(d)


def softness_classifier(profile: dict, p_l: float | None = None) -> HyperplaneClassifier:
    lab = profile["labels"]
    p_l = softness_p_l(profile) if p_l is None else p_l
    ds = softness_training_set(profile, p_l)
    return fit_cached(profile, "softness", ds, {"rule": "softness", "T": lab["softness_temperature"],
                                                 "p_l": p_l, "n": lab["softness_per_class"]})


def fluidity_classifier(profile: dict, T: float, q: float | None = None, n_per_class: int | None = None,
                        rule: str = "fluidity", C: float | None = None, solver: str = "libsvm"):
    lab = profile["labels"]
    q = lab["fluidity_q"] if q is None else q
    n = n_per_class or lab["fluidity_per_class"]
    ds = fluidity_training_set(profile, T, q=q, n_per_class=n, rule=rule)
    return fit_cached(profile, f"{rule}_{temperature_tag(T)}", ds,
                      {"rule": rule, "T": float(T), "q": float(q), "n": int(n)}, C=C, solver=solver)


def all_classifiers(profile: dict) -> dict:
    """``{T_train: classifier}``: softness at T_softness, fluidity at every fluidity T."""
    lab = profile["labels"]
    out = {float(lab["softness_temperature"]): softness_classifier(profile)}
    for T in lab["fluidity_temperatures"]:
        out[float(T)] = fluidity_classifier(profile, T)
    return out
