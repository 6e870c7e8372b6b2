"""rate schedules, guidance rents, assessments (issue 4)

Revision ID: 0003
Revises: 0002
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import counter.core.db  # noqa: F401  (UTCDateTime)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
