"""Solid-like order (glasshelpers.core.structure.crystal): an fcc lattice is all solid, an ideal gas and a
dense random liquid have no crystallite, and an fcc nucleus embedded in a liquid is found
with about its own size."""

import numpy as np
import pytest

from glasshelpers.core.structure import crystal

#: fcc lattice constant of pure A at its partial number density in KA (0.8 x 1.2 = 0.96)
A_FCC = (4 / 0.96) ** (1 / 3)


def _fcc(n):
    base = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    g = np.array([[i, j, k] for i in range(n) for j in range(n) for k in range(n)])
    return ((g[:, None, :] + base[None]) * A_FCC).reshape(-1, 3)


def _box(L):
    import freud
    return freud.box.Box.cube(L)


def test_fcc_lattice_is_all_solid_like_and_one_cluster():
    n = 7
    pos = _fcc(n)
    r = crystal.solid_like(_box(n * A_FCC), pos)
    assert r.n == 4 * n**3
    assert r.fraction == 1.0 and r.largest == 4 * n**3 and r.crystallite


def test_fcc_with_small_thermal_noise_stays_solid():
    n = 7
    pos = _fcc(n) + np.random.default_rng(0).normal(0, 0.05, (4 * n**3, 3))   # Lindemann ratio ~ 0.08
    r = crystal.solid_like(_box(n * A_FCC), pos)
    assert r.fraction > 0.95 and r.crystallite


def test_ideal_gas_has_no_crystallite():
    L = 7 * A_FCC
    pos = np.random.default_rng(1).uniform(0, L, (1372, 3))
    r = crystal.solid_like(_box(L), pos)
    assert r.fraction < 0.02 and r.largest < 10 and not r.crystallite


def test_embedded_fcc_nucleus_is_found_at_about_its_size():
    """A ball of fcc (radius 3.2 sigma, about 130 particles) in an ideal gas of the same density:
    the largest solid-like cluster is the ball, less at most its surface layer."""
    n = 9
    L = n * A_FCC
    lattice = _fcc(n) - L / 2
    inside = np.linalg.norm(lattice, axis=1) < 3.2
    rng = np.random.default_rng(2)
    gas = rng.uniform(-L / 2, L / 2, (4 * n**3 - inside.sum(), 3))
    gas = gas[np.linalg.norm(gas, axis=1) > 3.2 + 0.5]          # no overlap with the ball
    pos = np.vstack([lattice[inside], gas])
    r = crystal.solid_like(_box(L), pos)
    core = int((np.linalg.norm(lattice, axis=1) < 3.2 - A_FCC / np.sqrt(2)).sum())
    assert core <= r.largest <= inside.sum(), (core, r.largest, int(inside.sum()))
    assert r.crystallite == (r.largest >= crystal.CRYSTALLITE)


def test_box_too_small_for_the_cutoff_is_refused():
    with pytest.raises(ValueError, match="half the box"):
        crystal.solid_like(_box(2.5), np.random.default_rng(0).uniform(0, 2.5, (20, 3)))


def test_crystal_check_of_a_run_and_its_overview_row():
    """The stage's check over first, middle and last frames: a run that crystallises in its
    last frame is flagged, and the simulation overview names the crystallite."""
    import pandas as pd

    from glasshelpers.book.overview import _relaxation_table
    from glasshelpers.stages.s01_simulation import simulation

    n = 7
    L = n * A_FCC
    rng = np.random.default_rng(3)
    liquid = rng.uniform(0, L, (4 * n**3, 3))
    frames = np.stack([liquid, liquid + 0.01, _fcc(n)])           # melt, melt, crystal
    table, row = simulation.crystal_check(frames, L)
    assert list(table["frame"]) == [0, 1, 2]
    assert list(table["crystallite"]) == [False, False, True]
    assert row["crystallite"] and row["largest_solid_cluster"] == 4 * n**3 and row["solid_A_last"] == 1.0
    base = dict(T=0.45, equil_history=3700.0, tau_alpha=np.nan, equil_over_tau_alpha=np.nan, D_A=np.nan,
                U_drift_p=0.5, msd_drift_p=0.5, fs_drift_p=np.nan, equilibrium="untested")
    df = pd.DataFrame([{**base, **row}, {**base, "T": 0.47, **simulation.crystal_check(frames[:2], L)[1]}])
    text = "\n".join(_relaxation_table(pd.read_csv(pd.io.common.StringIO(df.to_csv(index=False)))))
    assert f"| {4 * n**3} (crystallite) |" in text
    liquid_row = next(ln for ln in text.splitlines() if ln.startswith("| 0.47 "))
    assert "crystallite" not in liquid_row
