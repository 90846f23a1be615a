"""Label rules on hand-built p_hop arrays whose right answers are known."""

import numpy as np
import pytest

from glasshelpers.core.dynamics.labels import (
    LabelError, choose_p_l, fluidity_labels, immobile_vs_random_labels, label_summary,
    quiet_pieces, softness_labels, tail_thresholds,
)

NF = 300


def softness_phop():
    """300 frames, 7 particles; p_hop defined for frames 5..294 (NaN outside).

    base value 0.05: neither rearranging (p_c = 0.2) nor quiet (p_l = 0.03)
    particle 0 (A): 0.3 at frames 50, 51, 52          -> 3 rearranging events
    particle 1 (A): 0.25 at frame 100                  -> 1 rearranging event
    particle 2 (A): 0.01 on frames 20..259 (240)       -> 2 pieces: [20,139] mid 80, [140,259] mid 200
    particle 3 (A): 0.01 on 10..128 (119 frames: too short) and 150..290 (141 frames)
                    -> 1 piece, centred: offset (141-120)//2 = 10 -> [160,279], mid 220
    particle 4 (B): 0.5 on 10..200 and 0.001 on 201..294: must never be selected
    particle 5 (A): 0.01 on 5..124 (exactly 120)       -> 1 piece [5,124], mid 65
    particle 6 (A): 0.2 everywhere (not > p_c)          -> nothing
    """
    p = np.full((NF, 7), 0.05)
    p[50:53, 0] = 0.3
    p[100, 1] = 0.25
    p[20:260, 2] = 0.01
    p[10:129, 3] = 0.01
    p[150:291, 3] = 0.01
    p[10:201, 4] = 0.5
    p[201:, 4] = 0.001
    p[5:125, 5] = 0.01
    p[:, 6] = 0.2
    p[:5] = np.nan
    p[-5:] = np.nan
    types = np.array([0, 0, 0, 0, 1, 0, 0])
    return p, types


def pairs(s, label):
    sel = s.label == label
    return set(zip(s.particle[sel].tolist(), s.frame[sel].tolist()))


def test_quiet_pieces_exact():
    p, types = softness_phop()
    part, mid = quiet_pieces(p, types, p_l=0.03, quiet_time=120)
    assert sorted(zip(part.tolist(), mid.tolist())) == [(2, 80), (2, 200), (3, 220), (5, 65)]
    # p_l is strict: at p_l = 0.01 nothing is quiet
    assert len(quiet_pieces(p, types, p_l=0.01, quiet_time=120)[0]) == 0
    # shorter quiet time: particle 3's first run (119 frames, 10..128) now gives 1 piece of 100,
    # centred: offset 9 -> [19, 118], middle 69
    part, mid = quiet_pieces(p, types, p_l=0.03, quiet_time=100)
    assert (3, 69) in set(zip(part.tolist(), mid.tolist()))


def test_softness_exact_sets():
    p, types = softness_phop()
    s = softness_labels(p, types, 4, p_l=0.03, seed=1)
    assert len(s) == 8
    assert pairs(s, 1) == {(0, 48), (0, 49), (0, 50), (1, 98)}        # structure at t - 2
    assert pairs(s, 0) == {(2, 80), (2, 200), (3, 220), (5, 65)}      # middle of quiet piece
    assert np.all(s.phop_frame[s.label == 1] == s.frame[s.label == 1] + 2)
    assert 4 not in s.particle
    assert s.info["candidates"] == {1: 4, 0: 4}
    # sorted by (frame, particle)
    assert np.all(np.diff(s.frame) >= 0)


def test_softness_balance_seed_and_no_duplicates():
    p, types = softness_phop()
    a = softness_labels(p, types, 3, p_l=0.03, seed=7)
    b = softness_labels(p, types, 3, p_l=0.03, seed=7)
    assert np.sum(a.label == 1) == 3 and np.sum(a.label == 0) == 3
    for x, y in ((a.particle, b.particle), (a.frame, b.frame), (a.label, b.label)):
        np.testing.assert_array_equal(x, y)
    assert len(set(zip(a.particle, a.frame, a.label))) == 6
    assert pairs(a, 1) <= {(0, 48), (0, 49), (0, 50), (1, 98)}
    seen = {frozenset(pairs(softness_labels(p, types, 3, p_l=0.03, seed=k), 1)) for k in range(20)}
    assert len(seen) > 1                                       # the seed matters


def test_softness_cannot_fill_reports_counts():
    p, types = softness_phop()
    with pytest.raises(LabelError, match=r"class 1 = 4, class 0 = 4") as err:
        softness_labels(p, types, 5, p_l=0.03)
    assert err.value.counts == {1: 4, 0: 4} and err.value.requested == 5
    assert isinstance(err.value, ValueError)


def test_choose_p_l_on_grid():
    p = np.full((NF, 4), 0.05)
    p[:5] = p[-5:] = np.nan
    p[20:260, 0] = 0.012        # 2 pieces once p_l > 0.012
    p[20:140, 1] = 0.021        # 1 piece once p_l > 0.021
    p[30:160, 2] = 0.031        # 1 piece once p_l > 0.031
    types = np.array([0, 0, 0, 1])
    p[:, 3] = 0.0               # B particle: always quiet, must not count
    assert choose_p_l(p, types, 1) == 0.0125
    assert choose_p_l(p, types, 2) == 0.0125
    assert choose_p_l(p, types, 3) == 0.0225
    assert choose_p_l(p, types, 4) == 0.0325
    # above the base value 0.05 every A particle is quiet for 290 frames: 2 pieces each
    assert choose_p_l(p, types, 5) == 0.0525
    assert choose_p_l(p, types, 6) == 0.0525
    with pytest.raises(LabelError, match="gives 6"):
        choose_p_l(p, types, 7)


