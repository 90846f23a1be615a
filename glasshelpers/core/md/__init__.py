"""Molecular dynamics: the Kob-Andersen 80:20 model (:mod:`.model`), the MD engines behind
one interface (:mod:`.engines`: LAMMPS and HOOMD-blue), and trajectory files in GSD
(:mod:`.trajectory`).
"""
