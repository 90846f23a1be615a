"""Stage 5, transfer to the supercooled liquid (Fig. 2, Table I): each classifier on the
T = 0.47 test set with its bias re-optimised, sigma_T, the similarity of normals (corrected
for attenuation) and their half-sampling intervals of refitted classifiers. The van Hove
function of the Fig. 2 inset is stage 3's table
(``results/van_hove.csv``, read with :func:`glasshelpers.pipeline.results.read_result`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from glasshelpers.core.learning import halfsample, maxscore, scoring, sizing
from glasshelpers.products.labelled import fluidity_training_set, softness_p_l, softness_training_set, test_set
from glasshelpers.products.banks import bank_clusters, load_bank
from glasshelpers.products.classifiers import all_classifiers, refit
from glasshelpers.stages.common import bias_shifts, blocks as _blocks, seed as _seed


def transfer_scans(profile, classifiers: dict | None = None):
    """Fig. 2: accuracy on the T = 0.47 test set vs bias relative to each optimum b_best
    (the maximiser of the kernel-smoothed accuracy, :func:`glasshelpers.core.learning.maxscore.smoothed_best_bias`,
    the b_best of Table I; where the accuracy curve is flat, the plain accuracy's own peak
    can lie well off it: up to 0.6 bias units on tiny).

    Returns (scan DataFrame with T, shift, accuracy, accuracy_lo/hi; best DataFrame with
    T, b, b_best, best_accuracy and its interval)."""
    shifts = bias_shifts(profile)
    clfs = classifiers or all_classifiers(profile)
    ts = test_set(profile, softness_p_l(profile))
    rows, best_rows = [], []
    for T, clf in clfs.items():
        alpha = clf.decision(ts["X"])
        best = maxscore.smoothed_best_bias(alpha, ts["y"], b=clf.b)
        ci = scoring.accuracy_ci(alpha, ts["y"], best.shift + shifts, n_boot=int(profile.analysis.bootstrap),
                               seed=_seed(profile), clusters=_blocks(ts))
        rows.append(pd.DataFrame({"T": T, "shift": shifts, "accuracy": ci.estimate,
                                  "accuracy_lo": ci.low, "accuracy_hi": ci.high}))
        i0 = int(np.argmin(np.abs(shifts)))
        best_rows.append({"T": T, "b": clf.b, "b_best": best.b_best, "best_accuracy": best.accuracy,
                          "best_accuracy_lo": ci.low[i0], "best_accuracy_hi": ci.high[i0],
                          "accuracy_at_trained_b": scoring.accuracy_vs_bias(alpha, ts["y"], [0.0])[0]})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(best_rows)


def best_biases(profile, classifiers: dict | None = None) -> pd.DataFrame:
    """b_best (smoothed maximiser, :mod:`glasshelpers.core.learning.maxscore`) and the accuracy there of
    each classifier on the T = 0.47 test set (no bootstrap)."""
    clfs = classifiers or all_classifiers(profile)
    ts = test_set(profile, softness_p_l(profile))
    rows = []
    for T, clf in clfs.items():
        best = maxscore.smoothed_best_bias(clf.decision(ts["X"]), ts["y"], b=clf.b)
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
    soft = clfs[float(profile.labels.softness_temperature)]
    rows = []
    for T, clf in clfs.items():
        bb = best.loc[best["T"] == T].iloc[0]
        rows.append({"T": T, "b": clf.b, "sigma_T": sig[T], "b_best": float(bb["b_best"]),
                     "similarity": scoring.similarity(soft, clf, scaling="a"),
                     "best_accuracy": float(bb["best_accuracy"])})
    return pd.DataFrame(rows)


def _bank_population(profile, T):
    """Feature-bank rows at T and their cluster ids (one particle over bank frames spanning
    at least one p_hop window), the population of sigma_T."""
    bank = load_bank(profile, T)
    return bank["features"].reshape(-1, bank["features"].shape[-1]), bank_clusters(profile, bank)


def table_one_half_sampling(profile, classifiers: dict | None = None, *, max_splits: int | None = None,
                            seed_offset: int = 11) -> pd.DataFrame:
    """Table I's similarity, sigma_T, b_best and the transfer accuracy with half-sampling
    intervals of the refitted classifiers (:func:`glasshelpers.core.learning.halfsample.half_sample_statistics`).

    Every split halves each training set (softness at T_softness, fluidity at each T) by
    blocks (one particle, one class, 11 tau) within each class, the T = 0.47 test set the
    same way and every feature bank by clusters (one particle over >= 11 tau of bank
    frames); all classifiers are refitted on their halves with the profile's penalty
    convention (C x n fixed, :func:`glasshelpers.products.classifiers.penalty`). A training set and the
    feature bank of its temperature come from one trajectory and are halved independently,
    so sigma_T's two halves share the few bank rows that are also training samples (demo:
    at most 3000 of 48 000 per T); the test set (T = 0.47) is independent of every training set.
    Columns per T:
    ``similarity`` (attenuation corrected, softness scaling), ``similarity_raw`` (plain
    cosine of the full fits), ``reliability`` (split-half agreement of the normal),
    ``sigma_T``, ``b_best``, ``best_accuracy`` (cross-fitted, at a bias chosen on the other
    half of the test set), ``best_accuracy_in_sample`` (the maximum over the bias, the
    paper's definition, optimistic), each with ``_lo/_hi`` (68 %), ``_lo95/_hi95``, ``_se``
    and ``_end_error`` (Monte Carlo error of the 95 % ends); ``n_splits``."""
    clfs = classifiers or all_classifiers(profile)
    A = profile.analysis
    soft_T = float(profile.labels.softness_temperature)
    sets = {soft_T: softness_training_set(profile, softness_p_l(profile))}
    for T in clfs:
        if T != soft_T:
            sets[T] = fluidity_training_set(profile, T)
    train = {T: {"X": ds["X"], "y": ds["y"], "blocks": _blocks(ds)} for T, ds in sets.items()}
    ts = test_set(profile, softness_p_l(profile))
    test = {"X": ts["X"], "y": ts["y"], "blocks": _blocks(ts)}
    fits = {T: refit(profile, "softness" if T == soft_T else "fluidity") for T in train}
    pops = {T: _bank_population(profile, T) for T in train}
    out = halfsample.half_sample_statistics(train, {T: clfs[T] for T in train}, fits, ref=soft_T, test=test,
                                            populations=pops, max_splits=int(max_splits or A.half_splits),
                                            end_error=float(A.interval_end_error),
                                            seed=_seed(profile, seed_offset))
    return out.rename(columns={"key": "T"})


def table_one_with_intervals(profile, classifiers: dict | None = None, best: pd.DataFrame | None = None,
                             max_splits: int | None = None) -> pd.DataFrame:
    """Table I: T and every column with its interval from :func:`table_one_half_sampling`,
    the trained bias ``b`` and ``b_raw`` (``b |w|``, units of the SVM's decision function) among
    them: the input of :func:`glasshelpers.reference.verdicts.table_one` and
    :func:`glasshelpers.reference.paper.table1`. ``best`` is ignored (b_best and the
    accuracy come from the half-sampling table)."""
    clfs = classifiers or all_classifiers(profile)
    t1 = pd.DataFrame([{"T": T} for T in clfs])
    return t1.merge(table_one_half_sampling(profile, clfs, max_splits=max_splits), on="T", how="left")


def settling_plan(profile, t1: pd.DataFrame, target: float = sizing.TARGET) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """What it takes for every Table I similarity and transfer accuracy to reach a 95 %
    half-width of ``target`` (:mod:`glasshelpers.core.learning.sizing`).

    Returns (factors, plan, summary): ``factors`` per T and quantity
    (:func:`glasshelpers.core.learning.sizing.table_one_factors`); ``plan`` per labelled set (softness,
    test, fluidity at each T): samples per class now and needed, the scarcer class's
    candidates, production now and needed (tau), and the MD cost at this run's measured
    speed (core-seconds per tau from each run's ``meta.json``); ``summary``: the common
    factor and the quantity that sets it, the undetermined entries, and the MD of the
    whole profile now and sized (core-hours, seed included)."""
    from glasshelpers.products.labelled import label_headroom
    from glasshelpers.pipeline.paths import seed_dir
    from glasshelpers.pipeline.runs import Run
    from glasshelpers.pipeline.profiles import equil_time, production_time
    from glasshelpers.pipeline.provenance import read_json
    from glasshelpers.pipeline.runs import uses_seed

    soft_T = float(profile.labels.softness_temperature)
    factors = sizing.table_one_factors(t1, soft_T, target)
    known = factors[np.isfinite(factors["factor"])]
    F = float(max(1.0, known["factor"].max())) if len(known) else np.nan
    top = known.loc[known["factor"].idxmax()] if len(known) else None

    def speed(T):
        meta = read_json(Run(profile, T).meta)
        return float(meta["wall_time_s"]) / (equil_time(profile, T) + production_time(profile, T))

    head = label_headroom(profile)
    head = head[head["set"].isin(["softness", "test", "fluidity"])]
    rows = []
    for _, h in head.iterrows():
        T, prod = float(h["T"]), float(production_time(profile, float(h["T"])))
        cand = int(min(h["class1"], h["class0"]))
        need = sizing.production_needed(prod, int(h["drawn"]), cand, F) if np.isfinite(F) else np.nan
        rows.append(dict(set=h["set"], T=T, per_class=int(h["drawn"]),
                         per_class_needed=int(np.ceil(F * h["drawn"])) if np.isfinite(F) else np.nan,
                         candidates=cand, production=prod, production_needed=need,
                         wall_s_per_tau=speed(T)))
    plan = pd.DataFrame(rows)
    needed = dict(zip(plan["T"], plan["production_needed"]))
    now_s = 0.0                 # a shelf start has no seed run; its states are made once for every profile
    if uses_seed(profile):
        seed_meta = read_json(seed_dir(profile) / "meta.json")
        now_s = float(seed_meta["wall_time_s"]) * int(seed_meta.get("params", {}).get("engine", {}).get("threads", 1))
    sized_s = now_s
    for T in profile.temperatures:
        T = float(T)
        s = speed(T)
        now_s += s * (equil_time(profile, T) + production_time(profile, T))
        sized_s += s * (equil_time(profile, T) + needed.get(T, production_time(profile, T)))
    summary = dict(target=target, factor=F, set_by=(f"{top['quantity']} at T = {top['T']:g}" if top is not None else None),
                   undetermined=[f"{r['quantity']} at T = {r['T']:g}" for _, r in factors.iterrows()
                                 if r["basis"] == "undetermined"],
                   lower_bound=[f"{r['quantity']} at T = {r['T']:g}" for _, r in factors.iterrows()
                                if r["basis"] == "reliability (lower bound)"],
                   md_core_hours_now=now_s / 3600, md_core_hours_sized=sized_s / 3600)
    return factors, plan, summary


def settling_sentence(summary: dict) -> str:
    """One sentence of :func:`settling_plan`'s summary, for the page and the landing page."""
    F = summary["factor"]
    if not np.isfinite(F):
        return ("No similarity or transfer accuracy of this run has a half-width or a positive split-half "
                "agreement to extrapolate from: the set sizes that would settle Table I cannot be estimated here.")
    if F <= 1 and not summary["undetermined"]:
        return (f"Every similarity and transfer accuracy already has a 95 % half-width of at most "
                f"{summary['target']:g}.")
    s = (f"Reaching a 95 % half-width of {summary['target']:g} everywhere needs {F:.1f} times these sets "
         f"(set by the {summary['set_by']}), which needs "
         f"{summary['md_core_hours_sized']:.1f} core-hours of MD at this run's measured speed, against "
         f"{summary['md_core_hours_now']:.1f} for this run")
    if summary.get("lower_bound"):
        s += (f"; for {', '.join(summary['lower_bound'])} the factor only makes the similarity measurable "
              "(a lower bound)")
    if summary["undetermined"]:
        s += (f"; {', '.join(summary['undetermined'])} cannot be extrapolated at all (no split-half agreement), "
              "so the factor is a lower bound")
    return s.replace("best_accuracy", "transfer accuracy") + "."
