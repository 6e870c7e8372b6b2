"""Printed documents: plain dataclasses in, PDF bytes (or final HTML) out.

Contract used by the web app — keep the names.  All strings are printed as given
(masked/pre-formatted by the caller) and are HTML-escaped by the templates.

Paper: certificate A4 portrait; info slip A4 or A5 portrait (``InfoSlipData.paper``);
receipt A5 landscape; day close A4 portrait; ledger report A4 landscape, many pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence, Union

from .glyphs import check_document
from .numerals import amount_in_words
from .render import get_renderer

__all__ = [
    "DocumentMeta", "PartyLine", "CertificateData", "InfoSlipData", "ReceiptData", "ReceiptLine",
    "DayCloseData", "LedgerReportData", "AnyDocument",
    "render_certificate", "render_info_slip", "render_receipt", "render_day_close",
    "render_ledger_report", "render_batch",
    "render_certificate_html", "render_info_slip_html", "render_receipt_html",
    "render_day_close_html", "render_ledger_report_html", "render_document_html",
    "render_document",
]


@dataclass(frozen=True)
class DocumentMeta:
    doc_number: str                 # e.g. "DOC-FT01-2026-000123" (Code128-encoded)
    verify_url: str                 # verification page, printed as text
    qr_payload: str                 # QR content, e.g. tokens.qr_payload(verify_url, token)
    issued_at: date                 # date of THIS print (a reprint: the reprint date)
    original_issue_date: date       # date of the original issue (shown on reprints)
    reprint_count: int = 0          # 0 = original; n > 0 prints 补打（第n次）
    printed_by: str = ""
    office_name: str = ""           # e.g. 福田区南园街道房屋租赁管理所
    office_address: str = ""
    office_phone: str = ""

    @property
    def is_reprint(self) -> bool:
        return self.reprint_count > 0


@dataclass(frozen=True)
class PartyLine:
    role: str                       # 出租人 / 转租人 / 承租人 / 经纪机构
    name: str
    id_type_label: str
    id_number_masked: str
    phone_masked: str = ""


@dataclass(frozen=True)
class CertificateData:
    """《房屋租赁凭证》, A4 portrait."""
    meta: DocumentMeta
    registration_number_display: str    # 深福南租备〔2026〕第000123号
    registration_number_code: str       # FT01-2026-000123 (printed as text)
    street_office: str
    parties: Sequence[PartyLine]
    property_address: str
    house_code: str
    area_m2: str                        # "45.50"
    use_label: str
    term_start: date
    term_end: date
    monthly_rent: str                   # "¥3,500.00"
    signing_date: date
    registration_date: date
    status_label: str


@dataclass(frozen=True)
class InfoSlipData:
    """《房屋租赁信息》, A4 or A5 portrait."""
    meta: DocumentMeta
    tenant: PartyLine
    landlord_name_masked: str
    registration_number_display: str
    standard_address: str
    house_code: str
    use_label: str
    term_start: date
    term_end: date
    signing_date: date
    initial_filing_date: date           # residence counts from it; never the reprint date
    purpose: str                        # 学位申请
    lease_status_label: str             # 有效 / 已到期 / 已解除
    street_office: str
    paper: str = "A4"                   # "A4" or "A5"
    residence_months: int | None = None  # whole months of residence (counter.leases.residence)
    residence_as_of: date | None = None  # ... counted up to this date (the original's issue date or the end)


@dataclass(frozen=True)
class ReceiptLine:
    """One row of the receipt's lines table, read left to right as its arithmetic:
    ``base x rate = tax``; ``tax - relief = each period``; ``each period x periods = amount``.
    Figures are yuan with two decimals, without the currency sign (the heading says 元); a row from a
    record that did not store its arithmetic has empty base/rate/tax and is printed as the amount only."""
    item: str                 # 房产税
    period: str               # 2026-01-15至2026-04-14 (the first period's start to the last one's end)
    base: str                 # 142,857.14 (or 45.50 m²)
    rate: str                 # 4%
    tax: str                  # 5,714.29 (one period)
    relief_rate: str          # 50% or ""
    relief: str               # 2,857.15 or "" (one period)
    months: int               # the number of periods (×期数; the name is older than rent periods)
    amount: str               # 8,571.42 (all periods)


@dataclass(frozen=True)
class ReceiptData:
    """代征税款收据, A5 landscape. ``notes`` explain the bases (rent excluding VAT, income tax base, exempt
    items); ``sample_rates`` marks a receipt computed on sample rates (demo installs: 示例税率)."""
    meta: DocumentMeta
    receipt_number: str
    payer_name: str
    registration_number_display: str
    property_address: str
    period_label: str
    lines: Sequence[ReceiptLine]
    total_fen: int
    total_display: str
    payment_method_label: str
    payment_reference: str
    clerk_name: str
    business_date: date
    voided: bool = False
    tendered_display: str = ""  # 实收 (cash receipts from migration 0015 on)
    change_display: str = ""    # 找零
    void_reason: str = ""
    notes: Sequence[str] = ()
    sample_rates: bool = False

    @property
    def total_in_words(self) -> str:
        return amount_in_words(self.total_fen)


@dataclass(frozen=True)
class DayCloseData:
    """日终结账单, A4 portrait (one page up to ~30 receipts; longer lists continue)."""
    meta: DocumentMeta
    street_office: str
    business_date: date
    clerk_name: str
    receipt_count: int
    totals_by_method: Sequence[tuple[str, str]]
    totals_by_item: Sequence[tuple[str, str]]
    expected_cash: str
    counted_cash: str
    variance: str
    variance_note: str
    closed_at: datetime
    supervisor_name: str
    receipts: Sequence[tuple[str, str, str, str, str]]  # (number, payer, method, amount, status)
    total: str = ""            # 合计 of the day (the journal's net, as the by-method and by-item tables)
    receipts_total: str = ""   # 合计 of the receipts listed that stand (issued)
    receipts_standing: int = 0  # how many of the receipts listed stand (issued)


@dataclass(frozen=True)
class LedgerReportData:
    """代征税款月度台账, A4 landscape, paginated (header repeats, 第 x 页 / 共 y 页)."""
    meta: DocumentMeta
    street_office: str
    month_label: str
    rows: Sequence[tuple[str, str, str, str, str, str, str]]
    # (date, receipt number, lease reg number, item, method, amount, clerk)
    totals_by_item: Sequence[tuple[str, str]]
    total: str
    collected: str
    remitted: str
    outstanding: str


AnyDocument = Union[CertificateData, InfoSlipData, ReceiptData, DayCloseData,
                    LedgerReportData]

_TEMPLATES = {
    CertificateData: "certificate.html",
    InfoSlipData: "info_slip.html",
    ReceiptData: "receipt.html",
    DayCloseData: "day_close.html",
    LedgerReportData: "ledger_report.html",
}


def _template_for(doc) -> str:
    try:
        return _TEMPLATES[type(doc)]
    except KeyError:
        raise TypeError(f"not a printable document: {type(doc).__name__}") from None


def render_document_html(doc: AnyDocument, fit: int = 0, paged: bool = False) -> str:
    """The final HTML at density level ``fit`` (0 normal .. 3 smallest), ``paged``: with the running header
    (document number, page x of y, barcode) on every page."""
    if isinstance(doc, InfoSlipData) and doc.paper not in ("A4", "A5"):
        raise ValueError("InfoSlipData.paper must be 'A4' or 'A5'")
    return get_renderer().render_html(_template_for(doc), d=doc, meta=doc.meta, fit=int(fit), paged=bool(paged))


# A day-close sheet lists every receipt of the day; the monthly ledger report every journal line. Both are
# laid out paged when long (the ledger always): the running header repeats on every page.
DAY_CLOSE_ONE_PAGE_LINES = 30   # receipt lines that fit one A4 page at fit-3 (measured: 30 short names,
                                # or 5 receipts of 60-character names with a 500-character note)


def _day_close_lines(doc: "DayCloseData") -> int:
    return sum(max(1, -(-len(payer) // 26)) for _n, payer, *_rest in doc.receipts) + len(doc.variance_note) // 100


def _plan(doc) -> dict:
    if isinstance(doc, LedgerReportData):
        return {"paged": True, "paged_level": 0}
    if isinstance(doc, DayCloseData):
        lines = _day_close_lines(doc)
        return {"paged": lines > DAY_CLOSE_ONE_PAGE_LINES, "paged_level": 2,
                "start": sum(1 for limit in (16, 22, 26) if lines > limit)}
    return {"start": _start_level(doc)}


def _start_level(doc) -> int:
    """A first guess of the density that fits (the layout confirms it, a low guess costs one more layout):
    the amount of variable text."""
    from .glyphs import _walk

    chars = sum(len(text) for path, text in _walk(doc, "") if not path.startswith("meta."))
    limits = _START_LEVELS.get((type(doc), getattr(doc, "paper", None)), ())
    return sum(1 for limit in limits if chars > limit)


# characters of variable text above which each density level is needed, measured with the extremes of
# tests/printing/test_printing_extremes.py (certificate 1,103 characters: fit-2; A4 slip 491: fit-1; A5 slip
# 491: fit-2; receipt 1,302: fit-3) and the ordinary samples (230-280 characters: fit-0)
_START_LEVELS = {
    (CertificateData, None): (800, 1000, 1600),
    (InfoSlipData, "A4"): (400, 800, 1200),
    (InfoSlipData, "A5"): (250, 400, 900),
    (ReceiptData, None): (700, 1000, 1250),
}


def layout_document(doc: AnyDocument):
    """Glyph check, then the WeasyPrint document laid out on one page when it can be (see
    :meth:`printing.render.Renderer.fitted`)."""
    check_document(doc)
    return get_renderer().fitted(lambda fit, paged: render_document_html(doc, fit, paged), **_plan(doc))


def render_document(doc: AnyDocument) -> bytes:
    return get_renderer().write([layout_document(doc)])


def render_batch(docs: Sequence[AnyDocument]) -> bytes:
    """Any mix of documents -> one PDF (pages in order), for batch printing."""
    for d in docs:
        check_document(d)  # all of them before the first layout
    return get_renderer().write([layout_document(d) for d in docs])


def render_certificate_html(data: CertificateData) -> str:
    return render_document_html(data)


def render_info_slip_html(data: InfoSlipData) -> str:
    return render_document_html(data)


def render_receipt_html(data: ReceiptData) -> str:
    return render_document_html(data)


def render_day_close_html(data: DayCloseData) -> str:
    return render_document_html(data)


def render_ledger_report_html(data: LedgerReportData) -> str:
    return render_document_html(data)


def render_certificate(data: CertificateData) -> bytes:
    return render_document(_check(data, CertificateData))


def render_info_slip(data: InfoSlipData) -> bytes:
    return render_document(_check(data, InfoSlipData))


def render_receipt(data: ReceiptData) -> bytes:
    return render_document(_check(data, ReceiptData))


def render_day_close(data: DayCloseData) -> bytes:
    return render_document(_check(data, DayCloseData))


def render_ledger_report(data: LedgerReportData) -> bytes:
    return render_document(_check(data, LedgerReportData))


def _check(data, cls):
    if not isinstance(data, cls):
        raise TypeError(f"expected {cls.__name__}, got {type(data).__name__}")
    return data
