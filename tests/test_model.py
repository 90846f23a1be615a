import numpy as np
import pytest

from glasshelpers.core.md.model import KASystem, pair_energy, potential_energy, random_configuration


def test_pair_energy_hand_values():
    # AA at the LJ minimum r = 2^(1/6): -eps minus the shift 4 (2.5^-12 - 2.5^-6)
    shift = 4 * (2.5 ** -12 - 2.5 ** -6)
    assert pair_energy(2 ** (1 / 6), 0, 0) == pytest.approx(-1.0 - shift, abs=1e-14)
    # AB at r = sigma_AB = 0.8: LJ part is zero, only the shift remains
    assert pair_energy(0.8, 0, 1) == pytest.approx(-1.5 * shift, abs=1e-14)
    # zero at and beyond each pair's own cutoff 2.5 sigma_ab
    for ti, tj, sig in ((0, 0, 1.0), (0, 1, 0.8), (1, 1, 0.88)):
        assert pair_energy(2.5 * sig, ti, tj) == 0.0
        assert pair_energy(2.5 * sig - 1e-9, ti, tj) == pytest.approx(0.0, abs=1e-8)
        assert pair_energy(3.0, ti, tj) == 0.0


def test_system_split_and_box():
    s = KASystem(4096)  # the paper's N: 0.8 * 4096 = 3276.8 -> 3277 A + 819 B
    assert (s.n_a, s.n_b) == (3277, 819)
    s = KASystem(2000)
    assert (s.n_a, s.n_b) == (1600, 400)
    assert s.box_length ** 3 * 1.2 == pytest.approx(2000)
    assert (s.types() == 0).sum() == 1600


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="80:20|0.8:0.2"):
        KASystem(7)  # nearest split 6:1 is 86 % A
    with pytest.raises(ValueError):
        KASystem(1000, density=-1)


def test_direct_energy_of_two_particles_across_face():
    L = 10.0
    x = np.array([[-4.9, 0, 0], [4.9, 0, 0]])  # 0.2 apart through the periodic face
    e = potential_energy(x, np.array([0, 0]), L)
    assert e == pytest.approx(pair_energy(0.2, 0, 0), rel=1e-12)


def test_random_configuration_in_box_and_seeded():
    s = KASystem(500)
    a, t, L = random_configuration(s, 7)
    b, _, _ = random_configuration(s, 7)
    assert np.array_equal(a, b)
    assert a.min() >= -L / 2 and a.max() < L / 2
