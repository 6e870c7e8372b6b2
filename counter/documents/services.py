"""Printing documents: the register row and the PDF, in the caller's transaction (flush only, never commit).

Every print takes a gap-free document number (``next_serial("document", street, year)``), inserts one
append-only :class:`PrintedDocument` row, builds the ``printing`` dataclass from the database (plain,
already-masked strings), checks every character against the printing font, renders the PDF and signs it
with the office's certificate (PAdES, :mod:`counter.documents.signing`). A refusal (:class:`DocumentError`)
or a failure rolls the request back — row and number included.

**One original** per document (``models.ORIGINAL_SUBJECT``, a partial unique index per kind): a print
whose original exists is a reprint (补打) of it and needs a reason — without one the print functions raise
:class:`OriginalExists`; two windows printing the same original at once get one original and one refusal.

Public API::

    print_certificate(lease, reason=None) -> Printed         # 《房屋租赁凭证》 (leases with a property title)
    print_info_slip(lease, tenant_party_id, purpose, paper, reason=None) -> Printed   # 《房屋租赁信息》
    print_receipt(receipt, reason=None) -> Printed           # 代征税款收据 (void ones carry 作废)
    print_day_close(day_close, reason=None) -> Printed       # 日终结账单
    print_ledger_report(street_id, year, month, reason=None) -> Printed   # 代征税款月度台账
    reprint(document, reason, paper=None) -> Printed         # 补打: new row, same issue date as the original
    print_batch(leases, kind, purpose=, paper=, reason=) -> Batch   # several slips/certificates, one PDF
    original_of(kind, **subject) -> PrintedDocument | None   # the original a new print would repeat
    lease_print_state(lease) -> dict                         # originals of the lease's proofs, glyph problems
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
from sqlalchemy.exc import IntegrityError

from counter.audit.service import record
from counter.config import public_base_url
from counter.core.bounds import REASON_MAX
from counter.core.i18n import fmt_date
from counter.core.masking import mask_id, mask_name, mask_phone
from counter.core.scoping import can_see_street, unrestricted
from counter.core.serials import next_serial
from counter.core.timeutil import business_today, to_local, utcnow
from counter.documents import keys, signing
from counter.documents.labels import (DEFAULT_PURPOSE, id_type_zh, kind_zh, lease_status_zh, method_zh,
                                      receipt_status_zh, reversal_suffix_zh, role_zh, use_zh)
from counter.core.db import dialect_insert
from counter.documents.models import (DOCUMENT_KINDS, ORIGINAL_SUBJECT, PrintedDocument, VerificationCount,
                                      one_original_index_name)
from counter.extensions import db
from counter.leases.models import Lease, Party
from counter.leases.residence import residence_of
from counter.streets.models import Street
from printing import (CertificateData, DayCloseData, DocumentMeta, InfoSlipData, LedgerReportData, PartyLine,
                      ReceiptData, ReceiptLine, render_batch, render_document)
from printing.glyphs import MissingGlyphs, missing_in_text
from printing.signing import SigningUnavailable
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


class OriginalExists(DocumentError):
    """The document has its original already: printing again is a reprint (补打) and needs a reason."""

    def __init__(self, original: PrintedDocument, message: str | None = None):
        super().__init__(message or _("The original of this document was issued on %(date)s (%(number)s): printing "
                                      "it again is a reprint (补打). Enter the reason for the reprint.",
                                      date=fmt_date(original.issue_date), number=original.doc_number), "reason")
        self.original = original


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


def _base_url() -> str:
    base = public_base_url(current_app.config)
    if not base:
        raise DocumentError(_("The public address of the verification page is not configured (PUBLIC_BASE_URL): "
                              "no document can be issued, its QR code would point nowhere. Ask the administrator "
                              "to set it."))
    return base


def check_can_issue() -> None:
    """Refuse up front what would make every document wrong: no public address, no signing certificate."""
    _base_url()
    try:
        signing.office_signer()
    except SigningUnavailable as exc:
        current_app.logger.error("PDF signing unavailable: %s", exc)
        raise DocumentError(_("The office's signing certificate cannot be loaded (PDF_SIGNING_P12): no document "
                              "can be issued unsigned. Ask the administrator.")) from exc


def verify_url(document: PrintedDocument) -> str:
    base = public_base_url(current_app.config) or ""
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
    url = f"{_base_url()}/verify/{document.verify_code}"
    return DocumentMeta(doc_number=document.doc_number, verify_url=url, qr_payload=qr_payload(url, token_for(document)),
                        issued_at=document.print_date, original_issue_date=document.issue_date,
                        reprint_count=document.reprint_no, printed_by=document.printed_by_name,
                        office_name=street.office_name_zh, office_address=street.window_address,
                        office_phone=street.window_phone)


def _new_document(kind: str, street_id: int, *, holder_name: str, lease: Lease | None = None, receipt=None,
                  day_close=None, period: str | None = None, holder_party_id: int | None = None,
                  purpose: str | None = None, paper: str | None = None, original: PrintedDocument | None = None,
                  reason: str | None = None, lease_id: int | None = None, journal_seq: int | None = None,
                  lease_version: int | None = None) -> PrintedDocument:
    assert kind in DOCUMENT_KINDS
    check_can_issue()
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
        lease_version=(lease_version or lease.version) if lease is not None and kind in LEASE_KINDS else None,
        receipt_id=receipt.id if receipt is not None else None,
        day_close_id=day_close.id if day_close is not None else None, period=period,
        holder_name=(holder_name or "—")[:120], holder_party_id=holder_party_id, purpose=purpose, paper=paper,
        original_id=original.id if original is not None else None, reprint_no=reprint_no,
        reprint_reason=reason if original is not None else None, printed_by_id=user_id,
        printed_by_name=user_name[:64], printed_at=utcnow(), print_date=today,
        issue_date=original.issue_date if original is not None else today,
        is_original=True if original is None else None,
        day_closed_at=(original.day_closed_at if original is not None else day_close.closed_at)
        if day_close is not None else None,
        journal_seq=journal_seq if original is None else original.journal_seq)
    try:
        with db.session.begin_nested():  # a savepoint: the race below leaves the transaction usable
            db.session.add(doc)
            db.session.flush()
    except IntegrityError as exc:
        if original is None and (one_original_index_name(kind) in str(exc.orig) or _is_sqlite_one_original(exc, kind)):
            raise DocumentError(_("The original of this document has just been printed at another window: print "
                                  "again to make a reprint (补打) with a reason."), "reason") from exc
        raise
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


def _is_sqlite_one_original(exc: IntegrityError, kind: str) -> bool:
    """SQLite names the columns, not the index, of a failed partial unique index."""
    text = str(exc.orig)
    cols = ", ".join(f"printed_document.{c}" for c in ORIGINAL_SUBJECT[kind])
    return "UNIQUE constraint failed" in text and text.rstrip().endswith(cols)


def original_of(kind: str, **subject) -> PrintedDocument | None:
    """The original (a first print, ``reprint_no = 0``) of ``kind`` showing ``subject`` (the columns of
    ``ORIGINAL_SUBJECT[kind]``); the newest one where rows from before the rule hold several."""
    assert set(subject) == set(ORIGINAL_SUBJECT[kind]), subject
    stmt = select(PrintedDocument).where(PrintedDocument.kind == kind, PrintedDocument.reprint_no == 0)
    for col, value in subject.items():
        stmt = stmt.where(getattr(PrintedDocument, col) == value)
    with unrestricted():
        return db.session.scalar(stmt.order_by(PrintedDocument.id.desc()).limit(1))


def _print_or_reprint(original: PrintedDocument | None, reason: str | None, paper: str | None = None):
    """None when a new original may be printed; the reprint when an original exists and a reason is given."""
    if original is None:
        return None
    if not (reason or "").strip():
        raise OriginalExists(original)
    return reprint(original, reason, paper=paper)


def _issue(data, reason: str = "") -> bytes:
    """Glyph check, render, sign: the PDF that leaves the office."""
    try:
        pdf = render_document(data)
    except MissingGlyphs as exc:
        raise DocumentError(glyph_message(exc.missing[0])) from exc
    return signing.sign(pdf, reason=reason)


def _issue_batch(datas, reason: str = "") -> bytes:
    try:
        pdf = render_batch(datas)
    except MissingGlyphs as exc:
        raise DocumentError(glyph_message(exc.missing[0]), "leases") from exc
    return signing.sign(pdf, reason=reason)


def glyph_message(missing) -> str:
    from counter.documents.labels import field_label

    return _("%(field)s contains the character %(char)s (%(code)s), which the printing font lacks: the document "
             "cannot be printed without losing it. Correct the record (or ask the administrator for a font that "
             "has the character).", field=field_label(missing.field), char=missing.char, code=missing.code)


# ------------------------------------------------------------------------------------------- lease documents

def _party_line(lp) -> PartyLine:
    p = lp.party
    return PartyLine(role=role_zh(lp.role), name=p.name, id_type_label=id_type_zh(p.id_type),
                     id_number_masked=mask_id(p.id_number), phone_masked=mask_phone(p.phone))


def _residence(lease: Lease, party, on: date):
    """The tenant's residence at this address (counter.leases.residence): first filing date and months."""
    return residence_of(lease, party, on) if party is not None else None


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
        registration_date=lease.registered_on, status_label=lease_status_zh(lease.effective_status()))


