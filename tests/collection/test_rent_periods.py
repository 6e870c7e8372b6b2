"""Collecting by rent period (issue 13 phase 2): a 12-month lease has exactly 12 periods and is taxed on 12
full ones; a short last period is prorated; receipts and journal lines record the period dates; a schedule
change inside one collection is computed period by period; the collect page picks periods by their dates."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

import fees
from counter.collection import services as svc
from counter.collection.integrity import SEAL_VERSION, verify_ledger
from counter.collection.models import JournalEntry, ReceiptPeriod
from counter.extensions import db

from .conftest import make_lease


def _lines(receipt):
    return db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == receipt.id)
                              .order_by(JournalEntry.seq)).all()


def test_a_twelve_month_lease_is_taxed_on_twelve_full_periods(streets, users):
    lease = make_lease(streets[0], start=date(2024, 3, 15), end=date(2025, 3, 14))
    periods = svc.lease_periods(lease)
    assert len(periods) == 12 and not any(p.short for p in periods)
    assert svc.lease_months(lease) == (periods[0].month, periods[-1].month)  # 2024-03 .. 2025-02, not 2025-03
    one = svc.quote(lease, "2024-03-15", "2024-03-15")
    whole = svc.quote(lease, "2024-03-15", "2025-02-15")
    assert len(whole.months) == 12 and whole.total_fen == 12 * one.total_fen
    with pytest.raises(svc.CollectionError) as err:  # the 13th calendar month is no period of this lease
        svc.quote(lease, "2024-03", "2025-03")
    assert err.value.field == "last_month"
    with pytest.raises(svc.CollectionError) as err:  # a date that starts no period
        svc.quote(lease, "2024-03-01", "2024-03-15")
    assert err.value.field == "first_month" and "2024年3月15日 至 2024年4月14日" in err.value.message

    r = svc.collect(lease, "2024-03-15", "2025-02-15", "cash", None, "twelve", clerk=users["clerk_a"])
    db.session.commit()
    assert (r.period_start, r.period_end, r.first_month, r.last_month) == \
        (date(2024, 3, 15), date(2025, 3, 14), "2024-03", "2025-02")
    assert r.total_fen == 12 * one.total_fen
    claims = db.session.execute(select(ReceiptPeriod.period_start, ReceiptPeriod.period_end)
                                .where(ReceiptPeriod.receipt_id == r.id).order_by(ReceiptPeriod.period_start)).all()
    assert [tuple(c) for c in claims] == [(p.start, p.end) for p in periods]
    assert {(e.seal_version, e.period_start, e.period_end) for e in _lines(r)} == \
        {(SEAL_VERSION, date(2024, 3, 15), date(2025, 3, 14))}
    assert svc.unpaid_periods(lease) == [] and len(svc.paid_periods(lease)) == 12
    # a reversal line carries the receipt's span too
    svc.void_receipt(r, "录入错误", actor=users["supervisor_a"])
    db.session.commit()
    assert {(e.period_start, e.period_end) for e in _lines(r)} == {(date(2024, 3, 15), date(2025, 3, 14))}
    assert len(svc.unpaid_periods(lease)) == 12
    assert verify_ledger() == []


def test_the_short_last_period_is_prorated_at_the_window(streets, users):
    lease = make_lease(streets[0], start=date(2024, 3, 15), end=date(2024, 6, 30))
    last = svc.lease_periods(lease)[-1]
    assert (last.start, last.end, last.days, last.full_days) == (date(2024, 6, 15), date(2024, 6, 30), 16, 30)
    a = svc.quote(lease, "2024-06", "2024-06")
    assert a.months[0].prorated and a.months[0].rent_fen == 186667  # 3,500 x 16 / 30 = 1,866.67
    r = svc.collect(lease, "2024-06-15", "2024-06-15", "cash", None, "short", clerk=users["clerk_a"])
    db.session.commit()
    assert (r.period_start, r.period_end) == (date(2024, 6, 15), date(2024, 6, 30)) and r.total_fen == a.total_fen
    assert verify_ledger() == []


def test_a_schedule_change_inside_a_rent_period_collection(streets, users):
    """¥120,000 a month from 2022-11-15: the periods starting 2022-11-15 and 2022-12-15 are taxed under
    itemised-2021-04 (VAT exempt up to ¥150,000) - the second although it ends in 2023 - those from
    2023-01-15 under itemised-2023-01 (VAT charged above ¥100,000). Figures: the hand-worked case
    "rent-periods-across-the-2023-01-threshold" (tests/fees/test_fees_handworked.py)."""
    lease = make_lease(streets[0], rent_fen=12_000_000, start=date(2022, 11, 15), end=date(2023, 11, 14))
    r = svc.collect(lease, "2022-11-15", "2023-02-15", "transfer", "TR0001", "change", clerk=users["clerk_a"])
    db.session.commit()
    a = svc.quote(lease, "2022-11-15", "2023-02-15")
    assert [(m.period.start, m.schedule_id) for m in a.months] == [
        (date(2022, 11, 15), "itemised-2021-04"), (date(2022, 12, 15), "itemised-2021-04"),
        (date(2023, 1, 15), "itemised-2023-01"), (date(2023, 2, 15), "itemised-2023-01")]
    assert r.total_fen == a.total_fen == 4_972_524  # 2 x 11,808.00 + 2 x 13,054.62
    by_item = {}
    for e in _lines(r):
        by_item[e.item] = by_item.get(e.item, 0) + e.amount_fen
    assert by_item["vat"] == 2 * 171_429 and by_item["property_tax"] == 2 * 240_000 + 2 * 228_571
    rows = [(row.item, row.period("zh"), row.count) for row in fees.breakdown(a).rows
            if row.item == "property_tax"]
    assert rows == [("property_tax", "2022-11-15至2023-01-14", 2), ("property_tax", "2023-01-15至2023-03-14", 2)]
    assert verify_ledger() == []


def test_the_collect_page_picks_periods_by_their_dates(clerk_client, streets, users):
    lease = make_lease(streets[0], start=date(2024, 3, 15), end=date(2024, 6, 30))
    db.session.commit()
    svc.collect(lease, "2024-03", "2024-03", "cash", None, "first", clerk=users["clerk_a"])
    db.session.commit()
    html = clerk_client.get(f"/collection/lease/{lease.id}").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="([\d-]+)"[^>]*>([^<]*)</option>', html)
    assert ("2024-03-15", "2024年3月15日 至 2024年4月14日 （已缴）") in options
    assert ("2024-06-15", "2024年6月15日 至 2024年6月30日 （16/30 天）") in options
    assert re.search(r'<option selected value="2024-04-15">|<option value="2024-04-15" selected>', html)  # the next
    assert "2024年3月15日 至 2024年4月14日" in re.search(r'id="paid-periods">(.*?)</p>', html, re.S).group(1)
    html = clerk_client.get(f"/collection/lease/{lease.id}?first=2024-06-15&last=2024-06-15").get_data(as_text=True)
    assert "不足一期，按日折算" in html and "16/30" in html
    key = re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html).group(1)
    assert 'name="first_month" type="hidden" value="2024-06-15"' in html
    resp = clerk_client.post(f"/collection/lease/{lease.id}", data={
        "first_month": "2024-06-15", "last_month": "2024-06-15", "method": "cash", "reference": "",
        "idempotency_key": key, "repair_cost": "0"})
    assert resp.status_code == 302
    page = clerk_client.get(resp.location).get_data(as_text=True)
    assert re.search(r'id="receipt-periods">2024年6月15日 至 2024年6月30日<', page)
    # an already paid period asks for a reason, naming it by its dates
    resp = clerk_client.post(f"/collection/lease/{lease.id}", data={
        "first_month": "2024-03-15", "last_month": "2024-03-15", "method": "cash", "reference": "",
        "idempotency_key": "a" * 32, "repair_cost": "0"})
    assert resp.status_code == 422 and "已缴期间：2024年3月15日 至 2024年4月14日" in resp.get_data(as_text=True)
