"""Printing documents: the register row and the PDF, in the caller's transaction (flush only, never commit).

Every print takes a gap-free document number (``next_serial("document", street, year)``), inserts one
append-only :class:`PrintedDocument` row, builds the ``printing`` dataclass from the database (plain,
already-masked strings) and renders the PDF. When rendering fails the request answers 500 and the
transaction — row and number included — is rolled back.

Public API::

    print_certificate(lease) -> Printed                      # 《房屋租赁凭证》 (leases with a property title)
    print_info_slip(lease, tenant_party_id, purpose, paper) -> Printed   # 《房屋租赁信息》
    print_receipt(receipt) -> Printed                        # 代征税款收据 (void ones carry 作废)
    print_day_close(day_close) -> Printed                    # 日终结账单
    print_ledger_report(street_id, year, month) -> Printed   # 代征税款月度台账
    reprint(document, reason) -> Printed                     # 补打: new row, same issue date as the original
    print_batch(leases, kind, purpose=, paper=) -> Batch     # several slips/certificates, one PDF
    document_status(document) -> (status, reason)            # valid / void / superseded, derived
    find_by_verify_code(code) -> PrintedDocument | None      # all streets (public verification)
    log_verification(document); verification_counts(ids) -> {id: n}
    public_facts(document) -> dict                           # what the public page may show
    lease_id_for_document_number(text) -> int | None         # the scanner: a document number -> its lease
    token_for(document) -> str; check_token(token) -> claims # the offline Ed25519 token of the QR
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from counter.audit.service import record
from counter.core.masking import mask_id, mask_name, mask_phone
from counter.core.scoping import can_see_street, unrestricted
from counter.core.serials import next_serial
from counter.core.timeutil import business_today, to_local, utcnow
from counter.documents import keys
from counter.documents.labels import (DEFAULT_PURPOSE, ID_TYPE_ZH, KIND_ZH, LEASE_STATUS_ZH, METHOD_ZH,
                                      RECEIPT_STATUS_ZH, ROLE_ZH, use_zh)
from counter.core.db import upsert
from counter.documents.models import DOCUMENT_KINDS, PrintedDocument, VerificationCount
from counter.extensions import db
from counter.leases.models import Lease, Party
from counter.streets.models import Street
from printing import (CertificateData, DayCloseData, DocumentMeta, InfoSlipData, LedgerReportData, PartyLine,
                      ReceiptData, render_batch, render_document)
from printing.tokens import InvalidToken, document_claims, qr_payload, sign_token, verify_token

LEASE_KINDS = ("certificate", "info_slip")
PURPOSE_MAX = 64
DOC_NUMBER_RE = re.compile(r"DOC[-_ ]?([A-Z]{2}\d{2})[-_ ]?(\d{4})[-_ ]?(\d{6})")


class DocumentError(Exception):
    """A print was refused; ``field`` names the form field the message belongs to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Printed:
    document: PrintedDocument
    pdf: bytes


@dataclass
class Batch:
    documents: list[PrintedDocument]
    pdf: bytes


# ------------------------------------------------------------------------------------------- helpers

def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{Decimal(abs(int(fen))) / 100:,.2f}"


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.display_name
    return None, "system"


def _street(street_id: int) -> Street:
    return db.session.get(Street, street_id)


def _street_office(street: Street) -> str:
    return f"{street.name_zh}街道"


def verify_url(document: PrintedDocument) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/verify/{document.verify_code}"


def _lease_dates(document: PrintedDocument) -> tuple[date | None, date | None]:
    if document.kind in LEASE_KINDS and document.lease is not None:
        return document.lease.start_date, document.lease.end_date
    return None, None


def token_for(document: PrintedDocument) -> str:
    start, end = _lease_dates(document)
    claims = document_claims(document.doc_number, document.kind, mask_name(document.holder_name), start, end,
                             document.issue_date)
    return sign_token(keys.signing_key(), claims)


def check_token(token: str) -> dict:
    """The claims of an offline token, or :class:`printing.tokens.InvalidToken`."""
    return verify_token(keys.public_key(), (token or "").strip())


