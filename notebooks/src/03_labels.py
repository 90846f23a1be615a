# %% [markdown]
# # Stage 3: how particles move, and which ones we label
#
# Dynamics enter through $p_\mathrm{hop}$ {cite}`candelier2009building`, computed from unwrapped
# positions on two half-windows of $5\,\tau$ around each time $t$,
#
# $$p_\mathrm{hop}(i,t) = \sqrt{\left\langle \left(\mathbf r_i - \langle \mathbf r_i\rangle_B\right)^2\right\rangle_A
# \left\langle \left(\mathbf r_i - \langle \mathbf r_i\rangle_A\right)^2\right\rangle_B},
# \quad A = [t-5, t],\ B = [t, t+5].$$
#
# It is large when a particle's mean position in the first half-window lies far from
# that in the second, i.e. when it hopped. The labels follow {doc}`/book/methods` ("p_hop and labels"):
#
# * **softness** (T = 0.45 training, T = 0.47 test): rearranging if $p_\mathrm{hop} > p_c = 0.2$;
#   non-rearranging if $p_\mathrm{hop}$ stays below $p_l$ for at least $120\,\tau$ (structure
#   taken in the middle of the quiet stretch);
# * **fluidity** (T = 1.0 ... 2.0): the most extreme $q$ of $p_\mathrm{hop}$ values on either side;
# * structure is taken $2\,\tau$ before the time at which $p_\mathrm{hop}$ is measured.
#
# **About $p_l$.** The paper quotes $p_l = 0.0085$, a value that belongs to inherent-state
# (quenched) $p_\mathrm{hop}$. On thermal configurations almost every particle vibrates
# above it, so the $120\,\tau$ rule would find nothing. We therefore choose $p_l$ from the
# data: the smallest value on a $0.0025$ grid that fills the softness training set. For
# this run that is $p_l =$ {glue:text}`p_l:.4f`, and the fluidity tails are the extreme
# $q =$ {glue:text}`fluidity_q:.3g` of $p_\mathrm{hop}$ values on each side (paper: 0.00033).

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from myst_nb import glue

from glasshelpers.products import labelled
from glasshelpers.core.dynamics import labels
from glasshelpers.products import banks
from glasshelpers.stages.s03_labels.vanhove import van_hove
from glasshelpers.pipeline.parameters import check_parameters
from glasshelpers.pipeline.results import write_result
from glasshelpers.figures.simfigures import phop_distribution_figure, phop_traces_figure, van_hove_figure
from glasshelpers.book.display import use_reading_tables

use_reading_tables()
P = check_parameters("03_labels", profile, overrides)   # every parameter (and override) validated first
L = P.labels
p_l = labelled.softness_p_l(P)
glue("p_l", p_l, display=False)
glue("fluidity_q", L.fluidity_q, display=False)

# %% tags=["remove-input"]
from IPython.display import Markdown
from glasshelpers.products.trajectories import equilibrium_note

_note = equilibrium_note(P, [L.softness_temperature, L.test_temperature, *L.fluidity_temperatures], "the labelled sets")
Markdown(_note) if _note else None

# %% [markdown]
# ## $p_\mathrm{hop}$ at every temperature

# %%
rows, phops = [], {}
for T in P.temperatures:
    ph = banks.load_phop(P, T)
    a = ph["phop"][:, ph["types"] == 0]
    phops[T] = a[np.isfinite(a)][::7]
    rows.append({"T": T, **labels.label_summary(ph["phop"], ph["types"], p_c=L.p_c, p_l=p_l,
                                                quiet_time=L.quiet_time, q=L.fluidity_q)})
report = pd.DataFrame(rows)
_ = write_result(P, "labels_summary", report)
cols = ["T", "n_frames", "phop_q0.5", "phop_q0.99", "frac_above_p_c", "n_rearranging"]
cols += [c for c in report.columns if c.startswith("n_quiet") or c in ("n_low_tail", "n_high_tail")]
report[[c for c in cols if c in report.columns]]

