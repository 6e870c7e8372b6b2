"""Collection at the window (代征): receipts, the hash-chained street journal (台账), corrections and the
day close (日结). Service API in :mod:`counter.collection.services`."""
