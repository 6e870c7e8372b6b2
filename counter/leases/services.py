"""Lease filing services (房屋租赁合同登记备案): register, amend, renew, terminate, cancel, find, search.

Business rules live here; the web forms and the CSV importer both call them, so a row of an import is
validated exactly like the window's form. Services **flush, never commit**.

Errors: :class:`ValidationError` carries field-level messages ``{field: [message, ...]}`` whose keys are
the form's field names (``house_code``, ``end_date``, ``tenants-0-id_number`` ...); :class:`OverlapError`
asks the clerk to confirm an overlapping active lease on the same property (shared tenancies and
subleases exist, so it is a confirmation, not a refusal).

Registration is voluntary (the Shenzhen regulation was repealed in 2015): no rule here depends on a
filing deadline.

Concurrency (the database holds the rules, see :mod:`counter.core.locks` for the lock order):
- a property is created once per normalised key — its house code, else :func:`address_key` (address +
  room) within the street: ``INSERT ... ON CONFLICT DO NOTHING`` on the unique indexes, then the row
  that won is used;
- registering, renewing or re-dating a lease locks the property's row before looking for overlapping
  leases, so a second window registering the same property at the same moment meets the same overlap
  confirmation as one that comes later;
- amending, terminating and cancelling lock the lease's row and re-read it first: two such changes run
  one after the other, and the second sees what the first did (a cancelled filing is not amended).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, inspect, or_, select, tuple_
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.exc import IntegrityError

from counter.audit.service import record
from counter.core.i18n import fmt_date
from counter.core.masking import mask_id, mask_phone
from counter.core.scoping import unrestricted
from counter.core.serials import next_serial
from counter.core.bounds import (ADDRESS_MAX, AREA_MAX_M2, BUILDING_CODE_MAX, HOUSE_CODE_LEN, ID_NUMBER_MAX,
                                 MONTHLY_RENT_MAX, PARTY_NAME_MAX, PHONE_MAX, ROOM_MAX, TERM_YEARS_MAX)
from counter.core.timeutil import business_today, utcnow
from counter.core.validation import (InvalidInput, check_date, check_term, clean_text, contains, latest_date,
                                     parse_area, parse_money, to_hundredths)
from counter.extensions import db
from counter.leases.idnumbers import ORGANIZATION_ID_TYPES, IdNumberError, check_id_number
from counter.leases.idnumbers import normalise as normalise_id
from counter.leases.models import (ID_TYPES, LEASE_USES, PAYMENT_CYCLES, Lease, LeaseEvent, LeaseParty, Party,
                                   Property, address_key)
from counter.streets.models import Street

MAX_TERM_YEARS = TERM_YEARS_MAX  # Civil Code art. 705: a lease term may not exceed twenty years
GROUPS = {"landlord": "landlords", "sublessor": "landlords", "tenant": "tenants", "agent": "agents"}


class LeaseError(Exception):
    """A business rule refused the action. ``errors`` maps field names to messages ('' = whole form)."""

    def __init__(self, message: str | None = None, errors: dict[str, list[str]] | None = None):
        self.errors = errors or {}
        if message:
            self.errors.setdefault("", []).append(message)
        super().__init__(message or "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))

    def messages(self) -> list[str]:
        return [m for msgs in self.errors.values() for m in msgs]


class ValidationError(LeaseError):
    """Field-level validation errors."""


class OverlapError(LeaseError):
    """The property has an active lease whose term overlaps: needs ``confirm_overlap=True``."""

    def __init__(self, overlaps: list[Lease]):
        self.overlaps = overlaps
        codes = ", ".join(lease.registration_code for lease in overlaps)
        super().__init__(_("This property already has an active lease overlapping this term (%(codes)s). "
                           "Tick the confirmation if this is a shared tenancy or a sublease.", codes=codes))


@dataclass
class PartyInput:
    role: str  # landlord, sublessor, tenant, agent
    name: str
    id_type: str
    id_number: str
    phone: str | None = None
    address: str | None = None
    slot: str | None = None  # form prefix for error keys, e.g. "tenants-1"

    @property
    def kind(self) -> str:
        return "organization" if self.id_type in ORGANIZATION_ID_TYPES else "person"


@dataclass
class LeaseInput:
    street_id: int
    lease_use: str
    rented_area_centi: int | None
    signing_date: date | None
    start_date: date | None
    end_date: date | None
    monthly_rent_fen: int | None
    parties: list[PartyInput] = field(default_factory=list)
    deposit_fen: int = 0
    payment_cycle: str = "monthly"
    is_sublease: bool = False
    # the property: an existing one (renewals) or found/created by house code, else by address + room
    property_id: int | None = None
    house_code: str | None = None
    building_code: str | None = None
    address: str | None = None
    room: str | None = None
    floor_area_centi: int | None = None
    design_use: str | None = None
    has_title: bool = True
    external_ref: str | None = None


# --- conversions shared by forms and the importer -------------------------------------------------

def to_fen(value) -> int | None:
    """Yuan (Decimal, str or int; at most 2 decimals, at most MONTHLY_RENT_MAX) -> integer fen. None and ""
    stay None. Raises :class:`~counter.core.validation.InvalidInput` (a ValueError) with the user's message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_hundredths(parse_money(value))


