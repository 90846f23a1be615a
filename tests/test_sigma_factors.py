"""sigma_T scans: the SVM's known small-C limit on synthetic data, and
cross-checks of the scans against the independent dataset path on tiny data."""

import numpy as np
import pandas as pd
import pytest

from conftest import requires_lammps
from glasshelpers.stages.s07_appendix import sigma_factors
from glasshelpers.pipeline.profiles import ProfileError, load_profile

LAG = 2


def _synthetic(n_frames=60, n_particles=300, shift=1.5, seed=0):
    """p_hop of all-A particles and features whose first component is shifted for samples
    whose p_hop two frames later is above the median (the 'diffusive' tail)."""
    rng = np.random.default_rng(seed)
    phop = rng.exponential(0.05, size=(n_frames, n_particles)).astype(np.float32)
    phop[:5] = np.nan
    phop[-5:] = np.nan
    types = np.zeros(n_particles, dtype=np.int8)
    table = rng.normal(size=(n_frames, n_particles, 100))
    med = np.nanmedian(phop)
    hot = np.zeros((n_frames, n_particles), dtype=bool)
    hot[:-LAG] = phop[LAG:] > med
    # a collective, high-variance mode (all features move together, std 3 along it) that
    # the diffusive samples are shifted along too, plus a clean shift of feature 0
    z = rng.normal(scale=3.0, size=(n_frames, n_particles)) + shift * hot
    table += z[..., None] / 10.0
    table[..., 0] += shift * hot

    def features_of(particles, frames):
        return table[np.asarray(frames), np.asarray(particles)]

    population = table[10:50].reshape(-1, 100)
    return phop, types, features_of, population


def test_small_C_limit_normal_is_the_class_mean_difference():
    """For C -> 0 every sample is a bound support vector (alpha_i = C), so the normal is
    along sum_i y_i F~_i, the difference of the standardised class means, whatever C.
    sigma_T, the std of w_hat . F~ over the population, is then computed by hand."""
    from glasshelpers.core.dynamics import labels

    phop, types, feats, pop = _synthetic()
    kw = dict(q=0.05, n_per_class=150)
    r = sigma_factors.fluidity_sigma_T(phop, types, feats, pop, C=1e-6, **kw)
    s = labels.fluidity_labels(phop, types, 150, q=0.05, seed=0, lag=LAG)
    X, y = feats(s.particle, s.frame), np.asarray(s.label)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    Xs = (X - mean) / scale
    d = Xs[y == 1].mean(axis=0) - Xs[y == 0].mean(axis=0)
    by_hand = np.std(((pop - mean) / scale) @ (d / np.linalg.norm(d)))
    assert r["sigma_T"] == pytest.approx(by_hand, rel=1e-3)
    assert sigma_factors.fluidity_sigma_T(phop, types, feats, pop, C=2e-6, **kw)["sigma_T"] == pytest.approx(
        r["sigma_T"], rel=1e-6)
    # away from that limit the SVM turns its normal away from the noisy collective mode the
    # mean difference leans on: sigma_T falls (the mechanism behind our large fluidity sigma_T)
    far = sigma_factors.fluidity_sigma_T(phop, types, feats, pop, C=1.0, **kw)["sigma_T"]
    assert far < 0.8 * by_hand


def test_sigma_T_is_invariant_under_an_affine_change_of_feature_units():
    """The classifier standardises its features, so measuring the radial densities in
    other units (F -> a F + c) leaves alpha, hence sigma_T, unchanged."""
    phop, types, feats, pop = _synthetic()
    kw = dict(q=0.05, n_per_class=150, C=0.01)
    ref = sigma_factors.fluidity_sigma_T(phop, types, feats, pop, **kw)
    other = sigma_factors.fluidity_sigma_T(phop, types, lambda p, f: 3.0 * feats(p, f) + 7.0, 3.0 * pop + 7.0, **kw)
    assert other["sigma_T"] == pytest.approx(ref["sigma_T"], rel=1e-6)
    assert ref["candidates"] >= 150 and ref["p_l"] < ref["p_u"]


