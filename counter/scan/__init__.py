"""The top bar's scanner field: a scanned or typed number -> the record (see :mod:`counter.scan.services`)."""
