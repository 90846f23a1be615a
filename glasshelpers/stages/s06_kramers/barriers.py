"""Stage 6, energy barriers (Figs. 3, 4, 9): the samples of the Kramers analysis from
the feature banks, how precise its intervals are, and the spread between replicas.

The analysis itself is :func:`glasshelpers.stages.s06_kramers.barrier_analysis.kramers_analysis`;
:func:`run` is what notebook 06 calls, with the products that
:func:`glasshelpers.stages.s06_kramers.inputs.load_inputs` loaded: nothing here reads a file.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from glasshelpers.core.barriers import kramers, onset
from glasshelpers.core.learning import scoring
from glasshelpers.core.statistics import stats
from glasshelpers.pipeline.profiles import Profile
from glasshelpers.core.barriers.rearrangement import rearrangement_table
from glasshelpers.core.barriers.chain import ChainHalves, collapse_test, whole_chain_halves
from glasshelpers.stages.s06_kramers.inputs import KramersInputs
from glasshelpers.stages.s06_kramers.barrier_analysis import KramersResult, kramers_analysis
from glasshelpers.stages.s06_kramers.barrier_glm import glm_analysis
from glasshelpers.stages.common import seed, x_edges


def rearrangement_samples(inputs: KramersInputs, p_c: float) -> list:
    """Per replica and temperature, the feature-bank samples of the Kramers analysis.

    Returns a list of dicts (replica-major, then the temperatures of ``inputs.banks``) with
    ``T``, ``replica``, ``particle`` (n,), ``frame`` (n,) structure frame in tau,
    ``rearranged`` (n,) bool (p_hop 2 tau later > ``p_c``, sigma^2), ``x`` (dict T_train ->
    (n,) x_alpha of that classifier, with stage 05's b_best and sigma_T) and ``phop``
    (dict window in tau -> (p_hop at t - 1, p_hop at t), t = frame + 2), the input of
    :func:`~glasshelpers.stages.s06_kramers.barrier_analysis.kramers_analysis` and
    :func:`~glasshelpers.stages.s06_kramers.barrier_glm.glm_analysis`.
    """
    t1 = inputs.table1
    rows_b = {float(Tt): t1.loc[t1["T"] == Tt].iloc[0] for Tt in inputs.classifiers}
    out = []
    reps = sorted({int(r) for bank in inputs.banks.values() for r in np.unique(bank["replica"])})
    for r in reps:
        for T, bank in inputs.banks.items():
            rows = np.flatnonzero(bank["replica"] == r)
            sl = slice(rows[0], rows[-1] + 1)                       # rows of a replica are contiguous
            X = bank["X"][sl]
            xs = {float(Tt): scoring.x_alpha(clf.decision(X), clf.b, rows_b[float(Tt)]["b_best"],
                                             rows_b[float(Tt)]["sigma_T"])
                  for Tt, clf in inputs.classifiers.items()}
            out.append({"T": float(T), "replica": int(r), "particle": bank["particle"][sl],
                        "frame": bank["frame"][sl], "rearranged": bank["phop_later"][sl] > p_c, "x": xs,
                        "phop": {w: (before[sl], at[sl]) for w, (before, at) in bank["phop"].items()}})
    return out


def interval_targets(res: KramersResult, delta_e_max: float = 0.3, onset_max: float = 0.1) -> pd.DataFrame:
    """How wide the barrier intervals are against their targets, per classifier.

    For the default fit (the data-chosen range) of :func:`~glasshelpers.stages.s06_kramers.barrier_analysis.kramers_analysis`'s result:
    the 68 % half-width (hi - lo) / 2 of Delta_E in every populated bin (a finite
    estimate), its median and largest value, the fraction of bins within
    ``delta_e_max`` (targets: Delta_E <= 0.3 in every populated bin, onset <= 0.1), and the
    onset's 68 % half-width. The last row, ``all``, pools the bins of every classifier.

    Returns
    -------
    DataFrame: T_train, bins, delta_e_hw_median, delta_e_hw_max, delta_e_within,
    onset_hw, delta_e_target_met, onset_target_met.
    """
    d = res.of("fits")
    d = d[np.isfinite(d["Delta_E"])].copy()
    d["hw"] = 0.5 * (d["Delta_E_hi"] - d["Delta_E_lo"])
    o = res.of("onsets").set_index("T_train")
    rows = []
    for Tt, g in d.groupby("T_train"):
        ohw = float(0.5 * (o.loc[Tt, "T_high"] - o.loc[Tt, "T_low"])) if Tt in o.index and "T_high" in o else np.nan
        rows.append(dict(T_train=Tt, bins=len(g), delta_e_hw_median=float(g["hw"].median()),
                         delta_e_hw_max=float(g["hw"].max()), delta_e_within=float((g["hw"] <= delta_e_max).mean()),
                         onset_hw=ohw))
    t = pd.DataFrame(rows)
    t = pd.concat([t, pd.DataFrame([dict(T_train="all", bins=len(d), delta_e_hw_median=float(d["hw"].median()),
                                         delta_e_hw_max=float(d["hw"].max()),
                                         delta_e_within=float((d["hw"] <= delta_e_max).mean()),
                                         onset_hw=float(t["onset_hw"].max()))])], ignore_index=True)
    t["delta_e_target_met"] = t["delta_e_hw_max"] <= delta_e_max
    t["onset_target_met"] = t["onset_hw"] <= onset_max
    return t


def replica_spread(samples: list, edges, fit_range, *, min_bin_count: int = 30) -> pd.DataFrame:
    """Onset per replica and classifier over the chosen fit range, pooled with
    :func:`~glasshelpers.core.statistics.stats.pool_replicas` (mean and spread between replicas).

    Returns the pooled DataFrame (T_train, T_onset, T_onset_replica_sd, ...); with one
    replica the spread is 0. Each replica's fits are weighted with binomial errors (no
    bootstrap per replica), so its onsets can differ slightly from the pooled analysis's
    block-error-weighted ones even for a single replica."""
    edges = np.asarray(edges, dtype=float)
    rows = []
    for rep in sorted({int(s["replica"]) for s in samples}):
        sub = [s for s in samples if int(s["replica"]) == rep]
        temps = np.array(sorted({float(s["T"]) for s in sub}))
        for Tt in sorted(sub[0]["x"]):
            tab = rearrangement_table({s["T"]: s["x"][Tt] for s in sub},
                                              {s["T"]: s["rearranged"] for s in sub}, edges)
            tab.loc[tab["n"] < min_bin_count, ["P_R", "P_R_err"]] = np.nan
            try:
                f = kramers.fit_kramers_frame(tab, nan_policy="omit", T_max=fit_range.T_max)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    o = onset.onset_temperature(f, uncertainty="none")
                T_on = o.T_onset
            except ValueError:
                T_on = np.nan
            rows.append(dict(replica=rep, T_train=Tt, T_onset=T_on, n_temperatures=temps.size))
    return stats.pool_replicas(pd.DataFrame(rows), ["T_onset"], by=["T_train"])



def chain_banks(inputs: KramersInputs, p_c: float) -> dict:
    """The banks of :func:`glasshelpers.core.barriers.chain.whole_chain_halves`: per temperature
    the features of every replica, their clusters and rearrangement flags (p_hop 2 tau later
    > ``p_c``)."""
    return {T: {"X": b["X"], "clusters": b["clusters"], "rearranged": b["phop_later"] > p_c}
            for T, b in inputs.banks.items()}


def attach_chain(res: KramersResult, halves: ChainHalves) -> None:
    """Add the whole-chain intervals to the default variant's fits (``Delta_E_lo_chain``,
    ``_hi_chain`` (68 %), ``_lo95_chain``, ``_hi95_chain``, the same for Sigma) and its
    collapse tests with their covariance to ``res.collapse`` (``chain_chi2``, ``chain_dof``,
    ``chain_p_value``, ``sigma_chain_*``)."""
    d = res.fits["fit"] == res.default.label
    est_E, est_S = {}, {}
    for Tt in halves.delta_E:
        rows = d & np.isclose(res.fits["T_train"], Tt)
        if not rows.any():
            continue
        order = res.fits.loc[rows].sort_values("bin").index
        bins = res.fits.loc[order, "bin"].to_numpy(int)
        for name, which, est in (("Delta_E", "E", est_E), ("Sigma", "S", est_S)):
            e = res.fits.loc[order, name].to_numpy(float)
            for suffix, level in (("", 0.6827), ("95", 0.95)):
                hw = halves.half_width(Tt, which, level)[bins]
                res.fits.loc[order, f"{name}_lo{suffix}_chain"] = e - hw
                res.fits.loc[order, f"{name}_hi{suffix}_chain"] = e + hw
            full = np.full(halves.delta_E[Tt].shape[1], np.nan)
            full[bins] = e
            est[Tt] = full
    c = res.collapse["fit"] == res.default.label
    for prefix, est, deltas in (("chain_", est_E, halves.delta_E), ("sigma_chain_", est_S, halves.delta_S)):
        t = collapse_test(est, {k: deltas[k] for k in est})
        for k, v in t.items():
            res.collapse.loc[c, prefix + k] = v
    res.collapse.loc[c, "chain_splits"] = halves.n_splits


def fig3_classifiers(profile) -> tuple:
    """Training temperatures of Fig. 3: the hottest fluidity classifier and softness."""
    L = profile.labels
    return (float(max(L.fluidity_temperatures)), float(L.softness_temperature))


def run(profile: Profile, inputs: KramersInputs):
    """The Kramers analysis of a profile over all its replicas, from the products in
    ``inputs`` (:func:`~glasshelpers.stages.s06_kramers.inputs.load_inputs`) with the
    profile's settings (``analysis.min_bin_count, bootstrap, kramers_T_max_low,
    fit_range_p_min, min_time_blocks, indicator_p_c, glm_bootstrap, chain_splits``,
    ``features.bank_stride``, ``labels.p_c``, ``seed``); it reads no file.

    First the likelihood analysis (:func:`~glasshelpers.stages.s06_kramers.barrier_glm.glm_analysis`:
    occupancy and rate, the curvature test that chooses the range, onsets, the indicator
    test); its occupancy range is then the default range of the paper-style weighted fits
    (Figs. 3, 4, 9), so that no variance is rescaled. With ``analysis.chain_splits`` > 0 the
    default fits also get the whole-chain half-sampling intervals (:func:`attach_chain`).
    Returns (result, samples, glm result)."""
    A = profile.analysis
    p_c = float(profile.labels.p_c)
    samples = rearrangement_samples(inputs, p_c)
    spacing = float(profile.features.bank_stride)
    g = glm_analysis(samples, x_edges(profile), p_c=p_c, windows=inputs.windows,
                     p_c_values=[float(v) for v in A.indicator_p_c], n_boot=int(A.glm_bootstrap),
                     seed=int(profile.seed), p_min=float(A.fit_range_p_min), frame_spacing=spacing,
                     min_time_blocks=int(A.min_time_blocks),
                     indicator_classifiers=fig3_classifiers(profile))
    res = kramers_analysis(samples, x_edges(profile), min_bin_count=int(A.min_bin_count),
                           n_boot=int(A.bootstrap), seed=int(profile.seed),
                           T_max_low=float(A.kramers_T_max_low), p_min=float(A.fit_range_p_min),
                           frame_spacing=spacing, min_time_blocks=int(A.min_time_blocks),
                           range_choice=g.range_of("occupancy"))
    if int(A.chain_splits) > 0:
        if inputs.train is None:
            raise ValueError("analysis.chain_splits > 0 needs the chain's training and test sets: "
                             "load the inputs with the same profile (load_inputs)")
        halves = whole_chain_halves(inputs.train, inputs.test, chain_banks(inputs, p_c), inputs.refits,
                                    x_edges(profile), T_max=res.default.T_max,
                                    min_bin_count=max(1, int(A.min_bin_count) // 2),
                                    n_splits=int(A.chain_splits), seed=seed(profile, 23))
        attach_chain(res, halves)
    return res, samples, g
