"""The softness set-size control: its sizes by hand, and draw 0 at the profile's size
against Table I's softness row computed by stage 05 (an independent path)."""

import numpy as np
import pandas as pd
import pytest

from conftest import requires_lammps
from glasshelpers.pipeline.profiles import load_profile
from glasshelpers.stages.s07_appendix import softness_size


def test_default_sizes_by_hand():
    assert softness_size.default_sizes(400, 1428) == [100, 200, 400, 800, 1285]     # 1600 > 0.9 x 1428
    assert softness_size.default_sizes(10, 30) == [10, 20, 27]
    assert softness_size.default_sizes(400, 5) == []                                # nothing to draw


def test_summary_is_the_mean_and_spread_over_draws():
    scan = pd.DataFrame({"n_per_class": [10, 10, 20], "draw": [0, 1, 0], "w_norm": [1.0, 3.0, 2.0],
                         **{q: [0.0, 0.0, 0.0] for q in ("sigma_T", "sigma_T_raw", "b_best", "b_best_paper",
                                                         "best_accuracy", "similarity_plain")}})
    s = softness_size.summary(scan).set_index("n_per_class")
    assert s.loc[10, "w_norm_mean"] == 2.0 and s.loc[10, "w_norm_sd"] == pytest.approx(np.sqrt(2.0))
    assert s.loc[10, "draws"] == 2 and np.isnan(s.loc[20, "w_norm_sd"])


@requires_lammps
@pytest.mark.slow
def test_draw_zero_at_the_profile_size_is_table_one_softness_row(tiny_data, monkeypatch):
    monkeypatch.setenv("GLASSBOOK_DATA", str(tiny_data.parent))
    P = load_profile("tiny")
    n = int(P.labels.softness_per_class)
    scan = softness_size.softness_set_size(P, [n], draws=2, progress=False)
    row = pd.read_csv(tiny_data / "results" / "table1_data.csv").set_index("T").loc[P.labels.softness_temperature]
    first = scan.iloc[0]
    assert first["similarity_plain"] == pytest.approx(1.0, abs=1e-12)       # the very classifier of Table I
    assert first["sigma_T_raw"] == pytest.approx(row["sigma_T_raw"], rel=1e-5)
    assert first["b_best_paper"] == pytest.approx(-row["b_best_raw"], rel=1e-5, abs=1e-6)
    assert first["w_norm"] == pytest.approx(row["w_norm"], rel=1e-5)
    assert scan.iloc[1]["similarity_plain"] < 1.0                            # another draw, another normal
