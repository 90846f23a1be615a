"""The tiny profile proves the pipeline reliably: every labelled set fills at least twice
over, whatever the seed (checked on two seeds: the suite's and 7; a third costs about 80 s
of CI), so neither an interruption nor a new seed can make CI fail at the label stage."""

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from conftest import requires_lammps
from glasshelpers.products import banks, labelled
from glasshelpers.core.dynamics import labels
from glasshelpers.products import trajectories as simulate
from glasshelpers.pipeline.profiles import load_profile

pytestmark = [requires_lammps, pytest.mark.slow]

OTHER_SEEDS = (7,)


def _label_temperatures(profile):
    lab, A = profile.labels, profile.analysis
    return sorted({lab.softness_temperature, lab.test_temperature, A.appendix_temperature,
                   *lab.fluidity_temperatures})


def _simulate(args):
    seed, T = args
    P = load_profile("tiny", {"name": f"tiny_seed{seed}", "seed": seed})
    simulate.run_temperature(P, T, progress=False)


@pytest.fixture(scope="module")
def seeds_data(tiny_data, tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("seeds")
    monkeypatch_module.setenv("GLASSBOOK_DATA", str(root))
    for seed in OTHER_SEEDS:
        simulate.run_seed(load_profile("tiny", {"name": f"tiny_seed{seed}", "seed": seed}), progress=False)
    temps = _label_temperatures(load_profile("tiny"))
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_simulate, [(s, T) for s in OTHER_SEEDS for T in temps]))
    for seed in OTHER_SEEDS:                        # p_hop, as stage 02 makes it
        for T in temps:
            banks.load_phop(load_profile("tiny", {"name": f"tiny_seed{seed}", "seed": seed}), T, make=True)
    return root


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _headroom(seed, tiny_data, seeds_data, monkeypatch):
    if seed is None:
        monkeypatch.setenv("GLASSBOOK_DATA", str(tiny_data.parent))
        return labelled.label_headroom(load_profile("tiny"))
    monkeypatch.setenv("GLASSBOOK_DATA", str(seeds_data))
    return labelled.label_headroom(load_profile("tiny", {"name": f"tiny_seed{seed}", "seed": seed}))


@pytest.mark.parametrize("seed", [None, *OTHER_SEEDS])
def test_every_tiny_set_fills_twice_over(seed, tiny_data, seeds_data, monkeypatch):
    h = _headroom(seed, tiny_data, seeds_data, monkeypatch)
    assert set(h["set"]) >= {"softness", "test", "fluidity"}
    assert (h["margin"] >= 2.0).all(), h.to_string()


def test_headroom_counts_match_the_label_rules(tiny_data, monkeypatch):
    """Cross-check: the candidate counts are exactly what the labelling rules report."""
    monkeypatch.setenv("GLASSBOOK_DATA", str(tiny_data.parent))
    P = load_profile("tiny")
    p_l = labelled.softness_p_l(P)
    h = labelled.label_headroom(P, p_l=p_l).set_index("set")
    ph = labelled.load_phop(P, 0.45)
    s = labels.softness_labels(ph["phop"], ph["types"], 10, p_l=p_l, seed=1)
    assert s.info["candidates"] == {1: h.loc["softness", "class1"], 0: h.loc["softness", "class0"]}
    ph = labelled.load_phop(P, 1.0)
    f = labels.fluidity_labels(ph["phop"], ph["types"], 10, q=P.labels.fluidity_q, seed=1)
    row = h[h.index == "fluidity"].iloc[0]
    assert f.info["candidates"] == {1: row["class1"], 0: row["class0"]}


def test_joint_p_l_is_the_smallest_grid_value_filling_both_sets():
    """Hand-made p_hop: particle k is quiet (p_hop = 0.01 k) for the whole run, so p_l on a
    0.01 grid must exceed 0.01 (n - 1) to give n quiet pieces."""
    nf, quiet = 30, 10
    a = np.tile(0.01 * np.arange(8), (nf, 1))            # 8 particles, 3 pieces each
    b = np.tile(0.01 * np.arange(8) + 0.02, (nf, 1))     # the same, shifted up by 0.02
    # 6 pieces need 2 particles (p_l > 0.01 in a); in b the same needs p_l > 0.03
    assert labels.choose_p_l_joint([(a, None, 6)], quiet_time=quiet, grid_step=0.01) == pytest.approx(0.02)
    assert labels.choose_p_l_joint([(a, None, 6), (b, None, 6)], quiet_time=quiet,
                                   grid_step=0.01) == pytest.approx(0.04)
    with pytest.raises(labels.LabelError, match="quiet pieces"):
        labels.choose_p_l_joint([(a, None, 25)], quiet_time=quiet, grid_step=0.01, p_max=0.2)
