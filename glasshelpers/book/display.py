"""Tables for reading: how a DataFrame is shown on a book page.

A results DataFrame is made for the next computation (tidy, full precision, column
names that are valid identifiers). A page shows it to a person: no index column, no
column that holds nothing, three significant figures, and names a physicist would use
(``T_onset (68% hi)`` rather than ``T_onset_hi``). Tables wider than the text column
sit in their own horizontally scrollable box, so the page itself never scrolls sideways.

Use ``reading_table(df)`` where a cell ends with a table, or call
``use_reading_tables()`` once in a notebook so that every DataFrame a cell displays is
shown this way (the CSVs written with ``results.write_result`` keep full precision).
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

SIGNIFICANT = 3

# Exact column names -> what the page shows. Suffix rules (_lo, _hi, _err, ...) below
# apply to anything not listed, so `T_onset_hi` reads "T_onset (68% hi)".
NAMES = {
    "T": "T",
    "T_train": "T_train",
    "T_test": "T_test",
    "T_onset": "T_onset",
    "b": "b",
    "b_best": "b_best",
    "sigma_T": "σ_T",
    "similarity": "ŵ_S · ŵ_α",
    "C": "C",
    "q": "q",
    "p_l": "p_l",
    "bin": "bin",
    "x": "x_α",
    "x_mid": "x_α",
    "dE": "ΔE",
    "delta_E": "ΔE",
    "Delta_E": "ΔE",
    "Sigma": "Σ",
    "chi2": "χ²",
    "dof": "dof",
    "red_chi2": "χ²/dof",
    "n": "samples",
    "n_train": "training samples",
    "n_frames": "frames",
    "accuracy": "accuracy",
    "train_accuracy": "training accuracy",
    "best_accuracy": "best accuracy",
    "peak_accuracy": "peak accuracy",
    "cv_accuracy": "CV accuracy",
    "mean": "mean",
    "std": "std",
    "pe": "U/N",
    "U_per_N": "U/N",
    "pressure": "pressure",
    "bank_frames": "bank frames",
    "A_particles": "A particles",
    "samples": "samples",
    "mean_coordination_A": "A neighbours within 5.9",
    "rearranging_fraction": "rearranging fraction",
    "frac_above_p_c": "fraction above p_c",
    "n_rearranging": "rearranging",
    "n_low_tail": "low tail",
    "n_high_tail": "high tail",
    "phop_q0.5": "p_hop median",
    "phop_q0.99": "p_hop 99th pct",
    "wall_time_s": "wall time (s)",
    "production_time": "production (τ)",
    "n_lines": "lines",
    "n_valid": "bootstrap fits",
    "n_points": "points",
    "n_zero": "empty cells",
    "T_kin": "T_kin",
}

_SUFFIXES = (
    ("_lo", " (68% lo)"),
    ("_hi", " (68% hi)"),
    ("_err", " (std. err.)"),
    ("_se", " (std. err.)"),
    ("_std", " (std)"),
    ("_paper", " (paper)"),
)

# Control parameters are shown as given (0.45, 1.2, 0.01), not to three figures.
EXACT = {"T", "T_train", "T_test", "C", "q", "p_l", "bin", "fluidity_q", "temperature"}

_TABLE_CSS = "glassbook-table"


def readable_name(column) -> str:
    """The name a reader sees for a results column (mapping above, then suffix rules)."""
    if isinstance(column, tuple):
        parts = [readable_name(c) for c in column if str(c) != ""]
        return " · ".join(parts)
    if isinstance(column, (float, np.floating)):
        return f"{float(column):g}"
    name = str(column)
    if name in NAMES:
        return NAMES[name]
    for suffix, words in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return readable_name(name[: -len(suffix)]) + words
    m = re.fullmatch(r"n_quiet_?(.*)", name)
    if m:
        return "quiet stretches" + (f" ({m.group(1).replace('_', ' ')})" if m.group(1) else "")
    first = name.split("_", 1)[0]
    if "_" in name and len(first) > 2 and first.islower():   # words, not a symbol like T_kin
        return name.replace("_", " ")
    return name


def format_value(value, significant: int = SIGNIFICANT) -> str:
    """A number with ``significant`` significant figures, never in exponent notation
    between 1e-4 and 1e6; integers (and integral floats below 1e6) stay whole; NaN -> ''."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        if x == 0:
            return "0"
        if x.is_integer() and abs(x) < 1e6:
            return str(int(x))
        rounded = float(f"{x:.{significant}g}")
        mag = math.floor(math.log10(abs(rounded)))
        if mag >= 6 or mag < -4:
            return f"{rounded:.{significant - 1}e}"
        return f"{rounded:.{max(significant - 1 - mag, 0)}f}"
    return str(value)


