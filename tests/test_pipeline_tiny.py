"""The whole workflow on the tiny profile: Snakemake drives papermill over every
notebook, each must run without an error, the results must be physically sane, and the
book must build strictly (any warning fails) from these executed notebooks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from conftest import requires_lammps

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [requires_lammps, pytest.mark.slow]


def test_every_notebook_ran_without_error(tiny_data):
    from glasshelpers.book.notebooks import error_outputs, expected_notebooks
    from glasshelpers.pipeline.profiles import load_profile
    names = expected_notebooks(load_profile("tiny").temperatures)
    assert len(names) == 6 + 6
    for name in names:
        nb = nbformat.read(tiny_data / "notebooks" / name, as_version=4)
        assert not error_outputs(nb), name
        assert nb.metadata["papermill"]["parameters"]["profile"] == "tiny"


def test_results_are_physically_sane(tiny_data):
    res = tiny_data / "results"
    lab = pd.read_csv(res / "labels_summary.csv").set_index("T")
    # thermal p_hop of A particles: median ~0.02 sigma^2 at 0.45, grows with T
    assert 0.01 < lab.loc[0.45, "phop_q0.5"] < 0.04
    assert lab["phop_q0.5"].is_monotonic_increasing
    t1 = pd.read_csv(res / "table1_data.csv").set_index("T")
    assert t1.loc[0.45, "similarity"] == pytest.approx(1.0)
    assert (t1["sigma_T"] > 0).all() and (t1["best_accuracy_in_sample"].between(0.5, 1.0)).all()
    assert (t1["best_accuracy"].between(0, 1)).all()      # cross-fitted: chance is 0.5 +- noise
    fig1 = pd.read_csv(res / "fig1_data.csv")
    assert fig1["accuracy"].between(0, 1).all()
    vh = pd.read_csv(res / "van_hove.csv")
    for T, g in vh.groupby("T"):
        dr = np.diff(g["r"]).mean()
        assert (g["G_s"] * dr).sum() == pytest.approx(1.0, abs=0.02)   # a normalised density
    mean_disp = vh.assign(w=vh["r"] * vh["G_s"]).groupby("T")["w"].sum()
    assert mean_disp.is_monotonic_increasing                        # particles move more when hotter
    for key in ("fig1", "fig2", "fig4", "fig6", "fig8", "table1"):
        df = pd.read_csv(res / f"{key}.csv")
        assert "verdict" in df and len(df) > 0
    assert (tiny_data / "figures" / "fig2.png").stat().st_size > 1000


def test_classification_estimates_lie_inside_their_own_intervals(tiny_data):
    """Every estimate of the classification stages' result CSVs (04, 05, 07) lies
    inside its own 68 % and 95 % intervals (half-sampling intervals are centred on it)."""
    from glasshelpers.pipeline import registry
    from glasshelpers.core.statistics.intervals import results_violations
    from glasshelpers.pipeline.profiles import load_profile
    keys = {k for stem in ("04_fluid_classification", "05_transfer_learning", "07_appendix")
            for k in registry.stage_results(stem, load_profile("tiny"))}
    v = results_violations(tiny_data / "results")
    bad = v[v["table"].isin(keys)]
    assert bad.empty, bad.to_string()
    t1 = pd.read_csv(tiny_data / "results" / "table1_data.csv")
    assert {"similarity_lo95", "sigma_T_lo95", "b_best_lo95", "best_accuracy_lo95"} <= set(t1.columns)


def test_book_builds_strictly_from_tiny_notebooks(tiny_data, tmp_path):
    from glasshelpers.book.htmlbuild import build
    dest = tmp_path / "my réпо"           # a checkout whose path holds a space and non-ASCII letters
    dest.mkdir()
    for item in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / item, dest / item)
    shutil.copytree(ROOT / "book", dest / "book",
                    ignore=shutil.ignore_patterns("generated", "_build", "mathjax"))
    index = build("tiny", root=dest, data_dir=tiny_data, strict=True, log=lambda *a: None)
    assert index.is_file()
    pages = list((dest / "_build" / "html" / "book" / "generated").glob("*.html"))
    assert len(pages) == 12

    # What a reader sees, in a real browser: no local path or Path repr on any page, no
    # page scrolls sideways, numbers in the prose are glued from the data, pages titled
    # by temperature, the landing page opens with results.
    from bookbrowse import check_book
    from browser_cdp import install_chromium

    chromium, why = install_chromium()
    if chromium is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    reports = check_book(index.parent, chromium, forbidden=[dest, tiny_data.parent, ROOT],
                         artifacts=ROOT / "artifacts",
                         screenshots={"book/intro.html": "tiny-landing.png", "book/simulation.html": "tiny-simulation.png",
                                      "book/generated/05_transfer_learning.html": "tiny-05.png"})
    for stem in ("01_simulation_T0.450", "02_features", "03_labels", "04_fluid_classification", "05_transfer_learning"):
        assert reports[f"book/generated/{stem}.html"]["pasted"] >= 2, stem
    labels = reports["book/generated/03_labels.html"]["main_text"]
    p_l = pd.read_csv(tiny_data / "results" / "labels_sets.csv")["p_l"].iloc[0]
    assert f"{p_l:.4f}" in labels                                    # the glued value is the computed one
    assert reports["book/generated/01_simulation_T0.450.html"]["title"].startswith("1.1. T = 0.45: supercooled, 140 τ")
    landing = reports["book/intro.html"]["main_text"]
    t1 = pd.read_csv(tiny_data / "results" / "table1_data.csv")
    top = t1[t1["T"] > 0.5].sort_values("best_accuracy").iloc[-1]
    assert f"{top['best_accuracy']:.2f} [{top['best_accuracy_lo']:.2f}, {top['best_accuracy_hi']:.2f}]" in landing
    assert "agree" in landing and any("headline_fig2.png" in i["src"] for i in reports["book/intro.html"]["images"])


def test_best_biases_match_the_bootstrapped_transfer_scan(tiny_data, monkeypatch):
    """Table I's cheap b_best path and the transfer scan find the same optimum."""
    from glasshelpers.stages.s05_transfer import transfer
    from glasshelpers.pipeline.profiles import load_profile
    monkeypatch.setenv("GLASSBOOK_DATA", str(tiny_data.parent))
    P = load_profile("tiny")
    cheap = transfer.best_biases(P)
    full = transfer.transfer_scans(P)[1]
    assert np.allclose(cheap["b_best"], full["b_best"])
    assert np.allclose(cheap["best_accuracy"], full["best_accuracy"])
    assert (cheap["best_accuracy"] > 0.5).all()


