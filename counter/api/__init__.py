"""The JSON API at /api/v1 (issue 17): clients, keys, lookups, registration, verification, estimates, feed."""