def readable_frame(df: pd.DataFrame, names: dict | None = None, significant: int = SIGNIFICANT,
                   drop: tuple = ("code_version",)) -> pd.DataFrame:
    """A copy of ``df`` prepared for reading, every cell a string.

    A named index (from groupby or pivot) becomes ordinary columns, an unnamed one goes;
    all-empty columns and bookkeeping columns (``drop``) go; numbers get
    ``significant`` figures; columns get readable names (``names`` overrides
    ``NAMES``).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    out = df.copy()
    if any(name is not None for name in out.index.names):
        out = out.reset_index()            # a named index (groupby, pivot) is data
    else:
        out = out.reset_index(drop=True)   # positions (0..n-1, or repeats after concat) are not
    out = out[[c for c in out.columns if str(c) not in drop]]
    empty = [c for c in out.columns if out[c].isna().all()]
    out = out.drop(columns=empty)
    mapping = {**NAMES, **(names or {})}
    labels = []
    for c in out.columns:
        labels.append(mapping[c] if not isinstance(c, tuple) and c in mapping else readable_name(c))
    def fmt(c, v):
        if isinstance(c, tuple):               # ("T", "") after reset_index of wide columns
            c = next((part for part in c if str(part) != ""), "")
        if str(c) in EXACT and isinstance(v, (float, np.floating)) and not math.isnan(v):
            return f"{float(v):g}"
        return format_value(v, significant)

    body = {label: [fmt(c, v) for v in out[c]] for label, c in zip(_unique(labels), out.columns)}
    return pd.DataFrame(body, columns=_unique(labels))


def _unique(labels):
    seen, out = {}, []
    for label in labels:
        k = seen.get(label, 0)
        out.append(label if k == 0 else f"{label} ({k + 1})")
        seen[label] = k + 1
    return out


class ReadingTable:
    """A table for a page: renders as HTML in a scrollable box, as Markdown, or as text."""

    def __init__(self, df: pd.DataFrame, names: dict | None = None, significant: int = SIGNIFICANT,
                 caption: str | None = None):
        self.frame = readable_frame(df, names=names, significant=significant)
        self.caption = caption

    def to_html(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
                       for row in self.frame.itertuples(index=False))
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="{_TABLE_CSS}" style="overflow-x: auto; max-width: 100%;">'
                f'<table class="dataframe table">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table></div>")

    def to_markdown(self) -> str:
        cols = [str(c).replace("|", "\\|") for c in self.frame.columns]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(v.replace("|", "\\|") for v in row) + " |"
                  for row in self.frame.itertuples(index=False)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def reading_table(df: pd.DataFrame, names: dict | None = None, significant: int = SIGNIFICANT,
                  caption: str | None = None) -> ReadingTable:
    """``df`` as a table made for reading (see the module docstring)."""
    return ReadingTable(df, names=names, significant=significant, caption=caption)


def use_reading_tables(significant: int = SIGNIFICANT) -> bool:
    """Show every DataFrame a notebook cell displays as a reading table.

    Registers HTML and plain-text formatters for ``pandas.DataFrame`` in the running
    IPython kernel; returns False (and does nothing) outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None:
        return False
    fmt = ip.display_formatter.formatters
    fmt["text/html"].for_type(pd.DataFrame, lambda df: reading_table(df, significant=significant).to_html())
    fmt["text/plain"].for_type(pd.DataFrame,
                               lambda df, p, cycle: p.text(repr(reading_table(df, significant=significant))))
    return True
