"""Bulk import of the office's existing lease registers: ``counter import-leases FILE.csv``.

File: CSV, UTF-8 (a BOM is accepted), one header row, one lease per row. Columns (unknown columns are
ignored; empty cells are "not given"):

=====================  ======================================================================
external_ref           the old register's own number (natural key, see below); optional
street                 street code (440304001) or short code (FT01); or ``--street`` for the file
house_code             房屋代码, 25 characters (optional when address is given)
building_code          楼栋代码, 19 characters or old UUID (optional)
address, room          标准地址 and 房号 (address required for a property not on record)
floor_area             建筑面积 in m², two decimals
design_use             设计用途: residential, mixed, commercial, office, factory, warehouse, dormitory,
                       other (the Chinese labels 住宅, 商住两用, 商业, ... are accepted too)
has_title              有产权证: 1/0, yes/no, 是/否 (default 1)
lease_use              租赁用途 (same codes as design_use)
is_sublease            转租: 1/0 (default 0)
rented_area            租赁面积 in m²
signing_date           签订日期, YYYY-MM-DD (also YYYY/MM/DD)
start_date, end_date   租期起止, YYYY-MM-DD
monthly_rent           月租金 in yuan (e.g. 3500.00)
deposit                押金 in yuan (default 0)
payment_cycle          monthly, quarterly, half_yearly, yearly, other (default monthly)
landlordN_name         N = 1, 2: 出租人 name, id_type (default resident_id; codes as in the form:
landlordN_id_type      resident_id, residence_permit, hk_macau_permit, taiwan_permit, passport,
landlordN_id_number    foreigner_permanent, credit_code), id_number, phone
landlordN_phone
tenantN_...            N = 1..4: 承租人, same four columns
agent_name             经纪机构 name and credit code (optional)
agent_id_number
=====================  ======================================================================

Every row is validated by the same rules as the window's form (``validate_input``: ID checksums, dates,
areas, ...), in Python, before anything is written; a bad row is rejected, never takes its batch down.
Valid rows are written in batches (``--batch-size``, default 1,000; one transaction each) with multi-row
statements — ``COPY`` and ``executemany`` on PostgreSQL, ``executemany`` on SQLite — and registration
numbers are taken from the serial counter in one block per street and batch (see "the bulk path" below
for what the database still guarantees). On PostgreSQL the tables the import grows are analysed as it
doubles them (:class:`_Statistics`; owner only, skipped for another role). What a lease gets is what a window registration writes: the
property (created once per key), its parties (the latest contact details win), the lease, its parties
and the ``register`` event with the lease's snapshot; the audit log gets one ``lease.import`` entry per
street and batch (the block of registration codes, the lines, the properties created) instead of one
per lease. Rejected rows go to the rejects file (``--rejects``, default
``FILE.rejects.csv``) with the file's line number (the header is line 1), the reason, and the row itself.
A row overlapping an active lease on the same property is rejected unless ``--allow-overlaps`` is given.

Idempotency — the natural key stored in ``lease.external_ref`` (unique per street):
``external_ref`` when the row has one, else ``auto:`` + a hash of (street, house code or address + room,
signing date, start date, sorted tenant ID numbers). A row whose key is already on record is skipped,
so re-running the same file creates no duplicates. Imported leases get new registration numbers of the
current year; the old register's number is kept as ``external_ref``.
"""
from __future__ import annotations

import csv
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import or_, select

from counter.core.validation import InvalidInput, check_characters, forbidden_character
from counter.extensions import db
from counter.core.scoping import unrestricted
from counter.leases.models import LEASE_USES, Lease, Property, address_key
from counter.leases.services import LeaseError, LeaseInput, PartyInput, to_centi, to_fen
from counter.streets.models import Street

LANDLORD_SLOTS, TENANT_SLOTS = 2, 4
USE_ALIASES = {"住宅": "residential", "商住两用": "mixed", "商业": "commercial", "商铺": "commercial", "办公": "office",
               "厂房": "factory", "仓库": "warehouse", "宿舍": "dormitory", "其他": "other"}
TRUE = {"1", "y", "yes", "true", "是", "有"}
FALSE = {"0", "n", "no", "false", "否", "无", ""}


class _CleanRow(dict):
    """A row searched once and trimmed by row_to_input(): no cell holds a refused character; a missing
    column is the empty cell."""

    __slots__ = ()

    def __missing__(self, key):
        return ""


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


class RowError(Exception):
    pass


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)


def _cell(row: dict, name: str) -> str:
    """A cell, trimmed; control and text-direction characters refuse the row (as the form's fields do)."""
    if type(row) is _CleanRow:
        return row[name]
    value = row.get(name) or ""
    value = value.strip() if isinstance(value, str) else ""
    try:
        check_characters(value)
    except InvalidInput as exc:
        raise RowError(f"{name}: {exc}") from None
    return value


