"""The landing page's headline: the answer in numbers, read from the stored results.

Each item reads one or two tables under ``results/`` and fits or refits nothing:

* classification in the hot liquid: ``fig1_peaks.csv``;
* transfer to the supercooled liquid: ``table1_data.csv``;
* energy barriers: the slopes dDelta_E/dx_alpha with their 68 % intervals from
  ``kramers_slopes.csv``, for the default fit variant;
* onset temperature: ``onsets.csv``, for the default fit variant, else the paper's
  check, else the all-temperature fit.

The fit variants (``fit`` label, ``kind`` one of data / all / paper_check, ``T_max``,
``default``) are those of ``kramers_variants.csv``, written by the Kramers stage; the
default is its row marked ``default``, never guessed from a label or a position.
Without that file the barrier and onset items are not shown. A missing table is named
on the page, never replaced.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from glasshelpers.pipeline.profiles.schema import Profile
from glasshelpers.reference.paper import T_ONSET_LITERATURE
from glasshelpers.book.errors import BookBuildError
from glasshelpers.book.claims import headline_claims_markdown
from glasshelpers.book.pages import count_verdicts, equilibrium_lines

#: The results tables the headline reads, in the order a missing one is named.
HEADLINE_TABLES = ("fig1_peaks", "table1_data", "kramers_variants", "kramers_slopes", "onsets")


def _ci(row, est, lo, hi, fmt="{:.2f}") -> str:
    """``est [lo, hi]``, or the estimate alone when the interval is absent or NaN."""
    text = fmt.format(row[est])
    if lo in row and hi in row and row[lo] == row[lo] and row[hi] == row[hi]:   # not NaN
        text += f" [{fmt.format(row[lo])}, {fmt.format(row[hi])}]"
    return text


def read_results(results_dir: os.PathLike, keys=HEADLINE_TABLES) -> tuple[dict, list[str]]:
    """``({key: DataFrame or None}, missing)`` for ``results/<key>.csv``; ``missing``
    names the absent files as ```key.csv``` in the order of ``keys``."""
    import pandas as pd

    tables, missing = {}, []
    for key in keys:
        path = Path(results_dir) / f"{key}.csv"
        tables[key] = pd.read_csv(path) if path.is_file() else None
        if tables[key] is None:
            missing.append(f"`{key}.csv`")
    return tables, missing


# --------------------------------------------------------------------------------------
# Fit variants (kramers_variants.csv)
# --------------------------------------------------------------------------------------

def _truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def default_variant(variants):
    """The row of ``kramers_variants.csv`` whose ``default`` column is true.

    BookBuildError unless exactly one row is marked: the book never picks a variant by
    position or by its label."""
    if not {"fit", "default"} <= set(variants.columns):
        raise BookBuildError("kramers_variants.csv needs the columns fit and default, "
                             f"it has {list(variants.columns)}")
    marked = variants[[_truthy(v) for v in variants["default"]]]
    if len(marked) != 1:
        raise BookBuildError(f"kramers_variants.csv must mark exactly one fit variant as default, "
                             f"it marks {len(marked)}: {list(marked['fit'].astype(str))}")
    return marked.iloc[0]


def variant_labels(variants, kind: str) -> list[str]:
    """The ``fit`` labels of the variants of one ``kind`` (data, all, paper_check), in file order."""
    return list(variants.loc[variants["kind"].astype(str) == kind, "fit"].astype(str))


def _range_text(variant) -> str:
    """How the headline names a variant's temperature range."""
    label = str(variant["fit"])
    if str(variant["kind"]) == "data":
        return label.removesuffix(" (data)") + ", the range the data select"
    return label


# --------------------------------------------------------------------------------------
# The items
# --------------------------------------------------------------------------------------

