"""The factors that set the fluidity sigma_T: scans of what differs from the paper.

sigma_T is the standard deviation of a classifier's output alpha = w_hat . F_std + b over
every A particle and structure frame of the feature bank at its training temperature
(Table I). The paper's fluidity classifiers give 0.63-0.77; ours give more. What differs
between the two: the tail fraction q (paper 0.033 %), the penalty C and the number of
samples per class n (paper C = 0.01, n = 5200), the system size N (paper 4096) and the
run length (which sets how small q can be for a given n).

:func:`fluidity_sigma_T` is the one computation (labels -> features -> SVM -> sigma_T);
the scans vary one input at a time and keep the others fixed.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.core.learning import classify, maxscore, scoring
from glasshelpers.core.dynamics import labels
from glasshelpers.products.labelled import fluidity_training_set, softness_p_l, softness_training_set, test_set
from glasshelpers.pipeline.profiles import production_time, replicas, validate_profile
from glasshelpers.core.dynamics.dynamics import HALF_WINDOW, STRUCTURE_LAG
from glasshelpers.products.banks import labelled_features, load_bank, load_phop
from glasshelpers.products.trajectories import load_trajectory
from glasshelpers.core.statistics.stats import labelled_block_ids
from glasshelpers.products.classifiers import penalty


def fluidity_sigma_T(phop, types, features_of, population, *, q: float, n_per_class: int, C: float,
                     seed: int = 0, lag: int = STRUCTURE_LAG) -> dict:
    """Train one fluidity classifier and measure its sigma_T.

    Parameters
    ----------
    phop : array, shape (n_frames, N)
        p_hop in sigma^2 (NaN where the window does not fit).
    types : array, shape (N,)
        0 = A, 1 = B.
    features_of : callable (particles, frames) -> array (n, 100)
        Raw structure features of the labelled (particle, structure frame) pairs.
    population : array, shape (m, 100)
        Raw features of the particles over which sigma_T is measured (the feature bank).
    q, n_per_class, C, seed, lag :
        Tail fraction, samples per class, SVM penalty, seed of the draw and the solver,
        frames between structure and label (as in :func:`glasshelpers.core.dynamics.labels.fluidity_labels`).

    Returns
    -------
    dict with ``sigma_T`` (dimensionless, the std of alpha over ``population``),
    ``p_l``/``p_u`` (the tail thresholds, sigma^2), ``candidates`` (the smaller tail's
    candidate count) and ``classifier``.
    """
    s = labels.fluidity_labels(phop, types, int(n_per_class), q=float(q), seed=int(seed), lag=lag)
    X = features_of(s.particle, s.frame)
    clf = classify.train_classifier(X, np.asarray(s.label, dtype=np.int8), C=float(C), seed=int(seed))
    return {"sigma_T": float(np.std(clf.decision(population))), "p_l": float(s.info["p_l"]),
            "p_u": float(s.info["p_u"]), "candidates": int(min(s.info["candidates"].values())),
            "classifier": clf}


def _population(profile, T, replica, make: bool = False):
    bank = load_bank(profile, T, progress=False, replica=replica, make=make)
    return bank["features"].reshape(-1, bank["features"].shape[-1]).astype(float)


def _truncate(phop, fraction: float) -> np.ndarray:
    """p_hop as a run of the first ``fraction`` of the frames would have it: the last
    HALF_WINDOW frames of the shorter run have no complete window (NaN)."""
    n = len(phop)
    m = max(int(round(float(fraction) * (n - 1))) + 1, 2 * HALF_WINDOW + STRUCTURE_LAG + 2)
    out = np.array(phop[:m], dtype=np.float32, copy=True)
    out[m - HALF_WINDOW:] = np.nan
    return out


def _run(profile, T, replica, settings, test=None, make: bool = False):
    """sigma_T of one trajectory for each setting dict (q, n_per_class, C, fraction).
    ``make``: the run is this stage's own (a size variant), so its p_hop and bank are made here."""
    ph = load_phop(profile, T, replica=replica, make=make)
    traj = load_trajectory(profile, T, replica)
    pop = _population(profile, T, replica, make=make)
    n_frames = len(ph["phop"])
    feats = lambda p, f: labelled_features(profile, T, p, f, traj=traj, replica=replica)  # noqa: E731
    rows = []
    for st in settings:
        phop = _truncate(ph["phop"], st.get("fraction", 1.0))
        m = len(phop)
        r = fluidity_sigma_T(phop, ph["types"], feats, pop, q=st["q"], n_per_class=st["n_per_class"],
                             C=st["C"], seed=int(profile.seed))
        row = {"T": float(T), "N": int(len(ph["types"])), "replica": int(replica),
               "run_length_tau": float(production_time(profile, T) * (m - 1) / (n_frames - 1)),
               "q": float(st["q"]), "n_per_class": int(st["n_per_class"]), "C": float(st["C"]),
               "C_times_n": float(st["C"]) * int(st["n_per_class"]), "sigma_T": r["sigma_T"],
               "p_l": r["p_l"], "p_u": r["p_u"], "candidates": r["candidates"]}
        if test is not None:
            best = maxscore.smoothed_best_bias(r["classifier"].decision(test["X"]), test["y"], b=r["classifier"].b)
            row.update(b_best=best.b_best, best_accuracy=best.accuracy)
        rows.append(row)
    return rows


