"""What the shelf's runs show about its states: relaxation, equilibrium, published values.

Per state (one run of :mod:`~glasshelpers.stages.s01_simulation.states`): U/N over the
measured stretch and over its two halves; the drift of U/N (:func:`energy_drift`); the MSD and F_s^A(k = 7.25) curves averaged over
time origins; tau_alpha (1/e crossing); D_A from the Fickian slope where the lags reach
``FICKIAN_TAU_ALPHA`` tau_alpha; F_s at the lag nearest the protocol's tau_alpha estimate from
the origins of each half; and the solid-like order of the shelved configuration.

Across the K independent states of one temperature (:func:`temperature_evidence`): the
mean of each quantity with t intervals (K - 1 degrees of freedom) from the spread of the
states, which is the honest error of anything measured on them. Verdicts use the rule of
:func:`glasshelpers.reference.margins.judge_equivalence` with the margins of
:data:`MARGINS`, declared on 2026-12-07 before any state of the shelf was measured:

* **stationary** when the mean drift of U/N over the states (:func:`energy_drift`: the
  change over 2 tau_alpha, from a straight line through the run's last stretch) lies
  inside +- margin at 90 %, and F_s(tau_alpha) does not change between the
  halves (second minus first) by more than its margin at 95 %; **ageing** when either lies
  outside its margin at 95 %; otherwise **undetermined**. F_s is reported with its own
  verdict; with K = 4 states its spread (0.05-0.1 between halves) is too wide to show
  agreement, so only an ageing F_s counts against a state (rule of 2026-12-07, evening:
  ``margins.RULE_HISTORY``);
* against published values (U/N, tau_alpha, D_A, and the curves MSD_A(t), F_s^A(t) at every
  lag from 1 tau): **agrees / disagrees / inconclusive** by the same rule.

Why each margin:

* ``stationary_pe`` (0.005 epsilon): ageing of a quenched KA liquid at 0.45 moves U/N by
  about 0.01 over a few tau_alpha; half of that is a drift we would call ageing.
* ``stationary_fs`` (0.05): F_s(tau_alpha) is 1/e; 0.05 is a 14 % change of the relaxation
  at tau_alpha.
* ``pe_published`` (0.01 epsilon): gamdpy's own pass/fail tolerance against the same RUMD
  value at 0.8.
* ``tau_alpha_published`` (20 %) and ``D_published`` (15 %): finite-size effects between
  N = 2000 and the sources' 4000-10000 are a few per cent for D and tau_alpha at these
  temperatures; the margins leave room for them and still tell a liquid off by a factor
  from one in step.
* ``curve_fs`` (0.05, absolute) and ``curve_msd`` (15 %, relative): the same scales, lag by lag.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from glasshelpers.core.dynamics.relaxation import diffusion_coefficient, tau_alpha
from glasshelpers.core.md.trajectory import read_configuration
from glasshelpers.core.structure.crystal import solid_like
from glasshelpers.pipeline.provenance import read_json
from glasshelpers.pipeline.shelf import ShelfProtocol, manifest_path, verified_run
from glasshelpers.reference.curves import CURVES, POTENTIAL_ENERGY_T2, derived
from glasshelpers.reference.margins import judge_equivalence
from glasshelpers.reference.published import POTENTIAL_ENERGY

#: Margins of practical equivalence, declared 2026-12-07 before the shelf's numbers (the
#: reason for each is in the module docstring).
MARGINS = {"stationary_pe": 0.005, "stationary_fs": 0.05, "pe_published": 0.01,
           "tau_alpha_published": 0.20, "D_published": 0.15, "curve_fs": 0.05, "curve_msd": 0.15}
#: D_A is fitted where the lags reach this many measured tau_alpha (the Fickian regime).
FICKIAN_TAU_ALPHA = 5.0
#: Shortest lag (tau) of the lag-by-lag comparison with published curves (past the ballistic regime).
CURVE_FROM = 1.0


def measured_rows(log) -> np.ndarray:
    """The rows of a state's log (``evidence.npz`` ``log``: phase, step, time [tau], U/N
    [epsilon], ...) that belong to its measured stretch (phase 1), one per tau."""
    log = np.asarray(log)
    return log[log[:, 0] == 1]


def measured_energy_series(prot: ShelfProtocol, T: float) -> list[np.ndarray]:
    """U/N (epsilon, one value per tau) over the measured stretch of each finished state of
    the shelf at T: equilibrium series when the cross-state test calls T stationary (the
    input of :func:`glasshelpers.stages.s01_simulation.simulation.halves_false_alarms`)."""
    out = []
    for k in range(prot.states):
        if prot.is_done(T, k):
            with np.load(verified_run(prot, T, k) / "evidence.npz") as ev:
                out.append(measured_rows(ev["log"])[:, 3])
    return out


def state_measures(evidence: dict, tau_estimate: float) -> dict:
    """Measures of one state from its ``evidence.npz`` arrays (see the module docstring).

    Returns a dict of floats (``pe``, ``pe_half1``, ``pe_half2``, ``pe_drift``, ``tau_alpha``, ``D_A``,
    ``fs_half1``, ``fs_half2``, ``equilibration_tau``) and arrays ``lags_tau``, ``msd_A``,
    ``fs_A`` (averaged over origins).
    """
    log, lags = np.asarray(evidence["log"]), np.asarray(evidence["lags_tau"])
    prod = measured_rows(log)
    P = float(evidence["production_tau"])
    first, second = prod[prod[:, 2] < P / 2, 3], prod[prod[:, 2] >= P / 2, 3]
    msd, fs = np.nanmean(evidence["msd_A"], axis=0), np.nanmean(evidence["fs_A"], axis=0)
    ta = tau_alpha(lags, fs)
    D = np.nan
    if np.isfinite(ta) and lags[-1] >= FICKIAN_TAU_ALPHA * ta and np.sum(lags >= FICKIAN_TAU_ALPHA * ta) >= 3:
        D = diffusion_coefficient(lags, msd, t_min=FICKIAN_TAU_ALPHA * ta).D
    j = int(np.argmin(np.abs(np.log(lags / tau_estimate))))
    origins = np.asarray(evidence["origins_tau"])
    col = np.asarray(evidence["fs_A"])[:, j]
    half1 = col[(origins < P / 2) & np.isfinite(col)]
    half2 = col[(origins >= P / 2) & np.isfinite(col)]
    drift = energy_drift(log[np.argsort(log[:, 2], kind="stable")], P, float(evidence["equilibration_tau"]),
                         2.0 * tau_estimate)
    return {"pe": float(prod[:, 3].mean()), "pe_half1": float(first.mean()), "pe_half2": float(second.mean()),
            "pe_drift": drift,
            "tau_alpha": ta, "D_A": float(D), "fs_lag_tau": float(lags[j]),
            "fs_half1": float(half1.mean()) if half1.size else np.nan,
            "fs_half2": float(half2.mean()) if half2.size else np.nan,
            "equilibration_tau": float(evidence["equilibration_tau"]), "lags_tau": lags, "msd_A": msd, "fs_A": fs}


def energy_drift(log: np.ndarray, production_tau: float, equilibration_tau: float,
                 over_tau: float) -> float:
    """Change of U/N over ``over_tau`` (epsilon), from a straight line through the run's end.

    The line is fitted by least squares to U/N(t) over the last ``W = min(2 P, P + E / 2)``
    of the run (P the measured stretch, E the equilibration, both in tau; time 0 is the
    start of the measured stretch), each logged point weighted by the time it stands for,
    since the equilibration is logged more sparsely than the measured stretch. The shelf
    takes ``over_tau`` = 2 tau_alpha (its estimate), which for a cold state (P = 4 tau_alpha)
    is the change between the centres of the two halves of the measured stretch, with the
    equilibration's end added to the data: the line spans 8 tau_alpha instead of two
    halves of 2.

    Parameters
    ----------
    log : ndarray, shape (n, >= 4)
        Rows (phase, step, time [tau], U/N [epsilon], ...), time ascending.
    production_tau, equilibration_tau, over_tau : float
        P, E and the span the change is quoted over (tau).
    """
    t, pe = np.asarray(log[:, 2], dtype=float), np.asarray(log[:, 3], dtype=float)
    W = min(2.0 * production_tau, production_tau + equilibration_tau / 2.0)
    keep = t >= production_tau - W - 1e-9
    t, pe = t[keep], pe[keep]
    span = np.gradient(t) if t.size > 1 else np.ones_like(t)
    slope = np.polyfit(t, pe, 1, w=np.sqrt(span))[0]
    return float(slope * over_tau)


def mean_interval(values, level: float) -> tuple[float, float, float]:
    """Mean of independent values and its two-sided t interval at ``level`` (K - 1 degrees of
    freedom); NaN bounds for fewer than two finite values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if v.size < 2:
        return m, np.nan, np.nan
    h = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return m, m - h, m + h


