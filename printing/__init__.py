"""Printed documents of the rental counter: plain data in, PDF bytes out (WeasyPrint).

No Flask here.  Public API:

* documents: DocumentMeta, PartyLine, CertificateData, InfoSlipData, ReceiptData,
  DayCloseData, LedgerReportData; render_certificate / render_info_slip / render_receipt /
  render_day_close / render_ledger_report / render_batch (bytes) and the ``*_html`` twins.
* render: Renderer, get_renderer, AssetFetcher, ForbiddenURL.
* codes: barcode_svg, qr_svg.  numerals: amount_in_words.
* tokens: sign_token, verify_token, InvalidToken, generate_keypair, key (de)serialisers,
  document_claims, qr_payload.
"""

from .codes import barcode_svg, qr_svg
from .documents import (CertificateData, DayCloseData, DocumentMeta, InfoSlipData,
                        LedgerReportData, PartyLine, ReceiptData, ReceiptLine, render_batch,
                        render_certificate, render_certificate_html, render_day_close,
                        render_day_close_html, render_document, render_document_html,
                        render_info_slip, render_info_slip_html, render_ledger_report,
                        render_ledger_report_html, render_receipt, render_receipt_html)
from .numerals import amount_in_words
from .render import AssetFetcher, ForbiddenURL, Renderer, get_renderer
from .tokens import (InvalidToken, document_claims, generate_keypair, load_private_key,
                     load_public_key, private_key_to_b64, private_key_to_pem,
                     public_key_to_b64, public_key_to_pem, qr_payload, sign_token,
                     verify_token)

__all__ = [
    "CertificateData", "DayCloseData", "DocumentMeta", "InfoSlipData", "LedgerReportData",
    "PartyLine", "ReceiptData", "ReceiptLine", "render_batch", "render_certificate",
    "render_certificate_html", "render_day_close", "render_day_close_html",
    "render_document", "render_document_html", "render_info_slip", "render_info_slip_html",
    "render_ledger_report", "render_ledger_report_html", "render_receipt",
    "render_receipt_html", "amount_in_words", "barcode_svg", "qr_svg", "AssetFetcher",
    "ForbiddenURL", "Renderer", "get_renderer", "InvalidToken", "document_claims",
    "generate_keypair", "load_private_key", "load_public_key", "private_key_to_b64",
    "private_key_to_pem", "public_key_to_b64", "public_key_to_pem", "qr_payload",
    "sign_token", "verify_token",
]
