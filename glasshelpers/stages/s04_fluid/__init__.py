"""Stage 04, fluid-phase classification (notebook ``04_fluid_classification``, Figs. 1 and
5): it trains the classifiers of the book (:mod:`glasshelpers.products.classifiers`,
``make=True``) and computes their cross-validated accuracy and fluidity distributions
(:mod:`.fluid`).
"""
