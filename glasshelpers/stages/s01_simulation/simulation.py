"""Stage 1, the simulation: how fast each run relaxes, and whether it was equilibrated.

For one production trajectory (A particles, one frame per tau): the MSD and the
self-intermediate scattering function F_s(k, t) at k = 7.25 (first peak of S_AA at
density 1.2) over log-spaced lags, tau_alpha (F_s = 1/e) and D_A (long-time slope of the
MSD) with block-bootstrap intervals over time origins, and three two-halves tests: U/N,
the MSD at a lag near tau_alpha, and F_s at tau_alpha (:mod:`glasshelpers.core.dynamics.equilibration`).

The verdict of a run (:func:`equilibrium_verdict`):

* ``equilibrated``: the time spent at T before production is at least
  ``protocol.equil_tau_alpha`` times tau_alpha, and no two-halves test finds a drift;
* ``ageing``: a two-halves test finds a drift, or the run equilibrated for fewer tau_alpha;
* ``untested``: production is too short to measure tau_alpha in each half (tau_alpha
  beyond half the run), so equilibrium can be neither shown nor refuted: F_s cannot be
  compared, and the block errors of U/N and the MSD, over stretches shorter than tau_alpha,
  miss the structure's own slow fluctuations, so a drift between the halves is no evidence
  either way (two demo realisations at T = 0.45 drifted in opposite directions, U/N -7.023
  and -7.006). Their U/N is then compared with published values with the instantaneous
  spread of U/N as its uncertainty (an upper bound).

Where tau_alpha is shorter than the frame interval (1 tau, T >~ 1.2) it cannot be
resolved: the run counts as equilibrated when its U/N and MSD halves agree, since it
equilibrated for more tau_alpha than it did tau.

Units: lengths sigma_AA, times tau, energies epsilon_AA.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.core.dynamics import equilibration as eq
from glasshelpers.core.dynamics import relaxation as rx
from glasshelpers.core.structure.crystal import CRYSTALLITE  # noqa: F401  (the page states it)

#: MSD (sigma_AA^2) from which the displacement is counted as diffusive: about one
#: particle diameter squared, well past the cage plateau (~0.1 sigma^2).
DIFFUSIVE_MSD = 1.0
#: Lags per curve (log-spaced, frames).
N_LAGS = 40
#: Fewest blocks of time origins behind an interval: blocks must be as long as the lags
#: they average over (tau_alpha, or the longest lag of the D fit), and an interval from
#: fewer blocks would not be worth its name.
MIN_BLOCKS = 5
#: Lags (frames = tau) at which MSD_A and F_s^A are compared with a published table inside
#: the run's own window (the RUMD curves at 0.45, where tau_alpha exceeds any affordable
#: run): from past the cage to 512 tau, each at most 1/(MIN_BLOCKS + 1) of the run so that
#: its interval rests on MIN_BLOCKS blocks of origins as long as the lag.
WINDOW_LAGS = (8, 16, 32, 64, 128, 256, 512)


@dataclass(frozen=True)
class RunRelaxation:
    """Relaxation and equilibrium tests of one run. Times in tau.

    - curves : DataFrame (lag, msd, fs) over log-spaced lags.
    - tau_alpha, D : :class:`glasshelpers.core.dynamics.equilibration.BlockInterval` (estimate NaN when
      F_s does not reach 1/e, or the MSD not ``DIFFUSIVE_MSD``, within the run).
    - energy : two-halves test of U/N over production.
    - dynamics : two-halves test of the MSD and F_s (:class:`~glasshelpers.core.dynamics.equilibration.HalvesDynamics`).
    - history : tau spent at this temperature before production.
    - production : tau of production.
    - fast : F_s fell below 1/e within the first frame: tau_alpha is below the frame
      interval (1 tau) and cannot be resolved from the stored trajectory.
    - energy_sd : standard deviation of U/N over production (one configuration's spread).
    - window : MSD_A and F_s^A at :data:`WINDOW_LAGS` inside the run (:func:`window_values`).
    """

    curves: pd.DataFrame
    tau_alpha: eq.BlockInterval
    D: eq.BlockInterval
    energy: eq.HalvesTest
    dynamics: eq.HalvesDynamics
    history: float
    production: float
    fast: bool = False
    energy_sd: float = float("nan")
    window: pd.DataFrame | None = None

    @property
    def slow(self) -> bool:
        """tau_alpha exceeds half the production run: structure does not relax within a half."""
        return not self.fast and not np.isfinite(self.tau_alpha.estimate)


def _lags(n_frames: int) -> np.ndarray:
    """Log-spaced lags up to half the run, so that every lag has at least half the run's origins."""
    return np.unique(np.round(np.geomspace(1, max(n_frames // 2, 1), N_LAGS)).astype(int))


def _no_interval(b: eq.BlockInterval) -> eq.BlockInterval:
    """The estimate alone, when the run holds fewer than ``MIN_BLOCKS`` blocks."""
    return eq.BlockInterval(b.estimate, np.nan, np.nan, np.nan, b.confidence, b.block_length, b.n_blocks, 0,
                            np.full(1, np.nan))


def _diffusion(lags, msd_pc, curve, n_frames, n_boot, seed) -> eq.BlockInterval:
    """D_A from MSD = 6 D t + c over lags from where the MSD reaches ``DIFFUSIVE_MSD`` up to
    1/``MIN_BLOCKS`` of the run (blocks of origins as long as the longest lag)."""
    reach = np.flatnonzero(curve >= DIFFUSIVE_MSD)
    t_max = n_frames // (MIN_BLOCKS + 1)
    use = lags <= t_max
    if not reach.size or lags[reach[0]] * 2 > t_max:
        return _no_interval(eq.BlockInterval(np.nan, np.nan, np.nan, np.nan, 0.68, 0, 0, 0, np.full(1, np.nan)))
    t_min = float(lags[reach[0]])
    return eq.diffusion_interval(lags[use].astype(float), msd_pc[use], t_min=t_min, t_max=float(t_max),
                                 n_boot=n_boot, seed=seed)


def _msd_lag(tau, fs_first, n_frames) -> int:
    """Lag (frames) of the two-halves MSD test: tau_alpha, or one frame when F_s has decayed
    past 1/e within the first frame (tau_alpha below the frame interval), at most a
    quarter of a half so that each half holds several blocks of origins longer than the lag."""
    h = n_frames // 2
    lag = round(tau) if np.isfinite(tau) else (1 if fs_first <= rx.INV_E else h // 4)
    return int(np.clip(lag, 1, max(1, h // 4)))


def window_values(positions, k: float = rx.FS_WAVENUMBER, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """MSD_A and F_s^A at the :data:`WINDOW_LAGS` a run of this length can average over.

    positions : (n_frames, n_A, 3) unwrapped positions, one frame per tau.
    Returns rows (lag in tau, quantity ``msd_A`` in sigma_AA^2 or ``fs_A``, estimate, lo95,
    hi95 from a block bootstrap over time origins with blocks as long as the lag, and
    ``spread``: the standard deviation of the single-origin values, i.e. of one
    configuration's curve over one lag).
    """
    x = np.asarray(positions)
    n = x.shape[0]
    lags = np.array([lag for lag in WINDOW_LAGS if lag * (MIN_BLOCKS + 1) <= n - 1], dtype=int)
    rows = []
    if lags.size:
        curves = {"msd_A": rx.msd(x, lags, per_origin=True),
                  "fs_A": rx.self_intermediate_scattering(x, lags, k, per_origin=True)}
        for q, pc in curves.items():
            for i, lag in enumerate(lags):
                v = pc[i][np.isfinite(pc[i])][None, :]
                b = eq.block_bootstrap(v, lambda c: c[0], block_length=int(lag), n_boot=n_boot,
                                       seed=seed + i, confidence=0.95)
                rows.append(dict(lag=int(lag), quantity=q, estimate=b.estimate, lo95=min(b.low, b.estimate),
                                 hi95=max(b.high, b.estimate), spread=float(np.std(v))))
    return pd.DataFrame(rows, columns=["lag", "quantity", "estimate", "lo95", "hi95", "spread"])


def _energy_test(series, alpha) -> eq.HalvesTest:
    """Two-halves test of U/N with the most blocks whose length is at least 5 integrated
    autocorrelation times (down to 3 blocks per half)."""
    fits = [nb for nb in (10, 8, 6, 5, 4, 3) if 2 * nb <= len(series) // 2] or [2]
    for nb in fits:
        res = eq.ageing_test(series, n_blocks=nb, alpha=alpha, quantity="U/N")
        if res.blocks_ok:
            break
    return res


def run_relaxation(positions, energy_series, *, history: float, k: float = rx.FS_WAVENUMBER,
                   n_boot: int = 200, seed: int = 0, alpha: float = 0.05, window: bool = False) -> RunRelaxation:
    """Relaxation and equilibrium tests of one production run.

    - positions : (n_frames, n_A, 3) unwrapped positions of the A particles, one frame per tau.
    - energy_series : (n_frames,) potential energy per particle over production.
    - history : tau spent at this temperature before production (seed time at the seed
      temperature included).
    - k : wavenumber of F_s, sigma_AA^-1.
    - n_boot, seed : block bootstrap of tau_alpha and D (blocks of consecutive origins).
    - alpha : family-wise level of the three two-halves tests (each is run at alpha / 3,
      Bonferroni, so that a stationary run is called ageing at most ``alpha`` of the time).
    - window : also measure the curves at :data:`WINDOW_LAGS` (:func:`window_values`), for a
      temperature with a published table of them (:func:`has_published_curves`).
    """
    x = np.asarray(positions)
    n = x.shape[0]
    lags = _lags(n)
    msd_pc = rx.msd(x, lags, per_origin=True)
    fs_pc = rx.self_intermediate_scattering(x, lags, k, per_origin=True)
    msd, fs = np.nanmean(msd_pc, axis=1), np.nanmean(fs_pc, axis=1)
    tau = eq.tau_alpha_interval(lags.astype(float), fs_pc, n_boot=n_boot, seed=seed)
    if tau.n_blocks < MIN_BLOCKS:
        tau = _no_interval(tau)
    D = _diffusion(lags, msd_pc, msd, n, n_boot, seed + 1)
    each = alpha / 3
    dyn = eq.compare_halves_dynamics(x, _msd_lag(tau.estimate, fs[0], n), k=k, tau_alpha_frames=tau.estimate,
                                     alpha=each)
    energy_series = np.asarray(energy_series, dtype=float)
    energy = _energy_test(energy_series, each)
    curves = pd.DataFrame({"lag": lags, "msd": msd, "fs": fs})
    return RunRelaxation(curves=curves, tau_alpha=tau, D=D, energy=energy, dynamics=dyn,
                         history=float(history), production=float(n - 1), fast=bool(fs[0] <= rx.INV_E),
                         energy_sd=float(np.std(energy_series)) if energy_series.size else float("nan"),
                         window=window_values(x, k, n_boot=n_boot, seed=seed + 2) if window else None)


def equilibrium_verdict(r: RunRelaxation, min_tau_alpha: float, shelf: dict | None = None) -> tuple[str, str]:
    """(verdict, reason): ``equilibrated``, ``ageing`` or ``untested`` (module docstring).

    ``shelf`` (:func:`shelf_record`) decides a run that starts from a shelf state made at its
    own temperature: such a run continues an equilibrium trajectory of T (fresh
    Maxwell-Boltzmann velocities, the same thermostat), so its verdict is the shelf's
    cross-state test at T: ``equilibrated`` when it calls T stationary, ``ageing`` when it
    finds ageing, ``untested`` when undetermined. The run's own halves tests are reported
    beside it and not counted: on the shelf's equilibrium states, windows of 300-1200 tau at
    0.47-0.58 fail them far more often than their nominal rate (:func:`halves_false_alarms`).
    """
    tests = [r.energy, r.dynamics.msd] + ([r.dynamics.fs] if r.dynamics.fs is not None else [])
    drifting = [t.quantity for t in tests if t.verdict == "ageing"]
    if shelf is not None and shelf.get("shelf_stationarity") is not None:
        word = shelf["shelf_stationarity"]
        what = (f"the run starts from {shelf['start']}, and the shelf's cross-state test over its "
                f"{shelf['shelf_states']} states at this temperature finds it {word}")
        own = (f"; the run's own halves differ in {', '.join(drifting)}, a test not counted for a run that "
               "continues a shelf state (it fails on the shelf's equilibrium states far above its nominal rate)"
               if drifting else "")
        return {"stationary": "equilibrated", "ageing": "ageing"}.get(word, "untested"), what + own
    if r.slow:
        # Block errors over stretches shorter than tau_alpha miss the structure's own slow
        # fluctuations, so a difference between the halves is no evidence of ageing (two demo
        # realisations at 0.45 drifted in opposite directions), nor agreement of equilibrium.
        return "untested", (f"tau_alpha exceeds half the production run ({r.production / 2:g} tau): F_s cannot "
                            "be compared between the halves, and block errors shorter than tau_alpha cannot tell "
                            "ageing from slow equilibrium fluctuations"
                            + (f" (the halves differ in {', '.join(drifting)})" if drifting else ""))
    if drifting:
        return "ageing", "the two halves of production differ in " + ", ".join(drifting)
    tau = r.tau_alpha.estimate
    if r.fast:
        return "equilibrated", (f"tau_alpha is below the 1-tau frame interval, so {r.history:g} tau of "
                                f"equilibration are over {r.history:g} tau_alpha; the halves agree in U/N and MSD")
    if r.dynamics.fs is None:
        return "untested", (f"tau_alpha = {tau:.3g} tau leaves fewer than 4 time origins per half of the "
                            f"{r.production:g}-tau run: F_s cannot be compared between the halves")
    ratio = r.history / tau
    if ratio < min_tau_alpha:
        return "ageing", (f"equilibrated for {r.history:g} tau = {ratio:.1f} tau_alpha, fewer than the "
                          f"{min_tau_alpha:g} required")
    return "equilibrated", f"{ratio:.1f} tau_alpha of equilibration; the halves agree in U/N, MSD and F_s"


def halves_false_alarms(series, length: int, alpha: float = 0.05 / 3) -> dict:
    """How often the within-run U/N halves test flags series known to be stationary.

    Applies stage 1's two-halves test of U/N (at ``alpha``, the level each of a run's three
    tests is run at) to windows of ``length`` values of each series, one window every
    ``length / 2`` values. For stationary series the fraction flagged is the test's
    false-alarm rate at that run length; its nominal value is ``alpha``.

    Parameters
    ----------
    series : iterable of 1-D arrays, U/N (epsilon) one value per tau, each from a stationary run
    length : window, values (tau)
    alpha : level of the test

    Returns
    -------
    dict with ``length``, ``windows``, ``flagged``, ``rate`` (flagged / windows, NaN without
    a window), ``nominal`` (alpha) and ``differences`` (second half minus first, one per window).
    """
    length = int(length)
    flagged, diffs = 0, []
    for x in series:
        x = np.asarray(x, dtype=float)
        for start in range(0, len(x) - length + 1, max(length // 2, 1)):
            test = _energy_test(x[start:start + length], alpha)
            flagged += test.verdict == "ageing"
            diffs.append(test.second_mean - test.first_mean)
    n = len(diffs)
    return {"length": length, "windows": n, "flagged": int(flagged), "rate": flagged / n if n else float("nan"),
            "nominal": float(alpha), "differences": np.array(diffs)}


def summary_row(r: RunRelaxation, min_tau_alpha: float, shelf: dict | None = None) -> dict:
    """The run's relaxation and equilibrium numbers as one flat row (for the results CSV);
    ``shelf`` as in :func:`equilibrium_verdict`."""
    verdict, reason = equilibrium_verdict(r, min_tau_alpha, shelf)
    dyn = r.dynamics
    row = dict(tau_alpha=r.tau_alpha.estimate, tau_alpha_lo=r.tau_alpha.low, tau_alpha_hi=r.tau_alpha.high,
               D_A=r.D.estimate, D_A_lo=r.D.low, D_A_hi=r.D.high, equil_history=r.history,
               equil_over_tau_alpha=r.history / r.tau_alpha.estimate if np.isfinite(r.tau_alpha.estimate) else np.nan,
               U_first_half=r.energy.first_mean, U_second_half=r.energy.second_mean, U_drift_p=r.energy.p_value,
               msd_lag=dyn.msd_lag, msd_first_half=dyn.msd.first_mean, msd_second_half=dyn.msd.second_mean,
               msd_drift_p=dyn.msd.p_value)
    fs = dyn.fs
    row.update(fs_first_half=fs.first_mean if fs else np.nan, fs_second_half=fs.second_mean if fs else np.nan,
               fs_drift_p=fs.p_value if fs else np.nan, equilibrium=verdict, equilibrium_reason=reason,
               start=shelf["start"] if shelf else "seed run")
    return row


def equilibration_history(profile: Profile, T: float, replica: int = 0) -> float:
    """tau spent at T before production: the run's equilibration, plus what its starting
    configuration already spent at T. That is the seed run when T is the seed temperature,
    or, for a profile on a shelf, the shelf state's equilibration and measured stretch when
    the state was made at T itself (the run continues from that configuration; only the
    velocities are drawn afresh)."""
    from glasshelpers.pipeline.profiles import equil_time
    from glasshelpers.pipeline.runs import shelf_start, uses_seed

    if not uses_seed(profile):
        shelf, Ts, _ = shelf_start(profile, T, replica)
        same = abs(float(T) - Ts) < 1e-9
        before = shelf.equilibration_time(Ts) + shelf.production_time(Ts) if same else 0
        return float(equil_time(profile, T) + before)
    seed = profile.protocol
    same = abs(float(T) - float(seed.seed_temperature)) < 1e-9
    return float(equil_time(profile, T) + (int(seed.seed_time) if same else 0))


def shelf_record(profile: Profile, T: float, replica: int = 0) -> dict | None:
    """Where a run on a shelf starts, and what the shelf shows there (None off a shelf).

    Returns ``start`` (words), ``shelf_temperature`` (the shelved T the state was made at),
    ``state`` and, when that is T itself, ``shelf_states`` (K finished) and
    ``shelf_stationarity`` (the cross-state verdict of
    :func:`glasshelpers.stages.s01_simulation.evidence.temperature_evidence`: stationary,
    undetermined or ageing; None when the state was made at another T).
    """
    from glasshelpers.pipeline.runs import shelf_start, uses_seed

    if uses_seed(profile):
        return None
    shelf, Ts, k = shelf_start(profile, T, replica)
    out = {"start": f"shelf {shelf.name}, state {k} at T = {Ts:g}", "shelf_temperature": Ts, "state": k,
           "shelf_states": 0, "shelf_stationarity": None}
    if abs(float(T) - Ts) < 1e-9:
        from glasshelpers.stages.s01_simulation.evidence import temperature_evidence

        ev = temperature_evidence(shelf, Ts, solid=False)
        out["shelf_states"] = int(ev["states"])
        out["shelf_stationarity"] = ev.get("stationarity", "undetermined")
    return out


#: Tolerances of the comparison with published values: tau_alpha and D_A within a factor
#: 1.25 (other system sizes, N = 10000 there; ensembles and thermostats differ), U/N within
#: 0.005 epsilon (finite-size shifts of U/N at N >= 2000 are of order 1e-3); inside the
#: run's window the MSD_A within the same factor 1.25 and F_s^A within 0.03 (a tenth of its
#: decay over 8-512 tau at 0.45).
TOLERANCE = {"tau_alpha": ("factor", 1.25), "D_A": ("factor", 1.25), "U_per_N": ("absolute", 0.005),
             "msd_A": ("factor", 1.25), "fs_A": ("absolute", 0.03)}


def has_published_curves(T: float) -> bool:
    """Whether a published table of MSD_A(t) and F_s^A(t) exists at T (RUMD, T = 0.45)."""
    from glasshelpers.reference import published

    return abs(float(T) - published.RUMD_T045.temperature) < 1e-9


def published_values(T: float) -> list:
    """``(quantity, reference)`` of every published value at exactly this temperature."""
    from glasshelpers.reference import published

    out = [("U_per_N", r) for r in published.POTENTIAL_ENERGY if r.temperature is not None
           and abs(r.temperature - T) < 1e-9]
    if has_published_curves(T):
        d = published.derived_t045()
        out += [("tau_alpha", d["tau_alpha_A"]), ("D_A", d["D_A"])]
    return out


def _interval95(r: RunRelaxation, quantity: str) -> tuple[float, float, float]:
    if quantity == "U_per_N":
        e = r.energy
        est = 0.5 * (e.first_mean + e.second_mean)
        hw = 1.96 * 0.5 * np.hypot(e.first_err, e.second_err)
        if r.slow:
            # the run mean of a liquid whose structure has not relaxed within half the run is
            # known no better than one configuration's U/N: the instantaneous spread, an upper
            # bound (two demo realisations at 0.45 differed by 0.017)
            hw = max(hw, 1.96 * r.energy_sd)
        return est, est - hw, est + hw
    b = r.tau_alpha if quantity == "tau_alpha" else r.D
    fin = b.samples[np.isfinite(b.samples)]
    if not np.isfinite(b.estimate) or fin.size < 10:
        return b.estimate, np.nan, np.nan
    lo, hi = np.quantile(fin, [0.025, 0.975])
    return b.estimate, min(lo, b.estimate), max(hi, b.estimate)


def published_comparison(r: RunRelaxation, T: float) -> pd.DataFrame:
    """Our tau_alpha, D_A and U/N against the published values at this temperature, with a
    verdict from our 95 % interval and :data:`TOLERANCE` (empty where none is published);
    where a published table of the curves exists (RUMD, T = 0.45) also MSD_A and F_s^A at
    the run's window lags (quantities ``msd_A(t=64)``, ``fs_A(t=64)``, ...), judged only
    when the run is longer than tau_alpha (otherwise "inconclusive": see the comment)."""
    from glasshelpers.reference.verdicts import judge_value

    from glasshelpers.reference import published

    def row(q, name, est, lo, hi, value, kind_of, source, where):
        kind, tol = TOLERANCE[q]
        band = (value / tol, value * tol) if kind == "factor" else (value - tol, value + tol)
        holds = judge_value(lo, hi, *band, est=est)
        return dict(T=T, quantity=name, ours=est, ours_lo95=lo, ours_hi95=hi, published=value,
                    tolerance=f"x/{tol:g}" if kind == "factor" else f"+-{tol:g}", kind=kind_of,
                    source=source, where=where,
                    verdict={True: "agrees", False: "disagrees", None: "inconclusive"}[holds])

    rows = [row(q, q, *_interval95(r, q), ref.value, ref.kind, ref.source, ref.where)
            for q, ref in published_values(T)]
    tab = published.RUMD_T045
    if has_published_curves(T) and r.window is not None and len(r.window):
        ref = published.rumd_t045_at(r.window["lag"].to_numpy(float))
        for i, w in enumerate(r.window.itertuples(index=False)):
            rows.append(row(w.quantity, f"{w.quantity}(t={w.lag})", w.estimate, w.lo95, w.hi95,
                            ref[w.quantity][i], "published data", tab.source, f"{tab.where} (interpolated in log t)"))
            if r.slow:
                # A run shorter than tau_alpha samples one slowly changing state: its block
                # interval says how well that state's curve is measured, not how far another
                # realisation would land (two demo runs at 0.45: MSD_A(128 tau) 0.044
                # [0.042, 0.045] and 0.068 [0.061, 0.074]), so no verdict follows.
                rows[-1]["verdict"] = "inconclusive"
    return pd.DataFrame(rows, columns=["T", "quantity", "ours", "ours_lo95", "ours_hi95", "published", "tolerance",
                                       "kind", "source", "where", "verdict"])


def crystal_check(positions_A, box_length: float, n_frames: int = 3) -> tuple[pd.DataFrame, dict]:
    """Solid-like order of the A particles (:mod:`glasshelpers.core.structure.crystal`) at ``n_frames``
    production frames spread from the first to the last.

    positions_A : (n_frames_run, n_A, 3) positions of the A particles, sigma_AA.
    box_length : cubic box edge, sigma_AA.

    Returns the table (frame, solid-like fraction, largest cluster, crystallite) and the
    summary columns: the largest cluster over the frames checked, the solid-like fraction
    at the last frame, and ``crystallite`` (any frame with a crystallite).
    """
    import freud

    from glasshelpers.core.structure import crystal

    x = np.asarray(positions_A)
    frames = np.unique(np.linspace(0, len(x) - 1, n_frames).round().astype(int))
    box = freud.box.Box.cube(float(box_length))
    found = crystal.solid_like_frames(box, x, frames)
    table = pd.DataFrame({"frame": frames, "solid-like A (%)": [100 * r.fraction for r in found],
                          "largest solid-like cluster": [r.largest for r in found],
                          "crystallite": [r.crystallite for r in found]})
    summary = dict(solid_A_last=found[-1].fraction, largest_solid_cluster=max(r.largest for r in found),
                   crystallite=any(r.crystallite for r in found))
    return table, summary