def to_centi(value) -> int | None:
    """m² (two decimals, at most AREA_MAX_M2) -> integer hundredths of m²."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_hundredths(parse_area(value))


_SPACES = re.compile(r"\s+")
_PLAIN_CODE = re.compile(r"[0-9A-Za-z]*", re.ASCII)  # NFKC and removing spaces leave such a code alone
_HOUSE_CODE = re.compile(r"[0-9A-Z]{25}")
_BUILDING_CODE = re.compile(r"[0-9A-Z]{19}")
_BUILDING_UUID = re.compile(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}")
_PHONE = re.compile(r"[0-9+\- ()]{5,32}")


def normalise_code(text: str | None) -> str:
    """Codes typed or scanned: full-width characters as ASCII (NFKC), no spaces, upper case."""
    if text and _PLAIN_CODE.fullmatch(text):
        return text.upper()
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).upper()


# --- validation -----------------------------------------------------------------------------------

def _party_key(p: PartyInput, index_in_group: dict) -> str:
    if p.slot:
        return p.slot
    group = GROUPS.get(p.role, "parties")
    n = index_in_group.get(group, 0)
    index_in_group[group] = n + 1
    return f"{group}-{n}"


def validate_input(data: LeaseInput, *, need_property: bool = True, find_property=None) -> dict[str, list[str]]:
    """Every rule of a lease filing; returns ``{field: [messages]}`` (empty when valid).
    Normalises ID numbers and codes in place. ``find_property(data)`` looks the property up (default: one
    query; the importer passes its batch's pre-fetched properties)."""
    errors: dict[str, list[str]] = {}

    def err(key, message):
        errors.setdefault(key, []).append(message)

    def text(key, value, max_length):
        """The trimmed text, or None after a field error (forbidden character, too long)."""
        try:
            return clean_text(value, max_length=max_length)
        except InvalidInput as exc:
            err(key, str(exc))
            return None

    # property (texts are checked first: nothing refused reaches a query below)
    if need_property and data.property_id is None:
        data.address = text("address", data.address, ADDRESS_MAX) if data.address is not None else None
        data.room = text("room", data.room, ROOM_MAX) if data.room is not None else None
        for key, limit in (("house_code", HOUSE_CODE_LEN), ("building_code", BUILDING_CODE_MAX)):
            raw = getattr(data, key)
            if raw is not None and text(key, raw, limit + 10) is None:  # +10: the spaces a scanner adds
                setattr(data, key, None)
        data.house_code = normalise_code(data.house_code) or None
        data.building_code = normalise_code(data.building_code) or None
        if data.house_code and not _HOUSE_CODE.fullmatch(data.house_code):
            err("house_code", _("A house code has 25 letters and digits."))
        if data.building_code and not (_BUILDING_CODE.fullmatch(data.building_code)
                                       or _BUILDING_UUID.fullmatch(data.building_code)):
            err("building_code", _("A building code has 19 letters and digits (old codes: a UUID)."))
        if (data.house_code and data.building_code and len(data.building_code) == 19
                and "house_code" not in errors and "building_code" not in errors
                and not data.house_code.startswith(data.building_code)):
            err("house_code", _("The house code must start with the building code."))
        prefetched = data.__dict__.pop("_prefetched_property", None)
        if {"house_code", "address", "room"} & set(errors):
            existing = None
        elif prefetched is not None and prefetched[0] == data.house_code:
            existing = prefetched[1]  # the form looked this house code up already (to show its card)
        else:
            existing = (find_property or _existing_property)(data)
        data.__dict__["_looked_up_property"] = existing  # register_lease's _property_for starts from it
        if existing is not None and existing.street_id != data.street_id:
            err("house_code", _("This house code belongs to a property of another street."))
        if existing is None:
            if not (data.address or "").strip() and "address" not in errors:
                err("address", _("Enter the property's address."))
            if data.floor_area_centi is None or data.floor_area_centi <= 0:
                err("floor_area", _("Enter the floor area in m² (more than 0)."))
            elif data.floor_area_centi > to_hundredths(AREA_MAX_M2):
                err("floor_area", _("At most %(max)s m².", max=AREA_MAX_M2))
            if data.design_use not in LEASE_USES:
                err("design_use", _("Choose the design use."))
    # terms
    if data.lease_use not in LEASE_USES:
        err("lease_use", _("Choose the lease use."))
    if data.rented_area_centi is None or data.rented_area_centi <= 0:
        err("rented_area", _("Enter the rented area in m² (more than 0)."))
    elif data.rented_area_centi > to_hundredths(AREA_MAX_M2):
        err("rented_area", _("At most %(max)s m².", max=AREA_MAX_M2))
    elif need_property and data.floor_area_centi and data.property_id is None and \
            data.rented_area_centi > data.floor_area_centi:
        err("rented_area", _("The rented area cannot be larger than the floor area."))
    today = business_today()
    latest_start, latest_end = latest_date(today), latest_date(today, extra_years=TERM_YEARS_MAX)

    def in_window(key, value, latest):
        try:
            check_date(value, latest=latest)
        except InvalidInput as exc:
            err(key, str(exc))
            return False
        return True

    if data.signing_date is None:
        err("signing_date", _("Enter the signing date."))
    elif data.signing_date > today:
        err("signing_date", _("The signing date cannot be in the future."))
    else:
        in_window("signing_date", data.signing_date, today)
    if data.start_date is None:
        err("start_date", _("Enter the start of the term."))
    elif not in_window("start_date", data.start_date, latest_start):
        data.start_date = None
    if data.end_date is None:
        err("end_date", _("Enter the end of the term."))
    elif not in_window("end_date", data.end_date, latest_end):
        data.end_date = None
    if data.start_date and data.end_date:
        try:
            check_term(data.start_date, data.end_date)
        except InvalidInput as exc:
            err("end_date", str(exc))
    rent_max = to_hundredths(MONTHLY_RENT_MAX)
    if data.monthly_rent_fen is None or data.monthly_rent_fen <= 0:
        err("monthly_rent", _("Enter the monthly rent (more than 0)."))
    elif data.monthly_rent_fen > rent_max:
        err("monthly_rent", _("At most %(max)s.", max=_yuan(rent_max)))
    if data.deposit_fen is None or data.deposit_fen < 0:
        err("deposit", _("The deposit cannot be negative."))
    elif data.deposit_fen > rent_max:
        err("deposit", _("At most %(max)s.", max=_yuan(rent_max)))
    if data.payment_cycle not in PAYMENT_CYCLES:
        err("payment_cycle", _("Choose the payment cycle."))
    # parties
    slots: dict = {}
    seen: dict[tuple[str, str], str] = {}
    for p in data.parties:
        key = _party_key(p, slots)
        p.slot = key
        p.name = text(f"{key}-name", p.name, PARTY_NAME_MAX)
        if p.name == "":
            err(f"{key}-name", _("Enter the name."))
        p.name = p.name or ""
        number = text(f"{key}-id_number", p.id_number, ID_NUMBER_MAX)
        if p.phone:
            p.phone = text(f"{key}-phone", p.phone, PHONE_MAX)
        if number is not None and p.id_type not in ID_TYPES:
            err(f"{key}-id_type", _("Choose the ID type."))
        elif number is not None:
            try:
                p.id_number = check_id_number(p.id_type, p.id_number)
            except IdNumberError as exc:
                err(f"{key}-id_number", str(exc))
            else:
                ident = (p.id_type, p.id_number)
                if ident in seen and seen[ident] != p.role and {seen[ident], p.role} & {"tenant"}:
                    err(f"{key}-id_number", _("The same person cannot be landlord and tenant of one lease."))
                seen.setdefault(ident, p.role)
        if p.role == "agent" and p.id_type in ID_TYPES and p.id_type not in ORGANIZATION_ID_TYPES:
            err(f"{key}-id_type", _("An agent is an agency: use its unified social credit code."))
        if p.phone and not _PHONE.fullmatch(p.phone.strip()):
            err(f"{key}-phone", _("A phone number has digits (and + - spaces) only."))
    if not any(p.role in ("landlord", "sublessor") for p in data.parties):
        err("landlords-0-name", _("Enter at least one landlord."))
    if not any(p.role == "tenant" for p in data.parties):
        err("tenants-0-name", _("Enter at least one tenant."))
    if sum(p.role == "agent" for p in data.parties) > 1:
        err("agents-1-name", _("Enter at most one agent."))
    return errors


def _yuan(fen: int) -> str:
    from counter.core.i18n import money

    return money(fen)


def lookup_house_code(code: str) -> Property | None:
    """The property of a (normalised) house code, in whichever street: the code is unique in the district."""
    with unrestricted():
        return db.session.scalar(select(Property).where(Property.house_code == code))


def remember_lookup(data: LeaseInput, code: str, prop: Property | None) -> None:
    """Hand the property a caller already looked up by ``code`` to :func:`validate_input` (used once)."""
    data.__dict__["_prefetched_property"] = (code, prop)


def _existing_property(data: LeaseInput) -> Property | None:
    if data.property_id is not None:
        return db.session.get(Property, data.property_id)
    if data.house_code:
        return lookup_house_code(data.house_code)
    if data.address:
        return db.session.scalar(select(Property).where(
            Property.street_id == data.street_id, Property.house_code.is_(None),
            Property.address_key == address_key(data.address, data.room)))
    return None


_NOT_LOOKED_UP = object()


def _property_for(data: LeaseInput) -> Property:
    """The property of a registration (see :func:`_property_created`)."""
    prop, created = _property_created(data)
    if created:
        _record_property(prop)
    return prop


def _record_property(prop: Property, *, flush: bool = True) -> None:
    record("property.create", obj=prop, summary=prop.house_code or prop.full_address, flush=flush)


def _property_created(data: LeaseInput) -> tuple[Property, bool]:
    """The property of a registration, created when new — once: a concurrent registration of the same
    house code or address + room finds the row the first one inserted (``ON CONFLICT DO NOTHING``).
    Returns it locked until the transaction ends (``FOR UPDATE``; a row this transaction inserted is
    locked by the insert: no other transaction sees it before the commit), and whether it was created."""
    from counter.core.db import dialect_insert

    prop = data.__dict__.pop("_looked_up_property", _NOT_LOOKED_UP)
    if prop is _NOT_LOOKED_UP or data.property_id is not None:
        prop = _existing_property(data)
    if prop is None:
        values = dict(street_id=data.street_id, house_code=data.house_code, building_code=data.building_code,
                      address=data.address.strip(), room=(data.room or "").strip() or None,
                      address_key=address_key(data.address, data.room), floor_area_centi=data.floor_area_centi,
                      design_use=data.design_use, has_title=bool(data.has_title), created_at=utcnow())
        stmt = dialect_insert(Property).values(**values)
        if data.house_code:
            stmt = stmt.on_conflict_do_nothing(index_elements=["house_code"])
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["street_id", "address_key"],
                                               index_where=Property.house_code.is_(None))
        prop = db.session.scalars(stmt.returning(Property)).first()  # the new row, in one round trip
        if prop is not None:  # its audit entry is recorded by the caller (with the lease's: one INSERT)
            return prop, True
        prop = _existing_property(data)  # another window created it a moment ago
        if prop is None:
            raise ValidationError(errors={"house_code": [_("This house code belongs to a property of another "
                                                           "street.")]})
    if prop.street_id != data.street_id:
        raise ValidationError(errors={"house_code": [_("This house code belongs to a property of another street.")]})
    _lock_property(prop.id)
    return prop, False


