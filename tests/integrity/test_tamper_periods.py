"""``counter ledger verify`` and the period dates (migration 0011, both databases): journal rows sealed with
version 2 seal their period dates; a date changed, a row turned into a version-1 row, period dates put on a
version-1 row, a receipt's span edited or a rent period claimed twice across shapes are found."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from counter.collection import services as svc
from counter.collection.integrity import verify_ledger
from counter.collection.models import JournalEntry
from counter.extensions import db

from tests.integrity.racelib import make_lease
from tests.integrity.tamperlib import tamper


@pytest.fixture
def receipt(app, users, streets):
    from counter.auth.models import User

    lease = make_lease(streets[0].id, start=date(2024, 3, 15), end=date(2024, 6, 30))
    r = svc.collect(lease, "2024-03-15", "2024-06-15", "cash", None, "p1", clerk=db.session.get(User, users["clerk_a"].id))
    db.session.commit()
    assert verify_ledger() == []
    return r


def _first_line(receipt) -> JournalEntry:
    return db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == receipt.id)
                              .order_by(JournalEntry.seq)).first()


def _problems() -> set[str]:
    return {p.problem for p in verify_ledger()}


def test_a_sealed_period_date_changed(app, receipt):
    line = _first_line(receipt)
    tamper(f"UPDATE journal_entry SET period_end = '2024-07-14' WHERE id = {line.id}")
    found = verify_ledger()
    assert {"row_hash", "receipt_journal"} <= {p.problem for p in found}, [str(p) for p in found]
    assert any("periods 2024-03-15..2024-07-14" in p.detail for p in found if p.problem == "row_hash")


def test_a_row_turned_into_version_1(app, receipt):
    line = _first_line(receipt)
    tamper(f"UPDATE journal_entry SET seal_version = 1, period_start = NULL, period_end = NULL WHERE id = {line.id}")
    assert "row_hash" in _problems()  # the stored seal is version 2's: a version-1 recomputation differs


def test_period_dates_on_a_version_1_row(app, receipt):
    line = _first_line(receipt)
    tamper(f"UPDATE journal_entry SET seal_version = 1 WHERE id = {line.id}")
    found = [p for p in verify_ledger() if p.problem == "seal_version"]
    assert found and "does not cover" in found[0].detail


def test_a_receipts_span_edited(app, receipt):
    tamper(f"UPDATE receipt SET period_end = '2024-07-14' WHERE id = {receipt.id}")
    assert {"receipt_journal", "receipt_audit", "receipt_periods"} <= _problems()


def test_a_rent_period_over_a_month_claimed_before(app, receipt):
    """A claim of another shape (a calendar month, as before rent periods) inserted behind the application's
    back over a rent period already held: the overlap is reported as paid twice."""
    from counter.collection.models import Receipt

    other = db.session.get(Receipt, receipt.id)
    tamper("INSERT INTO receipt_period (street_id, lease_id, receipt_id, period_start, period_end, is_repeat) "
           f"SELECT street_id, lease_id, id, '2024-04-01', '2024-04-30', false FROM receipt WHERE id = {other.id}")
    assert "paid_twice" in _problems()
