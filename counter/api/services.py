"""Services of the JSON API (flush only, never commit): client systems and keys, authentication, the
masked views of leases and proofs, bulk verification, the change feed and idempotent writes.

Keys: a token is ``ck_<prefix>_<secret>`` — an 8-character public prefix (shown in lists and the audit)
and 256 random bits. Only ``sha256(token)`` is stored, so the token is shown once, when it is issued;
a lookup is one indexed equality on the hash (a high-entropy token needs no slow hash).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from counter.api.models import SCOPES, ApiClient, ApiIdempotency, ApiKey
from counter.audit.service import record
from counter.core.db import dialect_insert
from counter.core.masking import mask_id, mask_name, mask_phone
from counter.core.scoping import unrestricted
from counter.core.timeutil import business_today, utcnow
from counter.core.validation import InvalidInput, clean_text
from counter.extensions import db

TOKEN_PREFIX = "ck_"
KEY_DAYS_MAX = 730  # a key lives at most two years; a new one is issued before it expires
KEY_DAYS_DEFAULT = 365
BULK_MAX = 1000
FEED_LIMIT_MAX = 500
FEED_LIMIT_DEFAULT = 100
LOOKUP_MAX = 50  # leases of one house code in a lookup


class ApiServiceError(Exception):
    """A refusal of an API service: ``status`` (HTTP), ``detail``, optional field errors."""

    def __init__(self, status: int, detail: str, errors: list[dict] | None = None, title: str | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.headers = headers or {}
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.title = title


class ClientError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# ------------------------------------------------------------------------------------------ clients and keys

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_client(name: str, contact: str | None = None, *, actor=None) -> ApiClient:
    name = (name or "").strip()
    if not name:
        raise ClientError("name", _("Enter the client system's name."))
    if db.session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise ClientError("name", _("A client system with this name exists."))
    client = ApiClient(name=name, contact=(contact or "").strip() or None,
                       created_by_id=getattr(actor, "id", None))
    # the unique index decides when two administrators add the same name at once
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.add(client)
    except IntegrityError:
        raise ClientError("name", _("A client system with this name exists.")) from None
    record("api.client.create", obj=client, summary=name, after={"name": name, "contact": client.contact},
           actor=actor)
    return client


def issue_key(client: ApiClient, scopes, *, street_id: int | None = None, days: int = KEY_DAYS_DEFAULT,
              label: str | None = None, actor=None) -> tuple[ApiKey, str]:
    """A new key of ``client``: returns (the row, the token). The token is not stored anywhere."""
    scopes = sorted(set(scopes))
    if not scopes or any(s not in SCOPES for s in scopes):
        raise ClientError("scopes", _("Choose at least one scope."))
    if not 1 <= int(days) <= KEY_DAYS_MAX:
        raise ClientError("days", _("A key is valid for 1 to %(n)s days.", n=KEY_DAYS_MAX))
    now = utcnow()
    while True:
        prefix = secrets.token_hex(4)
        if db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(client_id=client.id, label=(label or "").strip() or None, prefix=prefix, token_hash=hash_token(token),
                 scopes=" ".join(scopes), street_id=street_id, created_at=now, expires_at=now + timedelta(days=int(days)),
                 created_by_id=getattr(actor, "id", None))
    db.session.add(key)
    db.session.flush()
    record("api.key.issue", obj=key, summary=f"{client.name} {prefix}",
           after={"client": client.name, "prefix": prefix, "scopes": scopes, "street_id": street_id,
                  "expires_at": key.expires_at}, actor=actor)
    return key, token


def revoke_key(key: ApiKey, *, actor=None) -> bool:
    """Revoke ``key`` (a conditional UPDATE: revoked once). False when it already was."""
    now = utcnow()
    result = db.session.execute(update(ApiKey).where(ApiKey.id == key.id, ApiKey.revoked_at.is_(None))
                                .values(revoked_at=now, revoked_by_id=getattr(actor, "id", None))
                                .execution_options(synchronize_session=False))
    db.session.refresh(key)
    if not result.rowcount:
        return False
    record("api.key.revoke", obj=key, summary=f"{key.client.name} {key.prefix}", actor=actor)
    return True


@dataclass(frozen=True)
class Principal:
    """Who calls the API, for the request: stands in for ``current_user`` (audit entries and lease events
    name ``api:<client>``); it holds no permission of the staff pages."""

    key_id: int
    client_id: int
    client_name: str
    prefix: str
    scopes: frozenset
    street_id: int | None

    id = None  # not a user account
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_district = False
    role = "api"
    locale = None  # messages in the default language (Simplified Chinese)

    @property
    def username(self) -> str:
        return f"api:{self.client_name}"[:64]

    def get_id(self):  # never put into a login session
        return None

    def can(self, permission: str) -> bool:
        return False

    def street_ids(self):
        return None if self.street_id is None else (self.street_id,)


def authenticate(token: str | None) -> Principal:
    """The principal of a bearer token; :class:`ApiServiceError` 401 when missing, unknown, expired or revoked."""
    if not token:
        raise ApiServiceError(401, _("An API key is required (Authorization: Bearer <key>)."))
    if len(token) > 128 or not token.startswith(TOKEN_PREFIX):
        raise ApiServiceError(401, _("The API key is not valid."))
    key = db.session.scalar(select(ApiKey).where(ApiKey.token_hash == hash_token(token)))
    if key is None:
        raise ApiServiceError(401, _("The API key is not valid."))
    state = key.state()
    if state == "revoked":
        raise ApiServiceError(401, _("The API key was revoked."))
    if state == "expired":
        raise ApiServiceError(401, _("The API key has expired."))
    return Principal(key_id=key.id, client_id=key.client_id, client_name=key.client.name, prefix=key.prefix,
                     scopes=key.scope_set, street_id=key.street_id)


def touch_key(principal: Principal) -> None:
    """Note the key's last use (at most once a minute: a busy key does not rewrite its row every call)."""
    now = utcnow()
    db.session.execute(update(ApiKey).where(ApiKey.id == principal.key_id,
                                            (ApiKey.last_used_at.is_(None))
                                            | (ApiKey.last_used_at < now - timedelta(minutes=1)))
                       .values(last_used_at=now).execution_options(synchronize_session=False))


