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
# (`glasshelpers/pipeline/profiles/<profile>.yaml`), none are set here.

# %%
# parameters
profile: str = "demo"  # profile: tiny, demo, paper or the path of a YAML file
temperature: float = 0.45  # temperature to simulate (epsilon/k_B), one of the profile's temperatures
overrides: dict = {}  # profile values to replace, by dotted key: -y 'overrides: {classifiers.C: 0.1}'

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from myst_nb import glue

from glasshelpers.products import trajectories
from glasshelpers.core.dynamics.dynamics import log_lags
from glasshelpers.core.dynamics.relaxation import msd as mean_squared_displacement
from glasshelpers.core.md.model import KASystem
from glasshelpers.pipeline.parameters import check_parameters
from glasshelpers.pipeline.profiles import equil_time, production_time, temperature_tag
from glasshelpers.pipeline.provenance import read_json
from glasshelpers.pipeline.results import write_result
from glasshelpers.pipeline.runs import uses_seed
from glasshelpers.figures.simfigures import msd_figure, rdf_figure, relaxation_figure, thermo_figure
from glasshelpers.stages.s01_simulation import simulation
from glasshelpers.core.structure.structure import partial_rdf
from glasshelpers.book.display import use_reading_tables
from glasshelpers.core.md.trajectory import production_averages, read_configuration, read_thermo, read_unwrapped

use_reading_tables()
P = check_parameters("01_simulation", profile, overrides, temperature=temperature)   # before any MD
tag = temperature_tag(temperature)
system = KASystem(P.model.n_particles, P.model.density)
pd.DataFrame([{"N": system.n_particles, "A + B": f"{system.n_a} + {system.n_b}", "box L (σ)": f"{system.box_length:.4f}",
               "engine": P.engine.name, "dt (τ)": P.engine.dt, "T": temperature,
               "equilibration (τ)": equil_time(P, temperature), "production (τ)": production_time(P, temperature)}])

# %% [markdown]
# ## Running (or reusing) the simulation
#
# The seed run (none when the profile starts from the shelf of equilibrium states) and
# the run at this temperature are resumable: if a finished trajectory with the same
# parameters exists it is reused, an interrupted one continues from its last checkpoint,
# and one made with other parameters stops the notebook with an error.

# %%
if uses_seed(P):
    trajectories.run_seed(P)
out = trajectories.run_temperature(P, temperature)
meta = read_json(out / "meta.json")
glue("n_frames", int(meta["n_frames"]), display=False)
glue("wall_time_s", float(meta["wall_time_s"]), display=False)

# %% [markdown]
# The trajectory holds {glue:text}`n_frames` frames; its molecular dynamics took
# {glue:text}`wall_time_s:.0f` s of wall time on the machine that ran this page.

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
# *Source: {py:func}`glasshelpers.figures.simfigures.thermo_figure`, drawn in notebook
# `01_simulation` (stage {py:mod}`glasshelpers.stages.s01_simulation`) from this run's
# thermodynamic log `sim/r0/<tag>/thermo.csv` (`<tag>`: the temperature, e.g. `T0.450`).*

