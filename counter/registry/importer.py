"""Building registry import: ``counter import-buildings FILE.csv`` (see docs/registry.md).

File: CSV with one header row, one registry unit per row, **UTF-8** (a BOM is accepted) or **GBK**
(read as GB 18030, its superset: what the registry's own exports write). Columns (English or Chinese
header; unknown columns are ignored):

=================  ===========  =================================================================
building_code      楼栋代码      19 letters and digits, or an old UUID — required
house_code         房屋代码      25 letters and digits, starting with the building code; empty for a
                                building listed without its units (the building is then the unit)
address            标准地址      the standard address of the building (at most 100 characters) — required
street             街道          street code (440304001) or short code (FT01); or ``--street`` for the file
community          社区          community code (street code + 3 digits) or name; optional
design_use         设计用途      residential, mixed, ... or 住宅, 商住两用, ... (as import-leases); optional
floor_area         建筑面积      m², two decimals, more than 0; optional
=================  ===========  =================================================================

Every row is checked (codes by the lease form's rules: :func:`counter.leases.services.normalise_code`,
:data:`~counter.core.bounds.HOUSE_CODE_LEN`, :data:`~counter.leases.register.BUILDING_CODE_LEN`, old UUIDs;
texts by :func:`~counter.core.validation.clean_text` and the bounds; areas by ``to_centi``); a refused row
goes to the rejects file (``--rejects``, default ``FILE.rejects.csv``: line, reason in the user's language,
the row) and never takes the import down. A house code given twice in the file is refused the second time.

Versions and idempotency: the accepted rows form one new version (:class:`RegistryImport`, dated, numbered;
the coverage report reads the latest). Its fingerprint is the SHA-256 of the accepted rows in canonical form
(normalised codes, sorted): when it equals the latest version's, nothing is written ("unchanged") — the
same file twice, or the same registry re-encoded or re-ordered, adds no rows. The version number is unique
in the database: of two imports at the same moment one wins, the other re-reads (unchanged) or asks to be
run again. One transaction for the whole import: a version is complete or absent.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import insert, or_, select

from counter.core.bounds import ADDRESS_MAX, BUILDING_CODE_MAX, HOUSE_CODE_LEN
from counter.core.db import dialect_insert
from counter.core.timeutil import business_today, utcnow
from counter.core.validation import InvalidInput, clean_text, decode_upload
from counter.extensions import db
from counter.leases.importer import USE_ALIASES
from counter.leases.models import LEASE_USES
from counter.leases.register import BUILDING_CODE_LEN
from counter.leases.services import normalise_code, to_centi
from counter.registry.models import COMMUNITY_MAX, RegistryImport, RegistryUnit
from counter.streets.models import Street

COLUMNS = ("building_code", "house_code", "address", "street", "community", "design_use", "floor_area")
HEADER_ALIASES = {"楼栋代码": "building_code", "楼栋编码": "building_code", "房屋代码": "house_code",
                  "房屋编码": "house_code", "标准地址": "address", "地址": "address", "街道": "street",
                  "社区": "community", "设计用途": "design_use", "建筑面积": "floor_area"}
UUID = re.compile(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", re.ASCII)
BUILDING = re.compile(r"[0-9A-Z]{%d}" % BUILDING_CODE_LEN, re.ASCII)
HOUSE = re.compile(r"[0-9A-Z]{%d}" % HOUSE_CODE_LEN, re.ASCII)
COMMUNITY_CODE = re.compile(r"[0-9]{12}", re.ASCII)
CHUNK = 5000


class RowError(Exception):
    pass


def is_old_code(code: str | None) -> bool:
    """An old-format building code (a UUID)."""
    return bool(code) and UUID.fullmatch(code) is not None


def normalise_address(address: str) -> str:
    """NFKC, no spaces, upper case: how the coverage report compares a filing's address with the registry's."""
    return "".join(unicodedata.normalize("NFKC", address).split()).upper()


@dataclass
class Accepted:
    line: int
    street_id: int
    building_code: str
    house_code: str | None
    address: str
    community: str
    design_use: str | None
    floor_area_centi: int | None

    def canonical(self) -> str:
        return "\x1f".join(str(v) for v in (self.street_id, self.building_code, self.house_code or "",
                                            normalise_address(self.address), self.community,
                                            self.design_use or "", self.floor_area_centi or ""))


@dataclass
class ImportResult:
    version: RegistryImport | None = None
    unchanged: RegistryImport | None = None  # the latest version had the same content: nothing written
    accepted: int = 0
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) by :func:`counter.core.validation.decode_upload`; a version records the character
    set (``utf-8`` with or without a BOM, or ``gb18030``)."""
    decoded = decode_upload(data)
    if decoded is None:
        raise click.ClickException(_("The file is neither UTF-8 nor GBK text."))
    text, encoding = decoded
    return text, "utf-8" if encoding == "utf-8-sig" else encoding


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """(the header as given, [(line, {column: value})]) with Chinese headers mapped to the column names."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None) or []
    names = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append((reader.line_num, {n: v for n, v in zip(names, values)}))
    return header, rows


def _text(row: dict, name: str, max_length: int, *, required: bool = False) -> str:
    try:
        return clean_text(row.get(name), max_length=max_length, required=required)
    except InvalidInput as exc:
        raise RowError(f"{name}: {exc}") from None


def _street(row: dict, default: Street | None, cache: dict) -> int:
    code = _text(row, "street", 9)
    if not code:
        if default is None:
            raise RowError("street: " + _("no street given (column street or option --street)"))
        return default.id
    if code not in cache:
        found = db.session.scalar(select(Street.id).where(or_(Street.code == code, Street.short_code == code.upper())))
        cache[code] = found
    if cache[code] is None:
        raise RowError("street: " + _("unknown street %(code)s", code=code))
    return cache[code]


def check_row(row: dict, default_street: Street | None, cache: dict, line: int) -> Accepted:
    """One row, validated and normalised, or :class:`RowError` with the reason."""
    building = normalise_code(_text(row, "building_code", BUILDING_CODE_MAX + 10, required=True))
    if not (BUILDING.fullmatch(building) or UUID.fullmatch(building)):
        raise RowError("building_code: " + _("A building code has 19 letters and digits (old codes: a UUID)."))
    house = normalise_code(_text(row, "house_code", HOUSE_CODE_LEN + 10)) or None
    if house is not None:
        if not HOUSE.fullmatch(house):
            raise RowError("house_code: " + _("A house code has 25 letters and digits."))
        if len(building) == BUILDING_CODE_LEN and not house.startswith(building):
            raise RowError("house_code: " + _("The house code must start with the building code."))
    address = _text(row, "address", ADDRESS_MAX, required=True)
    street_id = _street(row, default_street, cache)
    community = _text(row, "community", COMMUNITY_MAX)
    if COMMUNITY_CODE.fullmatch(community):
        street_code = next((c for c, sid in cache.items() if sid == street_id and len(c) == 9), None)
        if street_code is None:
            street_code = db.session.scalar(select(Street.code).where(Street.id == street_id))
        if not community.startswith(street_code):
            raise RowError("community: " + _("The community code %(code)s is not of this street.", code=community))
    use = _text(row, "design_use", 16)
    use = USE_ALIASES.get(use, use.lower()) or None
    if use is not None and use not in LEASE_USES:
        raise RowError("design_use: " + _("Choose the design use."))
    try:
        area = to_centi(_text(row, "floor_area", 20))
    except InvalidInput as exc:
        raise RowError(f"floor_area: {exc}") from None
    if area is not None and area <= 0:
        raise RowError("floor_area: " + _("Enter the floor area in m² (more than 0)."))
    return Accepted(line, street_id, building, house, address, community, use, area)


def latest_version() -> RegistryImport | None:
    return db.session.scalar(select(RegistryImport).order_by(RegistryImport.version.desc()).limit(1))


def import_rows(rows, *, file_name: str, encoding: str, street: Street | None = None, progress=None,
                provenance: str = "import", imported_by: str | None = None) -> ImportResult:
    """Validate ``rows`` ((line, dict) pairs) and write them as a new version (flush only)."""
    result = ImportResult()
    cache: dict = {}
    accepted: list[Accepted] = []
    seen: dict[tuple, int] = {}  # (house code) or (building code, None) -> the first line
    for line, row in rows:
        try:
            a = check_row(row, street, cache, line)
            key = ("h", a.house_code) if a.house_code else ("b", a.building_code)
            if key in seen:
                raise RowError(("house_code: " if a.house_code else "building_code: ")
                               + _("already given on line %(line)s", line=seen[key]))
            seen[key] = line
            accepted.append(a)
        except RowError as exc:
            result.rejected.append((line, str(exc), row))
        if progress is not None:
            progress.update(1)
    # a building is listed with its house codes or as a whole, not both (a filing matches one unit)
    housed = {a.building_code for a in accepted if a.house_code}
    whole = [a for a in accepted if a.house_code is None and a.building_code in housed]
    if whole:
        rows_by_line = dict(rows) if isinstance(rows, list) else {}
        for a in whole:
            result.rejected.append((a.line, "building_code: " + _("This building is also listed with its house codes."),
                                    rows_by_line.get(a.line, {})))
        accepted = [a for a in accepted if not (a.house_code is None and a.building_code in housed)]
        result.rejected.sort(key=lambda r: r[0])
    result.accepted = len(accepted)
    digest = hashlib.sha256("\n".join(sorted(a.canonical() for a in accepted)).encode("utf-8")).hexdigest()
    latest = latest_version()
    if latest is not None and latest.content_sha256 == digest:
        result.unchanged = latest
        return result
    number = (latest.version if latest is not None else 0) + 1
    stmt = dialect_insert(RegistryImport).values(
        version=number, business_date=business_today(), file_name=file_name[:200], encoding=encoding,
        content_sha256=digest, units=len(accepted), rejected=len(result.rejected), provenance=provenance,
        imported_by=imported_by, imported_at=utcnow()).on_conflict_do_nothing(index_elements=["version"]) \
        .returning(RegistryImport.id)
    new_id = db.session.scalar(stmt)
    if new_id is None:  # another import took this number a moment ago
        db.session.expire_all()
        other = latest_version()
        if other is not None and other.content_sha256 == digest:
            result.unchanged = other
            return result
        raise click.ClickException(_("Another registry import ran at the same time; run this one again."))
    table = RegistryUnit.__table__
    for i in range(0, len(accepted), CHUNK):
        db.session.execute(insert(table), [
            dict(version_id=new_id, line=a.line, street_id=a.street_id, building_code=a.building_code,
                 house_code=a.house_code, address=a.address, address_norm=normalise_address(a.address)[:100],
                 community=a.community, design_use=a.design_use, floor_area_centi=a.floor_area_centi)
            for a in accepted[i:i + CHUNK]])
    version = db.session.get(RegistryImport, new_id)
    from counter.audit.service import record

    record("registry.import", obj=version, summary=f"v{number}: {len(accepted)} / {len(result.rejected)}",
           after={"version": number, "file": file_name[:200], "encoding": encoding, "units": len(accepted),
                  "rejected": len(result.rejected), "sha256": digest})
    result.version = version
    return result


def write_rejects(path: Path, rejected, header: list[str]) -> None:
    names = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([_("Line"), _("Reason"), *header])
        for line, reason, row in rejected:
            writer.writerow([line, reason, *[row.get(n, "") for n in names]])


@click.command("import-buildings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--street", "street_code", help="Street code (440304001) or short code (FT01) for rows without one")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write rejected rows (default: FILE.rejects.csv)")
@with_appcontext
def import_buildings_command(file: Path, street_code, rejects_path):
    """Import the building registry from a CSV file (UTF-8 or GBK, one header row, one unit per row).

    \b
    Columns (English or Chinese header):
      building_code  楼栋代码  19 letters/digits or an old UUID (required)
      house_code     房屋代码  25 letters/digits, starting with the building code;
                               empty: the building itself is the unit
      address        标准地址  the building's standard address (required)
      street         街道      street code (440304001) or short code (FT01), or --street
      community      社区      community code (street code + 3 digits) or name
      design_use     设计用途  residential, mixed, commercial, ... or 住宅, 商住两用, ...
      floor_area     建筑面积  m², two decimals

    Each import is a new dated version (the coverage report reads the latest); a file whose accepted rows
    equal the latest version's adds nothing. Rejected rows go to FILE.rejects.csv with the line and reason.
    See docs/registry.md.
    """
    street = None
    if street_code:
        street = db.session.scalar(select(Street).where(or_(Street.code == street_code,
                                                            Street.short_code == street_code.upper())))
        if street is None:
            raise click.BadParameter(f"unknown street {street_code}", param_hint="--street")
    text, encoding = decode(file.read_bytes())
    try:
        header, rows = read_rows(text)
    except csv.Error as exc:  # a cell beyond the csv module's field limit, a NUL byte
        raise click.ClickException(f"{file.name}: {exc}") from None
    missing = [c for c in ("building_code", "address") if c not in
               {HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header}]
    if missing:
        raise click.ClickException(_("Missing columns: %(columns)s", columns=", ".join(missing)))

    with click.progressbar(length=len(rows), label="import-buildings", file=sys.stderr) as bar:
        result = import_rows(rows, file_name=file.name, encoding=encoding, street=street, progress=bar,
                             imported_by=(os.environ.get("USER") or "cli")[:64])
    db.session.commit()
    rejects_path = rejects_path or file.with_suffix(".rejects.csv")
    if result.rejected:
        write_rejects(rejects_path, result.rejected, header)
    tail = f", rejected {len(result.rejected)} -> {rejects_path}" if result.rejected else ", rejected 0"
    if result.unchanged is not None:
        click.echo(f"unchanged: the registry equals version {result.unchanged.version} "
                   f"({result.unchanged.business_date.isoformat()}); nothing imported{tail}")
    else:
        click.echo(f"version {result.version.version}: {result.accepted} units{tail}")
    return result


__all__ = ["import_buildings_command", "import_rows", "check_row", "decode", "read_rows", "is_old_code",
           "normalise_address", "COLUMNS"]
