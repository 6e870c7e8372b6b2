"""Development tools that are not part of the app (the ``counter`` package never imports them, a contract
of .importlinter): the synthetic data generator behind ``counter generate-data``."""
