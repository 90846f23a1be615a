"""The paper's headline claims: one verdict each, combined from the rows that test it."""

from __future__ import annotations

import pandas as pd

from glasshelpers.reference import verdicts
from glasshelpers.book.claims import headline_claims_markdown
from glasshelpers.reference.paper import HEADLINE_CLAIMS
from glasshelpers.pipeline.results import verdict


def test_combine():
    assert verdicts.combine(["agrees", "agrees (x)"]) == "agrees"
    assert verdicts.combine(["agrees", "inconclusive"]) == "inconclusive"
    assert verdicts.combine(["agrees", "disagrees", "inconclusive"]) == "disagrees"
    assert verdicts.combine([]) == "not computed"


def _write(path, rows):
    pd.DataFrame(rows).drop(columns="items").to_csv(path, index=False)


def test_headline_table_follows_the_results(tmp_path):
    _write(tmp_path / "fig1.csv", [verdict("a", "p", "0.61 [0.55, 0.66]", True, headline="classification"),
                                   verdict("b", "p", "0.58 [0.51, 0.64]", None, headline="classification"),
                                   verdict("c", "p", "x", False)])           # a detail row, no headline
    _write(tmp_path / "fig8.csv", [verdict("d", "p", "diff 0.01 [-0.02, 0.04]", False, headline="control")])
    md = headline_claims_markdown(tmp_path)
    lines = {key: next(l for l in md.splitlines() if claim in l) for key, claim, _ in HEADLINE_CLAIMS}
    assert "`inconclusive`" in lines["classification"] and "0.61 [0.55, 0.66]; 0.58" in lines["classification"]
    assert "`disagrees`" in lines["control"] and "fig8-compare" in lines["control"]
    assert "`not computed`" in lines["transfer"]
    # the same claim with other results reads differently
    _write(tmp_path / "fig1.csv", [verdict("a", "p", "0.61 [0.55, 0.66]", True, headline="classification")])
    assert "`agrees`" in next(l for l in headline_claims_markdown(tmp_path).splitlines()
                              if HEADLINE_CLAIMS[0][1] in l)


def test_every_headline_claim_is_tested_by_some_verdict_function():
    import inspect

    src = inspect.getsource(verdicts)
    for key, *_ in HEADLINE_CLAIMS:
        assert f'"{key}"' in src, key


def test_estimates_outside_their_interval_are_found_and_named(tmp_path):
    from glasshelpers.book.pages import interval_warning
    from glasshelpers.core.statistics.intervals import violations

    df = pd.DataFrame({"similarity": [0.8, 0.5], "similarity_lo": [0.7, 0.6], "similarity_hi": [0.9, 0.7],
                       "T_onset": [1.0, 1.0], "T_low": [0.9, 0.8], "T_high": [1.1, 1.2],
                       "acc": [0.6, float("nan")], "acc_lo95": [0.5, 0.1], "acc_hi95": [0.7, 0.2]})
    v = violations(df, "t")
    assert v[["row", "column"]].values.tolist() == [[1, "similarity"]]   # NaN estimates are not judged
    assert interval_warning(tmp_path) == []
    df.to_csv(tmp_path / "table1_data.csv", index=False)
    text = "\n".join(interval_warning(tmp_path))
    assert "`table1_data.csv`, `similarity`: 1 row(s), e.g. 0.5 outside [0.6, 0.7]" in text


def test_landing_prose_follows_the_results_not_the_profile_name(tmp_path):
    from glasshelpers.book.headline import headline_markdown
    from glasshelpers.pipeline.profiles import load_profile

    P = load_profile("tiny")
    texts = []
    for word, value in (("equilibrated", "0.61 [0.55, 0.66]"), ("ageing", "0.45 [0.40, 0.49]")):
        res = tmp_path / word / "results"
        res.mkdir(parents=True)
        pd.DataFrame([{"T": 0.45, "equilibrium": word}]).to_csv(res / "sim_T0.450_summary.csv", index=False)
        _write(res / "fig1.csv", [verdict("a", "p", value, word == "equilibrated", headline="classification")])
        texts.append(headline_markdown(P, res, tmp_path / word / "figures", tmp_path / word / "img"))
    assert texts[0] != texts[1]
    assert "1 of 1 equilibrated" in texts[0] and "ageing: T = 0.45" in texts[1]
    assert "`agrees`" in texts[0] and "`disagrees`" in texts[1]
    assert "smoke test" not in texts[0] + texts[1]
