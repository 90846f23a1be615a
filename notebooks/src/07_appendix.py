# %% [markdown]
# # Stage 7: controls
#
# Three checks from the paper's appendix and one it only mentions, all at the
# representative fluid temperature of the profile (1.2 by default):
#
# * **Tail fraction** (Figs. 6, 7): does accuracy depend on how extreme the labelled
#   events are, or on the SVM penalty $C$?
# * **Immobile vs random** (Fig. 8): is the transfer driven only by the rare immobile
#   particles? We train on the low tail of $p_\mathrm{hop}$ against randomly chosen other
#   samples and test on $T = 0.47$.
# * **Displacement labels** (beyond the paper): the paper states that labelling by the
#   cumulative displacement $|\mathbf r(t+5) - \mathbf r(t-5)|$ instead of $p_\mathrm{hop}$
#   gives the same results; we train on both tails of that displacement and test.

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %%
import pandas as pd

from glasshelpers import analysis, figures, verdicts
from glasshelpers.profiles import load_profile
from glasshelpers.results import save_figure, write_result

P = load_profile(profile, overrides)   # overrides are validated with the profile
A = P["analysis"]
print(f"T = {A['appendix_temperature']}, tail fractions {A['appendix_fractions']}, "
      f"{A['appendix_per_class']} samples per class, C in {A['appendix_C']}")

# %% [markdown]
# ## Figures 6 and 7: tail fraction and penalty

# %%
f6 = analysis.accuracy_vs_C(P)
write_result(P, "fig6_data", f6)
fig = figures.fig6_accuracy_vs_C(f6)
save_figure(P, "fig6", fig)
f6.pivot(index="C", columns="q", values="accuracy").round(3)

# %%
f7 = analysis.accuracy_vs_bias_fractions(P)
write_result(P, "fig7_data", f7)
fig = figures.fig7_accuracy_vs_bias_fractions(f7)
save_figure(P, "fig7", fig)

# %% [markdown]
# ## Figure 8 and the displacement control

# %%
scan, summary = analysis.control_transfer(P)
write_result(P, "fig8_data", scan)
fig = figures.fig8_control(scan)
save_figure(P, "fig8", fig)
summary.round(3)

# %% [markdown]
# ## Verdicts

# %%
v = verdicts.appendix(f6, summary, C=P["classifiers"]["C"])
write_result(P, "fig6", v[v["claim"].str.contains("tail fraction")])
write_result(P, "fig7", v[v["claim"].str.contains("tail fraction")])
write_result(P, "fig8", v[~v["claim"].str.contains("tail fraction")])
v