def _fill(profile, T, qs, fraction=1.0, margin: float = 0.9) -> dict:
    """q -> largest n per class (times ``margin``) that the smaller fluidity tail fills in
    the first ``fraction`` of the run, in every replica (each p_hop read once)."""
    fills = {float(q): None for q in qs}
    for r in replicas(profile):
        ph = load_phop(profile, T, replica=r)
        phop = _truncate(ph["phop"], fraction)
        for q in fills:
            c = labels.candidate_counts(phop, ph["types"], "fluidity", q=q, lag=STRUCTURE_LAG)
            n = int(margin * min(c[0], c[1]))
            fills[q] = n if fills[q] is None else min(fills[q], n)
    return fills


def sigma_T_vs_run_length(profile, T: float | None = None, fractions=(0.25, 0.5, 1.0), *,
                          q: float | None = None, C: float | None = None, n_per_class: int | None = None,
                          with_test: bool = True) -> pd.DataFrame:
    """sigma_T from the first ``fraction`` of each replica's run at T, all else fixed.

    q and C default to the profile's fluidity values (C from its C x n convention at the n
    used); ``n_per_class`` defaults to the most
    the shortest stretch fills (90 % of its smaller tail, at most the profile's
    ``fluidity_per_class``), so that only the run length changes. sigma_T is always
    measured over the whole run's feature bank, so only the classifier changes.
    Columns: T, N, replica, run_length_tau, q, n_per_class, C, C_times_n, sigma_T, p_l,
    p_u, candidates (+ b_best, best_accuracy on the T = 0.47 test set; b_best in our
    convention alpha = w_hat . F_std + b, the opposite sign of the paper's Table I).
    """
    lab, A = profile.labels, profile.analysis
    T = float(A.appendix_temperature if T is None else T)
    q = float(lab.fluidity_q if q is None else q)
    reps = replicas(profile)
    if n_per_class is None:
        n_per_class = min(int(lab.fluidity_per_class), _fill(profile, T, [q], min(fractions))[q])
    if n_per_class < 10:
        raise ValueError(f"the first {min(fractions):g} of the run at T = {T:g} fills only {n_per_class} samples "
                         f"per class at q = {q:g}; use longer fractions or a larger q")
    C = float(penalty(profile, "fluidity", n_per_class) if C is None else C)
    test = test_set(profile, softness_p_l(profile)) if with_test else None
    settings = [dict(q=q, C=C, n_per_class=n_per_class, fraction=f) for f in fractions]
    return pd.DataFrame([row for r in reps for row in _run(profile, T, r, settings, test)])