def test_two_profiles_build_their_books_at_once(tiny_data, tmp_path):
    """Staged builds: each profile builds in its own data folder and publishes to
    _build/<profile>/html, so two books build at the same time from one checkout."""
    import threading

    import yaml

    from glasshelpers.book.htmlbuild import build
    repo = tmp_path / "repo"
    repo.mkdir()
    for item in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / item, repo / item)
    shutil.copytree(ROOT / "book", repo / "book", ignore=shutil.ignore_patterns("generated", "_build", "mathjax"))
    other = tmp_path / "tinycopy.yaml"
    prof = yaml.safe_load((ROOT / "glasshelpers/pipeline/profiles/tiny.yaml").read_text())
    other.write_text(yaml.safe_dump({**prof, "name": "tinycopy"}))
    data_b = tmp_path / "tinycopy"
    shutil.copytree(tiny_data, data_b, ignore=shutil.ignore_patterns(".book", ".workflow"))
    out, errors = {}, []

    def one(profile, data):
        try:
            out[profile] = build(profile, root=repo, data_dir=data, stage=True, log=lambda *a: None)
        except Exception as exc:   # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=a) for a in (("tiny", tiny_data), (str(other), data_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert out["tiny"] == repo / "_build" / "tiny" / "html" / "index.html"
    assert out[str(other)] == repo / "_build" / "tinycopy" / "html" / "index.html"
    for index in out.values():
        assert len(list((index.parent / "book" / "generated").glob("*.html"))) == 12
    link = repo / "_build" / "html"
    assert link.is_symlink() and (link / "index.html").is_file()
    assert not (repo / "book" / "generated").exists()          # the checkout's sources untouched
