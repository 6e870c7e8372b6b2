"""Demo collections for `make run`: each demo lease pays its rent periods that began before this month,
three by three, at its window today — so receipts, the day close, the ledgers and the district overview
show something on a new installation. (Demo leases are registered today, so no receipt can be older.)"""
from __future__ import annotations

from sqlalchemy import select

from counter.auth.models import User
from counter.collection.services import collect, lease_periods
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.models import Lease

METHODS = ("cash", "card", "mobile", "transfer")


def seed_demo_collections() -> None:
    today = business_today()
    month_start = today.replace(day=1)
    leases = db.session.scalars(select(Lease).order_by(Lease.id)).all()
    for n, lease in enumerate(leases):
        clerk = db.session.scalar(select(User).where(User.street_id == lease.street_id, User.role == "clerk"))
        if clerk is None:
            continue
        due = [p for p in lease_periods(lease) if p.start < month_start]
        for i in range(0, len(due), 3):
            first, last = due[i], due[min(i + 2, len(due) - 1)]
            method = METHODS[(n + first.start.month) % len(METHODS)]
            reference = None if method == "cash" else f"DEMO{lease.id:04d}{first.start:%Y%m}"
            collect(lease, first.start, last.start, method, reference, f"demo-{lease.id}-{first.start:%Y-%m}",
                    clerk=clerk)
