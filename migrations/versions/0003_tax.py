"""rate schedules, guidance rents, assessments (issue 4)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)
from counter.core.append_only import drop_append_only, make_append_only

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# A rate schedule version that is active or retired never changes (assessments record the versions
# they used): only its status may go from active to retired (with retired_by/at). Drafts are free.
_FROZEN_COLUMNS = ("schedule_id", "version", "title_zh", "title_en", "effective_from", "effective_to", "mode",
                   "sample", "priority", "data", "note", "based_on_id", "created_by_id", "created_by",
                   "created_at", "activated_by_id", "activated_by", "activated_at")
_STATUS_OK = "(NEW.status = OLD.status OR (OLD.status = 'active' AND NEW.status = 'retired'))"


def _freeze_versions(op):
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        changed = " OR ".join(
            f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" if c == "data" else f"NEW.{c} IS DISTINCT FROM OLD.{c}"
            for c in _FROZEN_COLUMNS)
        op.execute(f"""
CREATE OR REPLACE FUNCTION rate_schedule_version_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'rate schedule version % is frozen: only drafts can be deleted', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND ({changed} OR NOT {_STATUS_OK}) THEN
        RAISE EXCEPTION 'rate schedule version % is frozen: only drafts can change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""")
        op.execute("CREATE TRIGGER rate_schedule_version_frozen BEFORE UPDATE OR DELETE ON rate_schedule_version "
                   "FOR EACH ROW EXECUTE FUNCTION rate_schedule_version_guard()")
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN_COLUMNS)
        op.execute(f"CREATE TRIGGER rate_schedule_version_frozen BEFORE UPDATE ON rate_schedule_version "
                   f"WHEN OLD.status <> 'draft' AND ({changed} OR NOT {_STATUS_OK}) "
                   f"BEGIN SELECT RAISE(ABORT, 'rate schedule version is frozen: only drafts can change'); END")
        op.execute("CREATE TRIGGER rate_schedule_version_no_delete BEFORE DELETE ON rate_schedule_version "
                   "WHEN OLD.status <> 'draft' "
                   "BEGIN SELECT RAISE(ABORT, 'rate schedule version is frozen: only drafts can be deleted'); END")


def _unfreeze_versions(op):
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS rate_schedule_version_frozen ON rate_schedule_version")
        op.execute("DROP FUNCTION IF EXISTS rate_schedule_version_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS rate_schedule_version_frozen")
        op.execute("DROP TRIGGER IF EXISTS rate_schedule_version_no_delete")


def upgrade():
    op.create_table('guidance_rent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('fen_per_m2_month', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('fen_per_m2_month >= 0', name=op.f('ck_guidance_rent_amount_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guidance_rent')),
    sa.UniqueConstraint('street_code', 'use', 'effective_from', name=op.f('uq_guidance_rent_street_code_use_effective_from'))
    )
    with op.batch_alter_table('guidance_rent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guidance_rent_street_code'), ['street_code'], unique=False)

    op.create_table('rate_schedule_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_by', sa.String(length=64), nullable=True),
    sa.Column('activated_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.Column('retired_by', sa.String(length=64), nullable=True),
    sa.Column('retired_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("mode IN ('itemised', 'comprehensive')", name=op.f('ck_rate_schedule_version_mode_known')),
    sa.CheckConstraint("status IN ('draft', 'active', 'retired')", name=op.f('ck_rate_schedule_version_status_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_rate_schedule_version_version_positive')),
    sa.ForeignKeyConstraint(['activated_by_id'], ['user_account.id'], name=op.f('fk_rate_schedule_version_activated_by_id_user_account')),
    sa.ForeignKeyConstraint(['based_on_id'], ['rate_schedule_version.id'], name=op.f('fk_rate_schedule_version_based_on_id_rate_schedule_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rate_schedule_version_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_schedule_version')),
    sa.UniqueConstraint('schedule_id', 'version', name=op.f('uq_rate_schedule_version_schedule_id_version'))
    )
    with op.batch_alter_table('rate_schedule_version', schema=None) as batch_op:
        batch_op.create_index('ix_rate_schedule_version_one_active', ['schedule_id'], unique=True, postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))
        batch_op.create_index(batch_op.f('ix_rate_schedule_version_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('assessment_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lease_id', sa.Integer(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('first_month', sa.String(length=7), nullable=False),
    sa.Column('last_month', sa.String(length=7), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.Column('schedules', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('total_fen >= 0', name=op.f('ck_assessment_record_total_nonnegative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_assessment_record_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['lease_id'], ['lease.id'], name=op.f('fk_assessment_record_lease_id_lease')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_assessment_record_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_record'))
    )
    with op.batch_alter_table('assessment_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_record_lease_id'), ['lease_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_record_street_id'), ['street_id'], unique=False)

    make_append_only(op, 'assessment_record')
    _freeze_versions(op)



def downgrade():
    _unfreeze_versions(op)
    drop_append_only(op, 'assessment_record')
    with op.batch_alter_table('assessment_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_record_street_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_record_lease_id'))

    op.drop_table('assessment_record')
    with op.batch_alter_table('rate_schedule_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_schedule_version_schedule_id'))
        batch_op.drop_index('ix_rate_schedule_version_one_active', postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))

    op.drop_table('rate_schedule_version')
    with op.batch_alter_table('guidance_rent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guidance_rent_street_code'))

    op.drop_table('guidance_rent')
