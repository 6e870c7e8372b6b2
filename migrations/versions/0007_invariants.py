"""invariants held by the database, and a ledger check that catches every tamper (issue 11)

Revision ID: 0007
Revises: 0006

- ``receipt_period``: the tax periods each receipt covers, with a partial unique index (lease_id,
  period_start) over the rows neither released nor a recorded repeat; filled from the existing receipts
  (a period paid twice before this migration is kept, marked ``is_repeat`` and reported by
  ``counter ledger verify`` when no reason was recorded).
- ``clerk_day``: the row standing for a clerk's business day (the lock that serialises postings and the
  day close); filled from the existing day closes.
- ``journal_entry``: a unique index on ``reverses_id`` (a line is reversed at most once; if reversed twice
  before this migration, the index covers the rows written after it and verify reports the old ones).
- ``property.address_key``: the normalised address + room, unique per street among properties without a
  house code (older duplicates keep no key and are listed).
- ``user_account``: usernames unique ignoring case.
- ``audit_chain`` (append-only): the HMAC chain over the audit log, computed here for the existing entries.
- ``ledger_anchor`` (append-only): the sealed head of each street's journal now (rows up to it keep their
  plain SHA-256 hashes; new rows are sealed with HMAC) and of the audit chain.
- Guard triggers: a receipt changes only by issued -> void | refunded (with reason, time, supervisor) and
  is never deleted; a receipt period only by its release; a serial counter never goes down; day closes
  and clerk days are never deleted.

The ledger key (``LEDGER_HMAC_KEY`` or ``instance/ledger_hmac_key``) must be the application's: the
migration seals with it.
"""
import calendar
from datetime import date, datetime, timezone
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

import counter.core.db  # noqa: F401  (UTCDateTime)
from counter.core.append_only import drop_append_only, drop_guard, guard_statements, make_append_only

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GUARDS = {
    # table: (columns that may change, the transition that must hold)
    "receipt": (("status", "void_reason", "voided_at", "voided_by_id"),
                "OLD.status = 'issued' AND NEW.status IN ('void', 'refunded')"),
    "receipt_period": (("released_at", "released_by_id"),
                       "OLD.released_at IS NULL AND NEW.released_at IS NOT NULL"),
    "serial_counter": (("last_value",), "NEW.last_value >= OLD.last_value"),
    "clerk_day": (("closed",), None),
    "day_close": (("status", "receipt_count", "totals", "counted_cash_fen", "expected_cash_fen", "variance_fen",
                   "variance_note", "closed_at", "signed_by_id", "signed_at", "reopened_by_id", "reopened_at",
                   "reopen_reason"), None),
}