def classification_item(peaks) -> str | None:
    """Fluid-phase classifiers on their own training sets (``fig1_peaks.csv``)."""
    if peaks is None:
        return None
    cv = peaks[peaks["panel"] == "fluidity CV"]
    if not len(cv):
        return None
    top = cv.loc[cv["best_accuracy"].idxmax()]
    above = "accuracy_lo" in cv and bool((cv["accuracy_lo"] > 0.5).all())
    head = ("Structure predicts extreme motion in the hot liquid." if above
            else "Classifying extreme motion in the hot liquid.")
    return (f"**{head}** Linear classifiers trained at "
            f"T = {cv['T'].min():g}-{cv['T'].max():g} tell the most from the least mobile particles "
            f"with cross-validated accuracies {cv['best_accuracy'].min():.2f}-{cv['best_accuracy'].max():.2f} "
            f"(chance 0.5); best {_ci(top, 'best_accuracy', 'accuracy_lo', 'accuracy_hi')} at T = {top['T']:g}.")


def transfer_item(t1, T_soft: float, T_test: float) -> str | None:
    """Transfer of the fluid-trained classifiers to the supercooled test set (``table1_data.csv``)."""
    if t1 is None or "best_accuracy" not in t1:
        return None
    fl = t1[~np.isclose(t1["T"], T_soft)]
    own = t1[np.isclose(t1["T"], T_soft)]
    if not len(fl):
        return None
    top = fl.loc[fl["best_accuracy"].idxmax()]
    above = "best_accuracy_lo" in fl and bool((fl["best_accuracy_lo"] > 0.5).all())
    head = "They transfer to the supercooled liquid." if above else "Transfer to the supercooled liquid."
    text = (f"**{head}** On rearranging vs quiet particles at "
            f"T = {T_test:g}, the fluid-trained classifiers reach {fl['best_accuracy'].min():.2f}-"
            f"{fl['best_accuracy'].max():.2f} once their bias is re-set; best "
            f"{_ci(top, 'best_accuracy', 'best_accuracy_lo', 'best_accuracy_hi')} (trained at T = {top['T']:g})")
    if len(own):
        text += (f", against {_ci(own.iloc[0], 'best_accuracy', 'best_accuracy_lo', 'best_accuracy_hi')} "
                 f"for softness trained at T = {T_soft:g}")
    return text + (f". Their normals overlap the softness normal by "
                   f"{fl['similarity'].min():.2f}-{fl['similarity'].max():.2f} (cosine).")


def barrier_item(slopes, variant) -> str | None:
    """The barrier's slope with x_alpha per classifier, with its 68 % interval, for the
    fit variant ``variant`` (a row of ``kramers_variants.csv``), from ``kramers_slopes.csv``.
    Classifiers with fewer than three fitted bins are left out."""
    if slopes is None or not {"fit", "T_train", "slope"} <= set(slopes.columns):
        return None
    s = slopes[(slopes["fit"].astype(str) == str(variant["fit"])) & np.isfinite(slopes["slope"])]
    if "n_bins" in s:
        s = s[s["n_bins"] >= 3]
    if not len(s):
        return None
    s = s.sort_values("T_train")
    n_down = int((s["slope"] < 0).sum())
    head = ("Their outputs encode energy barriers." if n_down == len(s)
            else "Energy barriers from the Kramers fits.")
    per = "; ".join(f"{r['T_train']:g}: {_ci(r, 'slope', 'slope_lo', 'slope_hi')}" for _, r in s.iterrows())
    return (f"**{head}** Fitting the Kramers form to $P_R$ over {_range_text(variant)}, the barrier "
            f"$\\Delta E$ falls as the classifier output $x_\\alpha$ grows for {n_down} of {len(s)} "
            f"classifiers (slope of $\\Delta E$ per unit of $x_\\alpha$ with its 68 % interval, by "
            f"training T: {per}).")


