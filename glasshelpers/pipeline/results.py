"""Writing results: tidy CSVs under ``data/<profile>/results/``, figures under
``data/<profile>/figures/``, and computed verdicts on the paper's claims.

Each result and figure is written atomically and gets its integrity record (size and
SHA-256, :mod:`glasshelpers.pipeline.integrity`) once in place. Every table is declared,
columns and units, by the stage that writes it (:mod:`glasshelpers.pipeline.tables`) and
every figure in :mod:`glasshelpers.pipeline.registry`: the workflow makes them outputs of the
stage's rule, the book build requires them, and :func:`write_result` refuses a table that
differs from its declaration."""

from __future__ import annotations

import json

import pandas as pd

from glasshelpers.pipeline import integrity, paths
from glasshelpers.pipeline.registry import ITEMS_COLUMN, result_table
from glasshelpers.pipeline.provenance import atomic_path, code_version


def results_dir(profile):
    return paths.results_dir(profile)


def write_result(profile, key: str, df: pd.DataFrame):
    """Write ``results/<key>.csv`` atomically (with a code-version column) and return its path.

    A profile loaded with overrides adds an ``overrides`` column (JSON, dotted key -> value),
    so a table made with other values than the profile file's says so. Raises
    :class:`glasshelpers.pipeline.tables.TableMismatch` (nothing written) when no stage
    declares ``key`` or the frame's columns differ from the declaration."""
    result_table(key).check(df.columns)
    df = df.copy()
    df["code_version"] = code_version()
    if profile.overrides:
        df["overrides"] = json.dumps(profile.overrides, sort_keys=True)
    path = paths.result_file(profile, key)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, float_format="%.6g")
        integrity.forget(path)
    integrity.record(path)
    return path


def read_result(profile, key: str) -> pd.DataFrame:
    """Read ``results/<key>.csv`` written by an earlier stage, checked against its integrity
    record, without the bookkeeping columns ``code_version`` and ``overrides``.

    Raises MissingDataError when the table was never written (run the stage that writes
    it, :mod:`glasshelpers.pipeline.registry`) and DamagedProductError when its bytes differ
    from its record or it has none."""
    from glasshelpers.pipeline.faults import DamagedProductError, describe
    from glasshelpers.pipeline.runs import MissingDataError

    path = paths.result_file(profile, key)
    state = integrity.check(path)
    if state.state in ("absent", "missing"):
        raise MissingDataError(f"results/{key}.csv of profile {profile.name!r} is missing ({path}): "
                               "run the stage that writes it first (the workflow does)")
    if state.state != "ok":
        why = state.why or "it has no integrity record"
        raise DamagedProductError(f"{describe(path)} is {state.state} ({why}): run make workflow "
                                  f"PROFILE={profile.name}, which moves it aside and recomputes it")
    return pd.read_csv(path).drop(columns=["code_version", "overrides"], errors="ignore")


def save_figure(profile, key: str, fig):
    """Save a figure as ``figures/<key>.png`` (used by the comparison chapter).

    Returns None on purpose: a notebook cell ending with this call must not print the
    builder's absolute data path on a published page."""
    path = paths.figure_file(profile, key)
    with atomic_path(path) as tmp:
        meta = {"Software": f"glassbook {code_version()}"}
        if profile.overrides:
            meta["Comment"] = "overrides " + json.dumps(profile.overrides, sort_keys=True)
        fig.savefig(tmp, dpi=110, format="png", metadata=meta)
        integrity.forget(path)
    integrity.record(path)
    return None


def verdict(claim: str, paper: str, ours: str, holds: bool | None, note: str = "", items=(),
            headline: str = "") -> dict:
    """One row of a verdict table: does our data support the paper's claim?

    ``items``: the keys of the paper's items the claim belongs to (``fig1`` ...,
    ``table1``, :mod:`glasshelpers.pipeline.registry`), which route it to their results files.
    ``headline``: the key of the paper's headline claim this row tests, if any
    (:data:`glasshelpers.reference.paper.HEADLINE_CLAIMS`), written with the row."""
    word = {True: "agrees", False: "disagrees", None: "inconclusive"}[holds]
    return {"claim": claim, "paper": paper, "ours": ours, "verdict": word + (f" ({note})" if note else ""),
            "headline": headline, ITEMS_COLUMN: tuple(items)}


def fmt_ci(est, lo, hi, digits=3) -> str:
    return f"{est:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
