"""Registration numbers are gap-free and unique when windows register at the same instant (PostgreSQL)."""
from __future__ import annotations

import threading

from sqlalchemy import select

from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.models import Lease
from counter.leases.services import register_lease

from leases_testlib import lease_input

WORKERS, PER_WORKER = 8, 50


def test_concurrent_registrations_get_consecutive_numbers(app, pg_only, streets):
    street_id = streets[0].id
    register_lease(lease_input(street_id, house_code="4403040019999999999000000"))  # parties exist already
    db.session.commit()
    errors, barrier = [], threading.Barrier(WORKERS)

    def worker(w: int):
        try:
            with app.app_context():
                barrier.wait()
                for i in range(PER_WORKER):
                    house = f"44030400{w:02d}00000000000{i:04d}"
                    register_lease(lease_input(street_id, house_code=house))
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    rows = db.session.execute(select(Lease.reg_seq, Lease.registration_code).where(
        Lease.street_id == street_id)).all()
    seqs = sorted(r.reg_seq for r in rows)
    assert len(seqs) == WORKERS * PER_WORKER + 1
    assert seqs == list(range(1, WORKERS * PER_WORKER + 2))  # distinct and consecutive: no gap
    assert len({r.registration_code for r in rows}) == len(rows)
    assert f"FT01-{business_today().year}-000401" in {r.registration_code for r in rows}
