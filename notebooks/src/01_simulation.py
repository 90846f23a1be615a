# %% [markdown]
# # Stage 1: Kob-Andersen trajectories
#
# Every later chapter reads the trajectories made here. We simulate the 80:20
# Kob-Andersen binary Lennard-Jones mixture {cite}`kob1995testing` at number density 1.2 in a
# cubic periodic box, at constant volume and temperature with a Nose-Hoover thermostat,
# following the protocol of {cite}`obadiya2023fluid`: one long run at $T = 0.45$ from a random
# start provides a *seed* configuration, every temperature starts from that seed,
# equilibrates, and then records one frame per $\tau$.
#
# This page was executed for a single temperature; the profile and parameters that produced
# it are listed at the top. All numbers come from the profile file
# (`glasshelpers/profiles/<profile>.yaml`), none are set here.

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
temperature: float = 0.45  # temperature to simulate (epsilon/k_B), one of the profile's temperatures
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from myst_nb import glue

from glasshelpers import simulate
from glasshelpers.dynamics import log_lags, mean_squared_displacement
from glasshelpers.model import KASystem
from glasshelpers.profiles import load_profile, production_time, temperature_tag
from glasshelpers.provenance import read_json
from glasshelpers.results import write_result
from glasshelpers.simfigures import rdf_figure, thermo_figure
from glasshelpers.structure import partial_rdf
from glasshelpers.display import use_reading_tables
from glasshelpers.trajectory import production_averages, read_configuration, read_thermo, read_unwrapped

use_reading_tables()
P = load_profile(profile, overrides)   # overrides are validated with the profile
tag = temperature_tag(temperature)
system = KASystem(P["model"]["n_particles"], P["model"]["density"])
print(f"N = {system.n_particles} ({system.n_a} A + {system.n_b} B), box L = {system.box_length:.4f}, "
      f"engine {P['engine']['name']}, dt = {P['engine']['dt']}")
print(f"T = {temperature}: equilibration {P['protocol']['equil_time']} tau, "
      f"production {production_time(P, temperature)} tau")

# %% [markdown]
# ## Running (or reusing) the simulation
#
# The seed run and the run at this temperature are resumable: if a finished trajectory
# with the same parameters exists it is reused, an interrupted one continues from its
# last checkpoint, and one made with other parameters stops the notebook with an error.

# %%
simulate.run_seed(P)
out = simulate.run_temperature(P, temperature)
meta = read_json(out / "meta.json")
print(f"trajectory at T = {temperature}: {meta['n_frames']} frames, wall time {meta['wall_time_s']:.0f} s, "
      f"code {meta['code_version']}")

# %% [markdown]
# ## Thermodynamics
#
# The potential energy per particle should level off during equilibration (grey) and stay
# flat during production (blue); the kinetic temperature fluctuates around the target.

# %%
thermo = read_thermo(out / "thermo.csv")
fig = thermo_figure(thermo, target_temperature=temperature)
avg = production_averages(thermo)
deviation = 100 * (avg["temperature"] / temperature - 1)
glue("U_per_N", avg["pe"], display=False)
glue("pressure", avg["pressure"], display=False)
glue("T_kin_deviation", deviation, display=False)

# %% [markdown]
# Over the production run $\langle U/N\rangle =$ {glue:text}`U_per_N:.3f` and the pressure
# averages {glue:text}`pressure:.2f`; the mean kinetic temperature is off the target by
# {glue:text}`T_kin_deviation:+.2f` %. A drift of $U/N$ between the two halves of the run
# (below) would mean the liquid was still ageing.

# %% tags=["hide-input"]
print(f"<U/N>: first half {avg['pe_first_half']:.4f}, second half {avg['pe_second_half']:.4f}")

# %% [markdown]
# ## Structure of the last frame
#
# Partial pair correlation functions of the final configuration. The split first peak of
# $g_{AB}$ at about $0.8\,\sigma_{AA}$ reflects the strong A-B attraction that frustrates
# crystallisation in this mixture.

# %%
cfg = read_configuration(out / "traj.gsd", frame=-1)
r, g = partial_rdf(cfg["positions"], cfg["types"], cfg["box_length"], r_max=min(4.0, cfg["box_length"] / 2 - 0.01))
fig = rdf_figure(r, g)

# %% [markdown]
# ## How far particles move
#
# The mean-squared displacement of A particles over the production run, from the
# unwrapped positions (positions plus image flags) stored in the trajectory, averaged
# over every time origin. Frames are $1\,\tau$ apart, past the ballistic regime; in the
# supercooled liquid the curve flattens where particles are caged, and at long lags it
# turns diffusive (slope 1).

# %%
traj = read_unwrapped(out / "traj.gsd")
lags = log_lags(len(traj["positions"]))
msd = mean_squared_displacement(traj["positions"][:, traj["types"] == 0], lags)
fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
ax.loglog(lags, msd, "o-")
ax.set_xlabel(r"lag [$\tau$]")
ax.set_ylabel(r"MSD of A [$\sigma_{AA}^2$]")
glue("msd_last", float(msd[-1]), display=False)
glue("msd_lag", int(lags[-1]), display=False)

# %% [markdown]
# After {glue:text}`msd_lag` $\tau$ an A particle has moved {glue:text}`msd_last:.3g`
# $\sigma_{AA}^2$ on average (mean-squared).

# %% tags=["hide-input"]
# Saved for the chapter's overview page (one table and one figure across temperatures).
summary = pd.DataFrame([{"T": temperature, "U_per_N": avg["pe"], "pressure": avg["pressure"],
                         "T_kin": avg["temperature"], "equil_time": P["protocol"]["equil_time"],
                         "production_time": production_time(P, temperature),
                         "n_frames": meta["n_frames"], "wall_time_s": meta["wall_time_s"]}])
curves = pd.concat([pd.DataFrame({"curve": "g_AA", "x": r, "y": g["AA"]}),
                    pd.DataFrame({"curve": "msd_A", "x": lags, "y": msd})])
_ = write_result(P, f"sim_{tag}_summary", summary)
_ = write_result(P, f"sim_{tag}_curves", curves)
