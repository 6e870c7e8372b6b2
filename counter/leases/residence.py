"""Residence facts for school places (学位申请): since when a tenant has lived at an address.

Schools read two facts from the lease page and from the 《房屋租赁信息》 slip:

* the **first filing date** (首次登记备案日期): the registration date (``registered_on``) of the first lease of
  the tenant's *residence* at this property;
* the **months of residence** (居住月数) up to a given date.

A residence is a chain of filings of the same property for the same tenant, each one following the
previous one without a gap:

* an **amendment** (变更) changes a filing in place (same lease row, new version): it never restarts
  anything;
* a **renewal** (续租, ``previous_lease_id``) and an unlinked new filing of the same property for the same
  tenant continue the residence when they start at the latest the day after the previous lease ended
  (its end date, or the termination date when it was terminated early); one day without a lease breaks
  the chain;
* a different tenant (the tenant is matched by ID type and number, not by the street's party row) or a
  cancelled filing (注销备案, void from the start) is not part of the residence.

Months of residence: whole calendar months from the first filing date up to the given date, but not past
the end of the residence (the current lease's end, or its termination). A month is complete on the same
day of a later month, or on that month's last day when it is shorter (31 Jan -> 28/29 Feb is one month).

The arithmetic (:func:`residence_chain`, :func:`whole_months`) works on plain :class:`Stay` records and
is tested without HTTP; :func:`residence_of` loads the stays of one property.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from counter.core.timeutil import business_today
from counter.extensions import db

TenantKey = tuple[str, str]  # (id_type, id_number)


@dataclass(frozen=True)
class Stay:
    """One filing as the residence arithmetic sees it."""
    id: int
    property_id: int
    tenants: frozenset  # of TenantKey
    registered_on: date
    start: date
    end: date  # the effective end: the termination date when terminated early, else the end date
    previous_id: int | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Residence:
    first_filing_date: date      # 首次登记备案日期
    start: date                  # the first lease's start date
    end: date                    # the current lease's effective end
    as_of: date                  # the date the months are counted to
    months: int                  # whole months from first_filing_date to min(as_of, end)
    lease_ids: tuple[int, ...]   # the chain, oldest first


def add_months(day: date, n: int) -> date:
    """``day`` plus ``n`` calendar months, clamped to the month's last day."""
    y, m = divmod(day.month - 1 + n, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end: date) -> int:
    """Complete months from ``start`` to ``end`` (0 when ``end`` is before ``start``)."""
    if end < start:
        return 0
    n = (end.year - start.year) * 12 + (end.month - start.month)
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n


def _continues(prev: Stay, nxt: Stay, tenant: TenantKey) -> bool:
    return (not prev.cancelled and tenant in prev.tenants and prev.property_id == nxt.property_id
            and prev.start < nxt.start and prev.end >= nxt.start - timedelta(days=1))


def residence_chain(stays: list[Stay], current_id: int, tenant: TenantKey) -> list[Stay]:
    """The residence of ``tenant`` ending with the filing ``current_id``, oldest first (empty when the tenant
    is not on that filing or it is cancelled). The linked previous lease is preferred; otherwise the
    latest-starting filing of the same property and tenant that the current one continues."""
    by_id = {s.id: s for s in stays}
    cur = by_id.get(current_id)
    if cur is None or cur.cancelled or tenant not in cur.tenants:
        return []
    chain, seen = [cur], {cur.id}
    while True:
        linked = by_id.get(cur.previous_id) if cur.previous_id is not None else None
        if linked is not None and linked.id not in seen and _continues(linked, cur, tenant):
            prev = linked
        else:
            found = [s for s in stays if s.id not in seen and _continues(s, cur, tenant)]
            prev = max(found, key=lambda s: (s.start, s.id)) if found else None
        if prev is None:
            return chain[::-1]
        chain.append(prev)
        seen.add(prev.id)
        cur = prev


def residence_from(stays: list[Stay], current_id: int, tenant: TenantKey, as_of: date) -> Residence | None:
    chain = residence_chain(stays, current_id, tenant)
    if not chain:
        return None
    first, last = chain[0], chain[-1]
    first_filing = min(s.registered_on for s in chain)
    return Residence(first_filing_date=first_filing, start=first.start, end=last.end, as_of=as_of,
                     months=whole_months(first_filing, min(as_of, last.end)), lease_ids=tuple(s.id for s in chain))


def effective_end(lease) -> date:
    """The last day of a filing: its termination date (``ended_on``, inclusive) when terminated, else its end."""
    return min(lease.ended_on, lease.end_date) if lease.ended_on is not None else lease.end_date


def stays_of_property(property_id: int) -> list[Stay]:
    """The filings of one property as :class:`Stay` records (the request's street scope applies)."""
    from counter.leases.models import Lease, LeaseParty, Party

    rows = db.session.execute(
        select(Lease.id, Party.id_type, Party.id_number)
        .join(LeaseParty, LeaseParty.lease_id == Lease.id).join(Party, Party.id == LeaseParty.party_id)
        .where(Lease.property_id == property_id, LeaseParty.role == "tenant")).all()
    tenants: dict[int, set] = {}
    for lid, id_type, id_number in rows:
        tenants.setdefault(lid, set()).add((id_type, id_number))
    leases = db.session.scalars(select(Lease).where(Lease.property_id == property_id)).all()
    return [Stay(id=le.id, property_id=le.property_id, tenants=frozenset(tenants.get(le.id, ())),
                 registered_on=le.registered_on, start=le.start_date, end=effective_end(le),
                 previous_id=le.previous_lease_id, cancelled=le.status == "cancelled") for le in leases]


def residence_of(lease, party, as_of: date | None = None) -> Residence | None:
    """The residence of the tenant ``party`` (a :class:`counter.leases.models.Party`) ending with ``lease``."""
    return residence_from(stays_of_property(lease.property_id), lease.id, (party.id_type, party.id_number),
                          as_of or business_today())


def residences(lease, as_of: date | None = None) -> list[tuple]:
    """``(lease_party, Residence | None)`` for every tenant of ``lease`` (one load of the property's filings)."""
    stays = stays_of_property(lease.property_id)
    day = as_of or business_today()
    return [(lp, residence_from(stays, lease.id, (lp.party.id_type, lp.party.id_number), day))
            for lp in lease.tenants]
