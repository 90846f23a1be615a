"""The book: notebook transformations, a strict build, and a real browser.

The build and browser tests use fake executed notebooks (one matplotlib figure and one
equation each, papermill metadata included) for the tiny profile in a temporary data
root, and build a temporary copy of the book sources, so they neither need the
workflow's data nor touch the repository's book/generated/ or _build/.
"""

from __future__ import annotations

import base64
import copy
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glasshelpers import book
from glasshelpers.book import display
from glasshelpers.book import headline, htmlbuild, notebooks, overview, pages
from glasshelpers.book.errors import BookBuildError
from glasshelpers.pipeline.profiles import load_profile

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------
# Fake executed notebooks
# --------------------------------------------------------------------------------------

def _png_b64(label: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4])
    ax.set_title(label)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def fake_executed_notebook(title: str, params: dict, png: str | None = None, error: bool = False) -> dict:
    """A notebook dict shaped like papermill's output for one stage."""
    defaults = {k: ("demo" if k == "profile" else 0.45) for k in params}
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {},
         "source": f"# {title}\n\nThe rate follows $P_R \\propto e^{{-\\Delta E/T}}$ and\n\n"
                   "$$\\langle x^2 \\rangle = 6 D t$$\n"},
        {"cell_type": "code", "id": "params", "execution_count": 1,
         "metadata": {"tags": ["parameters"]}, "outputs": [],
         "source": "\n".join(f"{k} = {v!r}" for k, v in defaults.items())},
        {"cell_type": "code", "id": "injected", "execution_count": 2,
         "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
         "source": "# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())},
        {"cell_type": "code", "id": "plot", "execution_count": 3, "metadata": {},
         "source": "fig  # a figure",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": png or _png_b64(title), "text/plain": "<Figure>"}}]},
    ]
    if error:
        cells.append({"cell_type": "code", "id": "boom", "execution_count": 4, "metadata": {},
                      "source": "1/0",
                      "outputs": [{"output_type": "error", "ename": "ZeroDivisionError",
                                   "evalue": "division by zero", "traceback": []}]})
    # a glued number, the prose that uses it, and a wide table rendered for reading
    wide = display.reading_table(pd.DataFrame({f"quantity_{k}_with_a_long_name": [k / 7, k * 1234.5]
                                              for k in range(16)})).to_html()
    cells += [
        {"cell_type": "code", "id": "glue", "execution_count": 5, "metadata": {}, "source": 'glue("acc", 0.8123)',
         "outputs": [{"output_type": "display_data",
                      "metadata": {"scrapbook": {"name": "acc", "mime_prefix": "application/papermill.record/"}},
                      "data": {"application/papermill.record/text/plain": "0.8123"}}]},
        {"cell_type": "markdown", "id": "prose", "metadata": {},
         "source": "The accuracy is {glue:text}`acc:.2f` on this page."},
        {"cell_type": "code", "id": "table", "execution_count": 6, "metadata": {}, "source": "wide",
         "outputs": [{"output_type": "execute_result", "execution_count": 6, "metadata": {},
                      "data": {"text/html": wide, "text/plain": "<table>"}}]},
    ]
    for c in cells:
        if c["cell_type"] == "code":
            c["metadata"]["papermill"] = {"status": "completed", "duration": 0.1}
    return {
        "nbformat": 4, "nbformat_minor": 5, "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "papermill": {"parameters": params, "exception": None, "duration": 12.5,
                          "start_time": "2024-01-01T10:00:00.000000",
                          "end_time": "2024-01-01T10:00:12.500000",
                          "input_path": "notebooks/x.ipynb", "output_path": "data/x.ipynb",
                          "version": "2.7.0", "environment_variables": {}},
        },
    }


def write_fake_profile_data(root: Path, profile: str = "tiny") -> Path:
    """Fake executed notebooks (and one results CSV) for every page of ``profile``."""
    import json

    prof = load_profile(profile)
    nb_dir = root / profile / "notebooks"
    nb_dir.mkdir(parents=True)
    png = _png_b64("fake")
    for name in notebooks.expected_notebooks(prof.temperatures):
        stem = name.removesuffix(".ipynb")
        params = {"profile": profile}
        if stem.startswith("01_simulation_T"):
            params["temperature"] = float(stem.split("_T")[1])
        nb = fake_executed_notebook(f"Stage {stem}", params, png=png)
        (nb_dir / name).write_text(json.dumps(nb))
    results = root / profile / "results"
    results.mkdir()
    (results / "fig1.csv").write_text("claim,paper,ours,verdict\npeak CV accuracy,~0.8,0.79,agrees\n")
    write_fake_results(results, prof)
    figures = root / profile / "figures"
    figures.mkdir()
    (figures / "fig2.png").write_bytes(base64.b64decode(png))
    return root / profile


