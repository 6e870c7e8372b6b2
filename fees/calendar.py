"""Calendar arithmetic of tax periods: year-months, and the rent periods of a lease term.

THE period rule (written once; :func:`rent_periods`)
----------------------------------------------------
Tax periods follow the lease's **rent periods**, anchored at the term's start date: a period runs from
the start date to the day before the same date of the next month (15 March .. 14 April, 15 April ..
14 May, ...), clipped to the end of the term. Only the last period can be short (the term ends before
the period would); it is prorated by days (:func:`fees.money.prorate_fen`). A 12-month term has exactly
12 periods (2024-03-15 .. 2025-03-14: the twelfth is 2025-02-15 .. 2025-03-14).

When the anchor day does not exist in a month, the period starts on that month's last day (a term from
31 January: 31 Jan .. 28 Feb, 29 Feb .. 30 Mar, 31 Mar .. 29 Apr, ...): the k-th period always starts
``add_months(term_start, k)``, computed from the term's start (never from the previous period), so the
periods do not drift. Each calendar month holds exactly one period start, which is why a period can
also be named by the month it starts in (``YYYY-MM``).

Calendar months (``YearMonth``, :meth:`Period.of_month`) remain for records written before rent periods
(their periods are the calendar months the term touched) and for callers that ask for them.
"""
from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["YearMonth", "months_between", "Period", "add_months", "rent_periods", "month_periods"]

_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True)
class YearMonth:
    year: int
    month: int

    def __post_init__(self):
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1 <= self.year <= 9999:
            raise ValueError(f"bad year {self.year!r}")
        if isinstance(self.month, bool) or not isinstance(self.month, int) or not 1 <= self.month <= 12:
            raise ValueError(f"bad month {self.month!r}")

    @classmethod
    def of(cls, d: date) -> "YearMonth":
        return cls(d.year, d.month)

    @classmethod
    def parse(cls, text: str) -> "YearMonth":
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(text))
        if not m:
            raise ValueError(f"not a year-month (YYYY-MM): {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, _calendar.monthrange(self.year, self.month)[1])

    def next(self) -> "YearMonth":
        return YearMonth(self.year + 1, 1) if self.month == 12 else YearMonth(self.year, self.month + 1)

    def add(self, months: int) -> "YearMonth":
        n = self.year * 12 + (self.month - 1) + months
        return YearMonth(n // 12, n % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(first: YearMonth, last: YearMonth) -> list[YearMonth]:
    """Inclusive list of months first..last; empty when last < first."""
    out = []
    m = first
    while m <= last:
        out.append(m)
        m = m.next()
    return out


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day
    (``add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)``)."""
    ym = YearMonth.of(d).add(months)
    return date(ym.year, ym.month, min(d.day, _calendar.monthrange(ym.year, ym.month)[1]))


@dataclass(frozen=True, order=True)
class Period:
    """One tax period (计税期间), ``start`` .. ``end`` inclusive. ``full_end`` is the day the period would
    end if the term did not end first (equal to ``end`` for a full period); a period with
    ``end < full_end`` is **short** and its rent is prorated by ``days`` of ``full_days``."""
    start: date
    end: date
    full_end: date | None = None

    def __post_init__(self):
        if self.full_end is None:
            object.__setattr__(self, "full_end", self.end)
        if not isinstance(self.start, date) or not isinstance(self.end, date) or not isinstance(self.full_end, date):
            raise ValueError("a period's start, end and full end are dates")
        if not self.start <= self.end <= self.full_end:
            raise ValueError(f"a period must run start <= end <= full end: {self.start}, {self.end}, {self.full_end}")

    @classmethod
    def of_month(cls, ym: YearMonth) -> "Period":
        """A calendar month as a period (records written before rent periods)."""
        return cls(ym.first_day, ym.last_day)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def full_days(self) -> int:
        return (self.full_end - self.start).days + 1

    @property
    def short(self) -> bool:
        return self.end < self.full_end

    @property
    def month(self) -> YearMonth:
        """The month the period starts in (it names the period: one period starts in each month)."""
        return YearMonth.of(self.start)

    def follows(self, other: "Period") -> bool:
        """True when this period starts the day after ``other`` ends (consecutive periods)."""
        return self.start == other.end + _DAY

    def label(self, lang: str = "zh") -> str:
        return span_label(self.start, self.end, lang)

    def to_dict(self) -> dict:
        d = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.short:
            d["full_end"] = self.full_end.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Period":
        return cls(date.fromisoformat(d["start"]), date.fromisoformat(d["end"]),
                   date.fromisoformat(d["full_end"]) if d.get("full_end") else None)

    def __str__(self) -> str:
        return self.label("zh")


def span_label(start: date, end: date, lang: str = "zh") -> str:
    """``2024-03-15至2024-04-14`` (zh) / ``2024-03-15 – 2024-04-14`` (en)."""
    return f"{start.isoformat()}至{end.isoformat()}" if lang != "en" else f"{start.isoformat()} – {end.isoformat()}"


def rent_periods(term_start: date, term_end: date) -> list[Period]:
    """The rent periods of a term ``term_start .. term_end`` (inclusive), anchored at its start (see the
    module: the one period rule). Empty when the term ends before it starts."""
    out: list[Period] = []
    k = 0
    start = term_start
    while start <= term_end:
        k += 1
        nxt = add_months(term_start, k)
        full_end = nxt - _DAY
        out.append(Period(start, min(full_end, term_end), full_end))
        start = nxt
    return out


def month_periods(first: YearMonth, last: YearMonth) -> list[Period]:
    """The calendar months ``first .. last`` as periods (records before rent periods; ``fees.assess``)."""
    return [Period.of_month(m) for m in months_between(first, last)]
