"""HOOMD-blue backend: runs only where `import hoomd` works (conda-forge environment)."""

import pytest

from glasshelpers.model import KASystem, potential_energy, random_configuration

hoomd = pytest.importorskip("hoomd", reason="HOOMD-blue is not installable here (conda-forge only)")


def test_hoomd_energy_matches_direct_sum():
    from glasshelpers.engines import get_engine
    x, t, L = random_configuration(KASystem(500), 11)
    with get_engine("hoomd") as eng:
        eng.load(x, t, L)
        eng.minimize()
        st = eng.state()
        assert eng.thermo()["pe"] * 500 == pytest.approx(
            potential_energy(st.positions, st.types, L), rel=1e-5)


def test_hoomd_short_run_temperature():
    from glasshelpers.engines import get_engine
    x, t, L = random_configuration(KASystem(500), 5)
    with get_engine("hoomd") as eng:
        eng.load(x, t, L)
        eng.minimize()
        eng.thermalize(1.0, 3)
        eng.set_nvt(1.0, 0.5)
        eng.run(4000)
        temps = []
        for _ in range(40):
            eng.run(100)
            temps.append(eng.thermo()["temperature"])
    assert abs(sum(temps) / len(temps) - 1.0) < 0.02
