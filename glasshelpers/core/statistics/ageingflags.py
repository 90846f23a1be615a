"""How many of a profile's "ageing" flags does chance explain?

Every simulation run of a profile gets its own two-halves verdict
(:mod:`glasshelpers.core.dynamics.equilibration`, stage 1) at a family-wise 5 % per run. Over many
stationary runs that flags some of them by chance; :func:`across_runs` reads all the
runs of a profile as one family instead (Bonferroni within a run, Holm over the runs).
The simulation overview and the landing page use it to say which flags chance explains;
a run's own verdict, which later stages use, is left as it is.
"""

from __future__ import annotations

import numpy as np

#: The p-value columns of a run's summary (``results/sim_<tag>_summary.csv``, written by
#: :mod:`glasshelpers.stages.s01_simulation.simulation`): U/N, MSD at a lag near tau_alpha, F_s at tau_alpha.
HALVES_COLUMNS = ("U_drift_p", "msd_drift_p", "fs_drift_p")


def across_runs(p_values, alpha: float = 0.05, tests_per_run: int = 3):
    """The two-halves tests of several runs read as one family.

    Each run is called ageing when one of its ``tests_per_run`` halves tests has
    p < alpha / tests_per_run (Bonferroni within the run, family-wise ``alpha`` per run).
    Over R stationary runs that still flags about ``alpha * R`` of them by chance (one in
    two profiles of 13 stationary runs has at least one such flag). This function gives
    each run its Bonferroni family p-value, ``min(1, tests_per_run * min_j p_j)`` (below
    ``alpha`` exactly when the run's own verdict is ageing), and then Holm's step-down
    correction over the runs (``statsmodels.stats.multitest.multipletests``), which keeps
    the chance of any false flag in the whole profile below ``alpha``.

    Parameters
    ----------
    p_values : array_like, shape (n_runs, n_tests)
        Two-sided p-values of each run's halves tests; NaN where a test was not made
        (e.g. F_s when tau_alpha is below the frame interval).
    alpha : float
        Family-wise error rate, per run and over the runs.
    tests_per_run : int
        The Bonferroni factor each run's verdict used (3: U/N, MSD, F_s).

    Returns
    -------
    family_p, holm_p : ndarray, shape (n_runs,)
        Per-run family p-value and its Holm-adjusted value (NaN for a run with no test).
    flagged : ndarray of bool, shape (n_runs,)
        ``holm_p < alpha``: runs whose drift survives the correction over the runs.
    """
    from statsmodels.stats.multitest import multipletests

    p = np.atleast_2d(np.asarray(p_values, dtype=np.float64))
    if p.ndim != 2:
        raise ValueError(f"p_values must be 2-d (runs x tests), got shape {p.shape}")
    if not (0 < alpha < 1):
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if int(tests_per_run) < 1:
        raise ValueError(f"tests_per_run must be >= 1, got {tests_per_run!r}")
    finite = np.isfinite(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    family = np.full(p.shape[0], np.nan)
    has = finite.any(axis=1)
    family[has] = np.minimum(1.0, int(tests_per_run) * np.nanmin(np.where(finite, p, np.inf)[has], axis=1))
    holm = np.full_like(family, np.nan)
    if has.any():
        holm[has] = multipletests(family[has], alpha=alpha, method="holm")[1]
    return family, holm, np.where(has, holm < alpha, False)


def summary_flags(summaries, alpha: float = 0.05):
    """:func:`across_runs` on a frame of run summaries, one row per run.

    Returns two boolean arrays over the rows: ``by_halves`` (the run's own halves tests
    flag it at ``alpha``) and ``kept`` (the flag survives Holm over the runs). Both are all
    False where the frame has no :data:`HALVES_COLUMNS` or a single run."""
    n = len(summaries)
    cols = [c for c in HALVES_COLUMNS if c in summaries]
    if not cols or n < 2:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    family, _, kept = across_runs(summaries[cols].to_numpy(dtype=float), alpha=alpha)
    return family < alpha, kept
