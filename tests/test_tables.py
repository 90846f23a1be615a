"""Result tables declared once (glasshelpers.pipeline.tables): the format, the check that
write_result applies, and the stages' declarations against what the notebooks write."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from glasshelpers.pipeline import registry, tables
from glasshelpers.pipeline.profiles import load_profile
from glasshelpers.pipeline.results import write_result

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = """
demo_table:
  about: one row per temperature
  suffixes: {lo: lower end of the 68 % interval, hi: upper end of the 68 % interval}
  columns:
    T: epsilon/k_B | temperature
    tau_alpha: {unit: tau, about: relaxation time, intervals: [lo, hi, lo95]}
    note: {unit: text, about: a remark, optional: true}
sim_{tag}_x:
  about: per-temperature table
  when: analysis.sigma_T_sizes
  columns:
    y: "1 | a number"
"""


def test_a_declaration_expands_its_intervals_with_their_meanings():
    t, s = tables.parse("sxx", SAMPLE)
    assert t.names() == ["T", "tau_alpha", "tau_alpha_lo", "tau_alpha_hi", "tau_alpha_lo95", "note"]
    assert t.names(optional=False) == ["T", "tau_alpha", "tau_alpha_lo", "tau_alpha_hi", "tau_alpha_lo95"]
    assert t.column("tau_alpha_hi").unit == "tau"
    assert t.column("tau_alpha_lo").about == "lower end of the 68 % interval of tau_alpha"
    assert t.column("tau_alpha_lo95").about.startswith("lower end of the 95 % interval")   # the default meaning
    assert t.column("T").unit == "epsilon/k_B" and t.when == "" and s.when == "analysis.sigma_T_sizes"
    assert s.matches("sim_T0.450_x") and not s.matches("sim_T0.450_xy") and not s.matches("sim_{tag}_y")
    assert t.matches("demo_table") and not t.matches("demo_tables")


@pytest.mark.parametrize("bad, message", [
    ("k: {about: a, columns: {T: kelvin | temperature}}", "unit 'kelvin'"),
    ("k: {about: a, columns: {T: epsilon/k_B}}", "needs 'unit | about'"),
    ("k: {about: a, columns: {x: {unit: tau, about: t, intervals: [lo99]}}}", "suffix 'lo99'"),
    ("k: {about: a, columns: {x: {unit: tau, about: t, intervals: [lo]}, x_lo: tau | again}}", "declared twice"),
    ("k: {columns: {T: epsilon/k_B | temperature}}", "needs 'about' and 'columns'"),
    ("k: {about: a, colums: {}, columns: {}}", "unknown fields"),
    ("k: {about: a, columns: {x: {unit: tau, about: t, optinal: true}}}", "unknown fields"),
])
def test_a_bad_declaration_is_refused_naming_what_is_wrong(bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        tables.parse("sxx", bad)


def test_the_check_names_undeclared_and_missing_columns_and_ignores_bookkeeping():
    t = tables.parse("sxx", SAMPLE)[0]
    t.check(["T", "tau_alpha", "tau_alpha_lo", "tau_alpha_hi", "tau_alpha_lo95", "code_version", "overrides"])
    t.check(["note", "T", "tau_alpha_lo95", "tau_alpha", "tau_alpha_lo", "tau_alpha_hi"])   # order is free
    with pytest.raises(tables.TableMismatch, match=r"undeclared columns \['tau'\] and missing columns \['tau_alpha'"):
        t.check(["T", "tau", "tau_alpha_lo", "tau_alpha_hi", "tau_alpha_lo95"])
    with pytest.raises(tables.TableMismatch, match="declared by no stage"):
        tables.declared("other", [t])


def test_write_result_refuses_a_table_unlike_its_declaration_and_writes_nothing(data_root):
    P = load_profile("tiny")
    with pytest.raises(tables.TableMismatch, match=r"van_hove.csv: undeclared columns \['G'\] and missing columns \['G_s'\]"):
        write_result(P, "van_hove", pd.DataFrame({"T": [1.0], "r": [0.1], "G": [0.2]}))
    with pytest.raises(tables.TableMismatch, match="declared by no stage"):
        write_result(P, "van_hove2", pd.DataFrame({"T": [1.0]}))
    assert not (data_root / "tiny" / "results").exists() or not list((data_root / "tiny" / "results").iterdir())
    write_result(P, "van_hove", pd.DataFrame({"T": [1.0], "r": [0.1], "G_s": [0.2]}))


def test_every_stage_declares_its_tables_with_units_and_meanings():
    keys = []
    for s in registry.STAGES:
        assert s.tables, s.stem
        for t in s.tables:
            assert t.package == s.package and t.about
            assert all(c.unit in tables.UNITS and c.about for c in t.columns), t.key
            assert ("{tag}" in t.key) == s.per_temperature, t.key
            keys.append(t.key)
    assert len(keys) == len(set(keys))
    # a concrete key finds its declaration; an item's verdict table has the verdict columns
    assert registry.result_table("sim_T0.450_summary").key == "sim_{tag}_summary"
    assert registry.result_table("table1").names() == list(tables.VERDICT_COLUMNS)
    # the one table written on a profile switch is declared with its switch
    (size,) = [t for t in registry.stage("07_appendix").tables if t.when]
    assert (size.key, size.when) == ("sigma_T_size", "analysis.sigma_T_sizes")


def test_the_book_lists_every_declared_table():
    from glasshelpers.book.tablespage import tables_page

    text = tables_page()
    for t in registry.result_tables():
        if t.package in {s.package for s in registry.STAGES} and t.key not in [i.key for i in registry.ITEMS]:
            assert f"`{t.key}`" in text, t.key
            assert all(f"`{c.name}`" in text for c in t.columns), t.key
    assert "epsilon/k_B" in text
