"""Printing through the HTTP routes: each document's key fields in pdftotext (Chinese), the barcode and the
QR read back with zbar, reprints (补打) keeping the original date, the register, batch printing, street
isolation, permissions, bad input (422, nothing saved) and the injection test."""
from __future__ import annotations

import re
import zlib
from datetime import timedelta

from sqlalchemy import func, select

from counter.core.timeutil import business_today
from counter.documents import services
from counter.documents.models import PrintedDocument
from counter.extensions import db
from printing.render import cn_date
from printing.tokens import verify_token

from .conftest import make_lease, needs_tools, pdf_pages, pdf_text, squash, zbar


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(PrintedDocument))


def _last() -> PrintedDocument:
    return db.session.scalar(select(PrintedDocument).order_by(PrintedDocument.id.desc()))


def _assert_pdf(resp, doc):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:1000]
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == f'inline; filename="{doc.doc_number}.pdf"'
    assert resp.data.startswith(b"%PDF")


def _assert_codes(pdf, doc, tmp_path):
    codes = zbar(pdf, tmp_path)
    assert ("CODE-128", doc.doc_number) in codes
    qr = [data for kind, data in codes if kind == "QR-Code"]
    url = services.verify_url(doc)
    assert len(qr) == 1 and qr[0].startswith(url + "#t=")
    claims = verify_token(services.keys.public_key(), qr[0].split("#t=", 1)[1])
    assert claims["n"] == doc.doc_number and claims["k"] == doc.kind and claims["i"] == doc.issue_date.isoformat()


@needs_tools
def test_certificate_key_fields_barcode_and_qr(clerk_client, lease_a, tmp_path):
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    doc = _last()
    _assert_pdf(resp, doc)
    assert doc.kind == "certificate" and doc.lease_id == lease_a.id and doc.reprint_no == 0
    assert doc.doc_number == f"DOC-FT01-{business_today().year}-000001"
    assert doc.holder_name == "李娜" and doc.lease_version == lease_a.version
    text = squash(pdf_text(resp.data, tmp_path))
    for expected in ("房屋租赁凭证", lease_a.registration_number, lease_a.premises.house_code, "李娜", "王建国",
                     "住宅", "¥4,500.00", "88.50", "有效", doc.doc_number, cn_date(lease_a.signing_date),
                     "福田区南园街道房屋租赁管理所", "原件"):
        assert expected in text, expected
    tenant_id = lease_a.tenants[0].party.id_number
    assert tenant_id not in text and f"{tenant_id[:4]}**********{tenant_id[-4:]}" in text  # ID partly masked
    _assert_codes(resp.data, doc, tmp_path)


@needs_tools
def test_info_slip_for_a_chosen_tenant_a5(clerk_client, streets, users, tmp_path):
    lease = make_lease(streets[0].id, tenants=["李娜", "陈小明"], has_title=False)
    second = lease.tenants[1]
    form = clerk_client.get(f"/documents/lease/{lease.id}/slip")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "学位申请" in html and "陈小明" in html and 'selected value="A4"' in html
    resp = clerk_client.post(f"/documents/lease/{lease.id}/slip",
                             data={"tenant": second.party_id, "purpose": "学位申请", "paper": "A5"})
    doc = _last()
    _assert_pdf(resp, doc)
    assert (doc.kind, doc.holder_name, doc.holder_party_id, doc.purpose, doc.paper) == \
        ("info_slip", "陈小明", second.party_id, "学位申请", "A5")
    text = squash(pdf_text(resp.data, tmp_path))
    for expected in ("房屋租赁信息", "陈小明", "学位申请", lease.premises.house_code, "住宅", "王*国",
                     cn_date(lease.registered_on), cn_date(lease.signing_date), cn_date(lease.start_date),
                     cn_date(lease.end_date), "南园街道", "有效"):
        assert expected in text, expected
    assert "李娜" not in text  # one named tenant only
    _assert_codes(resp.data, doc, tmp_path)


@needs_tools
def test_slip_for_terminated_lease_states_its_status(clerk_client, lease_a, tmp_path):
    from counter.leases.services import terminate_lease

    terminate_lease(lease_a, business_today(), "提前解除")
    db.session.commit()
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/slip",
                             data={"tenant": lease_a.tenants[0].party_id, "purpose": "学位申请", "paper": "A4"})
    assert resp.status_code == 200
    assert "已解除" in squash(pdf_text(resp.data, tmp_path))