# %%
fig = phop_distribution_figure(phops, {"$p_l$": p_l, "$p_c$": L.p_c})

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.simfigures.phop_distribution_figure`, drawn in
# notebook `03_labels` (stage {py:mod}`glasshelpers.stages.s03_labels`) from the
# $p_\mathrm{hop}$ arrays of stage `02_features` (`phop/r0/<tag>.npz`, `<tag>`: a
# temperature, e.g. `T0.450`); their quantiles: `results/labels_summary.csv`.*

# %% [markdown]
# The distribution moves to larger values and narrows (on a log scale) as the liquid
# heats up; at the lowest temperatures a tail of rare hops extends past $p_c$.
#
# ## A rearranging and a caged particle at the lowest temperature

# %%
T0 = L.softness_temperature
ph = banks.load_phop(P, T0)
a_idx = np.flatnonzero(ph["types"] == 0)
peak = np.nanmax(ph["phop"][:, a_idx], axis=0)
fig = phop_traces_figure(ph["phop"], {"largest hop": int(a_idx[np.argmax(peak)]),
                                      "most caged": int(a_idx[np.argmin(peak)])}, p_c=L.p_c, p_l=p_l)

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.simfigures.phop_traces_figure`, drawn in
# notebook `03_labels` (stage {py:mod}`glasshelpers.stages.s03_labels`) from the
# $p_\mathrm{hop}$ array of the softness temperature (`phop/r0/<tag>.npz`, stage
# `02_features`).*

# %% [markdown]
# ## The labelled sets
#
# Every set is balanced, drawn with a fixed seed, and stored with its features. If a
# trajectory cannot fill a set the stage stops with the number of candidates found;
# sets are never padded or silently shrunk. Here the softness sets hold
# {glue:text}`softness_per_class` rearranging and as many quiet samples at
# $T =$ {glue:text}`T_soft:g` (training) and {glue:text}`test_per_class` of each at
# $T =$ {glue:text}`T_test:g` (test); each fluidity set holds {glue:text}`fluidity_per_class`
# per tail.

# %%
sets = [("softness (train)", T0, labelled.softness_training_set(P, p_l, make=True)),
        ("softness (test)", L.test_temperature, labelled.test_set(P, p_l, make=True))]
sets += [("fluidity", T, labelled.fluidity_training_set(P, T, make=True)) for T in L.fluidity_temperatures]
_ = labelled.write_index(P, p_l)          # labels/sets.npz: the product later stages depend on
counts = pd.DataFrame([{"set": name, "T": T, "class 1": int((s["y"] == 1).sum()), "class 0": int((s["y"] == 0).sum()),
                        "distinct particles": len(np.unique(s["particle"])), "distinct frames": len(np.unique(s["frame"]))}
                       for name, T, s in sets])
_ = write_result(P, "labels_sets", counts.assign(p_l=p_l, q=L.fluidity_q))
glue("softness_per_class", int(counts["class 1"].iloc[0]), display=False)
glue("test_per_class", int(counts["class 1"].iloc[1]), display=False)
glue("fluidity_per_class", int(counts["class 1"].iloc[2]), display=False)
glue("T_soft", float(T0), display=False)
glue("T_test", float(L.test_temperature), display=False)
counts

# %% [markdown]
# ## Self part of the van Hove function
#
# How far A particles move in $10\,\tau$, the $p_\mathrm{hop}$ window: a near-Gaussian
# spread of several diameters in the hot fluid, and at low temperature a narrow cage
# peak with an exponential tail of hops shorter than a particle diameter (the inset of
# the paper's Fig. 2).

# %%
vh = van_hove(P)
_ = write_result(P, "van_hove", vh)
fig = van_hove_figure(vh)

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.simfigures.van_hove_figure`, drawn in notebook
# `03_labels` (stage {py:mod}`glasshelpers.stages.s03_labels`) from its data
# `results/van_hove.csv`.*
