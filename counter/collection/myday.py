"""我的今日 (issue 15): one clerk's business day at a glance — the leases the clerk registered, the receipts
the clerk issued, the documents the clerk printed, and the cash the drawer should hold. Only the clerk's own
records (``clerk_id`` / ``registered_by_id`` / ``printed_by_id`` = the user), inside the street scope."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from counter.collection.models import Receipt
from counter.collection.services import day_figures, day_is_closed, find_day_close
from counter.core.timeutil import office_tz
from counter.extensions import db


@dataclass
class MyDay:
    business_date: date
    leases: list
    receipts: list
    documents: list
    figures: dict
    closed: bool
    day_close: object | None

    @property
    def receipts_total_fen(self) -> int:
        return sum(r.total_fen for r in self.receipts if r.status == "issued")


def _utc_bounds(day: date) -> tuple[datetime, datetime]:
    """The business day (office time zone) as a UTC interval [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=office_tz())
    end = start + timedelta(days=1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def my_day(user, business_date: date) -> MyDay:
    from counter.documents.models import PrintedDocument
    from counter.leases.models import Lease

    start, end = _utc_bounds(business_date)
    leases = db.session.scalars(select(Lease).where(Lease.registered_by_id == user.id, Lease.registered_at >= start,
                                                    Lease.registered_at < end).order_by(Lease.registered_at)).all()
    receipts = db.session.scalars(select(Receipt).where(Receipt.clerk_id == user.id, Receipt.street_id == user.street_id,
                                                        Receipt.business_date == business_date)
                                  .order_by(Receipt.seq)).all()
    documents = db.session.scalars(select(PrintedDocument).where(
        PrintedDocument.printed_by_id == user.id, PrintedDocument.print_date == business_date)
        .order_by(PrintedDocument.printed_at)).all()
    figures = day_figures(user.street_id, user.id, business_date)
    return MyDay(business_date=business_date, leases=leases, receipts=receipts, documents=documents, figures=figures,
                 closed=day_is_closed(user.street_id, user.id, business_date),
                 day_close=find_day_close(user.street_id, user.id, business_date))