def test_slip_bad_input_is_422_keeps_values_saves_nothing(clerk_client, lease_a):
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/slip",
                             data={"tenant": lease_a.tenants[0].party_id, "purpose": "  ", "paper": "A5"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "请填写开具用途。" in html and 'selected value="A5"' in html
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/slip",
                             data={"tenant": 999999, "purpose": "学位申请", "paper": "A4"})
    assert resp.status_code == 422
    assert _count() == 0


def test_certificate_refused_without_title_and_for_cancelled_filing(clerk_client, streets, users):
    from counter.leases.services import cancel_filing

    no_title = make_lease(streets[0].id, has_title=False)
    db.session.commit()
    resp = clerk_client.post(f"/documents/lease/{no_title.id}/certificate")
    assert resp.status_code == 409
    assert "《房屋租赁信息》" in resp.get_data(as_text=True)
    page = clerk_client.get(f"/leases/{no_title.id}").get_data(as_text=True)
    assert "打印租赁信息单" in page and "打印租赁凭证" not in page

    cancelled = make_lease(streets[0].id)
    cancel_filing(cancelled, "登记错误")
    db.session.commit()
    assert clerk_client.post(f"/documents/lease/{cancelled.id}/certificate").status_code == 409
    assert clerk_client.get(f"/documents/lease/{cancelled.id}/slip").status_code == 409
    assert clerk_client.post(f"/documents/lease/{cancelled.id}/slip",
                             data={"tenant": cancelled.tenants[0].party_id, "purpose": "学位申请"}).status_code == 409
    assert _count() == 0


def test_lease_page_shows_print_actions(clerk_client, lease_a):
    html = clerk_client.get(f"/leases/{lease_a.id}").get_data(as_text=True)
    assert f"/documents/lease/{lease_a.id}/certificate" in html and f"/documents/lease/{lease_a.id}/slip" in html


@needs_tools
def test_reprint_marked_with_count_and_original_date(clerk_client, lease_a, tmp_path, monkeypatch):
    clerk_client.post(f"/documents/lease/{lease_a.id}/slip",
                      data={"tenant": lease_a.tenants[0].party_id, "purpose": "学位申请", "paper": "A4"})
    original = _last()
    later = business_today() + timedelta(days=40)
    monkeypatch.setattr(services, "business_today", lambda: later)

    bad = clerk_client.post(f"/documents/{original.id}/reprint", data={"reason": " "})
    assert bad.status_code == 422 and "请填写补打原因。" in bad.get_data(as_text=True)
    assert _count() == 1

    first = clerk_client.post(f"/documents/{original.id}/reprint", data={"reason": "原件遗失"})
    r1 = _last()
    _assert_pdf(first, r1)
    assert (r1.original_id, r1.reprint_no, r1.reprint_reason) == (original.id, 1, "原件遗失")
    assert r1.issue_date == original.issue_date and r1.print_date == later
    text = squash(pdf_text(first.data, tmp_path))
    assert "补打（第1次）" in text
    assert f"原出具日期{cn_date(original.issue_date)}" in text and f"补打日期{cn_date(later)}" in text
    assert cn_date(lease_a.registered_on) in text  # the initial filing date is not the reprint date
    _assert_codes(first.data, r1, tmp_path)

    second = clerk_client.post(f"/documents/{r1.id}/reprint", data={"reason": "学校要求再交一份"})  # from a reprint
    r2 = _last()
    assert second.status_code == 200 and (r2.original_id, r2.reprint_no) == (original.id, 2)
    assert "补打（第2次）" in squash(pdf_text(second.data, tmp_path))

    register = clerk_client.get("/documents/").get_data(as_text=True)
    assert "补打 2 次" in register and "第 1 次补打" in register and "第 2 次补打" in register
    page = clerk_client.get(f"/documents/{original.id}").get_data(as_text=True)
    assert "原件遗失" in page and "学校要求再交一份" in page and r2.doc_number in page


def test_register_filters_by_kind_and_date(clerk_client, lease_a):
    clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    clerk_client.post(f"/documents/lease/{lease_a.id}/slip",
                      data={"tenant": lease_a.tenants[0].party_id, "purpose": "学位申请", "paper": "A4"})
    cert, slip = db.session.scalars(select(PrintedDocument).order_by(PrintedDocument.id)).all()
    html = clerk_client.get("/documents/?kind=info_slip").get_data(as_text=True)
    assert slip.doc_number in html and cert.doc_number not in html
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    html = clerk_client.get(f"/documents/?date_from={tomorrow}").get_data(as_text=True)
    assert slip.doc_number not in html and "尚未打印文书。" in html
    assert clerk_client.get("/documents/?date_from=not-a-date").status_code == 422


