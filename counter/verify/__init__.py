"""Public verification of printed proofs (公开核验): no login; reads across streets on purpose."""
