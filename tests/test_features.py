"""Radial structure features: hand-computed cases and brute-force cross-checks."""

import math

import numpy as np
import pytest

from glasshelpers.core.structure.features import (
    KERNEL_ERROR, N_FEATURES, R_CUT, R_GRID, min_particles, radial_features,
    radial_features_bruteforce,
)


def gauss(r, R):
    return math.exp(-(r - R) ** 2 / (2 * 0.2 ** 2))


def test_grid_and_constants():
    assert N_FEATURES == 100
    assert R_GRID.shape == (50,)
    assert R_GRID[0] == 0.0 and abs(R_GRID[-1] - 4.9) < 1e-15
    assert KERNEL_ERROR < 1e-13
    # 1.2 * 11.8**3 = 1971.6: the smallest N at density 1.2 with L/2 >= 5.9
    assert min_particles() == 1972


def test_two_particles_across_periodic_face():
    # Box [-6, 6): A at x = -5.9 and B at x = +5.6 are 0.5 apart through the face x = +-6.
    L = 12.0
    pos = np.array([[-5.9, 0.0, 0.0], [5.6, 0.0, 0.0]])
    types = np.array([0, 1])
    g = radial_features(pos, types, L, targets=[0, 1])
    assert g.shape == (2, 100)
    # particle 0 (A) sees one B neighbour at R = 0.5: G_A = 0, G_B(r) = exp(-(r - 0.5)^2 / 0.08)
    assert np.all(g[0, :50] == 0.0)
    # by hand: r = 0.3 -> exp(-0.04 / 0.08) = exp(-0.5) = 0.6065306597126334
    assert g[0, 50 + 3] == pytest.approx(0.6065306597126334, abs=1e-12)
    assert g[0, 50 + 5] == pytest.approx(1.0, abs=1e-12)           # r = 0.5
    # r = 1.5 -> exp(-1 / 0.08) = exp(-12.5) = 3.726653172078671e-06
    assert g[0, 50 + 15] == pytest.approx(3.726653172078671e-06, abs=1e-15)
    # particle 1 (B, as an explicit target) sees the A particle: same curve in the A block
    np.testing.assert_allclose(g[1, :50], g[0, 50:], atol=1e-13)
    assert np.all(g[1, 50:] == 0.0)
    # default targets: only A particles
    assert radial_features(pos, types, L).shape == (1, 100)


def test_unwrapped_and_shifted_positions_give_same_features():
    rng = np.random.default_rng(5)
    L = 12.5
    pos = rng.uniform(-L / 2, L / 2, size=(300, 3))
    types = (rng.random(300) < 0.2).astype(int)
    ref = radial_features(pos, types, L)
    shifted = pos + L * rng.integers(-3, 4, size=pos.shape) + np.array([L / 2, L / 2, L / 2])
    np.testing.assert_allclose(radial_features(shifted, types, L), ref, atol=1e-10)


def test_cutoff_is_inclusive_at_5p9():
    L = 12.0
    types = np.array([0, 1])
    at = radial_features(np.array([[0.0, 0, 0], [5.9, 0, 0]]), types, L)
    beyond = radial_features(np.array([[0.0, 0, 0], [5.9 + 1e-7, 0, 0]]), types, L)
    # R = 5.9 counts: at r = 4.9 it contributes exp(-1/0.08) = exp(-12.5)
    assert at[0, 99] == pytest.approx(gauss(4.9, 5.9), rel=1e-12)
    assert np.all(beyond == 0.0)


def test_bruteforce_box_just_above_limit():
    # L = 11.81 (half-length 5.905, just above the 5.9 cutoff), N = 1980 random points
    rng = np.random.default_rng(11)
    L, N = 11.81, 1980
    pos = rng.uniform(-L / 2, L / 2, size=(N, 3))
    # put some particles right at the faces and corners
    pos[:20] = rng.choice([-L / 2, L / 2 - 1e-12], size=(20, 3)) + rng.normal(0, 1e-3, (20, 3))
    types = (rng.random(N) < 0.2).astype(int)
    types[:10] = 0
    targets = np.concatenate([np.arange(10), rng.choice(np.flatnonzero(types == 0), 14, replace=False)])
    fast = radial_features(pos, types, L, targets=targets)
    brute = radial_features_bruteforce(pos, types, L, targets=targets)
    assert brute.max() > 10                     # non-trivial: many neighbours
    np.testing.assert_allclose(fast, brute, rtol=0, atol=1e-9)
    # the whole-frame path (all A targets) agrees with the few-target path row by row
    full = radial_features(pos, types, L)
    a_idx = np.flatnonzero(types == 0)
    rows = np.searchsorted(a_idx, targets)
    np.testing.assert_allclose(full[rows], fast, rtol=0, atol=1e-9)


