"""The serial mechanism behind registration, receipt and document numbers (counter.core.serials) is
gap-free under concurrency, including when some transactions roll back (PostgreSQL)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import Integer, String, UniqueConstraint, select

from counter.core.serials import next_serial
from counter.extensions import db

WORKERS, PER_WORKER = 8, 40


class IssuedNumber(db.Model):
    """A throwaway table recording each committed number (created per test, not migrated)."""

    __tablename__ = "probe_issued_number"
    __table_args__ = (UniqueConstraint("kind", "value"),)
    id = db.Column(Integer, primary_key=True)
    kind = db.Column(String(16), nullable=False)
    value = db.Column(Integer, nullable=False)


@pytest.mark.parametrize("kind", ["document", "receipt"])
def test_numbers_are_gap_free_with_rollbacks(app, pg_only, streets, kind, owner_table):
    street_id = streets[0].id
    db.session.commit()
    owner_table(IssuedNumber.__table__)
    errors, barrier = [], threading.Barrier(WORKERS)

    def worker(w: int):
        try:
            with app.app_context():
                barrier.wait()
                for i in range(PER_WORKER):
                    value = next_serial(kind, street_id, 2026)
                    db.session.add(IssuedNumber(kind=kind, value=value))
                    if (w + i) % 5 == 0:
                        db.session.rollback()  # a failed print/collection gives its number back
                    else:
                        db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    try:
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        values = sorted(db.session.scalars(select(IssuedNumber.value).where(IssuedNumber.kind == kind)))
        committed = sum(1 for w in range(WORKERS) for i in range(PER_WORKER) if (w + i) % 5 != 0)
        assert values == list(range(1, committed + 1))  # unique, consecutive, no gap left by rollbacks
    finally:
        db.session.rollback()
