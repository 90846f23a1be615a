"""The one declared table of the book: stages, the paper's figures, and what joins them.

Every stage is one notebook (``notebooks/<stem>.ipynb``); the simulation stage runs once
per temperature, the others once per profile. Every item of the paper (Figs. 1-9,
Table I) is drawn by one stage, which writes its verdicts to ``results/<key>.csv`` and
its picture to ``figures/<key>.png``. The Snakefile, ``_toc.yml`` (checked against this
table by the tests), the verdict routing and the comparison chapter all read it, so a
stage or an item is added here and nowhere else.

Every product the book needs is declared: a stage's result tables, with their columns,
units and intervals, in ``glasshelpers/stages/<package>/tables.yaml`` beside the code that
computes them (:mod:`glasshelpers.pipeline.tables`; a table written only when a profile
value is set says so with ``when``), the verdict table of each item it judges, and its
figures here. The Snakefile makes them outputs of the stage's rule (so a deleted one is
rebuilt), ``write_result`` refuses a table that differs from its declaration, the book build
refuses to publish without them, and a test checks the declarations against what the
notebook sources write.

Imports only :mod:`glasshelpers.pipeline.tables` (which reads files): every layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from glasshelpers.pipeline import tables as _tables

if TYPE_CHECKING:
    from glasshelpers.pipeline.profiles.schema import Profile


@dataclass(frozen=True)
class Stage:
    """One stage notebook: ``stem`` (file name without ``.ipynb``), a short title, the
    stage package under ``glasshelpers/stages`` that holds its computation and declares its
    result tables (:attr:`tables`), and whether it runs once per temperature (the
    simulation) or once per profile.

    ``figures``: keys of its ``figures/<key>.png``. ``caches``: folders of cached arrays
    (:mod:`glasshelpers.pipeline.paths`) it is the first stage to build, so that a damaged one is
    recomputed by running it again. ``needs``: the stages whose products it reads (every
    stage after the simulation reads the trajectories). ``arrays``: the intermediate array
    products it writes for later stages (:func:`glasshelpers.pipeline.paths.stage_arrays`);
    the workflow declares them as its outputs and as inputs of the stages that need it."""

    stem: str
    title: str
    package: str
    per_temperature: bool = False
    figures: tuple[str, ...] = ()
    caches: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    arrays: tuple[str, ...] = ()

    @property
    def tables(self) -> tuple[_tables.Table, ...]:
        """The result tables it writes besides its items' verdict tables, as its package
        declares them (``{tag}`` in a key stands for the temperature tag of a
        per-temperature stage: ``sim_{tag}_summary`` -> ``sim_T0.450_summary``)."""
        return _tables.of_package(self.package)


@dataclass(frozen=True)
class Item:
    """One item of the paper: its key (``fig1`` ... ``fig9``, ``table1``), title, the
    paper's claim in our words, and the stage (notebook stem) that computes and judges it."""

    key: str
    title: str
    claim: str
    stage: str


STAGES = (
    Stage("01_simulation", "Simulation", "s01_simulation", per_temperature=True),
    Stage("02_features", "Structure features", "s02_features", caches=("phop", "features"),
          arrays=("phop", "features")),
    Stage("03_labels", "Labels from p_hop", "s03_labels", caches=("labels",), needs=("02_features",),
          arrays=("labels_index",)),
    Stage("04_fluid_classification", "Fluid-phase classification", "s04_fluid", figures=("fig1", "fig5"),
          caches=("models",), needs=("02_features", "03_labels"), arrays=("models_index",)),
    Stage("05_transfer_learning", "Transfer to the supercooled liquid", "s05_transfer", figures=("fig2",),
          needs=("02_features", "03_labels", "04_fluid_classification"), arrays=("calibration",)),
    Stage("06_kramers", "Energy barriers", "s06_kramers", figures=("fig3", "fig4", "fig9", "onset_range"),
          needs=("02_features", "03_labels", "04_fluid_classification", "05_transfer_learning")),
    Stage("07_appendix", "Appendix controls", "s07_appendix", figures=("fig6", "fig7", "fig8"),
          needs=("02_features", "03_labels", "04_fluid_classification")),
)

ITEMS = (
    Item("fig1", "Figure 1: fluid-phase classifiers at their training temperatures",
         "Linear SVMs trained on the two p_hop tails at T = 1.0 to 2.0 classify their own "
         "training sets well (five-fold CV), best near zero bias shift; the T = 0.45 softness "
         "classifier also separates those sets but only after a large bias shift.",
         "04_fluid_classification"),
    Item("fig2", "Figure 2: transfer to the supercooled test set",
         "The same fluid-phase classifiers keep substantial accuracy on the T = 0.47 "
         "rearranging/non-rearranging test set once their bias is re-optimised; the van Hove "
         "self part at dt = 10 changes from Gaussian (hot) to hop-dominated (cold).",
         "05_transfer_learning"),
    Item("fig3", "Figure 3: rearrangement probability by fluidity and by softness",
         "Binning particles by F^2.0 (or by S), ln P_R is close to linear in 1/T at low T for "
         "every bin (Kramers form), with bin-dependent slopes.",
         "06_kramers"),
    Item("fig4", "Figure 4: collapse of barriers across classifiers",
         "Delta_E and Sigma as functions of the rescaled distance x_alpha nearly coincide for "
         "all training temperatures and for softness.",
         "06_kramers"),
    Item("fig5", "Figure 5: fluidity distributions across test temperatures",
         "For classifiers trained at 1.2 and 2.0 the fluidity distribution at each temperature "
         "is close to Gaussian and its mean moves monotonically with T.",
         "04_fluid_classification"),
    Item("fig6", "Figure 6: dependence on C and on the tail fraction",
         "At T = 1.2 the accuracy depends only weakly on the misclassification penalty C and on "
         "the tail fraction used to define extreme events.",
         "07_appendix"),
    Item("fig7", "Figure 7: bias scans for three tail fractions",
         "At T = 1.2 and C = 0.01 the accuracy-vs-bias curves for three tail fractions are "
         "similar; more extreme tails are slightly easier.",
         "07_appendix"),
    Item("fig8", "Figure 8: control with immobile vs random particles",
         "A classifier of low-tail particles against random particles (trained at 1.2, tested "
         "at 0.47) is clearly worse than the two-tail fluidity classifier; labels from the "
         "cumulative displacement instead of p_hop give the same transfer (text).",
         "07_appendix"),
    Item("fig9", "Figure 9: Kramers fits by x_alpha for every classifier",
         "P_R against 1/T in bins of x_alpha follows the Kramers form for every classifier, and "
         "the lines of every classifier meet at one onset temperature (near the literature value).",
         "06_kramers"),
    Item("table1", "Table I: per-classifier numbers",
         "Training bias b, fluidity/softness spread sigma_T, transfer-optimal bias b_best and "
         "the overlap of each classifier's normal with the softness normal.",
         "05_transfer_learning"),
)

