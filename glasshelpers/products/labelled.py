"""Labelled training and test sets with their structure features: products of stage 03
(``03_labels``), which makes the profile's sets; stage 07 makes the variants of its
controls (other tail fractions, sizes and rules) with ``make=True`` itself.

Rules (the book, Methods: p_hop and labels; glasshelpers.core.dynamics.labels):

* ``softness``: p_hop > p_c (rearranging) vs p_hop < p_l for ``quiet_time`` tau; used at
  T = 0.45 (training) and T = 0.47 (the transfer test set), with one p_l for both.
* ``fluidity``: the q and 1 - q tails of p_hop at one temperature.
* ``control``: the low tail vs random other samples (the paper's appendix).
* ``displacement``: the fluidity rule applied to the cumulative displacement
  ``|r(t+5) - r(t-5)|`` instead of p_hop (a control the paper only mentions).

Every set is a dict with ``X`` (n, 100) raw features, ``y`` (n,) labels (1 = rearranging /
extremely diffusive), ``particle``, ``frame`` (structure frame) and is cached in
``data/<profile>/labels/`` with its parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.core.dynamics import dynamics, labels
from glasshelpers.core.dynamics.dynamics import STRUCTURE_LAG
from glasshelpers.pipeline import paths
from glasshelpers.pipeline.provenance import params_hash, profile_record
from glasshelpers.pipeline.runs import Run
from glasshelpers.products.banks import labelled_features, load_phop
from glasshelpers.products.store import make_or_read, write_index as write_index_file
from glasshelpers.products.trajectories import load_trajectory, trajectory_key

RULES = ("softness", "fluidity", "control", "displacement")

#: The stage that makes the profile's labelled sets.
OWNER = "03_labels"


def softness_p_l(profile: Profile) -> float:
    """The quiet threshold p_l: the profile's number, or (``auto``) the smallest value on
    the ``p_l_grid_step`` grid that fills both sets labelled with it, the softness
    training set at T_softness and the test set at T_test, each with
    ``p_l_margin`` times the quiet pieces it draws (1 = just fills; the book, Methods: p_hop and labels)."""
    lab = profile.labels
    if lab.p_l != "auto":
        return float(lab.p_l)
    margin = float(lab.p_l_margin)
    sets = []
    for T, n in ((lab.softness_temperature, lab.softness_per_class),
                 (lab.test_temperature, lab.test_per_class)):
        ph = load_phop(profile, T)
        sets.append((ph["phop"], ph["types"], int(np.ceil(margin * int(n)))))
    return float(labels.choose_p_l_joint(sets, quiet_time=int(lab.quiet_time),
                                         grid_step=float(lab.p_l_grid_step), p_max=float(lab.p_c)))


def label_headroom(profile: Profile, p_l: float | None = None) -> pd.DataFrame:
    """Candidates per class against the samples drawn, for every labelled set of a profile.

    Returns a DataFrame with ``set, T, drawn, class1, class0, margin`` where margin =
    min(class1, class0) / drawn (>= 1 fills; the ``tiny`` profile is sized for >= 2).
    """
    lab, A = profile.labels, profile.analysis
    p_l = softness_p_l(profile) if p_l is None else p_l
    common = {"p_c": float(lab.p_c), "quiet_time": int(lab.quiet_time), "lag": STRUCTURE_LAG}
    plan = [("softness", lab.softness_temperature, "softness", lab.softness_per_class, None),
            ("test", lab.test_temperature, "softness", lab.test_per_class, None)]
    plan += [("fluidity", T, "fluidity", lab.fluidity_per_class, lab.fluidity_q)
             for T in lab.fluidity_temperatures]
    for q in A.appendix_fractions:
        plan.append((f"appendix q={q:g}", A.appendix_temperature, "fluidity", A.appendix_per_class, q))
        plan.append((f"control q={q:g}", A.appendix_temperature, "control", A.appendix_per_class, q))
    rows = []
    for name, T, rule, n, q in plan:
        ph = load_phop(profile, T)
        c = labels.candidate_counts(ph["phop"], ph["types"], rule, p_l=p_l, q=q, **common)
        rows.append({"set": name, "T": float(T), "drawn": int(n), "class1": c[1], "class0": c[0],
                     "margin": min(c[1], c[0]) / int(n)})
    return pd.DataFrame(rows)


def set_file(profile: Profile, T: float, rule: str, n_per_class: int, *, p_l: float | None = None,
             q: float | None = None, seed: int | None = None) -> tuple:
    """``(path, params)`` of a labelled set: the parameters that determine it and the file
    named by their hash (:func:`glasshelpers.pipeline.paths.labels_file`)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; known: {RULES}")
    lab = profile.labels
    seed = int(profile.seed if seed is None else seed)
    params = {**trajectory_key(Run(profile, T)), "rule": rule, "n_per_class": int(n_per_class), "seed": seed,
              "lag": STRUCTURE_LAG}
    if rule == "softness":
        if p_l is None:
            raise ValueError("the softness rule needs p_l (see softness_p_l)")
        params.update(p_l=float(p_l), p_c=float(lab.p_c), quiet_time=int(lab.quiet_time))
    else:
        if q is None:
            raise ValueError(f"the {rule} rule needs the tail fraction q")
        params.update(q=float(q))
    return paths.labels_file(profile, rule, T, params_hash(params)[:10]), params