def _date(row, name) -> date | None:
    value = _cell(row, name)
    if not value:
        return None
    m = _ISO_DATE.fullmatch(value)
    if m:  # the common form without strptime's cost; an impossible date falls through to the same error
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError(f"{name}: " + _("not a date (YYYY-MM-DD): %(value)s", value=value))


def _amount(row, name, convert) -> int | None:
    value = _cell(row, name)
    try:
        return convert(value)
    except InvalidInput as exc:
        raise RowError(f"{name}: {exc} ({value[:40]})") from None


def _bool(row, name, default: bool) -> bool:
    value = _cell(row, name).lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RowError(f"{name}: " + _("not yes/no: %(value)s", value=value))


def _use(row, name) -> str:
    value = _cell(row, name)
    return USE_ALIASES.get(value, value.lower())


def column_for(key: str) -> str:
    """A service error key (``tenants-0-id_number``) as the file's column (``tenant1_id_number``)."""
    parts = key.split("-")
    if len(parts) == 3 and parts[0] in ("landlords", "tenants", "agents"):
        if parts[0] == "agents":
            return f"agent_{parts[2]}"
        return f"{parts[0][:-1]}{int(parts[1]) + 1}_{parts[2]}"
    return key or "row"


def natural_key(street_id: int, data: LeaseInput, external_ref: str) -> str:
    if external_ref:
        if len(external_ref) > 64:
            raise RowError("external_ref: " + _("At most %(max)s characters.", max=64))
        return external_ref
    tenants = sorted(p.id_number.upper() for p in data.parties if p.role == "tenant")
    place = (data.house_code or "").upper() or f"{data.address}|{data.room or ''}"
    raw = "|".join([str(street_id), place, str(data.signing_date), str(data.start_date), *tenants])
    return "auto:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:40]


def row_to_input(row: dict, street_id: int) -> LeaseInput:
    # one search over the row instead of one per cell (a refused character is one character: absent from
    # the joined text means absent from every cell; the separator is an allowed one)
    values = [v for v in row.values() if isinstance(v, str)]
    if forbidden_character(" ".join(values)) is None:
        if len(values) == len(row):
            row = _CleanRow(zip(row, map(str.strip, values)))
        else:
            row = _CleanRow((k, v.strip()) for k, v in row.items() if isinstance(v, str))
        cell = row.__getitem__
    else:
        def cell(name, row=row):
            return _cell(row, name)
    parties = []
    for role, slots in _PARTY_SLOTS:
        for name_col, number_col, type_col, phone_col, slot in slots:
            name, number = cell(name_col), cell(number_col)
            if not name and not number:
                continue
            parties.append(PartyInput(role=role, name=name, id_number=number, id_type=cell(type_col) or "resident_id",
                                      phone=cell(phone_col) or None, slot=slot))
    if cell("agent_name") or cell("agent_id_number"):
        parties.append(PartyInput(role="agent", name=cell("agent_name"), id_type="credit_code",
                                  id_number=cell("agent_id_number"), slot="agents-0"))
    return LeaseInput(
        street_id=street_id, house_code=cell("house_code") or None, building_code=cell("building_code") or None,
        address=cell("address") or None, room=cell("room") or None,
        floor_area_centi=_amount(row, "floor_area", to_centi), design_use=_use(row, "design_use") or "residential",
        has_title=_bool(row, "has_title", True), lease_use=_use(row, "lease_use"),
        is_sublease=_bool(row, "is_sublease", False), rented_area_centi=_amount(row, "rented_area", to_centi),
        signing_date=_date(row, "signing_date"), start_date=_date(row, "start_date"), end_date=_date(row, "end_date"),
        monthly_rent_fen=_amount(row, "monthly_rent", to_fen), deposit_fen=_amount(row, "deposit", to_fen) or 0,
        payment_cycle=cell("payment_cycle") or "monthly", parties=parties)


# the party columns of a row: (role, [(name, id_number, id_type, phone column, error key prefix), ...])
_PARTY_SLOTS = tuple((role, tuple((f"{role}{n}_name", f"{role}{n}_id_number", f"{role}{n}_id_type",
                                   f"{role}{n}_phone", f"{role}s-{n - 1}") for n in range(1, slots + 1)))
                     for role, slots in (("landlord", LANDLORD_SLOTS), ("tenant", TENANT_SLOTS)))


def _street_facts(street: Street):
    """What the import needs of a street, detached from the session (its commits expire ORM objects)."""
    from types import SimpleNamespace

    return SimpleNamespace(id=street.id, code=street.code, short_code=street.short_code, reg_prefix=street.reg_prefix)


def _street_for(row: dict, default, cache: dict):
    code = _cell(row, "street")
    if not code:
        if default is None:
            raise RowError("street: " + _("no street given (column street or option --street)"))
        return default
    if code not in cache:
        found = db.session.scalar(select(Street).where(or_(Street.code == code, Street.short_code == code.upper())))
        cache[code] = _street_facts(found) if found is not None else None
    if cache[code] is None:
        raise RowError("street: " + _("unknown street %(code)s", code=code))
    return cache[code]