def test_choose_p_l_bisection_equals_linear_scan():
    rng = np.random.default_rng(0)
    p = np.abs(rng.normal(0.03, 0.01, size=(400, 30)))
    types = np.zeros(30, dtype=int)
    for need in (1, 5, 20, 60):
        got = choose_p_l(p, types, need, quiet_time=40)
        grid = [round(k * 0.0025, 10) for k in range(1, 81)]
        first = next(g for g in grid if len(quiet_pieces(p, types, g, 40)[0]) >= need)
        assert got == first


def fluidity_phop():
    """10 A particles + 1 B, frames 5..104 defined: 1000 distinct A values (k + 0.5)/1000."""
    rng = np.random.default_rng(3)
    p = np.full((110, 11), np.nan)
    vals = (np.arange(1000) + 0.5) / 1000
    p[5:105, :10] = rng.permutation(vals).reshape(100, 10)
    p[5:105, 10] = 5.0            # B: huge, must not affect quantiles or be chosen
    types = np.array([0] * 10 + [1])
    return p, types


def test_fluidity_tails_exact():
    p, types = fluidity_phop()
    # numpy linear quantile at q = 0.01 of 1000 sorted values: index 9.99 -> between the
    # 10th and 11th values: 0.0095 + 0.99 * 0.001 = 0.01049; upper at index 989.01:
    # 0.9895 + 0.01 * 0.001 = 0.98951. Ten values lie below lo and ten above hi.
    lo, hi = tail_thresholds(p, types, 0.01)
    assert lo == pytest.approx(0.01049, abs=1e-12) and hi == pytest.approx(0.98951, abs=1e-12)
    s = fluidity_labels(p, types, 10, q=0.01, seed=0)
    ph = p[s.phop_frame, s.particle]
    assert np.all(ph[s.label == 1] > hi) and np.all(ph[s.label == 0] < lo)
    assert sorted(ph[s.label == 0].round(4)) == [(k + 0.5) / 1000 for k in range(10)]
    assert sorted(ph[s.label == 1].round(4)) == [(k + 0.5) / 1000 for k in range(990, 1000)]
    assert np.all(s.frame == s.phop_frame - 2)
    assert 10 not in s.particle
    with pytest.raises(LabelError, match=r"class 1 = 10, class 0 = 10"):
        fluidity_labels(p, types, 11, q=0.01)


def test_structure_frame_never_negative():
    p = np.full((30, 2), 0.5)
    p[1, 0] = 100.0              # extreme, but t - 2 < 0: not a candidate
    p[3, 1] = 100.0              # extreme at t = 3 -> structure at frame 1
    p[0, 1] = 0.0                # low, t = 0: not a candidate
    p[4, 0] = 0.0                # low at t = 4 -> structure at 2
    s = fluidity_labels(p, None, 1, q=0.02, seed=0)
    assert pairs(s, 1) == {(1, 1)} and pairs(s, 0) == {(0, 2)}
    assert s.frame.min() >= 0


def test_immobile_vs_random():
    p, types = fluidity_phop()
    lo, _ = tail_thresholds(p, types, 0.01)
    s = immobile_vs_random_labels(p, types, 10, q=0.01, seed=2)
    ph = p[s.phop_frame, s.particle]
    assert np.all(ph[s.label == 0] < lo)
    assert np.all(ph[s.label == 1] > lo)
    assert s.info["candidates"] == {1: 990, 0: 10}
    # the random class is not the top tail: its values spread over the bulk
    assert np.median(ph[s.label == 1]) < 0.99
    s2 = immobile_vs_random_labels(p, types, 10, q=0.01, seed=2)
    np.testing.assert_array_equal(s.particle, s2.particle)
    np.testing.assert_array_equal(s.frame, s2.frame)
    with pytest.raises(LabelError, match=r"class 1 = 990, class 0 = 10"):
        immobile_vs_random_labels(p, types, 11, q=0.01)


def test_label_summary_counts():
    p, types = softness_phop()
    row = label_summary(p, types, p_l=0.03, q=0.01)
    assert row["n_frames"] == NF and row["n_a"] == 6
    assert row["n_values"] == 6 * 290
    assert row["n_rearranging"] == 4
    assert row["n_quiet_pieces"] == 4 and row["n_quiet_particles"] == 3
    assert row["frac_above_p_c"] == pytest.approx(4 / 1740)
    assert row["phop_q0.5"] == pytest.approx(0.05)
    assert row["fluidity_p_l"] <= row["fluidity_p_u"]


@pytest.mark.parametrize("bad", ["ndim", "types", "inf", "negative", "n"])
def test_bad_inputs(bad):
    p, types = softness_phop()
    n = 2
    if bad == "ndim":
        p = p[:, 0]
    elif bad == "types":
        types = types[:-1]
    elif bad == "inf":
        p[10, 0] = np.inf
    elif bad == "negative":
        p[10, 0] = -0.1
    elif bad == "n":
        n = 0
    with pytest.raises(ValueError):
        softness_labels(p, types, n, p_l=0.03)