def test_summarise_and_factor_table():
    scan = pd.DataFrame({"N": [2000, 2000, 4096, 4096], "replica": [0, 1, 0, 1], "sigma_T": [1.2, 1.2, 0.7, 0.7]})
    s = sigma_factors.summarise(scan, "N")
    assert s["replica_std"].tolist() == [0.0, 0.0]          # identical replicas: no spread
    assert s["sigma_T"].tolist() == pytest.approx([1.2, 0.7])
    noisy = pd.DataFrame({"q": [0.001, 0.001, 0.005, 0.005], "sigma_T": [1.0, 1.2, 1.05, 1.25]})
    one = pd.DataFrame({"run_length_tau": [50.0, 200.0], "sigma_T": [1.1, 0.9]})
    t = sigma_factors.factor_table({"N": (scan, "N"), "q": (noisy, "q"),
                               "length": (one, "run_length_tau")}).set_index("factor")
    assert t.loc["N", "verdict"] == "toward the paper" and t.loc["N", "change"] == pytest.approx(-0.5)
    # replica std 0.1414 per setting -> noise of a difference of two 2-replica means = 0.1414
    assert t.loc["q", "noise"] == pytest.approx(np.sqrt(0.02), rel=1e-6)
    assert t.loc["q", "verdict"] == "no resolved change"
    assert t.loc["length", "verdict"] == "unresolved (one replica)"


def test_size_variant_and_its_box_check():
    P = load_profile("tiny")
    v = sigma_factors.size_variant(P, 4096)
    assert v.name == "tiny-N4096" and v.model.n_particles == 4096 and v.replicas == 1
    assert v.protocol.seed_time == 10 and P.model.n_particles == 2000   # original untouched
    on_shelf = sigma_factors.size_variant(load_profile("demo-seed2"), 4096)   # the shelf holds N = 2000 only
    assert on_shelf.protocol.shelf is None and on_shelf.protocol.shelf_state == 0
    with pytest.raises(ProfileError, match="reach of the structure features"):
        sigma_factors.size_variant(P, 1000)
    with pytest.raises(ProfileError, match="sigma_T_sizes"):
        load_profile("tiny", {"analysis.sigma_T_sizes": [1500]})


@requires_lammps
@pytest.mark.slow
def test_scans_agree_with_the_dataset_path_and_a_same_size_variant_reproduces_the_run(tiny_data, monkeypatch):
    from glasshelpers.stages.s07_appendix import appendix

    monkeypatch.setenv("GLASSBOOK_DATA", str(tiny_data.parent))
    P = load_profile("tiny")
    from glasshelpers.products.classifiers import penalty
    A, q = P.analysis, P.labels.fluidity_q
    C = penalty(P, "fluidity", A.appendix_per_class)          # the C x n rule at this n
    # 1. the whole run, through sigma_factors, equals the cached-dataset path of the appendix table
    full = sigma_factors.sigma_T_vs_run_length(P, fractions=(1.0,), q=q, C=C, n_per_class=A.appendix_per_class,
                                          with_test=False)
    ref = appendix.sigma_T_dependence(P, qs=[q], Cs=[C], paper_scale=False)
    assert full["sigma_T"].iloc[0] == pytest.approx(ref["sigma_T"].iloc[0], rel=1e-9)
    # 2. run lengths are what was asked for, with one n for every length
    rl = sigma_factors.sigma_T_vs_run_length(P, fractions=(0.5, 1.0), with_test=False)
    assert rl["run_length_tau"].tolist() == [20.0, 40.0] and rl["n_per_class"].nunique() == 1
    # 3. a "size" variant at the profile's own N and seed time is the same computation:
    #    byte-identical MD, hence the same sigma_T; only N may change in this scan
    same = sigma_factors.sigma_T_vs_size(P, [P.model.n_particles], progress=False)
    assert len(same) == 2 and same["sigma_T"].iloc[1] == pytest.approx(same["sigma_T"].iloc[0], abs=1e-12)
