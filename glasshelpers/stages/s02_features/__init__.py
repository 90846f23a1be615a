"""Stage 02, structure features (notebook ``02_features``): it makes p_hop of every particle
and the feature bank of every temperature and replica
(:mod:`glasshelpers.products.banks`, ``make=True``), the products later stages read; its
result tables are declared in ``tables.yaml``.
"""
