"""Gap-free serial numbers (registration, receipt, document numbers).

One counter row per (kind, street, year). The next number is taken with a single
``UPDATE serial_counter SET last_value = last_value + 1 ... RETURNING last_value``: on PostgreSQL
the row lock is held until the transaction ends, so concurrent windows queue on it, and a rolled-back
transaction gives its number back — numbers are unique and without gaps. On SQLite every write
transaction starts with ``BEGIN IMMEDIATE`` (see :mod:`counter.db_setup`), which serialises writers.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, select
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


def next_serial(kind: str, street_id: int, year: int, count: int = 1) -> int:
    """Take the next number of a sequence inside the caller's transaction — ``count`` numbers at once
    (a block: the caller uses ``last - count + 1 .. last``); returns the last one taken.

    One round trip: ``INSERT … ON CONFLICT (kind, street_id, year) DO UPDATE SET last_value = last_value +
    count RETURNING last_value`` (the conflicting row is updated, hence locked until the transaction ends,
    exactly as the ``UPDATE`` did; a new counter starts at ``count``)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    session = db.session
    dialect = session.get_bind().dialect.name
    values = {"kind": kind, "street_id": street_id, "year": year, "last_value": count}
    if dialect == "postgresql":
        stmt = pg_insert(SerialCounter).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite_insert(SerialCounter).values(**values)
    else:  # pragma: no cover - other databases are not supported
        raise NotImplementedError(dialect)
    stmt = stmt.on_conflict_do_update(index_elements=["kind", "street_id", "year"],
                                      set_={"last_value": SerialCounter.last_value + count})
    return int(session.execute(stmt.returning(SerialCounter.last_value)).scalar_one())


def next_serial_and_prev(kind: str, street_id: int, year: int, count: int, prev_of) -> tuple[int, str | None]:
    """:func:`next_serial` for an appended chain, and the hash of the row before the block in the same
    round trip where the database allows it: ``prev_of(seq)`` builds the scalar subquery of the row
    ``seq``'s hash. Returns (last number taken, that hash or None when the row is not found).

    On PostgreSQL the counter's upsert is a CTE and the hash is read by the same statement. That read uses
    the statement's snapshot, taken before it waited for the counter's lock: when the previous holder
    committed the row meanwhile, it is not seen (None) and is read again by a statement of its own, under
    the lock now held. A hash found is always the right one (a position is taken once)."""
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        last = next_serial(kind, street_id, year, count)
        first = last - count + 1
        return last, (None if first == 1 else session.scalar(select(prev_of(first - 1))))
    taken = (pg_insert(SerialCounter).values(kind=kind, street_id=street_id, year=year, last_value=count)
             .on_conflict_do_update(index_elements=["kind", "street_id", "year"],
                                    set_={"last_value": SerialCounter.last_value + count})
             .returning(SerialCounter.last_value).cte("taken"))
    last, prev = session.execute(select(taken.c.last_value, prev_of(taken.c.last_value - count))).one()
    last = int(last)
    first = last - count + 1
    if first == 1:
        return last, None
    if prev is None:  # committed while this statement waited for the lock: read it under the lock
        prev = session.scalar(select(prev_of(first - 1)))
    return last, prev


def _ensure_counter(kind: str, street_id: int, year: int) -> None:
    session = db.session
    dialect = session.get_bind().dialect.name
    values = {"kind": kind, "street_id": street_id, "year": year, "last_value": 0}
    if dialect == "postgresql":
        session.execute(pg_insert(SerialCounter).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(SerialCounter).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - other databases are not supported
        raise NotImplementedError(dialect)


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
    return next_serial(kind, street_id, year, count)