def _slip_data(doc: PrintedDocument, lease: Lease, street: Street) -> InfoSlipData:
    tenant_lp = next((lp for lp in lease.tenants if lp.party_id == doc.holder_party_id), None)
    if tenant_lp is None:  # the tenant was removed by an amendment: print the name registered on the slip
        party = db.session.get(Party, doc.holder_party_id) if doc.holder_party_id else None
        tenant = PartyLine(role_zh("tenant"), doc.holder_name, id_type_zh(party.id_type) if party else "",
                           mask_id(party.id_number) if party else "", "")
    else:
        tenant = _party_line(tenant_lp)
        party = tenant_lp.party
    # residence counted up to the original's issue date: a reprint repeats the original's figures
    on = doc.issue_date or business_today()
    res = _residence(lease, party, on)
    landlords = lease.landlords
    return InfoSlipData(
        meta=_meta(doc, street), tenant=tenant,
        landlord_name_masked="、".join(mask_name(lp.party.name) for lp in landlords) or "—",
        registration_number_display=lease.registration_number, standard_address=lease.premises.full_address,
        house_code=lease.premises.house_code or "—", use_label=use_zh(lease.lease_use), term_start=lease.start_date,
        term_end=lease.end_date, signing_date=lease.signing_date, initial_filing_date=res.first_filing_date if res else lease.registered_on,
        residence_months=res.months if res else None, residence_as_of=min(on, res.end) if res else None,
        purpose=doc.purpose or DEFAULT_PURPOSE, lease_status_label=lease_status_zh(lease.effective_status()),
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


def _certificate_original(lease: Lease) -> PrintedDocument | None:
    return original_of("certificate", lease_id=lease.id, lease_version=lease.version)


def _slip_original(lease: Lease, party_id: int) -> PrintedDocument | None:
    return original_of("info_slip", lease_id=lease.id, lease_version=lease.version, holder_party_id=party_id)


def _new_certificate(lease: Lease) -> tuple[PrintedDocument, CertificateData]:
    tenants = lease.tenants
    holder = tenants[0].party if tenants else None
    doc = _new_document("certificate", lease.street_id, lease=lease,
                        holder_name=holder.name if holder else "—", holder_party_id=holder.id if holder else None)
    return doc, _certificate_data(doc, lease, _street(lease.street_id))


def _slip_tenant(lease: Lease, tenant_party_id: int | None):
    tenant_lp = next((lp for lp in lease.tenants if lp.party_id == tenant_party_id), None) \
        if tenant_party_id is not None else lease.tenants[0]
    if tenant_lp is None:
        raise DocumentError(_("Choose one of the lease's tenants."), "tenant")
    return tenant_lp


def _new_slip(lease: Lease, tenant_lp, purpose: str, paper: str) -> tuple[PrintedDocument, InfoSlipData]:
    doc = _new_document("info_slip", lease.street_id, lease=lease, holder_name=tenant_lp.party.name,
                        holder_party_id=tenant_lp.party_id, purpose=purpose, paper=paper)
    return doc, _slip_data(doc, lease, _street(lease.street_id))


def _check_slip_reprint(original: PrintedDocument | None, purpose: str) -> None:
    if original is not None and original.purpose and original.purpose != purpose:
        raise DocumentError(_("The original slip for this tenant was issued for “%(purpose)s”: a reprint repeats "
                              "it. Enter that purpose, or amend the lease first.", purpose=original.purpose),
                            "purpose")


def print_certificate(lease: Lease, reason: str | None = None) -> Printed:
    """The lease version's original certificate; a reprint of it (with ``reason``) when it exists."""
    check_lease_printable(lease, "certificate")
    again = _print_or_reprint(_certificate_original(lease), reason)
    if again is not None:
        return again
    doc, data = _new_certificate(lease)
    return Printed(doc, _issue(data, kind_zh("certificate")))


def print_info_slip(lease: Lease, tenant_party_id: int | None = None, purpose: str | None = DEFAULT_PURPOSE,
                    paper: str | None = None, reason: str | None = None) -> Printed:
    """The original slip of one tenant for the lease version; a reprint of it (with ``reason``) when it
    exists (same purpose; the paper may differ)."""
    check_lease_printable(lease, "info_slip")
    tenant_lp = _slip_tenant(lease, tenant_party_id)
    purpose, paper = _clean_purpose(purpose), _clean_paper(paper)
    original = _slip_original(lease, tenant_lp.party_id)
    _check_slip_reprint(original, purpose)
    again = _print_or_reprint(original, reason, paper)
    if again is not None:
        return again
    doc, data = _new_slip(lease, tenant_lp, purpose, paper)
    return Printed(doc, _issue(data, kind_zh("info_slip")))


def print_batch(leases: list[Lease], kind: str, *, purpose: str | None = DEFAULT_PURPOSE,
                paper: str | None = None, reason: str | None = None) -> Batch:
    """One PDF of slips (for each lease's first tenant) or certificates; refused as a whole when one lease
    cannot get the document (the message names the leases). A lease whose document has its original
    already gets a reprint of it when ``reason`` is given, else the batch is refused naming it."""
    if kind not in LEASE_KINDS:
        raise DocumentError(_("Choose slips or certificates."), "kind")
    if not leases:
        raise DocumentError(_("Tick at least one lease."), "leases")
    if kind == "info_slip":
        purpose, paper = _clean_purpose(purpose), _clean_paper(paper)
    reason = (reason or "").strip()
    refused, plan = [], []
    for lease in leases:
        try:
            check_lease_printable(lease, kind)
            tenant_lp = _slip_tenant(lease, None) if kind == "info_slip" else None
            original = _certificate_original(lease) if kind == "certificate" else \
                _slip_original(lease, tenant_lp.party_id)
            if kind == "info_slip":
                _check_slip_reprint(original, purpose)
            if original is not None and not reason:
                raise OriginalExists(original, _("its original %(number)s was issued on %(date)s: enter a reason to "
                                                 "reprint it.", number=original.doc_number,
                                                 date=fmt_date(original.issue_date)))
        except DocumentError as exc:
            refused.append(f"{lease.registration_code}: {exc.message}")
        else:
            plan.append((lease, tenant_lp, original))
    if refused:
        raise DocumentError(" ".join(refused), "leases")
    made = []
    for lease, tenant_lp, original in plan:
        if original is not None:
            made.append(_reprint_row(original, reason, paper if kind == "info_slip" else None))
        elif kind == "certificate":
            made.append(_new_certificate(lease))
        else:
            made.append(_new_slip(lease, tenant_lp, purpose, paper))
    return Batch([doc for doc, _data in made], _issue_batch([data for _doc, data in made], kind_zh(kind)))


def lease_glyph_problems(lease: Lease) -> list[dict]:
    """The characters of the lease's printed facts that the printing font lacks (the lease page warns
    at registration time: no proof of this lease could be printed)."""
    from counter.documents.labels import FIELD_LABELS

    texts = [(str(FIELD_LABELS["name"]), lp.party.name) for lp in lease.parties]
    texts.append((str(FIELD_LABELS["property_address"]), lease.premises.full_address))
    out = []
    for label, text in texts:
        for ch in missing_in_text(text):
            out.append({"field": label, "value": text, "char": ch, "code": f"U+{ord(ch):04X}"})
    return out


def lease_print_state(lease: Lease) -> dict:
    """For the lease page: the originals of the current version (a print of them is a reprint) and the
    characters that would block printing."""
    return {"certificate": _certificate_original(lease) if lease.premises.has_title else None,
            "slips": {lp.party_id: _slip_original(lease, lp.party_id) for lp in lease.tenants},
            "glyphs": lease_glyph_problems(lease)}


# ------------------------------------------------------------------------------------------- finance documents

def _period_label(start, end) -> str:
    """税款所属期: ``2024年3月15日至2024年6月30日`` (the first period's first day to the last one's last)."""
    def zh(d) -> str:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{zh(start)}至{zh(end)}"


def _receipt_lines(receipt) -> tuple[list[ReceiptLine], list[str], bool]:
    """The receipt's lines table from its stored assessment (fees.breakdown: each row's arithmetic), the
    notes that explain the bases, and whether it rests on sample rates. A receipt without an assessment
    record (or one stored before the arithmetic was kept) prints its journal amounts only."""
    import fees
    from counter.collection.models import JournalEntry

    with unrestricted():
        rec = None
        if receipt.assessment_record_id:
            from counter.tax.models import AssessmentRecord

            rec = db.session.get(AssessmentRecord, receipt.assessment_record_id)
        entries = [] if rec is not None else db.session.scalars(
            select(JournalEntry).where(JournalEntry.receipt_id == receipt.id, JournalEntry.kind == "collection")
            .order_by(JournalEntry.seq)).all()
    if rec is None:
        return ([ReceiptLine(e.item_name_zh, "", "", "", "", "", "", 0, fees.plain_yuan(e.amount_fen))
                 for e in entries], [], False)
    b = fees.breakdown(fees.Assessment.from_dict(rec.result))
    yuan = fees.plain_yuan
    lines = [ReceiptLine(r.name_zh, r.period("zh"), "" if r.legacy else r.base_label, "" if r.legacy else r.rate_label,
                         yuan(r.tax_fen), r.relief_label, yuan(r.relief_fen) if r.relief_fen else "", r.count,
                         yuan(r.amount_fen)) for r in b.rows]
    exempt = b.exempt_notes("zh")
    notes = (["免征：" + "；".join(exempt)] if exempt else []) + b.notes("zh")
    return lines, notes, b.sample


def _receipt_data(doc: PrintedDocument, receipt, street: Street) -> ReceiptData:
    from counter.auth.models import User

    with unrestricted():
        lease = db.session.get(Lease, receipt.lease_id)
        clerk = db.session.get(User, receipt.clerk_id)
    lines, notes, sample = _receipt_lines(receipt)
    return ReceiptData(
        meta=_meta(doc, street), receipt_number=receipt.receipt_number, payer_name=receipt.payer_name,
        registration_number_display=lease.registration_number if lease else "",
        property_address=lease.premises.full_address if lease else "",
        period_label=_period_label(receipt.period_start, receipt.period_end), lines=lines, notes=notes,
        sample_rates=sample,
        total_fen=receipt.total_fen, total_display=_yuan(receipt.total_fen),
        payment_method_label=method_zh(receipt.method),
        payment_reference=receipt.payment_reference or "", clerk_name=clerk.signature if clerk else "",
        tendered_display=_yuan(receipt.tendered_fen) if receipt.tendered_fen is not None else "",
        change_display=_yuan(receipt.change_fen) if receipt.tendered_fen is not None else "",
        business_date=receipt.business_date, voided=receipt.status != "issued",
        void_reason=(f"{receipt_status_zh(receipt.status)}：{receipt.void_reason}"
                     if receipt.status != "issued" else ""))


def print_receipt(receipt, reason: str | None = None) -> Printed:
    """The receipt's original; a reprint of it (with ``reason``; a void receipt reprints marked 作废)."""
    again = _print_or_reprint(original_of("receipt", receipt_id=receipt.id), reason)
    if again is not None:
        return again
    # lease_id: the scanner lands on the receipt's lease
    doc = _new_document("receipt", receipt.street_id, holder_name=receipt.payer_name, receipt=receipt,
                        lease_id=receipt.lease_id)
    return Printed(doc, _issue(_receipt_data(doc, receipt, _street(receipt.street_id)), kind_zh("receipt")))


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
        clerk_name=clerk.signature if clerk else "", receipt_count=dc.receipt_count,
        totals_by_method=[(method_zh(m), _yuan(int(v))) for m, v in by_method.items()],
        totals_by_item=item_rows, expected_cash=_yuan(dc.expected_cash_fen), counted_cash=_yuan(dc.counted_cash_fen),
        variance=_yuan(dc.variance_fen), variance_note=dc.variance_note or "",
        closed_at=to_local(dc.closed_at).replace(tzinfo=None), supervisor_name=signer.display_name if signer else "",
        receipts=[(r.receipt_number, r.payer_name, method_zh(r.method), _yuan(r.total_fen),
                   receipt_status_zh(r.status)) for r in receipts],
        total=_yuan(int(totals.get("total_fen", 0) or 0)),
        receipts_total=_yuan(sum(r.total_fen for r in receipts if r.status == "issued")),
        receipts_standing=sum(1 for r in receipts if r.status == "issued"))