def _lock_property(property_id: int) -> None:
    db.session.execute(select(Property.id).where(Property.id == property_id).with_for_update())


def _lock_lease(lease: Lease, *, share: bool = False) -> None:
    """Lock the lease's row and reload it: the checks that follow see the committed state."""
    db.session.execute(select(Lease.id).where(Lease.id == lease.id).with_for_update(read=share))
    db.session.refresh(lease)


def _party_for(street_id: int, p: PartyInput) -> Party:
    party = db.session.scalar(select(Party).where(Party.street_id == street_id, Party.id_type == p.id_type,
                                                  Party.id_number == p.id_number))
    if party is None:
        party = Party(street_id=street_id, kind=p.kind, name=p.name, id_type=p.id_type, id_number=p.id_number,
                      phone=(p.phone or "").strip() or None, address=(p.address or "").strip() or None)
        try:
            with db.session.begin_nested():  # another window may be adding the same person right now
                db.session.add(party)
        except IntegrityError:
            party = db.session.scalar(select(Party).where(Party.street_id == street_id, Party.id_type == p.id_type,
                                                          Party.id_number == p.id_number))
            if party is None:
                raise
    else:  # the latest contact details win; the lease events keep what each filing said
        party.name = p.name
        if p.phone:
            party.phone = p.phone.strip()
        if p.address:
            party.address = p.address.strip()
    return party


