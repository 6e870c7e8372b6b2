"""The coverage report (建有租无 / 租有建无): the valid filings against the latest registry version.

Categories (:data:`CATEGORIES`), per street and community:

- ``unfiled`` 建有租无: a registry unit with no valid filing (a filing of its house code; for a building listed
  without house codes, of its building code);
- ``missing`` 租有建无: a valid filing whose house code is not in the registry (nor its building, listed
  without house codes) — a filing without any code included;
- ``address``: a matched filing whose address (normalised like ``Property.address_key``: NFKC, no spaces, upper
  case; the room apart) is not the registry's;
- ``street``: a matched filing filed in another street than the registry's (the wrong street prefix);
- ``old_code``: a valid filing whose building code is in the old format (a UUID).

A valid filing: status active and in term today (business date). A filing is matched to a unit of the latest
version by its house code, else (building listed without house codes) by its building code (the
property's, or the house code's first 19 characters): at most one unit (the import refuses a building listed
both ways).

Street isolation: the rows counted and listed are ORM rows of street-scoped models (``RegistryUnit`` for
``unfiled``, ``Lease``/``Property`` for the others), filtered by :mod:`counter.core.scoping` like every page.
The *match* against the other side reads across streets on purpose (the Core tables inside ``EXISTS`` and the
outer join): a unit filed in another street is not unfiled, a filing on another street's unit is a street
mismatch, not missing. What it reveals of another street is that a unit is filed, and the registry's street
of a mismatched filing.

All of it is set-based: one grouped query per side (outer join / ``NOT EXISTS`` on the indexed codes), no
loop over leases or units in Python; the lists are paginated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, or_, select

from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.models import Lease, Property
from counter.registry.models import RegistryImport, RegistryUnit
from counter.streets.models import Street

CATEGORIES = ("unfiled", "missing", "address", "street", "old_code")
FILING_CATEGORIES = CATEGORIES[1:]
NO_COMMUNITY = "~"  # the community filter's value for "no community" (the registry left it empty)
EXPORT_MAX = 100_000  # rows of one exported list
OLD_CODE_LEN = 36  # a UUID (counter.registry.importer.UUID)

L, P, U = Lease.__table__, Property.__table__, RegistryUnit.__table__


def latest_version() -> RegistryImport | None:
    return db.session.scalar(select(RegistryImport).order_by(RegistryImport.version.desc()).limit(1))


def _valid(lease, on: date):
    return and_(lease.status == "active", lease.start_date <= on, lease.end_date >= on)


def _building_of(prop):
    return func.coalesce(prop.building_code, func.substr(prop.house_code, 1, 19))


UH, UB = U.alias("unit_by_house"), U.alias("unit_by_building")  # the two ways a filing meets its unit


def _with_units(q, version_id: int):
    """``q`` (over Lease joined to Property) outer-joined to the filing's unit (Core tables: across streets):
    by house code, and — for a building listed without house codes — by building code. Two equality joins
    (hash joins at scale) rather than one join on an OR; the import keeps at most one of them matching."""
    return (q.outerjoin(UH, and_(UH.c.version_id == version_id, UH.c.house_code == Property.house_code))
            .outerjoin(UB, and_(UB.c.version_id == version_id, UB.c.house_code.is_(None),
                                UB.c.building_code == _building_of(Property))))


class _Unit:
    """The matched unit's columns (whichever join found it)."""
    id = func.coalesce(UH.c.id, UB.c.id)
    street_id = func.coalesce(UH.c.street_id, UB.c.street_id)
    community = func.coalesce(UH.c.community, UB.c.community, "")
    address = func.coalesce(UH.c.address, UB.c.address)
    address_norm = func.coalesce(UH.c.address_norm, UB.c.address_norm)


def _address_differs(prop=Property):
    key = func.coalesce(prop.address_key, "")
    return func.substr(key, 1, func.length(_Unit.address_norm) + 1) != _Unit.address_norm + literal("#")