def sigma_T_vs_q(profile, T: float | None = None, qs=(0.00033, 0.001, 0.005), *, C_times_n: float = 52.0,
                 n_per_class: int | None = None, min_per_class: int = 20, with_test: bool = True
                 ) -> pd.DataFrame:
    """sigma_T against the tail fraction q down to the paper's 0.033 %, at fixed C x n.

    A linear SVM's hyperplane depends on C and n through C x n (the penalty multiplies a
    sum of n hinge losses), so every q is trained with the same n (default: the most the
    smallest q fills, 90 % of its tail) and C = ``C_times_n`` / n; the default 52 is the
    paper's 0.01 x 5200. A q whose tail holds fewer than ``min_per_class`` samples is
    left out and listed in ``result.attrs["dropped_q"]``. Same columns as
    :func:`sigma_T_vs_run_length`.
    """
    A = profile.analysis
    T = float(A.appendix_temperature if T is None else T)
    reps = replicas(profile)
    fills = _fill(profile, T, qs)
    dropped = [q for q, n in fills.items() if n < min_per_class]
    qs = [q for q in fills if q not in dropped]
    if not qs:
        raise ValueError(f"no tail fraction in {sorted(fills)} fills {min_per_class} samples per class at "
                         f"T = {T:g} (fills: {fills}); the run is too short for these tails")
    if n_per_class is None:
        n_per_class = min(fills[q] for q in qs)
    test = test_set(profile, softness_p_l(profile)) if with_test else None
    settings = [dict(q=float(q), C=float(C_times_n) / n_per_class, n_per_class=n_per_class) for q in qs]
    out = pd.DataFrame([row for r in reps for row in _run(profile, T, r, settings, test)])
    out.attrs["dropped_q"] = dropped
    return out


def size_variant(profile: Profile, n_particles: int) -> Profile:
    """The profile with N = ``n_particles`` and one replica, under its own name
    ``<name>-N<n>`` in the data root (:func:`sigma_T_vs_size` simulates one temperature of it).

    The seed run is cut to 10 tau: at T >= 1 the equilibration from the seed (the
    profile's ``equil_time``) is many structural relaxation times long, so the seed's
    history does not reach the production run. A shelf holds one N, so the variant starts
    from its own seed run even when the profile starts from a shelf.
    """
    raw = profile.as_dict()
    raw.pop("overrides", None)
    raw["model"]["n_particles"] = int(n_particles)
    raw["protocol"].update(shelf=None, shelf_state=0)
    raw["replicas"] = 1
    raw["protocol"]["seed_time"] = min(int(raw["protocol"]["seed_time"]), 10)
    raw["name"] = f"{profile.name}-N{int(n_particles)}"
    return validate_profile(raw, f"{profile.name} with N = {n_particles}")


def sigma_T_vs_size(profile, sizes, T: float | None = None, *, progress: bool = True) -> pd.DataFrame:
    """sigma_T at T for the profile's own N (every replica) and for each N in ``sizes``.

    Each size runs its own seed and trajectory at T (:func:`size_variant`, resumable like
    every run) with the profile's production time, q, C and n per class, so that only N
    changes. Columns as :func:`sigma_T_vs_run_length` without ``b_best`` and
    ``best_accuracy`` (no test set is scored; N tells the runs apart).
    """
    from glasshelpers.products.trajectories import run_seed, run_temperature

    lab, A = profile.labels, profile.analysis
    T = float(A.appendix_temperature if T is None else T)
    setting = [dict(q=float(lab.fluidity_q), C=penalty(profile, "fluidity", int(lab.fluidity_per_class)),
                    n_per_class=int(lab.fluidity_per_class))]
    rows = [row for r in replicas(profile) for row in _run(profile, T, r, setting)]
    for n in sizes:
        v = size_variant(profile, int(n))
        run_seed(v, progress=progress)
        run_temperature(v, T, progress=progress)
        rows += _run(v, T, 0, setting, make=True)
    return pd.DataFrame(rows)