def write_fake_results(results: Path, prof: dict) -> None:
    """Results CSVs shaped like the workflow's, for the landing page and the simulation overview."""
    from glasshelpers.pipeline.profiles import production_time, temperature_tag

    r = np.linspace(0.5, 3.0, 40)
    for T in prof.temperatures:
        tag = temperature_tag(T)
        pd.DataFrame([{"T": T, "U_per_N": -7.0 + T, "pressure": 1.0 + 5 * T, "T_kin": T * 1.001,
                       "equil_time": 5, "production_time": production_time(prof, T), "n_frames": 41,
                       "wall_time_s": 30.0}]).to_csv(results / f"sim_{tag}_summary.csv", index=False)
        pd.concat([pd.DataFrame({"curve": "g_AA", "x": r, "y": 1 + np.exp(-r) * np.cos(6 * r) / T}),
                   pd.DataFrame({"curve": "msd_A", "x": [1, 10, 40], "y": [0.05 * T, 0.3 * T, 2 * T]})]
                  ).to_csv(results / f"sim_{tag}_curves.csv", index=False)
    pd.DataFrame({"T": [1.0, 1.2, 2.0, 1.0], "best_shift": [0, 0.4, 0.6, -2], "best_accuracy": [0.64, 0.60, 0.54, 0.58],
                  "accuracy_lo": [0.62, 0.58, 0.52, 0.56], "accuracy_hi": [0.66, 0.61, 0.56, 0.60],
                  "panel": ["fluidity CV"] * 3 + ["softness inset"]}).to_csv(results / "fig1_peaks.csv", index=False)
    pd.DataFrame({"T": [0.45, 1.0, 1.2, 2.0], "similarity": [1.0, 0.49, 0.36, 0.42],
                  "best_accuracy": [0.72, 0.74, 0.71, 0.75], "best_accuracy_lo": [0.68, 0.69, 0.67, 0.69],
                  "best_accuracy_hi": [0.75, 0.78, 0.76, 0.79]}).to_csv(results / "table1_data.csv", index=False)
    write_fake_kramers(results)


#: The Kramers stage's fit variants (kramers_variants.csv) and per-variant slopes of the
#: barrier with x_alpha (kramers_slopes.csv: slope with its 68 and 95 % intervals).
FAKE_VARIANTS = pd.DataFrame({"fit": ["T <= 0.9 (data)", "all T", "T < 0.8"], "kind": ["data", "all", "paper_check"],
                              "T_max": [0.95, np.nan, 0.8], "default": [True, False, False]})
FAKE_SLOPES = {"T <= 0.9 (data)": {0.45: (-0.52, -0.60, -0.44), 2.0: (-0.31, -0.40, -0.22)},
               "all T": {0.45: (-0.90, -0.95, -0.85), 2.0: (-0.80, -0.85, -0.75)},
               "T < 0.8": {0.45: (-0.40, -0.47, -0.33), 2.0: (-0.41, -0.49, -0.35)}}


def write_fake_kramers(results: Path, variants: pd.DataFrame = FAKE_VARIANTS, slopes: dict = FAKE_SLOPES) -> None:
    """kramers_variants.csv, kramers_slopes.csv, onsets.csv (for the paper's check and the
    all-T fit only, not the data range) and kramers_fits.csv, shaped like the Kramers stage's."""
    variants.to_csv(results / "kramers_variants.csv", index=False)
    pd.DataFrame([dict(fit=fit, T_train=Tt, slope=s, slope_lo=lo, slope_hi=hi, slope_lo95=2 * lo - s,
                       slope_hi95=2 * hi - s, n_bins=9)
                  for fit, per in slopes.items() for Tt, (s, lo, hi) in per.items()]
                 ).to_csv(results / "kramers_slopes.csv", index=False)
    pd.DataFrame({"T_train": [0.45, 2.0, 0.45, 2.0], "T_onset": [0.97, 1.05, 1.5, 1.6],
                  "T_onset_lo": [0.9, 1.0, 1.4, 1.5], "T_onset_hi": [1.1, 1.2, 1.6, 1.7],
                  "fit": ["T < 0.8"] * 2 + ["all T"] * 2}).to_csv(results / "onsets.csv", index=False)
    x = np.arange(-2.25, 2.5, 0.5)
    pd.concat([pd.DataFrame({"T_train": Tt, "x": x, "Delta_E": 3.0 - 0.4 * x, "fit": fit})
               for Tt in (0.45, 2.0) for fit in variants["fit"]]).to_csv(results / "kramers_fits.csv", index=False)


# --------------------------------------------------------------------------------------
# Unit tests of the pure transformations
# --------------------------------------------------------------------------------------

