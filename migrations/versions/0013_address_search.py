"""address search at city scale (issue 18): trigram indexes on the property's address and room

Revision ID: 0013
Revises: 0011

The lease search by address words filters ``property.address LIKE '%word%' OR property.room LIKE
'%word%'`` for every word (``counter.leases.services.search_leases``); no B-tree serves a leading
wildcard, so at 1 M leases every such search scanned all properties (157 ms p95, bench/README.md).

* PostgreSQL: the ``pg_trgm`` extension (a trusted extension since PostgreSQL 13: the database owner may
  create it; the migrations run as the owner) and two GIN trigram indexes, ``ix_property_address_trgm``
  and ``ix_property_room_trgm``. ``LIKE '%word%'`` (also with the ``ESCAPE '/'`` of
  ``counter.core.validation.contains``) is answered from them by a bitmap index scan for words of three
  characters or more; one- and two-character words give no trigram and fall back to a scan (a street's
  clerk always types more, e.g. a road name and number). Chinese text yields trigrams under the
  cluster's UTF-8 locale. The indexes hold no data of their own: nothing to grant.
* SQLite (the embedded single-office install): no index. FTS5's trigram tokenizer could serve the same
  LIKE, but only through a separate virtual table kept in step by triggers on an append-mostly table;
  at one district's size (about 73,000 valid leases) the scan of ``property`` is measured in bench/README.md
  and is the documented fallback.
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEXES = (("ix_property_address_trgm", "address"), ("ix_property_room_trgm", "room"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # the operator class lives in the extension's schema, which need not be on this search_path
    schema = op.get_bind().execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()
    for name, column in INDEXES:
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON property USING gin ({column} "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # the extension stays: other objects of the database may use it
