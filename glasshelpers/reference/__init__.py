"""What our numbers are compared with: the paper's published values (:mod:`.paper`),
published Kob-Andersen data from other sources (:mod:`.published`), and the verdict rules
(:mod:`.verdicts`).
"""