def _meta(document: PrintedDocument, street: Street) -> DocumentMeta:
    url = verify_url(document)
    return DocumentMeta(doc_number=document.doc_number, verify_url=url, qr_payload=qr_payload(url, token_for(document)),
                        issued_at=document.print_date, original_issue_date=document.issue_date,
                        reprint_count=document.reprint_no, printed_by=document.printed_by_name,
                        office_name=street.office_name_zh, office_address=street.window_address,
                        office_phone=street.window_phone)


def _new_document(kind: str, street_id: int, *, holder_name: str, lease: Lease | None = None, receipt=None,
                  day_close=None, period: str | None = None, holder_party_id: int | None = None,
                  purpose: str | None = None, paper: str | None = None, original: PrintedDocument | None = None,
                  reason: str | None = None, lease_id: int | None = None) -> PrintedDocument:
    assert kind in DOCUMENT_KINDS
    today = business_today()
    street = _street(street_id)
    seq = next_serial("document", street_id, today.year)  # also queues concurrent prints of the street
    number = f"DOC-{street.short_code}-{today.year}-{seq:06d}"
    reprint_no = 0
    if original is not None:
        with unrestricted():
            last = db.session.scalar(select(func.max(PrintedDocument.reprint_no))
                                     .where(PrintedDocument.original_id == original.id))
        reprint_no = int(last or 0) + 1
    user_id, user_name = _actor()
    doc = PrintedDocument(
        street_id=street_id, kind=kind, year=today.year, seq=seq, doc_number=number,
        verify_code=keys.verify_code_for(number), lease_id=lease.id if lease is not None else lease_id,
        lease_version=lease.version if lease is not None and kind in LEASE_KINDS else None,
        receipt_id=receipt.id if receipt is not None else None,
        day_close_id=day_close.id if day_close is not None else None, period=period,
        holder_name=(holder_name or "—")[:120], holder_party_id=holder_party_id, purpose=purpose, paper=paper,
        original_id=original.id if original is not None else None, reprint_no=reprint_no,
        reprint_reason=reason if original is not None else None, printed_by_id=user_id,
        printed_by_name=user_name[:64], printed_at=utcnow(), print_date=today,
        issue_date=original.issue_date if original is not None else today)
    db.session.add(doc)
    db.session.flush()
    if original is None:
        record("document.print", obj=doc, street_id=street_id,
               summary=f"{doc.doc_number} {kind}" + (f" {purpose}" if purpose else ""),
               after={"doc_number": doc.doc_number, "kind": kind, "lease_id": doc.lease_id,
                      "receipt_id": doc.receipt_id, "day_close_id": doc.day_close_id, "period": period,
                      "holder": mask_name(doc.holder_name), "purpose": purpose})
    else:
        record("document.reprint", obj=doc, street_id=street_id,
               summary=f"{doc.doc_number} 补打 {reprint_no} of {original.doc_number}: {reason}",
               after={"doc_number": doc.doc_number, "original": original.doc_number, "reprint_no": reprint_no,
                      "reason": reason})
    return doc


# ------------------------------------------------------------------------------------------- lease documents

def _party_line(lp) -> PartyLine:
    p = lp.party
    return PartyLine(role=ROLE_ZH.get(lp.role, lp.role), name=p.name, id_type_label=ID_TYPE_ZH.get(p.id_type, p.id_type),
                     id_number_masked=mask_id(p.id_number), phone_masked=mask_phone(p.phone))


def _initial_filing_date(lease: Lease) -> date:
    """The first filing of this tenancy: a renewal counts from the lease it renews (residence time)."""
    first, seen = lease, {lease.id}
    while first.previous_lease_id and first.previous_lease_id not in seen:
        prev = first.previous_lease
        if prev is None or prev.status == "cancelled":
            break
        seen.add(prev.id)
        first = prev
    return first.registered_on


def check_lease_printable(lease: Lease, kind: str) -> None:
    if lease.status == "cancelled":
        raise DocumentError(_("The filing of this lease is cancelled: no proof can be printed for it."))
    if kind == "certificate" and not lease.premises.has_title:
        raise DocumentError(_("This property has no property title certificate: it gets a lease information "
                              "slip (《房屋租赁信息》) instead of a lease certificate."))
    if kind == "info_slip" and not lease.tenants:
        raise DocumentError(_("This lease has no tenant to name on the slip."))


