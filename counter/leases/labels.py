"""Display labels of the lease module's codes (translated through Babel).

Lease-use labels come from ``fees.uses`` (the shared codes) when that package is present."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from counter.leases.models import LEASE_USES

try:  # the shared codes and their bilingual labels (fees/uses.py)
    from fees.uses import USE_LABELS as _FEES_USE_LABELS
except ImportError:  # pragma: no cover - fees not installed
    _FEES_USE_LABELS = None

_OWN_USE_LABELS = {
    "residential": _l("Residential"), "mixed": _l("Mixed commercial/residential"), "commercial": _l("Commercial"),
    "office": _l("Office"), "factory": _l("Factory"), "warehouse": _l("Warehouse"), "dormitory": _l("Dormitory"),
    "other": _l("Other"),
}

ID_TYPE_LABELS = {
    "resident_id": _l("Resident ID card"),
    "residence_permit": _l("HK/Macao/Taiwan residence permit"),
    "hk_macau_permit": _l("HK/Macao home-return permit"),
    "taiwan_permit": _l("Taiwan compatriot permit"),
    "passport": _l("Passport"),
    "foreigner_permanent": _l("Foreigner permanent residence card"),
    "credit_code": _l("Unified social credit code"),
}

ROLE_LABELS = {
    "landlord": _l("Landlord"),
    "sublessor": _l("Sublessor"),
    "tenant": _l("Tenant"),
    "agent": _l("Agent"),
}

STATUS_LABELS = {
    "active": _l("Active"),
    "expired": _l("Expired"),
    "terminated": _l("Terminated"),
    "cancelled": _l("Filing cancelled"),
}

PAYMENT_CYCLE_LABELS = {
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "half_yearly": _l("Half-yearly"),
    "yearly": _l("Yearly"),
    "other": _l("Other"),
}

EVENT_LABELS = {
    "register": _l("Registered"),
    "renewal": _l("Registered as renewal"),
    "amend": _l("Amended"),
    "renewed": _l("Renewed"),
    "terminate": _l("Terminated"),
    "cancel": _l("Filing cancelled"),
}


def use_label(code: str | None) -> str:
    if not code:
        return ""
    if _FEES_USE_LABELS and code in _FEES_USE_LABELS:
        from counter.core.i18n import locale_code

        return _FEES_USE_LABELS[code]["en" if locale_code().startswith("en") else "zh"]
    return str(_OWN_USE_LABELS.get(code, code))


def use_choices() -> list[tuple[str, str]]:
    return [(code, use_label(code)) for code in LEASE_USES]


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in labels.items()]
