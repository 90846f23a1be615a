"""The numerical core: functions of arrays that return arrays, in reduced Lennard-Jones units.

Nothing here reads a profile or a product folder; every package below imports only the
core. By concept:

* :mod:`glasshelpers.core.md`: the Kob-Andersen model, the MD engines (LAMMPS, HOOMD-blue)
  behind one interface, and trajectory files (GSD).
* :mod:`glasshelpers.core.structure`: the 100 radial structure features, g(r), and the
  solid-like order check.
* :mod:`glasshelpers.core.dynamics`: p_hop, displacements and the van Hove function,
  MSD / F_s / tau_alpha / D, the equilibration tests, rearrangement events, and the
  labelling rules.
* :mod:`glasshelpers.core.learning`: linear SVMs, accuracy scans, b_best, sigma_alpha,
  x_alpha, similarities, half-sampling intervals and set sizing.
* :mod:`glasshelpers.core.barriers`: P_R counts, Kramers line fits, fit ranges,
  likelihood fits and onset temperatures.
* :mod:`glasshelpers.core.statistics`: block bootstraps and block ids, interval checks,
  ageing flags across runs, and the comparison of two realisations.
"""