#: Column of a verdict table (glasshelpers.reference.verdicts) naming the items each claim belongs to
#: (a tuple of item keys); it routes verdicts to ``results/<key>.csv`` and is not written.
ITEMS_COLUMN = "items"


def stage(stem: str) -> Stage:
    """The stage of a notebook stem; KeyError naming the known stems otherwise."""
    for s in STAGES:
        if s.stem == stem:
            return s
    raise KeyError(f"unknown stage {stem!r}; stages: {', '.join(s.stem for s in STAGES)}")


def per_profile_stems() -> list[str]:
    """Stems of the stages that run once per profile, in book order (02 ... 07)."""
    return [s.stem for s in STAGES if not s.per_temperature]


def per_temperature_stem() -> str:
    """Stem of the stage that runs once per temperature (the simulation)."""
    (s,) = [s for s in STAGES if s.per_temperature]
    return s.stem


def item(key: str) -> Item:
    for it in ITEMS:
        if it.key == key:
            return it
    raise KeyError(f"unknown item {key!r}; items: {', '.join(i.key for i in ITEMS)}")


def items_of_stage(stem: str) -> list[str]:
    """Keys of the items a stage judges, in registry order."""
    return [it.key for it in ITEMS if it.stage == stem]


def _profile_value(profile: Profile, dotted: str):
    value = profile
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value


def stage_results(stem: str, profile: Profile | None = None, tag: str | None = None) -> list[str]:
    """Result keys a stage writes: its declared tables (one written only when a profile
    value is set counts when that value is non-empty in ``profile``, always when
    ``profile`` is None), then the verdict table of every item it judges. ``tag`` (e.g.
    ``"T0.450"``, or ``"{tag}"`` for a path pattern) fills ``{tag}``; without it the keys
    keep the placeholder."""
    s = stage(stem)
    keys = [t.key for t in s.tables if not t.when or profile is None or _profile_value(profile, t.when)]
    keys += items_of_stage(stem)
    return [k.replace("{tag}", tag) for k in keys] if tag is not None else keys


def result_tables() -> list[_tables.Table]:
    """Every declared result table, in book order: each stage's tables, then its items'
    verdict tables."""
    out = []
    for s in STAGES:
        out += list(s.tables) + [_tables.verdict_table(k, s.package) for k in items_of_stage(s.stem)]
    return out


def result_table(key: str) -> _tables.Table:
    """The declaration of ``results/<key>.csv`` (a concrete key such as ``sim_T0.450_summary``
    finds its ``{tag}`` declaration); :class:`glasshelpers.pipeline.tables.TableMismatch` if
    no stage declares it."""
    return _tables.declared(key, result_tables())


def stage_figures(stem: str) -> list[str]:
    """Figure keys a stage writes (``figures/<key>.png``)."""
    return list(stage(stem).figures)


def cache_stage(folder: str) -> str | None:
    """The first stage that builds the cached arrays in ``folder`` (``phop``, ``features``,
    ``labels``, ``models``), or None."""
    for s in STAGES:
        if folder in s.caches:
            return s.stem
    return None


def route_verdicts(v, stage: str) -> dict:
    """Split the verdict table of one stage by item: ``{key: rows whose items include
    key}`` for every item the stage judges (in registry order; possibly empty), rows in
    their original order and without the routing column. A row that names no item, or
    an item of another stage, raises ValueError, so a claim can never silently miss the
    comparison chapter."""
    if ITEMS_COLUMN not in v.columns:
        raise ValueError(f"verdict table has no {ITEMS_COLUMN!r} column")
    mine = items_of_stage(stage)
    stray = sorted({k for ks in v[ITEMS_COLUMN] for k in ks} - set(mine))
    if stray:
        raise ValueError(f"verdicts of stage {stage} name items {stray}, which it does not judge ({mine})")
    empty = [i for i, ks in enumerate(v[ITEMS_COLUMN]) if not ks]
    if empty:
        raise ValueError(f"verdict rows {empty} belong to no item: {list(v['claim'].iloc[empty])}")
    body = v.drop(columns=ITEMS_COLUMN)
    return {k: body[[k in ks for ks in v[ITEMS_COLUMN]]] for k in mine}


def toc_chapters() -> list[str]:
    """The generated chapter files of ``_toc.yml`` in book order (the simulation chapter's
    per-temperature pages are a glob under ``book/simulation``)."""
    return [f"book/generated/{stem}" for stem in per_profile_stems()]
