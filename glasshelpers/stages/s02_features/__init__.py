"""Stage 02, structure features (notebook ``02_features``): p_hop of every particle and the
feature bank of every temperature and replica (:mod:`.stagedata`), the products later
stages read.
"""
