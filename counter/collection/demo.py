"""Demo collections for `make run`: each demo lease pays its months up to last month, quarter by
quarter, at its window today — so receipts, the day close, the ledgers and the district overview show
something on a new installation. (Demo leases are registered today, so no receipt can be older.)"""
from __future__ import annotations

from sqlalchemy import select

from counter.auth.models import User
from counter.collection.services import collect
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.models import Lease
from fees import YearMonth

METHODS = ("cash", "card", "mobile", "transfer")


def seed_demo_collections() -> None:
    today = business_today()
    this_month = YearMonth(today.year, today.month)
    leases = db.session.scalars(select(Lease).order_by(Lease.id)).all()
    for n, lease in enumerate(leases):
        clerk = db.session.scalar(select(User).where(User.street_id == lease.street_id, User.role == "clerk"))
        if clerk is None:
            continue
        first = YearMonth(lease.start_date.year, lease.start_date.month)
        while first < this_month:
            last = min(first.add(2), YearMonth.of(lease.end_date))
            if not last < this_month:
                last = this_month.add(-1)
            method = METHODS[(n + first.month) % len(METHODS)]
            reference = None if method == "cash" else f"DEMO{lease.id:04d}{first.year}{first.month:02d}"
            collect(lease, first, last, method, reference, f"demo-{lease.id}-{first}", clerk=clerk)
            first = last.next()