# --- the bulk path ------------------------------------------------------------------------------
#
# A batch (``--batch-size`` rows, one transaction) is validated in Python by the window's own rules
# (:func:`counter.leases.services.validate_input`, the batch's properties fetched in one query), then
# written with multi-row INSERTs: properties, parties, leases, lease parties, events and audit entries,
# each in a handful of statements whatever the batch size. The database still decides what it decided
# for one registration:
#
# - properties are created once per key (``INSERT ... ON CONFLICT DO NOTHING``; the rows that lost are
#   fetched) and every property of the batch is locked ``FOR UPDATE`` in id order before the overlap
#   check, so a window registering the same property meanwhile meets the same overlap confirmation;
# - the registration counters of the batch's streets are locked (``SELECT ... FOR UPDATE``, street
#   order) before the natural keys are re-read: another import of the same file holds the same lock
#   until it commits, so a row it imported is seen and skipped, never numbered; the block of numbers is
#   then taken in one ``UPDATE ... last_value + n`` (:func:`counter.core.serials.take_serials`) and
#   handed out in file order: unique and gap-free, given back whole by a rollback;
# - the audit entries are chained at commit in one block (:mod:`counter.audit.chain`).
#
# Lock order (docs/ledger-integrity.md): property rows -> registration serials -> audit chain.

PROPERTY_COLUMNS = ("id", "street_id", "house_code", "address", "room")


class _Stub:
    """A property as validation sees it: a pre-fetched row or one this batch creates."""

    __slots__ = PROPERTY_COLUMNS

    def __init__(self, id, street_id, house_code, address, room):  # noqa: A002
        self.id, self.street_id, self.house_code, self.address, self.room = id, street_id, house_code, address, room


@dataclass
class _Pending:
    line: int
    row: dict
    street: Street
    data: LeaseInput
    key: str
    prop: object | None = None  # _Stub
    new_key: tuple | None = None  # the key of a property this batch creates


def _prop_key(data: LeaseInput) -> tuple:
    if data.house_code:
        return ("h", data.house_code)
    return ("a", data.street_id, address_key(data.address, data.room))


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _dbapi():
    """The batch transaction's own DB-API connection (psycopg or sqlite3): rows go in without the ORM."""
    return db.session.connection().connection.driver_connection


def _is_pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


_SQLITE_TEXT: dict = {}


def _sqlite_value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (date, datetime)):
        text = _SQLITE_TEXT.get(v)
        if text is None:
            # naive UTC datetimes in SQLAlchemy's SQLite storage format; dates as ISO dates
            text = v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v.isoformat()
            if len(_SQLITE_TEXT) > 100_000:
                _SQLITE_TEXT.clear()
            _SQLITE_TEXT[v] = text
        return text
    return v


def _new_ids(table: str, n: int) -> list[int]:
    """``n`` primary keys for rows about to be written: from the table's sequence on PostgreSQL (ours
    alone, whatever other writers do); on SQLite after the largest id (the write transaction holds the
    database's one write lock, BEGIN IMMEDIATE)."""
    if n == 0:
        return []
    raw = _dbapi()
    if _is_pg():
        with raw.cursor() as cur:
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", (n,))
            return [r[0] for r in cur.fetchall()]
    top = raw.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
    return list(range(top + 1, top + 1 + n))


def _pg_types(table: str, cols: tuple[str, ...]) -> list[str]:
    """The PostgreSQL types of ``cols`` without their lengths (VARCHAR, TIMESTAMP ...): a cast to
    VARCHAR(n) would cut a longer text where the column refuses it."""
    dialect = db.session.get_bind().dialect
    columns = db.metadata.tables[table].c
    return [re.sub(r"\([0-9, ]*\)", "", columns[c].type.compile(dialect=dialect)) for c in cols]


def _bulk_insert(table: str, cols: tuple[str, ...], rows: list[tuple], conflict: str = "") -> None:
    """Rows as tuples of ``cols``: ``COPY`` on PostgreSQL (one ``INSERT ... SELECT * FROM unnest(arrays)``
    when a conflict clause is given: COPY has none), ``executemany`` of one INSERT on SQLite. Datetimes are naive UTC (the columns'
    UTCDateTime storage), JSON columns get the JSON text."""
    if not rows:
        return
    raw = _dbapi()
    names = ", ".join(cols)
    if _is_pg():
        with raw.cursor() as cur:
            if conflict:  # one statement: a column as one array each (executemany: a statement per row)
                arrays = ", ".join(f"%s::{t}[]" for t in _pg_types(table, cols))
                cur.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {conflict}",
                            [list(c) for c in zip(*rows)])
            else:
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
        return
    # only the columns whose Python values need SQLite's storage form are converted
    # (a column holds one type: its first value that is not None tells; only all-None columns are scanned)
    convert = []
    for i in range(len(cols)):
        for r in rows:
            v = r[i]
            if v is not None:
                if isinstance(v, (bool, date, datetime)):
                    convert.append(i)
                break
    if convert:
        def conv(r):
            r = list(r)
            for i in convert:
                r[i] = _sqlite_value(r[i])
            return r
        rows = [conv(r) for r in rows]
    raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(cols))}) {conflict}", rows)


