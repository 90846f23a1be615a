"""The paper's headline claims, one verdict each: the short table at the top of the
landing page and of the comparison chapter.

Reads the item CSVs (``results/<key>.csv`` for every item of the registry); a verdict row
whose ``headline`` column names a claim of :data:`glasshelpers.reference.paper.HEADLINE_CLAIMS` tests
it. A claim tested by several rows (e.g. one per training temperature) gets one verdict,
:func:`glasshelpers.reference.verdicts.combine`; its numbers are the rows' own. Computes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from glasshelpers.pipeline import registry
from glasshelpers.reference.paper import HEADLINE_CLAIMS

BADGES = {"agrees": "bdg-success", "disagrees": "bdg-danger", "inconclusive": "bdg-warning"}


def headline_rows(results_dir: os.PathLike) -> dict:
    """``{claim key: (rows, item keys)}``: the verdict rows that test each headline claim."""
    found = {key: ([], []) for key, *_ in HEADLINE_CLAIMS}
    for item in registry.ITEMS:
        path = Path(results_dir) / f"{item.key}.csv"
        if not path.is_file():
            continue
        try:
            df = pd.read_csv(path, keep_default_na=False)
        except pd.errors.EmptyDataError:
            continue
        if "headline" not in df:
            continue
        for key, rows in df[df["headline"] != ""].groupby("headline", sort=False):
            if key in found:
                found[key][0].append(rows)
                found[key][1].append(item.key)
    return {k: (pd.concat(r, ignore_index=True) if r else pd.DataFrame(), items) for k, (r, items) in found.items()}


def headline_claims_markdown(results_dir: os.PathLike) -> str:
    """The table: the paper's claim, where it makes it, our one verdict, our numbers, and
    links to the items that hold the detail."""
    from glasshelpers.reference.verdicts import combine

    rows = headline_rows(results_dir)
    lines = ["| the paper's claim | in the paper | verdict | our numbers (95 % intervals) | detail |",
             "|---|---|---|---|---|"]
    for key, claim, where in HEADLINE_CLAIMS:
        df, items = rows[key]
        word = combine(df["verdict"]) if len(df) else "not computed"
        badge = f"{{{BADGES.get(word, 'bdg-secondary')}}}`{word}`"
        ours = "; ".join(dict.fromkeys(str(v) for v in df["ours"])) if len(df) else "–"
        links = ", ".join(f"{{ref}}`{k} <{k}-compare>`" for k in dict.fromkeys(items)) or "–"
        lines.append(f"| {claim} | {where} | {badge} | {_cell(ours)} | {links} |")
    return "\n".join(lines + ["", "One verdict per claim: *disagrees* if any of its tests disagrees, *agrees* "
                              "if all agree, *inconclusive* otherwise. The many finer claims follow below "
                              "as detail.", ""])


def _cell(text: str, limit: int = 220) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