def onset_item(onsets, variants) -> str | None:
    """Each classifier's onset temperature with its 68 % interval (``onsets.csv``), for the
    first of the default variant, the paper's check, the all-temperature fit that has one."""
    if onsets is None or not {"T_onset", "fit"} <= set(onsets.columns):
        return None
    labels = [str(default_variant(variants)["fit"])]
    labels += variant_labels(variants, "paper_check") + variant_labels(variants, "all")
    for label in labels:
        sub = onsets[onsets["fit"].astype(str) == label].dropna(subset=["T_onset"])
        if len(sub):
            vals = "; ".join(f"{r['T_train']:g}: {_ci(r, 'T_onset', 'T_onset_lo', 'T_onset_hi')}"
                             for _, r in sub.iterrows())
            return (f"**Onset temperature** where each classifier's Kramers lines meet "
                    f"(fits over {label}; by training T): {vals}. "
                    f"The paper puts it near {T_ONSET_LITERATURE:g}.")
    return None


# --------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------

def _verdict_lines(counts: dict) -> list[str]:
    total = sum(counts.values())
    if not total:
        return []
    other = f", **{counts['other']} other**" if counts.get("other") else ""
    return [f"Of the paper's claims checked in {{doc}}`/book/paper_vs_ours`: **{counts['agrees']} agree**, "
            f"**{counts['disagrees']} disagree**, **{counts['inconclusive']} inconclusive**{other} "
            f"({total} verdicts).", ""]


def _key_figure(figures_dir: Path, image_dir: Path, name: str, T_test: float) -> list[str]:
    """Copy ``figures/fig2.png`` next to the page and show it (nothing if it is absent)."""
    key_fig = figures_dir / "fig2.png"
    if not key_fig.is_file():
        return []
    image_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(key_fig, image_dir / "headline_fig2.png")
    return [f"```{{figure}} /book/generated/{image_dir.name}/headline_fig2.png", ":name: fig-headline",
            ":width: 85%", "",
            f"The key result: classifiers trained in the hot liquid, applied unchanged (bias re-set) to "
            f"the supercooled test set at T = {T_test:g}; accuracy against the bias shift from each "
            f"optimum, 68 % bootstrap bands ({name} profile). *Source: "
            "{py:func}`glasshelpers.figures.classification.fig2_transfer`, drawn in notebook "
            "`05_transfer_learning` ({doc}`/book/generated/05_transfer_learning`, stage "
            "{py:mod}`glasshelpers.stages.s05_transfer`) from its data `results/fig2_data.csv`.*", "```", ""]


def _temperatures(profile: Profile) -> tuple[float, float]:
    """(softness training temperature, supercooled test temperature) of a profile."""
    L = profile.labels
    return float(L.softness_temperature), float(L.test_temperature)


def headline_items(profile: Profile, tables: dict) -> list[str]:
    """The numbered items of the headline, in order, from the tables of :func:`read_results`."""
    T_soft, T_test = _temperatures(profile)
    items = [classification_item(tables["fig1_peaks"]), transfer_item(tables["table1_data"], T_soft, T_test)]
    variants = tables["kramers_variants"]
    if variants is not None:
        items += [barrier_item(tables["kramers_slopes"], default_variant(variants)),
                  onset_item(tables["onsets"], variants)]
    return [text for text in items if text]


def headline_markdown(profile: Profile, results_dir: os.PathLike, figures_dir: os.PathLike,
                      image_dir: os.PathLike) -> str:
    """The landing page's opening: headline results with 68 % intervals, verdict counts
    and one key figure, all read from ``results/*.csv`` of the profile at build time.

    Items whose CSV is missing are named as missing; nothing is invented or refitted.
    """
    name = profile.name
    tables, missing = read_results(results_dir)
    items = headline_items(profile, tables)
    lines = [f"Results of the **`{name}`** profile, read from its results files when this book was built. "
             "First the paper's own headline claims, one verdict each:", "", headline_claims_markdown(results_dir),
             "In numbers:", ""]
    lines += [f"{k + 1}. {text}" for k, text in enumerate(items)]
    if not items:
        lines.append("*No results found: run the workflow for this profile first.*")
    lines.append("")
    lines += _verdict_lines(count_verdicts(results_dir))
    lines += equilibrium_lines(results_dir)
    if missing:
        lines += [f"Not computed for this profile: {', '.join(missing)}.", ""]
    lines += _key_figure(Path(figures_dir), Path(image_dir), name, _temperatures(profile)[1])
    return "\n".join(lines) + "\n"
