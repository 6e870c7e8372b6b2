"""Labels of the documents module (English here, Chinese from the catalogs), and the Chinese ones its
printed documents show: the labels of the modules that own the codes, through
:func:`counter.core.i18n.printed` (Flask-Babel's ``force_locale``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from counter.collection.labels import METHOD_LABELS, RECEIPT_STATUS_LABELS, REVERSAL_SUFFIXES
from counter.core.i18n import printed
from counter.core.labels import USE_LABELS
from counter.leases.labels import ID_TYPE_LABELS, ROLE_LABELS
from counter.leases.labels import STATUS_LABELS as LEASE_STATUS_LABELS

# --- UI -----------------------------------------------------------------------------------------------
KIND_LABELS = {
    "certificate": _l("Lease certificate"),
    "info_slip": _l("Lease information slip"),
    "receipt": _l("Tax receipt"),
    "day_close": _l("Day-close sheet"),
    "ledger_report": _l("Monthly ledger report"),
}
STATUS_LABELS = {"valid": _l("Valid"), "void": _l("Void"), "superseded": _l("Superseded")}
REASON_LABELS = {
    "filing_cancelled": _l("The lease filing has been cancelled."),
    "receipt_void": _l("The receipt has been voided."),
    "receipt_refunded": _l("The tax on this receipt has been refunded."),
    "lease_changed": _l("The lease has been changed since this document was printed; a newer document replaces it."),
    "day_reopened": _l("The business day has been reopened."),
    "day_reclosed": _l("The business day was closed again after this sheet was printed."),
    "ledger_changed": _l("Postings were added to the month after this report was printed; a newer report replaces it."),
}

# fields of the printed data (printing.glyphs paths: "parties[2].name" -> "name"), for refusals
FIELD_LABELS = {
    "name": _l("A party's name"),
    "id_type_label": _l("A party's ID type"),
    "id_number_masked": _l("A party's ID number"),
    "phone_masked": _l("A party's phone"),
    "property_address": _l("The property address"),
    "standard_address": _l("The property address"),
    "house_code": _l("The house code"),
    "landlord_name_masked": _l("The landlord's name"),
    "purpose": _l("The purpose"),
    "payer_name": _l("The payer's name"),
    "payment_reference": _l("The payment reference"),
    "void_reason": _l("The reason for voiding"),
    "clerk_name": _l("The clerk's name"),
    "supervisor_name": _l("The supervisor's name"),
    "printed_by": _l("The name of the clerk who prints"),
    "variance_note": _l("The note on the cash difference"),
    "receipts": _l("A receipt of the day"),
    "rows": _l("A line of the ledger"),
    "lines": _l("A line of the receipt"),
    "office_name": _l("The office's name"),
    "office_address": _l("The office's address"),
}


def field_label(path: str) -> str:
    """``parties[2].name`` -> "A party's name"; unknown paths are shown as they are."""
    import re

    parts = [p for p in re.split(r"\[[^\]]*\]|\.", path) if p]
    for part in reversed(parts):
        if part in FIELD_LABELS:
            return str(FIELD_LABELS[part])
    return path
PAPER_CHOICES = [("A4", "A4"), ("A5", "A5")]
DEFAULT_PURPOSE = "学位申请"


def _zh(labels: dict, code: str | None) -> str:
    return printed(labels[code]) if code in labels else (code or "")


def kind_zh(kind: str) -> str:
    return _zh(KIND_LABELS, kind)


def role_zh(role: str) -> str:
    return _zh(ROLE_LABELS, role)


def id_type_zh(id_type: str | None) -> str:
    return _zh(ID_TYPE_LABELS, id_type)


def lease_status_zh(status: str) -> str:
    return _zh(LEASE_STATUS_LABELS, status)


def use_zh(code: str | None) -> str:
    return _zh(USE_LABELS, code)


def method_zh(method: str) -> str:
    return _zh(METHOD_LABELS, method)


def receipt_status_zh(status: str) -> str:
    return _zh(RECEIPT_STATUS_LABELS, status)


def reversal_suffix_zh(kind: str) -> str:
    """The suffix of a reversal's line in the printed monthly ledger; "" for a collection."""
    return _zh(REVERSAL_SUFFIXES, kind) if kind in REVERSAL_SUFFIXES else ""
