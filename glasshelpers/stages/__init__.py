"""The seven stages of the book, one folder per notebook, in pipeline order.

``s01_simulation`` -> ``s02_features`` -> ``s03_labels`` -> ``s04_fluid`` -> {``s05_transfer``
-> ``s06_kramers``, ``s07_appendix``}. Each folder holds what its notebook computes; its
notebook plots the results (:mod:`glasshelpers.figures`), judges them
(:mod:`glasshelpers.reference.verdicts`) and writes them (:mod:`glasshelpers.pipeline.results`).
:mod:`.common` holds what stages 04-07 share (bias shifts, x_alpha bins, seeds, block ids,
the transfer calibration). No stage imports another: a stage reads another stage's
products through :mod:`glasshelpers.products` (made only by their owner, ``make=True``) or the
result tables the workflow declares (``tests/test_registry.py`` checks it). Each folder's
``tables.yaml`` declares the result tables its stage writes.
"""
