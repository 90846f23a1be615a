"""Stage 05, transfer to the supercooled liquid (notebook ``05_transfer_learning``, Fig. 2
and Table I): :mod:`.transfer`.
"""
