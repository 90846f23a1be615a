"""Stage 07, appendix controls (notebook ``07_appendix``, Figs. 6-8): :mod:`.appendix` and
the sigma_T scans (:mod:`.sigma_factors`). Two controls run by hand after a profile's
workflow, outside it for their cost: the inherent-state p_hop (:mod:`.inherent`) and
softness against the size of its training set (:mod:`.softness_size`).
"""
