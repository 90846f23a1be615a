"""Generated pages: the comparison chapter and the costs table.

Each page reads what the stages stored under ``data/<profile>/results/`` (and
``figures/``) and computes nothing scientific. The comparison chapter ("Paper vs. this
reproduction") has one section per item of ``glasshelpers.pipeline.registry.ITEMS``: the
paper's claim, our figure ``figures/<key>.png`` and our numbers ``results/<key>.csv``,
whose ``verdict`` column is counted by :func:`glasshelpers.reference.verdicts.counts` and shown
as coloured badges. The landing page's headline is :mod:`glasshelpers.book.headline`,
the simulation chapter's overview :mod:`glasshelpers.book.overview`.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

from glasshelpers.pipeline import registry
from glasshelpers.book.claims import headline_claims_markdown
from glasshelpers.reference.paper import PAPER_TABLE1

#: The three verdicts (glasshelpers.reference.verdicts) and the sphinx-design badge colour of each.
VERDICT_BADGES = {"agrees": "bdg-success", "disagrees": "bdg-danger", "inconclusive": "bdg-warning"}


# --------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------

def count_verdicts(results_dir: os.PathLike, keys=None) -> dict:
    """Verdicts of the comparison items' CSVs, counted by :func:`glasshelpers.reference.verdicts.counts`.

    ``keys`` defaults to the items of the registry (fig1 ... fig9, table1); a missing
    CSV, or one without a ``verdict`` column, adds nothing, and rows without a verdict
    are not counted. Returns ``{"agrees": n, "disagrees": n, "inconclusive": n, "other": n}``."""
    import pandas as pd

    from glasshelpers.reference.verdicts import counts

    words = []
    for key in keys or [item.key for item in registry.ITEMS]:
        path = Path(results_dir) / f"{key}.csv"
        if not path.is_file():
            continue
        df = pd.read_csv(path)
        if "verdict" in df:
            words += list(df["verdict"].dropna().astype(str))
    return counts(words)


def badges_markdown(counts: dict) -> str:
    """Coloured badges ``{bdg-success}`3 agrees```... for non-zero counts."""
    parts = [f"{{{VERDICT_BADGES[k]}}}`{counts[k]} {k}`" for k in VERDICT_BADGES if counts.get(k)]
    if counts.get("other"):
        parts.append(f"{{bdg-secondary}}`{counts['other']} other`")
    return " ".join(parts) if parts else "{bdg-secondary}`no verdict`"


# --------------------------------------------------------------------------------------
# "Paper vs. this reproduction"
# --------------------------------------------------------------------------------------

def _md_cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


#: Columns of the results CSVs that the pages do not show: the code version (the page's
#: provenance box gives it once) and the routing key of the headline table.
HIDDEN_COLUMNS = ("code_version", "headline")


def _csv_table(path: Path, max_rows: int = 25) -> tuple[str, list[str]]:
    """A CSV as a Markdown table (first ``max_rows`` rows, without :data:`HIDDEN_COLUMNS`)
    and its non-empty verdicts."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return "*(the file is empty)*", []
    header, body = rows[0], rows[1:]
    shown = [i for i, h in enumerate(header) if h not in HIDDEN_COLUMNS]
    lines = ["| " + " | ".join(_md_cell(header[i]) for i in shown) + " |", "|" + "---|" * len(shown)]
    lines += ["| " + " | ".join(_md_cell(row[i]) if i < len(row) else "" for i in shown) + " |"
              for row in body[:max_rows]]
    if len(body) > max_rows:
        lines.append(f"\n*({len(body) - max_rows} more rows in `{path.name}`)*")
    verdicts = []
    if "verdict" in header:
        i = header.index("verdict")
        verdicts = [row[i] for row in body if len(row) > i and row[i]]
    return "\n".join(lines), verdicts


def _paper_table1_lines() -> list[str]:
    return ["**The paper's values:**", "",
            "| T | b | sigma_T | b_best | w_S . w_alpha |", "|---|---|---|---|---|",
            *("| " + " | ".join(f"{v:g}" for v in row) + " |" for row in PAPER_TABLE1), ""]


def _item_section(item: registry.Item, profile: str, results_dir: Path, figures_dir: Path,
                  image_dir: os.PathLike | None) -> tuple[str, dict | None]:
    """One item's section of the comparison chapter, and its verdict counts (None when
    its CSV is missing)."""
    from glasshelpers.reference.verdicts import counts

    key, page = item.key, f"{{doc}}`/book/generated/{item.stage}`"
    csv_path, fig_path = results_dir / f"{key}.csv", figures_dir / f"{key}.png"
    parts = [f"({key}-compare)=", f"## {item.title}", "",
             f"**The paper's claim (our paraphrase):** {item.claim}", "",
             f"Computed and drawn in {page}.", ""]
    if key == "table1":
        parts += _paper_table1_lines()
    if image_dir is not None and fig_path.is_file():
        Path(image_dir).mkdir(parents=True, exist_ok=True)
        shutil.copy2(fig_path, Path(image_dir) / fig_path.name)
        parts += [f"```{{figure}} /book/generated/{Path(image_dir).name}/{fig_path.name}", f":name: {key}-ours",
                  ":width: 90%", "", f"Ours ({profile} profile).", "```", ""]
    if not csv_path.is_file():
        parts += [f"**Missing:** no `results/{key}.csv` for the `{profile}` profile yet, so there "
                  "is nothing of ours to compare with this item.", ""]
        return "\n".join(parts), None
    table, words = _csv_table(csv_path)
    c = counts(words)
    parts += [f"**Verdicts:** {badges_markdown(c)}", "",
              f"**Our numbers** (`results/{key}.csv`, {profile} profile):", "", table, ""]
    return "\n".join(parts), c