def _say(message: str) -> None:
    print(f"  0007: {message}")


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name

    # --- receipt periods ---------------------------------------------------------------------------
    op.create_table('receipt_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('is_repeat', sa.Boolean(), nullable=False),
    sa.Column('released_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('period_start <= period_end', name=op.f('ck_receipt_period_period_ordered')),
    sa.ForeignKeyConstraint(['lease_id'], ['lease.id'], name=op.f('fk_receipt_period_lease_id_lease')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_receipt_period_receipt_id_receipt')),
    sa.ForeignKeyConstraint(['released_by_id'], ['user_account.id'], name=op.f('fk_receipt_period_released_by_id_user_account')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_receipt_period_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_period')),
    sa.UniqueConstraint('receipt_id', 'period_start', name=op.f('uq_receipt_period_receipt_id_period_start'))
    )
    with op.batch_alter_table('receipt_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_period_lease_id'), ['lease_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_period_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_period_street_id'), ['street_id'], unique=False)
    _fill_receipt_periods(bind)
    op.create_index('ux_receipt_period_paid_once', 'receipt_period', ['lease_id', 'period_start'], unique=True,
                    postgresql_where=sa.text("released_at IS NULL AND is_repeat = false"),
                    sqlite_where=sa.text("released_at IS NULL AND is_repeat = 0"))

    # --- the clerk's day -----------------------------------------------------------------------------
    op.create_table('clerk_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clerk_id'], ['user_account.id'], name=op.f('fk_clerk_day_clerk_id_user_account')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_clerk_day_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clerk_day')),
    sa.UniqueConstraint('street_id', 'clerk_id', 'business_date', name=op.f('uq_clerk_day_street_id_clerk_id_business_date'))
    )
    with op.batch_alter_table('clerk_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clerk_day_clerk_id'), ['clerk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clerk_day_street_id'), ['street_id'], unique=False)
    op.execute("INSERT INTO clerk_day (street_id, clerk_id, business_date, closed) "
               "SELECT street_id, clerk_id, business_date, status = 'closed' FROM day_close")

    # --- a line is reversed at most once ---------------------------------------------------------------
    twice = bind.execute(sa.text("SELECT reverses_id FROM journal_entry WHERE reverses_id IS NOT NULL "
                                 "GROUP BY reverses_id HAVING COUNT(*) > 1")).scalars().all()
    where = "reverses_id IS NOT NULL"
    if twice:
        top = bind.execute(sa.text("SELECT MAX(id) FROM journal_entry")).scalar()
        where += f" AND id > {int(top)}"
        _say(f"journal lines reversed more than once before this migration: {sorted(twice)[:20]} "
             "(`counter ledger verify` lists them)")
    op.create_index('ux_journal_entry_reverses_id', 'journal_entry', ['reverses_id'], unique=True,
                    postgresql_where=sa.text(where), sqlite_where=sa.text(where))

    # --- one property per normalised address + room ----------------------------------------------------
    with op.batch_alter_table('property', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_key', sa.String(length=260), nullable=True))
    _fill_address_keys(bind)
    op.create_index('ux_property_address_key', 'property', ['street_id', 'address_key'], unique=True,
                    postgresql_where=sa.text("house_code IS NULL"), sqlite_where=sa.text("house_code IS NULL"))

    # --- usernames unique ignoring case ----------------------------------------------------------------
    dupes = bind.execute(sa.text("SELECT lower(username) FROM user_account GROUP BY lower(username) "
                                 "HAVING COUNT(*) > 1")).scalars().all()
    if dupes:
        _say(f"usernames that differ only in case, left as they are: {dupes}")
    else:
        op.create_index('ux_user_account_username_lower', 'user_account', [sa.text('lower(username)')], unique=True)

    # --- the audit chain and the anchors ---------------------------------------------------------------
    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['audit_entry.id'], name=op.f('fk_audit_chain_entry_id_audit_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_audit_chain_entry_id')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_chain_seq'))
    )
    op.create_table('ledger_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=16), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('day_close_id', sa.Integer(), nullable=True),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.CheckConstraint("chain IN ('journal', 'audit')", name=op.f('ck_ledger_anchor_chain_known')),
    sa.CheckConstraint("kind IN ('migration', 'day_close', 'command')", name=op.f('ck_ledger_anchor_kind_known')),
    sa.ForeignKeyConstraint(['day_close_id'], ['day_close.id'], name=op.f('fk_ledger_anchor_day_close_id_day_close')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_anchor'))
    )
    with op.batch_alter_table('ledger_anchor', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_anchor_chain', ['chain', 'street_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_anchor_day_close_id'), ['day_close_id'], unique=False)
    _chain_audit_log(bind)
    _anchor_heads(bind)

    # --- guards ----------------------------------------------------------------------------------------
    make_append_only(op, "audit_chain")
    make_append_only(op, "ledger_anchor")
    for table, (changeable, transition) in GUARDS.items():
        columns = [c["name"] for c in sa.inspect(bind).get_columns(table)]
        for stmt in guard_statements(dialect, table, columns=columns, changeable=changeable, transition=transition):
            op.execute(stmt)


def downgrade():
    for table in reversed(list(GUARDS)):
        drop_guard(op, table)
    drop_append_only(op, "ledger_anchor")
    drop_append_only(op, "audit_chain")
    with op.batch_alter_table('ledger_anchor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_anchor_day_close_id'))
        batch_op.drop_index('ix_ledger_anchor_chain')
    op.drop_table('ledger_anchor')
    op.drop_table('audit_chain')
    op.execute("DELETE FROM serial_counter WHERE kind = 'audit_chain'")
    op.execute("DROP INDEX IF EXISTS ux_user_account_username_lower")
    op.drop_index('ux_property_address_key', table_name='property')
    # a plain ALTER (SQLite >= 3.35 too): a batch copy of ``property`` would trip over the leases' foreign keys
    op.execute("ALTER TABLE property DROP COLUMN address_key")
    op.drop_index('ux_journal_entry_reverses_id', table_name='journal_entry')
    with op.batch_alter_table('clerk_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clerk_day_street_id'))
        batch_op.drop_index(batch_op.f('ix_clerk_day_clerk_id'))
    op.drop_table('clerk_day')
    op.drop_index('ux_receipt_period_paid_once', table_name='receipt_period')
    with op.batch_alter_table('receipt_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_period_street_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_period_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_period_lease_id'))
    op.drop_table('receipt_period')


