"""glasshelpers: the logic behind glassbook.

A runnable reproduction of T. M. Obadiya and D. M. Sussman, "Using fluid structures
to encode predictions of glassy dynamics", Phys. Rev. Research 5, 043112 (2023).

All quantities are in reduced Lennard-Jones units (sigma_AA, epsilon_AA, m, tau).
"""

__version__ = "0.1.0"