# %% [markdown]
# Over the production run $\langle U/N\rangle =$ {glue:text}`U_per_N:.3f` and the pressure
# averages {glue:text}`pressure:.2f`; the mean kinetic temperature is off the target by
# {glue:text}`T_kin_deviation:+.2f` %. Whether $U/N$ still drifts between the two halves of
# the run is tested below, with the dynamics.

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
# *Source: {py:func}`glasshelpers.figures.simfigures.rdf_figure`, drawn in notebook
# `01_simulation` (stage {py:mod}`glasshelpers.stages.s01_simulation`) from the last frame
# of `sim/r0/<tag>/traj.gsd`; $g_{AA}$ is kept in `results/sim_<tag>_curves.csv`.*

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
msd = mean_squared_displacement(traj["positions"], lags, particles=traj["types"] == 0)
fig = msd_figure(lags, msd)
glue("msd_last", float(msd[-1]), display=False)
glue("msd_lag", int(lags[-1]), display=False)

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.simfigures.msd_figure`, drawn in notebook
# `01_simulation` (stage {py:mod}`glasshelpers.stages.s01_simulation`) from
# `sim/r0/<tag>/traj.gsd`; the curve is kept in `results/sim_<tag>_curves.csv` (`msd_A`).*

# %% [markdown]
# After {glue:text}`msd_lag` $\tau$ an A particle has moved {glue:text}`msd_last:.3g`
# $\sigma_{AA}^2$ on average (mean-squared).
#
# ## Relaxation time, diffusion and equilibrium
#
# The structural relaxation time $\tau_\alpha$ is where the self-intermediate scattering
# function of A particles, $F_s^A(k, t) = \langle \sin(k r)/(k r)\rangle$ at $k = 7.25$ (the
# first peak of $S_{AA}(k)$ at density 1.2), falls to $1/e$; $D_A$ is the long-time slope of
# the MSD, $\mathrm{MSD} = 6 D_A t$, fitted where the MSD exceeds $1\,\sigma_{AA}^2$. Both use
# lags up to half the run, and their 68 % intervals come from a bootstrap over blocks of
# consecutive time origins. The run counts as **equilibrated** when it spent at least
# `protocol.equil_tau_alpha` relaxation times at this temperature before production and
# the two halves of production agree, within block errors, in $U/N$, in the MSD at a lag
# near $\tau_\alpha$ and in $F_s$ at $\tau_\alpha$; as **ageing** when they do not; and as
# **untested** when $\tau_\alpha$ exceeds half the run, so that neither can be shown. A run
# that starts from a shelf state made at its own temperature (the section on the shelf of
# equilibrium states) continues an equilibrium trajectory of this temperature: its verdict
# is the shelf's cross-state test here, and its own halves tests are shown but not counted
# (the methods chapter says why).

# %%
prod_pe = np.array([t["pe"] for t in thermo if t["phase"] == "production"])
rel = simulation.run_relaxation(traj["positions"][:, traj["types"] == 0], prod_pe,
                                history=simulation.equilibration_history(P, temperature),
                                n_boot=int(P.analysis.bootstrap), seed=int(P.seed),
                                window=simulation.has_published_curves(temperature))
start = simulation.shelf_record(P, temperature)
row = simulation.summary_row(rel, float(P.protocol.equil_tau_alpha), start)
fig = relaxation_figure(rel.curves, row["tau_alpha"])

# %% [markdown]
# *Source: {py:func}`glasshelpers.figures.simfigures.relaxation_figure`, drawn in notebook
# `01_simulation` (stage {py:mod}`glasshelpers.stages.s01_simulation`) from
# `sim/r0/<tag>/traj.gsd`, through
# {py:func}`glasshelpers.stages.s01_simulation.simulation.run_relaxation`; $F_s$ is kept
# in `results/sim_<tag>_curves.csv` (`fs_A`), $\tau_\alpha$ in
# `results/sim_<tag>_summary.csv`.*

# %% tags=["hide-input"]
def _with_interval(q, unit=""):
    if not np.isfinite(row[q]):
        return None
    if not np.isfinite(row[f"{q}_lo"]):
        return f"{row[q]:.3g}{unit} (no interval: the run holds fewer than {simulation.MIN_BLOCKS} blocks of this length)"
    return f"{row[q]:.3g} [{row[f'{q}_lo']:.3g}, {row[f'{q}_hi']:.3g}]{unit}"


glue("equilibrium", row["equilibrium"], display=False)
glue("equilibrium_reason", row["equilibrium_reason"], display=False)
glue("tau_alpha", _with_interval("tau_alpha", " tau") or ("below the 1-tau frame interval" if rel.fast
                                                         else f"longer than {rel.production / 2:g} tau"), display=False)
glue("D_A", _with_interval("D_A") or "not measured (the MSD stays below 1 sigma^2 within a sixth of the run)",
     display=False)
pd.DataFrame([{"quantity": t.quantity, "first half": t.first_mean, "second half": t.second_mean,
               "p-value": t.p_value, "blocks per half": t.n_blocks, "verdict": t.verdict}
              for t in (rel.energy, rel.dynamics.msd, rel.dynamics.fs) if t is not None])

# %% [markdown]
# This run is **{glue:text}`equilibrium`**: {glue:text}`equilibrium_reason`.
# $\tau_\alpha$ = {glue:text}`tau_alpha`; $D_A$ = {glue:text}`D_A` $\sigma_{AA}^2/\tau$.

# %% [markdown]
# ## Still a liquid?
#
# Deeply supercooled, this mixture can grow crystallites of pure A (fcc), which lower $U/N$
# and slow the dynamics. We count *solid-like* A particles by the bond-orientational
# criterion of ten Wolde, Ruiz-Montero and Frenkel (neighbours within $1.45\,\sigma_{AA}$
# whose $q_6$ vectors align; a particle with 7 or more aligned neighbours is solid-like) at
# the first, middle and last frames of production, and the largest cluster they form. A
# liquid holds a few solid-like particles in clusters of a handful; a cluster of
# {glue:text}`crystallite_size` or more A particles counts as a crystallite.

# %% tags=["hide-input"]
crystal_table, crystal_row = simulation.crystal_check(traj["positions"][:, traj["types"] == 0],
                                                      traj["box_length"])
glue("crystallite_size", simulation.CRYSTALLITE, display=False)
glue("crystal_verdict", ("a crystallite is present: this run is not a supercooled liquid"
                         if crystal_row["crystallite"] else
                         f"no crystallite: the largest solid-like cluster holds {crystal_row['largest_solid_cluster']} "
                         f"A particles"), display=False)
crystal_table

# %% [markdown]
# Verdict: {glue:text}`crystal_verdict`.

# %% [markdown]
# ## Against published values
#
# Where another group published this model's numbers at this temperature, they stand
# beside ours with a tolerance (`glasshelpers/reference/published.py` names every source). At
# $T = 0.45$ the RUMD reference run ($N = 10\,000$) also tabulates the MSD and $F_s^A$ of
# the A particles: rows `msd_A(t=...)` and `fs_A(t=...)` compare them inside this run's
# window, at lags up to a sixth of production. A run shorter than $\tau_\alpha$ gets no
# verdict there: it samples one slowly changing state, and two demo runs of the same
# profile landed far apart ($\mathrm{MSD}_A(128\,\tau)$ = 0.044 and 0.068, each with a
# block interval of a few thousandths; RUMD 0.065).

# %% tags=["hide-input"]
published = simulation.published_comparison(rel, temperature)
_ = write_result(P, f"sim_{tag}_published", published)
published.drop(columns=["source", "where"]) if len(published) else None

# %% tags=["hide-input"]
# Saved for the chapter's overview page (one table and one figure across temperatures).
summary = pd.DataFrame([{"T": temperature, "U_per_N": avg["pe"], "pressure": avg["pressure"],
                         "T_kin": avg["temperature"], "equil_time": equil_time(P, temperature),
                         "production_time": production_time(P, temperature),
                         "n_frames": meta["n_frames"], "wall_time_s": meta["wall_time_s"], **row,
                         **crystal_row}])
curves = pd.concat([pd.DataFrame({"curve": "g_AA", "x": r, "y": g["AA"]}),
                    pd.DataFrame({"curve": "msd_A", "x": lags, "y": msd}),
                    pd.DataFrame({"curve": "fs_A", "x": rel.curves["lag"], "y": rel.curves["fs"]})])
_ = write_result(P, f"sim_{tag}_summary", summary)
_ = write_result(P, f"sim_{tag}_curves", curves)
