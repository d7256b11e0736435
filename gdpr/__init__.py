"""A self-contained privacy toolkit: personal-data annotations, encryption at rest, consent proofs.

It never imports `forum/` nor Flask's request globals; the forum declares its data and
registers into it.
"""