def judge(values, target: float, margin: float) -> tuple[str, tuple]:
    """Verdict of the mean of ``values`` against ``target +- margin`` and its intervals
    ((mean, lo90, hi90, lo95, hi95))."""
    m, lo90, hi90 = mean_interval(values, 0.90)
    _, lo95, hi95 = mean_interval(values, 0.95)
    v = judge_equivalence(lo90, hi90, lo95, hi95, target, margin)
    return {True: "agrees", False: "disagrees", None: "inconclusive"}[v], (m, lo90, hi90, lo95, hi95)


def stationarity(pe_verdict: str, fs_verdict: str) -> str:
    """The state's word from the verdicts on U/N's drift and on F_s's change (module
    docstring): an ageing F_s counts against a state, an inconclusive one does not."""
    if "disagrees" in (pe_verdict, fs_verdict):
        return "ageing"
    return "stationary" if pe_verdict == "agrees" else "undetermined"


def published_targets(T: float) -> dict:
    """Published values at T (empty where none): pe, tau_alpha, D_A."""
    out = {}
    for ref in (*POTENTIAL_ENERGY, POTENTIAL_ENERGY_T2):
        if ref.temperature is not None and abs(ref.temperature - T) < 1e-9:
            out["pe"] = ref.value
    if any(abs(T - t) < 1e-9 for t in CURVES):
        d = derived(min(CURVES, key=lambda t: abs(t - T)))
        out["D_A"] = d["D_A"].value
        if "tau_alpha_A" in d:
            out["tau_alpha"] = d["tau_alpha_A"].value
    return out


