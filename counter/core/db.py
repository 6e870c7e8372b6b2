"""Column types and mixins shared by every domain's models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from counter.core.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as naive UTC (SQLite has no time zones) and returns aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use counter.core.timeutil.utcnow()")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class StreetScoped:
    """Mixin for street-owned rows (街道数据). Every ORM SELECT of such a class is filtered to the
    streets of the current user by :mod:`counter.core.scoping` — the one place isolation is enforced."""

    @declared_attr
    def street_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(Integer, ForeignKey("street.id"), nullable=False, index=True)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, nullable=False, default=utcnow)


def dialect_insert(model):
    """``INSERT`` with ``ON CONFLICT`` support for the session's database (PostgreSQL or SQLite share the
    ``on_conflict_do_nothing`` / ``on_conflict_do_update`` API): upserts of keys and atomic counters."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from counter.extensions import db

    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        return pg_insert(model)
    if name == "sqlite":
        return sqlite_insert(model)
    raise NotImplementedError(name)  # pragma: no cover - other databases are not supported


def is_postgresql() -> bool:
    from counter.extensions import db

    return db.session.get_bind().dialect.name == "postgresql"
