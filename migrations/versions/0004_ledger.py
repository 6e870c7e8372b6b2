"""collection: receipts, journal (append-only, hash-chained), day close (issue 5)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)
from counter.core.append_only import drop_append_only, make_append_only

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('day_close',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('receipt_count', sa.Integer(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('counted_cash_fen', sa.Integer(), nullable=False),
    sa.Column('expected_cash_fen', sa.Integer(), nullable=False),
    sa.Column('variance_fen', sa.Integer(), nullable=False),
    sa.Column('variance_note', sa.Text(), nullable=True),
    sa.Column('closed_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('closed', 'reopened')", name=op.f('ck_day_close_status_known')),
    sa.ForeignKeyConstraint(['clerk_id'], ['user_account.id'], name=op.f('fk_day_close_clerk_id_user_account')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'], name=op.f('fk_day_close_reopened_by_id_user_account')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'], name=op.f('fk_day_close_signed_by_id_user_account')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_day_close_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_close')),
    sa.UniqueConstraint('street_id', 'clerk_id', 'business_date', name=op.f('uq_day_close_street_id_clerk_id_business_date'))
    )
    with op.batch_alter_table('day_close', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_day_close_business_date'), ['business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_day_close_clerk_id'), ['clerk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_day_close_street_id'), ['street_id'], unique=False)


    op.create_table('receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('receipt_number', sa.String(length=32), nullable=False),
    sa.Column('payer_name', sa.String(length=120), nullable=False),
    sa.Column('first_month', sa.String(length=7), nullable=False),
    sa.Column('last_month', sa.String(length=7), nullable=False),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('payment_reference', sa.String(length=64), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('assessment_record_id', sa.Integer(), nullable=True),
    sa.Column('repeat_reason', sa.Text(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("method IN ('cash', 'card', 'mobile', 'transfer')", name=op.f('ck_receipt_method_known')),
    sa.CheckConstraint("status IN ('issued', 'void', 'refunded')", name=op.f('ck_receipt_status_known')),
    sa.CheckConstraint('first_month <= last_month', name=op.f('ck_receipt_months_ordered')),
    sa.CheckConstraint('total_fen >= 0', name=op.f('ck_receipt_total_nonnegative')),
    sa.ForeignKeyConstraint(['clerk_id'], ['user_account.id'], name=op.f('fk_receipt_clerk_id_user_account')),
    sa.ForeignKeyConstraint(['lease_id'], ['lease.id'], name=op.f('fk_receipt_lease_id_lease')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_receipt_street_id_street')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['user_account.id'], name=op.f('fk_receipt_voided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_receipt_idempotency_key')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_receipt_receipt_number')),
    sa.UniqueConstraint('street_id', 'year', 'seq', name=op.f('uq_receipt_street_id_year_seq'))
    )
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_clerk_id'), ['clerk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_lease_id'), ['lease_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_payment_reference'), ['payment_reference'], unique=False)
        batch_op.create_index('ix_receipt_street_date', ['street_id', 'business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_street_id'), ['street_id'], unique=False)

    op.create_table('journal_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('item_name_zh', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('collection', 'void', 'refund')", name=op.f('ck_journal_entry_kind_known')),
    sa.CheckConstraint("method IN ('cash', 'card', 'mobile', 'transfer')", name=op.f('ck_journal_entry_method_known')),
    sa.ForeignKeyConstraint(['clerk_id'], ['user_account.id'], name=op.f('fk_journal_entry_clerk_id_user_account')),
    sa.ForeignKeyConstraint(['lease_id'], ['lease.id'], name=op.f('fk_journal_entry_lease_id_lease')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_journal_entry_receipt_id_receipt')),
    sa.ForeignKeyConstraint(['reverses_id'], ['journal_entry.id'], name=op.f('fk_journal_entry_reverses_id_journal_entry')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_journal_entry_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entry')),
    sa.UniqueConstraint('street_id', 'seq', name=op.f('uq_journal_entry_street_id_seq'))
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entry_clerk_id'), ['clerk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_lease_id'), ['lease_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_street_id'), ['street_id'], unique=False)
        batch_op.create_index('ix_journal_street_date', ['street_id', 'business_date'], unique=False)


    # The journal is append-only: the database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL).
    make_append_only(op, "journal_entry")


def downgrade():
    drop_append_only(op, "journal_entry")
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_street_date')
        batch_op.drop_index(batch_op.f('ix_journal_entry_street_id'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_lease_id'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_clerk_id'))

    op.drop_table('journal_entry')
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_street_id'))
        batch_op.drop_index('ix_receipt_street_date')
        batch_op.drop_index(batch_op.f('ix_receipt_payment_reference'))
        batch_op.drop_index(batch_op.f('ix_receipt_lease_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_clerk_id'))

    op.drop_table('receipt')
    with op.batch_alter_table('day_close', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_day_close_street_id'))
        batch_op.drop_index(batch_op.f('ix_day_close_clerk_id'))
        batch_op.drop_index(batch_op.f('ix_day_close_business_date'))

    op.drop_table('day_close')