def _certificate_data(doc: PrintedDocument, lease: Lease, street: Street) -> CertificateData:
    order = {"landlord": 0, "sublessor": 1, "tenant": 2, "agent": 3}
    parties = [_party_line(lp) for lp in sorted(lease.parties, key=lambda lp: (order.get(lp.role, 9), lp.position))]
    prop = lease.premises
    return CertificateData(
        meta=_meta(doc, street), registration_number_display=lease.registration_number,
        registration_number_code=lease.registration_code, street_office=_street_office(street), parties=parties,
        property_address=prop.full_address, house_code=prop.house_code or "—", area_m2=f"{lease.rented_area_m2:.2f}",
        use_label=use_zh(lease.lease_use), term_start=lease.start_date, term_end=lease.end_date,
        monthly_rent=_yuan(lease.monthly_rent_fen), signing_date=lease.signing_date,
        registration_date=lease.registered_on, status_label=LEASE_STATUS_ZH[lease.effective_status()])


def _slip_data(doc: PrintedDocument, lease: Lease, street: Street) -> InfoSlipData:
    tenant_lp = next((lp for lp in lease.tenants if lp.party_id == doc.holder_party_id), None)
    if tenant_lp is None:  # the tenant was removed by an amendment: print the name registered on the slip
        party = db.session.get(Party, doc.holder_party_id) if doc.holder_party_id else None
        tenant = PartyLine("承租人", doc.holder_name, ID_TYPE_ZH.get(party.id_type, "") if party else "",
                           mask_id(party.id_number) if party else "", "")
    else:
        tenant = _party_line(tenant_lp)
    landlords = lease.landlords
    return InfoSlipData(
        meta=_meta(doc, street), tenant=tenant,
        landlord_name_masked="、".join(mask_name(lp.party.name) for lp in landlords) or "—",
        registration_number_display=lease.registration_number, standard_address=lease.premises.full_address,
        house_code=lease.premises.house_code or "—", use_label=use_zh(lease.lease_use), term_start=lease.start_date,
        term_end=lease.end_date, signing_date=lease.signing_date, initial_filing_date=_initial_filing_date(lease),
        purpose=doc.purpose or DEFAULT_PURPOSE, lease_status_label=LEASE_STATUS_ZH[lease.effective_status()],
        street_office=_street_office(street), paper=doc.paper or "A4")


def _clean_purpose(purpose: str | None) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise DocumentError(_("Enter the purpose of the slip."), "purpose")
    if len(purpose) > PURPOSE_MAX:
        raise DocumentError(_("At most %(n)s characters.", n=PURPOSE_MAX), "purpose")
    return purpose


def _clean_paper(paper: str | None) -> str:
    paper = paper or current_app.config.get("SLIP_PAPER", "A4")
    if paper not in ("A4", "A5"):
        raise DocumentError(_("Choose A4 or A5."), "paper")
    return paper


def _new_certificate(lease: Lease) -> tuple[PrintedDocument, CertificateData]:
    check_lease_printable(lease, "certificate")
    tenants = lease.tenants
    holder = tenants[0].party if tenants else None
    doc = _new_document("certificate", lease.street_id, lease=lease,
                        holder_name=holder.name if holder else "—", holder_party_id=holder.id if holder else None)
    return doc, _certificate_data(doc, lease, _street(lease.street_id))


def _new_slip(lease: Lease, tenant_party_id: int | None, purpose: str | None,
              paper: str | None) -> tuple[PrintedDocument, InfoSlipData]:
    check_lease_printable(lease, "info_slip")
    tenant_lp = next((lp for lp in lease.tenants if lp.party_id == tenant_party_id), None) \
        if tenant_party_id is not None else lease.tenants[0]
    if tenant_lp is None:
        raise DocumentError(_("Choose one of the lease's tenants."), "tenant")
    purpose, paper = _clean_purpose(purpose), _clean_paper(paper)
    doc = _new_document("info_slip", lease.street_id, lease=lease, holder_name=tenant_lp.party.name,
                        holder_party_id=tenant_lp.party_id, purpose=purpose, paper=paper)
    return doc, _slip_data(doc, lease, _street(lease.street_id))


def print_certificate(lease: Lease) -> Printed:
    doc, data = _new_certificate(lease)
    return Printed(doc, render_document(data))


