"""Receipt (and its void), day-close sheet and monthly ledger report printed through HTTP."""
from __future__ import annotations

from sqlalchemy import select

from counter.core.timeutil import business_today
from counter.documents import services
from counter.documents.models import PrintedDocument
from counter.extensions import db
from printing.numerals import amount_in_words

from .conftest import needs_tools, pdf_text, squash, zbar


def _receipt(lease, users, key="doc-k1"):
    from counter.collection import services as svc

    start, _end = svc.lease_months(lease)
    receipt = svc.collect(lease, str(start), str(start.add(2)), "cash", None, key, clerk=users["clerk_a"])
    db.session.commit()
    return receipt


def _last() -> PrintedDocument:
    return db.session.scalar(select(PrintedDocument).order_by(PrintedDocument.id.desc()))


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


@needs_tools
def test_receipt_then_void_shows_void_everywhere(app, clerk_client, supervisor_client, lease_a, users, tmp_path):
    from counter.collection import services as svc

    receipt = _receipt(lease_a, users)
    page = clerk_client.get(f"/collection/receipt/{receipt.id}").get_data(as_text=True)
    assert f"/documents/receipt/{receipt.id}" in page  # the print button on the receipt page
    resp = clerk_client.post(f"/documents/receipt/{receipt.id}")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    doc = _last()
    assert (doc.kind, doc.receipt_id, doc.lease_id, doc.holder_name) == \
        ("receipt", receipt.id, lease_a.id, receipt.payer_name)
    text = squash(pdf_text(resp.data, tmp_path))
    for expected in ("代征税款收据", receipt.receipt_number, receipt.payer_name, lease_a.registration_number,
                     _yuan(receipt.total_fen), amount_in_words(receipt.total_fen), "现金", doc.doc_number):
        assert expected in text, expected
    assert "作废" not in text
    codes = zbar(resp.data, tmp_path)
    assert ("CODE-128", doc.doc_number) in codes
    assert any(k == "QR-Code" and d.startswith(services.verify_url(doc) + "#t=") for k, d in codes)

    public = app.test_client()
    assert "有效" in public.get(f"/verify/{doc.verify_code}").get_data(as_text=True)
    svc.void_receipt(receipt, "金额录入错误", actor=users["supervisor_a"])
    db.session.commit()
    html = public.get(f"/verify/{doc.verify_code}").get_data(as_text=True)
    assert "作废" in html and "该收据已作废。" in html

    no_reason = clerk_client.post(f"/documents/receipt/{receipt.id}")  # one original: printing again is 补打
    assert no_reason.status_code == 422 and doc.doc_number in no_reason.get_data(as_text=True)
    again = clerk_client.post(f"/documents/receipt/{receipt.id}", data={"reason": "作废后交缴款人留存"})
    assert again.status_code == 200
    text = squash(pdf_text(again.data, tmp_path))
    assert "作废" in text and "金额录入错误" in text and "补打（第1次）" in text


def test_receipt_of_other_street_is_404(app, users, login, lease_a):
    receipt = _receipt(lease_a, users)
    other = app.test_client()
    login(other, "clerk_b")
    assert other.post(f"/documents/receipt/{receipt.id}").status_code == 404


@needs_tools
def test_day_close_sheet(clerk_client, lease_a, users, tmp_path):
    from counter.collection import services as svc

    receipt = _receipt(lease_a, users)
    dc = svc.close_day(users["clerk_a"], business_today(), receipt.total_fen)
    db.session.commit()
    resp = clerk_client.post(f"/documents/day-close/{dc.id}")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    doc = _last()
    assert doc.kind == "day_close" and doc.day_close_id == dc.id
    text = squash(pdf_text(resp.data, tmp_path))
    for expected in ("日终结账单", receipt.receipt_number, _yuan(receipt.total_fen), "南园街道", "clerka",
                     doc.doc_number):
        assert expected in text, expected
    # totals rows (issue 15): the by-method and by-item tables and the receipts list each end with 合计
    assert text.count("合计") >= 3 and "合计（有效收据1张）" in text, text
    (tmp_path / "sheet.pdf").write_bytes(resp.data)
    assert ("CODE-128", doc.doc_number) in zbar(resp.data, tmp_path)


@needs_tools
def test_monthly_ledger_report_for_finance(finance_client, clerk_client, lease_a, users, tmp_path):
    receipt = _receipt(lease_a, users)
    today = business_today()
    form = finance_client.get("/documents/ledger-report")
    assert form.status_code == 200
    bad = finance_client.post("/documents/ledger-report", data={"year": "", "month": today.month})
    assert bad.status_code == 422 and "请填写年份。" in bad.get_data(as_text=True)
    resp = finance_client.post("/documents/ledger-report", data={"year": today.year, "month": today.month})
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    doc = _last()
    assert doc.kind == "ledger_report" and doc.period == f"{today.year:04d}-{today.month:02d}"
    text = squash(pdf_text(resp.data, tmp_path))
    for expected in ("南园街道代征税款台账", f"（{today.year}年{today.month}月）", receipt.receipt_number,
                     lease_a.registration_number, _yuan(receipt.total_fen), doc.doc_number):
        assert expected in text, expected
    assert ("CODE-128", doc.doc_number) in zbar(resp.data, tmp_path)
    assert clerk_client.get("/documents/ledger-report").status_code == 403
