"""Dynamics of a trajectory: p_hop, displacements and the van Hove function
(:mod:`.dynamics`), MSD, F_s, tau_alpha and D (:mod:`.relaxation`), equilibration tests
(:mod:`.equilibration`), rearrangement onsets and rates (:mod:`.events`), and the rules
that label particles from p_hop (:mod:`.labels`).
"""
