"""The rows the generator writes (one tuple per row, columns in :data:`COLUMNS` order), the state it keeps
per street, and the writer: COPY on PostgreSQL, multi-row INSERT on SQLite."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class Stats:
    leases: int = 0
    properties: int = 0
    parties: int = 0
    lease_parties: int = 0
    events: int = 0
    receipts: int = 0
    journal: int = 0
    documents: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return (self.leases + self.properties + self.parties + self.lease_parties + self.events + self.receipts
                + self.journal + self.documents)



@dataclass
class StreetState:
    id: int
    code: str
    short_code: str
    reg_prefix: str
    name_zh: str
    clerk_id: int
    clerk_name: str
    supervisor_id: int
    building_prefix: str
    buildings: int = 0
    units_left: int = 0
    building_code: str = ""
    building_addr: str = ""
    unit_no: int = 0
    floor: int = 1
    landlords: list = field(default_factory=list)  # recent individual landlords (party id, name)
    agencies: list = field(default_factory=list)  # (party id, name)
    journal_seq: int = 0
    journal_prev: str = ""



# --------------------------------------------------------------------------------------------- writers

COLUMNS = {
    "property": ("id", "street_id", "house_code", "building_code", "address", "room", "address_key",
                 "floor_area_centi", "design_use", "has_title", "created_at"),
    "party": ("id", "street_id", "kind", "name", "id_type", "id_number", "phone", "address", "created_at"),
    "lease": ("id", "street_id", "property_id", "reg_year", "reg_seq", "registration_number", "registration_code",
              "status", "version", "lease_use", "landlord_kind", "is_sublease", "rented_area_centi", "signing_date",
              "start_date", "end_date", "monthly_rent_fen", "deposit_fen", "payment_cycle", "registered_on",
              "registered_at", "registered_by_id", "previous_lease_id", "overlap_note", "ended_on", "end_reason",
              "cancelled_on", "cancel_reason", "external_ref"),
    "lease_party": ("id", "street_id", "lease_id", "party_id", "role", "position"),
    "lease_event": ("id", "street_id", "lease_id", "kind", "version", "at", "business_date", "user_id", "username",
                    "reason", "before", "after"),
    "receipt": ("id", "street_id", "lease_id", "year", "seq", "receipt_number", "payer_name", "first_month",
                "last_month", "period_start", "period_end", "total_fen", "method", "payment_reference", "business_date", "clerk_id", "issued_at",
                "status", "idempotency_key", "assessment_record_id", "repeat_reason", "void_reason", "voided_at",
                "voided_by_id"),
    "receipt_period": ("id", "street_id", "lease_id", "receipt_id", "period_start", "period_end", "is_repeat",
                       "released_at", "released_by_id"),
    "journal_entry": ("id", "street_id", "seq", "receipt_id", "lease_id", "clerk_id", "business_date", "item",
                      "item_name_zh", "amount_fen", "method", "kind", "reverses_id", "created_at", "prev_hash",
                      "row_hash", "seal_version", "period_start", "period_end"),
    "printed_document": ("id", "street_id", "kind", "year", "seq", "doc_number", "verify_code", "lease_id",
                         "lease_version", "receipt_id", "day_close_id", "period", "holder_name", "holder_party_id",
                         "purpose", "paper", "original_id", "reprint_no", "reprint_reason", "printed_by_id",
                         "printed_by_name", "printed_at", "print_date", "issue_date"),
}
TABLE_ORDER = tuple(COLUMNS)  # parents before children
JSON_COLUMNS = {("lease_event", "before"), ("lease_event", "after")}


class Writer:
    """Buffers rows per table and flushes them in foreign-key order: COPY on PostgreSQL, multi-row INSERT
    on SQLite. One transaction per flush."""

    def __init__(self, conn, checked: bool = False):
        self.conn = conn  # a SQLAlchemy Connection
        self.checked = checked
        self.dialect = conn.dialect.name
        self.buffers: dict[str, list[tuple]] = {t: [] for t in TABLE_ORDER}
        self.json_idx = {t: [i for i, c in enumerate(COLUMNS[t]) if (t, c) in JSON_COLUMNS] for t in TABLE_ORDER}

    def add(self, table: str, row: tuple) -> None:
        self.buffers[table].append(row)

    def flush(self) -> None:
        if self.dialect == "postgresql":
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cur:
                if not self.checked:
                    # The rows are consistent by construction (ids assigned here, parents first); skipping the
                    # per-row foreign-key triggers makes COPY several times faster. Needs a superuser; the
                    # test suite runs the generator with the checks on (``checked=True``).
                    cur.execute("SET LOCAL session_replication_role = replica")
                for table in TABLE_ORDER:
                    rows = self.buffers[table]
                    if not rows:
                        continue
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as cp:
                        for i in range(0, len(rows), 2000):
                            cp.write("".join(["\t".join([_pg_text(v) for v in row]) + "\n"
                                              for row in rows[i:i + 2000]]).encode("utf-8"))
                    rows.clear()
        else:
            for table in TABLE_ORDER:
                rows = self.buffers[table]
                if not rows:
                    continue
                cols = COLUMNS[table]
                per = max(1, 32_000 // len(cols))  # SQLite's limit on bound variables per statement
                one = "(" + ", ".join("?" * len(cols)) + ")"
                for i in range(0, len(rows), per):
                    chunk = rows[i:i + per]
                    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES " + ", ".join([one] * len(chunk))
                    self.conn.exec_driver_sql(sql, tuple(_sqlite_value(v) for row in chunk for v in row))
                rows.clear()
        self.conn.commit()

    def value_json(self, obj):
        return None if obj is None else json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(v) -> str:
    """One value in COPY's text format."""
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, str):
        return v.translate(_PG_ESCAPES)
    if isinstance(v, datetime):
        return v.isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _sqlite_value(v):
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v
