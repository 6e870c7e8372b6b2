"""The lease page is the whole story (issue 15): receipts with their periods and status, unpaid periods,
printed documents (originals, reprints, void, superseded), the next actions; terminating or cancelling a
lease with collected tax shows the amount and the periods after the end, with links to the refund."""
from __future__ import annotations

import re
from datetime import timedelta

from counter.extensions import db

from .test_scan import _lease


def _collect_two(lease, users):
    from counter.collection import services as collection

    first, _last = collection.lease_months(lease)
    r1 = collection.collect(lease, str(first), str(first), "cash", None, "story-1", clerk=users["clerk_a"])
    r2 = collection.collect(lease, str(first.add(1)), str(first.add(1)), "cash", None, "story-2",
                            clerk=users["clerk_a"])
    return r1, r2


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_lease_page_shows_receipts_unpaid_periods_documents_and_next_steps(app, streets, users, clerk_client):
    from counter.collection import services as collection
    from counter.documents import services as documents
    from counter.leases.services import amend_lease

    lease = _lease(streets[0].id)
    db.session.commit()
    page = clerk_client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert 'id="next-collect"' in page and 'id="next-print"' in page  # nothing paid, nothing printed
    assert "尚未代征" in page or "No tax collected" in page

    r1, r2 = _collect_two(lease, users)
    cert = documents._new_document("certificate", lease.street_id, holder_name="李娜", lease=lease)
    copy = documents._new_document("certificate", lease.street_id, holder_name="李娜", lease=lease,
                                   original=cert, reason="原件污损")
    db.session.commit()
    html = clerk_client.get(f"/leases/{lease.id}").get_data(as_text=True)
    receipts = html.split('id="lease-receipts"')[1].split("</table>")[0]
    assert r1.receipt_number in receipts and r2.receipt_number in receipts
    p1 = collection.lease_periods(lease)[0]
    assert f"{p1.start.year}年{p1.start.month}月{p1.start.day}日" in receipts  # the period, a locale date
    assert 'id="next-print"' not in html  # the certificate of this version exists
    docs = html.split('id="lease-documents"')[1].split("</table>")[0]
    assert cert.doc_number in docs and copy.doc_number in docs and "第 1 次补打" in docs and "有效" in docs
    unpaid = html.split('id="unpaid"')[1].split("</p>")[0]
    assert str(len(collection.lease_periods(lease)) - 2) in unpaid

    amend_lease(lease, {"monthly_rent_fen": 460000}, "租金调整")
    db.session.commit()
    docs = clerk_client.get(f"/leases/{lease.id}").get_data(as_text=True).split('id="lease-documents"')[1]
    assert docs.count("已被取代") >= 2  # both prints of version 1


def test_terminating_and_cancelling_show_the_tax_after_the_end_and_link_to_the_refund(app, streets, users,
                                                                                       clerk_client,
                                                                                       supervisor_client):
    from counter.collection import services as collection

    lease = _lease(streets[0].id)
    r1, r2 = _collect_two(lease, users)
    db.session.commit()
    periods = collection.lease_periods(lease)
    day = periods[0].end  # the last day of the first period: the second is after the end
    second = collection.receipt_stories(lease)[0]
    assert second.receipt.id == r2.id and second.amount_fen == r2.total_fen > 0

    form = supervisor_client.get(f"/leases/{lease.id}/terminate").get_data(as_text=True)
    assert 'id="refund-warning"' in form and r2.receipt_number in form  # periods after today
    resp = supervisor_client.post(f"/leases/{lease.id}/terminate",
                                  data={"effective_date": day.isoformat(), "reason": "提前退租"})
    assert resp.status_code == 302
    held = collection.collected_after(db.session.get(type(lease), lease.id), day)
    assert [s.receipt.id for s in held] == [r2.id]
    page = supervisor_client.get(f"/leases/{lease.id}").get_data(as_text=True)
    warning = _text(page.split('id="refund-warning"')[1].split("</div>")[0])
    assert r2.receipt_number in warning and r1.receipt_number not in warning
    from counter.core.i18n import money

    with app.test_request_context():
        amount = money(r2.total_fen)
    assert amount in warning
    assert f'/collection/receipt/{r2.id}#correct' in page

    resp = supervisor_client.post(f"/leases/{lease.id}/cancel", data={"reason": "注销"})
    assert resp.status_code == 302
    page = supervisor_client.get(f"/leases/{lease.id}").get_data(as_text=True)
    warning = _text(page.split('id="refund-warning"')[1].split("</div>")[0])
    assert r1.receipt_number in warning and r2.receipt_number in warning
    with app.test_request_context():
        total = money(r1.total_fen + r2.total_fen)
    assert total in warning