@needs_tools
def test_batch_of_slips_is_one_pdf(clerk_client, streets, users, tmp_path):
    leases = [make_lease(streets[0].id, tenant=name) for name in ("赵一", "钱二", "孙三")]
    db.session.commit()
    page = clerk_client.get("/documents/batch").get_data(as_text=True)
    assert all(f'name="lease_ids" value="{lease.id}"' in page for lease in leases)
    resp = clerk_client.post("/documents/batch", data={"kind": "info_slip", "purpose": "学位申请", "paper": "A4",
                                                       "lease_ids": [leases[0].id, leases[2].id]})
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert pdf_pages(resp.data, tmp_path) == 2
    text = squash(pdf_text(resp.data, tmp_path))
    assert "赵一" in text and "孙三" in text and "钱二" not in text
    docs = db.session.scalars(select(PrintedDocument).order_by(PrintedDocument.id)).all()
    assert [d.lease_id for d in docs] == [leases[0].id, leases[2].id] and all(d.doc_number in text for d in docs)


def test_batch_refuses_certificates_for_untitled_and_nothing_ticked(clerk_client, streets, users):
    titled = make_lease(streets[0].id)
    untitled = make_lease(streets[0].id, has_title=False)
    db.session.commit()
    resp = clerk_client.post("/documents/batch", data={"kind": "certificate", "lease_ids": [titled.id, untitled.id],
                                                       "paper": "A4"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert untitled.registration_code in html and "无产权证" in html
    assert f'value="{titled.id}" id="lease-{titled.id}" checked' in html  # the ticks are kept
    assert clerk_client.post("/documents/batch", data={"kind": "info_slip", "paper": "A4"}).status_code == 422
    assert _count() == 0


def test_other_street_gets_404(app, users, login, lease_a):
    clerk_client_b = app.test_client()
    login(clerk_client_b, "clerk_b")
    owner = app.test_client()
    login(owner, "clerk_a")
    owner.post(f"/documents/lease/{lease_a.id}/certificate")
    doc = _last()
    assert clerk_client_b.post(f"/documents/lease/{lease_a.id}/certificate").status_code == 404
    assert clerk_client_b.get(f"/documents/lease/{lease_a.id}/slip").status_code == 404
    assert clerk_client_b.get(f"/documents/{doc.id}").status_code == 404
    assert clerk_client_b.post(f"/documents/{doc.id}/reprint", data={"reason": "x"}).status_code == 404
    assert clerk_client_b.post("/documents/batch", data={"kind": "info_slip", "purpose": "学位申请", "paper": "A4",
                                                         "lease_ids": [lease_a.id]}).status_code == 404
    assert doc.doc_number not in clerk_client_b.get("/documents/").get_data(as_text=True)
    assert _count() == 1


def test_finance_cannot_print_lease_proofs(finance_client, lease_a):
    assert finance_client.post(f"/documents/lease/{lease_a.id}/certificate").status_code == 403
    assert finance_client.get("/documents/").status_code == 403


@needs_tools
def test_injection_name_printed_literally_and_no_file_read(clerk_client, streets, users, tmp_path):
    evil = '<img src="file:///etc/passwd">'
    lease = make_lease(streets[0].id, tenant=evil)
    db.session.commit()
    assert lease.tenants[0].party.name == evil
    slip = clerk_client.post(f"/documents/lease/{lease.id}/slip",
                             data={"tenant": lease.tenants[0].party_id, "purpose": "学位申请", "paper": "A4"})
    cert = clerk_client.post(f"/documents/lease/{lease.id}/certificate")
    for resp in (slip, cert):
        assert resp.status_code == 200
        assert evil in pdf_text(resp.data, tmp_path)
        plain = [resp.data] + [zlib.decompress(m.group(1)) for m in
                               re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", resp.data, re.S)
                               if _inflatable(m.group(1))]
        assert not any(b"root:x:0:0" in chunk for chunk in plain)


def _inflatable(data: bytes) -> bool:
    try:
        zlib.decompress(data)
    except zlib.error:
        return False
    return True


def test_scanned_document_number_lands_on_its_lease(clerk_client, app, users, login, lease_a):
    clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    doc = _last()
    scanned = "  " + doc.doc_number.lower().replace("-", " ") + "\n"
    assert services.lease_id_for_document_number(scanned) == lease_a.id
    assert services.lease_id_for_document_number("DOC-FT01-1999-000001") is None
    assert services.lease_id_for_document_number("hello") is None
    resp = clerk_client.get("/leases/", query_string={"q": doc.doc_number})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/leases/{lease_a.id}")
    other = app.test_client()
    login(other, "clerk_b")
    assert other.get("/leases/", query_string={"q": doc.doc_number}).status_code != 302  # not another street's
