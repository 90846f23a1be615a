"""The set-size rule of glasshelpers.core.learning.sizing: hand-computed factors, the reliability model,
and the 1/n rule checked against the half-sampling intervals themselves on synthetic
data (quadrupling n halves the half-width)."""

import numpy as np
import pandas as pd
import pytest

from glasshelpers.core.learning import sizing
from glasshelpers.core.learning.halfsample import half_sample_statistics


def test_hand_computed_factors():
    assert sizing.scale_factor(0.2) == pytest.approx(4.0)
    assert sizing.scale_factor(0.05) == pytest.approx(0.25)          # already met
    assert sizing.scale_factor(0.3, target=0.15) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        sizing.scale_factor(0.2, target=0)
    # r(n) = 1 / (1 + c/n): r = 0.1 at n means c/n = 9; r = 0.2 needs c/n' = 4, n' = 2.25 n
    assert sizing.reliability_factor(0.1, r_min=0.2) == pytest.approx(2.25)
    assert sizing.reliability_factor(0.5, r_min=0.2) < 1
    assert np.isnan(sizing.reliability_factor(-0.1)) and np.isnan(sizing.reliability_factor(0.0))
    # 300 tau gave 2400 candidates of the scarcer class; 4 x 1500 per class with 25 % headroom
    assert sizing.production_needed(300, 1500, 2400, 4.0) == pytest.approx(300 * 4 * 1500 * 1.25 / 2400)
    assert sizing.production_needed(300, 100, 2400, 0.5) == 300          # never less than now
    assert sizing.production_needed(300, 100, 0, 2.0) == np.inf


def test_table_one_factors_by_basis():
    t1 = pd.DataFrame({
        "T": [0.45, 1.0, 2.0, 1.4],
        "similarity": [1.0, 0.8, np.nan, np.nan], "similarity_lo95": [1.0, 0.6, np.nan, np.nan],
        "similarity_hi95": [1.0, 1.0, np.nan, np.nan], "reliability": [0.5, 0.4, 0.1, -0.1],
        "best_accuracy": [0.7, 0.75, 0.6, 0.6], "best_accuracy_lo95": [0.65, 0.70, 0.45, 0.5],
        "best_accuracy_hi95": [0.75, 0.80, 0.75, 0.7]})
    f = sizing.table_one_factors(t1, 0.45).set_index(["T", "quantity"])
    assert 0.45 not in f.index.get_level_values("T")                  # softness itself is not a row
    assert f.loc[(1.0, "similarity"), "factor"] == pytest.approx(4.0)   # half-width 0.2
    assert f.loc[(1.0, "best_accuracy"), "factor"] == pytest.approx(0.25)
    assert f.loc[(2.0, "similarity"), "basis"] == "reliability (lower bound)"
    assert f.loc[(2.0, "similarity"), "factor"] == pytest.approx(2.25)
    assert f.loc[(1.4, "similarity"), "basis"] == "undetermined" and np.isnan(f.loc[(1.4, "similarity"), "factor"])
    assert f.loc[(2.0, "best_accuracy"), "factor"] == pytest.approx(2.25)


def _blocked(u, n, rng, delta=1.5):
    y = np.repeat([0, 1], n)
    X = rng.normal(size=(2 * n, u.size)) + np.outer(np.where(y == 1, delta / 2, -delta / 2), u)
    return {"X": X, "y": y.astype(np.int8), "blocks": np.arange(2 * n)}


def test_half_width_falls_as_one_over_root_n():
    """The rule behind the factors, measured with the method it is applied to: the mean
    95 % half-width of the cross-fitted accuracy and of the corrected similarity over 10
    synthetic sets, at n and 4 n per class, differ by a factor of 2 (within 25 %)."""
    from glasshelpers.core.learning.classify import C_for, train_classifier

    d = 8
    u = np.ones(d) / np.sqrt(d)
    v = u.copy()
    v[:2] *= -1                                                     # true cosine 0.5

    def fit(X, y):
        return train_classifier(X, y, C=C_for(20.0, len(y) / 2), max_imbalance=None)

    rng = np.random.default_rng(7)
    widths = {}
    for n in (80, 320):
        acc, sim = [], []
        for _ in range(10):
            train = {"S": _blocked(u, n, rng), "F": _blocked(v, n, rng)}
            test = _blocked(u, n, rng)
            full = {k: fit(ds["X"], ds["y"]) for k, ds in train.items()}
            t = half_sample_statistics(train, full, fit, ref="S", test=test, max_splits=10, min_splits=10,
                                       batch=10, seed=int(rng.integers(1 << 31))).set_index("key").loc["F"]
            acc.append((t["best_accuracy_hi95"] - t["best_accuracy_lo95"]) / 2)
            sim.append((t["similarity_hi95"] - t["similarity_lo95"]) / 2)
        widths[n] = (np.nanmean(acc), np.nanmean(sim))
    for k, name in enumerate(("accuracy", "similarity")):
        ratio = widths[80][k] / widths[320][k]
        print(f"{name}: half-width {widths[80][k]:.3f} at n = 80, {widths[320][k]:.3f} at n = 320, ratio {ratio:.2f}")
        assert 1.5 < ratio < 2.5, (name, widths)
