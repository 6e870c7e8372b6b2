"""the building registry (issue 19, h19a): dated import versions and their units, for the coverage report

Revision ID: 0017
Revises: 0016

* ``registry_import``: one version of the building registry (``counter import-buildings``): its number
  (unique: two imports at once cannot both become version N), date, file, encoding, the SHA-256 of its
  accepted rows (a re-run of an unchanged registry adds nothing), counts, provenance (``import`` | ``sample``).
* ``registry_unit``: the units of a version (a house code, or a building without house codes), with the
  street (``street_id``, street-scoped), community, address (as given and normalised), design use and area.
  Unique per version: a house code; a building code among the rows without house code.
* Both are append-only (a new registry is a new version): the app role gets ``SELECT, INSERT``.
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)

from counter.core.append_only import drop_append_only, make_append_only

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registry_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('imported_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('provenance', sa.String(length=8), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("provenance IN ('import', 'sample')", name=op.f('ck_registry_import_provenance_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_import')),
    sa.UniqueConstraint('version', name=op.f('uq_registry_import_version'))
    )
    op.create_table('registry_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('building_code', sa.String(length=40), nullable=False),
    sa.Column('house_code', sa.String(length=25), nullable=True),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('address_norm', sa.String(length=100), nullable=False),
    sa.Column('community', sa.String(length=40), nullable=False),
    sa.Column('design_use', sa.String(length=16), nullable=True),
    sa.Column('floor_area_centi', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('floor_area_centi IS NULL OR floor_area_centi > 0', name=op.f('ck_registry_unit_area_positive')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_registry_unit_street_id_street')),
    sa.ForeignKeyConstraint(['version_id'], ['registry_import.id'], name=op.f('fk_registry_unit_version_id_registry_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_unit'))
    )
    op.create_index('ix_registry_unit_building_code', 'registry_unit', ['version_id', 'building_code'], unique=False)
    op.create_index('ix_registry_unit_street', 'registry_unit', ['version_id', 'street_id', 'community'], unique=False)
    op.create_index(op.f('ix_registry_unit_street_id'), 'registry_unit', ['street_id'], unique=False)
    op.create_index('ux_registry_unit_building', 'registry_unit', ['version_id', 'building_code'], unique=True,
                    postgresql_where=sa.text('house_code IS NULL'), sqlite_where=sa.text('house_code IS NULL'))
    op.create_index('ux_registry_unit_house', 'registry_unit', ['version_id', 'house_code'], unique=True,
                    postgresql_where=sa.text('house_code IS NOT NULL'), sqlite_where=sa.text('house_code IS NOT NULL'))
    make_append_only(op, "registry_import")
    make_append_only(op, "registry_unit")


def downgrade():
    drop_append_only(op, "registry_unit")
    drop_append_only(op, "registry_import")
    op.drop_table('registry_unit')
    op.drop_table('registry_import')