def temperature_evidence(prot: ShelfProtocol, T: float, solid: bool = True) -> dict:
    """Everything the shelf shows at T, from its finished (verified) states.

    Returns a dict: ``T``, ``states`` (K found), per-state lists, the cross-state means and
    intervals, ``stationarity`` (verdict), ``verdicts`` against published values, and
    ``curves`` (mean MSD_A and F_s^A over states, with the lags).
    """
    listed = read_json(manifest_path(prot)).get("runs", {}) if manifest_path(prot).is_file() else {}
    # a finished run not yet in the manifest (a shelf copied while a run was finishing) is left
    # out; one in it whose bytes differ stops here (verified_run)
    runs = [k for k in range(prot.states) if prot.is_done(T, k) and prot.run_dir(T, k).name in listed]
    per = [state_measures(dict(np.load(verified_run(prot, T, k) / "evidence.npz")), prot.tau_estimate(T))
           for k in runs]
    out = {"T": T, "states": len(per), "per_state": per}
    if not per:
        return out
    for q in ("pe", "tau_alpha", "D_A"):
        out[q] = mean_interval([p[q] for p in per], 0.95)
    out["equilibration_tau_alpha"] = float(per[0]["equilibration_tau"] / out["tau_alpha"][0])
    dpe, dfs = judge([p["pe_drift"] for p in per], 0.0, MARGINS["stationary_pe"]), \
        judge([p["fs_half2"] - p["fs_half1"] for p in per], 0.0, MARGINS["stationary_fs"])
    verdicts = (dpe[0], dfs[0])
    out["stationarity"] = stationarity(*verdicts)
    out["stationarity_verdicts"] = {"pe": dpe[0], "fs": dfs[0]}
    out["drift_pe"], out["drift_fs"] = dpe[1], dfs[1]
    out["verdicts"] = _published_verdicts(per, T)
    if solid:
        found = [solid_like_of_state(prot, T, k) for k in runs]
        out["solid_fraction_max"] = max(s.fraction for s in found)
        out["largest_solid_cluster"] = max(s.largest for s in found)
        out["crystallite"] = any(s.crystallite for s in found)
    out["curves"] = {"lags_tau": per[0]["lags_tau"],
                     "msd_A": np.array([p["msd_A"] for p in per]), "fs_A": np.array([p["fs_A"] for p in per])}
    return out


def _published_verdicts(per, T) -> dict:
    target = published_targets(T)
    v = {}
    if "pe" in target:
        v["pe"] = judge([p["pe"] for p in per], target["pe"], MARGINS["pe_published"])
    for q, m in (("tau_alpha", "tau_alpha_published"), ("D_A", "D_published")):
        if q in target:
            v[q] = judge([p[q] for p in per], target[q], MARGINS[m] * target[q])
    curve = CURVES.get(min(CURVES, key=lambda t: abs(t - T))) if CURVES else None
    if curve is not None and abs(curve.temperature - T) < 1e-9:
        v.update(curve_verdicts(per, curve))
    return v


def curve_verdicts(per, curve) -> dict:
    """Lag-by-lag verdicts of the mean curves against a published one, at every lag from
    ``CURVE_FROM`` tau inside the table: "agrees" when every lag agrees, "disagrees" when any
    lag disagrees, else "inconclusive". MSD is compared as the ratio ours / published."""
    lags = per[0]["lags_tau"]
    keep = (lags >= CURVE_FROM) & (lags <= curve.time[-1])
    ref = curve.at(lags[keep])
    out = {}
    for name, series, target_of, margin in (
            ("msd_curve", "msd_A", lambda j: 1.0, MARGINS["curve_msd"]),
            ("fs_curve", "fs_A", lambda j: ref["fs_A"][j], MARGINS["curve_fs"])):
        if name == "fs_curve" and "fs_A" not in ref:
            continue
        rows = []
        for j, i in enumerate(np.flatnonzero(keep)):
            vals = [p[series][i] / (ref["msd_A"][j] if series == "msd_A" else 1.0) for p in per]
            rows.append(judge(vals, target_of(j), margin)[0])
        out[name] = ("disagrees" if "disagrees" in rows else "agrees" if rows and set(rows) == {"agrees"}
                     else "inconclusive", (int(sum(r == "agrees" for r in rows)), len(rows)))
    return out


def solid_like_of_state(prot: ShelfProtocol, T: float, k: int):
    """:func:`~glasshelpers.core.structure.crystal.solid_like` of the A particles of a shelved state."""
    cfg = read_configuration(verified_run(prot, T, k) / "state.gsd")
    L = cfg["box_length"]
    return solid_like([L, L, L, 0, 0, 0], cfg["positions"][cfg["types"] == 0])
