"""Inherent structures: invariants of a quench, and LAMMPS against HOOMD-blue on one liquid."""

import numpy as np
import pytest

from glasshelpers.core.md.engines import get_engine
from glasshelpers.core.md.inherent import inherent_structures
from glasshelpers.core.md.model import KASystem, potential_energy, random_configuration


@pytest.fixture(scope="module")
def liquid():
    """Three frames 2 tau apart of a 500-particle liquid at T = 0.6 (LAMMPS)."""
    system = KASystem(500, 1.2)
    x, types, L = random_configuration(system, 11)
    frames = []
    with get_engine("lammps", 0.005, 1) as eng:
        eng.load(x, types, L)
        eng.minimize()
        eng.thermalize(0.6, 3)
        eng.set_nvt(0.6, 0.5)
        eng.run(4000)
        for _ in range(3):
            eng.run(400)
            frames.append(eng.state().unwrapped)
    return np.array(frames), types, L


def test_quench_lowers_the_energy_to_a_minimum_and_keeps_the_unwrapping(liquid):
    x, types, L = liquid
    with get_engine("lammps", 0.005, 1) as eng:
        q = inherent_structures(eng, x, types, L)
        again = inherent_structures(eng, q[:1], types, L)
    for i in range(len(x)):
        u_thermal, u_is = potential_energy(x[i], types, L) / 500, potential_energy(q[i], types, L) / 500
        assert u_is < u_thermal - 0.2                 # vibrational energy removed (about 3/2 T per particle)
        assert -7.8 < u_is < -7.3                     # a KA inherent-state energy at density 1.2 (shifted LJ)
    d = np.linalg.norm(q - x, axis=2)
    assert d.max() < 1.0 and 0.02 < np.median(d) < 0.3  # quenched inside the cage, no jumps of a box
    assert np.abs(again[0] - q[0]).max() < 1e-4        # an inherent structure is its own quench


def test_lammps_and_hoomd_find_the_same_inherent_structure(liquid):
    pytest.importorskip("hoomd")
    x, types, L = liquid
    with get_engine("lammps", 0.005, 1) as a, get_engine("hoomd", 0.005, 1) as b:
        qa = inherent_structures(a, x[:1], types, L)
        qb = inherent_structures(b, x[:1], types, L)
    ua, ub = (potential_energy(q[0], types, L) / 500 for q in (qa, qb))
    assert ua == pytest.approx(ub, abs=5e-3)
    # the same region of the landscape: the two minimisers (CG and FIRE) end closer to each
    # other than either is to the thermal configuration (nearby minima differ by a few 0.01)
    between = np.median(np.linalg.norm(qa[0] - qb[0], axis=1))
    assert between < 0.5 * np.median(np.linalg.norm(qa[0] - x[0], axis=1))


def test_bad_input():
    with pytest.raises(ValueError, match="shape"):
        inherent_structures(None, np.zeros((4, 3)), [0], 5.0)


def test_inherent_phop_and_the_control_summary(data_root, small_profile):
    """On a short cold run (0.45): quenching removes the vibrations inside the cages, so p_hop
    of the inherent trajectory sits well below the thermal one; the control reports both
    distributions, the candidates the paper's p_l finds, and the cost; the quenched p_hop is
    a cached product."""
    from glasshelpers.pipeline.profiles import load_profile
    from glasshelpers.products import trajectories as simulate
    from glasshelpers.products.banks import load_phop
    from glasshelpers.stages.s07_appendix import inherent

    keys = ("name", "model", "features", "analysis")
    prot = {**small_profile.protocol.model_dump(), "production_time_by_T": {0.45: 12}}
    p = load_profile("tiny", {**{k: small_profile.as_dict()[k] for k in keys}, "protocol": prot, "temperatures": [0.45, 1.0],
                              "labels": {**small_profile.labels.model_dump(), "softness_temperature": 0.45,
                                         "softness_per_class": 10**6}})   # no training at N = 500
    simulate.run_seed(p, threads=1, progress=False)
    for T in (0.45, 1.0):
        simulate.run_temperature(p, T, threads=1, progress=False)
    ih = inherent.inherent_phop(p, 0.45, progress=False)
    th = load_phop(p, 0.45, make=True)
    a = th["types"] == 0
    fin = np.isfinite(ih["phop"][:, a])
    assert np.array_equal(fin, np.isfinite(th["phop"][:, a])) and fin.any()
    assert np.median(ih["phop"][:, a][fin]) < 0.7 * np.median(th["phop"][:, a][fin])
    out = inherent.inherent_control(p, progress=False)
    assert out["T"] == 0.45 and out["n_frames"] == 13 and out["quench_wall_s"] > 0
    assert out["inherent"]["q50"] < out["thermal"]["q50"]
    assert set(out["candidates_inherent_paper_thresholds"]) == {0, 1}
    assert not out["fills"] and "b_best" not in out
    f = next((data_root / "unit" / "phop").glob("inherent_*.npz"))
    mtime = f.stat().st_mtime_ns
    inherent.inherent_phop(p, 0.45, progress=False)
    assert f.stat().st_mtime_ns == mtime