def _parties_for(street_id: int, inputs: list[PartyInput]) -> list[Party]:
    """The parties of ``inputs`` (one per input, in order), created when new: one multi-row ``INSERT … ON
    CONFLICT DO NOTHING RETURNING`` (the new people land), then one SELECT of those that did not (they
    exist, or another window added them a moment ago); those get the latest contact details."""
    from counter.core.db import dialect_insert

    idents = list(dict.fromkeys((p.id_type, p.id_number) for p in inputs))
    if not idents:
        return []

    def existing(keys) -> dict:
        return {(x.id_type, x.id_number): x for x in db.session.scalars(
            select(Party).where(Party.street_id == street_id, tuple_(Party.id_type, Party.id_number).in_(keys)))}

    first = {}
    for p in inputs:
        first.setdefault((p.id_type, p.id_number), p)
    found = {}
    rows = [dict(street_id=street_id, kind=p.kind, name=p.name, id_type=p.id_type, id_number=p.id_number,
                 phone=(p.phone or "").strip() or None, address=(p.address or "").strip() or None, created_at=utcnow())
            for p in first.values()]
    if rows:  # new people land in one round trip; those who exist do not land and are read
        stmt = (dialect_insert(Party).values(rows)
                .on_conflict_do_nothing(index_elements=["street_id", "id_type", "id_number"]).returning(Party))
        for x in db.session.scalars(stmt):
            found[(x.id_type, x.id_number)] = x
    rest = [ident for ident in idents if ident not in found]
    known = existing(rest) if rest else {}
    found.update(known)
    if any(ident not in found for ident in idents):
        raise RuntimeError("a party could neither be inserted nor found")
    for ident, party in known.items():  # the latest contact details win; the lease events keep each filing's
        p = first[ident]
        party.name = p.name
        if p.phone:
            party.phone = p.phone.strip()
        if p.address:
            party.address = p.address.strip()
    return [found[(p.id_type, p.id_number)] for p in inputs]


