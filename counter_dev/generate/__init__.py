"""City-scale synthetic data (``counter generate-data``); see :mod:`counter_dev.generate.generator`."""
from counter_dev.generate.generator import Stats, credit_code_for, generate, generate_data_command, resident_id_for

__all__ = ["generate", "generate_data_command", "resident_id_for", "credit_code_for", "Stats"]
