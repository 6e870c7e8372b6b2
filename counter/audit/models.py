from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from counter.core.db import UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db


class AuditEntry(db.Model):
    """操作日志条目. Append-only: the database refuses UPDATE and DELETE (see migration 0001)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)  # kept even if the user is renamed
    street_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("street.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)  # e.g. lease.register
    object_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditChain(db.Model):
    """操作日志链: the HMAC chain over the audit log, one row per entry (``seq`` 1, 2, 3 ...). Written at
    commit time (:mod:`counter.audit.chain`) under one lock, so the order is the commit order; append-only.
    ``row_hash`` = HMAC(ledger key, canonical JSON of the entry's fields + ``seq`` + ``prev_hash``)."""

    __tablename__ = "audit_chain"
    __table_args__ = (UniqueConstraint("seq"), UniqueConstraint("entry_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entry.id"), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)
