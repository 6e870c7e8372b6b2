"""Registration at the window with fewer keystrokes (issue 15): what the form can take from what is known.

- :func:`property_found`: the property a scanned or typed house code names (in the clerk's street), with
  its active leases, shown before the registration is submitted.
- :func:`apply_defaults`: the building code is the house code's first 19 characters; an empty rented area
  is the floor area (typed for a new property, or the found property's).

Both read only; the registration itself (:func:`counter.leases.services.register_lease`) decides."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from counter.core.bounds import HOUSE_CODE_LEN
from counter.extensions import db
from counter.leases.models import Lease, centi_to_m2
from counter.leases.services import LeaseInput, lookup_house_code, normalise_code

BUILDING_CODE_LEN = 19  # a house code is the building code + a 6-digit unit number (domain.md)


@dataclass
class FoundProperty:
    id: int
    house_code: str
    address: str
    room: str | None
    floor_area_centi: int
    design_use: str
    has_title: bool
    floor_area: Decimal = Decimal(0)  # m², exact
    active_leases: list[dict] = field(default_factory=list)
    landlords: list[dict] = field(default_factory=list)  # of its latest lease: the form's suggestion
    landlords_from: str | None = None  # that lease's registration code


def property_found(house_code: str | None, street_id: int | None, on_lookup=None) -> FoundProperty | None:
    """The property of this house code in the street, or None. The house code is unique in the whole
    district: one lookup across the streets, whose row (another street's too) is passed to
    ``on_lookup(code, prop)`` when given — the form hands it to the registration's validation, which does
    not look it up again (one round trip less, issue 18); only a property of the clerk's own street is shown."""
    code = normalise_code(house_code)
    if len(code) != HOUSE_CODE_LEN or street_id is None:
        return None
    prop = lookup_house_code(code)
    if on_lookup is not None:
        on_lookup(code, prop)
    if prop is None or prop.street_id != street_id:
        return None
    leases = db.session.scalars(select(Lease).where(Lease.property_id == prop.id, Lease.status == "active")
                                .order_by(Lease.start_date)).all()
    latest = db.session.scalar(select(Lease).where(Lease.property_id == prop.id, Lease.status != "cancelled")
                               .order_by(Lease.start_date.desc(), Lease.id.desc()).limit(1))
    landlords = [] if latest is None else [
        {"name": lp.party.name, "id_type": lp.party.id_type, "id_number": lp.party.id_number,
         "phone": lp.party.phone or ""} for lp in latest.parties if lp.role in ("landlord", "sublessor")]
    return FoundProperty(
        id=prop.id, house_code=prop.house_code, address=prop.address, room=prop.room,
        floor_area_centi=prop.floor_area_centi, floor_area=centi_to_m2(prop.floor_area_centi), design_use=prop.design_use, has_title=prop.has_title,
        active_leases=[{"id": x.id, "registration_code": x.registration_code,
                        "registration_number": x.registration_number, "start_date": x.start_date,
                        "end_date": x.end_date, "rented_area": centi_to_m2(x.rented_area_centi),
                        "tenants": [lp.party.name for lp in x.parties if lp.role == "tenant"]}
                       for x in leases],
        landlords=landlords, landlords_from=latest.registration_code if latest is not None else None)


def apply_defaults(data: LeaseInput, found: FoundProperty | None = None) -> LeaseInput:
    """Fill what the clerk left empty and the system knows (in place; returns ``data``)."""
    code = normalise_code(data.house_code)
    if code and not (data.building_code or "").strip() and len(code) == HOUSE_CODE_LEN:
        data.building_code = code[:BUILDING_CODE_LEN]
    if data.rented_area_centi is None:
        if found is not None:
            data.rented_area_centi = found.floor_area_centi
        elif data.floor_area_centi:
            data.rented_area_centi = data.floor_area_centi
    return data
