"""The audit log's HMAC chain (操作日志链), appended at commit time.

:func:`counter.audit.service.record` adds an :class:`AuditEntry` to the transaction and notes it in the
session. Just before the outermost commit (:func:`_chain_before_commit`), the entries of the
transaction that survived (savepoints rolled back drop theirs) get one :class:`AuditChain` row each, in
id order, under the chain's one lock (``next_serial("audit_chain", 0, 0)``: a row lock on PostgreSQL,
taken last of all locks so it cannot deadlock, held only until the commit a moment later).

``row_hash = HMAC(ledger key, canonical JSON of the entry's fields, its seq and prev_hash)``; the first
row chains to 64 zeros. ``counter ledger verify`` recomputes it (:func:`verify_audit_chain`): a changed
entry, an entry removed (a gap, or the chain's counter ahead of the last row), an entry added behind the
application's back (no chain row) and a chain recomputed without the key are reported.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from counter.audit.models import AuditChain, AuditEntry
from counter.core import ledger_key
from counter.core.ledger_key import canon_value

GENESIS = "0" * 64
ENTRY_FIELDS = ("id", "at", "user_id", "username", "street_id", "action", "object_type", "object_id", "summary",
                "before", "after", "remote_addr")
PENDING = "counter_audit_pending"
ANCHOR_AT_COMMIT = "counter_audit_anchor"  # session.info: {"kind": ..., "day_close_id": ...} to anchor the new head
CHAIN_SERIAL = ("audit_chain", 0, 0)
# who seals the head asked for by anchor_at_commit: fn(session, anchor, head, key) -> None. The ledger
# anchors live in collection (a higher module), which sets this when imported (counter.collection.integrity).
_anchor_writer = None


def set_anchor_writer(fn) -> None:
    global _anchor_writer
    _anchor_writer = fn


def entry_payload(values: dict, seq: int, prev_hash: str) -> str:
    payload = {name: canon_value(values[name]) for name in ENTRY_FIELDS}
    for name in ("before", "after"):  # exactly what the JSON column gives back
        if payload[name] is not None:
            payload[name] = json.loads(json.dumps(payload[name]))
    payload["seq"] = seq
    payload["prev_hash"] = prev_hash
    return ledger_key.canonical(payload)


def entry_hash(values: dict, seq: int, prev_hash: str, key=None) -> str:
    return ledger_key.seal(entry_payload(values, seq, prev_hash), key)


def note_pending(session: Session, entry: AuditEntry) -> None:
    session.info.setdefault(PENDING, []).append(entry)


def head() -> tuple[int, str]:
    """(seq, row_hash) of the last committed chain row; (0, zeros) for an empty chain."""
    from counter.extensions import db

    row = db.session.execute(select(AuditChain.seq, AuditChain.row_hash)
                             .order_by(AuditChain.seq.desc()).limit(1)).first()
    return (int(row[0]), row[1]) if row is not None else (0, GENESIS)


def anchor_at_commit(session: Session, kind: str, day_close_id: int | None = None) -> None:
    """Ask for the audit chain's head to be anchored when this transaction commits, its own entries included
    (a day close anchors the log up to and including its own entry)."""
    session.info[ANCHOR_AT_COMMIT] = {"kind": kind, "day_close_id": day_close_id}


def _chain_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit chains
    pending = session.info.pop(PENDING, None)
    anchor = session.info.pop(ANCHOR_AT_COMMIT, None)
    if not pending:
        return
    session.flush()
    entries = sorted((e for e in pending if inspect(e).persistent), key=lambda e: e.id)
    if not entries:
        return
    from flask import current_app

    from counter.core.serials import next_serial_and_prev

    key = current_app.config["LEDGER_HMAC_KEY"]
    # the chain's lock and a block of positions in one round trip, the head's hash in a second, the rows
    # in a third (one multi-row INSERT)
    top, prev = next_serial_and_prev(*CHAIN_SERIAL, len(entries),
                                     lambda at: select(AuditChain.row_hash).where(AuditChain.seq == at)
                                     .scalar_subquery())
    seq = top - len(entries) + 1
    if seq == 1:
        prev = GENESIS
    if prev is None:
        raise RuntimeError(f"audit chain: row seq {seq - 1} is missing")
    last = prev
    rows = []
    for i, entry in enumerate(entries):
        values = {name: getattr(entry, name) for name in ENTRY_FIELDS}
        row_hash = entry_hash(values, seq + i, last, key)
        rows.append(AuditChain(seq=seq + i, entry_id=entry.id, prev_hash=last, row_hash=row_hash))
        last = row_hash
    seq = top
    session.add_all(rows)
    session.flush()
    if anchor is not None:
        if _anchor_writer is None:
            raise RuntimeError("audit chain: an anchor was asked for but no anchor writer is set")
        _anchor_writer(session, anchor, (seq, last), key)


_installed = False


def install() -> None:
    """Listen on every session of the application (once per process). Entries of a transaction that is
    rolled back stay noted but are no longer persistent, and are skipped."""
    global _installed
    if _installed:
        return
    from flask_sqlalchemy.session import Session as FlaskSession

    event.listen(FlaskSession, "before_commit", _chain_before_commit)
    _installed = True


# --- verification ------------------------------------------------------------------------------------

@dataclass
class AuditProblem:
    seq: int
    entry_id: int | None
    problem: str  # gap, prev_hash, row_hash, missing_entry, unchained, missing_tail
    detail: str


def chain_rows(batch: int = 10_000):
    """(seq, entry id, prev_hash, row_hash, entry field values or None) in seq order, streamed."""
    from counter.extensions import db

    cols = [getattr(AuditEntry, name) for name in ENTRY_FIELDS]
    stmt = (select(AuditChain.seq, AuditChain.entry_id, AuditChain.prev_hash, AuditChain.row_hash, *cols)
            .outerjoin(AuditEntry, AuditEntry.id == AuditChain.entry_id)
            .order_by(AuditChain.seq).execution_options(yield_per=batch))
    with db.session.execute(stmt) as result:
        for row in result:
            values = dict(zip(ENTRY_FIELDS, row[4:]))
            yield row[0], row[1], row[2], row[3], (values if values["id"] is not None else None)


def verify_audit_chain(batch: int = 10_000) -> tuple[list[AuditProblem], int, str]:
    """Every problem of the audit chain (at most one per kind of problem and position) and the verified
    head (last seq, its hash)."""
    from counter.core.serials import SerialCounter
    from counter.extensions import db

    problems: list[AuditProblem] = []
    expected, prev, last_seq, last_hash = 1, GENESIS, 0, GENESIS
    for seq, entry_id, prev_hash, row_hash, values in chain_rows(batch):
        if seq != expected:
            problems.append(AuditProblem(expected, entry_id, "gap",
                                         f"audit chain rows {expected}..{seq - 1} are missing (entries removed)"))
        elif prev_hash != prev:
            problems.append(AuditProblem(seq, entry_id, "prev_hash",
                                         "the link to the previous row is broken (a row was removed or replaced)"))
        if values is None:
            problems.append(AuditProblem(seq, entry_id, "missing_entry", f"audit entry {entry_id} was removed"))
        elif not ledger_key.same(entry_hash(values, seq, prev_hash), row_hash):
            problems.append(AuditProblem(seq, entry_id, "row_hash",
                                         f"audit entry {entry_id} ({values['action']}) differs from what was sealed "
                                         "(a field was changed, or the chain was recomputed without the key)"))
        prev, last_seq, last_hash, expected = row_hash, seq, row_hash, seq + 1
        if len(problems) > 50:
            break
    chained = db.session.scalar(select(func.count()).select_from(AuditChain)) or 0
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    if entries > chained:
        first = db.session.scalar(select(func.min(AuditEntry.id)).where(
            ~AuditEntry.id.in_(select(AuditChain.entry_id))))
        problems.append(AuditProblem(0, first, "unchained",
                                     f"{entries - chained} audit entries have no chain row (written behind the "
                                     f"application's back), the first is entry {first}"))
    issued = db.session.scalar(select(SerialCounter.last_value).where(
        SerialCounter.kind == CHAIN_SERIAL[0], SerialCounter.street_id == 0, SerialCounter.year == 0)) or 0
    if issued > last_seq:
        problems.append(AuditProblem(last_seq + 1, None, "missing_tail",
                                     f"the audit chain ends at seq {last_seq} but {issued} rows were written: "
                                     "the last entries were removed"))
    return problems, last_seq, last_hash
