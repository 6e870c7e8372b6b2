"""Streets (街道): the district's ten street offices, each with its own rental window and ledger."""
