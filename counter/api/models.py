"""API clients (接入系统), their keys and the idempotency records of the API's writes.

- :class:`ApiClient`: a system that calls the API (the city's rental platform, the education bureau).
- :class:`ApiKey`: a key of a client — only the SHA-256 of its token is stored (the token is shown once);
  scopes, an optional street restriction, an expiry, a revocation.
- :class:`ApiIdempotency`: one row per (client, ``Idempotency-Key``) of a write, with the hash of the
  request body and the response that was given; a unique index makes a replay find the first answer.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

SCOPES = ("leases:read", "leases:register", "proofs:verify", "tax:estimate")
CLIENT_NAME_MAX = 80
KEY_LABEL_MAX = 80
IDEMPOTENCY_KEY_MAX = 128


class ApiClient(db.Model):
    """接入系统: a client system registered by the district administrator."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(CLIENT_NAME_MAX), unique=True, nullable=False)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    keys: Mapped[list["ApiKey"]] = relationship(back_populates="client", order_by="ApiKey.id.desc()")


class ApiKey(db.Model):
    """接入密钥: ``token_hash`` is the SHA-256 (hex) of the token ``ck_<prefix>_<secret>``; the token itself
    is never stored. ``scopes``: space-separated, from :data:`SCOPES`. ``street_id``: the only street the key
    may read and register in (NULL: the whole district)."""

    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expiry_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), nullable=False, index=True)
    label: Mapped[str | None] = mapped_column(String(KEY_LABEL_MAX), nullable=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)  # shown in lists and the audit
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    scopes: Mapped[str] = mapped_column(String(200), nullable=False)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    client: Mapped[ApiClient] = relationship(back_populates="keys", lazy="joined")
    street = relationship("Street", lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def state(self, now: datetime | None = None) -> str:
        """active / expired / revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= (now or utcnow()) else "active"


class ApiIdempotency(db.Model):
    """幂等记录: the answer given to the first request with this client's ``Idempotency-Key``."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("client_id", "idem_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), nullable=False)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), nullable=False)
    idem_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX), nullable=False)
    operation: Mapped[str] = mapped_column(String(40), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)  # NULL while the first is running
    response_body: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("lease.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