def _attach_parties(lease: Lease, parties: list[PartyInput]) -> None:
    if inspect(lease).persistent:  # a new lease has no links to clear (and loading them would cost a query)
        lease.parties.clear()
        db.session.flush()
    else:
        set_committed_value(lease, "parties", [])
    for position, (p, party) in enumerate(zip(parties, _parties_for(lease.street_id, parties))):
        role = "sublessor" if lease.is_sublease and p.role == "landlord" else p.role
        if not lease.is_sublease and role == "sublessor":
            role = "landlord"
        lease.parties.append(LeaseParty(street_id=lease.street_id, party=party, role=role, position=position))
    landlords = [p for p in parties if p.role in ("landlord", "sublessor")]
    lease.landlord_kind = "organization" if landlords and landlords[0].kind == "organization" else "individual"


def overlapping_leases(property_id: int, start: date, end: date, exclude: tuple[int, ...] = ()) -> list[Lease]:
    stmt = select(Lease).where(Lease.property_id == property_id, Lease.status == "active",
                               Lease.start_date <= end, Lease.end_date >= start)
    if exclude:
        stmt = stmt.where(Lease.id.not_in(exclude))
    return list(db.session.scalars(stmt.order_by(Lease.id)))


# --- snapshots and events -------------------------------------------------------------------------

SNAPSHOT_FIELDS = ("registration_code", "status", "lease_use", "landlord_kind", "is_sublease", "rented_area_centi",
                   "signing_date", "start_date", "end_date", "monthly_rent_fen", "deposit_fen", "payment_cycle",
                   "ended_on", "end_reason", "cancelled_on", "cancel_reason", "overlap_note")


