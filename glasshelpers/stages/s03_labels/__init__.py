"""Stage 03, labels from p_hop (notebook ``03_labels``): it makes the labelled training and
test sets with their features (:mod:`glasshelpers.products.labelled`, ``make=True``) and
the self part of the van Hove function (:mod:`.vanhove`).
"""
