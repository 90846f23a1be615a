"""p_hop, cumulative displacement and the self van Hove function."""

import math

import numpy as np
import pytest

from glasshelpers.core.dynamics.dynamics import cumulative_displacement, phop, phop_direct, van_hove_self


def jump_trajectory(n_frames=40, jump_after=20, d=0.7):
    """One particle at the origin for frames <= jump_after, at (d, 0, 0) afterwards,
    plus a second particle that never moves (at (3, 4, 5))."""
    x = np.zeros((n_frames, 2, 3))
    x[jump_after + 1:, 0, 0] = d
    x[:, 1] = (3.0, 4.0, 5.0)
    return x


def test_particle_at_rest_is_zero_and_edges_nan():
    x = jump_trajectory()
    p = phop(x)
    assert p.shape == (40, 2)
    assert np.all(np.isnan(p[:5])) and np.all(np.isnan(p[-5:]))     # t < 5, t > n_frames - 6
    assert np.all(p[5:35, 1] == 0.0)


def test_single_jump_value():
    """Jump of size d between frames t = J and J + 1 (J = 20), p_hop at t = J.

    Window A = [J-5, J]: six frames, all at 0 -> <r>_A = 0.
    Window B = [J, J+5]: frame J at 0, frames J+1..J+5 (five) at d -> <r>_B = 5d/6.
    <|r - <r>_B|^2>_A = (5d/6)^2 = 25 d^2 / 36          (all six A frames are at 0)
    <|r - <r>_A|^2>_B = (1 * 0 + 5 * d^2) / 6 = 5 d^2 / 6 = 30 d^2 / 36
    p_hop = sqrt(25/36 * 30/36) d^2 = sqrt(750/1296) d^2 = sqrt(125/216) d^2 ~ 0.7607 d^2.
    At t = J + 1 the roles swap: A = [J-4, J+1] holds five frames at 0 and one at d
    (<r>_A = d/6), B = [J+1, J+6] six frames at d (<r>_B = d):
    term_A = <|r - d|^2>_A = (5 d^2 + 0) / 6 = 30d^2/36, term_B = (d - d/6)^2 = 25d^2/36,
    the same product, so p_hop(J + 1) = sqrt(125/216) d^2 too.
    For t <= J - 5 or t >= J + 6 both windows sit on one side: p_hop = 0.
    """
    d = 0.7
    J = 20
    x = jump_trajectory(jump_after=J, d=d)
    expected = math.sqrt(125 / 216) * d ** 2
    for p in (phop(x), phop_direct(x)):
        assert p[J, 0] == pytest.approx(expected, rel=1e-12)
        assert p[J + 1, 0] == pytest.approx(expected, rel=1e-12)
        assert np.all(p[J - 4:J, 0] < expected) and np.all(p[J - 4:J, 0] > 0)
        # zero up to rounding of the running sums (relative to d^2)
        assert np.all(p[5:J - 4, 0] == 0.0)
        assert np.all(np.abs(p[J + 6:35, 0]) < 1e-14 * d ** 2)
    # t = J - 1: B = [J-1, J+4] has two frames at 0 and four at d -> <r>_B = 2d/3;
    # A all at 0: term_A = 4d^2/9, term_B = 4d^2/6 -> p = sqrt(16/54) d^2
    assert phop(x)[J - 1, 0] == pytest.approx(math.sqrt(16 / 54) * d ** 2, rel=1e-12)


def test_fast_matches_direct_on_diffusing_particles_far_from_origin():
    rng = np.random.default_rng(0)
    # random walks with large drifts and offsets (like T = 2 unwrapped coordinates)
    x = np.cumsum(rng.normal(0, 0.3, size=(260, 40, 3)), axis=0)
    x += rng.uniform(-500, 500, size=(1, 40, 3)) + np.linspace(0, 200, 260)[:, None, None]
    fast = phop(x, chunk_particles=7, block_frames=33, max_step=None)
    direct = phop_direct(x)
    assert np.array_equal(np.isnan(fast), np.isnan(direct))
    ok = ~np.isnan(direct)
    np.testing.assert_allclose(fast[ok], direct[ok], rtol=1e-9, atol=1e-12)
    # other half windows
    np.testing.assert_allclose(phop(x, 2, max_step=None)[2:-2], phop_direct(x, 2)[2:-2], rtol=1e-9)


