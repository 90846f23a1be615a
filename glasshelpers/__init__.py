"""glasshelpers: the logic behind glassbook.

A runnable reproduction of T. M. Obadiya and D. M. Sussman, "Using fluid structures
to encode predictions of glassy dynamics", Phys. Rev. Research 5, 043112 (2023).

All quantities are in reduced Lennard-Jones units (sigma_AA, epsilon_AA, m, tau).

The map, in data-flow order. Each layer imports only its own and lower layers (checked by
``tests/test_registry.py``); a notebook stage uses the modules named beside it.

0. Declarations: ``registry`` (stages, the results and figures each writes, the paper's
   items, verdict routing), ``paper`` (the paper's published numbers), ``paths`` (where
   every product lives), ``model`` (the KA potential), ``dynamics`` (p_hop, van Hove; the
   window, span and lag constants), ``structure`` (g(r)), ``display`` (tables for
   reading), ``faults`` (the one-line faults and their exit statuses).
1. Kernels on arrays: ``features`` (G_A, G_B; stage 2), ``labels`` (softness / fluidity /
   control rules; stage 3), ``classify`` (linear SVMs), ``stats`` (bootstraps, block ids,
   consistency tests), ``relaxation`` (MSD, F_s, tau_alpha, D), ``crystal`` (solid-like
   q_6 order of the A particles: is a cold run still a liquid), ``trajectory`` (GSD I/O),
   ``engines/`` (LAMMPS, HOOMD-blue), ``provenance``, ``reproducibility``, ``integrity``
   (size and SHA-256 records of every product, checked before use).
2. Kernels built on those: ``scoring`` (accuracy vs bias, b_best, sigma_alpha, x_alpha,
   similarity; stages 4, 5, 7), ``maxscore`` (b_best as the maximiser of a kernel-smoothed
   accuracy; stages 5, 7), ``halfsample`` (half-sampling intervals of refitted
   classifiers, the attenuation-corrected similarity; stage 5), ``sizing`` (the set sizes that
   would bring Table I's intervals to a target width; stage 5), ``realisations`` (do two
   seeds of one profile agree: Table I row by row, Holm-corrected), ``rearrangement`` (P_R counts and replicates),
   ``kramers`` (line fits), ``onset`` (where the lines meet), ``fitrange`` (which
   temperatures are fitted; stage 6), ``events`` (rearrangement onsets and the event rate),
   ``glm`` (likelihood fits of the counts, zeros kept, and the curvature test),
   ``glmonset`` (onsets from those fits with profile-likelihood intervals),
   ``equilibration`` (intervals of tau_alpha and D,
   ageing tests; stage 1), ``ageingflags`` (which of a profile's ageing flags chance
   explains: Holm over the runs), ``published`` (other authors' numbers for this model),
   ``cache``, ``results`` (writing products), ``profiles/`` (YAML and its schema), ``cli``,
   ``parameters`` (notebook parameters validated like profiles).
3. Products of a profile: ``simulate`` and ``runs`` (stage 1), ``stagedata`` (p_hop and
   feature bank per T; stage 2), ``datasets`` (labelled sets; stage 3), ``training``
   (cached classifiers), ``verdicts`` (agrees / disagrees / inconclusive from intervals),
   ``figures/`` (Figs. 1-9), ``simfigures`` (simulation and feature pages), ``products``
   (every product of a profile folder checked, damaged ones moved aside for recomputing).
4. ``stages/``: what notebooks 04-07 compute (``fluid``, ``transfer``, ``barriers`` with
   ``barrier_analysis`` and ``barrier_glm``, ``appendix``, ``sigma_factors``).
5. Orchestration: ``workflow`` (Snakemake over the registry's stages), ``jobs`` (one
   workflow job: parameters checked, papermill, integrity records, a failure in one
   line), ``book/`` (the HTML book: notebook preparation, generated pages, assets, build
   and checks).
"""

__version__ = "0.1.0"
