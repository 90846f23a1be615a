"""Energy barriers: rearrangement probabilities by structure bin (:mod:`.rearrangement`),
Kramers line fits (:mod:`.kramers`), which temperatures are fitted (:mod:`.fitrange`),
likelihood fits of the counts and the curvature test (:mod:`.glm`), and onset
temperatures with their intervals (:mod:`.onset`, :mod:`.glmonset`).
"""
