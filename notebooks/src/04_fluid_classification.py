# %% [markdown]
# # Stage 4: classifying extreme events in the fluid
#
# Far above the onset temperature particles diffuse rather than hop, and it is not
# obvious that local structure says anything about which ones will move. Here we test
# it: at each temperature from 1.0 to 2.0 we label the most and least mobile
# (particle, time) pairs (the two tails of $p_\mathrm{hop}$) and train a linear
# soft-margin SVM on their standardised structure features. The signed distance to the
# hyperplane is the *fluidity* $\mathcal F^T$; the same construction at $T = 0.45$ on
# activated hops gives the *softness* $S$ {cite}`schoenholz2016structural`.
#
# Conventions ({doc}`/book/methods`, "Classifiers"): $\alpha = \hat w\cdot F_\mathrm{std} + b$, positive for
# rearranging or extremely diffusive; a bias shift $\delta b$ is added to $\alpha$ before
# thresholding at zero. Accuracies are five-fold cross-validated on the balanced
# training set (bands: 68 % block-bootstrap intervals of the pooled held-out accuracy, the
# fold classifiers held fixed; folds grouped by event, below) or, for the softness panel,
# bootstrapped over samples. The intervals of Table I (chapter 5) refit the classifiers
# instead (half-sampling).

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %% tags=["hide-input"]
import pandas as pd
from myst_nb import glue

from glasshelpers import figures
from glasshelpers.pipeline import registry
from glasshelpers.reference import verdicts
from glasshelpers.stages.s04_fluid import fluid
from glasshelpers.pipeline.parameters import check_parameters
from glasshelpers.pipeline.results import save_figure, write_result
from glasshelpers.book.display import use_reading_tables
from glasshelpers.products.classifiers import all_classifiers

use_reading_tables()
P = check_parameters("04_fluid_classification", profile, overrides)   # every parameter (and override) validated first
clfs = all_classifiers(P, make=True)      # and models/classifiers.npz, their index: what later stages depend on

# %% tags=["remove-input"]
from IPython.display import Markdown
from glasshelpers.products.trajectories import equilibrium_note

_note = equilibrium_note(P, [P.labels.softness_temperature, *P.labels.fluidity_temperatures, *P.temperatures], "this chapter (training sets and Fig. 5)")
Markdown(_note) if _note else None

# %% [markdown]
# One classifier per training temperature (cached: a classifier is trained once per
# labelled set and parameters, and re-read afterwards). **Penalty convention:**
# scikit-learn's $C$ multiplies the *sum* of the hinge losses, so what sets the hyperplane
# is $C$ times the number of samples. Every set is trained at the paper's $C\,n$ per class
# (`classifiers.C_times_n` = 0.01 x 5200 = 52 for fluidity, `C_times_n_softness` = 0.01 x
# 3800 = 38 for softness): $C = 52/n$ for $n$ samples per class, also for each
# cross-validation fold (its training part's $n$). A profile may still fix one $C$ for
# every set (`classifiers.C`, the fixed-C convention); chapter 7 compares the two.

# %% tags=["hide-input"]
pd.DataFrame([{"T_train": T, "C": c.C, "n_train": c.n_train, "b": c.b, "train_accuracy": c.train_accuracy}
              for T, c in clfs.items()])

# %% [markdown]
# ## Figure 1: accuracy against the bias

# %%
cv = fluid.cv_bias_scans(P)
inset = fluid.softness_on_fluid_sets(P)
fig = figures.fig1_cv_accuracy(cv, inset=inset)
cv_peaks, inset_peaks = fluid.peak_summary(cv), fluid.peak_summary(inset)
cv_peaks

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.classification.fig1_cv_accuracy`, drawn in
# notebook `04_fluid_classification` (stage {py:mod}`glasshelpers.stages.s04_fluid`) from
# its data `results/fig1_data.csv` and `results/fig1_inset_data.csv`; saved as
# `figures/fig1.png`.*

# %% tags=["hide-input"]
_ = write_result(P, "fig1_data", cv.assign(panel="fluidity CV"))
_ = write_result(P, "fig1_inset_data", inset.assign(panel="softness on fluid sets"))
save_figure(P, "fig1", fig)
glue("cv_best_min", float(cv_peaks["best_accuracy"].min()), display=False)
glue("cv_best_max", float(cv_peaks["best_accuracy"].max()), display=False)
glue("cv_shift_max", float(cv_peaks["best_shift"].abs().max()), display=False)
glue("inset_shift_median", float(inset_peaks["best_shift"].median()), display=False)
glue("inset_best_median", float(inset_peaks["best_accuracy"].median()), display=False)

# %% [markdown]
# The fluidity classifiers reach cross-validated accuracies between
# {glue:text}`cv_best_min:.2f` and {glue:text}`cv_best_max:.2f` on their own training
# sets (chance: 0.5), each within {glue:text}`cv_shift_max:.2f` of its own trained bias.
# The softness
# classifier, trained on activated hops at $T = 0.45$, also separates the fluid's
# extreme events, but only after a large bias shift (right-hand panel: median best shift
# {glue:text}`inset_shift_median:+.2f`, median best accuracy {glue:text}`inset_best_median:.2f`):
# the direction it learned is useful, its offset is not.

# %%
inset_peaks

# %% [markdown]
# **Cross-validation folds are grouped.** One rearrangement is seen in several consecutive
# structure frames of one particle; if those frames were split between a training and a
# test fold, the test fold would hold near-copies of training samples. The folds above
# keep each particle's frames within one $p_\mathrm{hop}$ window (11 $\tau$) together
# (scikit-learn's `StratifiedGroupKFold`; groups = the block ids of every interval in the
# book, so the folds and the resampling units agree). What that changes, against folds
# drawn sample by sample (best accuracy over the bias scan):

# %%
grouping = fluid.cv_grouping_effect(P)
_ = write_result(P, "cv_grouping", grouping)
grouping

# %% [markdown]
# ## Figure 5: fluidity distributions across temperatures
#
# Fluidity of every A particle in the feature bank, for classifiers trained at 1.2 and
# 2.0, histogrammed at each test temperature.

# %%
dist = fluid.fluidity_distributions(P)
fig = figures.fig5_fluidity_distributions(dist)
_ = write_result(P, "fig5_data", dist)
save_figure(P, "fig5", fig)
dist.groupby(["T_train", "T"])[["mean", "std"]].first().unstack(0)

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.classification.fig5_fluidity_distributions`,
# drawn in notebook `04_fluid_classification` (stage
# {py:mod}`glasshelpers.stages.s04_fluid`) from its data `results/fig5_data.csv`; saved as
# `figures/fig5.png`.*

# %% [markdown]
# ## Verdicts

# %%
v = verdicts.fluid_classification(cv_peaks, inset_peaks, dist)
_ = write_result(P, "fig1_peaks", pd.concat([cv_peaks.assign(panel="fluidity CV"), inset_peaks.assign(panel="softness inset")]))
for key, rows in registry.route_verdicts(v, "04_fluid_classification").items():
    _ = write_result(P, key, rows)
v.drop(columns=registry.ITEMS_COLUMN)