def _existing_ids(table: str, ids: list[int]) -> set[int]:
    out = set()
    raw = _dbapi()
    for chunk in _chunks(ids, 1000):
        marks = ", ".join(["%s" if _is_pg() else "?"] * len(chunk))
        if _is_pg():
            with raw.cursor() as cur:
                cur.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
                out.update(r[0] for r in cur.fetchall())
        else:
            out.update(r[0] for r in raw.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk).fetchall())
    return out


def _fetch_properties(hcodes, akeys) -> dict:
    """Pre-fetched properties by key: ("h", house code) and ("a", street, address key)."""
    found = {}
    cols = [getattr(Property, c) for c in PROPERTY_COLUMNS]
    with unrestricted():  # house codes are unique in the whole district
        for chunk in _chunks(sorted(hcodes), 1000):
            for r in db.session.execute(select(*cols).where(Property.house_code.in_(chunk))):
                found[("h", r.house_code)] = _Stub(*r)
        by_street: dict = {}
        for _a, sid, ak in akeys:
            by_street.setdefault(sid, set()).add(ak)
        # SQLite's planner, without statistics, would take the house_code index for "IS NULL": name the one
        indexed = "" if _is_pg() else " INDEXED BY ux_property_address_key"
        for sid, keys in sorted(by_street.items()):
            for chunk in _chunks(sorted(keys), 1000):
                for r in _query(f"SELECT {', '.join(PROPERTY_COLUMNS)}, address_key FROM property{indexed} "
                                f"WHERE street_id = {int(sid)} AND house_code IS NULL AND address_key IN ({{}})",
                                [], chunk):
                    found[("a", sid, r[5])] = _Stub(*r[:5])
    return found


def _existing_refs(pairs) -> set:
    """(street id, external_ref) pairs already on record (index ``lease (street_id, external_ref)``)."""
    by_street: dict = {}
    for sid, key in pairs:
        by_street.setdefault(sid, set()).add(key)
    out = set()
    raw = _dbapi()
    pg = _is_pg()
    for sid, keys in sorted(by_street.items()):
        for chunk in _chunks(sorted(keys), 1000):
            marks = ", ".join(["%s" if pg else "?"] * len(chunk))
            sql = f"SELECT external_ref FROM lease WHERE street_id = {int(sid)} AND external_ref IN ({marks})"
            if pg:
                with raw.cursor() as cur:
                    cur.execute(sql, chunk)
                    found = cur.fetchall()
            else:
                found = raw.execute(sql, chunk).fetchall()
            out.update((sid, r[0]) for r in found)
    return out


def _reason(exc: LeaseError) -> str:
    return "; ".join(f"{column_for(k)}: {' '.join(v)}" if k else " ".join(v) for k, v in exc.errors.items())


def _is_deadlock(exc: Exception) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40P01", "40001")


