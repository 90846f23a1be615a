# %% [markdown]
# # Start here: the glassbook course lab
#
# This folder holds the notebooks of the book, one per stage of the pipeline. Each reads
# every number from a *profile*; the lab uses the `lab` profile (N = 2000, eight
# temperatures). The lab chapter of the book ("Course lab: structure, mobility and energy
# barriers", `book/lab.md`; built: `_build/html/book/lab.html`) has the session plan,
# the objectives, timings and worked solutions.
#
# **1. Make the data once** (about ten minutes on two cores), in a terminal at the
# repository root:
#
# ```bash
# make workflow PROFILE=lab
# ```
#
# **2. Do the exercises.** Each re-runs one stage notebook on the lab data with
# papermill and writes the executed copy to `out/` (create it once with `mkdir -p out`;
# open the copies here); the notebooks in this folder stay untouched:
#
# | exercise | notebook | command (from the repository root) |
# |---|---|---|
# | 1. Hops or vibrations? (think first) | [03_labels](03_labels.ipynb) | `papermill notebooks/03_labels.ipynb out/hops.ipynb -p profile lab` |
# | 2. Does hot-liquid structure predict extreme motion? | [04_fluid_classification](04_fluid_classification.ipynb) | `papermill notebooks/04_fluid_classification.ipynb out/fluid.ipynb -p profile lab` |
# | 3. Which training temperature transfers worst? (think first) | [05_transfer_learning](05_transfer_learning.ipynb) | `papermill notebooks/05_transfer_learning.ipynb out/transfer.ipynb -p profile lab` |
# | 4. How extreme is extreme, and how much regularisation? | [07_appendix](07_appendix.ipynb) | `papermill notebooks/07_appendix.ipynb out/appendix.ipynb -p profile lab` |
# | 5. Why two tails? (think first) | [07_appendix](07_appendix.ipynb) | `papermill notebooks/07_appendix.ipynb out/control.ipynb -p profile lab` |
# | 6. Energy barriers and where they meet | [06_kramers](06_kramers.ipynb) | `papermill notebooks/06_kramers.ipynb out/barriers.ipynb -p profile lab` |
#
# To run a notebook here instead, open it, set `profile = "lab"` in its first code cell
# (tagged `parameters`) and run all cells.
#
# **3. Read before you run.** The stage chapters explain what each notebook computes:
# [01_simulation](01_simulation.ipynb) (molecular dynamics, once per temperature),
# [02_features](02_features.ipynb) (the structure of every particle), then the exercises'
# notebooks above.