def print_info_slip(lease: Lease, tenant_party_id: int | None = None, purpose: str | None = DEFAULT_PURPOSE,
                    paper: str | None = None) -> Printed:
    doc, data = _new_slip(lease, tenant_party_id, purpose, paper)
    return Printed(doc, render_document(data))


def print_batch(leases: list[Lease], kind: str, *, purpose: str | None = DEFAULT_PURPOSE,
                paper: str | None = None) -> Batch:
    """One PDF of slips (for each lease's first tenant) or certificates; refused as a whole when one lease
    cannot get the document (the message names the leases)."""
    if kind not in LEASE_KINDS:
        raise DocumentError(_("Choose slips or certificates."), "kind")
    if not leases:
        raise DocumentError(_("Tick at least one lease."), "leases")
    if kind == "info_slip":
        purpose, paper = _clean_purpose(purpose), _clean_paper(paper)
    refused = []
    for lease in leases:
        try:
            check_lease_printable(lease, kind)
        except DocumentError as exc:
            refused.append(f"{lease.registration_code}: {exc.message}")
    if refused:
        raise DocumentError(" ".join(refused), "leases")
    made = [(_new_certificate(lease) if kind == "certificate" else _new_slip(lease, None, purpose, paper))
            for lease in leases]
    return Batch([doc for doc, _data in made], render_batch([data for _doc, data in made]))


# ------------------------------------------------------------------------------------------- finance documents

def _period_label(first: str, last: str) -> str:
    def zh(ym: str) -> str:
        y, m = ym.split("-")
        return f"{int(y)}年{int(m)}月"
    return zh(first) if first == last else f"{zh(first)}至{zh(last)}"


def _receipt_lines(receipt) -> list[tuple[str, str, str, str]]:
    from counter.collection.models import JournalEntry

    with unrestricted():
        entries = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == receipt.id,
                                                                JournalEntry.kind == "collection")
                                     .order_by(JournalEntry.seq)).all()
        assessed: dict[str, tuple[int, set[str], bool]] = {}
        if receipt.assessment_record_id:
            try:
                from counter.tax.models import AssessmentRecord

                rec = db.session.get(AssessmentRecord, receipt.assessment_record_id)
            except ImportError:  # pragma: no cover
                rec = None
            for line in ((rec.result or {}).get("lines", []) if rec is not None else []):
                base, rates, area = assessed.get(line["item"], (0, set(), False))
                assessed[line["item"]] = (base + int(line.get("base_fen", 0)), rates | {line.get("rate", "")},
                                          area or line.get("base_kind") == "area")
    out = []
    for e in entries:
        base, rates, area = assessed.get(e.item, (None, set(), False))
        base_s = _yuan(base) if base is not None and not area else "—"
        rate_s = "—"
        if len(rates) == 1 and not area:
            rate = Decimal(next(iter(rates)) or "0") * 100
            rate_s = f"{rate.normalize():f}%"
        out.append((e.item_name_zh, base_s, rate_s, _yuan(e.amount_fen)))
    return out


def _receipt_data(doc: PrintedDocument, receipt, street: Street) -> ReceiptData:
    from counter.auth.models import User

    with unrestricted():
        lease = db.session.get(Lease, receipt.lease_id)
        clerk = db.session.get(User, receipt.clerk_id)
    return ReceiptData(
        meta=_meta(doc, street), receipt_number=receipt.receipt_number, payer_name=receipt.payer_name,
        registration_number_display=lease.registration_number if lease else "",
        property_address=lease.premises.full_address if lease else "",
        period_label=_period_label(receipt.first_month, receipt.last_month), lines=_receipt_lines(receipt),
        total_fen=receipt.total_fen, total_display=_yuan(receipt.total_fen),
        payment_method_label=METHOD_ZH.get(receipt.method, receipt.method),
        payment_reference=receipt.payment_reference or "", clerk_name=clerk.display_name if clerk else "",
        business_date=receipt.business_date, voided=receipt.status != "issued",
        void_reason=(f"{RECEIPT_STATUS_ZH.get(receipt.status, receipt.status)}：{receipt.void_reason}"
                     if receipt.status != "issued" else ""))