def _import_batch(batch: list[_Pending], allow_overlaps: bool, result: ImportResult, run_keys: set) -> None:
    """One transaction for the batch; a deadlock against another writer rolls it back and runs it again."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(5):
        part = ImportResult()
        keys: set = set()
        try:
            _write_batch(batch, allow_overlaps, part, run_keys | set(), keys)
            db.session.commit()
        except OperationalError as exc:
            db.session.rollback()
            if not _is_deadlock(exc) or attempt == 4:
                raise
            continue
        except BaseException:
            db.session.rollback()
            raise
        result.imported += part.imported
        result.skipped += part.skipped
        result.rejected.extend(part.rejected)
        run_keys |= keys
        return


def _write_batch(batch: list[_Pending], allow_overlaps: bool, result: ImportResult, run_keys: set,
                 imported_keys: set) -> None:
    from counter.audit.service import _actor
    from counter.core.serials import lock_serial, take_serials
    from counter.core.timeutil import business_today, utcnow
    from counter.leases.models import Party
    from counter.leases.services import (OverlapError, ValidationError, format_registration, normalise_code,
                                         validate_input)

    if not _is_pg():  # a bigger page cache for the batch's index inserts (default 2 MB; this connection only)
        _dbapi().execute("PRAGMA cache_size = -65536")
    # 1. what is on record: natural keys, properties
    on_record = _existing_refs((p.street.id, p.key) for p in batch)
    hcodes, akeys = set(), set()
    for p in batch:
        code = normalise_code(p.data.house_code)
        if code:
            hcodes.add(code)
        elif p.data.address:
            akeys.add(("a", p.data.street_id, address_key(p.data.address, p.data.room)))
    props = _fetch_properties(hcodes, akeys)
    looked_up = {("h", c) for c in hcodes} | akeys

    def finder(data: LeaseInput):
        k = _prop_key(data)
        if k in props:
            return props[k]
        if k in looked_up:
            return None
        from counter.leases.services import _existing_property

        return _existing_property(data)

    # 2. validation, in file order (the window's rules); a property new to the database is created once
    candidates: list[_Pending] = []
    seen_keys = set(run_keys)
    new_props: dict = {}
    for p in batch:
        ref = (p.street.id, p.key)
        if ref in on_record or ref in seen_keys:
            result.skipped += 1
            continue
        errors = validate_input(p.data, find_property=finder)
        if errors:
            result.rejected.append((p.line, _reason(ValidationError(errors=errors)), p.row))
            continue
        p.data.external_ref = p.key
        k = _prop_key(p.data)
        prop = props.get(k)
        if prop is None:
            prop = props[k] = _Stub(None, p.data.street_id, p.data.house_code, p.data.address.strip(),
                                    (p.data.room or "").strip() or None)
            new_props[k] = p.data
        if prop.id is None:
            p.new_key = k
        p.prop = prop
        seen_keys.add(ref)
        candidates.append(p)

    # 3. properties: new ones inserted once per key (sorted: two writers insert in the same order), then
    #    every property of the batch locked in id order
    now = utcnow()
    naive_now = now.replace(tzinfo=None)
    created: dict = {}
    pcols = ("id", "street_id", "house_code", "building_code", "address", "room", "address_key", "floor_area_centi",
             "design_use", "has_title", "created_at")
    for kind, conflict in (("h", "ON CONFLICT (house_code) DO NOTHING"),
                           ("a", "ON CONFLICT (street_id, address_key) WHERE house_code IS NULL DO NOTHING")):
        keys = sorted(k for k in new_props if k[0] == kind)
        ids = _new_ids("property", len(keys))
        rows = []
        for k, pid in zip(keys, ids):
            d = new_props[k]
            rows.append((pid, d.street_id, d.house_code, d.building_code, d.address.strip(),
                         (d.room or "").strip() or None, address_key(d.address, d.room), d.floor_area_centi,
                         d.design_use, bool(d.has_title), naive_now))
        _bulk_insert("property", pcols, rows, conflict)
        won = _existing_ids("property", ids)  # the ids are ours: present means this batch inserted the row
        for k, pid in zip(keys, ids):
            if pid in won:
                props[k].id = pid
                created[k] = pid
    lost = [k for k in new_props if k not in created]  # another writer created them a moment ago
    if lost:
        again = _fetch_properties({k[1] for k in lost if k[0] == "h"}, {k for k in lost if k[0] == "a"})
        for k in lost:
            if k in again:
                props[k] = again[k]
    for p in candidates:
        if p.new_key is not None:
            p.prop = props[p.new_key]
    prop_ids = sorted({p.prop.id for p in candidates if p.prop is not None and p.prop.id is not None})
    for chunk in _chunks(prop_ids, 1000):
        db.session.execute(select(Property.id).where(Property.id.in_(chunk)).order_by(Property.id).with_for_update())

    # 4. the registration counters of the batch's streets, locked in street order; under them the
    #    natural keys again (a concurrent import of the same rows has committed by now)
    year = business_today().year
    street_ids = sorted({p.street.id for p in candidates})
    last = {sid: lock_serial("registration", sid, year) for sid in street_ids}
    on_record = _existing_refs((p.street.id, p.key) for p in candidates)

    # 5. overlaps (the property rows are locked), numbers in file order
    overlaps_of: dict = {}
    cols = (Lease.id, Lease.property_id, Lease.start_date, Lease.end_date, Lease.registration_code)
    for chunk in _chunks(prop_ids, 1000):
        for r in db.session.execute(select(*cols).where(Lease.property_id.in_(chunk), Lease.status == "active")
                                    .order_by(Lease.id)):
            overlaps_of.setdefault(r.property_id, []).append(r)
    accepted: list[tuple[_Pending, int, str, str, str | None]] = []
    next_seq = dict(last)
    for p in candidates:
        if (p.street.id, p.key) in on_record:
            result.skipped += 1
            continue
        if p.prop is None or p.prop.id is None or p.prop.street_id != p.data.street_id:
            result.rejected.append((p.line, _reason(ValidationError(errors={"house_code": [
                _("This house code belongs to a property of another street.")]})), p.row))
            continue
        d = p.data
        hits = [o for o in overlaps_of.get(p.prop.id, ()) if o.start_date <= d.end_date and o.end_date >= d.start_date]
        note = None
        if hits:
            if not allow_overlaps:
                result.rejected.append((p.line, _reason(OverlapError(hits)), p.row))
                continue
            note = _("Registered although it overlaps %(codes)s (confirmed by the clerk).",
                     codes=", ".join(o.registration_code for o in hits))
        next_seq[p.street.id] += 1
        seq = next_seq[p.street.id]
        display, code = format_registration(p.street, year, seq)
        accepted.append((p, seq, display, code, note))
        overlaps_of.setdefault(p.prop.id, []).append(
            _Overlap(None, p.prop.id, d.start_date, d.end_date, code))
    if not accepted:
        return
    for sid in street_ids:
        count = next_seq[sid] - last[sid]
        if count and take_serials("registration", sid, year, count) != next_seq[sid]:
            raise RuntimeError(f"registration counter of street {sid} moved while locked")

    # 6. parties: one row per (street, ID type, number); the latest contact details win (as at the window)
    want = set()
    for p, *_rest in accepted:
        for party in p.data.parties:
            want.add((p.street.id, party.id_type, party.id_number))
    party_rows = _fetch_parties(want)
    state = {k: dict(v) for k, v in party_rows.items()}  # the party as each lease's snapshot sees it
    lease_rows, link_rows, snaps = [], [], []
    user_id, username = _actor()
    today = business_today()
    new_party_keys = []
    for p, seq, display, code, note in accepted:
        d = p.data
        links, snap_parties = [], []
        for position, party in enumerate(d.parties):
            k = (p.street.id, party.id_type, party.id_number)
            st = state.get(k)
            if st is None:
                st = state[k] = dict(id=None, street_id=p.street.id, kind=party.kind, name=party.name,
                                     id_type=party.id_type, id_number=party.id_number,
                                     phone=(party.phone or "").strip() or None,
                                     address=(party.address or "").strip() or None)
                new_party_keys.append(k)
            else:
                st["name"] = party.name
                if party.phone:
                    st["phone"] = party.phone.strip()
                if party.address:
                    st["address"] = party.address.strip()
            role = "sublessor" if d.is_sublease and party.role == "landlord" else party.role
            if not d.is_sublease and role == "sublessor":
                role = "landlord"
            links.append((k, role, position))
            snap_parties.append({"role": role, "name": st["name"], "kind": st["kind"], "id_type": st["id_type"],
                                 "id_number": st["id_number"], "phone": st["phone"]})
        landlords = [x for x in d.parties if x.role in ("landlord", "sublessor")]
        landlord_kind = "organization" if landlords and landlords[0].kind == "organization" else "individual"
        lease_rows.append(dict(
            street_id=p.street.id, property_id=p.prop.id, reg_year=year, reg_seq=seq, registration_number=display,
            registration_code=code, status="active", version=1, lease_use=d.lease_use, landlord_kind=landlord_kind,
            is_sublease=bool(d.is_sublease), rented_area_centi=d.rented_area_centi, signing_date=d.signing_date,
            start_date=d.start_date, end_date=d.end_date, monthly_rent_fen=d.monthly_rent_fen,
            deposit_fen=d.deposit_fen or 0, payment_cycle=d.payment_cycle, registered_on=today,
            registered_at=naive_now, registered_by_id=user_id, previous_lease_id=None, overlap_note=note,
            external_ref=p.key))
        snap = {"registration_code": code, "status": "active", "lease_use": d.lease_use,
                "landlord_kind": landlord_kind, "is_sublease": bool(d.is_sublease),
                "rented_area_centi": d.rented_area_centi, "signing_date": d.signing_date.isoformat(),
                "start_date": d.start_date.isoformat(), "end_date": d.end_date.isoformat(),
                "monthly_rent_fen": d.monthly_rent_fen, "deposit_fen": d.deposit_fen or 0,
                "payment_cycle": d.payment_cycle, "ended_on": None, "end_reason": None, "cancelled_on": None,
                "cancel_reason": None, "overlap_note": note, "version": 1,
                "property": {"house_code": p.prop.house_code, "address": p.prop.address, "room": p.prop.room},
                "parties": snap_parties}
        link_rows.append(links)
        snaps.append(snap)
    if new_party_keys:
        new_party_keys.sort()
        ids = _new_ids("party", len(new_party_keys))
        _bulk_insert("party", ("id", "street_id", "kind", "name", "id_type", "id_number", "phone", "address",
                               "created_at"),
                     [(pid, k[0], state[k]["kind"], state[k]["name"], k[1], k[2], state[k]["phone"],
                       state[k]["address"], naive_now) for k, pid in zip(new_party_keys, ids)],
                     "ON CONFLICT (street_id, id_type, id_number) DO NOTHING")
        won = _existing_ids("party", ids)
        lost = []
        for k, pid in zip(new_party_keys, ids):
            if pid in won:
                state[k]["id"] = pid
            else:
                lost.append(k)
        if lost:  # another window added these persons a moment ago: theirs are the rows
            again = _fetch_parties(set(lost))
            for k in lost:
                party_rows[k] = again[k]
                state[k]["id"] = again[k]["id"]
    changed = [dict(b_id=st["id"], b_name=st["name"], b_phone=st["phone"], b_address=st["address"])
               for k, st in state.items() if k in party_rows
               and (st["name"], st["phone"], st["address"]) != (party_rows[k]["name"], party_rows[k]["phone"],
                                                                party_rows[k]["address"])]
    if changed:
        from sqlalchemy import bindparam, update

        db.session.execute(update(Party.__table__).where(Party.__table__.c.id == bindparam("b_id"))
                           .values(name=bindparam("b_name"), phone=bindparam("b_phone"),
                                   address=bindparam("b_address")), changed)

    # 7. leases, their parties and events (COPY / executemany); one audit entry per street of the batch
    import json

    lease_ids = _new_ids("lease", len(lease_rows))
    lcols = ("id", *lease_rows[0].keys())
    _bulk_insert("lease", lcols, [(lid, *row.values()) for lid, row in zip(lease_ids, lease_rows)])
    _bulk_insert("lease_party", ("street_id", "lease_id", "party_id", "role", "position"),
                 [(row["street_id"], lid, state[k]["id"], role, position)
                  for row, lid, links in zip(lease_rows, lease_ids, link_rows) for k, role, position in links])
    _bulk_insert("lease_event", ("street_id", "lease_id", "kind", "version", "at", "business_date", "user_id",
                                 "username", "reason", "before", "after"),
                 [(row["street_id"], lid, "register", 1, naive_now, today, user_id, username, row["overlap_note"],
                   None, json.dumps(snap)) for row, lid, snap in zip(lease_rows, lease_ids, snaps)])
    from counter.audit.service import record

    per_street: dict = {}
    for (p, _seq, _d, code, _note), row in zip(accepted, lease_rows):
        per_street.setdefault(p.street.id, []).append((p.line, code))
    new_by_street: dict = {}
    for k in created:
        new_by_street[props[k].street_id] = new_by_street.get(props[k].street_id, 0) + 1
    for sid, items in sorted(per_street.items()):
        first, last_code = items[0][1], items[-1][1]
        record("lease.import", street_id=sid, summary=f"{first} – {last_code} ({len(items)})",
               after={"leases": len(items), "first": first, "last": last_code,
                      "lines": [items[0][0], items[-1][0]], "properties_created": new_by_street.get(sid, 0)})
    result.imported += len(accepted)
    imported_keys.update((row["street_id"], row["external_ref"]) for row in lease_rows)


PARTY_COLUMNS = ("id", "street_id", "kind", "name", "id_type", "id_number", "phone", "address")


def _fetch_parties(keys: set) -> dict:
    """Party rows (as dicts) by (street, ID type, number): the unique index (street_id, id_type,
    id_number) serves every column of the query."""
    groups: dict = {}
    for sid, id_type, number in keys:
        groups.setdefault((sid, id_type), set()).add(number)
    out = {}
    for (sid, id_type), numbers in sorted(groups.items()):
        for chunk in _chunks(sorted(numbers), 1000):
            for r in _query(f"SELECT {', '.join(PARTY_COLUMNS)} FROM party WHERE street_id = {int(sid)} "
                            f"AND id_type = {{}} AND id_number IN ({{}})", [id_type], chunk):
                out[(r[1], r[4], r[5])] = dict(zip(PARTY_COLUMNS, r))
    return out


def _query(sql: str, head: list, items: list) -> list:
    """Run ``sql`` with its ``{}`` placeholders filled by one marker for ``head`` values and one list of
    markers for ``items`` (psycopg ``%s`` / sqlite3 ``?``)."""
    pg = _is_pg()
    mark = "%s" if pg else "?"
    text = sql.format(*([mark] * len(head)), ", ".join([mark] * len(items))) if head else \
        sql.format(", ".join([mark] * len(items)))
    raw = _dbapi()
    if pg:
        with raw.cursor() as cur:
            cur.execute(text, [*head, *items])
            return cur.fetchall()
    return raw.execute(text, [*head, *items]).fetchall()


@dataclass
class _Overlap:
    id: int | None
    property_id: int
    start_date: date
    end_date: date
    registration_code: str


def import_rows(rows, *, street: Street | None = None, batch_size: int = 1000, allow_overlaps: bool = False,
                progress=None) -> ImportResult:
    """Import an iterable of (line number, dict) rows; one transaction per ``batch_size`` rows.

    The cyclic garbage collector is paused meanwhile (the rows are freed by reference counting; its
    passes over the growing heap cost a quarter of the CPU of a 10,000-row import)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _import_rows(rows, street=street, batch_size=batch_size, allow_overlaps=allow_overlaps,
                            progress=progress)
    finally:
        if was_enabled:
            gc.enable()


