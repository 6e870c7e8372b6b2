from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
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
