# %% [markdown]
# # Stage 2: the local structure of every particle
#
# Each A particle's surroundings are condensed into 100 numbers: Gaussian-smeared
# counts of A and of B neighbours in thin shells around it, the radial structure
# functions of {cite}`behler2007generalized`, as used by {cite}`obadiya2023fluid`,
#
# $$G_X(i; r) = \sum_{j \in X,\, j \neq i} \exp\!\left(-\frac{(r - R_{ij})^2}{2\delta^2}\right),
# \qquad \delta = 0.2,\ r = 0, 0.1, \dots, 4.9,\ X \in \{A, B\}.$$
#
# Only A particles are targets; B particles count as neighbours. We include every
# neighbour up to $R_{ij} = 5.9$, where a shell's Gaussian has fallen below $4\times10^{-6}$,
# and we refuse boxes whose half-length is below that reach. Features come from the
# thermal configuration itself (no energy minimisation).
#
# This stage builds the *feature bank*: features of every A particle on regularly spaced
# frames of every trajectory, each paired with the particle's $p_\mathrm{hop}$ two
# $\tau$ later. The classifiers' spread $\sigma_\alpha$, the fluidity distributions and
# the Kramers analysis all read it.

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from myst_nb import glue

from glasshelpers.core.structure import features
from glasshelpers.products import banks
from glasshelpers.pipeline.parameters import check_parameters
from glasshelpers.pipeline.profiles import replicas
from glasshelpers.pipeline.results import write_result
from glasshelpers.figures.simfigures import mean_features_figure
from glasshelpers.book.display import use_reading_tables

use_reading_tables()
P = check_parameters("02_features", profile, overrides)   # every parameter (and override) validated first
glue("bank_stride", int(P.features.bank_stride), display=False)

# %% [markdown]
# ## The feature bank

# %%
rows, means = [], {}
for T in P.temperatures:
    bank = banks.load_bank(P, T, make=True)
    means[T] = banks.mean_features(bank)
    n_frames, n_a, _ = bank["features"].shape
    rows.append({"T": T, "bank_frames": n_frames, "A_particles": n_a, "samples": n_frames * n_a,
                 "mean_coordination_A": means[T][:50].sum() * 0.1 / (np.sqrt(2 * np.pi) * 0.2),
                 "rearranging_fraction": float(np.mean(bank["phop_later"] > P.labels.p_c))})
for r in replicas(P)[1:]:                   # the other replicas' banks are products of this stage too
    for T in P.temperatures:
        banks.load_bank(P, T, replica=r, make=True)
summary = pd.DataFrame(rows)
_ = write_result(P, "features_bank", summary)
glue("bank_samples", f"{int(summary['samples'].sum()):,}", display=False)
glue("bank_temperatures", len(summary), display=False)
summary

# %% [markdown]
# The bank holds {glue:text}`bank_samples` (particle, frame) samples over
# {glue:text}`bank_temperatures` temperatures, one frame in every {glue:text}`bank_stride`. The neighbour count integrates
# $\langle G_A(r)\rangle$ over all shells, i.e. the
# average number of A neighbours out to about $5\,\sigma_{AA}$ (the shells end at $r = 4.9$,
# so a neighbour near that edge counts in part; each Gaussian integrates to
# $\sqrt{2\pi}\,\delta$); it is a sanity check on the density, not a physical
# coordination number. The rearranging fraction is the share of bank samples whose
# $p_\mathrm{hop}$ two $\tau$ later exceeds $p_c = 0.2$: rare in the supercooled
# liquid, common in the hot fluid.
#
# ## Average structure functions
#
# The mean $G_A(r)$ and $G_B(r)$ of A particles at every temperature: the shells sharpen
# on cooling, but the average structure changes only modestly across a factor of four
# in temperature, which is part of why a classifier learned in the fluid can be applied
# to the supercooled liquid at all.

# %%
r = features.R_GRID
fig = mean_features_figure(r, means)

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.simfigures.mean_features_figure`, drawn in
# notebook `02_features` (stage {py:mod}`glasshelpers.stages.s02_features`) from the
# feature banks `features/r0/<tag>.npz` (`<tag>`: a temperature, e.g. `T0.450`); its data:
# `results/features_mean.csv`.*

# %% tags=["hide-input"]
means_df = pd.DataFrame([{"T": T, "feature": k, "mean": v} for T, m in means.items() for k, v in enumerate(m)])
_ = write_result(P, "features_mean", means_df)
