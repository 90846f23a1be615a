"""The paper's headline claims: one verdict each, combined from the rows that test it."""

from __future__ import annotations

import pandas as pd

from glasshelpers import verdicts
from glasshelpers.book.claims import headline_claims_markdown
from glasshelpers.paper import HEADLINE_CLAIMS
from glasshelpers.results import verdict


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
