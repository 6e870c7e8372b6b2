"""Demo data of the queue: every street's window hours (09:00–17:00, 15-minute slots, 2 windows, closed at
weekends) and a year of served tickets with the school-place season (April–June) about three times as busy
and with longer waits, so that the statistics page shows the peak. One bulk INSERT (cheap)."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import insert, select

from counter.auth.models import User
from counter.core.timeutil import business_today, office_tz
from counter.extensions import db
from counter.prefiling.models import Ticket, WindowSchedule
from counter.streets.models import Street

PEAK_MONTHS = (4, 5, 6)


def seed_demo_queue(days: int = 365) -> None:
    rng = random.Random(16)
    today = business_today()
    tz = office_tz()
    rows = []
    for street in db.session.scalars(select(Street).order_by(Street.code)):
        db.session.add(WindowSchedule(street_id=street.id, opens_at=time(9, 0), closes_at=time(17, 0), slot_minutes=15,
                                      windows=2, closed_weekdays="5,6", booking_days=14))
        clerks = list(db.session.scalars(select(User.id).where(User.street_id == street.id,
                                                               User.role.in_(("clerk", "supervisor")))))
        if not clerks:
            continue
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            peak = day.month in PEAK_MONTHS
            for number in range(1, (rng.randint(6, 10) if peak else rng.randint(1, 4)) + 1):
                hour = rng.choice((9, 9, 10, 10, 10, 11, 11, 14, 14, 15, 15, 16))
                created = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=tz).astimezone(timezone.utc)
                called = created + timedelta(minutes=rng.randint(10, 55) if peak else rng.randint(1, 15))
                done = called + timedelta(minutes=rng.randint(4, 12))
                appointment = rng.random() < 0.3
                rows.append(dict(street_id=street.id, day=day, number=number,
                                 kind="appointment" if appointment else "walk_in", status="done",
                                 created_at=created, called_at=called,
                                 done_at=done, window_no=1 + number % 2,
                                 clerk_id=clerks[number % len(clerks)], due_at=None, appointment_id=None))
    db.session.flush()
    if rows:
        db.session.execute(insert(Ticket.__table__), rows)