def summarise(scan: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean sigma_T per value of ``by`` over replicas, with the replica spread (sample std,
    NaN for one replica) and the count. Columns: ``by``, sigma_T, replica_std, replicas."""
    g = scan.groupby(by)["sigma_T"]
    return pd.DataFrame({"sigma_T": g.mean(), "replica_std": g.std(ddof=1), "replicas": g.size()}).reset_index()


def factor_table(scans: dict, paper=(0.63, 0.77)) -> pd.DataFrame:
    """Which factor moves sigma_T toward the paper's range, and whether the move is resolved.

    Parameters
    ----------
    scans : dict name -> (DataFrame, column)
        Each scan (from the functions above) and the column it varies (``run_length_tau``,
        ``q``, ``N``).
    paper : (low, high)
        The paper's fluidity sigma_T range.

    Returns
    -------
    DataFrame: factor, from, to (the column's first and last value, as text), sigma_T_from,
    sigma_T_to (replica means), change, noise (the std of a difference of two replica
    means, from the pooled replica spread; NaN with one replica per setting), verdict:
    ``toward the paper`` / ``away from the paper`` when ``|change| > 2`` noise,
    ``no resolved change`` when not, ``unresolved (one replica)`` without a spread.
    """
    mid = 0.5 * (paper[0] + paper[1])
    rows = []
    for name, (scan, col) in scans.items():
        s = summarise(scan, col).sort_values(col)
        first, last = s.iloc[0], s.iloc[-1]
        pooled = np.sqrt(np.nanmean(s["replica_std"] ** 2)) if s["replica_std"].notna().any() else np.nan
        noise = float(pooled * np.sqrt(1 / first["replicas"] + 1 / last["replicas"]))
        change = float(last["sigma_T"] - first["sigma_T"])
        if not np.isfinite(noise):
            verdict = "unresolved (one replica)"
        elif abs(change) <= 2 * noise:
            verdict = "no resolved change"
        else:
            toward = abs(last["sigma_T"] - mid) < abs(first["sigma_T"] - mid)
            verdict = "toward the paper" if toward else "away from the paper"
        rows.append({"factor": name, "from": f"{first[col]:g}", "to": f"{last[col]:g}",
                     "sigma_T_from": float(first["sigma_T"]),
                     "sigma_T_to": float(last["sigma_T"]), "change": change, "noise": noise, "verdict": verdict})
    return pd.DataFrame(rows)


def regularisation_convention(profile, C_fixed: float = 0.01) -> pd.DataFrame:
    """What the C x n convention changes: every classifier of Table I trained on
    the profile's own sets with one fixed ``C_fixed`` (C x n = C_fixed x n, 15 on demo)
    and with the profile's rule (C = C_times_n / n, the paper's C x n), all else equal.

    Returns, per fluidity training T and convention (``fixed C`` / ``fixed C x n``): C,
    C_times_n, sigma_T (std of the output over the feature bank at T), similarity_raw (plain
    cosine with the softness normal of the same convention, softness scaling; not corrected
    for attenuation) and transfer_accuracy (cross-fitted best accuracy on the T = 0.47 test
    set, :func:`glasshelpers.core.learning.scoring.crossfit_best_accuracy`)."""
    lab = profile.labels
    seed = int(profile.seed)
    p_l = softness_p_l(profile)
    sets = {"softness": softness_training_set(profile, p_l)}
    sets.update({float(T): fluidity_training_set(profile, T) for T in lab.fluidity_temperatures})
    ts = test_set(profile, p_l)
    blocks = labelled_block_ids(ts)
    rows = []
    for name in ("fixed C", "fixed C x n"):
        clfs = {}
        for key, ds in sets.items():
            n = len(ds["y"]) / 2
            C = C_fixed if name == "fixed C" else penalty(profile, "softness" if key == "softness" else "fluidity", n)
            clfs[key] = classify.train_classifier(ds["X"], ds["y"], C=C, seed=seed)
        for T in lab.fluidity_temperatures:
            clf = clfs[float(T)]
            rows.append(dict(T=float(T), convention=name, C=clf.C, C_times_n=clf.C * sum(clf.n_train) / 2,
                             sigma_T=float(np.std(_population(profile, T, 0) @ clf.w_raw)),
                             similarity_raw=scoring.similarity(clfs["softness"], clf, scaling="a"),
                             transfer_accuracy=scoring.crossfit_best_accuracy(clf.decision(ts["X"]), ts["y"],
                                                                              blocks, seed=seed)))
    return pd.DataFrame(rows)