def print_day_close(dc, reason: str | None = None) -> Printed:
    """The original sheet of this close (a day reopened and closed again gets a new one); else a reprint."""
    from counter.auth.models import User

    again = _print_or_reprint(original_of("day_close", day_close_id=dc.id, day_closed_at=dc.closed_at), reason)
    if again is not None:
        return again
    with unrestricted():
        clerk = db.session.get(User, dc.clerk_id)
    doc = _new_document("day_close", dc.street_id, holder_name=clerk.display_name if clerk else "—", day_close=dc,
                        period=dc.business_date.isoformat()[:7])
    return Printed(doc, _issue(_day_close_data(doc, dc, _street(dc.street_id)), kind_zh("day_close")))


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
    rows, by_item, total = [], {}, 0
    for e in entries:
        r = receipts.get(e.receipt_id)
        lease = leases.get(r.lease_id) if r else None
        rows.append((e.business_date.isoformat(), r.receipt_number if r else "", lease.registration_number if lease else "",
                     e.item_name_zh + reversal_suffix_zh(e.kind), method_zh(e.method), _yuan(e.amount_fen),
                     users[e.clerk_id].display_name if e.clerk_id in users else ""))
        by_item[e.item_name_zh] = by_item.get(e.item_name_zh, 0) + e.amount_fen
        total += e.amount_fen
    return LedgerReportData(
        meta=_meta(doc, street), street_office=_street_office(street), month_label=f"{year}年{month}月", rows=rows,
        totals_by_item=[(k, _yuan(v)) for k, v in by_item.items()], total=_yuan(total),
        collected=_yuan(pos.collected_fen), remitted=_yuan(pos.remitted_fen), outstanding=_yuan(pos.outstanding_fen))


