"""remittance, bank statements and reconciliation (issue 5, finance side)

Revision ID: 0006
Revises: 0005

All four tables are append-only (triggers refuse UPDATE and DELETE, and TRUNCATE on PostgreSQL):
a remittance is corrected by a reversing remittance, a statement by uploading the corrected file,
and a reconciliation resolution is final.
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)
from counter.core.append_only import drop_append_only, make_append_only

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = ("remittance", "bank_statement", "bank_line", "reconciliation_resolution")


def upgrade():
    op.create_table('remittance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('remitted_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_remittance_amount_nonzero')),
    sa.CheckConstraint('period_start <= period_end', name=op.f('ck_remittance_period_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_remittance_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['reverses_id'], ['remittance.id'], name=op.f('fk_remittance_reverses_id_remittance')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_remittance_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remittance')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_remittance_reverses_id'))
    )
    with op.batch_alter_table('remittance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remittance_street_id'), ['street_id'], unique=False)
        batch_op.create_index('ix_remittance_street_period', ['street_id', 'period_end'], unique=False)

    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_bank_statement_street_id_street')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_bank_statement_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement')),
    sa.UniqueConstraint('street_id', 'sha256', name=op.f('uq_bank_statement_street_id_sha256'))
    )
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_street_id'), ['street_id'], unique=False)

    op.create_table('bank_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('txn_date', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('counterparty', sa.String(length=200), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_bank_line_statement_id_bank_statement')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_bank_line_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_line')),
    sa.UniqueConstraint('statement_id', 'line_no', name=op.f('uq_bank_line_statement_id_line_no'))
    )
    with op.batch_alter_table('bank_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_line_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_street_id'), ['street_id'], unique=False)

    op.create_table('reconciliation_resolution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('bank_line_id', sa.Integer(), nullable=True),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(bank_line_id IS NULL) <> (receipt_id IS NULL)', name=op.f('ck_reconciliation_resolution_one_target')),
    sa.ForeignKeyConstraint(['bank_line_id'], ['bank_line.id'], name=op.f('fk_reconciliation_resolution_bank_line_id_bank_line')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_reconciliation_resolution_receipt_id_receipt')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_reconciliation_resolution_resolved_by_id_user_account')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_reconciliation_resolution_statement_id_bank_statement')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_reconciliation_resolution_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_resolution')),
    sa.UniqueConstraint('statement_id', 'bank_line_id', name=op.f('uq_reconciliation_resolution_statement_id_bank_line_id')),
    sa.UniqueConstraint('statement_id', 'receipt_id', name=op.f('uq_reconciliation_resolution_statement_id_receipt_id'))
    )
    with op.batch_alter_table('reconciliation_resolution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_resolution_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_resolution_street_id'), ['street_id'], unique=False)

    for table in APPEND_ONLY:
        make_append_only(op, table)


def downgrade():
    for table in reversed(APPEND_ONLY):
        drop_append_only(op, table)
    with op.batch_alter_table('reconciliation_resolution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_resolution_street_id'))
        batch_op.drop_index(batch_op.f('ix_reconciliation_resolution_statement_id'))
    op.drop_table('reconciliation_resolution')
    with op.batch_alter_table('bank_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_line_street_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_statement_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_reference'))
    op.drop_table('bank_line')
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_street_id'))
    op.drop_table('bank_statement')
    with op.batch_alter_table('remittance', schema=None) as batch_op:
        batch_op.drop_index('ix_remittance_street_period')
        batch_op.drop_index(batch_op.f('ix_remittance_street_id'))
    op.drop_table('remittance')
