"""Exceptions raised by the rental tax engine, and the bilingual message of a schedule problem."""
from __future__ import annotations

from typing import Iterable


class ScheduleProblem(str):
    """One problem found in a schedule definition, in both UI languages.

    It *is* the English message (a ``str`` subclass: ``==``, ``in``, ``join`` and
    formatting behave as with the plain English string, so callers that only know
    English keep working) and carries the Simplified Chinese text in :attr:`zh`.
    Choose the language with :meth:`text` (``"zh"``, ``"zh_Hans_CN"``, ``"en"``...).
    Immutable, like ``str``.
    """

    __slots__ = ("zh",)

    def __new__(cls, en: str, zh: str) -> "ScheduleProblem":
        self = super().__new__(cls, en)
        object.__setattr__(self, "zh", str(zh))
        return self

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def en(self) -> str:
        return str.__str__(self)

    def text(self, lang: str | None) -> str:
        """The message in ``lang``: Chinese for any ``zh*`` locale, otherwise English."""
        return self.zh if str(lang or "").lower().startswith("zh") else self.en

    def __reduce__(self):
        return (type(self), (self.en, self.zh))

    @classmethod
    def of(cls, value: object) -> "ScheduleProblem":
        """``value`` as a problem: a problem as is; an exception carrying one (``ValueError(problem)``)
        gives it; anything else is shown as its text in both languages."""
        if isinstance(value, BaseException):
            for arg in value.args[:1]:
                if isinstance(arg, ScheduleProblem):
                    return arg
            problems = getattr(value, "problems", None)
            if problems:
                return problems[0] if len(problems) == 1 else cls("; ".join(problems),
                                                                   "；".join(p.zh for p in problems))
        if isinstance(value, ScheduleProblem):
            return value
        text = str(value)
        return cls(text, text)


class FeesError(Exception):
    """Base class of every error raised by :mod:`fees`."""


class NoScheduleError(FeesError):
    """No rate schedule (with a rule for the lease) is in force for a taxed month."""


class NoRuleError(FeesError):
    """A schedule has no rule for the lease's landlord kind and use category."""


class AmbiguousScheduleError(FeesError):
    """Two schedules tie for a month (same effective_from and priority)."""


class ScheduleError(FeesError, ValueError):
    """A schedule definition is invalid.

    ``errors`` lists the messages (English strings; each is a :class:`ScheduleProblem`, so
    ``problems`` / :meth:`messages` give them in the user's language).
    """

    def __init__(self, errors: Iterable[str]):
        self.problems: list[ScheduleProblem] = [ScheduleProblem.of(e) for e in errors]
        self.errors = list(self.problems)
        super().__init__("; ".join(self.errors))

    def messages(self, lang: str | None) -> list[str]:
        return [p.text(lang) for p in self.problems]
