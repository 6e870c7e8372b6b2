"""Labels of the reports' codes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PERIOD_KIND_LABELS = {
    "year": _l("Year"),
    "half": _l("Half-year"),
    "quarter": _l("Quarter"),
}
