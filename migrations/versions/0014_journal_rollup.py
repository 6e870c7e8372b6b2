"""the journal's daily roll-up (issue 18): summaries that do not grow with the journal

Revision ID: 0014
Revises: 0011

* ``journal_rollup``: one row per (street, business day, tax item, item name, payment method, kind) with
  the lines' sum, their count and the receipts whose first line of that kind is in the row.
* ``journal_day_total``: one row per street and business day (sum and count of the lines), what the
  district overview and the statistics read.
* A ``BEFORE INSERT`` trigger on ``journal_entry`` adds every new line to its row (an upsert that adds), in
  the statement that inserts the line: the roll-up commits and rolls back with the journal.
* Guard (as 0007's): only ``amount_fen``, ``lines`` and ``receipts`` change, the line count never goes
  down, no row is deleted. The app role gets ``SELECT, INSERT, UPDATE (amount_fen, lines, receipts)``
  (``counter.core.privileges.COLUMN_UPDATES``; ``counter db grant-app-role`` after the upgrade); the same
  for ``journal_day_total`` (``amount_fen``, ``lines``).
* Existing journal rows are summed into it here (``counter.collection.rollup.rebuild_rollup``).
"""
import sqlalchemy as sa
from alembic import op

from counter.core.append_only import drop_guard, guard_statements
from counter.collection.rollup import drop_trigger_statements, rebuild_rollup, trigger_statements

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CHANGEABLE = ("amount_fen", "lines", "receipts")
TRANSITION = "NEW.lines >= OLD.lines"


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "journal_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("item_name_zh", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("receipts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["street_id"], ["street.id"], name=op.f("fk_journal_rollup_street_id_street")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_rollup")),
        sa.UniqueConstraint("street_id", "business_date", "item", "item_name_zh", "method", "kind",
                            name="ux_journal_rollup_key"),
    )
    op.create_index(op.f("ix_journal_rollup_street_id"), "journal_rollup", ["street_id"], unique=False)
    # the overview and the statistics read a year of every street: by day first
    op.create_index("ix_journal_rollup_date", "journal_rollup", ["business_date", "street_id"], unique=False)
    op.create_table(
        "journal_day_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["street_id"], ["street.id"], name=op.f("fk_journal_day_total_street_id_street")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_day_total")),
        sa.UniqueConstraint("street_id", "business_date", name="ux_journal_day_total_key"),
    )
    op.create_index(op.f("ix_journal_day_total_street_id"), "journal_day_total", ["street_id"], unique=False)
    op.create_index("ix_journal_day_total_date", "journal_day_total", ["business_date", "street_id"], unique=False)
    n = rebuild_rollup(bind)
    if n:
        print(f"  0014: {n} roll-up rows summed from the journal")
    for stmt in trigger_statements(dialect):
        op.execute(stmt)
    columns = [c["name"] for c in sa.inspect(bind).get_columns("journal_rollup")]
    for stmt in guard_statements(dialect, "journal_rollup", columns=columns, changeable=CHANGEABLE,
                                 transition=TRANSITION):
        op.execute(stmt)
    columns = [c["name"] for c in sa.inspect(bind).get_columns("journal_day_total")]
    for stmt in guard_statements(dialect, "journal_day_total", columns=columns, changeable=("amount_fen", "lines"),
                                 transition=TRANSITION):
        op.execute(stmt)


def downgrade():
    bind = op.get_bind()
    for stmt in drop_trigger_statements(bind.dialect.name):
        op.execute(stmt)
    drop_guard(op, "journal_day_total")
    op.drop_index("ix_journal_day_total_date", table_name="journal_day_total")
    op.drop_index(op.f("ix_journal_day_total_street_id"), table_name="journal_day_total")
    op.drop_table("journal_day_total")
    drop_guard(op, "journal_rollup")
    op.drop_index("ix_journal_rollup_date", table_name="journal_rollup")
    op.drop_index(op.f("ix_journal_rollup_street_id"), table_name="journal_rollup")
    op.drop_table("journal_rollup")
