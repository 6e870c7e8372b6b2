"""Gap-free serial numbers (registration, receipt, document numbers).

One counter row per (kind, street, year). The next number is taken with a single
``UPDATE serial_counter SET last_value = last_value + 1 ... RETURNING last_value``: on PostgreSQL
the row lock is held until the transaction ends, so concurrent windows queue on it, and a rolled-back
transaction gives its number back — numbers are unique and without gaps. On SQLite every write
transaction starts with ``BEGIN IMMEDIATE`` (see :mod:`counter.db_setup`), which serialises writers.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from counter.extensions import db


class SerialCounter(db.Model):
    """编号计数器: the last number issued per kind, street and year."""

    __tablename__ = "serial_counter"
    __table_args__ = (UniqueConstraint("kind", "street_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    street_id: Mapped[int] = mapped_column(Integer, nullable=False)  # 0 = district-wide
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def next_serial(kind: str, street_id: int, year: int) -> int:
    """Take the next number of a sequence inside the caller's transaction."""
    session = db.session
    dialect = session.get_bind().dialect.name
    values = {"kind": kind, "street_id": street_id, "year": year, "last_value": 0}
    if dialect == "postgresql":
        stmt = pg_insert(SerialCounter).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(SerialCounter).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(SerialCounter).values(**values)
    session.execute(stmt)
    result = session.execute(
        update(SerialCounter)
        .where(SerialCounter.kind == kind, SerialCounter.street_id == street_id, SerialCounter.year == year)
        .values(last_value=SerialCounter.last_value + 1)
        .returning(SerialCounter.last_value)
    )
    return int(result.scalar_one())


def _ensure_counter(kind: str, street_id: int, year: int) -> None:
    session = db.session
    dialect = session.get_bind().dialect.name
    values = {"kind": kind, "street_id": street_id, "year": year, "last_value": 0}
    if dialect == "postgresql":
        session.execute(pg_insert(SerialCounter).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(SerialCounter).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - other databases are not supported
        session.execute(insert(SerialCounter).values(**values))


def lock_serial(kind: str, street_id: int, year: int) -> int:
    """Lock a sequence's counter row until the transaction ends (``SELECT ... FOR UPDATE``; SQLite: the
    write transaction already serialises) and return its last issued number. A bulk writer takes the lock
    first, re-reads what it must under it, then takes a block with :func:`take_serials`."""
    from sqlalchemy import select

    _ensure_counter(kind, street_id, year)
    return int(db.session.execute(
        select(SerialCounter.last_value)
        .where(SerialCounter.kind == kind, SerialCounter.street_id == street_id, SerialCounter.year == year)
        .with_for_update()).scalar_one())


def take_serials(kind: str, street_id: int, year: int, count: int) -> int:
    """Take ``count`` consecutive numbers in one statement; returns the last (the block is
    ``last - count + 1 .. last``). Same guarantees as :func:`next_serial`: the row lock is held until the
    transaction ends, a rollback gives the whole block back, so numbers stay unique and gap-free."""
    if count < 1:
        raise ValueError("count must be at least 1")
    _ensure_counter(kind, street_id, year)
    result = db.session.execute(
        update(SerialCounter)
        .where(SerialCounter.kind == kind, SerialCounter.street_id == street_id, SerialCounter.year == year)
        .values(last_value=SerialCounter.last_value + count)
        .returning(SerialCounter.last_value)
    )
    return int(result.scalar_one())