def audit_call(principal: Principal, method: str, path: str, status: int, detail: str | None = None) -> None:
    """Every call is audited with the client and the key's prefix (flush only)."""
    summary = f"{principal.client_name} [{principal.prefix}] {method} {path} -> {status}"
    if detail:
        summary += f": {detail}"
    summary = "".join(c if c.isprintable() else "?" for c in summary)  # a NUL in a path never reaches the audit
    record("api.call", street_id=principal.street_id, summary=summary[:500], actor=principal)


# ------------------------------------------------------------------------------------------------ leases

def lease_view(lease, principal: Principal) -> dict:
    """What a lookup shows. Names, ID numbers and phones are masked unless the key may register leases
    (``leases:register``: a platform that files leases holds these facts already)."""
    clear = "leases:register" in principal.scopes
    prem = lease.premises

    def party(lp):
        p = lp.party
        return {"role": lp.role, "kind": p.kind, "id_type": p.id_type,
                "name": p.name if clear else mask_name(p.name),
                "id_number": p.id_number if clear else mask_id(p.id_number),
                "phone": (p.phone if clear else mask_phone(p.phone)) if p.phone else None}

    return {
        "registration_number": lease.registration_number,
        "registration_code": lease.registration_code,
        "street": _street_code(lease.street_id),
        "status": lease.effective_status(),
        "version": lease.version,
        "lease_use": lease.lease_use,
        "is_sublease": bool(lease.is_sublease),
        "signing_date": lease.signing_date,
        "start_date": lease.start_date,
        "end_date": lease.end_date,
        "registered_on": lease.registered_on,
        "monthly_rent": _yuan(lease.monthly_rent_fen),
        "rented_area": _centi(lease.rented_area_centi),
        "property": {"house_code": prem.house_code, "building_code": prem.building_code, "address": prem.address,
                     "room": prem.room, "floor_area": _centi(prem.floor_area_centi), "design_use": prem.design_use},
        "parties": [party(lp) for lp in lease.parties],
        "masked": not clear,
    }


