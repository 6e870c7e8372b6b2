"""Guidance (minimum) rents: yuan per m2 per month by street code and use.

The taxable monthly rent of a month is ``max(declared monthly rent,
guidance x area)``, where guidance is the entry for the lease's street and use in
force on the month's first day (latest ``effective_from`` wins). No entry -> no
floor. ``guidance x area`` is rounded to the fen half up by
:func:`fees.money.round_fen` (see the rounding rule in :mod:`fees.money`).

The app loads guidance rows from its DB and passes them in; a clearly labelled
*sample* set is shipped in ``fees/schedules/guidance_sample.toml``
(:func:`load_sample_guidance`).

Provenance, as for rate schedules (:mod:`fees.model`): a guidance table (TOML) has ``status``
(``sample`` | ``confirmed``) and ``sources`` (document, date, evidence...); each entry carries the
table's status (``sample``) and its sources as one label (``source``). An assessment records whether the
guidance entry it consulted is sample data (:attr:`fees.MonthBasis.guidance_sample`); the taxing on
``max(declared, guidance x area)`` follows 税收征管法 art. 35 (the bureau may assess a base that is
obviously low) as practised by the cities that publish guidance rents.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Iterable

from .errors import ScheduleError
from .model import Source, sources_label, validate_provenance
from .uses import USES

__all__ = ["GuidanceRent", "GuidanceRents", "guidance_from_toml", "load_sample_guidance"]


@dataclass(frozen=True)
class GuidanceRent:
    street_code: str
    use: str
    yuan_per_m2_month: Decimal
    effective_from: date
    effective_to: date | None = None  # inclusive
    sample: bool = False              # sample data (not official figures)
    source: str = ""                  # legal source(s) of the table: "深府办〔20xx〕x号（2020-01-01）"

    def __post_init__(self):
        if self.use not in USES:
            raise ValueError(f"unknown use {self.use!r}")
        if not isinstance(self.yuan_per_m2_month, Decimal) or not self.yuan_per_m2_month.is_finite() \
                or self.yuan_per_m2_month < 0:
            raise ValueError(f"guidance must be a non-negative Decimal, got {self.yuan_per_m2_month!r}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to before effective_from")

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def to_dict(self) -> dict:
        d = {"street_code": self.street_code, "use": self.use,
             "yuan_per_m2_month": str(self.yuan_per_m2_month), "effective_from": self.effective_from.isoformat()}
        if self.effective_to is not None:
            d["effective_to"] = self.effective_to.isoformat()
        d["sample"] = self.sample
        d["source"] = self.source
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GuidanceRent":
        def dt(v):
            return v if isinstance(v, date) else date.fromisoformat(v)
        v = d["yuan_per_m2_month"]
        if isinstance(v, float):
            raise ValueError("guidance must be a string or Decimal, not a float")
        try:
            amount = Decimal(str(v))
        except InvalidOperation:
            raise ValueError(f"not a number: {v!r}") from None
        return cls(street_code=str(d["street_code"]), use=d["use"], yuan_per_m2_month=amount,
                   effective_from=dt(d["effective_from"]),
                   effective_to=dt(d["effective_to"]) if d.get("effective_to") else None,
                   sample=bool(d.get("sample", False)), source=str(d.get("source") or ""))


class GuidanceRents:
    """A collection of :class:`GuidanceRent` with look-up by street, use and day."""

    def __init__(self, entries: Iterable[GuidanceRent] = ()):
        self.entries = tuple(entries)

    def __len__(self):
        return len(self.entries)

    def lookup(self, street_code: str | None, use: str, day: date) -> GuidanceRent | None:
        if not street_code:
            return None
        found = [e for e in self.entries if e.street_code == street_code and e.use == use and e.in_force_on(day)]
        if not found:
            return None
        return max(found, key=lambda e: e.effective_from)


def guidance_from_toml(text: str) -> GuidanceRents:
    """A guidance table: top-level ``status``, ``sources``, ``title_zh``/``title_en`` and ``[[guidance]]``
    entries. Every entry carries the table's provenance. Raises :class:`fees.ScheduleError` for a bad
    provenance (e.g. ``confirmed`` without official sources)."""
    data = tomllib.loads(text)
    errs: list = []
    validate_provenance(data, errs)
    if errs:
        raise ScheduleError(errs)
    sample = (data.get("status") or "sample") == "sample"
    label = sources_label(Source.from_dict(x) for x in data.get("sources") or ())
    return GuidanceRents(GuidanceRent.from_dict({**e, "sample": sample, "source": label})
                         for e in data.get("guidance", []))


def load_sample_guidance() -> GuidanceRents:
    """The shipped SAMPLE guidance rents (not official figures)."""
    text = resources.files("fees.schedules").joinpath("guidance_sample.toml").read_text(encoding="utf-8")
    return guidance_from_toml(text)
