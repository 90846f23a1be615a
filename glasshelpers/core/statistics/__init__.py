"""Statistics shared by every stage: block bootstraps, block ids and consistency tests
(:mod:`.stats`), whether every estimate lies inside its own interval (:mod:`.intervals`),
which ageing flags chance explains (:mod:`.ageingflags`), and whether two realisations of
one profile agree (:mod:`.realisations`).
"""
