"""Rental tax (租赁税): rate schedule versions, guidance rents, stored assessments, public estimate.

The computation itself lives in :mod:`fees` (pure Python); this package stores its inputs and
outputs and is the only bridge between the database and the engine."""
