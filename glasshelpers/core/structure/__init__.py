"""Structure of a configuration: the radial structure features G_A(r), G_B(r) of each
particle (:mod:`.features`), partial radial distribution functions (:mod:`.structure`),
and the solid-like q_6 order of the A particles (:mod:`.crystal`).
"""
