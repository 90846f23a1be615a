"""The stage computations behind notebooks 04-07, one module per stage.

* :mod:`.fluid` (stage 4, Figs. 1 and 5), :mod:`.transfer` (stage 5, Fig. 2 and Table I),
  :mod:`.barriers` with :mod:`.barrier_analysis` (stage 6, Figs. 3, 4, 9),
  :mod:`.appendix` and :mod:`.sigma_factors` (stage 7, Figs. 6-8, the sigma_T scans);
* :mod:`.common`: bias shifts, x_alpha bins, seeds and block ids shared by all of them.

Each function reads the profile's products (feature banks, labelled sets, trained
classifiers, through :mod:`glasshelpers.stagedata`, :mod:`glasshelpers.datasets`,
:mod:`glasshelpers.training`), calls the numerical kernels (:mod:`glasshelpers.scoring`,
:mod:`glasshelpers.kramers`, :mod:`glasshelpers.stats`, ...) and returns tidy DataFrames,
which the notebook plots (:mod:`glasshelpers.figures`), judges
(:mod:`glasshelpers.verdicts`) and writes (:mod:`glasshelpers.results`). Nothing below
this package imports it.
"""