def snapshot(lease: Lease, *, masked: bool = False) -> dict:
    """The lease's facts as JSON-able data (kept in each event: previous versions stay viewable)."""
    out = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(lease, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    out["version"] = lease.version
    out["property"] = {"house_code": lease.premises.house_code, "address": lease.premises.address,
                       "room": lease.premises.room}
    out["parties"] = [{"role": lp.role, "name": lp.party.name, "kind": lp.party.kind, "id_type": lp.party.id_type,
                       "id_number": mask_id(lp.party.id_number) if masked else lp.party.id_number,
                       "phone": lp.party.phone} for lp in lease.parties]
    return out


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.username
    return None, "system"


def _event(lease: Lease, kind: str, reason: str | None, before: dict | None, after: dict | None) -> LeaseEvent:
    user_id, username = _actor()
    ev = LeaseEvent(street_id=lease.street_id, lease_id=lease.id, kind=kind, version=lease.version,
                    user_id=user_id, username=username, reason=reason, before=before, after=after)
    db.session.add(ev)
    return ev


def _audit(action: str, lease: Lease, before: dict | None, after: dict | None, reason: str | None = None) -> None:
    def masked(snap):
        if snap is None:
            return None
        return {**snap, "parties": [{**p, "id_number": mask_id(p["id_number"]), "phone": mask_phone(p.get("phone"))}
                                    for p in snap["parties"]]}

    summary = lease.registration_code + (f": {reason}" if reason else "")
    record(action, obj=lease, summary=summary[:500], before=masked(before), after=masked(after))


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(errors={"reason": [_("Enter the reason.")]})
    return reason


# --- registration numbers -------------------------------------------------------------------------

def format_registration(street: Street, year: int, seq: int) -> tuple[str, str]:
    """(display number, machine code) from the configured formats."""
    display = current_app.config["REGISTRATION_NUMBER_DISPLAY"].format(prefix=street.reg_prefix, year=year, seq=seq,
                                                                      code=street.short_code)
    code = current_app.config["REGISTRATION_NUMBER_CODE"].format(code=street.short_code, year=year, seq=seq,
                                                                prefix=street.reg_prefix)
    return display, code.upper()


# --- the lifecycle --------------------------------------------------------------------------------

def register_lease(data: LeaseInput, *, confirm_overlap: bool = False, _previous: Lease | None = None,
                   _reason: str | None = None) -> Lease:
    """新增备案: validate, find or create the property and parties, number and record the lease."""
    errors = validate_input(data)
    if errors:
        raise ValidationError(errors=errors)
    # locked: overlapping registrations of this property run one after the other; a property created just
    # now has no lease yet
    prop, created = _property_created(data)
    overlaps = [] if created else overlapping_leases(prop.id, data.start_date, data.end_date,
                                                     exclude=(_previous.id,) if _previous is not None else ())
    overlap_note = None
    if overlaps:
        if not confirm_overlap:
            raise OverlapError(overlaps)
        overlap_note = _("Registered although it overlaps %(codes)s (confirmed by the clerk).",
                         codes=", ".join(o.registration_code for o in overlaps))
    street = db.session.get(Street, data.street_id)
    year = business_today().year
    seq = next_serial("registration", street.id, year)
    display, code = format_registration(street, year, seq)
    user_id, _username = _actor()
    lease = Lease(street_id=street.id, premises=prop, reg_year=year, reg_seq=seq, registration_number=display,
                  registration_code=code, status="active", version=1, lease_use=data.lease_use,
                  landlord_kind="individual", is_sublease=bool(data.is_sublease),
                  rented_area_centi=data.rented_area_centi, signing_date=data.signing_date,
                  start_date=data.start_date, end_date=data.end_date, monthly_rent_fen=data.monthly_rent_fen,
                  deposit_fen=data.deposit_fen or 0, payment_cycle=data.payment_cycle,
                  registered_by_id=user_id, previous_lease_id=_previous.id if _previous is not None else None,
                  overlap_note=overlap_note, external_ref=data.external_ref)
    db.session.add(lease)
    _attach_parties(lease, data.parties)
    db.session.flush()
    after = snapshot(lease)
    _event(lease, "renewal" if _previous is not None else "register", _reason or overlap_note, None, after)
    if created:
        _record_property(prop, flush=False)
    _audit("lease.renew" if _previous is not None else "lease.register", lease, None, after, overlap_note)
    db.session.flush()
    return lease


def _input_from_lease(lease: Lease) -> LeaseInput:
    parties = [PartyInput(role=lp.role, name=lp.party.name, id_type=lp.party.id_type, id_number=lp.party.id_number,
                          phone=lp.party.phone, address=lp.party.address) for lp in lease.parties]
    return LeaseInput(street_id=lease.street_id, property_id=lease.property_id, lease_use=lease.lease_use,
                      rented_area_centi=lease.rented_area_centi, signing_date=lease.signing_date,
                      start_date=lease.start_date, end_date=lease.end_date, monthly_rent_fen=lease.monthly_rent_fen,
                      deposit_fen=lease.deposit_fen, payment_cycle=lease.payment_cycle, is_sublease=lease.is_sublease,
                      parties=parties)


AMENDABLE = ("lease_use", "rented_area_centi", "signing_date", "start_date", "end_date", "monthly_rent_fen",
             "deposit_fen", "payment_cycle", "is_sublease", "parties")


def _amend_overlaps(lease: Lease, start: date, end: date) -> list[Lease]:
    """Other active leases of the property overlapping ``start``–``end``. The lease itself, the lease it
    renews and its own renewals are not counted (registration of a renewal does not count its predecessor)."""
    exclude = {lease.id}
    if lease.previous_lease_id is not None:
        exclude.add(lease.previous_lease_id)
    return [o for o in overlapping_leases(lease.property_id, start, end, exclude=tuple(sorted(exclude)))
            if o.previous_lease_id != lease.id]


def amend_lease(lease: Lease, changes: dict, reason: str, *, confirm_overlap: bool = False) -> Lease:
    """变更: change rent, term, use, area or parties; the reason is required, the previous version is kept
    in the event (``before``) and the lease's version goes up by one.

    A changed term is checked for overlapping active leases on the same property like a registration:
    :class:`OverlapError` unless ``confirm_overlap``; a confirmed overlap is recorded in ``overlap_note``
    (so in the event's ``after``) and in the event's reason."""
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Enter the reason.")]
    _lock_lease(lease)
    if lease.status != "active":
        raise LeaseError(_("Only an active filing can be amended."))
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise LeaseError(f"not amendable: {', '.join(sorted(unknown))}")
    merged = _input_from_lease(lease)
    for name, value in changes.items():
        setattr(merged, name, value)
    errors.update(validate_input(merged, need_property=False))
    if errors:
        raise ValidationError(errors=errors)
    overlap_note = None
    if (merged.start_date, merged.end_date) != (lease.start_date, lease.end_date):
        _lock_property(lease.property_id)  # as a registration of the property does
        overlaps = _amend_overlaps(lease, merged.start_date, merged.end_date)
        if overlaps:
            if not confirm_overlap:
                raise OverlapError(overlaps)  # before any change: nothing is flushed
            overlap_note = _("Term amended although it overlaps %(codes)s (confirmed by the clerk).",
                             codes=", ".join(o.registration_code for o in overlaps))
    before = snapshot(lease)
    for name in AMENDABLE:
        if name != "parties" and name in changes:
            setattr(lease, name, getattr(merged, name))
    if "parties" in changes or "is_sublease" in changes:
        _attach_parties(lease, merged.parties)
        db.session.flush()
    if overlap_note is not None:
        lease.overlap_note = overlap_note
    after_candidate = snapshot(lease)
    if {k: v for k, v in after_candidate.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}:
        raise ValidationError(errors={"": [_("Nothing was changed.")]})
    lease.version += 1
    db.session.flush()
    after = snapshot(lease)
    reason = reason.strip()
    if overlap_note is not None:
        reason = f"{reason} · {overlap_note}"
    _event(lease, "amend", reason, before, after)
    _audit("lease.amend", lease, before, after, reason)
    return lease


def renew_lease(lease: Lease, data: LeaseInput, reason: str, *, confirm_overlap: bool = False) -> Lease:
    """续租: a new filing for the same property, linked to the old one (``previous_lease``)."""
    reason = _require_reason(reason)
    _lock_lease(lease, share=True)  # not cancelled meanwhile
    if lease.status == "cancelled":
        raise LeaseError(_("A cancelled filing cannot be renewed."))
    data.property_id = lease.property_id
    data.street_id = lease.street_id
    if data.start_date is not None and data.start_date <= lease.start_date:
        raise ValidationError(errors={"start_date": [_("A renewal starts after the start of the lease it renews.")]})
    new = register_lease(data, confirm_overlap=confirm_overlap, _previous=lease, _reason=reason)
    _event(lease, "renewed", reason, None, {"renewed_by": new.registration_code, "renewal_id": new.id})
    db.session.flush()
    return new


def terminate_lease(lease: Lease, effective_date: date | None, reason: str) -> Lease:
    """解除: early termination from ``effective_date`` (within the term)."""
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Enter the reason.")]
    _lock_lease(lease)
    if lease.status != "active":
        raise LeaseError(_("Only an active filing can be terminated."))
    if effective_date is None:
        errors["effective_date"] = [_("Enter the date the lease ends.")]
    elif not (lease.start_date <= effective_date <= lease.end_date):
        errors["effective_date"] = [_("The termination date must lie within the term (%(start)s – %(end)s).",
                                      start=fmt_date(lease.start_date), end=fmt_date(lease.end_date))]
    if errors:
        raise ValidationError(errors=errors)
    before = snapshot(lease)
    lease.status = "terminated"
    lease.ended_on = effective_date
    lease.end_reason = reason.strip()
    lease.version += 1
    db.session.flush()
    after = snapshot(lease)
    _event(lease, "terminate", reason.strip(), before, after)
    _audit("lease.terminate", lease, before, after, reason.strip())
    return lease


def cancel_filing(lease: Lease, reason: str) -> Lease:
    """注销备案 (supervisors only): the filing is withdrawn; the record and its history stay."""
    if has_request_context() and current_user.is_authenticated and not current_user.can("lease.cancel"):
        raise LeaseError(_("Only a supervisor can cancel a filing."))
    reason = _require_reason(reason)
    _lock_lease(lease)
    if lease.status == "cancelled":
        raise LeaseError(_("This filing is cancelled already."))
    before = snapshot(lease)
    lease.status = "cancelled"
    lease.cancelled_on = business_today()
    lease.cancel_reason = reason
    lease.version += 1
    db.session.flush()
    after = snapshot(lease)
    _event(lease, "cancel", reason, before, after)
    _audit("lease.cancel", lease, before, after, reason)
    return lease


# --- finding --------------------------------------------------------------------------------------

# a registration code inside a scanner's string; not when glued to a preceding token (DOC-FT01-...)
CODE_RE = re.compile(r"(?<![A-Z0-9])(?<![A-Z0-9]-)([A-Z]{2}\d{2})[-_ ]?(\d{4})[-_ ]?(\d{6})(?!\d)")


# Further ways to name a lease by a scanned string, registered by higher modules (documents: a printed
# document's number): fn(text) -> lease id | None.
CODE_LOOKUPS: list = []

# Hooks of the registration form, registered by higher modules (prefiling: an online pre-filing):
# PREFILL_LOOKUPS: fn(text) -> (reference, {form field: value}) | None — the values that fill /leases/new;
# REGISTERED_HOOKS: fn(reference, lease) after a registration from that reference (raises LeaseError to refuse);
# SCAN_TARGETS: fn(text) -> (kind, endpoint, url values, number shown) | None — more shapes for the scanner.
PREFILL_LOOKUPS: list = []
REGISTERED_HOOKS: list = []
SCAN_TARGETS: list = []


def prefill_for(text: str | None):
    """(reference, form values) of the first hook that knows ``text``, or None."""
    if not text or len(text) > 256:
        return None
    for lookup in PREFILL_LOOKUPS:
        found = lookup(text)
        if found is not None:
            return found
    return None


def registered_from(reference: str | None, lease: Lease) -> None:
    if reference:
        for hook in REGISTERED_HOOKS:
            hook(reference, lease)


def find_by_code(text: str | None) -> Lease | None:
    """The lease for a registration code (FT01-2026-000123), a display number (深福南租备〔2026〕第000123号)
    or a barcode scanner's string (extra characters around the code, lower case, missing hyphens), or a
    printed document's number (a lookup of :data:`CODE_LOOKUPS`). Street-scoped."""
    raw = (text or "").strip()
    if not raw:
        return None
    norm = normalise_code(raw)
    lease = db.session.scalar(select(Lease).where(or_(Lease.registration_code == norm,
                                                      Lease.registration_number == norm)))
    if lease is not None:
        return lease
    for lookup in CODE_LOOKUPS:
        lease_id = lookup(raw)
        if lease_id is not None:
            return db.session.scalar(select(Lease).where(Lease.id == lease_id))
    m = CODE_RE.search(norm)
    if m:
        code = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        return db.session.scalar(select(Lease).where(Lease.registration_code == code))
    return None


@dataclass
class SearchCriteria:
    q: str | None = None  # registration code / number (exact), else name, ID number or house code
    name: str | None = None
    id_number: str | None = None
    house_code: str | None = None
    address: str | None = None
    status: str | None = None  # active, expired, terminated, cancelled
    signed_from: date | None = None
    signed_to: date | None = None
    registered_from: date | None = None
    registered_to: date | None = None


def _party_match(condition):
    return exists(select(LeaseParty.id).join(Party, Party.id == LeaseParty.party_id)
                  .where(LeaseParty.lease_id == Lease.id, condition))


def search_leases(criteria: SearchCriteria | dict | None = None):
    """A ``select(Lease)`` for the criteria, newest first (street-scoped by the ORM hook)."""
    if criteria is None:
        criteria = SearchCriteria()
    elif isinstance(criteria, dict):
        criteria = SearchCriteria(**criteria)
    stmt = select(Lease)
    joined_property = False

    def need_property():
        nonlocal stmt, joined_property
        if not joined_property:
            stmt = stmt.join(Property, Property.id == Lease.property_id)
            joined_property = True

    if criteria.q and criteria.q.strip():
        # one box, dispatched on the input's shape so that every branch is an index lookup
        q = criteria.q.strip()
        norm = normalise_code(q)
        m = CODE_RE.search(norm)
        if m:
            stmt = stmt.where(Lease.registration_code == f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
        elif re.fullmatch(r"[0-9A-Z]{25}", norm):
            stmt = stmt.where(Lease.property_id.in_(select(Property.id).where(Property.house_code == norm)))
        elif re.fullmatch(r"[0-9A-Z]{5,24}", normalise_id(q)) and any(c.isdigit() for c in norm):
            stmt = stmt.where(_party_match(Party.id_number == normalise_id(q)))
        elif "租备" in q or "〔" in q:
            stmt = stmt.where(Lease.registration_number == norm)
        else:
            stmt = stmt.where(_party_match(contains(Party.name, q)))
    if criteria.name and criteria.name.strip():
        stmt = stmt.where(_party_match(contains(Party.name, criteria.name.strip())))
    if criteria.id_number and criteria.id_number.strip():
        stmt = stmt.where(_party_match(Party.id_number == normalise_id(criteria.id_number)))
    if criteria.house_code and criteria.house_code.strip():
        stmt = stmt.where(Lease.property_id.in_(select(Property.id).where(
            Property.house_code == normalise_code(criteria.house_code))))
    if criteria.address and criteria.address.strip():
        need_property()
        for word in criteria.address.split():
            stmt = stmt.where(or_(contains(Property.address, word), contains(Property.room, word)))
    today = business_today()
    if criteria.status == "active":
        stmt = stmt.where(Lease.status == "active", Lease.end_date >= today)
    elif criteria.status == "expired":
        stmt = stmt.where(Lease.status == "active", Lease.end_date < today)
    elif criteria.status in ("terminated", "cancelled"):
        stmt = stmt.where(Lease.status == criteria.status)
    if criteria.signed_from:
        stmt = stmt.where(Lease.signing_date >= criteria.signed_from)
    if criteria.signed_to:
        stmt = stmt.where(Lease.signing_date <= criteria.signed_to)
    if criteria.registered_from:
        stmt = stmt.where(Lease.registered_on >= criteria.registered_from)
    if criteria.registered_to:
        stmt = stmt.where(Lease.registered_on <= criteria.registered_to)
    return stmt.order_by(Lease.id.desc())


def lease_version(lease: Lease, version: int) -> dict | None:
    """The snapshot of ``lease`` as it was at ``version`` (from the event history)."""
    for ev in lease.events:
        if ev.after and ev.after.get("version") == version and ev.kind != "renewed":
            return ev.after
    return None


__all__ = ["LeaseError", "ValidationError", "OverlapError", "PartyInput", "LeaseInput", "SearchCriteria",
           "register_lease", "amend_lease", "renew_lease", "terminate_lease", "cancel_filing", "find_by_code",
           "search_leases", "overlapping_leases", "snapshot", "lease_version", "to_fen", "to_centi"]
