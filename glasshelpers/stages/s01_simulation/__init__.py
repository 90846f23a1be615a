"""Stage 01, the simulation (notebook ``01_simulation``, one page per temperature): it makes
the MD runs (:mod:`glasshelpers.products.trajectories`) and computes from each trajectory
its equilibrium evidence, relaxation and published comparisons (:mod:`.simulation`); the
shelf of equilibrium states is made by :mod:`.states` and judged by :mod:`.evidence`.
"""