_STREET_CODES: dict[int, str] = {}


def _street_code(street_id: int) -> str:
    code = _STREET_CODES.get(street_id)
    if code is None:
        from counter.streets.models import Street

        with unrestricted():
            code = db.session.get(Street, street_id).code
        _STREET_CODES[street_id] = code
    return code


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _centi(value: int | None) -> str | None:
    return None if value is None else f"{value // 100}.{value % 100:02d}"


def find_leases(registration: str | None = None, house_code: str | None = None) -> list:
    """Leases by registration number or code (one), or by house code (newest first, at most LOOKUP_MAX);
    within the key's street scope (the scope hook)."""
    from counter.leases.models import Lease, Property
    from counter.leases.services import find_by_code, normalise_code

    if registration:
        lease = find_by_code(registration)
        return [lease] if lease is not None else []
    code = normalise_code(house_code)
    return list(db.session.scalars(select(Lease).join(Property, Lease.property_id == Property.id)
                                   .where(Property.house_code == code)
                                   .options(selectinload(Lease.parties))
                                   .order_by(Lease.id.desc()).limit(LOOKUP_MAX)))


def street_id_for(code: str | None, principal: Principal) -> int:
    """The street a registration goes to: the key's own street, else the body's street code."""
    from counter.streets.models import Street

    if principal.street_id is not None:
        if code:
            with unrestricted():
                street = db.session.scalar(select(Street).where(Street.code == code))
            if street is None or street.id != principal.street_id:
                raise ApiServiceError(403, _("This key may register leases of its own street only."),
                                      [{"field": "street", "message": _("Not the key's street.")}])
        return principal.street_id
    if not code:
        raise ApiServiceError(422, _("The request is not valid."),
                              [{"field": "street", "message": _("Give the street code (the key is not bound "
                                                                "to one street).")}])
    with unrestricted():
        street = db.session.scalar(select(Street).where(Street.code == code))
    if street is None:
        raise ApiServiceError(422, _("The request is not valid."),
                              [{"field": "street", "message": _("Unknown street code.")}])
    return street.id


# ------------------------------------------------------------------------------------------------ proofs

