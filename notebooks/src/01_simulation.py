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

# %%
import matplotlib.pyplot as plt
import numpy as np

from glasshelpers import simulate
from glasshelpers.profiles import load_profile, production_time
from glasshelpers.simfigures import rdf_figure, thermo_figure
from glasshelpers.structure import partial_rdf
from glasshelpers.trajectory import read_configuration, read_thermo, read_unwrapped
from glasshelpers.model import KASystem
from glasshelpers.provenance import read_json

P = load_profile(profile, overrides)   # overrides are validated with the profile
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
print(out)
print(f"wall time {meta['wall_time_s']:.0f} s, {meta['n_frames']} frames, code {meta['code_version']}")

# %% [markdown]
# ## Thermodynamics
#
# The potential energy per particle should level off during equilibration (grey) and stay
# flat during production (blue); the kinetic temperature fluctuates around the target.

# %%
thermo = read_thermo(out / "thermo.csv")
fig = thermo_figure(thermo, target_temperature=temperature)
prod = [r for r in thermo if r["phase"] == "production"]
pe = np.array([r["pe"] for r in prod])
tk = np.array([r["temperature"] for r in prod])
half = len(pe) // 2
print(f"production: <U/N> = {pe.mean():.4f} (first half {pe[:half].mean():.4f}, second half {pe[half:].mean():.4f}), "
      f"<T_kin> = {tk.mean():.4f} (target {temperature}, deviation {100 * (tk.mean() / temperature - 1):+.2f} %)")

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
# unwrapped positions (positions plus image flags) stored in the trajectory.

# %%
traj = read_unwrapped(out / "traj.gsd")
x = traj["positions"][:, traj["types"] == 0]
lags = np.unique(np.round(np.geomspace(1, len(x) - 1, 20)).astype(int))
msd = [np.mean(np.sum((x[lag:] - x[:-lag]) ** 2, axis=-1)) for lag in lags]
fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
ax.loglog(lags, msd, "o-")
ax.set_xlabel(r"lag [$\tau$]")
ax.set_ylabel(r"MSD of A [$\sigma_{AA}^2$]")
print(f"MSD at lag {lags[-1]} tau: {msd[-1]:.3f}")
