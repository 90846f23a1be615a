"""Two realisations of one profile compared row by row (glasshelpers.core.statistics.realisations): a
hand-computed z-test, the family-wise false-alarm rate of the Holm correction on tables
drawn from one truth, the power against a shifted row, and the command line."""

import gc

import numpy as np
import pandas as pd
import pytest

from glasshelpers.core.statistics import realisations


def _table(T, **cols):
    return pd.DataFrame({"T": T, **cols})


def test_hand_computed_row():
    a = _table([1.0], best_accuracy=[0.80], best_accuracy_se=[0.03])
    b = _table([1.0], best_accuracy=[0.74], best_accuracy_se=[0.04])
    r = realisations.compare(a, b, quantities=("best_accuracy",)).iloc[0]
    # se of the difference sqrt(0.03^2 + 0.04^2) = 0.05; z = -0.06 / 0.05 = -1.2; p = 0.2301
    assert r["diff"] == pytest.approx(-0.06) and r["z"] == pytest.approx(-1.2)
    assert r["p"] == pytest.approx(0.230139, abs=1e-6) and r["half_width95"] == pytest.approx(1.959964 * 0.05)
    assert r["p_holm"] == pytest.approx(r["p"]) and r["verdict"] == "agrees"
    b.loc[0, "best_accuracy"] = 0.65          # z = -3.0, p = 0.0027
    assert realisations.compare(a, b, quantities=("best_accuracy",)).iloc[0]["verdict"] == "disagrees"


def test_missing_estimates_are_undetermined_and_rows_match_on_T():
    a = _table([1.0, 1.2, 1.4], similarity=[0.9, np.nan, 0.7], similarity_se=[0.1, 0.2, 0.1])
    b = _table([1.4, 1.2], similarity=[0.72, 0.8], similarity_se=[0.1, 0.1])
    c = realisations.compare(a, b, quantities=("similarity",))
    assert list(c["T"]) == [1.2, 1.4]                      # T = 1.0 is missing from b
    assert list(c["verdict"]) == ["undetermined", "agrees"]
    assert realisations.summary(c)["determined"] == 1
    with pytest.raises(KeyError, match="sigma_T"):
        realisations.compare(a, b, quantities=("sigma_T",))


def _draws(rng, truth, se, shift=None):
    x = truth + rng.normal(0, se)
    if shift is not None:
        x = x + shift
    return x


def test_holm_keeps_the_family_wise_false_alarms_near_alpha_and_finds_a_real_difference(monkeypatch):
    """Tables of 24 rows (4 quantities x 6 T) from one truth, independent errors with the
    stated se: the uncorrected per-row rate is ~5 %, the chance that a whole table is called
    "disagree" stays near alpha = 5 % (Holm bounds it), and one row shifted by 5 standard
    errors of the difference is found in most tables."""
    # statsmodels' Holm branch calls gc.collect() on every call (0.1 s in a test process);
    # it changes no number, so it is skipped for the 600 calls here
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    rng = np.random.default_rng(4)
    T = np.array([1.0, 1.2, 1.4, 1.6, 1.8, 2.0])
    qs = ("best_accuracy", "similarity", "sigma_T", "b_best")
    truth = {q: rng.uniform(0.3, 0.9, T.size) for q in qs}
    se = {q: rng.uniform(0.02, 0.1, T.size) for q in qs}
    n_tables, row_alarms, table_alarms, found = 300, 0, 0, 0
    for _ in range(n_tables):
        a = _table(T, **{q: _draws(rng, truth[q], se[q]) for q in qs}, **{q + "_se": se[q] for q in qs})
        b = _table(T, **{q: _draws(rng, truth[q], se[q]) for q in qs}, **{q + "_se": se[q] for q in qs})
        c = realisations.compare(a, b)
        row_alarms += int((c["p"] < 0.05).sum())
        table_alarms += realisations.summary(c)["overall"] == "disagree"
        shifted = b.copy()
        shifted.loc[2, "sigma_T"] += 5 * np.hypot(se["sigma_T"][2], se["sigma_T"][2])
        cs = realisations.compare(a, shifted)
        found += cs.loc[(cs["quantity"] == "sigma_T") & (cs["T"] == 1.4), "verdict"].item() == "disagrees"
    assert 0.03 < row_alarms / (n_tables * 24) < 0.07
    assert table_alarms / n_tables < 0.08
    assert found / n_tables > 0.85


def test_cli_prints_the_table_and_refuses_a_folder_without_table1(tmp_path, capsys):
    for name, shift in (("a", 0.0), ("b", 0.01)):
        (tmp_path / name / "results").mkdir(parents=True)
        cols = {q: [0.7 + shift, 0.8] for q in realisations.QUANTITIES}
        cols.update({q + "_se": [0.05, 0.05] for q in realisations.QUANTITIES})
        _table([1.0, 1.2], **cols).to_csv(tmp_path / name / "results" / "table1_data.csv", index=False)
    assert realisations.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "'overall': 'agree'" in out and sum(line.endswith(" agrees") for line in out.splitlines()) == 8
    assert realisations.main([str(tmp_path / "a"), str(tmp_path / "nope")]) == 2
    assert "no Table I data" in capsys.readouterr().err