def print_receipt(receipt) -> Printed:
    # lease_id: the scanner lands on the receipt's lease
    doc = _new_document("receipt", receipt.street_id, holder_name=receipt.payer_name, receipt=receipt,
                        lease_id=receipt.lease_id)
    return Printed(doc, render_document(_receipt_data(doc, receipt, _street(receipt.street_id))))


def _day_close_data(doc: PrintedDocument, dc, street: Street) -> DayCloseData:
    from counter.auth.models import User
    from counter.collection.models import Receipt

    with unrestricted():
        clerk = db.session.get(User, dc.clerk_id)
        signer = db.session.get(User, dc.signed_by_id) if dc.signed_by_id else None
        receipts = db.session.scalars(select(Receipt).where(
            Receipt.street_id == dc.street_id, Receipt.clerk_id == dc.clerk_id,
            Receipt.business_date == dc.business_date).order_by(Receipt.seq)).all()
    totals = dc.totals or {}
    by_method = totals.get("by_method", {}) or {}
    by_item = totals.get("by_item", {}) or {}
    item_rows = []
    for code, value in by_item.items():
        if isinstance(value, dict):
            item_rows.append((value.get("name_zh", code), _yuan(int(value.get("amount_fen", 0)))))
        else:
            item_rows.append((code, _yuan(int(value))))
    return DayCloseData(
        meta=_meta(doc, street), street_office=_street_office(street), business_date=dc.business_date,
        clerk_name=clerk.display_name if clerk else "", receipt_count=dc.receipt_count,
        totals_by_method=[(METHOD_ZH.get(m, m), _yuan(int(v))) for m, v in by_method.items()],
        totals_by_item=item_rows, expected_cash=_yuan(dc.expected_cash_fen), counted_cash=_yuan(dc.counted_cash_fen),
        variance=_yuan(dc.variance_fen), variance_note=dc.variance_note or "",
        closed_at=to_local(dc.closed_at).replace(tzinfo=None), supervisor_name=signer.display_name if signer else "",
        receipts=[(r.receipt_number, r.payer_name, METHOD_ZH.get(r.method, r.method), _yuan(r.total_fen),
                   RECEIPT_STATUS_ZH.get(r.status, r.status)) for r in receipts])


def print_day_close(dc) -> Printed:
    from counter.auth.models import User

    with unrestricted():
        clerk = db.session.get(User, dc.clerk_id)
    doc = _new_document("day_close", dc.street_id, holder_name=clerk.display_name if clerk else "—", day_close=dc,
                        period=dc.business_date.isoformat()[:7])
    return Printed(doc, render_document(_day_close_data(doc, dc, _street(dc.street_id))))


def _ledger_data(doc: PrintedDocument, street: Street) -> LedgerReportData:
    from counter.auth.models import User
    from counter.collection.models import JournalEntry, Receipt
    from counter.ledger.services import month_bounds, position

    year, month = (int(x) for x in doc.period.split("-"))
    first, last = month_bounds(year, month)
    with unrestricted():
        entries = db.session.scalars(select(JournalEntry).where(
            JournalEntry.street_id == street.id, JournalEntry.business_date >= first,
            JournalEntry.business_date <= last).order_by(JournalEntry.business_date, JournalEntry.seq)).all()
        receipt_ids = {e.receipt_id for e in entries}
        receipts = {r.id: r for r in db.session.scalars(select(Receipt).where(Receipt.id.in_(receipt_ids)))} \
            if receipt_ids else {}
        lease_ids = {r.lease_id for r in receipts.values()}
        leases = {x.id: x for x in db.session.scalars(select(Lease).where(Lease.id.in_(lease_ids)))} if lease_ids else {}
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({e.clerk_id for e in entries})))} \
            if entries else {}
        pos = position(street.id, doc.period)
    kind_zh = {"collection": "", "void": "（作废冲销）", "refund": "（退税冲销）"}
    rows, by_item, total = [], {}, 0
    for e in entries:
        r = receipts.get(e.receipt_id)
        lease = leases.get(r.lease_id) if r else None
        rows.append((e.business_date.isoformat(), r.receipt_number if r else "", lease.registration_number if lease else "",
                     e.item_name_zh + kind_zh.get(e.kind, ""), METHOD_ZH.get(e.method, e.method), _yuan(e.amount_fen),
                     users[e.clerk_id].display_name if e.clerk_id in users else ""))
        by_item[e.item_name_zh] = by_item.get(e.item_name_zh, 0) + e.amount_fen
        total += e.amount_fen
    return LedgerReportData(
        meta=_meta(doc, street), street_office=_street_office(street), month_label=f"{year}年{month}月", rows=rows,
        totals_by_item=[(k, _yuan(v)) for k, v in by_item.items()], total=_yuan(total),
        collected=_yuan(pos.collected_fen), remitted=_yuan(pos.remitted_fen), outstanding=_yuan(pos.outstanding_fen))