def _filing_condition(category: str):
    return {
        "missing": and_(UH.c.id.is_(None), UB.c.id.is_(None)),
        "address": and_(_Unit.id.is_not(None), _address_differs()),
        "street": and_(_Unit.id.is_not(None), _Unit.street_id != Lease.street_id),
        "old_code": func.length(Property.building_code) == OLD_CODE_LEN,
    }[category]


def _filed(on: date):
    """(a valid filing of the unit's house code, a valid filing of its building code): correlated EXISTS."""
    lp = L.join(P, L.c.property_id == P.c.id)
    by_house = exists(select(literal(1)).select_from(lp).where(P.c.house_code == RegistryUnit.house_code, _valid(L.c, on)))
    by_building = exists(select(literal(1)).select_from(lp).where(_building_of(P.c) == RegistryUnit.building_code,
                                                                   _valid(L.c, on)))
    return by_house, by_building


def _unfiled_condition(on: date):
    by_house, by_building = _filed(on)
    # no filing of its house code (true of every building-level unit: its house code is NULL), and a building
    # listed as a whole: none of its building code either. The first is a plain anti-join at the top level.
    return and_(~by_house, or_(RegistryUnit.house_code.is_not(None), ~by_building))


@dataclass
class Filters:
    street_id: int | None = None
    community: str | None = None  # None: all; NO_COMMUNITY: the units without a community


@dataclass
class Row:
    street: Street
    community: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))


@dataclass
class Coverage:
    version: RegistryImport | None
    on: date
    rows: list[Row]
    totals: dict


def _community_filter(column, community):
    if community is None:
        return None
    return column == ("" if community == NO_COMMUNITY else community)


def coverage(filters: Filters | None = None, on: date | None = None) -> Coverage:
    """The counts per (street, community): two grouped queries."""
    f = filters or Filters()
    on = on or business_today()
    version = latest_version()
    if version is None:
        return Coverage(None, on, [], dict.fromkeys(CATEGORIES, 0))
    groups: dict[tuple[int, str], dict] = {}
    # registry side: units without a valid filing = all units - units filed (by house code; buildings listed
    # whole, by building code), per group: an index scan and two semi-joins, no sort of the unfiled units
    by_house, by_building = _filed(on)
    unit_groups = []
    for sign, cond in ((1, None), (-1, and_(RegistryUnit.house_code.is_not(None), by_house)),
                       (-1, and_(RegistryUnit.house_code.is_(None), by_building))):
        q = (select(RegistryUnit.street_id, RegistryUnit.community, func.count())
             .where(RegistryUnit.version_id == version.id)
             .group_by(RegistryUnit.street_id, RegistryUnit.community))
        if cond is not None:
            q = q.where(cond)
        if f.street_id:
            q = q.where(RegistryUnit.street_id == f.street_id)
        c = _community_filter(RegistryUnit.community, f.community)
        if c is not None:
            q = q.where(c)
        unit_groups.append((sign, q))
    unfiled: dict[tuple[int, str], int] = {}
    for sign, q in unit_groups:
        for sid, community, n in db.session.execute(q):
            key = (sid, community or "")
            unfiled[key] = unfiled.get(key, 0) + sign * n
    for key, n in unfiled.items():
        if n:
            groups.setdefault(key, dict.fromkeys(CATEGORIES, 0))["unfiled"] = n
    # filing side: one pass over the valid filings, outer-joined to their unit
    community = _Unit.community
    sums = [func.sum(case((_filing_condition(c), 1), else_=0)) for c in FILING_CATEGORIES]
    q = (_with_units(select(Lease.street_id, community, *sums).join(Property, Lease.property_id == Property.id),
                     version.id)
         .where(_valid(Lease, on))
         .group_by(Lease.street_id, community))
    if f.street_id:
        q = q.where(Lease.street_id == f.street_id)
    cond = _community_filter(community, f.community)
    if cond is not None:
        q = q.where(cond)
    for sid, comm, *ns in db.session.execute(q):
        counts = [int(n or 0) for n in ns]
        if not any(counts):
            continue
        g = groups.setdefault((sid, comm or ""), dict.fromkeys(CATEGORIES, 0))
        g.update(zip(FILING_CATEGORIES, counts))
    streets = {s.id: s for s in db.session.scalars(select(Street))}
    rows = [Row(streets[sid], comm, counts) for (sid, comm), counts in groups.items()]
    rows.sort(key=lambda r: (r.street.code, r.community == "", r.community))
    totals = {c: sum(r.counts[c] for r in rows) for c in CATEGORIES}
    return Coverage(version, on, rows, totals)