class _Statistics:
    """PostgreSQL plans the batch's look-ups (parties by (street, ID type, number), natural keys,
    properties) from the tables' statistics; on a young database (none yet, or autovacuum off or behind)
    it takes the street's part of the unique index and filters the ID numbers, a scan that grows with the
    table: 44,000 rows into an empty database took 50 s instead of 15. So the tables the import grows are
    analysed whenever the run has added as many leases as the statistics knew of (1,000, 2,000, 4,000,
    ...: a few ANALYZEs per run, none for a small file into a big database). Only the tables' owner may
    analyse: for another role PostgreSQL skips them with a warning and the import goes on."""

    TABLES = "lease, property, party, lease_party"
    MIN_ROWS = 1000

    def __init__(self):
        self.pg = _is_pg()
        self.known = self._known() if self.pg else 0
        self.at = 0  # leases imported by this run at the last ANALYZE

    @staticmethod
    def _known() -> int:
        return max(0, int(_query("SELECT reltuples FROM pg_class WHERE oid = 'lease'::regclass", [], [])[0][0]))

    def after_batch(self, imported: int) -> None:
        if self.pg and imported - self.at >= max(self.MIN_ROWS, self.known):
            _dbapi().execute(f"ANALYZE {self.TABLES}")
            self.known = self._known()
            db.session.commit()
            self.at = imported


