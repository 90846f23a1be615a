"""glasshelpers: the logic behind glassbook.

A runnable reproduction of T. M. Obadiya and D. M. Sussman, "Using fluid structures
to encode predictions of glassy dynamics", Phys. Rev. Research 5, 043112 (2023).

All quantities are in reduced Lennard-Jones units (sigma_AA, epsilon_AA, m, tau).

The map, from the bottom floor up (a package imports its own floor and the ones below;
``tests/test_registry.py`` checks it):

1. :mod:`glasshelpers.core`: the numerical core, arrays in and arrays out, no profiles or
   product folders: ``md`` (model, engines, trajectories), ``structure`` (features, g(r),
   solid-like order), ``dynamics`` (p_hop, relaxation, equilibration, events, labelling
   rules), ``learning`` (SVMs, scores, b_best, half-sampling, sizing), ``barriers`` (P_R,
   Kramers fits, fit ranges, likelihood fits, onsets), ``statistics`` (bootstraps, interval
   checks, ageing flags, realisations).
2. :mod:`glasshelpers.pipeline`: the plumbing: profiles, paths, the registry of stages and
   their products, products on disk with their provenance and integrity, the workflow
   and its jobs, one-line faults.
3. :mod:`glasshelpers.reference`: the paper's numbers, other published data, verdict rules.
4. :mod:`glasshelpers.figures`: one drawing function per figure (``ax=None``).
5. :mod:`glasshelpers.stages`: one folder per notebook, ``s01_simulation`` ...
   ``s07_appendix``, in pipeline order.
6. :mod:`glasshelpers.book`: the HTML book built from the executed notebooks.
"""

__version__ = "0.1.0"