def listing(category: str, filters: Filters | None = None, on: date | None = None):
    """The ORM select of one category's rows (``RegistryUnit`` for unfiled, ``Lease`` otherwise), ordered;
    None without a registry."""
    f = filters or Filters()
    on = on or business_today()
    version = latest_version()
    if version is None or category not in CATEGORIES:
        return None
    if category == "unfiled":
        q = (select(RegistryUnit).where(RegistryUnit.version_id == version.id, _unfiled_condition(on))
             .order_by(RegistryUnit.street_id, RegistryUnit.community, RegistryUnit.building_code,
                       RegistryUnit.house_code, RegistryUnit.id))
        if f.street_id:
            q = q.where(RegistryUnit.street_id == f.street_id)
        cond = _community_filter(RegistryUnit.community, f.community)
    else:
        q = (_with_units(select(Lease).join(Property, Lease.property_id == Property.id), version.id)
             .where(_valid(Lease, on), _filing_condition(category)).order_by(Lease.street_id, Lease.id))
        if f.street_id:
            q = q.where(Lease.street_id == f.street_id)
        cond = _community_filter(_Unit.community, f.community)
    if cond is not None:
        q = q.where(cond)
    return q


@dataclass
class UnitFacts:
    street_id: int
    community: str
    address: str
    building_listed: bool = True


def units_for(leases) -> dict[int, UnitFacts | None]:
    """{lease id: its matched registry unit's facts (or, unmatched, whether its building is in the
    registry at all)} for one page of filings: one query each way, whatever the page."""
    version = latest_version()
    leases = list(leases)
    if version is None or not leases:
        return {}
    ids = [x.id for x in leases]
    out: dict[int, UnitFacts | None] = dict.fromkeys(ids)
    rows = db.session.execute(
        _with_units(select(Lease.id, _Unit.street_id, _Unit.community, _Unit.address)
                    .join(Property, Lease.property_id == Property.id), version.id)
        .where(Lease.id.in_(ids), _Unit.id.is_not(None)))
    for lid, sid, comm, address in rows:
        out[lid] = UnitFacts(sid, comm or "", address)
    unmatched = [x for x in leases if out[x.id] is None]
    if unmatched:
        codes = {(x.premises.building_code or (x.premises.house_code or "")[:19]) for x in unmatched} - {""}
        listed = set(db.session.scalars(select(U.c.building_code).where(
            U.c.version_id == version.id, U.c.building_code.in_(sorted(codes))).distinct())) if codes else set()
        for x in unmatched:
            code = x.premises.building_code or (x.premises.house_code or "")[:19]
            out[x.id] = UnitFacts(0, "", "", building_listed=code in listed) if code else None
    return out


def street_names(locale: str) -> dict[int, str]:
    return {s.id: s.name(locale) for s in db.session.scalars(select(Street))}


MISSING_REASONS = {
    "no_code": _l("No house or building code"),
    "building": _l("Building not in the registry"),
    "house": _l("House code not in the registry"),
}


def missing_reason(lease, facts: UnitFacts | None) -> str:
    if not (lease.premises.house_code or lease.premises.building_code):
        return "no_code"
    if facts is not None and facts.building_listed:
        return "house"
    return "building"
