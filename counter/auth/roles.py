"""Roles and what they may do. The one table of permissions; views ask ``require(permission)``.

- clerk (窗口经办人): one street; registers leases, collects tax, prints, closes own day.
- supervisor (窗口主管): one street; everything a clerk does, plus cancellations, voids, refunds,
  reopening a day, signing handovers, browsing the audit log.
- finance (财务): one street; ledgers, remittances, bank reconciliation, exports, statistics.
- district_admin (区管理员): all streets; rate schedules, users, district overview, audit log.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CLERK = "clerk"
SUPERVISOR = "supervisor"
FINANCE = "finance"
DISTRICT_ADMIN = "district_admin"
ROLES = (CLERK, SUPERVISOR, FINANCE, DISTRICT_ADMIN)

ROLE_LABELS = {
    CLERK: _l("Window clerk"),
    SUPERVISOR: _l("Supervisor"),
    FINANCE: _l("Finance"),
    DISTRICT_ADMIN: _l("District administrator"),
}

PERMISSIONS: dict[str, frozenset[str]] = {
    "lease.view": frozenset({CLERK, SUPERVISOR, FINANCE, DISTRICT_ADMIN}),
    "lease.register": frozenset({CLERK, SUPERVISOR}),
    "lease.amend": frozenset({CLERK, SUPERVISOR}),
    "lease.cancel": frozenset({SUPERVISOR}),
    "lease.import": frozenset({SUPERVISOR, DISTRICT_ADMIN}),
    "collection.collect": frozenset({CLERK, SUPERVISOR}),
    "collection.void": frozenset({SUPERVISOR}),
    "dayclose.close": frozenset({CLERK, SUPERVISOR}),
    "dayclose.sign": frozenset({SUPERVISOR}),
    "dayclose.reopen": frozenset({SUPERVISOR}),
    "document.print": frozenset({CLERK, SUPERVISOR}),
    "ledger.view": frozenset({FINANCE, SUPERVISOR, DISTRICT_ADMIN}),
    "ledger.manage": frozenset({FINANCE}),
    "district.overview": frozenset({DISTRICT_ADMIN}),
    "fees.manage": frozenset({DISTRICT_ADMIN}),
    "audit.view": frozenset({SUPERVISOR, DISTRICT_ADMIN}),
    "users.manage": frozenset({DISTRICT_ADMIN}),
    "api.manage": frozenset({DISTRICT_ADMIN}),  # API client systems and their keys
    "reports.view": frozenset({SUPERVISOR, FINANCE, DISTRICT_ADMIN}),  # rent survey, annual report (own streets)
    "queue.serve": frozenset({CLERK, SUPERVISOR}),  # tickets, call next, done (issue 16)
    "queue.stats": frozenset({SUPERVISOR, DISTRICT_ADMIN}),  # service-time statistics and their export
    "schedule.manage": frozenset({SUPERVISOR, DISTRICT_ADMIN}),  # a window's hours, slots and closed days
    "registry.view": frozenset({SUPERVISOR, FINANCE, DISTRICT_ADMIN}),  # the registry coverage report
}


def role_can(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
