"""Collection pages through the test client: collect, double POST, 422 on bad input, isolation, void,
day close with a blind count, CLI."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from counter.collection import services as svc
from counter.collection.models import DayClose, JournalEntry, Receipt
from counter.core.timeutil import business_today
from counter.extensions import db


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html).group(1)


def _months(lease):
    start, _end = svc.lease_months(lease)
    return str(start), str(start.add(1))


def test_collect_page_shows_breakdown_and_key(clerk_client, lease_a):
    first, last = _months(lease_a)
    resp = clerk_client.get(f"/collection/lease/{lease_a.id}?first={first}&last={last}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    quote = svc.quote(lease_a, first, last)
    assert "¥" in html and _key(html)
    assert 'autofocus' in html
    for item in quote.items:
        assert item.name_zh in html


def test_double_post_charges_once(clerk_client, lease_a):
    first, last = _months(lease_a)
    html = clerk_client.get(f"/collection/lease/{lease_a.id}?first={first}&last={last}").get_data(as_text=True)
    data = {"first_month": first, "last_month": last, "method": "cash", "reference": "",
            "idempotency_key": _key(html)}
    r1 = clerk_client.post(f"/collection/lease/{lease_a.id}", data=data)
    r2 = clerk_client.post(f"/collection/lease/{lease_a.id}", data=data)
    assert r1.status_code == r2.status_code == 302
    assert r1.headers["Location"] == r2.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1
    receipt = db.session.scalar(select(Receipt))
    assert db.session.scalar(select(func.sum(JournalEntry.amount_fen))) == receipt.total_fen
    page = clerk_client.get(r1.headers["Location"])
    assert page.status_code == 200 and receipt.receipt_number in page.get_data(as_text=True)


def test_bad_input_is_422_keeps_values_and_saves_nothing(clerk_client, lease_a):
    first, last = _months(lease_a)
    data = {"first_month": first, "last_month": last, "method": "card", "reference": "",
            "idempotency_key": "a" * 32}
    resp = clerk_client.post(f"/collection/lease/{lease_a.id}", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "请输入支付流水号" in html  # the field error, in Chinese
    assert 'value="card" selected' in html or 'selected value="card"' in html
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 0


def test_repeat_months_through_the_form_need_reason(clerk_client, lease_a, users):
    first, last = _months(lease_a)
    svc.collect(lease_a, first, last, "cash", None, "k0", clerk=users["clerk_a"])
    data = {"first_month": first, "last_month": last, "method": "cash", "idempotency_key": "b" * 32}
    resp = clerk_client.post(f"/collection/lease/{lease_a.id}", data=data)
    assert resp.status_code == 422
    assert first in resp.get_data(as_text=True)
    data["repeat_reason"] = "重复缴纳：房东要求"
    resp = clerk_client.post(f"/collection/lease/{lease_a.id}", data=data)
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 2


def test_other_street_gets_404(app, users, login, lease_a):
    r = svc.collect(lease_a, *_months(lease_a), "cash", None, "k0", clerk=users["clerk_a"])
    db.session.commit()
    c = app.test_client()
    login(c, "clerk_b")
    assert c.get(f"/collection/receipt/{r.id}").status_code == 404
    assert c.get(f"/collection/lease/{lease_a.id}").status_code == 404
    assert r.receipt_number not in c.get("/collection/").get_data(as_text=True)


def test_clerk_cannot_void_supervisor_can(clerk_client, supervisor_client, lease_a, users):
    r = svc.collect(lease_a, *_months(lease_a), "cash", None, "k0", clerk=users["clerk_a"])
    db.session.commit()
    assert clerk_client.post(f"/collection/receipt/{r.id}/void", data={"reason": "x"}).status_code == 403
    resp = supervisor_client.post(f"/collection/receipt/{r.id}/void", data={"reason": ""})
    assert resp.status_code == 422
    resp = supervisor_client.post(f"/collection/receipt/{r.id}/void", data={"reason": "收错租约"})
    assert resp.status_code == 302
    db.session.expire_all()
    r = db.session.get(Receipt, r.id)
    assert r.status == "void" and svc.receipt_balance(r) == 0
    html = supervisor_client.get(f"/collection/receipt/{r.id}").get_data(as_text=True)
    assert "收错租约" in html


def test_day_close_blind_count_then_figures(clerk_client, supervisor_client, lease_a, users):
    r = svc.collect(lease_a, *_months(lease_a), "cash", None, "k0", clerk=users["clerk_a"])
    db.session.commit()
    step1 = clerk_client.get("/collection/day-close")
    assert step1.status_code == 200
    html = step1.get_data(as_text=True)
    from counter.core.i18n import money

    with clerk_client.application.test_request_context():
        shown = money(r.total_fen)
    assert shown not in html  # blind: the expected cash is not shown before the count
    assert clerk_client.post("/collection/day-close", data={"counted_cash": "abc"}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(DayClose)) == 0
    counted = f"{(r.total_fen - 500) // 100}.{(r.total_fen - 500) % 100:02d}"
    # step 2: the figures, nothing written yet; a shortfall is a warning, never a success
    review = clerk_client.post("/collection/day-close", data={"counted_cash": counted, "action": "review"})
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert shown in page and 'id="variance" data-fen="-500"' in page and "badge bad" in page
    assert f'name="expected_cash" type="hidden" value="{r.total_fen}"' in page
    assert db.session.scalar(select(func.count()).select_from(DayClose)) == 0
    confirm = {"counted_cash": counted, "action": "confirm", "expected_cash": str(r.total_fen)}
    refused = clerk_client.post("/collection/day-close", data=confirm)  # no note, no confirmation
    assert refused.status_code == 422 and 'id="note-errors"' in refused.get_data(as_text=True)
    assert 'id="confirm_shortfall-errors"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DayClose)) == 0
    # a recount goes back to the blind count
    recount = clerk_client.post("/collection/day-close", data={**confirm, "action": "recount"})
    assert recount.status_code == 200 and shown not in recount.get_data(as_text=True)
    # the expected cash the clerk saw differs from the journal's: refused, the fresh figures shown
    stale = clerk_client.post("/collection/day-close", data={**confirm, "expected_cash": "1", "note": "x",
                                                             "confirm_shortfall": "y"})
    assert stale.status_code == 422 and db.session.scalar(select(func.count()).select_from(DayClose)) == 0
    resp = clerk_client.post("/collection/day-close", data={**confirm, "note": "少收5元找零", "confirm_shortfall": "y"})
    assert resp.status_code == 302
    dc = db.session.scalar(select(DayClose))
    assert dc.variance_fen == -500 and dc.expected_cash_fen == r.total_fen and dc.variance_note == "少收5元找零"
    page = clerk_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert shown in page and 'class="warning"' in page and "badge bad" in page and 'id="receipts-total"' in page
    # the collect page says the day is closed before anything is typed, with no enabled form
    collect_page = clerk_client.get(f"/collection/lease/{lease_a.id}").get_data(as_text=True)
    assert 'id="day-closed"' in collect_page and "<fieldset class=\"plain\" disabled>" in collect_page
    # posting to the closed day is refused through the form too
    start, _ = svc.lease_months(lease_a)
    m = str(start.add(2))
    resp = clerk_client.post(f"/collection/lease/{lease_a.id}",
                             data={"first_month": m, "last_month": m, "method": "cash", "idempotency_key": "c" * 32})
    assert resp.status_code == 422
    # the note was given with the close (it may still be changed before the supervisor signs)
    assert clerk_client.post(f"/collection/day-close/{dc.id}/note", data={"note": "少收5元找零，已补"}).status_code == 302
    assert supervisor_client.post(f"/collection/day-close/{dc.id}/sign").status_code == 302
    assert supervisor_client.post(f"/collection/day-close/{dc.id}/reopen", data={"reason": "补录"}).status_code == 302
    db.session.expire_all()
    dc = db.session.get(DayClose, dc.id)
    assert dc.status == "reopened" and dc.business_date == business_today()


def test_nav_and_receipts_list(clerk_client, lease_a, users):
    svc.collect(lease_a, *_months(lease_a), "mobile", "WX-998", "k0", clerk=users["clerk_a"])
    db.session.commit()
    html = clerk_client.get("/collection/?q=WX-998").get_data(as_text=True)
    assert "/collection/day-close" in html and "R20" in html


def test_cli_verify(app, lease_a, users, backend):
    svc.collect(lease_a, *_months(lease_a), "cash", None, "k0", clerk=users["clerk_a"])
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "OK" in result.output
    from tests.collection.test_services import _tamper

    _tamper(backend, "UPDATE journal_entry SET item_name_zh = 'x' WHERE seq = 1")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "seq 1" in result.output and "BROKEN" in result.output


def test_lease_page_offers_collect_tax(clerk_client, lease_a):
    html = clerk_client.get(f"/leases/{lease_a.id}").get_data(as_text=True)
    assert f"/collection/lease/{lease_a.id}" in html and "代征税款" in html