# --- data ----------------------------------------------------------------------------------------------

def _months(first: str, last: str):
    y, m = int(first[:4]), int(first[5:7])
    y2, m2 = int(last[:4]), int(last[5:7])
    while (y, m) <= (y2, m2):
        yield date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _fill_receipt_periods(bind) -> None:
    """Each receipt's months (as ``counter.collection.services.tax_periods`` computes them today). An issued
    receipt holds its periods; a void or refunded one released them when it was reversed. A period held
    already (paid twice before this migration) is marked as a repeat, with or without a recorded reason."""
    receipts = sa.table("receipt", sa.column("id"), sa.column("street_id"), sa.column("lease_id"),
                        sa.column("first_month"), sa.column("last_month"), sa.column("status"),
                        sa.column("repeat_reason"), sa.column("voided_at", counter.core.db.UTCDateTime()),
                        sa.column("voided_by_id"), sa.column("issued_at", counter.core.db.UTCDateTime()))
    periods = sa.table("receipt_period", sa.column("street_id"), sa.column("lease_id"), sa.column("receipt_id"),
                       sa.column("period_start"), sa.column("period_end"), sa.column("is_repeat"),
                       sa.column("released_at", counter.core.db.UTCDateTime()), sa.column("released_by_id"))
    held: set = set()
    repeats_without_reason = 0
    batch = []
    for r in bind.execute(sa.select(receipts).order_by(receipts.c.id)).mappings():
        issued = r["status"] == "issued"
        for start, end in _months(r["first_month"], r["last_month"]):
            key = (r["lease_id"], start)
            repeat = issued and key in held
            if repeat and not r["repeat_reason"]:
                repeats_without_reason += 1
            if issued:
                held.add(key)
            batch.append({"street_id": r["street_id"], "lease_id": r["lease_id"], "receipt_id": r["id"],
                          "period_start": start, "period_end": end, "is_repeat": repeat,
                          "released_at": None if issued else (r["voided_at"] or r["issued_at"]),
                          "released_by_id": None if issued else r["voided_by_id"]})
        if len(batch) >= 5000:
            bind.execute(periods.insert(), batch)
            batch = []
    if batch:
        bind.execute(periods.insert(), batch)
    if repeats_without_reason:
        _say(f"{repeats_without_reason} receipt months were paid twice without a repeat reason before this "
             "migration (`counter ledger verify` lists them)")


