"""rent periods (issue 13, phase 2): receipts and journal lines record their tax period dates

Revision ID: 0011
Revises: 0010

* ``receipt`` gets ``period_start`` and ``period_end`` (税款所属期: the first period's first day and the last
  period's last day). Existing receipts covered calendar months: their dates are filled from
  ``first_month`` / ``last_month`` (2024-03 .. 2024-05 -> 2024-03-01 .. 2024-05-31). The receipt's guard
  (0007: only issued -> void | refunded may change) is lifted for the fill and re-created over every
  column, the two new ones frozen too. PostgreSQL: both ``NOT NULL`` and ``CHECK (period_start <=
  period_end)``; SQLite (no ``SET NOT NULL`` without a batch copy, which would drop the triggers and trip
  over the foreign keys): a trigger refuses a receipt inserted without them or out of order.
* ``journal_entry`` (append-only: adding a column fires no trigger; no row is rewritten) gets
  ``seal_version`` (1 for every existing row: its seal covers the fields it covered), ``period_start`` and
  ``period_end`` (NULL on the existing rows — the receipt's dates apply to them; a version-2 row, written
  from now on, seals its period dates, the receipt's span). ``CHECK``: version 1 or 2, and a version-2 row
  has both dates in order.
* ``receipt_period`` is unchanged: the calendar-month claims of existing receipts stay valid (the new
  rent periods are claimed by their first day in the same table; a rent period overlapping a claim still
  held counts as paid, ``counter.collection.services.paid_periods``).
"""
import calendar
from datetime import date

import sqlalchemy as sa
from alembic import op

from counter.core.append_only import drop_guard, guard_statements

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# the receipt's guard as 0007 wrote it (kept here so that the migration stays what it was when written)
RECEIPT_CHANGEABLE = ("status", "void_reason", "voided_at", "voided_by_id")
RECEIPT_TRANSITION = "OLD.status = 'issued' AND NEW.status IN ('void', 'refunded')"
SEAL_CHECK = ("seal_version IN (1, 2) AND (seal_version = 1 OR (period_start IS NOT NULL AND period_end IS NOT NULL "
              "AND period_start <= period_end))")
SQLITE_REQUIRED = ("CREATE TRIGGER receipt_periods_required BEFORE INSERT ON receipt "
                   "WHEN NEW.period_start IS NULL OR NEW.period_end IS NULL OR NEW.period_start > NEW.period_end "
                   "BEGIN SELECT RAISE(ABORT, 'receipt: period_start and period_end are required, in order'); END")


def _say(message: str) -> None:
    print(f"  0011: {message}")


def _guard_receipt(bind) -> None:
    columns = [c["name"] for c in sa.inspect(bind).get_columns("receipt")]
    for stmt in guard_statements(bind.dialect.name, "receipt", columns=columns, changeable=RECEIPT_CHANGEABLE,
                                 transition=RECEIPT_TRANSITION):
        op.execute(stmt)


def _month_span(first: str, last: str) -> tuple[date, date]:
    y, m = int(first[:4]), int(first[5:7])
    y2, m2 = int(last[:4]), int(last[5:7])
    return date(y, m, 1), date(y2, m2, calendar.monthrange(y2, m2)[1])


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"

    # --- receipts: their period dates ------------------------------------------------------------------
    drop_guard(op, "receipt")
    op.execute("ALTER TABLE receipt ADD COLUMN period_start DATE")
    op.execute("ALTER TABLE receipt ADD COLUMN period_end DATE")
    receipts = sa.table("receipt", sa.column("id"), sa.column("first_month"), sa.column("last_month"),
                        sa.column("period_start", sa.Date()), sa.column("period_end", sa.Date()))
    rows = bind.execute(sa.select(receipts.c.id, receipts.c.first_month, receipts.c.last_month)
                        .order_by(receipts.c.id)).all()
    updates = []
    for rid, first, last in rows:
        start, end = _month_span(first, last)
        updates.append({"rid": rid, "ps": start, "pe": end})
    for i in range(0, len(updates), 5000):
        bind.execute(receipts.update().where(receipts.c.id == sa.bindparam("rid"))
                     .values(period_start=sa.bindparam("ps"), period_end=sa.bindparam("pe")), updates[i:i + 5000])
    if updates:
        _say(f"{len(updates)} receipts: period dates filled from their calendar months")
    if pg:
        op.execute("ALTER TABLE receipt ALTER COLUMN period_start SET NOT NULL")
        op.execute("ALTER TABLE receipt ALTER COLUMN period_end SET NOT NULL")
        op.execute("ALTER TABLE receipt ADD CONSTRAINT ck_receipt_periods_ordered CHECK (period_start <= period_end)")
    else:
        op.execute(SQLITE_REQUIRED)
    _guard_receipt(bind)

    # --- journal lines: the seal version and the sealed period dates -------------------------------------
    op.execute("ALTER TABLE journal_entry ADD COLUMN period_start DATE")
    op.execute("ALTER TABLE journal_entry ADD COLUMN period_end DATE")
    op.execute("ALTER TABLE journal_entry ADD COLUMN seal_version INTEGER NOT NULL DEFAULT 1 "
               f"CONSTRAINT ck_journal_entry_sealed_periods CHECK ({SEAL_CHECK})")


def downgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    # the column with the CHECK first (SQLite refuses to drop a column another column's CHECK names)
    op.execute("ALTER TABLE journal_entry DROP COLUMN seal_version")
    op.execute("ALTER TABLE journal_entry DROP COLUMN period_end")
    op.execute("ALTER TABLE journal_entry DROP COLUMN period_start")
    drop_guard(op, "receipt")
    if pg:
        op.execute("ALTER TABLE receipt DROP CONSTRAINT ck_receipt_periods_ordered")
    else:
        op.execute("DROP TRIGGER IF EXISTS receipt_periods_required")
    op.execute("ALTER TABLE receipt DROP COLUMN period_end")
    op.execute("ALTER TABLE receipt DROP COLUMN period_start")
    _guard_receipt(bind)
