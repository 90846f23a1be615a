"""Stage 07, appendix controls (notebook ``07_appendix``, Figs. 6-8): :mod:`.appendix` and
the sigma_T scans (:mod:`.sigma_factors`).
"""
