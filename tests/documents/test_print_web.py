"""Printing through the HTTP routes: each document's key fields in pdftotext (Chinese), the barcode and
the QR read back with zbar, reprints (补打), the register, batch printing, street isolation, injection."""
from __future__ import annotations

from sqlalchemy import func, select

from counter.documents.models import PrintedDocument
from counter.extensions import db

from .conftest import needs_tools, pdf_text, squash, zbar


@needs_tools
def test_certificate_through_http(clerk_client, lease_a, tmp_path):
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert resp.headers["Content-Type"] == "application/pdf"
    doc = db.session.scalar(select(PrintedDocument))
    assert f'inline; filename="{doc.doc_number}.pdf"' == resp.headers["Content-Disposition"]
    text = squash(pdf_text(resp.data, tmp_path))
    assert "房屋租赁凭证" in text and lease_a.registration_number in text and doc.doc_number in text
    codes = zbar(resp.data, tmp_path)
    assert ("CODE-128", doc.doc_number) in codes