def paper_vs_ours_markdown(profile: str, results_dir: os.PathLike, figures_dir: os.PathLike,
                           image_dir: os.PathLike | None = None) -> str:
    """Body of the comparison chapter; copies found figures into ``image_dir``.

    Every verdict in the results CSVs was computed from our intervals (agrees /
    disagrees / inconclusive, :mod:`glasshelpers.reference.verdicts`); the summary counts them,
    overall and per item, with coloured badges, and each item links to the stage page
    that draws it. Nothing here depends on the profile's name."""
    from glasshelpers.reference.verdicts import counts

    results_dir, figures_dir = Path(results_dir), Path(figures_dir)
    summary = ["| item | drawn in | verdicts |", "|---|---|---|"]
    total = counts([])
    sections = []
    for item in registry.ITEMS:
        section, c = _item_section(item, profile, results_dir, figures_dir, image_dir)
        if c is None:
            cell = "{bdg-secondary}`missing`"
        else:
            cell = badges_markdown(c)
            total = {k: total[k] + c[k] for k in total}
        summary.append(f"| {{ref}}`{item.key} <{item.key}-compare>` | {{doc}}`/book/generated/{item.stage}` "
                       f"| {cell} |")
        sections.append(section)
    head = [f"Profile: **`{profile}`**. Results are read from `data/{profile}/results/`.", "",
            "Each verdict is computed from our 95 % block-bootstrap intervals: *agrees* (the paper's value "
            "or claim is consistent with our interval), *disagrees* (our interval excludes it), "
            "*inconclusive* (our interval is too wide to tell). The rule and resolution are stated in "
            "each claim.", "",
            "**The paper's headline claims:**", "", headline_claims_markdown(results_dir),
            f"**All items:** {badges_markdown(total)}", "", *summary, "", *equilibrium_lines(results_dir),
            *interval_warning(results_dir)]
    return "\n".join(head) + "\n" + "\n\n".join(sections) + "\n"


def equilibrium_lines(results_dir: os.PathLike) -> list[str]:
    """How many of the profile's simulation runs were shown to be equilibrated (the
    ``equilibrium`` column of ``results/sim_<tag>_summary.csv``), naming the others: every
    item above rests on those runs."""
    import pandas as pd

    from glasshelpers.core.statistics.ageingflags import summary_flags

    rows = [pd.read_csv(f) for f in sorted(Path(results_dir).glob("sim_T*_summary.csv"))]
    rows = [r for r in rows if "equilibrium" in r]
    if not rows:
        return []
    df = pd.concat(rows, ignore_index=True).sort_values("T")
    n_eq = int((df["equilibrium"] == "equilibrated").sum())
    text = f"**Simulation runs:** {n_eq} of {len(df)} equilibrated"
    for word in ("ageing", "untested"):
        temps = df.loc[df["equilibrium"] == word, "T"]
        if len(temps):
            text += f"; {word}: T = {', '.join(f'{T:g}' for T in temps)}"
    chance_note = ""
    by_halves, kept = summary_flags(df)
    chance = df.loc[by_halves & ~kept, "T"]
    if len(chance):
        chance_note = (f" The halves tests' {'flag' if len(chance) == 1 else 'flags'} at T = "
                       f"{', '.join(f'{T:g}' for T in chance)} {'is' if len(chance) == 1 else 'are'} within "
                       f"what chance gives over {len(df)} runs tested at 5 % each (Holm's correction over the "
                       "runs clears it); the verdict stays.")
    return [text + " (tests and reasons in {doc}`/book/simulation`)." + chance_note + " Results that use a run not "
            "shown to be equilibrated describe that run, not the equilibrium liquid.", ""]


# --------------------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------------------

def costs_markdown(notebooks) -> str:
    """Table of papermill run times of executed notebooks (dicts keyed by file name)."""
    lines = ["| notebook | run time | executed (UTC) |", "|---|---|---|"]
    total = 0.0
    for name, nb in notebooks.items():
        pm = nb.get("metadata", {}).get("papermill", {}) or {}
        dur = pm.get("duration")
        if dur is None:
            lines.append(f"| `{name}` | not recorded | |")
            continue
        total += float(dur)
        lines.append(f"| `{name}` | {_duration(float(dur))} | {str(pm.get('end_time', ''))[:16].replace('T', ' ')} |")
    lines.append(f"| **total** | **{_duration(total)}** | |")
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def interval_warning(results_dir: os.PathLike) -> list[str]:
    """A warning naming every estimate in the results that lies outside its own interval
    (:func:`glasshelpers.core.statistics.intervals.results_violations`); such an interval is not one of
    that estimator, and the verdicts that use it cannot be trusted."""
    from glasshelpers.core.statistics.intervals import results_violations

    v = results_violations(results_dir)
    if v.empty:
        return []
    lines = ["```{warning}", f"{len(v)} estimate(s) in this build's results lie outside their own interval, "
             "so those intervals do not describe the estimator that gave the value (every interval of the "
             "book should contain its estimate: Methods, Statistics); verdicts that use them are not to be trusted:", ""]
    for (table, column), g in v.groupby(["table", "column"], sort=False):
        ex = g.iloc[0]
        lines.append(f"* `{table}.csv`, `{column}`: {len(g)} row(s), e.g. {ex['estimate']:.3g} outside "
                     f"[{ex['low']:.3g}, {ex['high']:.3g}]")
    return lines + ["```", ""]

