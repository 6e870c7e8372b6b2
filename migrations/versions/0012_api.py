"""the JSON API (issue 17): client systems, their hashed keys, the idempotency records of API writes

Revision ID: 0012
Revises: 0011

* ``api_client``: a client system registered by the district administrator (unique name).
* ``api_key``: a key of a client; only the SHA-256 of its token (unique), its display prefix (unique), its
  scopes, an optional street restriction, its expiry (``CHECK expires_at > created_at``), revocation and
  last use. The app role may ``SELECT, INSERT, UPDATE`` (revocation, last use): ``counter.core.privileges``.
* ``api_idempotency``: one row per (client, ``Idempotency-Key``) — a unique constraint; the first request's
  body hash and its answer. ``SELECT, INSERT, UPDATE`` (the answer is written once the request has run).
"""
from alembic import op
import sqlalchemy as sa
import counter.core.db  # noqa: F401  (UTCDateTime)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_client_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
    sa.UniqueConstraint('name', name=op.f('uq_api_client_name'))
    )
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=True),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', counter.core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_api_key_expiry_after_creation')),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_key_client_id_api_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_key_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_api_key_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_api_key_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_key_prefix')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_key_token_hash'))
    )
    op.create_index(op.f('ix_api_key_client_id'), 'api_key', ['client_id'], unique=False)

    op.create_table('api_idempotency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('idem_key', sa.String(length=128), nullable=False),
    sa.Column('operation', sa.String(length=40), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.JSON(), nullable=True),
    sa.Column('lease_id', sa.Integer(), nullable=True),
    sa.Column('created_at', counter.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_idempotency_client_id_api_client')),
    sa.ForeignKeyConstraint(['key_id'], ['api_key.id'], name=op.f('fk_api_idempotency_key_id_api_key')),
    sa.ForeignKeyConstraint(['lease_id'], ['lease.id'], name=op.f('fk_api_idempotency_lease_id_lease')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency')),
    sa.UniqueConstraint('client_id', 'idem_key', name=op.f('uq_api_idempotency_client_id_idem_key'))
    )


def downgrade():
    op.drop_table("api_idempotency")
    op.drop_index(op.f("ix_api_key_client_id"), table_name="api_key")
    op.drop_table("api_key")
    op.drop_table("api_client")
