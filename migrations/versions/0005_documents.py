"""document register and verification log (issue 6)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)
from counter.core.append_only import drop_append_only, make_append_only

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('printed_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.String(length=32), nullable=False),
    sa.Column('verify_code', sa.String(length=32), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=True),
    sa.Column('lease_version', sa.Integer(), nullable=True),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('day_close_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('holder_name', sa.String(length=120), nullable=False),
    sa.Column('holder_party_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=64), nullable=True),
    sa.Column('paper', sa.String(length=4), nullable=True),
    sa.Column('original_id', sa.Integer(), nullable=True),
    sa.Column('reprint_no', sa.Integer(), nullable=False),
    sa.Column('reprint_reason', sa.Text(), nullable=True),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.Column('printed_by_name', sa.String(length=64), nullable=False),
    sa.Column('printed_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('print_date', sa.Date(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('certificate', 'info_slip', 'receipt', 'day_close', 'ledger_report')", name=op.f('ck_printed_document_kind_known')),
    sa.CheckConstraint('(reprint_no = 0 AND original_id IS NULL) OR (reprint_no > 0 AND original_id IS NOT NULL AND reprint_reason IS NOT NULL)', name=op.f('ck_printed_document_reprint_consistent')),
    sa.CheckConstraint('reprint_no >= 0', name=op.f('ck_printed_document_reprint_nonnegative')),
    sa.ForeignKeyConstraint(['day_close_id'], ['day_close.id'], name=op.f('fk_printed_document_day_close_id_day_close')),
    sa.ForeignKeyConstraint(['holder_party_id'], ['party.id'], name=op.f('fk_printed_document_holder_party_id_party')),
    sa.ForeignKeyConstraint(['lease_id'], ['lease.id'], name=op.f('fk_printed_document_lease_id_lease')),
    sa.ForeignKeyConstraint(['original_id'], ['printed_document.id'], name=op.f('fk_printed_document_original_id_printed_document')),
    sa.ForeignKeyConstraint(['printed_by_id'], ['user_account.id'], name=op.f('fk_printed_document_printed_by_id_user_account')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_printed_document_receipt_id_receipt')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_printed_document_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printed_document')),
    sa.UniqueConstraint('doc_number', name=op.f('uq_printed_document_doc_number')),
    sa.UniqueConstraint('original_id', 'reprint_no', name=op.f('uq_printed_document_original_id_reprint_no')),
    sa.UniqueConstraint('street_id', 'year', 'seq', name=op.f('uq_printed_document_street_id_year_seq')),
    sa.UniqueConstraint('verify_code', name=op.f('uq_printed_document_verify_code'))
    )
    with op.batch_alter_table('printed_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_printed_document_day_close_id'), ['day_close_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printed_document_lease_id'), ['lease_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printed_document_original_id'), ['original_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printed_document_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printed_document_street_id'), ['street_id'], unique=False)
        batch_op.create_index('ix_printed_document_street_issue', ['street_id', 'issue_date'], unique=False)

    op.create_table('verification_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('at', counter.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['printed_document.id'], name=op.f('fk_verification_log_document_id_printed_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_log'))
    )
    with op.batch_alter_table('verification_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_log_document_id'), ['document_id'], unique=False)

    make_append_only(op, "printed_document")
    make_append_only(op, "verification_log")



def downgrade():
    drop_append_only(op, "verification_log")
    drop_append_only(op, "printed_document")
    with op.batch_alter_table('verification_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_log_document_id'))

    op.drop_table('verification_log')
    with op.batch_alter_table('printed_document', schema=None) as batch_op:
        batch_op.drop_index('ix_printed_document_street_issue')
        batch_op.drop_index(batch_op.f('ix_printed_document_street_id'))
        batch_op.drop_index(batch_op.f('ix_printed_document_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_printed_document_original_id'))
        batch_op.drop_index(batch_op.f('ix_printed_document_lease_id'))
        batch_op.drop_index(batch_op.f('ix_printed_document_day_close_id'))

    op.drop_table('printed_document')