def month_journal_seq(street_id: int, period: str) -> int:
    """The last journal entry (``seq``) of the street dated in ``period`` (YYYY-MM), 0 when none: what a
    monthly report shows. A posting added to the month makes the next print a new original."""
    from counter.collection.models import JournalEntry
    from counter.ledger.services import month_bounds

    first, last = month_bounds(*(int(x) for x in period.split("-")))
    with unrestricted():
        seq = db.session.scalar(select(func.max(JournalEntry.seq)).where(
            JournalEntry.street_id == street_id, JournalEntry.business_date >= first,
            JournalEntry.business_date <= last))
    return int(seq or 0)


def print_ledger_report(street_id: int, year: int, month: int, reason: str | None = None) -> Printed:
    """The month's report as it stands; a reprint (with ``reason``) when nothing was posted since its
    original, a new original (the older one superseded) when something was."""
    if not can_see_street(street_id):
        raise DocumentError(_("You cannot act for this street."), "street")
    if not (1 <= int(month) <= 12) or not (2000 <= int(year) <= 2100):
        raise DocumentError(_("Choose a month."), "month")
    street = _street(street_id)
    period = f"{int(year):04d}-{int(month):02d}"
    seq = month_journal_seq(street_id, period)
    again = _print_or_reprint(original_of("ledger_report", street_id=street_id, period=period, journal_seq=seq), reason)
    if again is not None:
        return again
    doc = _new_document("ledger_report", street_id, holder_name=street.office_name_zh, period=period, journal_seq=seq)
    return Printed(doc, _issue(_ledger_data(doc, street), kind_zh("ledger_report")))


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


