"""Tables for reading, the notebook source format, and the small numeric helpers the
simulation overview uses (MSD, production averages, overview figure)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glasshelpers.book import display
from glasshelpers.core.dynamics.dynamics import log_lags
from glasshelpers.core.dynamics.relaxation import msd as mean_squared_displacement
from glasshelpers.core.md.trajectory import production_averages

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ reading tables
@pytest.mark.parametrize("value, text", [
    (0.123456, "0.123"), (1.23456, "1.23"), (12.3456, "12.3"), (123.456, "123"), (1234.56, "1230"),
    (999.7, "1000"), (-0.04567, "-0.0457"), (0.5, "0.500"), (2.0, "2"), (7, "7"), (np.int64(12000), "12000"),
    (1.234e-7, "1.23e-07"), (float("nan"), ""), (0.0, "0"), ("agrees", "agrees"), (np.float32(0.3333333), "0.333"),
])
def test_three_significant_figures(value, text):
    assert display.format_value(value) == text


def test_readable_frame_drops_index_empty_columns_and_renames():
    df = pd.DataFrame({"T_train": [0.45, 1.2, 2.0], "T_onset": [1.0213, 0.98765, 1.1],
                       "T_onset_lo": [0.95, 0.9, np.nan], "T_onset_hi": [1.1, 1.05, np.nan],
                       "T_err": [np.nan] * 3, "fit": ["all T"] * 3, "code_version": ["x"] * 3},
                      index=[0, 0, 1])                      # repeated positions, as after pd.concat
    out = display.readable_frame(df)
    assert list(out.columns) == ["T_train", "T_onset", "T_onset (68% lo)", "T_onset (68% hi)", "fit"]
    assert out["T_train"].tolist() == ["0.45", "1.2", "2"]          # parameters as given
    assert out["T_onset"].tolist() == ["1.02", "0.988", "1.10"]     # 3 significant figures
    assert out["T_onset (68% hi)"].tolist() == ["1.10", "1.05", ""]  # NaN cell shown empty
    assert "index" not in out.columns and "T_err" not in out.columns


def test_named_index_becomes_a_column_and_multiindex_columns_flatten():
    df = pd.DataFrame({"T_train": [1.2, 1.2, 2.0, 2.0], "T": [0.45, 1.0, 0.45, 1.0],
                       "mean": [0.1, 0.2, 0.3, 0.4], "std": [1.0, 1.1, 1.2, 1.3]})
    wide = df.groupby(["T_train", "T"])[["mean", "std"]].first().unstack(0)
    out = display.readable_frame(wide)
    assert out.columns[0] == "T"
    assert "mean · 1.2" in out.columns and "std · 2" in out.columns
    assert out.shape == (2, 5)


def test_reading_table_html_is_scrollable_and_escaped():
    df = pd.DataFrame({f"column_{k}": [k * 1.23456] for k in range(20)} | {"claim": ["a < b & c"]})
    html = display.reading_table(df).to_html()
    assert html.startswith('<div class="glassbook-table" style="overflow-x: auto;')
    assert "a &lt; b &amp; c" in html and "<th>column 3</th>" in html and "3.70" in html
    md = display.reading_table(df).to_markdown()
    assert md.splitlines()[0].startswith("| column 0 |") and len(md.splitlines()) == 3


def test_reading_table_rejects_non_frames():
    with pytest.raises(TypeError, match="DataFrame"):
        display.readable_frame([1, 2, 3])


def test_use_reading_tables_outside_ipython_is_a_no_op():
    assert display.use_reading_tables() is False


# ------------------------------------------------------------------ notebook sources
def _mknb():
    spec = importlib.util.spec_from_file_location("mknb", REPO / "tools" / "mknb.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mknb_reads_cell_tags():
    src = ('# %% [markdown]\n# # Title\n# text\n\n# %%\n# parameters\nprofile = "demo"\n\n'
           '# %% tags=["hide-input"]\nimport numpy as np\n\n# %% [markdown] tags=["remove-cell"]\n# hidden\n\n'
           '# %%\nx = 1\n')
    nb = _mknb().build(src)
    kinds = [(c.cell_type, c.metadata.get("tags", [])) for c in nb.cells]
    assert kinds == [("markdown", []), ("code", ["parameters"]), ("code", ["hide-input"]),
                     ("markdown", ["remove-cell"]), ("code", [])]
    assert nb.cells[0].source == "# Title\ntext" and nb.cells[2].source == "import numpy as np"


def test_mknb_rejects_a_malformed_header():
    with pytest.raises(ValueError, match="cell header"):
        _mknb().build("# %% tags=hide-input\nx = 1\n")


def test_committed_notebooks_match_their_sources():
    mknb = _mknb()
    for src in sorted((REPO / "notebooks" / "src").glob("*.py")):
        import nbformat

        want = mknb.build(src.read_text())
        have = nbformat.read(REPO / "notebooks" / f"{src.stem}.ipynb", as_version=4)
        assert [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in have.cells] == \
               [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in want.cells], \
            f"notebooks/{src.stem}.ipynb is stale: python tools/mknb.py {src.relative_to(REPO)} notebooks/{src.stem}.ipynb"


def test_stage_notebooks_collapse_plumbing_and_glue_numbers():
    import nbformat

    for name in ("01_simulation", "02_features", "03_labels", "04_fluid_classification", "05_transfer_learning"):
        nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        hidden = [c for c in code if "hide-input" in c.metadata.get("tags", [])]
        assert hidden, name                                     # imports/saving collapsed
        assert any(c not in hidden and "parameters" not in c.metadata.get("tags", []) for c in code), name
        glued = {line.split('"')[1] for c in code for line in c.source.splitlines() if line.lstrip().startswith("glue(")}
        used = {k.split(":")[0] for c in nb.cells if c.cell_type == "markdown"
                for k in __import__("re").findall(r"\{glue:text\}`([^`]+)`", c.source)}
        assert used and used <= glued, (name, used - glued)
        for c in code:                                          # nothing prints a local path
            assert "print(out)" not in c.source, name


# ------------------------------------------------------------------ numeric helpers
def test_msd_of_ballistic_and_static_particles():
    t = np.arange(50, dtype=float)[:, None, None]
    v = np.array([[0.1, 0.0, 0.0], [0.0, 0.2, 0.2]])[None]      # two particles, constant velocity
    x = t * v
    lags = np.array([1, 5, 20])
    want = np.mean(np.sum(v[0] ** 2, axis=1)) * lags ** 2       # |v|^2 lag^2, averaged over particles
    assert np.allclose(mean_squared_displacement(x, lags), want)
    assert np.allclose(mean_squared_displacement(np.zeros((10, 3, 3)), [1, 9]), 0.0)
    # the A particles only, as chapter 1 asks: the second particle's |v|^2 = 0.08
    assert np.allclose(mean_squared_displacement(x, lags, particles=np.array([False, True])), 0.08 * lags ** 2)
    with pytest.raises(ValueError, match="lags"):
        mean_squared_displacement(x, [-1, 3])
    with pytest.raises(ValueError, match="lags"):
        mean_squared_displacement(x, [50])


def test_log_lags_are_distinct_and_bounded():
    lags = log_lags(601)
    assert lags[0] == 1 and lags[-1] == 600 and np.all(np.diff(lags) > 0)
    with pytest.raises(ValueError):
        log_lags(1)


def test_production_averages():
    rows = [{"phase": "equilibration", "pe": -5.0, "temperature": 9.0, "pressure": 99.0}]
    rows += [{"phase": "production", "pe": pe, "temperature": 0.45, "pressure": p}
             for pe, p in ((-6.0, 1.0), (-6.2, 2.0), (-6.4, 3.0), (-6.6, 4.0))]
    avg = production_averages(rows)
    assert avg["pe"] == pytest.approx(-6.3) and avg["pressure"] == pytest.approx(2.5)
    assert avg["pe_first_half"] == pytest.approx(-6.1) and avg["pe_second_half"] == pytest.approx(-6.5)
    assert avg["n"] == 4 and avg["temperature"] == pytest.approx(0.45)
    with pytest.raises(ValueError, match="production"):
        production_averages(rows[:1])


def test_temperature_overview_figure_headless():
    import matplotlib.pyplot as plt

    from glasshelpers.figures.simfigures import temperature_overview_figure

    r = np.linspace(0.5, 3, 50)
    rdfs = {T: (r, 1 + np.exp(-r) / T) for T in (0.45, 1.0, 2.0)}
    msds = {T: (np.array([1, 10, 100]), T * np.array([0.1, 1.0, 10.0])) for T in (0.45, 1.0, 2.0)}
    fig = temperature_overview_figure(rdfs, msds)
    ax_g, ax_m = fig.axes[:2]
    assert len(ax_g.lines) == 3 + 1 and len(ax_m.lines) == 3      # one curve per T (+ g = 1 guide)
    assert ax_m.get_xscale() == "log" and ax_m.get_yscale() == "log"
    colours = [tuple(line.get_color()) for line in ax_m.lines]
    assert colours[0] != colours[-1]                              # coldest and hottest differ
    fig2, axes = plt.subplots(1, 2)
    assert temperature_overview_figure(rdfs, msds, axes=axes) is fig2
    plt.close("all")