def test_bruteforce_denser_random_box_and_block_path():
    rng = np.random.default_rng(3)
    L, N = 12.3, 2200
    pos = rng.uniform(0, L, size=(N, 3))
    types = np.zeros(N, dtype=int)
    types[rng.permutation(N)[: N // 5]] = 1
    targets = rng.choice(N, 12, replace=False)     # includes B targets, allowed explicitly
    brute = radial_features_bruteforce(pos, types, L, targets=targets)
    np.testing.assert_allclose(radial_features(pos, types, L, targets=targets), brute, rtol=0, atol=1e-9)
    # force the block-by-block neighbour search with all A targets; must equal the frame path
    full = radial_features(pos, types, L, chunk_pairs=4096)
    blocks = radial_features(pos, types, L, max_pairs_in_memory=0, chunk_pairs=4096)
    np.testing.assert_allclose(blocks, full, rtol=0, atol=1e-9)


def test_targets_order_and_repeats():
    rng = np.random.default_rng(2)
    L, N = 12.0, 400
    pos = rng.uniform(0, L, size=(N, 3))
    types = (rng.random(N) < 0.2).astype(int)
    a = np.flatnonzero(types == 0)
    full = radial_features(pos, types, L)
    tg = np.array([a[5], a[0], a[5], a[3]])
    sub = radial_features(pos, types, L, targets=tg)
    np.testing.assert_allclose(sub, full[[5, 0, 5, 3]], atol=1e-10)
    assert radial_features(pos, types, L, targets=np.array([], dtype=int)).shape == (0, 100)
    # every particle (A and B), reversed and with a repeat: whole-frame path == block path
    tg = np.r_[np.arange(N)[::-1], 7]
    frame_path = radial_features(pos, types, L, targets=tg)
    block_path = radial_features(pos, types, L, targets=tg, max_pairs_in_memory=0)
    np.testing.assert_allclose(frame_path, block_path, atol=1e-10)
    np.testing.assert_allclose(frame_path[[N - 1 - a[0], N]], frame_path[[N - 1 - a[0], N - 1 - 7]], atol=0)
    np.testing.assert_allclose(frame_path[N - 1 - a], full, atol=1e-10)


def test_too_small_box_is_refused_with_needed_n():
    pos = np.zeros((10, 3))
    types = np.zeros(10, dtype=int)
    with pytest.raises(ValueError, match="1972"):
        radial_features(pos, types, 11.79)


@pytest.mark.parametrize("bad", ["shape", "nan", "types_value", "types_len", "target_range", "box"])
def test_bad_inputs(bad):
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 12, size=(50, 3))
    types = np.zeros(50, dtype=int)
    L, targets = 12.0, None
    if bad == "shape":
        pos = pos[:, :2]
    elif bad == "nan":
        pos[3, 1] = np.nan
    elif bad == "types_value":
        types[4] = 2
    elif bad == "types_len":
        types = types[:-1]
    elif bad == "target_range":
        targets = [0, 50]
    elif bad == "box":
        L = float("nan")
    with pytest.raises(ValueError):
        radial_features(pos, types, L, targets=targets)


def test_features_for_samples_matches_per_frame():
    from glasshelpers.core.structure.features import features_for_samples
    rng = np.random.default_rng(8)
    L, N, F = 12.0, 500, 4
    traj = rng.uniform(0, L, size=(F, N, 3))
    types = (rng.random(N) < 0.2).astype(int)
    particle = np.array([3, 7, 3, 100, 42])
    frame = np.array([2, 0, 0, 2, 3])
    got = features_for_samples(traj, types, L, particle, frame)
    for q in range(5):
        ref = radial_features(traj[frame[q]], types, L, targets=[particle[q]])[0]
        np.testing.assert_allclose(got[q], ref, atol=1e-12)
    seen = []
    got2 = features_for_samples(lambda k: seen.append(k) or traj[k], types, L, particle, frame)
    np.testing.assert_array_equal(got, got2)
    assert sorted(seen) == [0, 2, 3]                      # each frame read once
