"""Reports (报表): the guidance-rent survey and its adoption, the annual report.

    survey.survey(year, ...) -> Survey                   # counter/reports/survey.py: the statistics
    current_guidance(day) -> {(street_code, use): GuidanceRent}
    adopt_guidance(rows, effective_from, legal_source, survey_note) -> list[GuidanceRent]
    annual.annual_report(year) -> AnnualReport           # counter/reports/annual.py

Adopting a proposed guidance table adds a **new guidance version** through the existing mechanism: new
``guidance_rent`` rows (street code, use, yuan per m² per month as fen) with the adopted
``effective_from`` (open-ended). The tax floor (:func:`counter.tax.services.guidance_rents`, the engine's
``GuidanceRents.lookup``: latest ``effective_from`` in force on a month's first day wins) uses them from
that date on; earlier rows stay as they were (history is never rewritten). Provenance: the rows are
``confirmed`` with their ``legal_source``: the document the administrator names (the notice that publishes
the table) and the survey it came from; the audit log keeps the whole adopted table.
A second adoption for the same street, use and date is refused (the unique key of ``guidance_rent``, with
``ON CONFLICT DO NOTHING``: two administrators adopting at once cannot both write).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from counter.audit.service import record
from counter.core.db import dialect_insert
from counter.extensions import db
from counter.tax.models import GuidanceRent


class ReportError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class AdoptRow:
    street_code: str
    use: str
    fen_per_m2_month: int


def current_guidance(day: date) -> dict[tuple[str, str], GuidanceRent]:
    """The guidance rent in force on ``day`` per (street code, use): the latest ``effective_from``."""
    out: dict[tuple[str, str], GuidanceRent] = {}
    rows = db.session.scalars(select(GuidanceRent).where(GuidanceRent.effective_from <= day)
                              .order_by(GuidanceRent.effective_from, GuidanceRent.id))
    for g in rows:
        if g.effective_to is None or day <= g.effective_to:
            out[(g.street_code, g.use)] = g
    return out


def adopt_guidance(rows: list[AdoptRow], effective_from: date, legal_source: str, survey_note: str) -> list[GuidanceRent]:
    """Add the reviewed table as a new guidance version from ``effective_from`` (flush only)."""
    if not rows:
        raise ReportError(_("Enter at least one guidance rent to adopt."))
    source = f"{legal_source}；{survey_note}"[:2000]
    made: list[int] = []
    for r in rows:
        new_id = db.session.scalar(
            dialect_insert(GuidanceRent).values(
                street_code=r.street_code, use=r.use, fen_per_m2_month=r.fen_per_m2_month,
                effective_from=effective_from, effective_to=None, sample=False, provenance="confirmed",
                legal_source=source)
            .on_conflict_do_nothing(index_elements=["street_code", "use", "effective_from"])
            .returning(GuidanceRent.id))
        if new_id is None:
            raise ReportError(_("A guidance rent for %(street)s / %(use)s from this date exists already: choose "
                                "another effective date.", street=r.street_code, use=r.use), "effective_from")
        made.append(new_id)
    db.session.flush()
    adopted = list(db.session.scalars(select(GuidanceRent).where(GuidanceRent.id.in_(made))
                                      .order_by(GuidanceRent.street_code, GuidanceRent.use)))
    record("guidance.adopt", obj=adopted[0], summary=source,
           after={"effective_from": effective_from.isoformat(), "legal_source": source,
                  "rows": [{"id": g.id, "street_code": g.street_code, "use": g.use,
                            "yuan_per_m2_month": str(Decimal(g.fen_per_m2_month) / 100)} for g in adopted]})
    return adopted