def test_short_trajectory_all_nan():
    x = np.zeros((10, 3, 3))
    assert np.all(np.isnan(phop(x)))          # needs at least 11 frames
    assert np.all(np.isnan(cumulative_displacement(x)))


def test_wrapped_and_bad_input_detected():
    x = jump_trajectory()
    x[25:, 1, 2] += 12.0          # a particle "jumps" by one box length: wrapped data
    with pytest.raises(ValueError, match="wrapped"):
        phop(x)
    with pytest.raises(ValueError, match="wrapped"):
        phop(x, box_length=12.0, max_step=None)
    y = jump_trajectory()
    y[3, 0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        phop(y)
    with pytest.raises(ValueError, match="shape"):
        phop(np.zeros((20, 3)))
    with pytest.raises(ValueError):
        phop(jump_trajectory(), half_window=0)


def test_cumulative_displacement():
    J, d = 20, 0.7
    x = jump_trajectory(jump_after=J, d=d)
    c = cumulative_displacement(x)
    assert np.all(np.isnan(c[:5])) and np.all(np.isnan(c[-5:]))
    # |r(t+5) - r(t-5)| = d exactly when t-5 <= J < t+5, i.e. J-4 <= t <= J+5
    assert np.all(c[J - 4:J + 6, 0] == pytest.approx(d))
    assert np.all(c[5:J - 4, 0] == 0) and np.all(c[J + 6:35, 0] == 0)
    assert np.all(c[5:35, 1] == 0)


def test_van_hove_known_displacements():
    # 4 A particles move at constant speed: at lag 10 they have moved 1.0, 1.0, 3.0, 3.0;
    # 1 B particle moves 10.0 (outside the bins when it is counted).
    nf = 30
    speed = np.array([0.1, 0.1, 0.3, 0.3, 1.0])
    x = np.zeros((nf, 5, 3))
    x[:, :, 0] = np.arange(nf)[:, None] * speed[None, :]
    types = np.array([0, 0, 0, 0, 1])
    edges = np.array([0.0, 2.0, 4.0])
    c, p = van_hove_self(x, 10, types=types, bins=edges)
    np.testing.assert_allclose(c, [1.0, 3.0])
    np.testing.assert_allclose(p, [0.25, 0.25])           # half the samples per bin of width 2
    assert np.sum(p * np.diff(edges)) == pytest.approx(1.0)
    # B included (types=None): it falls outside the bins but stays in the normalisation
    _, p_all = van_hove_self(x, 10, bins=edges)
    np.testing.assert_allclose(p_all, [0.2, 0.2])
    # volume convention: counts / (n_samples * shell volume)
    _, g = van_hove_self(x, 10, types=types, bins=edges, convention="volume")
    shell = 4 / 3 * np.pi * np.array([8.0, 64.0 - 8.0])
    np.testing.assert_allclose(g, 0.5 / shell)
    # default bins cover every sample: integral 1
    c2, p2 = van_hove_self(x, 10, types=types, bins=50)
    assert np.sum(p2 * (c2[1] - c2[0])) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        van_hove_self(x, 30)


def test_van_hove_random_walk_normalised():
    rng = np.random.default_rng(4)
    x = np.cumsum(rng.normal(0, 0.2, size=(120, 300, 3)), axis=0)
    c, p = van_hove_self(x, 10, bins=80)
    assert np.sum(p * (c[1] - c[0])) == pytest.approx(1.0)
    # the mean of the density equals the mean displacement over all origins
    disp = np.linalg.norm(x[10:] - x[:-10], axis=2)
    assert np.sum(c * p * (c[1] - c[0])) == pytest.approx(disp.mean(), rel=0.01)


def test_float32_input_same_as_float64():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(0, 0.2, size=(60, 20, 3)), axis=0).astype(np.float32)
    np.testing.assert_allclose(phop(x), phop_direct(x.astype(np.float64)), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(cumulative_displacement(x)[5:-5],
                               np.linalg.norm(x[10:].astype(float) - x[:-10], axis=2), rtol=1e-12)