def print_ledger_report(street_id: int, year: int, month: int) -> Printed:
    if not can_see_street(street_id):
        raise DocumentError(_("You cannot act for this street."), "street")
    if not (1 <= int(month) <= 12) or not (2000 <= int(year) <= 2100):
        raise DocumentError(_("Choose a month."), "month")
    street = _street(street_id)
    doc = _new_document("ledger_report", street_id, holder_name=street.office_name_zh,
                        period=f"{int(year):04d}-{int(month):02d}")
    return Printed(doc, render_document(_ledger_data(doc, street)))


# ------------------------------------------------------------------------------------------- reprints

def _data_for(doc: PrintedDocument):
    street = _street(doc.street_id)
    if doc.kind == "certificate":
        return _certificate_data(doc, doc.lease, street)
    if doc.kind == "info_slip":
        return _slip_data(doc, doc.lease, street)
    if doc.kind == "receipt":
        return _receipt_data(doc, doc.receipt, street)
    if doc.kind == "day_close":
        return _day_close_data(doc, doc.day_close, street)
    return _ledger_data(doc, street)


def reprint(document: PrintedDocument, reason: str | None) -> Printed:
    """补打: a new register row (reprint n of the first print), the original issue date, today's facts."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError(_("Enter the reason for the reprint."), "reason")
    original = document.original if document.original_id else document
    if original.kind in LEASE_KINDS:
        check_lease_printable(original.lease, original.kind)
        if original.kind == "info_slip" and original.holder_party_id not in {lp.party_id for lp in original.lease.tenants}:
            raise DocumentError(_("The tenant named on this slip is no longer a party of the lease: print a new slip."))
    doc = _new_document(original.kind, original.street_id, holder_name=original.holder_name,
                        lease=original.lease if original.kind in LEASE_KINDS else None,
                        receipt=original.receipt, day_close=original.day_close, period=original.period,
                        holder_party_id=original.holder_party_id, purpose=original.purpose, paper=original.paper,
                        original=original, reason=reason[:500],
                        lease_id=original.lease_id if original.kind == "receipt" else None)
    return Printed(doc, render_document(_data_for(doc)))


# ------------------------------------------------------------------------------------------- status and verification

def document_status(doc: PrintedDocument) -> tuple[str, str | None]:
    """(valid | void | superseded, reason key of ``labels.REASON_LABELS`` or None). Never stored."""
    with unrestricted():
        if doc.kind in LEASE_KINDS and doc.lease is not None:
            lease = doc.lease
            if lease.status == "cancelled":
                return "void", "filing_cancelled"
            if doc.lease_version is not None and lease.version > doc.lease_version:
                return "superseded", "lease_changed"
        elif doc.kind == "receipt" and doc.receipt is not None:
            if doc.receipt.status == "void":
                return "void", "receipt_void"
            if doc.receipt.status == "refunded":
                return "void", "receipt_refunded"
        elif doc.kind == "day_close" and doc.day_close is not None:
            dc = doc.day_close
            if dc.status == "reopened":
                return "void", "day_reopened"
            if dc.closed_at > doc.printed_at:
                return "superseded", "day_reclosed"
    return "valid", None


def find_by_verify_code(text: str | None) -> PrintedDocument | None:
    code = keys.normalise_code(text)
    if code is None:
        return None
    with unrestricted():
        return db.session.scalar(select(PrintedDocument).where(PrintedDocument.verify_code == code))


def log_verification(doc: PrintedDocument) -> int:
    """Count one public check of ``doc`` for today's business date (one atomic upsert; the table keeps a
    row per document and day, not a row per hit). Returns the day's count."""
    t = VerificationCount.__table__
    stmt = upsert(VerificationCount).values(document_id=doc.id, day=business_today(), checks=1)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.document_id, t.c.day],
                                      set_={"checks": t.c.checks + 1}).returning(t.c.checks)
    return int(db.session.execute(stmt).scalar_one())


