"""The scanner field of the top bar: what a barcode scanner (or a clerk) types -> the record.

:func:`find_by_scan` recognises, by the input's shape, each number the office prints or files:

============== ============================================== ===============================================
kind           looks like                                      leads to
============== ============================================== ===============================================
verify_code    the QR code's URL ``.../verify/<code>``         the printed document's record (as document)
document       ``DOC-FT01-2026-000123``                        the lease / receipt / day close it proves,
                                                               else the register entry
receipt        ``FT01-R2026-000001``                           the receipt
registration   ``FT01-2026-000123`` or 深福南租备〔2026〕第000123号  the lease
house_code     25 letters and digits                           the leases of the property
id_number      an ID number (after normalisation)              the leases naming that party
============== ============================================== ===============================================

Every query is an ORM select of street-owned models, so the street restriction is the one of
:mod:`counter.core.scoping` — set from ``user``'s streets for the duration of the call (a request has the
same scope already). Input longer than :data:`counter.core.bounds.SEARCH_MAX` is never queried.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from counter.core.bounds import SEARCH_MAX
from counter.core.scoping import current_scope, scoped_to
from counter.extensions import db
from counter.leases.idnumbers import normalise as normalise_id
from counter.leases.models import Lease, LeaseParty, Party, Property
from counter.leases.services import CODE_RE, SCAN_TARGETS, normalise_code

LIST_MAX = 50  # matches listed at most (a house or a person with more leases: the newest 50)

RECEIPT_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{2})[-_]?R(\d{4})[-_]?(\d{6})(?!\d)")
DOC_RE = re.compile(r"DOC[-_]?([A-Z]{2}\d{2})[-_]?(\d{4})[-_]?(\d{6})(?!\d)")
VERIFY_URL_RE = re.compile(r"/VERIFY/([A-Z2-7]{16,32})(?![A-Z0-9])")
HOUSE_CODE_RE = re.compile(r"[0-9A-Z]{25}")
ID_RE = re.compile(r"[0-9A-Z]{5,24}")


@dataclass(frozen=True)
class Match:
    kind: str  # lease | receipt | document | day_close
    endpoint: str
    values: dict
    number: str  # what identifies it on screen
    record: object = None  # the row (a template may show more of it)


@dataclass
class ScanResult:
    query: str
    kind: str | None = None  # the shape recognised (see the module table), None when none
    matches: list[Match] = field(default_factory=list)
    truncated: bool = False  # more than LIST_MAX matches

    @property
    def target(self) -> Match | None:
        """The one record to jump to (None: list the matches, or none found)."""
        return self.matches[0] if len(self.matches) == 1 else None


def _lease_match(lease: Lease) -> Match:
    return Match("lease", "leases.view", {"lease_id": lease.id}, lease.registration_number, lease)


def _leases(stmt, result: ScanResult) -> ScanResult:
    rows = list(db.session.scalars(stmt.order_by(Lease.id.desc()).limit(LIST_MAX + 1)))
    result.truncated = len(rows) > LIST_MAX
    result.matches = [_lease_match(lease) for lease in rows[:LIST_MAX]]
    return result


def _document_match(doc) -> Match:
    if doc.lease_id is not None:
        lease = db.session.get(Lease, doc.lease_id)
        if lease is not None:
            return _lease_match(lease)
    if doc.receipt_id is not None and doc.receipt is not None:
        return Match("receipt", "collection.receipt", {"receipt_id": doc.receipt_id},
                     doc.receipt.receipt_number, doc.receipt)
    if doc.day_close_id is not None and doc.day_close is not None:
        return Match("day_close", "collection.day_close_view", {"day_close_id": doc.day_close_id},
                     doc.doc_number, doc.day_close)
    return Match("document", "documents.view", {"doc_id": doc.id}, doc.doc_number, doc)


def _documents():
    try:
        from counter.documents.models import PrintedDocument
    except ImportError:  # the documents module is not installed
        return None
    return PrintedDocument


def _receipts():
    try:
        from counter.collection.models import Receipt
    except ImportError:
        return None
    return Receipt


def find_by_scan(text: str | None, user=None) -> ScanResult:
    """What ``text`` names, among the records ``user`` may see (their streets; None: the current scope)."""
    raw = (text or "").strip()
    result = ScanResult(query=raw)
    if not raw or len(raw) > SEARCH_MAX:
        return result
    scope = user.street_ids() if user is not None else current_scope()
    with scoped_to(scope):
        return _find(raw, result)


def _find(raw: str, result: ScanResult) -> ScanResult:
    norm = normalise_code(raw)
    for lookup in SCAN_TARGETS:  # shapes of higher modules (a pre-filing code, a queue ticket)
        found = lookup(raw)
        if found is not None:
            result.kind, endpoint, values, number = found
            result.matches = [Match(result.kind, endpoint, values, number)] if endpoint else []
            return result
    PrintedDocument = _documents()
    if PrintedDocument is not None:
        m = VERIFY_URL_RE.search(norm)
        if m:
            result.kind = "verify_code"
            doc = db.session.scalar(select(PrintedDocument).where(PrintedDocument.verify_code == m.group(1)))
            result.matches = [_document_match(doc)] if doc is not None else []
            return result
        m = DOC_RE.search(norm)
        if m:
            result.kind = "document"
            number = f"DOC-{m.group(1)}-{m.group(2)}-{m.group(3)}"
            doc = db.session.scalar(select(PrintedDocument).where(PrintedDocument.doc_number == number))
            result.matches = [_document_match(doc)] if doc is not None else []
            return result
    Receipt = _receipts()
    if Receipt is not None:
        m = RECEIPT_RE.search(norm)
        if m:
            result.kind = "receipt"
            number = f"{m.group(1)}-R{m.group(2)}-{m.group(3)}"
            receipt = db.session.scalar(select(Receipt).where(Receipt.receipt_number == number))
            result.matches = ([Match("receipt", "collection.receipt", {"receipt_id": receipt.id},
                                     receipt.receipt_number, receipt)] if receipt is not None else [])
            return result
    if "租备" in raw or "〔" in raw or CODE_RE.search(norm):
        result.kind = "registration"
        m = CODE_RE.search(norm)
        condition = Lease.registration_number == norm
        if m:
            condition = condition | (Lease.registration_code == f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
        lease = db.session.scalar(select(Lease).where(condition))
        result.matches = [_lease_match(lease)] if lease is not None else []
        return result
    if HOUSE_CODE_RE.fullmatch(norm):
        result.kind = "house_code"
        return _leases(select(Lease).where(Lease.property_id.in_(
            select(Property.id).where(Property.house_code == norm))), result)
    id_number = normalise_id(raw)
    if ID_RE.fullmatch(id_number) and any(c.isdigit() for c in id_number):
        result.kind = "id_number"
        party = exists(select(LeaseParty.id).join(Party, Party.id == LeaseParty.party_id)
                       .where(LeaseParty.lease_id == Lease.id, Party.id_number == id_number))
        return _leases(select(Lease).where(party), result)
    return result
