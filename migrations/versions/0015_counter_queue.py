"""a counter built for a queue (issue 15, h15b): cash tendered on receipts, staff numbers of users

Revision ID: 0015
Revises: 0011

* ``receipt`` gets ``tendered_fen`` (实收金额, the cash the payer handed over; the change 找零 is
  ``tendered_fen - total_fen``, never stored). NULL for card, mobile and transfer payments and for receipts
  issued before this migration. ``CHECK``: NULL, or a cash receipt with ``total_fen <= tendered_fen <=``
  :data:`TENDERED_MAX_FEN`. The receipt's guard (0007/0011: only issued -> void | refunded may change) is
  re-created over every column, the new one frozen too.
* ``user_account`` gets ``staff_number`` (工号, printed as 收款人 姓名（工号） on receipts), unique when set
  (``ux_user_account_staff_number``); the app role keeps its table-wide UPDATE on ``user_account``.
"""
import sqlalchemy as sa
from alembic import op

from counter.core.append_only import drop_guard, guard_statements

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

RECEIPT_CHANGEABLE = ("status", "void_reason", "voided_at", "voided_by_id")
RECEIPT_TRANSITION = "OLD.status = 'issued' AND NEW.status IN ('void', 'refunded')"
TENDERED_MAX_FEN = 240_000_000_000  # counter.core.validation.AMOUNT_MAX (¥2,400,000,000.00) in fen
TENDERED_CHECK = (f"tendered_fen IS NULL OR (method = 'cash' AND tendered_fen >= total_fen "
                  f"AND tendered_fen <= {TENDERED_MAX_FEN})")


def _guard_receipt(bind) -> None:
    columns = [c["name"] for c in sa.inspect(bind).get_columns("receipt")]
    for stmt in guard_statements(bind.dialect.name, "receipt", columns=columns, changeable=RECEIPT_CHANGEABLE,
                                 transition=RECEIPT_TRANSITION):
        op.execute(stmt)


def upgrade():
    bind = op.get_bind()
    drop_guard(op, "receipt")
    op.execute(f"ALTER TABLE receipt ADD COLUMN tendered_fen BIGINT CONSTRAINT ck_receipt_tendered_cash "
               f"CHECK ({TENDERED_CHECK})")
    _guard_receipt(bind)

    op.execute("ALTER TABLE user_account ADD COLUMN staff_number VARCHAR(16)")
    op.create_index("ux_user_account_staff_number", "user_account", ["staff_number"], unique=True,
                    postgresql_where=sa.text("staff_number IS NOT NULL"),
                    sqlite_where=sa.text("staff_number IS NOT NULL"))


def downgrade():
    bind = op.get_bind()
    op.drop_index("ux_user_account_staff_number", table_name="user_account")
    op.execute("ALTER TABLE user_account DROP COLUMN staff_number")
    drop_guard(op, "receipt")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE receipt DROP CONSTRAINT ck_receipt_tendered_cash")
    op.execute("ALTER TABLE receipt DROP COLUMN tendered_fen")
    _guard_receipt(bind)
