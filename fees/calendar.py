"""Year-month arithmetic (the taxed period is a run of whole months)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["YearMonth", "months_between"]


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
