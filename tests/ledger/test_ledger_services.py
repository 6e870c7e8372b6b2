"""Ledger services: filters, summaries equal to the journal, overview, remittance position, statistics."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from counter.audit.models import AuditEntry
from counter.collection.models import JournalEntry
from counter.core.scoping import scoped_to
from counter.extensions import db
from counter.ledger import services as S
from ledger_testlib import make_lease, make_receipt, seed_two_streets


@pytest.fixture
def data(app, streets, users):
    return seed_two_streets(streets, users)


def _journal_sum(**where):
    stmt = select(func.coalesce(func.sum(JournalEntry.amount_fen), 0))
    for k, v in where.items():
        stmt = stmt.where(getattr(JournalEntry, k) == v)
    return db.session.scalar(stmt)


def test_filters_by_date_clerk_item_method_and_street(data, streets, users):
    a, b = streets[0].id, streets[1].id
    everything = S.ledger_query(S.LedgerFilters())
    assert everything.total_fen == _journal_sum() == 3100 + 400 + 2050
    assert everything.count == 11  # 9 collection lines and the 2 reversal lines of the void receipt
    march_a = S.ledger_query(S.LedgerFilters(street_id=a, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))
    assert march_a.total_fen == 3100
    assert {e.receipt_id for e in march_a.entries} == {data[k].id for k in ("r1", "r2", "r3", "r4")}
    by_clerk = S.ledger_query(S.LedgerFilters(clerk_id=users["supervisor_a"].id))
    assert by_clerk.total_fen == 700 and by_clerk.count == 1
    vat = S.ledger_query(S.LedgerFilters(item="vat", street_id=a))
    assert vat.total_fen == 1000 + 700 + 900 + 400  # the void VAT line nets the mobile one to zero
    cards = S.ledger_query(S.LedgerFilters(method="card"))
    assert cards.total_fen == 1500 + 400 + 2000
    assert cards.by_method == {"card": 3900}
    mobile = S.ledger_query(S.LedgerFilters(method="mobile"))
    assert mobile.total_fen == 0 and mobile.count == 4  # collection and reversal lines both listed
    only_b = S.ledger_query(S.LedgerFilters(street_id=b))
    assert only_b.total_fen == 2050
    assert sum(it.amount_fen for it in everything.by_item) == everything.total_fen
    assert sum(everything.by_method.values()) == everything.total_fen


def test_street_scope_limits_every_aggregate(data, streets):
    a, b = streets[0].id, streets[1].id
    with scoped_to((b,)):
        res = S.ledger_query(S.LedgerFilters())
        assert res.total_fen == 2050
        assert {e.street_id for e in res.entries} == {b}
        assert S.ledger_query(S.LedgerFilters(street_id=a)).total_fen == 0  # asking for A gives nothing
        assert S.monthly_summary(a, 2026, 3).total_fen == 0
        assert [s.id for s in S.district_overview(2026).streets] == [b]
        assert S.position(a, 2026).collected_fen == 0
        assert [r.street.id for r in S.annual_statistics(2026).rows] == [b]


def test_daily_and_monthly_summaries_sum_to_the_journal(data, streets):
    a = streets[0].id
    s = S.monthly_summary(a, 2026, 3)
    assert s.total_fen == _journal_sum(street_id=a) - 400 == 3100
    assert s.receipts == 4 and s.reversed_receipts == 1
    assert {it.item: it.amount_fen for it in s.by_item} == {"vat": 2600, "property_tax": 500}
    assert s.by_method == {"cash": 700, "card": 1500, "mobile": 0, "transfer": 900}
    assert sum(d.total_fen for d in s.days) == s.total_fen
    assert [(d.day.day, d.receipts, d.total_fen) for d in s.days] == [(2, 2, 2200), (3, 1, 0), (20, 1, 900)]
    d = S.daily_summary(a, date(2026, 3, 2), date(2026, 3, 2))
    assert (d.total_fen, d.receipts, d.by_method) == (2200, 2, {"cash": 700, "card": 1500})
    all_streets = S.daily_summary(None, date(2026, 3, 1), date(2026, 4, 30))
    assert all_streets.total_fen == _journal_sum() and all_streets.receipts == 7


def test_district_overview_covers_every_street_per_month(data, streets):
    ov = S.district_overview(2026)
    assert len(ov.streets) == 10
    a, b = streets[0].id, streets[1].id
    assert ov.amount(a, 3) == 3100 and ov.amount(a, 4) == 400 and ov.amount(b, 3) == 2050
    assert ov.amount(streets[5].id, 3) == 0
    assert ov.total_fen == _journal_sum()
    assert ov.month_total(3) == 5150 and ov.street_total(a) == 3500
    assert S.district_overview(2025).total_fen == 0


def test_remittance_and_outstanding(data, streets, users):
    a = streets[0].id
    march = (date(2026, 3, 1), date(2026, 3, 31))
    assert S.position(a, march).outstanding_fen == 3100
    r = S.record_remittance(a, *march, 2000, "国库2026-03-01", date(2026, 4, 2))
    p = S.position(a, march)
    assert (p.collected_fen, p.remitted_fen, p.outstanding_fen) == (3100, 2000, 1100)
    assert S.position(a, 2026).outstanding_fen == 3500 - 2000
    assert S.position(a).remitted_fen == 2000
    with pytest.raises(S.LedgerError) as exc:
        S.record_remittance(a, *march, 1101, "too much", date(2026, 4, 2))
    assert exc.value.field == "amount"
    with pytest.raises(S.LedgerError):
        S.record_remittance(a, date(2026, 3, 31), date(2026, 3, 1), 10, "x", date(2026, 4, 2))
    with pytest.raises(S.LedgerError):
        S.record_remittance(a, *march, 0, "x", date(2026, 4, 2))
    # a correction is a reversing remittance: the original row stays
    rev = S.reverse_remittance(r.id, "wrong amount")
    assert rev.amount_fen == -2000 and rev.reverses_id == r.id
    assert S.position(a, march).outstanding_fen == 3100
    with pytest.raises(S.LedgerError):
        S.reverse_remittance(r.id, "again")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("ledger.remittance%"))).all()
    assert actions == ["ledger.remittance.record", "ledger.remittance.reverse"]
    db.session.commit()


def test_remittances_are_append_only(data, streets):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    S.record_remittance(streets[0].id, date(2026, 3, 1), date(2026, 3, 31), 100, "R", date(2026, 4, 1))
    db.session.commit()
    for sql in ("UPDATE remittance SET amount_fen = 1", "DELETE FROM remittance"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(sql))
        db.session.rollback()
    assert db.session.scalar(text("SELECT amount_fen FROM remittance")) == 100


def test_annual_statistics_match_hand_made_data(app, streets, users):
    a, b = streets[0], streets[1]
    clerk = users["clerk_a"]
    # street A: three filings in 2025, one in 2024 still valid, one filed in 2026 (not in 2025)
    l1 = make_lease(a, registered_on=date(2025, 1, 10), area_centi=5000, end=date(2026, 1, 9))
    make_lease(a, registered_on=date(2025, 6, 1), area_centi=7025, end=date(2025, 11, 30))  # expired by 31 Dec
    make_lease(a, registered_on=date(2025, 7, 1), area_centi=3000, end=date(2026, 6, 30), status="terminated",
               ended_on=date(2025, 10, 31))  # terminated before 31 Dec: filed, not valid
    make_lease(a, registered_on=date(2024, 3, 1), area_centi=12000, end=date(2027, 2, 28))  # valid, filed in 2024
    make_lease(a, registered_on=date(2026, 1, 2), area_centi=9999, start=date(2025, 12, 1))  # filed later
    # street B: one filing, cancelled in 2026 (valid on 31 Dec 2025), one cancelled in 2025
    make_lease(b, registered_on=date(2025, 12, 1), area_centi=8000, status="cancelled", cancelled_on=date(2026, 1, 5))
    make_lease(b, registered_on=date(2025, 2, 1), area_centi=1000, status="cancelled", cancelled_on=date(2025, 3, 1))
    make_receipt(l1, clerk, day=date(2025, 2, 1), lines={"vat": 12345})
    make_receipt(l1, clerk, day=date(2025, 3, 1), lines={"vat": 555}, status="refunded")
    make_receipt(l1, clerk, day=date(2026, 1, 1), lines={"vat": 999})  # not 2025
    db.session.commit()
    st = S.annual_statistics(2025)
    assert st.on == date(2025, 12, 31)
    rows = {r.street.id: r for r in st.rows}
    ra, rb = rows[a.id], rows[b.id]
    assert (ra.filings, ra.filing_area_centi) == (3, 5000 + 7025 + 3000)
    assert ra.tax_fen == 12345
    assert (ra.valid_leases, ra.valid_area_centi) == (2, 5000 + 12000)
    assert (rb.filings, rb.filing_area_centi, rb.tax_fen) == (2, 9000, 0)
    assert (rb.valid_leases, rb.valid_area_centi) == (1, 8000)
    assert (st.total.filings, st.total.filing_area_centi, st.total.tax_fen) == (5, 24025, 12345)
    assert (st.total.valid_leases, st.total.valid_area_centi) == (3, 25000)
    later = S.annual_statistics(2025, on=date(2026, 1, 10))
    lrows = {r.street.id: r for r in later.rows}
    assert lrows[a.id].valid_leases == 2 and lrows[a.id].valid_area_centi == 12000 + 9999
    assert lrows[b.id].valid_leases == 0


def test_money_outside_a_request_is_exact_without_float(app):
    """The reconciliation hint's amount outside a request (CLI): Decimal, never float (1e17 fen loses a fen)."""
    assert S._fmt_money(123456) == "1234.56"
    assert S._fmt_money(-5) == "-0.05"
    assert S._fmt_money(10**17 + 1) == "1000000000000000.01"
