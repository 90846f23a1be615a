"""Two realisations of one profile compared row by row (glasshelpers.core.statistics.realisations):
hand-computed rows reaching each of the three verdicts, the rates of false verdicts on tables
drawn from one truth and from a shifted one, and the command line."""

import gc

import numpy as np
import pandas as pd
import pytest

from glasshelpers.core.statistics import realisations


def _table(T, **cols):
    return pd.DataFrame({"T": T, **cols})


def _one(a, se_a, b, se_b, q="best_accuracy"):
    return realisations.compare(_table([1.0], **{q: [a], q + "_se": [se_a]}),
                                _table([1.0], **{q: [b], q + "_se": [se_b]}), quantities=(q,)).iloc[0]


def test_hand_computed_rows_reach_each_verdict():
    # se of the difference sqrt(0.03^2 + 0.04^2) = 0.05; d = -0.06: 90 % [-0.142, 0.022] is not
    # inside +-0.03 and 95 % [-0.158, 0.038] is not outside it -> inconclusive (not "agrees")
    r = _one(0.80, 0.03, 0.74, 0.04)
    assert r["diff"] == pytest.approx(-0.06) and r["z"] == pytest.approx(-1.2)
    assert r["lo90"] == pytest.approx(-0.06 - 1.644854 * 0.05) and r["hi95"] == pytest.approx(-0.06 + 1.959964 * 0.05)
    assert r["margin"] == 0.03 and r["verdict"] == "inconclusive"
    # d = 0.005, se 0.00707: 90 % [-0.0066, 0.0166] inside +-0.03
    assert _one(0.80, 0.005, 0.805, 0.005)["verdict"] == "agrees"
    # d = -0.1, se 0.0141: 95 % [-0.128, -0.072] wholly outside +-0.03
    r = _one(0.80, 0.01, 0.70, 0.01)
    assert r["verdict"] == "disagrees" and r["p_outside"] == pytest.approx(
        __import__("scipy").stats.norm.sf((0.1 - 0.03) / np.hypot(0.01, 0.01)))


def test_relative_and_sigma_T_margins():
    a = _table([1.0], sigma_T=[1.0], sigma_T_se=[0.01], b_best=[0.50], b_best_se=[0.01])
    b = _table([1.0], sigma_T=[1.2], sigma_T_se=[0.01], b_best=[0.52], b_best_se=[0.01])
    c = realisations.compare(a, b, quantities=("sigma_T", "b_best")).set_index("quantity")
    assert c.loc["sigma_T", "margin"] == pytest.approx(0.11)          # 10 % of the mean 1.1
    assert c.loc["sigma_T", "verdict"] == "disagrees"                  # 0.2 +- 0.028 vs 0.11
    assert c.loc["b_best", "margin"] == pytest.approx(0.275)           # 0.25 x mean sigma_T
    assert c.loc["b_best", "verdict"] == "agrees"
    with pytest.raises(KeyError, match="fraction of sigma_T"):
        realisations.compare(a.drop(columns=["sigma_T"]), b.drop(columns=["sigma_T"]), quantities=("b_best",))


def test_missing_estimates_are_undetermined_and_rows_match_on_T():
    a = _table([1.0, 1.2, 1.4], similarity=[0.9, np.nan, 0.7], similarity_se=[0.1, 0.2, 0.01])
    b = _table([1.4, 1.2], similarity=[0.72, 0.8], similarity_se=[0.01, 0.1])
    c = realisations.compare(a, b, quantities=("similarity",))
    assert list(c["T"]) == [1.2, 1.4]                      # T = 1.0 is missing from b
    assert list(c["verdict"]) == ["undetermined", "agrees"]
    s = realisations.summary(c)
    assert s["determined"] == 1 and s["overall"] == "agree"
    with pytest.raises(KeyError, match="sigma_T"):
        realisations.compare(a, b, quantities=("sigma_T",))


def test_false_verdicts_on_one_truth_and_on_a_shifted_row(monkeypatch):
    """Tables of 24 rows (4 quantities x 6 T) from one truth, se well below the margins: a
    row is called "disagrees" less than 2.5 % of the time and a table "disagree" less than
    2.5 % (Holm); most rows agree. A row shifted by its margin plus 5 standard errors is
    found to disagree in most tables; a row shifted to exactly its margin is called
    "agrees" in at most ~5 % of tables (the size of the equivalence test)."""
    monkeypatch.setattr(gc, "collect", lambda *args: 0)      # statsmodels' Holm calls it each time
    rng = np.random.default_rng(4)
    T = np.array([1.0, 1.2, 1.4, 1.6, 1.8, 2.0])
    qs = realisations.QUANTITIES
    truth = {q: rng.uniform(0.5, 0.9, T.size) for q in qs}
    truth["sigma_T"] = rng.uniform(0.8, 1.2, T.size)
    se = {q: rng.uniform(0.002, 0.008, T.size) for q in qs}
    draw = lambda q, shift=0.0: truth[q] + shift + rng.normal(0, se[q])  # noqa: E731
    n_tables, row_false, table_false, agree_rows, found, edge_agrees = 300, 0, 0, 0, 0, 0
    edge = 0.10 * truth["sigma_T"][2]                         # sigma_T's margin at T = 1.4 (10 % of the mean)
    for _ in range(n_tables):
        a = _table(T, **{q: draw(q) for q in qs}, **{q + "_se": se[q] for q in qs})
        b = _table(T, **{q: draw(q) for q in qs}, **{q + "_se": se[q] for q in qs})
        c = realisations.compare(a, b)
        row_false += int((c["verdict"] == "disagrees").sum())
        agree_rows += int((c["verdict"] == "agrees").sum())
        table_false += realisations.summary(c)["overall"] == "disagree"
        shifted = b.copy()
        shifted.loc[2, "sigma_T"] += edge + 5 * np.hypot(se["sigma_T"][2], se["sigma_T"][2])
        cs = realisations.compare(a, shifted)
        found += cs.loc[(cs["quantity"] == "sigma_T") & (cs["T"] == 1.4), "verdict"].item() == "disagrees"
        at_edge = b.copy()
        at_edge.loc[2, "sigma_T"] = a.loc[2, "sigma_T"] + edge * 1.05 + rng.normal(0, np.hypot(se["sigma_T"][2], se["sigma_T"][2]))
        ce = realisations.compare(a, at_edge)
        edge_agrees += ce.loc[(ce["quantity"] == "sigma_T") & (ce["T"] == 1.4), "verdict"].item() == "agrees"
    assert row_false / (n_tables * 24) < 0.025 and table_false / n_tables < 0.025
    assert agree_rows / (n_tables * 24) > 0.9
    assert found / n_tables > 0.85
    assert edge_agrees / n_tables < 0.07


def test_cli_prints_the_table_and_refuses_a_folder_without_table1(tmp_path, capsys):
    for name, shift in (("a", 0.0), ("b", 0.001)):
        (tmp_path / name / "results").mkdir(parents=True)
        cols = {q: [0.7 + shift, 0.8] for q in realisations.QUANTITIES}
        cols.update({q + "_se": [0.005, 0.005] for q in realisations.QUANTITIES})
        _table([1.0, 1.2], **cols).to_csv(tmp_path / name / "results" / "table1_data.csv", index=False)
    assert realisations.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "'overall': 'agree'" in out and sum(line.endswith(" agrees") for line in out.splitlines()) == 8
    assert realisations.main([str(tmp_path / "a"), str(tmp_path / "nope")]) == 2
    assert "no Table I data" in capsys.readouterr().err
