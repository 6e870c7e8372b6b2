"""Issue 15: cash tendered and change (找零) on the collect page, the receipt and its row; the clerk's staff
number as 收款人; the clerk's "my day" page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from counter.auth.services import UserError, set_staff_number
from counter.collection import services as svc
from counter.collection.models import Receipt
from counter.extensions import db


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html).group(1)


def _months(lease):
    start, _end = svc.lease_months(lease)
    return str(start), str(start.add(1))


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_tendered_rules_in_the_service(lease_a, users):
    first, last = _months(lease_a)
    total = svc.quote(lease_a, first, last).total_fen
    with pytest.raises(svc.CollectionError) as short:
        svc.collect(lease_a, first, last, "cash", None, "t-short", clerk=users["clerk_a"], tendered_fen=total - 1)
    assert short.value.field == "tendered"
    with pytest.raises(svc.CollectionError) as card:
        svc.collect(lease_a, first, last, "card", "POS1", "t-card", clerk=users["clerk_a"], tendered_fen=total)
    assert card.value.field == "tendered"
    db.session.rollback()
    exact = svc.collect(lease_a, first, first, "cash", None, "t-exact", clerk=users["clerk_a"])
    assert exact.tendered_fen == exact.total_fen and exact.change_fen == 0
    transfer = svc.collect(lease_a, last, last, "transfer", "TRF1", "t-trf", clerk=users["clerk_a"])
    assert transfer.tendered_fen is None and transfer.change_fen is None
    assert svc.change_due(1234, 10000) == svc.Decimal("87.66")
    db.session.commit()


def test_the_tendered_amount_is_frozen_once_issued(lease_a, users):
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    first, _last = _months(lease_a)
    r = svc.collect(lease_a, first, first, "cash", None, "t-db", clerk=users["clerk_a"], tendered_fen=None)
    db.session.commit()
    with pytest.raises(DBAPIError):  # frozen once issued (the receipt's guard covers the new column)
        db.session.execute(update(Receipt).where(Receipt.id == r.id).values(tendered_fen=r.total_fen + 100))
        db.session.flush()
    db.session.rollback()


def test_collect_with_change_through_the_form(clerk_client, lease_a, users):
    set_staff_number(users["clerk_a"], "ny-007")
    db.session.commit()
    first, last = _months(lease_a)
    html = clerk_client.get(f"/collection/lease/{lease_a.id}?first={first}&last={last}").get_data(as_text=True)
    assert 'id="tendered"' in html and 'id="change"' in html
    total = svc.quote(lease_a, first, last).total_fen
    data = {"first_month": first, "last_month": last, "method": "cash", "reference": "",
            "idempotency_key": _key(html)}
    short = clerk_client.post(f"/collection/lease/{lease_a.id}", data={**data, "tendered": _yuan(total - 1)})
    assert short.status_code == 422 and 'id="tendered-errors"' in short.get_data(as_text=True)
    bad = clerk_client.post(f"/collection/lease/{lease_a.id}", data={**data, "tendered": "1e5"})
    assert bad.status_code == 422 and db.session.scalar(select(Receipt.id)) is None
    tendered = (total // 10000 + 1) * 10000  # the next ¥100 note
    resp = clerk_client.post(f"/collection/lease/{lease_a.id}", data={**data, "tendered": _yuan(tendered)})
    assert resp.status_code == 302
    r = db.session.scalar(select(Receipt))
    assert r.tendered_fen == tendered and r.change_fen == tendered - total
    page = clerk_client.get(resp.headers["Location"]).get_data(as_text=True)
    change = re.search(r'id="change">([^<]+)<', page).group(1)
    assert change.replace(",", "").endswith(_yuan(tendered - total))
    assert "（NY-007）" in page  # 收款人: name and staff number
    # the print data carries tendered, change and 姓名（工号）
    data = svc.receipt_print_data(r)
    assert data["change"].replace(",", "").endswith(_yuan(tendered - total)) and data["clerk_name"].endswith("（NY-007）")


def test_staff_numbers_are_unique_and_set_by_the_admin(admin_client, users):
    resp = admin_client.post(f"/admin/users/{users['clerk_a'].id}/staff-number", data={"staff_number": "A-01"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(users["clerk_a"]), users["clerk_a"].id).staff_number == "A-01"
    taken = admin_client.post(f"/admin/users/{users['clerk_b'].id}/staff-number", data={"staff_number": "a-01"})
    assert taken.status_code == 303
    with pytest.raises(UserError):
        set_staff_number(users["clerk_b"], "A-01")
    assert admin_client.post(f"/admin/users/{users['clerk_b'].id}/staff-number",
                             data={"staff_number": "<x>"}).status_code == 303
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert 'value="A-01"' in page


def test_my_day_lists_only_the_clerks_own_records(clerk_client, app, lease_a, users):
    first, last = _months(lease_a)
    mine = svc.collect(lease_a, first, first, "cash", None, "md-1", clerk=users["clerk_a"])
    other = svc.collect(lease_a, last, last, "cash", None, "md-2", clerk=users["supervisor_a"])
    db.session.commit()
    html = clerk_client.get("/collection/my-day").get_data(as_text=True)
    assert 'href="/collection/my-day"' in html  # in the navigation
    assert mine.receipt_number in html and other.receipt_number not in html
    expected = re.search(r'id="cash-expected" data-fen="(\d+)"', html).group(1)
    assert int(expected) == mine.total_fen
    assert 'id="my-receipts-total"' in html
