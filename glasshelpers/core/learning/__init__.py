"""Classifiers and what is read off them: linear SVMs on standardised features
(:mod:`.classify`), accuracy scans, b_best, sigma_alpha, x_alpha and similarities
(:mod:`.scoring`), the smoothed maximiser of the accuracy (:mod:`.maxscore`),
half-sampling intervals of refitted classifiers (:mod:`.halfsample`), and the set sizes a
target interval width needs (:mod:`.sizing`).
"""
