"""Labels of the codes shared by several modules (the lease uses and landlord kinds of :mod:`fees.uses`).

English source strings here, Chinese from the catalogs (translations/core). Each module's own codes are
labelled in its ``labels.py`` the same way (leases: ID types, roles, statuses; collection: payment
methods, receipt statuses, journal kinds; documents: document kinds). Printed documents show the same
labels in Chinese (:func:`counter.core.i18n.printed`). fees/ keeps its own bilingual texts for the
explanations it writes (it is a library without the app's catalogs; a test keeps the two in step)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

USE_LABELS = {
    "residential": _l("Residential"), "mixed": _l("Mixed commercial/residential"), "commercial": _l("Commercial"),
    "office": _l("Office"), "factory": _l("Factory"), "warehouse": _l("Warehouse"), "dormitory": _l("Dormitory"),
    "other": _l("Other"),
}
LANDLORD_KIND_LABELS = {"individual": _l("Individual"), "organization": _l("Organization")}


def use_label(code: str | None) -> str:
    if not code:
        return ""
    return str(USE_LABELS.get(code, code))


def landlord_label(code: str | None) -> str:
    if not code:
        return ""
    return str(LANDLORD_KIND_LABELS.get(code, code))
