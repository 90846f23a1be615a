"""The plumbing: profiles, paths, products and their integrity, the workflow and its jobs.

* :mod:`.profiles`: the YAML profiles and their schema; :mod:`.parameters`: notebook
  parameters validated like profiles.
* :mod:`.paths`: where every product of a profile lives; :mod:`.runs`: what determines a
  simulation run and where its trajectory is.
* :mod:`.registry`: the stages, the products each declares, and the paper's items;
  :mod:`.tables`: the result tables' declarations (columns, units, intervals), read from
  each stage's ``tables.yaml``.
* :mod:`.cache`: arrays on disk with the parameters that made them; :mod:`.provenance`:
  parameter hashes, the code version, atomic writes; :mod:`.integrity`: size and SHA-256
  records; :mod:`.inventory`: a profile folder scanned and repaired;
  :mod:`.reproducibility`: byte comparisons of two runs; :mod:`.results`: result tables
  and figures written.
* :mod:`.workflow` (Snakemake over the registry), :mod:`.jobs` (one workflow job),
  :mod:`.cli` and :mod:`.faults` (one-line faults and their exit statuses).
"""
