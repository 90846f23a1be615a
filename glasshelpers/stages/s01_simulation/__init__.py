"""Stage 01, the simulation (notebook ``01_simulation``, one page per temperature): the
seed and per-temperature MD runs (:mod:`.simulate`) and what the page computes from a
trajectory: equilibrium evidence, relaxation, published comparisons (:mod:`.simulation`).
"""
