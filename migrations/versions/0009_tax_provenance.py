"""tax provenance and repair costs (issue 13)

Revision ID: 0009
Revises: 0006

* ``rate_schedule_version`` and ``guidance_rent`` get ``provenance`` (``sample`` | ``confirmed``, default
  ``sample``) and ``legal_source`` (the document numbers and dates, e.g. "财税〔2016〕43号（2016-04-25）；...").
  A confirmed row must name its legal source (CHECK). Existing rows become ``sample``: nothing recorded
  before provenance existed is taken as confirmed (an administrator confirms by activating a version with
  ``status = "confirmed"`` and its sources). The ``sample`` column stays (legacy; ``provenance`` decides).
* The freeze trigger of ``rate_schedule_version`` (0003) also freezes the two new columns of active and
  retired versions.
* ``assessment_record`` gets ``repair_cost_fen`` (repair costs entered by the clerk for this assessment,
  incl. any carried in) and ``repair_carry_fen`` (left for the next one), 0 by default,
  ``0 <= carry <= cost`` (CHECK). The table stays append-only (ADD COLUMN fires no trigger).

Columns are added with ``ALTER TABLE ... ADD COLUMN`` and column constraints (SQLite 3.37+ checks them
against existing rows; PostgreSQL too), not in batch mode: recreating the tables on SQLite would drop
their triggers.
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FROZEN_0003 = ("schedule_id", "version", "title_zh", "title_en", "effective_from", "effective_to", "mode",
                "sample", "priority", "data", "note", "based_on_id", "created_by_id", "created_by",
                "created_at", "activated_by_id", "activated_by", "activated_at")
_FROZEN = _FROZEN_0003 + ("provenance", "legal_source")
_STATUS_OK = "(NEW.status = OLD.status OR (OLD.status = 'active' AND NEW.status = 'retired'))"

_PROVENANCE = ("provenance VARCHAR(16) NOT NULL DEFAULT 'sample' CONSTRAINT ck_{t}_provenance_known "
               "CHECK (provenance IN ('sample', 'confirmed'))")
_SOURCE = ("legal_source TEXT CONSTRAINT ck_{t}_confirmed_has_source "
           "CHECK (provenance <> 'confirmed' OR (legal_source IS NOT NULL AND legal_source <> ''))")


def _freeze(columns) -> None:
    """(Re)create the freeze trigger of rate_schedule_version over ``columns`` (see 0003)."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(
            f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" if c == "data" else f"NEW.{c} IS DISTINCT FROM OLD.{c}"
            for c in columns)
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
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
        op.execute("DROP TRIGGER IF EXISTS rate_schedule_version_frozen")
        op.execute(f"CREATE TRIGGER rate_schedule_version_frozen BEFORE UPDATE ON rate_schedule_version "
                   f"WHEN OLD.status <> 'draft' AND ({changed} OR NOT {_STATUS_OK}) "
                   f"BEGIN SELECT RAISE(ABORT, 'rate schedule version is frozen: only drafts can change'); END")


def upgrade():
    for table in ("rate_schedule_version", "guidance_rent"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN " + _PROVENANCE.format(t=table))
        op.execute(f"ALTER TABLE {table} ADD COLUMN " + _SOURCE.format(t=table))
    _freeze(_FROZEN)
    op.execute("ALTER TABLE assessment_record ADD COLUMN repair_cost_fen INTEGER NOT NULL DEFAULT 0 "
               "CONSTRAINT ck_assessment_record_repair_cost_nonnegative CHECK (repair_cost_fen >= 0)")
    op.execute("ALTER TABLE assessment_record ADD COLUMN repair_carry_fen INTEGER NOT NULL DEFAULT 0 "
               "CONSTRAINT ck_assessment_record_repair_carry_within_cost "
               "CHECK (repair_carry_fen >= 0 AND repair_carry_fen <= repair_cost_fen)")


def downgrade():
    # the carry's CHECK names the cost, the source's CHECK names the provenance: drop those first
    op.execute("ALTER TABLE assessment_record DROP COLUMN repair_carry_fen")
    op.execute("ALTER TABLE assessment_record DROP COLUMN repair_cost_fen")
    _freeze(_FROZEN_0003)
    for table in ("rate_schedule_version", "guidance_rent"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN legal_source")
        op.execute(f"ALTER TABLE {table} DROP COLUMN provenance")
