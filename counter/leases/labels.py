"""Display labels of the lease module's codes (English here, Chinese from the catalogs; printed
documents show them in Chinese through :func:`counter.core.i18n.printed`). Lease uses: :mod:`counter.core.labels`."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from counter.core.labels import USE_LABELS, use_label  # noqa: F401 (the lease screens' use labels)
from counter.leases.models import LEASE_USES

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


def use_choices() -> list[tuple[str, str]]:
    return [(code, use_label(code)) for code in LEASE_USES]


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in labels.items()]