def verify_codes(codes: list[str], *, log: bool = True) -> list[dict]:
    """Each code's status, original issue date and masked holder, in the order given — in two statements
    whatever the number of codes: one ``SELECT`` of the documents with the columns their status depends on
    (lease, receipt, day close: outer joins), and one upsert of the day's verification counts. The status
    is :func:`counter.documents.services.document_status` (the one rule), applied to light stand-ins of the
    rows instead of ORM entities (1,000 entities with their relations cost more than the query); a monthly
    ledger report, whose status needs the month's journal, is loaded as an entity. A code that is not one
    (wrong length or letters) or that no document has answers ``status: "unknown"``."""
    from types import SimpleNamespace

    from counter.collection.models import DayClose, Receipt
    from counter.documents import keys
    from counter.documents.models import PrintedDocument as D
    from counter.documents.services import document_status
    from counter.leases.models import Lease

    normalised = [keys.normalise_code(c) for c in codes]
    wanted = sorted({c for c in normalised if c})
    found: dict[str, tuple] = {}
    with unrestricted():
        if wanted:
            rows = db.session.execute(
                select(D.id, D.kind, D.verify_code, D.doc_number, D.issue_date, D.holder_name, D.lease_id,
                       D.lease_version, D.receipt_id, D.day_close_id, D.day_closed_at, D.printed_at, D.period,
                       Lease.status, Lease.version, Receipt.status, DayClose.status, DayClose.closed_at)
                .outerjoin(Lease, Lease.id == D.lease_id).outerjoin(Receipt, Receipt.id == D.receipt_id)
                .outerjoin(DayClose, DayClose.id == D.day_close_id)
                .where(D.verify_code.in_(wanted))).all()
            for (doc_id, kind, code, number, issued, holder, lease_id, lease_version, receipt_id, dc_id, dc_at,
                 printed_at, period, l_status, l_version, r_status, dc_status, dc_closed) in rows:
                if kind == "ledger_report":
                    doc = db.session.get(D, doc_id)
                else:
                    doc = SimpleNamespace(
                        kind=kind, lease_version=lease_version, day_closed_at=dc_at, printed_at=printed_at,
                        period=period, lease=SimpleNamespace(status=l_status, version=l_version) if lease_id else None,
                        receipt=SimpleNamespace(status=r_status) if receipt_id else None,
                        day_close=SimpleNamespace(status=dc_status, closed_at=dc_closed) if dc_id else None)
                status, reason = document_status(doc)
                found[code] = (doc_id, {"found": True, "status": status, "reason": reason, "kind": kind,
                                        "doc_number": number, "issue_date": issued, "holder": mask_name(holder)})
        out = []
        for raw, code in zip(codes, normalised):
            hit_ = found.get(code) if code else None
            if hit_ is None:
                out.append({"code": raw, "found": False, "status": "unknown", "reason": None, "kind": None,
                            "doc_number": None, "issue_date": None, "holder": None})
            else:
                out.append({"code": raw, **hit_[1]})
        if log and found:
            log_checks({doc_id for doc_id, _facts in found.values()})
    return out


def log_checks(doc_ids) -> None:
    """Count one check of each document for today (one multi-row upsert)."""
    from counter.documents.models import VerificationCount

    t = VerificationCount.__table__
    today = business_today()
    stmt = dialect_insert(VerificationCount).values([{"document_id": i, "day": today, "checks": 1}
                                                     for i in sorted(doc_ids)])
    db.session.execute(stmt.on_conflict_do_update(index_elements=[t.c.document_id, t.c.day],
                                                  set_={"checks": t.c.checks + 1}))


# ------------------------------------------------------------------------------------------- change feed

def _feed_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="counter.api.changes.v1")