def is_profile_set(profile: Profile, rule: str, q: float | None, n_per_class: int) -> bool:
    """Whether a set of this rule, tail fraction and size is one of the profile's own, which
    stage 03 makes (softness sets, and the fluidity rule at the profile's q and size); any
    other is a variant of stage 07's controls."""
    lab = profile.labels
    return rule == "softness" or (rule == "fluidity" and float(q) == float(lab.fluidity_q)
                                  and int(n_per_class) == int(lab.fluidity_per_class))


def own_sets(profile: Profile, p_l: float) -> dict:
    """The profile's own labelled sets, which stage 03 makes: ``{name: (T, rule, n per class,
    keyword arguments of labelled_set)}``: softness training, the transfer test set and
    fluidity training at every fluidity temperature."""
    lab = profile.labels
    out = {"softness": (lab.softness_temperature, "softness", lab.softness_per_class, {"p_l": p_l}),
           "test": (lab.test_temperature, "softness", lab.test_per_class, {"p_l": p_l, "seed": int(profile.seed) + 1})}
    for T in lab.fluidity_temperatures:
        out[f"fluidity_{paths.temperature_tag(T)}"] = (T, "fluidity", lab.fluidity_per_class, {"q": lab.fluidity_q})
    return out


def write_index(profile: Profile, p_l: float):
    """Write the index of the profile's own sets (:func:`own_sets`; stage 03, after making
    them): the product the workflow declares for them (``labels/sets.npz``)."""
    entries = {name: set_file(profile, T, rule, n, **kw) for name, (T, rule, n, kw) in own_sets(profile, p_l).items()}
    return write_index_file(paths.labels_index_file(profile), entries, record=profile_record(profile))


def labelled_set(profile: Profile, T: float, rule: str, n_per_class: int, *, p_l: float | None = None,
                 q: float | None = None, seed: int | None = None, make: bool = False) -> dict:
    """A balanced labelled set at temperature T with its features: read, or (``make``,
    for the stage that owns it) drawn, computed and stored when absent.

    Raises glasshelpers.core.dynamics.labels.LabelError (with the candidate counts) if the trajectory
    cannot fill ``n_per_class`` samples per class.
    """
    lab = profile.labels
    seed = int(profile.seed if seed is None else seed)
    path, params = set_file(profile, T, rule, n_per_class, p_l=p_l, q=q, seed=seed)

    def compute():
        ph = load_phop(profile, T)
        traj = load_trajectory(profile, T)   # read once: labels (displacement rule) and features
        n = int(n_per_class)
        if rule == "softness":
            s = labels.softness_labels(ph["phop"], ph["types"], n, p_l=float(p_l), p_c=float(lab.p_c),
                                       quiet_time=int(lab.quiet_time), seed=seed, lag=STRUCTURE_LAG)
        elif rule == "fluidity":
            s = labels.fluidity_labels(ph["phop"], ph["types"], n, q=float(q), seed=seed, lag=STRUCTURE_LAG)
        elif rule == "control":
            s = labels.immobile_vs_random_labels(ph["phop"], ph["types"], n, q=float(q), seed=seed,
                                                 lag=STRUCTURE_LAG)
        else:
            disp = dynamics.cumulative_displacement(traj["positions"])
            s = labels.fluidity_labels(disp, traj["types"], n, q=float(q), seed=seed, lag=STRUCTURE_LAG)
        X = labelled_features(profile, T, s.particle, s.frame, traj=traj)
        return {"X": X, "y": np.asarray(s.label, dtype=np.int8), "particle": s.particle, "frame": s.frame}

    owner = OWNER if is_profile_set(profile, rule, q, n_per_class) else "07_appendix"
    return make_or_read(path, params, compute, make=make, owner=owner, record=profile_record(profile),
                        what_if=bool(profile.overrides))


def softness_training_set(profile: Profile, p_l: float, make: bool = False) -> dict:
    """The softness training set at T_softness (``make``: stage 03 only)."""
    T, rule, n, kw = own_sets(profile, p_l)["softness"]
    return labelled_set(profile, T, rule, n, make=make, **kw)


def test_set(profile: Profile, p_l: float, make: bool = False) -> dict:
    """The balanced transfer test set at T = 0.47, same rule and p_l as softness (``make``: stage 03 only)."""
    T, rule, n, kw = own_sets(profile, p_l)["test"]
    return labelled_set(profile, T, rule, n, make=make, **kw)


def fluidity_training_set(profile: Profile, T: float, q: float | None = None, n_per_class: int | None = None,
                          rule: str = "fluidity", make: bool = False) -> dict:
    """The fluidity training set at T (or a variant: another q, size or rule; ``make``: the
    stage that owns it, 03 for the profile's sets, 07 for its controls)."""
    lab = profile.labels
    return labelled_set(profile, T, rule, n_per_class or lab.fluidity_per_class,
                        q=lab.fluidity_q if q is None else q, make=make)
