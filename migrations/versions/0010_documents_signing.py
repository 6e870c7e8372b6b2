"""one original per document (issue 14): partial unique indexes over what each original shows

Revision ID: 0010
Revises: 0006

Adds to the append-only ``printed_document``: ``is_original`` (TRUE on originals printed from now on;
NULL on reprints and on the rows printed before this revision, which may hold duplicate originals and
stay as they are — nothing is rewritten), ``day_closed_at`` (the close time a day-close sheet shows) and
``journal_seq`` (the last journal entry a monthly ledger report shows), and one partial unique index per
kind (``counter.documents.models.ORIGINAL_SUBJECT``). Adding nullable columns fires no UPDATE trigger.
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# kept here (not imported) so that the migration stays what it was when written
ORIGINAL_SUBJECT = {
    "certificate": ["lease_id", "lease_version"],
    "info_slip": ["lease_id", "lease_version", "holder_party_id"],
    "receipt": ["receipt_id"],
    "day_close": ["day_close_id", "day_closed_at"],
    "ledger_report": ["street_id", "period", "journal_seq"],
}


def _where(kind: str):
    return sa.text(f"kind = '{kind}' AND is_original")


def upgrade():
    with op.batch_alter_table("printed_document", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("is_original", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("day_closed_at", counter.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("journal_seq", sa.Integer(), nullable=True))
    for kind, cols in ORIGINAL_SUBJECT.items():
        op.create_index(f"uq_printed_document_one_original_{kind}", "printed_document", cols, unique=True,
                        sqlite_where=_where(kind), postgresql_where=_where(kind))


def downgrade():
    for kind in ORIGINAL_SUBJECT:
        op.drop_index(f"uq_printed_document_one_original_{kind}", table_name="printed_document")
    with op.batch_alter_table("printed_document", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("journal_seq")
        batch_op.drop_column("day_closed_at")
        batch_op.drop_column("is_original")
