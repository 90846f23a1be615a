"""Stage 03, labels from p_hop (notebook ``03_labels``): the labelled training and test
sets with their features (:mod:`.datasets`).
"""