def verification_counts(ids) -> dict[int, int]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(select(VerificationCount.document_id, func.sum(VerificationCount.checks))
                              .where(VerificationCount.document_id.in_(ids))
                              .group_by(VerificationCount.document_id))
    return {doc_id: int(n) for doc_id, n in rows}


def public_facts(doc: PrintedDocument) -> dict:
    """What the public page shows — masked facts only: kind, number, the ORIGINAL issue date, status, the
    masked holder, the lease term and use, and for lease proofs the building address without the room and
    the house code with its 6-digit unit part masked (enough to compare with the paper, not to locate a
    home). No ID numbers, phones, rents or names in clear."""
    status, reason = document_status(doc)
    with unrestricted():
        street = _street(doc.street_id)
        facts = {"kind": doc.kind, "doc_number": doc.doc_number, "issue_date": doc.issue_date,
                 "print_date": doc.print_date, "reprint_no": doc.reprint_no, "status": status, "reason": reason,
                 "holder_masked": mask_name(doc.holder_name), "purpose": doc.purpose if doc.kind == "info_slip" else None,
                 "street": street, "lease_start": None, "lease_end": None, "address": None, "house_code": None,
                 "use": None, "registration_number": None, "period": doc.period}
        if doc.kind in LEASE_KINDS and doc.lease is not None:
            lease = doc.lease
            code = lease.premises.house_code
            facts.update(lease_start=lease.start_date, lease_end=lease.end_date, address=lease.premises.address,
                         house_code=(code[:-6] + "******") if code else None, use=lease.lease_use,
                         registration_number=lease.registration_number)
        elif doc.kind == "receipt" and doc.receipt is not None:
            facts.update(registration_number=doc.receipt.receipt_number)
    return facts


# ------------------------------------------------------------------------------------------- register and scanner

def register_query(kind: str | None = None, date_from: date | None = None, date_to: date | None = None):
    """Documents of the user's street(s), newest first (street-scoped by the ORM hook)."""
    stmt = select(PrintedDocument)
    if kind:
        stmt = stmt.where(PrintedDocument.kind == kind)
    if date_from:
        stmt = stmt.where(PrintedDocument.print_date >= date_from)
    if date_to:
        stmt = stmt.where(PrintedDocument.print_date <= date_to)
    return stmt.order_by(PrintedDocument.id.desc())


def reprints_of(doc: PrintedDocument) -> list[PrintedDocument]:
    root = doc.original_id or doc.id
    return list(db.session.scalars(select(PrintedDocument).where(PrintedDocument.original_id == root)
                                   .order_by(PrintedDocument.reprint_no)))


def reprint_counts(ids) -> dict[int, int]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(select(PrintedDocument.original_id, func.count(PrintedDocument.id))
                              .where(PrintedDocument.original_id.in_(ids)).group_by(PrintedDocument.original_id))
    return {doc_id: int(n) for doc_id, n in rows}


def find_by_number(text: str | None) -> PrintedDocument | None:
    norm = re.sub(r"\s+", "", text or "").upper()
    m = DOC_NUMBER_RE.search(norm)
    if not m:
        return None
    number = f"DOC-{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return db.session.scalar(select(PrintedDocument).where(PrintedDocument.doc_number == number))


def lease_id_for_document_number(text: str | None) -> int | None:
    """A printed document's number typed or scanned (DOC-FT01-2026-000123, any case, extra characters)
    -> the id of its lease, within the user's street scope; None otherwise."""
    doc = find_by_number(text)
    return doc.lease_id if doc is not None else None


__all__ = ["DocumentError", "Printed", "Batch", "print_certificate", "print_info_slip", "print_receipt",
           "print_day_close", "print_ledger_report", "print_batch", "reprint", "document_status",
           "find_by_verify_code", "log_verification", "verification_counts", "public_facts", "register_query",
           "reprints_of", "reprint_counts", "find_by_number", "lease_id_for_document_number", "token_for",
           "check_token", "verify_url", "check_lease_printable", "InvalidToken"]
