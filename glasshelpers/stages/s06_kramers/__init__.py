"""Stage 06, energy barriers (notebook ``06_kramers``, Figs. 3, 4, 9): the samples of the
Kramers analysis (:mod:`.barriers`), the weighted line fits with their bootstrap
(:mod:`.barrier_analysis`) and the likelihood analysis (:mod:`.barrier_glm`).
"""
