"""8 windows × 50 collections at once on PostgreSQL: gap-free receipt numbers, a journal that sums to the
receipts, and an intact hash chain."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from counter.collection import services as svc
from counter.collection.models import JournalEntry, Receipt
from counter.extensions import db

THREADS, PER_THREAD = 8, 50


def test_concurrent_windows(app, pg_only, streets, users, lease_factory):
    street = streets[0]
    lease_ids = [lease_factory(street, start=date(2022, 1, 1), end=date(2026, 12, 31)).id for _ in range(THREADS)]
    clerk_id = users["clerk_a"].id
    db.session.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def window(t: int):
        from counter.auth.models import User
        from counter.leases.models import Lease

        try:
            with app.app_context():
                lease = db.session.get(Lease, lease_ids[t])
                clerk = db.session.get(User, clerk_id)
                barrier.wait()
                month = svc.lease_months(lease)[0]
                for i in range(PER_THREAD):
                    svc.collect(lease, month, month, "cash", None, f"t{t}-{i}", clerk=clerk,
                                business_date=date(2026, 3, 2))
                    db.session.commit()
                    month = month.next()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=window, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:3]
    db.session.expire_all()
    receipts = db.session.scalars(select(Receipt).order_by(Receipt.seq)).all()
    assert len(receipts) == THREADS * PER_THREAD
    assert [r.seq for r in receipts] == list(range(1, THREADS * PER_THREAD + 1))
    assert len({r.receipt_number for r in receipts}) == THREADS * PER_THREAD
    assert receipts[-1].receipt_number == f"{street.short_code}-R2026-{THREADS * PER_THREAD:06d}"
    total = db.session.scalar(select(func.sum(JournalEntry.amount_fen)))
    assert total == sum(r.total_fen for r in receipts)
    seqs = db.session.scalars(select(JournalEntry.seq).order_by(JournalEntry.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert svc.verify_chain() == []
