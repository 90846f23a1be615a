"""Result tables, declared once: columns, units and intervals of every ``results/<key>.csv``.

Each stage declares the tables it writes in ``glasshelpers/stages/<package>/tables.yaml``,
beside the code that computes them. This module reads those files; the registry takes a
stage's result keys from them (:func:`glasshelpers.pipeline.registry.stage_results`),
:func:`glasshelpers.pipeline.results.write_result` refuses a table whose columns differ from
its declaration, and the book prints the declarations as its table of results.

The format of a stage's file (YAML), one entry per table::

    fig1_data:
      about: one row per training temperature and bias shift
      when: analysis.sigma_T_sizes      # optional: written only if this profile value is set
      suffixes:                         # optional: what <quantity>_<suffix> columns hold
        lo: lower end of the 68 % interval
      columns:
        T: epsilon/k_B | training temperature          # short form "unit | about"
        accuracy: {unit: "1", about: fraction classified correctly, intervals: [lo, hi]}
        note: {unit: text, about: free remark, optional: true}

A key may hold ``{tag}`` (the temperature tag of the per-temperature stage, ``T0.450``).
``intervals`` expands into the columns ``<name>_<suffix>`` (same unit), each described by
the table's ``suffixes`` or by :data:`SUFFIXES`. Units come from :data:`UNITS`
(Lennard-Jones units of the A-A interaction: sigma, epsilon, tau, with k_B = 1).

Imports nothing from the package (it reads files only), so every layer may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

#: The units a column may declare, and what each means (Lennard-Jones units of the A-A pair).
UNITS = {
    "epsilon/k_B": "temperature, in units of the A-A well depth over Boltzmann's constant",
    "epsilon": "energy (per particle where the column says so)",
    "epsilon/sigma^3": "pressure",
    "tau": "time, tau = sigma sqrt(m / epsilon)",
    "1/tau": "rate",
    "sigma": "length",
    "sigma^2": "squared length",
    "sigma^-1": "inverse length (a wave number, or a density per unit length)",
    "sigma^-3": "number density",
    "sigma^2/tau": "diffusion coefficient",
    "std": "distance in standardised feature space (features divided by their standard deviation)",
    "raw": "scikit-learn's decision-function units (|w| times a distance in standardised features)",
    "1": "dimensionless number (fraction, probability, ratio, cosine, accuracy, statistic)",
    "count": "a number of things (particles, samples, frames, bins, degrees of freedom)",
    "index": "an integer label (replica, feature, bin)",
    "per row": "the unit of the row's quantity, which another column of the row names",
    "s": "wall-clock seconds on the machine that ran the stage",
    "s/tau": "wall-clock seconds per tau of simulated time",
    "bool": "true or false",
    "text": "a label, a verdict or a remark",
}

#: Default meanings of interval columns ``<quantity>_<suffix>``; a table may restate them.
SUFFIXES = {
    "lo": "lower end of the quantity's main interval (see the table)",
    "hi": "upper end of the quantity's main interval (see the table)",
    "lo95": "lower end of the 95 % interval",
    "hi95": "upper end of the 95 % interval",
    "lo90": "lower end of the 90 % interval",
    "hi90": "upper end of the 90 % interval",
    "err": "standard error",
    "se": "standard error",
}

#: Columns every verdict table (one per item of the paper) has.
VERDICT_COLUMNS = {
    "claim": ("text", "the paper's claim, in our words"),
    "paper": ("text", "the paper's value or statement"),
    "ours": ("text", "our value, with its interval"),
    "verdict": ("text", "agrees, disagrees or inconclusive (or an untested state), with the rule's note"),
    "headline": ("text", "key of the headline claim this row tests, if any"),
}

#: Columns ``write_result`` adds to every table; not declared per table.
BOOKKEEPING = ("code_version", "overrides")

STAGES_DIR = Path(__file__).resolve().parent.parent / "stages"


class TableMismatch(ValueError):
    """A table's columns differ from its declaration (or the table is not declared)."""


@dataclass(frozen=True)
class Column:
    """One declared column: its name, unit (a key of :data:`UNITS`), meaning, and whether a
    table may lack it."""

    name: str
    unit: str
    about: str
    optional: bool = False


@dataclass(frozen=True)
class Table:
    """One declared result table: ``key`` (may hold ``{tag}``), the stage package that
    writes it, what one row is, its columns, and the profile value (dotted) that must be
    non-empty for it to be written (``when``; empty: always written)."""

    key: str
    package: str
    about: str
    columns: tuple[Column, ...]
    when: str = ""

    def names(self, optional: bool = True) -> list[str]:
        """Column names, in declaration order (without the optional ones if asked)."""
        return [c.name for c in self.columns if optional or not c.optional]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.key} declares no column {name!r}")

    def matches(self, key: str) -> bool:
        """Whether a concrete key (``sim_T0.450_summary``) is an instance of this one."""
        if "{tag}" not in self.key:
            return key == self.key
        pattern = re.escape(self.key).replace(re.escape("{tag}"), r"T\d+\.\d+")
        return re.fullmatch(pattern, key) is not None

    def check(self, columns) -> None:
        """Raise :class:`TableMismatch` naming the undeclared and the missing columns of a
        table with these column names (bookkeeping columns aside)."""
        have = [c for c in columns if c not in BOOKKEEPING]
        extra = [c for c in have if c not in set(self.names())]
        missing = [c for c in self.names(optional=False) if c not in set(have)]
        if extra or missing:
            parts = []
            if extra:
                parts.append(f"undeclared columns {extra}")
            if missing:
                parts.append(f"missing columns {missing}")
            raise TableMismatch(f"results/{self.key}.csv: {' and '.join(parts)}; its declaration is "
                                f"glasshelpers/stages/{self.package}/tables.yaml")


