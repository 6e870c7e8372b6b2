"""security: wide money columns, session tokens, rate counters, bounded verification log (issue 12)

Revision ID: 0008
Revises: 0006

- Every fen column that can hold an amount computed from an accepted lease becomes BIGINT on PostgreSQL
  (a whole term's tax at the maximum rent does not fit 32 bits). SQLite's INTEGER already stores 64-bit
  values, so SQLite is left as it is (no table rebuild of the append-only tables).
- ``user_account.session_token``: the per-user token of the login sessions (a random one per user).
- ``rate_counter``: login throttling and rate limits shared by all workers (one row per scope and key).
- ``verification_count`` replaces ``verification_log``: one row per document and business day with the
  number of checks (existing rows are counted into it, by the day in Asia/Shanghai, UTC+8 without DST).
"""
import secrets

import sqlalchemy as sa
from alembic import op

from counter.core.append_only import drop_append_only, make_append_only

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FEN_COLUMNS = {
    "lease": ("monthly_rent_fen", "deposit_fen"),
    "receipt": ("total_fen",),
    "journal_entry": ("amount_fen",),
    "day_close": ("counted_cash_fen", "expected_cash_fen", "variance_fen"),
    "assessment_record": ("total_fen",),
    "remittance": ("amount_fen",),
    "bank_statement": ("total_fen",),
    "bank_line": ("amount_fen",),
}
OFFICE_UTC_OFFSET_HOURS = 8  # Asia/Shanghai


def _widen(to_type, from_type):
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in FEN_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=to_type, existing_type=from_type, existing_nullable=False)


def upgrade():
    _widen(sa.BigInteger(), sa.Integer())

    op.add_column("user_account", sa.Column("session_token", sa.String(length=64), nullable=False,
                                            server_default=""))
    conn = op.get_bind()
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))

    op.create_table(
        "rate_counter",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_rate_counter")),
    )

    op.create_table(
        "verification_count",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.CheckConstraint("checks > 0", name=op.f("ck_verification_count_checks_positive")),
        sa.ForeignKeyConstraint(["document_id"], ["printed_document.id"],
                                name=op.f("fk_verification_count_document_id_printed_document")),
        sa.PrimaryKeyConstraint("document_id", "day", name=op.f("pk_verification_count")),
    )
    if conn.dialect.name == "postgresql":
        day = f"CAST(at + INTERVAL '{OFFICE_UTC_OFFSET_HOURS} hours' AS DATE)"
    else:
        day = f"date(at, '+{OFFICE_UTC_OFFSET_HOURS} hours')"
    op.execute(f"INSERT INTO verification_count (document_id, day, checks) "
               f"SELECT document_id, {day}, count(*) FROM verification_log GROUP BY document_id, {day}")
    drop_append_only(op, "verification_log")
    with op.batch_alter_table("verification_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_log_document_id"))
    op.drop_table("verification_log")


def downgrade():
    import counter.core.db  # noqa: F401  (UTCDateTime)

    op.create_table(
        "verification_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("at", counter.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["printed_document.id"],
                                name=op.f("fk_verification_log_document_id_printed_document")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_log")),
    )
    with op.batch_alter_table("verification_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_log_document_id"), ["document_id"], unique=False)
    # one row per counted check, at noon of its day (the time of day was not kept)
    conn = op.get_bind()
    counts = conn.execute(sa.text("SELECT document_id, day, checks FROM verification_count")).all()
    log = sa.table("verification_log", sa.column("document_id", sa.Integer), sa.column("at", sa.DateTime))
    from datetime import datetime, time as dtime, timedelta

    for document_id, day, checks in counts:
        if isinstance(day, str):
            day = datetime.strptime(day, "%Y-%m-%d").date()
        at = datetime.combine(day, dtime(12)) - timedelta(hours=OFFICE_UTC_OFFSET_HOURS)
        conn.execute(log.insert(), [{"document_id": document_id, "at": at}] * int(checks))
    make_append_only(op, "verification_log")
    op.drop_table("verification_count")
    op.drop_table("rate_counter")
    if conn.dialect.name == "sqlite":  # SQLite >= 3.35 drops a column in place (no rebuild of a referenced table)
        op.execute("ALTER TABLE user_account DROP COLUMN session_token")
    else:
        op.drop_column("user_account", "session_token")
    _widen(sa.Integer(), sa.BigInteger())
