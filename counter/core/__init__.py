"""Shared plumbing: time, money display, masking, street scoping, serial numbers, audit, transactions."""