def _parse_column(name: str, spec, suffixes: dict, where: str) -> list[Column]:
    if isinstance(spec, str):
        if "|" not in spec:
            raise ValueError(f"{where}: column {name!r} needs 'unit | about', got {spec!r}")
        unit, about = (s.strip() for s in spec.split("|", 1))
        spec = {"unit": unit, "about": about}
    if not isinstance(spec, dict) or not {"unit", "about"} <= set(spec):
        raise ValueError(f"{where}: column {name!r} needs a unit and an about")
    unknown = set(spec) - {"unit", "about", "intervals", "optional"}
    if unknown:
        raise ValueError(f"{where}: column {name!r} has unknown fields {sorted(unknown)}")
    unit = str(spec["unit"])
    if unit not in UNITS:
        raise ValueError(f"{where}: column {name!r} has unit {unit!r}, not one of {sorted(UNITS)}")
    optional = bool(spec.get("optional", False))
    cols = [Column(name, unit, str(spec["about"]).strip(), optional)]
    for suffix in spec.get("intervals", ()) or ():
        meaning = suffixes.get(suffix, SUFFIXES.get(suffix))
        if meaning is None:
            raise ValueError(f"{where}: column {name!r}: interval suffix {suffix!r} is described "
                             "neither in the table's suffixes nor in tables.SUFFIXES")
        cols.append(Column(f"{name}_{suffix}", unit, f"{meaning} of {name}", optional))
    return cols


def parse(package: str, text: str) -> tuple[Table, ...]:
    """The tables declared by one stage's ``tables.yaml`` text (ValueError on a bad entry)."""
    data = yaml.safe_load(text) or {}
    out = []
    for key, spec in data.items():
        where = f"stages/{package}/tables.yaml: {key}"
        if not isinstance(spec, dict) or "columns" not in spec or "about" not in spec:
            raise ValueError(f"{where}: needs 'about' and 'columns'")
        unknown = set(spec) - {"about", "columns", "suffixes", "when"}
        if unknown:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
        suffixes = {str(k): str(v) for k, v in (spec.get("suffixes") or {}).items()}
        cols: list[Column] = []
        for name, cspec in spec["columns"].items():
            cols += _parse_column(str(name), cspec, suffixes, where)
        names = [c.name for c in cols]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"{where}: columns declared twice: {dup}")
        out.append(Table(str(key), package, str(spec["about"]).strip(), tuple(cols), str(spec.get("when", ""))))
    return tuple(out)


@lru_cache(maxsize=None)
def of_package(package: str) -> tuple[Table, ...]:
    """The tables a stage package declares (empty when it has no ``tables.yaml``)."""
    path = STAGES_DIR / package / "tables.yaml"
    if not path.is_file():
        return ()
    return parse(package, path.read_text())


def verdict_table(key: str, package: str) -> Table:
    """The declaration of an item's verdict table (the same columns for every item)."""
    cols = tuple(Column(n, u, a) for n, (u, a) in VERDICT_COLUMNS.items())
    return Table(key, package, "one row per claim of the paper about this item, with its verdict", cols)


def declared(key: str, tables) -> Table:
    """The declaration among ``tables`` that ``key`` is an instance of; TableMismatch if none."""
    for t in tables:
        if t.matches(key):
            return t
    raise TableMismatch(f"results/{key}.csv is declared by no stage (glasshelpers/stages/*/tables.yaml)")


def check_folder(folder, tables) -> list[str]:
    """Check every ``<key>.csv`` in a results folder against ``tables``; returns one line per
    problem (an undeclared table, undeclared or missing columns), empty when all match."""
    problems = []
    for csv in sorted(Path(folder).glob("*.csv")):
        with open(csv) as fh:
            header = fh.readline().strip().split(",")
        try:
            declared(csv.stem, tables).check(header)
        except TableMismatch as e:
            problems.append(str(e))
    return problems


if __name__ == "__main__":  # python -m glasshelpers.pipeline.tables <results folder>
    import sys

    from glasshelpers.pipeline.registry import result_tables

    lines = check_folder(sys.argv[1], result_tables())
    print("\n".join(lines) or "every table agrees with its declaration")
    sys.exit(1 if lines else 0)


__all__ = ["UNITS", "SUFFIXES", "VERDICT_COLUMNS", "BOOKKEEPING", "Column", "Table", "TableMismatch",
           "parse", "of_package", "verdict_table", "declared", "check_folder"]