def _check_still_current(original: PrintedDocument) -> None:
    """A reprint repeats its original: refused when what the original showed has changed since."""
    changed = False
    if original.kind in LEASE_KINDS:
        lease = original.lease
        check_lease_printable(lease, original.kind)
        if original.kind == "info_slip" and original.holder_party_id not in {lp.party_id for lp in lease.tenants}:
            raise DocumentError(_("The tenant named on this slip is no longer a party of the lease: print a new slip."))
        changed = original.lease_version is not None and lease.version != original.lease_version
    elif original.kind == "day_close" and original.day_closed_at is not None:
        changed = original.day_close.closed_at != original.day_closed_at
    elif original.kind == "ledger_report" and original.journal_seq is not None:
        changed = month_journal_seq(original.street_id, original.period) != original.journal_seq
    if changed:
        raise DocumentError(_("What this document shows has changed since it was issued (it is superseded): print a "
                              "new original instead of a reprint."))


def _reprint_row(document: PrintedDocument, reason: str | None, paper: str | None = None):
    """The register row and the data of a reprint (补打) of ``document``'s original."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError(_("Enter the reason for the reprint."), "reason")
    original = document.original if document.original_id else document
    _check_still_current(original)
    if paper is not None and original.kind == "info_slip":
        paper = _clean_paper(paper)
    doc = _new_document(original.kind, original.street_id, holder_name=original.holder_name,
                        lease=original.lease if original.kind in LEASE_KINDS else None,
                        receipt=original.receipt, day_close=original.day_close, period=original.period,
                        holder_party_id=original.holder_party_id, purpose=original.purpose,
                        paper=(paper or original.paper) if original.kind == "info_slip" else original.paper,
                        original=original, reason=reason[:REASON_MAX],
                        lease_id=original.lease_id if original.kind == "receipt" else None,
                        lease_version=original.lease_version)
    return doc, _data_for(doc)


def reprint(document: PrintedDocument, reason: str | None, paper: str | None = None) -> Printed:
    """补打: a new register row (reprint n of the first print), the original issue date, the same facts
    (refused when they changed: then a new original is due)."""
    doc, data = _reprint_row(document, reason, paper)
    return Printed(doc, _issue(data, f"{kind_zh(doc.kind)} 补打"))


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
            if dc.closed_at > (doc.day_closed_at or doc.printed_at):
                return "superseded", "day_reclosed"
        elif doc.kind == "ledger_report" and doc.period:
            if _current_subject(doc) is not None:
                return "superseded", "ledger_changed"
    return "valid", None


def _current_subject(doc: PrintedDocument) -> dict | None:
    """What an original of ``doc``'s kind would show today, when it differs from what ``doc`` shows."""
    root = doc.original if doc.original_id else doc
    if doc.kind in LEASE_KINDS and doc.lease is not None and doc.lease_version is not None:
        if doc.lease.version == doc.lease_version:
            return None
        subject = {"lease_id": doc.lease_id, "lease_version": doc.lease.version}
        if doc.kind == "info_slip":
            subject["holder_party_id"] = doc.holder_party_id
        return subject
    if doc.kind == "day_close" and doc.day_close is not None:
        closed = doc.day_close.closed_at
        return None if closed == (root.day_closed_at or closed) else {"day_close_id": doc.day_close_id,
                                                                       "day_closed_at": closed}
    if doc.kind == "ledger_report" and doc.period:
        seq = month_journal_seq(doc.street_id, doc.period)
        if root.journal_seq is None or seq == root.journal_seq:
            return None
        return {"street_id": doc.street_id, "period": doc.period, "journal_seq": seq}
    return None