def _import_rows(rows, *, street, batch_size, allow_overlaps, progress) -> ImportResult:
    result = ImportResult()
    streets: dict = {}
    if street is not None:
        street = _street_facts(street)
    run_keys: set = set()  # (street id, key) imported by this run: a repeated row is skipped like a re-run
    batch: list[_Pending] = []
    stats = _Statistics()
    for line, row in rows:
        try:
            target = _street_for(row, street, streets)
            data = row_to_input(row, target.id)
            key = natural_key(target.id, data, _cell(row, "external_ref"))
        except RowError as exc:
            result.rejected.append((line, str(exc), row))
        else:
            batch.append(_Pending(line, row, target, data, key))
        if progress is not None:
            progress.update(1)
        if len(batch) >= batch_size:
            _import_batch(batch, allow_overlaps, result, run_keys)
            batch = []
            stats.after_batch(result.imported)
    if batch:
        _import_batch(batch, allow_overlaps, result, run_keys)
    db.session.commit()
    result.rejected.sort(key=lambda r: r[0])
    return result


def write_rejects(path: Path, rejected, fieldnames) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "reason", *fieldnames])
        for line, reason, row in rejected:
            writer.writerow([line, reason, *[row.get(f, "") for f in fieldnames]])


@click.command("import-leases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--street", "street_code", help="Street code (440304001) or short code (FT01) for rows without one")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write rejected rows (default: FILE.rejects.csv)")
@click.option("--batch-size", default=1000, show_default=True, help="Rows per transaction")
@click.option("--allow-overlaps", is_flag=True, help="Import rows that overlap an active lease (recorded as confirmed)")
@with_appcontext
def import_leases_command(file: Path, street_code, rejects_path, batch_size, allow_overlaps):
    """Import leases from a CSV register (UTF-8, header row).

    Columns: external_ref, street, house_code, building_code, address, room, floor_area, design_use,
    has_title, lease_use, is_sublease, rented_area, signing_date, start_date, end_date, monthly_rent,
    deposit, payment_cycle, landlord1_name, landlord1_id_type, landlord1_id_number, landlord1_phone,
    landlord2_*, tenant1_* .. tenant4_* (same four), agent_name, agent_id_number.
    Dates YYYY-MM-DD, money in yuan, areas in m². Rows are validated like the window's form; re-running
    a file skips rows already imported (natural key: external_ref, else a hash of street, property,
    signing and start dates and tenant IDs). See counter/leases/importer.py.
    """
    from tqdm import tqdm

    street = None
    if street_code:
        street = db.session.scalar(select(Street).where(or_(Street.code == street_code,
                                                            Street.short_code == street_code.upper())))
        if street is None:
            raise click.BadParameter(f"unknown street {street_code}", param_hint="--street")
    with open(file, newline="", encoding="utf-8-sig") as fh:
        total = max(0, sum(1 for _line in fh) - 1)
    with open(file, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fieldnames = list(reader.fieldnames or [])
        rows = ((reader.line_num, row) for row in reader)
        with tqdm(total=total, unit="row", desc="import-leases", file=sys.stderr) as bar:
            result = import_rows(rows, street=street, batch_size=batch_size, allow_overlaps=allow_overlaps,
                                 progress=bar)
    rejects_path = rejects_path or file.with_suffix(".rejects.csv")
    if result.rejected:
        write_rejects(rejects_path, result.rejected, fieldnames)
    click.echo(f"imported {result.imported}, skipped (already imported) {result.skipped}, "
               f"rejected {len(result.rejected)}" + (f" -> {rejects_path}" if result.rejected else ""))


__all__ = ["import_rows", "import_leases_command", "natural_key", "row_to_input", "LEASE_USES"]