def encode_cursor(event_id: int) -> str:
    return _feed_serializer().dumps(int(event_id))


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = _feed_serializer().loads(cursor)
    except (BadSignature, UnicodeError, ValueError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiServiceError(422, _("The request is not valid."),
                              [{"field": "cursor", "message": _("Not a cursor given by this feed.")}])
    return value


def changes(cursor: str | None, limit: int) -> dict:
    """Filings and status changes (the lease events) after ``cursor``, oldest first, at most ``limit``;
    ``next_cursor`` continues after the last one (give it back even when the page was empty)."""
    from counter.leases.models import Lease, LeaseEvent

    after = decode_cursor(cursor)
    rows = db.session.execute(select(LeaseEvent, Lease).join(Lease, LeaseEvent.lease_id == Lease.id)
                              .where(LeaseEvent.id > after).order_by(LeaseEvent.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{"kind": ev.kind, "at": ev.at, "business_date": ev.business_date, "version": ev.version,
              "registration_number": lease.registration_number, "registration_code": lease.registration_code,
              "street": _street_code(lease.street_id), "status": lease.effective_status(),
              "start_date": lease.start_date, "end_date": lease.end_date} for ev, lease in rows]
    last = rows[-1][0].id if rows else after
    return {"items": items, "next_cursor": encode_cursor(last), "has_more": more}


# --------------------------------------------------------------------------------------------- idempotency

def body_hash(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8", "surrogatepass")).hexdigest()


def claim_idempotency(principal: Principal, idem_key: str, operation: str, request_hash: str):
    """Claim ``idem_key`` for this client: ``(row, True)`` when this request is the first (the row is inserted
    with ``ON CONFLICT DO NOTHING`` on the unique index — a concurrent twin waits for the first to commit),
    ``(row, False)`` when an earlier request holds it."""
    t = ApiIdempotency.__table__
    stmt = (dialect_insert(ApiIdempotency)
            .values(client_id=principal.client_id, key_id=principal.key_id, idem_key=idem_key, operation=operation,
                    request_hash=request_hash, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=[t.c.client_id, t.c.idem_key])
            .returning(t.c.id))
    new_id = db.session.scalar(stmt)
    if new_id is not None:
        return db.session.get(ApiIdempotency, new_id), True
    row = db.session.scalar(select(ApiIdempotency).where(ApiIdempotency.client_id == principal.client_id,
                                                         ApiIdempotency.idem_key == idem_key))
    return row, False


def replay(row: ApiIdempotency, operation: str, request_hash: str):
    """The stored answer of ``row`` for a replay, or a refusal: another body (422), another operation
    (422), or the first request still running (409)."""
    if row.operation != operation or row.request_hash != request_hash:
        raise ApiServiceError(422, _("This Idempotency-Key was used with another request."),
                              [{"field": "Idempotency-Key",
                                "message": _("Use a new key for a new request; a retry must send the same body.")}],
                              title="Idempotency-Key reused")
    if row.status_code is None:
        raise ApiServiceError(409, _("The first request with this Idempotency-Key is still running."))
    return row.response_body, row.status_code


def store_answer(row: ApiIdempotency, status: int, body: dict, lease_id: int | None = None) -> None:
    row.status_code = status
    row.response_body = json.loads(json.dumps(body, default=str))
    row.lease_id = lease_id
    db.session.flush()


# --------------------------------------------------------------------------------------------- estimate

def estimate(use: str, landlord_kind: str, monthly_rent: str, area: str, months: int, street: str | None) -> dict:
    """The public estimate's figures (the same engine call as ``/estimate``): rent periods from today."""
    import fees
    from counter.tax import services as tax

    from counter.core.validation import parse_area, parse_money
    from counter.streets.models import Street

    def invalid(field, message):
        return ApiServiceError(422, _("The request is not valid."), [{"field": field, "location": "query",
                                                                      "message": message}])

    try:
        rent = fees.yuan_to_fen(parse_money(monthly_rent))
    except (InvalidInput, ValueError) as exc:
        raise invalid("monthly_rent", str(exc)) from None
    try:
        area_m2 = parse_area(area)
    except (InvalidInput, ValueError) as exc:
        raise invalid("area", str(exc)) from None
    if street:
        with unrestricted():
            if db.session.scalar(select(Street.id).where(Street.code == street)) is None:
                raise invalid("street", _("Unknown street code."))
    today = business_today()
    periods = fees.rent_periods(today, fees.add_months(today, months) - timedelta(days=1))
    facts = fees.LeaseFacts(landlord_kind=landlord_kind, use=use, monthly_rent_fen=rent, area_m2=area_m2,
                            street_code=street or None)
    try:
        result = tax.assess_facts(facts, assessed_on=today, periods=periods)
    except fees.FeesError:
        raise ApiServiceError(422, _("No rate schedule in force covers this case."),
                              [{"field": "use", "message": _("No rate schedule in force covers this case.")}]) from None
    return {"start": result.start, "end": result.end, "periods": len(result.months),
            "total": _yuan(result.total_fen), "sample_rates": bool(result.sample),
            "items": [{"item": i.item, "name_zh": i.name_zh, "name_en": i.name_en, "amount": _yuan(i.amount_fen)}
                      for i in result.items],
            "schedules": [{"id": sid, "version": v} for sid, v in result.schedules_used]}


def clean_idempotency_key(value: str | None) -> str:
    try:
        text = clean_text(value, max_length=128)
    except InvalidInput as exc:
        raise ApiServiceError(422, _("The request is not valid."),
                              [{"field": "Idempotency-Key", "message": str(exc)}]) from None
    if not text:
        raise ApiServiceError(422, _("The request is not valid."),
                              [{"field": "Idempotency-Key", "message": _("Send an Idempotency-Key header.")}])
    return text