def successor_of(doc: PrintedDocument) -> PrintedDocument | None:
    """The newer original that replaces a superseded ``doc`` (None while none was printed)."""
    with unrestricted():
        subject = _current_subject(doc)
        return original_of(doc.kind, **subject) if subject is not None else None


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
    stmt = dialect_insert(VerificationCount).values(document_id=doc.id, day=business_today(), checks=1)
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
                 "use": None, "registration_number": None, "period": doc.period, "superseded_by": None}
        if status == "superseded":
            newer = successor_of(doc)
            if newer is not None:
                facts["superseded_by"] = {"doc_number": newer.doc_number, "issue_date": newer.issue_date}
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

def register_query(kind: str | None = None, date_from: date | None = None, date_to: date | None = None,
                   print_kind: str | None = None):
    """Documents of the user's street(s), newest first (street-scoped by the ORM hook); ``print_kind``
    "original" or "reprint" keeps only those."""
    stmt = select(PrintedDocument)
    if print_kind == "original":
        stmt = stmt.where(PrintedDocument.reprint_no == 0)
    elif print_kind == "reprint":
        stmt = stmt.where(PrintedDocument.reprint_no > 0)
    if kind:
        stmt = stmt.where(PrintedDocument.kind == kind)
    if date_from:
        stmt = stmt.where(PrintedDocument.print_date >= date_from)
    if date_to:
        stmt = stmt.where(PrintedDocument.print_date <= date_to)
    return stmt.order_by(PrintedDocument.id.desc())


