# %% [markdown]
# # Stage 6: energy barriers learned in the fluid
#
# If a classifier output $x$ encodes a local energy barrier, the probability that a
# particle with that output rearranges should follow a Kramers form {cite}`hanggi1990reaction`,
#
# $$P_R(x, T) = \frac{1}{T}\, e^{\Sigma(x)}\, e^{-\Delta E(x)/T},$$
#
# i.e. $\ln(T P_R)$ is linear in $1/T$ with slope $-\Delta E(x)$. To compare classifiers
# trained at very different temperatures we use the rescaled output
# $x_\alpha = (\hat w\cdot F_\mathrm{std} + b_\mathrm{best})/\sigma_\alpha$ (bias set by the
# $T = 0.47$ test set, spread by the training temperature). For every classifier,
# temperature and bin of $x_\alpha$ we count the fraction of (particle, time) pairs in
# the feature bank whose $p_\mathrm{hop}$ two $\tau$ later exceeds $p_c = 0.2$, and fit
# each bin's line by weighted least squares in $1/T$ (errors: binomial, fit standard
# errors scaled by $\chi^2$/dof). Intervals on $\Delta E$, $\Sigma$ and the onset
# temperature come from a parametric bootstrap that redraws every cell's count from a
# binomial distribution and refits (68 % percentile intervals).
#
# The onset temperature is where a classifier's lines meet: the $1/T$ that minimises the
# weighted scatter of the fitted lines.

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %%
import numpy as np
import pandas as pd

from glasshelpers import analysis, figures, verdicts
from glasshelpers.profiles import load_profile
from glasshelpers.results import save_figure, write_result
from glasshelpers.training import all_classifiers

P = load_profile(profile, overrides)   # overrides are validated with the profile
A = P["analysis"]
clfs = all_classifiers(P)
t1 = analysis.table_one(P, clfs)
pr = analysis.rearrangement_tables(P, clfs, t1)
write_result(P, "kramers_P_R", pr)
pr.groupby("T_train")["n"].sum().rename("samples per classifier").to_frame()

# %%
fits_all = analysis.kramers_fits(pr)
fits_low = analysis.kramers_fits(pr, T_max=A["kramers_T_max_low"])
ci_all, onset_ci = analysis.kramers_bootstrap(pr, n_boot=A["bootstrap"], seed=P["seed"])
fits_all = fits_all.merge(ci_all, on=["T_train", "bin"], how="left")
write_result(P, "kramers_fits", pd.concat([fits_all.assign(fit="all T"),
                                           fits_low.assign(fit=f"T < {A['kramers_T_max_low']}")]))
on_all = analysis.onsets(fits_all).merge(onset_ci, on="T_train", how="left")
on_low = analysis.onsets(fits_low)
onsets = pd.concat([on_all.assign(fit="all T"), on_low.assign(fit=f"T < {A['kramers_T_max_low']}")])
write_result(P, "onsets", onsets)
onsets.round(3)

# %% [markdown]
# ## Figure 3: rearrangement probability by bin of $\mathcal F^{2.0}$ and of $S$

# %%
T_hot = max(P["labels"]["fluidity_temperatures"])
T_soft = float(P["labels"]["softness_temperature"])
sel = lambda df, T: df[np.isclose(df["T_train"], T)]
fig = figures.fig3_kramers_pair(sel(pr, T_hot), sel(fits_all, T_hot), sel(pr, T_soft), sel(fits_all, T_soft),
                                titles=(rf"(a) $\mathcal{{F}}^{{{T_hot:g}}}$", "(b) $S$"))
save_figure(P, "fig3", fig)

# %% [markdown]
# Above the onset the fixed threshold $p_c = 0.2$ is crossed by almost every particle
# ($P_R \to 1$), and these saturated points, with their tiny binomial errors, dominate
# weighted fits over all temperatures (the default of SPEC.md): the dotted lines then miss
# the supercooled data. The same panels with fits restricted to $T < 0.8$, where the
# dynamics are activated:

# %%
fig = figures.fig3_kramers_pair(sel(pr, T_hot), sel(fits_low, T_hot), sel(pr, T_soft), sel(fits_low, T_soft),
                                titles=(rf"(a) $\mathcal{{F}}^{{{T_hot:g}}}$, fit $T < {A['kramers_T_max_low']}$",
                                        rf"(b) $S$, fit $T < {A['kramers_T_max_low']}$"))
fits_all.assign(red_chi2=fits_all["chi2"] / fits_all["dof"]).groupby("T_train")["red_chi2"].median().to_frame(
    "median chi2/dof, all T").join(fits_low.assign(red_chi2=fits_low["chi2"] / fits_low["dof"])
                                   .groupby("T_train")["red_chi2"].median().rename("median chi2/dof, T < 0.8")).round(2)

# %% [markdown]
# ## Figure 4: barriers against $x_\alpha$ for every classifier

# %%
fig = figures.fig4_barrier_collapse(fits_all)
save_figure(P, "fig4", fig)

# %% [markdown]
# The same fits restricted to the unambiguously supercooled range $T < 0.8$:

# %%
fig = figures.fig4_barrier_collapse(fits_low)

# %% [markdown]
# ## Figure 9: every classifier's Kramers fits

# %%
fig = figures.fig9_kramers_all(pr, fits_all, onsets=dict(zip(on_all["T_train"], on_all["T_onset"])))
save_figure(P, "fig9", fig)

# %% [markdown]
# ## Verdicts

# %%
v = verdicts.kramers(fits_all, on_all, fits_low, on_low, A["kramers_T_max_low"])
write_result(P, "fig4", v)
write_result(P, "fig3", v[v["claim"].str.contains(f"T = {T_hot:g}|T = {T_soft:g}")])
write_result(P, "fig9", v[v["claim"].str.contains("onset")])
v
