"""Transaction-scoped locks for rules that no single row or index can hold (业务锁).

Most invariants are held by the database itself: a conditional ``UPDATE ... WHERE status = 'issued'``,
a unique or partial unique index, ``INSERT ... ON CONFLICT``. Where a rule spans rows that do not
exist yet or an aggregate (a remittance may not exceed what the period collected; a schedule's next
version number), :func:`advisory_lock` serialises the writers of one key: on PostgreSQL
``pg_advisory_xact_lock(namespace, key)``, released when the transaction ends; on SQLite every write
transaction holds the database lock from ``BEGIN IMMEDIATE`` already (:mod:`counter.db_setup`).

The fixed lock order of the whole application (a transaction takes what it needs in this order, so no
two transactions wait on each other in a cycle)::

    clerk's day (clerk_day row)  ->  lease row  ->  property row  ->  day_close row
      ->  receipt serial  ->  receipt row  ->  receipt periods  ->  registration / document serial
      ->  journal serial  ->  advisory locks (remittance, schedule, users)  ->  audit chain (at commit)
"""
from __future__ import annotations

import zlib

from sqlalchemy import text

from counter.extensions import db

NAMESPACES = {"remittance": 1101, "schedule": 1102, "users": 1103, "statement": 1104}


def _key(value: int | str) -> int:
    if isinstance(value, int):
        return value
    return zlib.crc32(value.encode("utf-8")) & 0x7FFFFFFF


def advisory_lock(namespace: str, key: int | str) -> None:
    """Hold the lock (namespace, key) until the current transaction ends."""
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        session.execute(text("SELECT 1"))  # SQLite: the write transaction has begun (IMMEDIATE) and serialises
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                    {"ns": NAMESPACES[namespace], "key": _key(key)})
