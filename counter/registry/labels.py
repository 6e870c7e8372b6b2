"""Labels of the coverage report's categories (English; Chinese in translations/registry)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "unfiled": _l("Registered, not rented (no valid filing)"),
    "missing": _l("Rented, not in the registry"),
    "address": _l("Address differs from the registry"),
    "street": _l("Filed in another street than the registry's"),
    "old_code": _l("Old-format building code"),
}
CATEGORY_SHORT = {
    "unfiled": _l("No filing"),
    "missing": _l("Not in registry"),
    "address": _l("Address differs"),
    "street": _l("Other street"),
    "old_code": _l("Old code"),
}


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code))