def register_counts(kind: str | None = None, date_from: date | None = None, date_to: date | None = None) -> dict:
    """{"original": n, "reprint": m} over the register's filter (the user's streets)."""
    from sqlalchemy import case

    stmt = register_query(kind, date_from, date_to).order_by(None).subquery()
    originals, reprints = db.session.execute(select(
        func.coalesce(func.sum(case((stmt.c.reprint_no == 0, 1), else_=0)), 0),
        func.coalesce(func.sum(case((stmt.c.reprint_no > 0, 1), else_=0)), 0))).one()
    return {"original": int(originals), "reprint": int(reprints)}


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


__all__ = ["OriginalExists", "original_of", "lease_print_state", "lease_glyph_problems", "successor_of",
           "month_journal_seq", "check_can_issue", "glyph_message", "DocumentError", "Printed", "Batch", "print_certificate", "print_info_slip", "print_receipt",
           "print_day_close", "print_ledger_report", "print_batch", "reprint", "document_status",
           "find_by_verify_code", "log_verification", "verification_counts", "public_facts", "register_query",
           "reprints_of", "reprint_counts", "find_by_number", "lease_id_for_document_number", "token_for",
           "check_token", "verify_url", "check_lease_printable", "InvalidToken"]


def lease_documents(lease: Lease) -> list[dict]:
    """The lease page's printed documents: every certificate and slip of the lease, originals and reprints,
    newest first, each with its derived status (valid / void / superseded) and reason."""
    docs = db.session.scalars(select(PrintedDocument).where(PrintedDocument.lease_id == lease.id)
                              .order_by(PrintedDocument.id.desc())).all()
    out = []
    for doc in docs:
        status, reason = document_status(doc)
        out.append({"doc": doc, "status": status, "reason": reason})
    return out
