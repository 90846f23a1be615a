"""Stage 04, fluid-phase classification (notebook ``04_fluid_classification``, Figs. 1 and
5): the classifiers of the book (:mod:`.training`) and their cross-validated accuracy and
fluidity distributions (:mod:`.fluid`).
"""
