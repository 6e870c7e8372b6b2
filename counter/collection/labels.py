"""Display labels of the collection module's codes: payment methods, receipt statuses, journal kinds
(English here, Chinese from the catalogs; printed documents: :func:`counter.core.i18n.printed`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

METHOD_LABELS = {
    "cash": _l("Cash"),
    "card": _l("Bank card"),
    "mobile": _l("Mobile payment"),
    "transfer": _l("Bank transfer"),
}
RECEIPT_STATUS_LABELS = {"issued": _l("Issued"), "void": _l("Void"), "refunded": _l("Refunded")}
KIND_LABELS = {"collection": _l("Collection"), "void": _l("Void"), "refund": _l("Refund")}
# a reversal's line in the printed monthly ledger: the item's name followed by this
REVERSAL_SUFFIXES = {"void": _l("(void reversal)"), "refund": _l("(refund reversal)")}


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method))
