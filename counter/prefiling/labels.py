"""Labels of the pre-filing module's codes (English here, Chinese from the catalogs)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PURPOSE_LABELS = {
    "prefiling": _l("Register a pre-filed lease"),
    "slip": _l("Rental information slip (school enrollment)"),
    "reprint": _l("Reprint of a certificate"),
}
TICKET_STATUS_LABELS = {
    "waiting": _l("Waiting"),
    "called": _l("Called"),
    "done": _l("Done"),
    "no_show": _l("Did not come"),
}
TICKET_KIND_LABELS = {"walk_in": _l("Walk-in"), "appointment": _l("Appointment")}
APPOINTMENT_STATUS_LABELS = {"booked": _l("Booked"), "cancelled": _l("Cancelled"), "arrived": _l("Arrived")}
PREFILING_STATUS_LABELS = {"open": _l("Waiting for the window"), "used": _l("Registered"), "purged": _l("Expired")}
WEEKDAY_LABELS = {0: _l("Monday"), 1: _l("Tuesday"), 2: _l("Wednesday"), 3: _l("Thursday"), 4: _l("Friday"),
                  5: _l("Saturday"), 6: _l("Sunday")}


def choices(table: dict) -> list[tuple]:
    return [(k, v) for k, v in table.items()]
