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

Every row is validated by the same service as the window's form (ID checksums, dates, areas, ...).
Valid rows are committed in batches (``--batch-size``, default 500); each row runs in a savepoint, so one
bad row never takes its batch down. Rejected rows go to the rejects file (``--rejects``, default
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
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from counter.core.validation import InvalidInput, check_characters
from counter.extensions import db
from counter.leases.models import LEASE_USES, Lease
from counter.leases.services import LeaseError, LeaseInput, PartyInput, register_lease, to_centi, to_fen
from counter.streets.models import Street

LANDLORD_SLOTS, TENANT_SLOTS = 2, 4
USE_ALIASES = {"住宅": "residential", "商住两用": "mixed", "商业": "commercial", "商铺": "commercial", "办公": "office",
               "厂房": "factory", "仓库": "warehouse", "宿舍": "dormitory", "其他": "other"}
TRUE = {"1", "y", "yes", "true", "是", "有"}
FALSE = {"0", "n", "no", "false", "否", "无", ""}


class RowError(Exception):
    pass


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)


def _cell(row: dict, name: str) -> str:
    """A cell, trimmed; control and text-direction characters refuse the row (as the form's fields do)."""
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
    parties = []
    for role, prefix, slots, default_type in (("landlord", "landlord", LANDLORD_SLOTS, "resident_id"),
                                             ("tenant", "tenant", TENANT_SLOTS, "resident_id")):
        for n in range(1, slots + 1):
            name, number = _cell(row, f"{prefix}{n}_name"), _cell(row, f"{prefix}{n}_id_number")
            if not name and not number:
                continue
            parties.append(PartyInput(role=role, name=name, id_number=number,
                                      id_type=_cell(row, f"{prefix}{n}_id_type") or default_type,
                                      phone=_cell(row, f"{prefix}{n}_phone") or None,
                                      slot=f"{prefix}s-{n - 1}"))
    if _cell(row, "agent_name") or _cell(row, "agent_id_number"):
        parties.append(PartyInput(role="agent", name=_cell(row, "agent_name"), id_type="credit_code",
                                  id_number=_cell(row, "agent_id_number"), slot="agents-0"))
    return LeaseInput(
        street_id=street_id, house_code=_cell(row, "house_code") or None, building_code=_cell(row, "building_code") or None,
        address=_cell(row, "address") or None, room=_cell(row, "room") or None,
        floor_area_centi=_amount(row, "floor_area", to_centi), design_use=_use(row, "design_use") or "residential",
        has_title=_bool(row, "has_title", True), lease_use=_use(row, "lease_use"),
        is_sublease=_bool(row, "is_sublease", False), rented_area_centi=_amount(row, "rented_area", to_centi),
        signing_date=_date(row, "signing_date"), start_date=_date(row, "start_date"), end_date=_date(row, "end_date"),
        monthly_rent_fen=_amount(row, "monthly_rent", to_fen), deposit_fen=_amount(row, "deposit", to_fen) or 0,
        payment_cycle=_cell(row, "payment_cycle") or "monthly", parties=parties)


def _street_for(row: dict, default: Street | None, cache: dict) -> Street:
    code = _cell(row, "street")
    if not code:
        if default is None:
            raise RowError("street: " + _("no street given (column street or option --street)"))
        return default
    if code not in cache:
        cache[code] = db.session.scalar(select(Street).where(or_(Street.code == code, Street.short_code == code.upper())))
    if cache[code] is None:
        raise RowError("street: " + _("unknown street %(code)s", code=code))
    return cache[code]


def import_rows(rows, *, street: Street | None = None, batch_size: int = 500, allow_overlaps: bool = False,
                progress=None) -> ImportResult:
    """Import an iterable of (line number, dict) rows; commits every ``batch_size`` rows."""
    result = ImportResult()
    streets: dict = {}
    pending = 0
    for line, row in rows:
        try:
            target = _street_for(row, street, streets)
            data = row_to_input(row, target.id)
            key = natural_key(target.id, data, _cell(row, "external_ref"))
            if db.session.scalar(select(Lease.id).where(Lease.street_id == target.id, Lease.external_ref == key)):
                result.skipped += 1
                continue
            data.external_ref = key
            try:
                with db.session.begin_nested():
                    register_lease(data, confirm_overlap=allow_overlaps)
            except IntegrityError:  # another import of the same file registered this row a moment ago
                if not db.session.scalar(select(Lease.id).where(Lease.street_id == target.id,
                                                                Lease.external_ref == key)):
                    raise
                result.skipped += 1
                continue
            result.imported += 1
            pending += 1
        except RowError as exc:
            result.rejected.append((line, str(exc), row))
        except LeaseError as exc:
            reason = "; ".join(f"{column_for(k)}: {' '.join(v)}" if k else " ".join(v) for k, v in exc.errors.items())
            result.rejected.append((line, reason, row))
        finally:
            if progress is not None:
                progress.update(1)
        if pending >= batch_size:
            db.session.commit()
            pending = 0
    db.session.commit()
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
@click.option("--batch-size", default=500, show_default=True, help="Rows per commit")
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
