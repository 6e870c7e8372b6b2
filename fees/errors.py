"""Exceptions raised by the rental tax engine."""


class FeesError(Exception):
    """Base class of every error raised by :mod:`fees`."""


class NoScheduleError(FeesError):
    """No rate schedule (with a rule for the lease) is in force for a taxed month."""


class NoRuleError(FeesError):
    """A schedule has no rule for the lease's landlord kind and use category."""


class AmbiguousScheduleError(FeesError):
    """Two schedules tie for a month (same effective_from and priority)."""


class ScheduleError(FeesError, ValueError):
    """A schedule definition is invalid; ``errors`` lists human-readable messages."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))