def test_injected_cell_hidden_by_tag_not_position():
    nb = fake_executed_notebook("T", {"profile": "tiny"}, png="AAAA")
    # move the injected cell to the end: it must still be found
    cells = nb["cells"]
    cells.append(cells.pop(2))
    out = notebooks.hide_parameter_cells(nb)
    injected = [c for c in out["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0]["metadata"]["tags"]
    defaults = [c for c in out["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert "hide-input" in defaults[0]["metadata"]["tags"]
    assert "remove-cell" not in defaults[0]["metadata"]["tags"]
    # no other cell is touched, and the input is not modified
    others = [c for c in out["cells"] if not {"parameters", "injected-parameters"} & set(c["metadata"].get("tags", []))]
    assert all("remove-cell" not in c["metadata"].get("tags", []) for c in others)
    assert "remove-cell" not in nb["cells"][-1]["metadata"]["tags"]


def test_no_injected_cell_is_fine():
    nb = fake_executed_notebook("T", {"profile": "tiny"}, png="AAAA")
    del nb["cells"][2]
    out = notebooks.hide_parameter_cells(nb)
    assert all("remove-cell" not in c["metadata"].get("tags", []) for c in out["cells"])


def test_provenance_cell_content_and_place():
    params = {"profile": "demo", "temperature": 0.45}
    nb = fake_executed_notebook("Simulation", params, png="AAAA")
    nb["metadata"]["glassbook"] = {"code_version": "0.1.0+gabc1234"}
    out = notebooks.add_provenance_cell(nb, "demo", "0.1.0+gzzz", "01_simulation.ipynb")
    assert out["cells"][0]["id"] == "title"           # the page title stays first
    cell = out["cells"][1]
    assert cell["cell_type"] == "markdown" and "glassbook-provenance" in cell["metadata"]["tags"]
    src = cell["source"]
    assert "**`demo`**" in src
    assert "| `temperature` | `0.45` |" in src and "| `profile` | `'demo'` |" in src
    assert "0.1.0+gabc1234" in src and "gzzz" not in src       # the run's own version wins
    assert "-p profile demo -p temperature 0.45" in src
    assert "2024-01-01 10:00:12" in src
    # idempotent: a second pass replaces the box instead of adding another
    again = notebooks.add_provenance_cell(out, "demo", "x", "01_simulation.ipynb")
    assert sum("glassbook-provenance" in c["metadata"].get("tags", []) for c in again["cells"]) == 1


def test_provenance_falls_back_to_build_version_and_top():
    nb = fake_executed_notebook("X", {"profile": "tiny"}, png="AAAA")
    nb["cells"][0]["source"] = "Some text without a heading"
    src = notebooks.add_provenance_cell(nb, "tiny", "0.1.0+gbuild", None)["cells"][0]["source"]
    assert "0.1.0+gbuild" in src and "did not record" in src


def test_error_outputs_detected():
    ok = fake_executed_notebook("ok", {"profile": "tiny"}, png="AAAA")
    assert notebooks.error_outputs(ok) == []
    bad = fake_executed_notebook("bad", {"profile": "tiny"}, png="AAAA", error=True)
    problems = notebooks.error_outputs(bad)
    assert any("ZeroDivisionError" in p for p in problems)
    with pytest.raises(BookBuildError, match="ZeroDivisionError"):
        notebooks.prepare_notebook(bad, "tiny", "v")
    flagged = copy.deepcopy(ok)
    flagged["metadata"]["papermill"]["exception"] = True
    assert notebooks.error_outputs(flagged)
    pending = copy.deepcopy(ok)
    pending["cells"][3]["metadata"]["papermill"]["status"] = "pending"
    assert any("pending" in p for p in notebooks.error_outputs(pending))


def test_expected_and_missing_notebooks(tmp_path):
    names = notebooks.expected_notebooks([1.0, 0.45])
    assert names[:2] == ["01_simulation_T0.450.ipynb", "01_simulation_T1.000.ipynb"]
    assert "07_appendix.ipynb" in names
    (tmp_path / "02_features.ipynb").write_text("{}")
    missing = notebooks.missing_notebooks(tmp_path, [0.45])
    assert "02_features.ipynb" not in missing and "01_simulation_T0.450.ipynb" in missing


def test_paper_vs_ours_states_missing(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "fig2.csv").write_text("quantity,verdict\nbest accuracy,agrees\n")
    md = pages.paper_vs_ours_markdown("demo", tmp_path / "results", tmp_path / "figures")
    assert "no `results/fig1.csv`" in md and "agrees" in md
    assert "too small" not in md and "smoke test" not in md    # no verdicts by profile name
    assert "0.5571" in md                                      # the paper's Table I


def test_paper_vs_ours_counts_verdicts_with_badges_and_links(tmp_path):
    res = tmp_path / "results"
    res.mkdir()
    (res / "fig3.csv").write_text("claim,verdict\na,agrees\nb,disagrees\nc,inconclusive\nd,agrees\n")
    (res / "fig8.csv").write_text("claim,verdict\ne,inconclusive\nf,agrees (note)\n")
    md = pages.paper_vs_ours_markdown("tiny", res, tmp_path / "figures")
    assert "**All items:** {bdg-success}`3 agrees` {bdg-danger}`1 disagrees` {bdg-warning}`2 inconclusive`" in md
    row = next(line for line in md.splitlines() if line.startswith("| {ref}`fig3"))
    assert "{doc}`/book/generated/06_kramers`" in row and "{bdg-success}`2 agrees`" in row
    assert "{bdg-secondary}`missing`" in md                    # e.g. fig1
    assert "Computed and drawn in {doc}`/book/generated/07_appendix`" in md
    (res / "fig5.csv").write_text("claim,verdict\ng,agreesX\nh,disagrees (x)\n")   # verdicts.counts' rule
    md = pages.paper_vs_ours_markdown("tiny", res, tmp_path / "figures")
    row = next(line for line in md.splitlines() if line.startswith("| {ref}`fig5"))
    assert "{bdg-danger}`1 disagrees` {bdg-secondary}`1 other`" in row


def test_comparison_chapter_follows_the_registry(tmp_path):
    from glasshelpers.pipeline import registry

    md = pages.paper_vs_ours_markdown("tiny", tmp_path, tmp_path)
    rows = [line for line in md.splitlines() if line.startswith("| {ref}`")]
    assert [r.split("`")[1].split()[0] for r in rows] == [it.key for it in registry.ITEMS]
    for it in registry.ITEMS:
        assert f"## {it.title}" in md and it.claim in md
        assert f"| {{ref}}`{it.key} <{it.key}-compare>` | {{doc}}`/book/generated/{it.stage}` |" in md


def test_simulation_pages_get_their_temperature_as_title():
    assert notebooks.simulation_page_title(0.45, 600) == "T = 0.45: supercooled, 600 τ"
    assert notebooks.simulation_page_title(0.9, 300) == "T = 0.9: near the onset, 300 τ"
    assert notebooks.simulation_page_title(2.0, 40) == "T = 2: normal liquid, 40 τ"
    titles = notebooks.simulation_titles(load_profile("tiny"))
    assert titles["01_simulation_T0.470.ipynb"] == "T = 0.47: supercooled, 140 τ"
    assert len(set(titles.values())) == len(titles) == 6          # one distinct title per page
    nb = fake_executed_notebook("Stage 1: trajectories", {"profile": "tiny"}, png="AAAA")
    out = notebooks.retitle(notebooks.add_provenance_cell(nb, "tiny", "v"), "T = 0.6: supercooled, 40 τ")
    first = out["cells"][0]["source"]
    assert first.startswith("# T = 0.6: supercooled, 40 τ\n\n*Stage 1: trajectories*")
    assert "$$" in first and nb["cells"][0]["source"].startswith("# Stage 1")   # rest kept, input untouched
    nb["cells"][0]["source"] = "no heading"
    with pytest.raises(BookBuildError, match="heading"):
        notebooks.retitle(nb, "x")


def test_headline_and_verdict_counts_come_from_the_results(tmp_path):
    prof = load_profile("tiny")
    res = tmp_path / "results"
    res.mkdir()
    write_fake_results(res, prof)
    (res / "fig2.csv").write_text("claim,verdict\na,agrees\nb,agrees (note)\nc,disagrees\nd,\n")
    (res / "fig4.csv").write_text("claim,verdict\ne,inconclusive\n")
    assert pages.count_verdicts(res) == {"agrees": 2, "disagrees": 1, "inconclusive": 1, "other": 0}
    md = headline.headline_markdown(prof, res, tmp_path / "figures", tmp_path / "img")
    assert "0.54-0.64" in md and "0.64 [0.62, 0.66] at T = 1" in md          # CV accuracies, best with interval
    assert "0.71-0.75" in md and "0.75 [0.69, 0.79] (trained at T = 2)" in md and "0.72 [0.68, 0.75]" in md
    assert "over T <= 0.9, the range the data select" in md and "2 of 2 classifiers" in md
    assert "by training T: 0.45: -0.52 [-0.60, -0.44]; 2: -0.31 [-0.40, -0.22])" in md   # kramers_slopes.csv
    assert "(fits over T < 0.8; by training T): 0.45: 0.97 [0.90, 1.10]" in md   # no onsets for the default
    assert "**They transfer to the supercooled liquid.**" in md and "**Their outputs encode energy barriers.**" in md
    t1 = pd.read_csv(res / "table1_data.csv")
    t1.loc[t1["T"] == 2.0, "best_accuracy_lo"] = 0.49                         # one interval reaches chance
    t1.to_csv(res / "table1_data.csv", index=False)
    md = headline.headline_markdown(prof, res, tmp_path / "figures", tmp_path / "img")
    assert "**Transfer to the supercooled liquid.**" in md and "They transfer" not in md
    assert "2: 1.05 [1.00, 1.20]" in md                                      # onset with its interval
    assert "**2 agree**, **1 disagree**, **1 inconclusive**" in md
    assert "smoke test" not in md and "figure" not in md                      # no judgement by profile name; no fig2.png
    empty = headline.headline_markdown(prof, tmp_path / "none", tmp_path / "none", tmp_path / "img")
    assert "No results found" in empty and "`table1_data.csv`" in empty


def _headline(tmp_path, variants=FAKE_VARIANTS, slopes=FAKE_SLOPES):
    prof = load_profile("tiny")
    res = tmp_path / "results"
    res.mkdir(exist_ok=True)
    write_fake_results(res, prof)
    write_fake_kramers(res, variants, slopes)
    return res, lambda: headline.headline_markdown(prof, res, tmp_path / "figures", tmp_path / "img")


def _barrier_line(md: str) -> str:
    return next(line for line in md.splitlines() if "Kramers form" in line)


def test_headline_slopes_are_the_stored_ones(tmp_path):
    res, page = _headline(tmp_path)
    before = page()
    fits = pd.read_csv(res / "kramers_fits.csv")
    fits["Delta_E"] = 5.0 + 3.0 * fits["x"] ** 2                          # nothing is refitted from the fits
    fits.to_csv(res / "kramers_fits.csv", index=False)
    assert page() == before
    slopes = pd.read_csv(res / "kramers_slopes.csv")
    at = (slopes["fit"] == "T <= 0.9 (data)") & (slopes["T_train"] == 2.0)
    slopes.loc[at, ["slope", "slope_lo", "slope_hi"]] = [0.12, 0.05, 0.20]  # the stored slope changes ...
    slopes.to_csv(res / "kramers_slopes.csv", index=False)
    line = _barrier_line(page())                                          # ... and so does the page
    assert "0.45: -0.52 [-0.60, -0.44]; 2: 0.12 [0.05, 0.20])" in line
    assert "for 1 of 2 classifiers" in line and "**Energy barriers from the Kramers fits.**" in line
    slopes.loc[at, "n_bins"] = 2                                          # too few bins: left out
    slopes.to_csv(res / "kramers_slopes.csv", index=False)
    line = _barrier_line(page())
    assert "1 of 1 classifiers" in line and "2: 0.12" not in line


def test_headline_default_variant_comes_from_kramers_variants(tmp_path):
    # the default is the paper's check, listed last; the data range comes first but is not the default
    variants = FAKE_VARIANTS.assign(default=[False, False, True])
    _, page = _headline(tmp_path, variants)
    line = _barrier_line(page())
    assert "over T < 0.8, the range" not in line and "over T < 0.8, the barrier" in line
    assert "0.45: -0.40 [-0.47, -0.33]; 2: -0.41 [-0.49, -0.35]" in line and "-0.52" not in line
    # the default in the middle, with onsets of its own: both items use it
    variants = FAKE_VARIANTS.iloc[[2, 1, 0]].assign(default=[False, True, False])
    _, page = _headline(tmp_path, variants)
    md = page()
    assert "over all T, the barrier" in _barrier_line(md) and "0.45: -0.90 [-0.95, -0.85]" in md
    assert "(fits over all T; by training T): 0.45: 1.50 [1.40, 1.60]" in md
    # the paper's check is found by its kind, not by its label
    variants = FAKE_VARIANTS.assign(fit=["T <= 0.9 (data)", "all T", "T < 0.8"], kind=["data", "paper_check", "all"])
    _, page = _headline(tmp_path, variants)
    assert "(fits over all T; by training T)" in page()
    # two defaults, or none: the book refuses to guess
    _, page = _headline(tmp_path, FAKE_VARIANTS.assign(default=[True, False, True]))
    with pytest.raises(BookBuildError, match="exactly one"):
        page()
    _, page = _headline(tmp_path, FAKE_VARIANTS.assign(default=False))
    with pytest.raises(BookBuildError, match="exactly one"):
        page()


def test_headline_without_kramers_variants_shows_no_barriers(tmp_path):
    res, page = _headline(tmp_path)
    (res / "kramers_variants.csv").unlink()
    md = page()
    assert "Kramers form" not in md and "Onset temperature" not in md
    assert "Not computed for this profile: `kramers_variants.csv`." in md
    assert "They transfer to the supercooled liquid." in md               # the other items stay


def test_package_keeps_the_public_names():
    from glasshelpers.book import assets, cli

    assert book.build is htmlbuild.build and book.main is cli.main and book.BookBuildError is BookBuildError
    assert book.error_outputs is notebooks.error_outputs and book.expected_notebooks is notebooks.expected_notebooks
    assert book.provenance_markdown is notebooks.provenance_markdown and book.ensure_mathjax is assets.ensure_mathjax
    assert book.simulation_titles is notebooks.simulation_titles
    assert book.stamp_code_version is notebooks.stamp_code_version


def test_simulation_overview_table_and_figure(tmp_path):
    prof = load_profile("tiny")
    res = tmp_path / "results"
    res.mkdir()
    write_fake_results(res, prof)
    (res / "sim_T0.600_summary.csv").unlink()
    md = overview.simulation_overview_markdown(res, prof.temperatures, tmp_path / "overview",
                                           notebooks.simulation_titles(prof))
    rows = [ln for ln in md.splitlines() if ln.startswith("| 0.") or ln.startswith("| 1") or ln.startswith("| 2")]
    assert len(rows) == 5 and rows[0].startswith("| 0.45 | -6.55 | 3.25 | 0.450 | 140 | 30 s |")
    assert "{doc}`T = 0.45: supercooled, 140 τ </book/generated/01_simulation_T0.450>`" in rows[0]
    assert "no simulation summary for T = 0.6" in md
    assert (tmp_path / "overview" / "sim_overview.png").stat().st_size > 5000


def test_missing_notebooks_error_names_them(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path))
    with pytest.raises(BookBuildError, match="01_simulation_T0.450.ipynb"):
        htmlbuild.build("tiny", root=tmp_path / "src")


# --------------------------------------------------------------------------------------
# Strict build of the whole book from fake tiny notebooks
# --------------------------------------------------------------------------------------

def _copy_sources(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "book", dest / "book",
                    ignore=shutil.ignore_patterns("generated", "_build", "mathjax"))
    return dest


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """(source root, html dir, data root) of a strict build of fake tiny-profile notebooks."""
    import os

    data = tmp_path_factory.mktemp("data")
    write_fake_profile_data(data, "tiny")
    src = _copy_sources(tmp_path_factory.mktemp("book"))
    old = os.environ.get("GLASSBOOK_DATA")
    os.environ["GLASSBOOK_DATA"] = str(data)
    try:
        # fake data hold few results: a partial book (the strict refusal is tested on tiny data)
        index = htmlbuild.build("tiny", root=src, log=lambda *a: None, allow_partial=True)
    finally:
        if old is None:
            os.environ.pop("GLASSBOOK_DATA")
        else:
            os.environ["GLASSBOOK_DATA"] = old
    return src, index.parent, data


@pytest.mark.book
def test_strict_build_succeeds(built_book):
    src, html, data = built_book
    pages = {p.relative_to(html).as_posix() for p in html.rglob("*.html")}
    for must in ("index.html", "book/intro.html", "book/rerun.html", "book/lab.html", "book/paper_vs_ours.html",
                 "book/generated/01_simulation_T0.450.html", "book/generated/07_appendix.html"):
        assert must in pages, must
    assert not any(p.startswith(("data/", "tests/", "notebooks/", ".venv/")) for p in pages)
    sim = (html / "book/generated/01_simulation_T0.450.html").read_text()
    assert "How this page was made" in sim and "# Parameters" not in sim   # injected cell removed
    assert (html / "_static/mathjax/tex-mml-chtml.js").is_file()
    assert "_static/mathjax/tex-mml-chtml.js" in sim and "cdn.jsdelivr" not in sim
    assert htmlbuild.external_mathjax(html) == []
    vs = (html / "book/paper_vs_ours.html").read_text()
    assert "Missing:" in vs and "agrees" in vs


@pytest.mark.book
def test_warning_fails_build(built_book, tmp_path):
    src, _, _ = built_book
    work = tmp_path / "src"
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("_build"))
    page = work / "book" / "rerun.md"
    page.write_text(page.read_text() + "\nSee {ref}`no-such-label-anywhere`.\n")
    proc = htmlbuild.run_jupyter_book(work, strict=True)
    assert proc.returncode != 0
    assert "no-such-label-anywhere" in proc.stdout + proc.stderr


@pytest.mark.book
def test_failed_notebook_fails_build(tmp_path, monkeypatch):
    import json

    pdir = write_fake_profile_data(tmp_path / "data", "tiny")
    bad = fake_executed_notebook("broken", {"profile": "tiny"}, png="AAAA", error=True)
    (pdir / "notebooks" / "03_labels.ipynb").write_text(json.dumps(bad))
    monkeypatch.setenv("GLASSBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(BookBuildError, match="03_labels.ipynb.*ZeroDivisionError"):
        htmlbuild.build("tiny", root=_copy_sources(tmp_path / "src"), log=lambda *a: None, allow_partial=True)


# --------------------------------------------------------------------------------------
# The API reference (book/api.md): every module, every public function with its signature
# --------------------------------------------------------------------------------------

def _package_modules() -> list:
    import importlib
    import pkgutil

    import glasshelpers

    names = ["glasshelpers"] + [m.name for m in pkgutil.walk_packages(glasshelpers.__path__, "glasshelpers.")
                                if m.name.rsplit(".", 1)[-1] != "__main__"]
    return [importlib.import_module(n) for n in names]


def _public_functions(mod) -> list[str]:
    import inspect

    return [name for name, obj in inspect.getmembers(mod, inspect.isfunction)
            if obj.__module__ == mod.__name__ and not name.startswith("_")]


def test_api_page_covers_every_module():
    import re

    listed = re.findall(r"^\.\. automodule:: (\S+)$", (REPO / "book" / "api.md").read_text(), flags=re.M)
    modules = [m.__name__ for m in _package_modules()]
    assert sorted(set(modules) - set(listed)) == [], "modules missing from book/api.md"
    assert sorted(set(listed) - set(modules)) == [], "book/api.md names modules that do not exist"
    assert len(listed) == len(set(listed)), "a module is documented twice in book/api.md"
    toc = (REPO / "_toc.yml").read_text()
    methods = toc[toc.index("caption: Methods and validation"):toc.index("- caption: Results and re-use")]
    assert methods.rstrip().endswith("- file: book/api")


def test_jupyter_book_imports_this_copy_of_the_package(monkeypatch, tmp_path):
    import subprocess

    import glasshelpers

    seen = {}
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: seen.update(cmd=cmd, **kw))
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    htmlbuild.run_jupyter_book(tmp_path)
    first, *rest = seen["env"]["PYTHONPATH"].split(":")
    assert Path(first) == Path(glasshelpers.__file__).resolve().parents[1] and rest == ["/elsewhere"]
    assert seen["cmd"][-3:] == ["-W", "-n", "--keep-going"]


@pytest.mark.book
def test_api_page_shows_every_public_function_with_its_signature(built_book):
    import re

    _, html, _ = built_book
    page = (html / "book" / "api.html").read_text()
    sigs = dict(re.findall(r'<dt class="sig sig-object py" id="([^"]+)">(.*?)</dt>', page, flags=re.S))
    missing, unsigned, n = [], [], 0
    for mod in _package_modules():
        for name in _public_functions(mod):
            n += 1
            sig = sigs.get(f"{mod.__name__}.{name}")
            if sig is None:
                missing.append(f"{mod.__name__}.{name}")
            elif f'<span class="pre">{name}</span>' not in sig or 'class="sig-paren">(' not in sig:
                unsigned.append(f"{mod.__name__}.{name}")
    assert n > 400 and missing == [] and unsigned == []
    assert "REPO_ROOT" in sigs["glasshelpers.book.htmlbuild.build"]      # defaults as written
    assert "glasshelpers.core.learning.classify.HyperplaneClassifier" in sigs


# --------------------------------------------------------------------------------------
# A real browser: headless Chromium over a loopback HTTP server
# --------------------------------------------------------------------------------------

ARTIFACTS = REPO / "artifacts"


@pytest.fixture(scope="session")
def chromium():
    from browser_cdp import install_chromium

    path, why = install_chromium()
    if path is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    return path


@pytest.mark.book
def test_browser_visits_every_page(built_book, chromium):
    from bookbrowse import check_book

    src, html, data = built_book
    reports = check_book(html, chromium, forbidden=[src, data, REPO], artifacts=ARTIFACTS)
    assert sum(len(r["images"]) for r in reports.values()) >= 13   # data-flow figure + one per notebook
    assert reports["book/intro.html"]["typeset"] >= 3
    assert reports["book/generated/02_features.html"]["typeset"] >= 2
    # glued numbers are pasted into the prose of every notebook page
    for page, r in reports.items():
        if page.startswith("book/generated/0"):
            assert "The accuracy is 0.81 on this page." in r["text"], page
    # per-temperature titles in the sidebar; the landing page opens with results
    landing = reports["book/intro.html"]["text"]
    nav = reports["book/intro.html"]["html"]
    assert "T = 0.45: supercooled, 140 τ" in nav and "T = 2: normal liquid, 40 τ" in nav
    assert "0.75 [0.69, 0.79]" in landing and "1 agree" in landing
    assert "The answer, in numbers" in landing
    sim = reports["book/simulation.html"]
    assert "T = 0.47: supercooled" in sim["text"] and any("sim_overview.png" in i["src"] for i in sim["images"])
    assert "Copyright" not in landing and "2024" not in landing
    assert (ARTIFACTS / "book-landing.png").stat().st_size > 10_000
    assert (ARTIFACTS / "book-figure-page.png").stat().st_size > 10_000


@pytest.mark.book
def test_browser_catches_local_paths_and_sideways_scroll(built_book, chromium, tmp_path):
    """The checks fail on a page that shows a local path, a Path repr, is too wide, or
    cuts a printed line off at the edge of its box."""
    from bookbrowse import check_book

    src, html, data = built_book
    bad = tmp_path / "html"
    shutil.copytree(html, bad)
    page = bad / "book" / "rerun.html"
    text = page.read_text()
    marker = '<section id="set-up">'
    assert marker in text
    page.write_text(text.replace(marker, marker + f"<pre style='white-space: pre'>PosixPath('{src}/data')</pre>"
                                 + "<div style='width: 3000px'>wide</div>"
                                 + "<pre style='white-space: pre'>" + "a long printed line " * 30 + "</pre>", 1))
    with pytest.raises(AssertionError) as err:
        check_book(bad, chromium, forbidden=[src])
    msg = str(err.value)
    assert "book/rerun.html: shows the local path" in msg and "book/rerun.html: shows a PosixPath( repr" in msg
    assert "book/rerun.html: scrolls sideways" in msg
    assert "book/rerun.html: a printed line is cut off (pre " in msg and "a long printed line a long" in msg
    assert htmlbuild.local_path_leaks(bad, [src]) == [f"book/rerun.html: {src}", "book/rerun.html: PosixPath("]


def test_stamp_records_code_version(tmp_path):
    import json as _json

    from glasshelpers.book.notebooks import stamp_code_version
    p = tmp_path / "nb.ipynb"
    p.write_text(_json.dumps({"cells": [], "metadata": {"papermill": {}}, "nbformat": 4, "nbformat_minor": 5}))
    stamp_code_version(p, "9.9.9+gabc")
    nb = _json.loads(p.read_text())
    assert nb["metadata"]["glassbook"]["code_version"] == "9.9.9+gabc"
    assert nb["metadata"]["papermill"] == {}


def test_comparison_tables_hide_the_code_version_the_csv_keeps(tmp_path):
    res = tmp_path / "results"
    res.mkdir()
    pd.DataFrame({"claim": ["c"], "paper": ["p"], "ours": ["o"], "verdict": ["agrees"], "headline": [""],
                  "code_version": ["0.1.0+gabc"]}).to_csv(res / "fig1.csv", index=False)
    md = pages.paper_vs_ours_markdown("tiny", res, tmp_path / "figures")
    section = md[md.index("(fig1-compare)="):md.index("(fig2-compare)=")]
    assert "| claim | paper | ours | verdict |" in section and "0.1.0+gabc" not in section
    assert "code_version" in (res / "fig1.csv").read_text()


def test_lab_solutions_follow_the_numbers():
    """The lab chapter's judgements are built from the results: the same exercise gives the
    opposite sentence on numbers that say the opposite, and a missing table is named."""
    from glasshelpers.book import labsolutions as sol
    from glasshelpers.pipeline.profiles import load_profile

    P = load_profile("lab")
    peaks = lambda lo: pd.DataFrame({"panel": ["fluidity CV"], "T": [1.2], "best_accuracy": [0.56],  # noqa: E731
                                     "accuracy_lo": [lo], "accuracy_hi": [0.6], "best_shift": [0.0]})
    assert "lies above chance" in "\n".join(sol.fluid_cv({"fig1_peaks": peaks(0.52)}, P))
    assert "reaches down to chance" in "\n".join(sol.fluid_cv({"fig1_peaks": peaks(0.49)}, P))
    t1 = lambda lo2: pd.DataFrame({"T": [0.45, 1.2, 2.0], "best_accuracy": [0.7, 0.68, 0.6],  # noqa: E731
                                   "best_accuracy_lo": [0.68, 0.66, 0.58], "best_accuracy_hi": [0.72, 0.7, lo2]})
    assert "ranks it last" in "\n".join(sol.transfer_worst({"table1_data": t1(0.62)}, P))
    assert "does not rank it below" in "\n".join(sol.transfer_worst({"table1_data": t1(0.67)}, P))
    grid = lambda d: pd.DataFrame({"q": [0.01, 0.02], "C": [0.01, 0.01], "accuracy": [0.55, 0.55 + d],  # noqa: E731
                                   "accuracy_lo": [0.54, 0.54 + d], "accuracy_hi": [0.56, 0.56 + d]})
    assert "no more than the statistical error" in "\n".join(sol.appendix_scan({"fig6_data": grid(0.01)}, P))
    assert "at most weak evidence" in "\n".join(sol.appendix_scan({"fig6_data": grid(0.03)}, P))
    assert "C and q matter here" in "\n".join(sol.appendix_scan({"fig6_data": grid(0.05)}, P))
    assert "`labels_summary.csv`" in sol.hops({}, P)[0]


def test_progress_bars_are_dropped_and_other_stderr_kept():
    from glasshelpers.book.notebooks import drop_progress_bars

    bars = [{"output_type": "stream", "name": "stderr", "text": "\rT=0.45:  40%|####      | 58.0/145 [01:11<01:21,  1.07tau/s, steps_per_s=166]"},
            {"output_type": "stream", "name": "stderr", "text": ["\rfeatures T=1:   0%|          | 0/30 [00:00<?, ?it/s]",
                                                                "\rfeatures T=1: 100%|##########| 30/30 [00:04<00:00,  6.44it/s]"]},
            {"output_type": "stream", "name": "stderr", "text": "\n"}]
    kept = [{"output_type": "stream", "name": "stderr", "text": "RuntimeWarning: invalid value in divide\n"},
            {"output_type": "stream", "name": "stdout", "text": "\n"}]
    nb = {"cells": [{"cell_type": "code", "source": "x", "metadata": {}, "outputs": bars + kept}]}
    assert drop_progress_bars(nb)["cells"][0]["outputs"] == kept
    assert len(nb["cells"][0]["outputs"]) == 5                 # the input is not changed