def _fill_address_keys(bind) -> None:
    from counter.leases.models import address_key

    props = sa.table("property", sa.column("id"), sa.column("street_id"), sa.column("house_code"),
                     sa.column("address"), sa.column("room"), sa.column("address_key"))
    seen: set = set()
    twins = []
    updates = []
    for row in bind.execute(sa.select(props.c.id, props.c.street_id, props.c.house_code, props.c.address,
                                      props.c.room).order_by(props.c.id)):
        key = address_key(row.address, row.room)
        if row.house_code is None:
            if (row.street_id, key) in seen:
                twins.append(row.id)
                continue
            seen.add((row.street_id, key))
        updates.append({"pid": row.id, "key": key})
    for i in range(0, len(updates), 5000):
        bind.execute(props.update().where(props.c.id == sa.bindparam("pid")).values(address_key=sa.bindparam("key")),
                     updates[i:i + 5000])
    if twins:
        _say(f"properties with the same address and room as an older one (no key, kept): {twins[:20]}"
             + (" ..." if len(twins) > 20 else ""))


def _chain_audit_log(bind) -> None:
    """Chain the existing audit entries in id order (as :mod:`counter.audit.chain` does at commit)."""
    from counter.audit.chain import CHAIN_SERIAL, ENTRY_FIELDS, GENESIS, entry_hash

    key = _ledger_key()
    entries = sa.table("audit_entry", *(sa.column(n) for n in ENTRY_FIELDS if n not in ("at", "before", "after")),
                       sa.column("at", counter.core.db.UTCDateTime()), sa.column("before", sa.JSON()),
                       sa.column("after", sa.JSON()))
    chain = sa.table("audit_chain", sa.column("seq"), sa.column("entry_id"), sa.column("prev_hash"),
                     sa.column("row_hash"))
    seq, prev, batch = 0, GENESIS, []
    for row in bind.execute(sa.select(*(entries.c[n] for n in ENTRY_FIELDS)).order_by(entries.c.id)).mappings():
        seq += 1
        h = entry_hash(dict(row), seq, prev, key)
        batch.append({"seq": seq, "entry_id": row["id"], "prev_hash": prev, "row_hash": h})
        prev = h
        if len(batch) >= 5000:
            bind.execute(chain.insert(), batch)
            batch = []
    if batch:
        bind.execute(chain.insert(), batch)
    if seq:
        kind, street_id, year = CHAIN_SERIAL
        bind.execute(sa.text("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES (:k, :s, :y, :v)"),
                     {"k": kind, "s": street_id, "y": year, "v": seq})
        _say(f"audit log chained: {seq} entries")


def _anchor_heads(bind) -> None:
    """Seal each street's journal head now (rows up to it keep their SHA-256 hashes) and the audit head."""
    from counter.collection.integrity import anchor_payload
    from counter.core import ledger_key

    key = _ledger_key()
    kid = ledger_key.key_id(key)
    now = datetime.now(timezone.utc)
    heads = [("journal", sid, seq, h) for sid, seq, h in bind.execute(sa.text(
        "SELECT j.street_id, j.seq, j.row_hash FROM journal_entry j JOIN (SELECT street_id, MAX(seq) AS top "
        "FROM journal_entry GROUP BY street_id) t ON t.street_id = j.street_id AND t.top = j.seq"))]
    audit = bind.execute(sa.text("SELECT seq, row_hash FROM audit_chain ORDER BY seq DESC LIMIT 1")).first()
    if audit is not None:
        heads.append(("audit", 0, audit[0], audit[1]))
    anchors = sa.table("ledger_anchor", sa.column("chain"), sa.column("street_id"), sa.column("seq"),
                       sa.column("head_hash"), sa.column("kind"), sa.column("day_close_id"),
                       sa.column("created_at", counter.core.db.UTCDateTime()), sa.column("key_id"), sa.column("mac"))
    rows = []
    for chain, sid, seq, h in heads:
        row = {"chain": chain, "street_id": int(sid), "seq": int(seq), "head_hash": h, "kind": "migration",
               "day_close_id": None, "created_at": now, "key_id": kid}
        rows.append({**row, "mac": ledger_key.seal(anchor_payload(SimpleNamespace(**row)), key)})
    if rows:
        bind.execute(anchors.insert(), rows)
        _say(f"anchored {len(rows)} chain heads with ledger key {kid}")


def _ledger_key() -> str:
    from flask import current_app

    return current_app.config["LEDGER_HMAC_KEY"]
