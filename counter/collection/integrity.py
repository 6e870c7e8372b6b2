"""Ledger integrity (台账完整性): the journal's seal, anchors, and every check of ``counter ledger verify``.

What each check catches, and what it cannot, is written down in ``docs/ledger-integrity.md``.

- **Seal.** A journal row's ``row_hash`` is HMAC-SHA256 under the ledger key (kept outside the database,
  :mod:`counter.core.ledger_key`) of the canonical JSON of its fields and the previous row's hash. Rows
  written before migration 0007 carry a plain SHA-256; the migration anchored each street's head then,
  so they cannot be rewritten either. **Seal versions** (``seal_version``, migration 0011): 1 seals
  :data:`HASHED_FIELDS`; 2 (every row written since) also seals the version itself and the row's tax
  period dates (``period_start`` / ``period_end``, the receipt's span). Old rows keep version 1 and
  still verify; a version-1 row carrying period dates, or a row turned into the other version, is found.
- **Anchors** (:class:`~counter.collection.models.LedgerAnchor`): the head of a chain (seq, hash) sealed
  at every day close, by the migration and by ``counter ledger anchor``.
- **Checks** (:func:`verify_ledger`): journal chains (order, links, seals, serial counter, anchors), the
  audit chain (:mod:`counter.audit.chain`), receipts against their journal lines and against the audit
  log, the periods a receipt covers, day closes against the journal, and the receipt numbers.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from sqlalchemy import Integer, and_, case, cast, func, or_, select, true

from counter.audit import chain as audit_chain
from counter.collection.models import (GENESIS_HASH, ClerkDay, DayClose, JournalEntry, LedgerAnchor, Receipt,
                                       ReceiptPeriod)
from counter.core import ledger_key
from counter.core.ledger_key import canon_value
from counter.core.scoping import current_scope, unrestricted
from counter.core.serials import SerialCounter
from counter.core.timeutil import utcnow
from counter.extensions import db

HASHED_FIELDS = ("street_id", "seq", "receipt_id", "lease_id", "clerk_id", "business_date", "item",
                 "item_name_zh", "amount_fen", "method", "kind", "reverses_id", "created_at", "prev_hash")
# seal version 2 (migration 0011): the version and the tax period dates are sealed too
HASHED_FIELDS_V2 = HASHED_FIELDS + ("seal_version", "period_start", "period_end")
SEAL_FIELDS = {1: HASHED_FIELDS, 2: HASHED_FIELDS_V2}
SEAL_VERSION = 2  # what new rows are sealed with
MAX_PROBLEMS = 50  # per check: enough to see what happened, not a flood


def sealed_fields(version: int | None) -> tuple[str, ...]:
    """The fields a row of seal ``version`` seals (``None``: a row from before versions, i.e. 1)."""
    try:
        return SEAL_FIELDS[version or 1]
    except KeyError:
        raise ValueError(f"unknown seal version {version!r}") from None


def _journal_blob(fields: dict) -> str:
    names = sealed_fields(fields.get("seal_version"))
    return ledger_key.canonical({name: canon_value(fields[name]) for name in names})


def row_hash(fields: dict, key=None) -> str:
    """The seal of a journal row: HMAC-SHA256 (hex) under the ledger key of its canonical serialisation
    (sorted-key compact JSON, UTF-8) of the fields its seal version covers (:func:`sealed_fields`;
    ``fields`` without ``seal_version``: version 1), ``prev_hash`` included."""
    return ledger_key.seal(_journal_blob(fields), key)


def legacy_row_hash(fields: dict) -> str:
    """The plain SHA-256 of rows written before migration 0007 (the same serialisation)."""
    return hashlib.sha256(_journal_blob(fields).encode("utf-8")).hexdigest()


# --- anchors -----------------------------------------------------------------------------------------

def anchor_payload(a) -> str:
    return ledger_key.canonical({"chain": a.chain, "street_id": a.street_id, "seq": a.seq, "head_hash": a.head_hash,
                                 "kind": a.kind, "day_close_id": a.day_close_id,
                                 "created_at": canon_value(a.created_at), "key_id": a.key_id})


def journal_head(street_id: int) -> tuple[int, str]:
    """(seq, row_hash) of the street's last committed journal row; (0, zeros) for an empty journal."""
    with unrestricted():
        row = db.session.execute(select(JournalEntry.seq, JournalEntry.row_hash)
                                 .where(JournalEntry.street_id == street_id)
                                 .order_by(JournalEntry.seq.desc()).limit(1)).first()
    return (int(row[0]), row[1]) if row is not None else (0, GENESIS_HASH)


def record_anchor(chain: str, street_id: int, kind: str, *, day_close_id: int | None = None,
                  head: tuple[int, str] | None = None, key=None) -> LedgerAnchor:
    """Seal the chain's current head (flush only)."""
    if head is None:
        if chain == "journal":
            head = journal_head(street_id)
        else:
            from counter.audit.chain import head as audit_head

            head = audit_head()
    anchor = LedgerAnchor(chain=chain, street_id=street_id, seq=head[0], head_hash=head[1], kind=kind,
                          day_close_id=day_close_id, created_at=utcnow(), key_id=ledger_key.key_id(key), mac="")
    anchor.mac = ledger_key.seal(anchor_payload(anchor), key)
    db.session.add(anchor)
    db.session.flush()
    return anchor


def _anchor_audit_head(session, anchor: dict, head: tuple[int, str], key) -> None:
    """The audit chain's hook (:func:`counter.audit.chain.anchor_at_commit`): seal its new head, unless the
    day close the anchor names was rolled back with a savepoint (not in this transaction any more)."""
    if anchor.get("day_close_id") is not None and session.get(DayClose, anchor["day_close_id"]) is None:
        return
    record_anchor("audit", 0, anchor["kind"], day_close_id=anchor["day_close_id"], head=head, key=key)


audit_chain.set_anchor_writer(_anchor_audit_head)


def record_heads(kind: str = "command") -> list[LedgerAnchor]:
    """Anchor every street's journal and the audit log now (``counter ledger anchor``)."""
    with unrestricted():
        streets = sorted(set(db.session.scalars(select(JournalEntry.street_id).distinct())))
    out = [record_anchor("journal", sid, kind) for sid in streets]
    out.append(record_anchor("audit", 0, kind))
    return out


# --- problems ----------------------------------------------------------------------------------------

@dataclass
class ChainProblem:
    """One finding of the ledger check: where (street, table, seq / id) and what (``problem`` code and a
    sentence naming what differs)."""

    street_id: int | None
    seq: int | None
    id: int | None
    problem: str
    detail: str = ""
    table: str = "journal_entry"

    def __str__(self) -> str:
        where = f"{self.table}" + (f" seq {self.seq}" if self.seq is not None else "") + \
            (f" (id {self.id})" if self.id is not None else "")
        street = f"street {self.street_id}: " if self.street_id is not None else ""
        return f"{street}{where}: {self.problem}" + (f" — {self.detail}" if self.detail else "")

    def to_dict(self) -> dict:
        return asdict(self)


def _scoped_streets(street_id: int | None) -> list[int] | None:
    """The streets to check: one, the scope's, or None for all (unrestricted)."""
    scope = current_scope()
    if street_id is not None:
        if scope is not None and street_id not in scope:
            raise PermissionError(f"street {street_id} is outside the current scope")
        return [street_id]
    return None if scope is None else sorted(scope)


def _where_street(column, streets):
    return true() if streets is None else column.in_(streets)


# --- journal chains ----------------------------------------------------------------------------------

_CHAIN_COLUMNS = (JournalEntry.id, JournalEntry.row_hash, *(getattr(JournalEntry, name) for name in HASHED_FIELDS_V2))


def _anchors(chain: str, street_id: int) -> tuple[list[LedgerAnchor], list[ChainProblem]]:
    """The anchors of a chain whose seal holds, and a problem for each that does not."""
    table = "ledger_anchor"
    good, problems = [], []
    rows = db.session.scalars(select(LedgerAnchor).where(LedgerAnchor.chain == chain,
                                                         LedgerAnchor.street_id == street_id)
                              .order_by(LedgerAnchor.seq, LedgerAnchor.id)).all()
    current = ledger_key.key_id()
    for a in rows:
        if a.key_id != current:
            problems.append(ChainProblem(street_id or None, a.seq, a.id, "anchor_key",
                                         f"anchor {a.id} was sealed with ledger key {a.key_id}, this installation "
                                         f"uses {current}: is LEDGER_HMAC_KEY (or instance/ledger_hmac_key) right?",
                                         table))
        elif not ledger_key.same(ledger_key.seal(anchor_payload(a)), a.mac):
            problems.append(ChainProblem(street_id or None, a.seq, a.id, "anchor_seal",
                                         f"anchor {a.id} ({a.kind}) was changed or forged: its seal does not match",
                                         table))
        else:
            good.append(a)
    return good, problems


def _anchor_label(a: LedgerAnchor) -> str:
    if a.kind == "day_close":
        return f"the day close {a.day_close_id} of {canon_value(a.created_at)[:10]}"
    return f"the {a.kind} anchor of {canon_value(a.created_at)[:16]}"


def verify_chain(street_id: int | None = None, batch: int = 10_000) -> list[ChainProblem]:
    """Recompute every street's journal chain (the current scope's streets; a street outside it:
    :class:`PermissionError`). Per street: the first broken link (``gap``, ``prev_hash``, ``row_hash``),
    the serial counter ahead of the last row (``missing_tail``), and each anchor whose row is gone
    (``anchor_missing``: rows removed at the tail, even with the counter lowered) or differs
    (``anchor_mismatch``: the chain was rewritten). Rows are streamed as plain columns."""
    streets = _scoped_streets(street_id)
    if street_id is None:
        rows_stmt = select(JournalEntry.street_id).distinct().where(_where_street(JournalEntry.street_id, streets))
        counters_stmt = select(SerialCounter.street_id).where(SerialCounter.kind == "journal",
                                                              SerialCounter.last_value > 0,
                                                              _where_street(SerialCounter.street_id, streets))
        anchors_stmt = select(LedgerAnchor.street_id).where(LedgerAnchor.chain == "journal",
                                                            _where_street(LedgerAnchor.street_id, streets))
        with unrestricted():
            found = (set(db.session.scalars(rows_stmt)) | set(db.session.scalars(counters_stmt))
                     | set(db.session.scalars(anchors_stmt)))
        streets = sorted(found)
    problems: list[ChainProblem] = []
    for sid in streets:
        problems.extend(_verify_street(sid, batch))
    return problems


def _verify_street(street_id: int, batch: int) -> list[ChainProblem]:
    anchors, problems = _anchors("journal", street_id)
    legacy_upto = min((a.seq for a in anchors if a.kind == "migration"), default=0)
    by_seq: dict[int, list[LedgerAnchor]] = {}
    for a in anchors:
        by_seq.setdefault(a.seq, []).append(a)
    first_break: ChainProblem | None = None
    expected_seq, prev, last_seq = 1, GENESIS_HASH, 0
    seq_at = 2 + HASHED_FIELDS_V2.index("seq")
    prev_at = 2 + HASHED_FIELDS_V2.index("prev_hash")
    key = ledger_key._key_bytes()
    stmt = (select(*_CHAIN_COLUMNS)
            .where(JournalEntry.street_id == street_id, JournalEntry.seq >= 1)
            .order_by(JournalEntry.seq)
            .execution_options(yield_per=batch))
    # Core execution on the session's connection: the street is filtered explicitly above
    with db.session.connection().execute(stmt) as result:
        for row in result:
            row_id, stored_hash, seq = row[0], row[1], row[seq_at]
            if first_break is None:
                fields = dict(zip(HASHED_FIELDS_V2, row[2:]))
                version = fields["seal_version"]
                if seq != expected_seq:
                    first_break = ChainProblem(street_id, expected_seq, row_id, "gap",
                                               f"rows {expected_seq}..{seq - 1} are missing (removed)")
                elif row[prev_at] != prev:
                    first_break = ChainProblem(street_id, seq, row_id, "prev_hash",
                                               "the link to the previous row is broken (a row was removed, "
                                               "inserted or replaced)")
                elif version not in SEAL_FIELDS:
                    first_break = ChainProblem(street_id, seq, row_id, "seal_version",
                                               f"seal version {version!r} is unknown (it was changed)")
                elif version == 1 and (fields["period_start"] is not None or fields["period_end"] is not None):
                    first_break = ChainProblem(street_id, seq, row_id, "seal_version",
                                               "the row carries tax period dates its seal (version 1) does not "
                                               "cover: they were added, or the row's seal version was lowered")
                else:
                    sealed = legacy_row_hash(fields) if seq <= legacy_upto else row_hash(fields, key)
                    if not ledger_key.same(sealed, stored_hash):
                        first_break = ChainProblem(
                            street_id, seq, row_id, "row_hash",
                            f"the row differs from what was sealed: amount {fields['amount_fen']} fen, "
                            f"receipt {fields['receipt_id']}, date {fields['business_date']}"
                            + (f", periods {canon_value(fields['period_start'])}..{canon_value(fields['period_end'])}"
                               if version == 2 else "")
                            + " or another field was changed (or its hash recomputed without the ledger key)")
            for a in by_seq.get(seq, ()):
                if not ledger_key.same(a.head_hash, stored_hash):
                    problems.append(ChainProblem(street_id, seq, row_id, "anchor_mismatch",
                                                 f"row {seq} is not the row {_anchor_label(a)} recorded: the journal "
                                                 "was rewritten from there on", "journal_entry"))
            prev, last_seq, expected_seq = stored_hash, seq, seq + 1
    if first_break is not None:
        problems.insert(0, first_break)
    issued = db.session.scalar(select(SerialCounter.last_value).where(
        SerialCounter.kind == "journal", SerialCounter.street_id == street_id, SerialCounter.year == 0)) or 0
    if issued > last_seq:
        problems.append(ChainProblem(street_id, last_seq + 1, None, "missing_tail",
                                     f"the journal ends at seq {last_seq} but the serial counter has issued "
                                     f"{issued}: the last rows were removed"))
    for a in anchors:
        if a.seq > last_seq:
            problems.append(ChainProblem(street_id, a.seq, None, "anchor_missing",
                                         f"{_anchor_label(a)} recorded the journal at seq {a.seq}, but it now ends "
                                         f"at seq {last_seq}: rows were removed at the tail"))
            break
    return problems


def verify_audit(batch: int = 10_000) -> list[ChainProblem]:
    """The audit chain and its anchors (district-wide)."""
    from counter.audit.chain import verify_audit_chain

    found, last_seq, _last_hash = verify_audit_chain(batch)
    problems = [ChainProblem(None, p.seq, p.entry_id, p.problem, p.detail, "audit_entry") for p in found]
    anchors, anchor_problems = _anchors("audit", 0)
    problems += anchor_problems
    if anchors:
        from counter.audit.models import AuditChain

        hashes = dict(db.session.execute(select(AuditChain.seq, AuditChain.row_hash)
                                         .where(AuditChain.seq.in_({a.seq for a in anchors}))).all())
        for a in anchors:
            if a.seq == 0:
                continue
            if a.seq not in hashes:
                problems.append(ChainProblem(None, a.seq, None, "anchor_missing",
                                             f"{_anchor_label(a)} recorded the audit chain at seq {a.seq}, but it now "
                                             f"ends at seq {last_seq}: entries were removed at the tail", "audit_entry"))
            elif not ledger_key.same(hashes[a.seq], a.head_hash):
                problems.append(ChainProblem(None, a.seq, None, "anchor_mismatch",
                                             f"audit chain row {a.seq} is not the row {_anchor_label(a)} recorded",
                                             "audit_entry"))
    return problems


# --- receipts against the journal ---------------------------------------------------------------------

def verify_receipts(street_id: int | None = None) -> list[ChainProblem]:
    """Each receipt against its journal lines: the collection lines sum to ``total_fen`` and carry the
    receipt's lease, clerk, business date and method; every line sealed with its tax periods (seal
    version 2, reversals included) carries the receipt's span (first period start .. last period end);
    an issued receipt has no reversal lines; a void (refunded) one has exactly one void (refund) line per
    collection line, each the negative of the line it reverses; no line is reversed twice."""
    streets = _scoped_streets(street_id)
    j = JournalEntry
    is_coll = j.kind == "collection"
    agg = (select(j.receipt_id.label("rid"),
                  func.sum(case((is_coll, j.amount_fen), else_=0)).label("coll_sum"),
                  func.sum(case((is_coll, 1), else_=0)).label("coll_n"),
                  func.sum(case((j.kind == "void", 1), else_=0)).label("void_n"),
                  func.sum(case((j.kind == "refund", 1), else_=0)).label("refund_n"),
                  func.sum(case((is_coll, 0), else_=j.amount_fen)).label("rev_sum"),
                  func.min(case((is_coll, j.lease_id))).label("lease_lo"),
                  func.max(case((is_coll, j.lease_id))).label("lease_hi"),
                  func.min(case((is_coll, j.clerk_id))).label("clerk_lo"),
                  func.max(case((is_coll, j.clerk_id))).label("clerk_hi"),
                  func.min(case((is_coll, j.business_date))).label("day_lo"),
                  func.max(case((is_coll, j.business_date))).label("day_hi"),
                  func.min(case((is_coll, j.method))).label("method_lo"),
                  func.max(case((is_coll, j.method))).label("method_hi"),
                  func.min(j.period_start).label("start_lo"), func.max(j.period_start).label("start_hi"),
                  func.min(j.period_end).label("end_lo"), func.max(j.period_end).label("end_hi"),
                  func.sum(case((j.seal_version >= 2, 1), else_=0)).label("v2_n"),
                  func.count().label("all_n"))
           .where(_where_street(j.street_id, streets)).group_by(j.receipt_id).subquery())
    r = Receipt
    coll_sum = func.coalesce(agg.c.coll_sum, 0)
    coll_n = func.coalesce(agg.c.coll_n, 0)
    void_n = func.coalesce(agg.c.void_n, 0)
    refund_n = func.coalesce(agg.c.refund_n, 0)
    rev_sum = func.coalesce(agg.c.rev_sum, 0)
    bad = or_(coll_n == 0, coll_sum != r.total_fen,
              and_(r.status == "issued", void_n + refund_n > 0),
              and_(r.status == "void", or_(void_n != coll_n, refund_n > 0)),
              and_(r.status == "refunded", or_(refund_n != coll_n, void_n > 0)),
              and_(r.status != "issued", rev_sum != -coll_sum),
              agg.c.lease_lo != r.lease_id, agg.c.lease_hi != r.lease_id,
              agg.c.clerk_lo != r.clerk_id, agg.c.clerk_hi != r.clerk_id,
              agg.c.day_lo != r.business_date, agg.c.day_hi != r.business_date,
              agg.c.method_lo != r.method, agg.c.method_hi != r.method,
              r.period_start.is_(None), r.period_end.is_(None),
              and_(agg.c.v2_n > 0, or_(agg.c.start_lo != r.period_start, agg.c.start_hi != r.period_start,
                                        agg.c.end_lo != r.period_end, agg.c.end_hi != r.period_end)),
              and_(agg.c.v2_n > 0, agg.c.start_lo.is_(None)))
    stmt = (select(r.id, r.street_id, r.receipt_number, r.status, r.total_fen, r.lease_id, r.clerk_id,
                   r.business_date, r.method, coll_sum, coll_n, void_n, refund_n, rev_sum, agg.c.lease_lo,
                   agg.c.lease_hi, agg.c.clerk_lo, agg.c.clerk_hi, agg.c.day_lo, agg.c.day_hi, agg.c.method_lo,
                   agg.c.method_hi, r.period_start, r.period_end, agg.c.start_lo, agg.c.start_hi, agg.c.end_lo,
                   agg.c.end_hi, agg.c.v2_n)
            .outerjoin(agg, agg.c.rid == r.id)
            .where(_where_street(r.street_id, streets), bad).order_by(r.id).limit(MAX_PROBLEMS))
    problems = []
    for row in db.session.connection().execute(stmt):
        (rid, sid, number, status, total, lease_id, clerk_id, day, method, c_sum, c_n, v_n, f_n, rv_sum,
         lease_lo, lease_hi, clerk_lo, clerk_hi, day_lo, day_hi, m_lo, m_hi, p_start, p_end, s_lo, s_hi, e_lo, e_hi,
         v2_n) = row
        what = []
        if p_start is None or p_end is None:
            what.append("it has no tax period dates")
        elif v2_n and (s_lo, s_hi, e_lo, e_hi) != (p_start, p_start, p_end, p_end):
            what.append(f"its periods are {canon_value(p_start)}..{canon_value(p_end)} but its sealed lines say "
                        f"{canon_value(s_lo)}..{canon_value(e_hi)}"
                        + ("" if (s_lo, e_lo) == (s_hi, e_hi) else " (and differ among themselves)"))
        if c_n == 0:
            what.append("it has no journal lines")
        elif c_sum != total:
            what.append(f"total_fen is {total} but its collection lines sum to {c_sum}")
        if status == "issued" and v_n + f_n > 0:
            what.append(f"status is issued but the journal has {v_n + f_n} reversal lines for it")
        if status == "void" and (v_n != c_n or f_n > 0):
            what.append(f"status is void but the journal has {v_n} void and {f_n} refund lines for {c_n} lines")
        if status == "refunded" and (f_n != c_n or v_n > 0):
            what.append(f"status is refunded but the journal has {f_n} refund and {v_n} void lines for {c_n} lines")
        if status != "issued" and rv_sum != -c_sum:
            what.append(f"its reversal lines sum to {rv_sum}, not {-c_sum}")
        for name, mine, lo, hi in (("lease_id", lease_id, lease_lo, lease_hi), ("clerk_id", clerk_id, clerk_lo, clerk_hi),
                                   ("business_date", day, day_lo, day_hi), ("method", method, m_lo, m_hi)):
            if c_n and (lo != mine or hi != mine):
                what.append(f"{name} is {canon_value(mine)} but its lines say {canon_value(lo)}"
                            + (f"..{canon_value(hi)}" if hi != lo else ""))
        problems.append(ChainProblem(sid, None, rid, "receipt_journal",
                                     f"receipt {number}: " + "; ".join(what or ["differs from its journal lines"]),
                                     "receipt"))
    problems += _verify_reversal_lines(streets)
    return problems


def _verify_reversal_lines(streets) -> list[ChainProblem]:
    j, o = JournalEntry, JournalEntry.__table__.alias("original")
    stmt = (select(j.id, j.street_id, j.seq, j.receipt_id, j.amount_fen, j.reverses_id, o.c.receipt_id, o.c.amount_fen,
                   o.c.kind)
            .outerjoin(o, o.c.id == j.reverses_id)
            .where(j.kind != "collection", _where_street(j.street_id, streets),
                   or_(o.c.id.is_(None), o.c.receipt_id != j.receipt_id, o.c.amount_fen != -j.amount_fen,
                       o.c.kind != "collection"))
            .order_by(j.id).limit(MAX_PROBLEMS))
    problems = [ChainProblem(sid, seq, jid, "reversal_line",
                             f"reversal line for receipt {rid} ({amount} fen) does not reverse a collection line of that "
                             f"receipt (reverses {rev}: receipt {o_rid}, {o_amount} fen, {o_kind})")
                for jid, sid, seq, rid, amount, rev, o_rid, o_amount, o_kind in db.session.connection().execute(stmt)]
    twice = (select(j.reverses_id, func.min(j.street_id), func.count())
             .where(j.reverses_id.is_not(None), _where_street(j.street_id, streets))
             .group_by(j.reverses_id).having(func.count() > 1).limit(MAX_PROBLEMS))
    problems += [ChainProblem(sid, None, rev, "reversed_twice", f"journal line {rev} is reversed {n} times")
                 for rev, sid, n in db.session.connection().execute(twice)]
    return problems


def verify_receipts_against_audit(street_id: int | None = None, batch: int = 2_000) -> list[ChainProblem]:
    """Each receipt the audit log (sealed in its own chain) says was issued still exists with the number,
    lease, amount, method, reference and months recorded then; a reversal recorded there shows in the
    receipt's status, and a receipt reversed without one is reported. Catches a receipt removed with its
    journal lines at the tail, or edited together with its lines."""
    from counter.audit.models import AuditEntry

    streets = _scoped_streets(street_id)
    actions = ("collection.collect", "collection.void", "collection.refund")
    stmt = (select(AuditEntry.id, AuditEntry.action, AuditEntry.object_id, AuditEntry.after)
            .where(AuditEntry.action.in_(actions), AuditEntry.object_type == "Receipt",
                   _where_street(AuditEntry.street_id, streets))
            .order_by(AuditEntry.id).execution_options(yield_per=batch))
    problems: list[ChainProblem] = []
    issued: dict[int, dict] = {}
    reversed_: dict[int, str] = {}
    with db.session.connection().execute(stmt) as result:
        for _eid, action, object_id, after in result:
            try:
                rid = int(object_id)
            except (TypeError, ValueError):
                continue
            if action == "collection.collect":
                issued[rid] = after or {}
            else:
                reversed_[rid] = (after or {}).get("status") or ("void" if action.endswith("void") else "refunded")
    ids = sorted(issued)
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        rows = {r.id: r for r in db.session.connection().execute(
            select(Receipt.id, Receipt.street_id, Receipt.receipt_number, Receipt.lease_id, Receipt.total_fen,
                   Receipt.method, Receipt.payment_reference, Receipt.first_month, Receipt.last_month, Receipt.status,
                   Receipt.period_start, Receipt.period_end)
            .where(Receipt.id.in_(chunk)))}
        for rid in chunk:
            said, row = issued[rid], rows.get(rid)
            if row is None:
                problems.append(ChainProblem(None, None, rid, "receipt_removed",
                                             f"receipt {said.get('receipt_number')} ({said.get('total_fen')} fen), "
                                             "issued according to the audit log, no longer exists", "receipt"))
                continue
            what = [f"{name} is {mine!r} but the audit log recorded {said.get(key)!r}"
                    for name, key, mine in (("receipt_number", "receipt_number", row.receipt_number),
                                            ("lease_id", "lease_id", row.lease_id), ("total_fen", "total_fen", row.total_fen),
                                            ("method", "method", row.method),
                                            ("payment_reference", "reference", row.payment_reference))
                    if key in said and said.get(key) != mine]
            months = said.get("months")
            if months and list(months) != [row.first_month, row.last_month]:
                what.append(f"months are {row.first_month}..{row.last_month} but the audit log recorded "
                            f"{months[0]}..{months[1]}")
            periods = said.get("periods")
            mine = [canon_value(row.period_start), canon_value(row.period_end)]
            if periods and list(periods) != mine:
                what.append(f"periods are {mine[0]}..{mine[1]} but the audit log recorded {periods[0]}..{periods[1]}")
            expected = reversed_.get(rid, "issued")
            if row.status != expected:
                what.append(f"status is {row.status} but the audit log says {expected}")
            if what:
                problems.append(ChainProblem(row.street_id, None, rid, "receipt_audit",
                                             f"receipt {row.receipt_number}: " + "; ".join(what), "receipt"))
            if len(problems) >= MAX_PROBLEMS:
                return problems
    return problems


# --- periods -----------------------------------------------------------------------------------------

def _days(start_col, end_col, dialect: str):
    """Days of ``start .. end`` inclusive, in SQL (PostgreSQL: date difference; SQLite: julianday)."""
    if dialect == "postgresql":
        return end_col - start_col + 1
    return cast(func.julianday(end_col) - func.julianday(start_col), Integer) + 1


def verify_periods(street_id: int | None = None) -> list[ChainProblem]:
    """The periods receipts cover: an issued receipt holds unreleased rows that cover its span exactly (the
    first starts on its first day, the last ends on its last, their days add up to the span's — calendar
    months of receipts from before rent periods and rent periods alike), a void or refunded one none; no
    period of a lease is covered by two issued receipts without a repeat reason, whether the two claim the
    same first day or overlap (a rent period over a calendar month paid before)."""
    streets = _scoped_streets(street_id)
    dialect = db.session.get_bind().dialect.name
    p, r = ReceiptPeriod, Receipt
    held = (select(p.receipt_id.label("rid"), func.count().label("n"), func.min(p.period_start).label("lo"),
                   func.max(p.period_end).label("hi"),
                   func.sum(_days(p.period_start, p.period_end, dialect)).label("days"))
            .where(p.released_at.is_(None), _where_street(p.street_id, streets)).group_by(p.receipt_id).subquery())
    n = func.coalesce(held.c.n, 0)
    span_days = _days(r.period_start, r.period_end, dialect)
    stmt = (select(r.id, r.street_id, r.receipt_number, r.status, r.period_start, r.period_end, n, held.c.days)
            .outerjoin(held, held.c.rid == r.id)
            .where(_where_street(r.street_id, streets),
                   or_(and_(r.status == "issued",
                            or_(n == 0, held.c.lo != r.period_start, held.c.hi != r.period_end,
                                held.c.days != span_days)),
                       and_(r.status != "issued", n > 0)))
            .order_by(r.id).limit(MAX_PROBLEMS))
    problems = [ChainProblem(sid, None, rid, "receipt_periods",
                             f"receipt {number} ({status}, {canon_value(first)}..{canon_value(last)}) holds {held_n} "
                             f"unreleased period rows" + (f" covering {days} days" if days is not None else ""),
                             "receipt_period")
                for rid, sid, number, status, first, last, held_n, days in db.session.connection().execute(stmt)]
    twice = (select(p.lease_id, p.period_start, func.min(p.street_id), func.count(),
                    func.min(r.receipt_number), func.max(r.receipt_number))
             .join(r, r.id == p.receipt_id)
             .where(p.released_at.is_(None), r.status == "issued", r.repeat_reason.is_(None),
                    _where_street(p.street_id, streets))
             .group_by(p.lease_id, p.period_start).having(func.count() > 1).limit(MAX_PROBLEMS))
    problems += [ChainProblem(sid, None, lease_id, "paid_twice",
                              f"period {canon_value(start)} of lease {lease_id} is paid by {count} issued receipts "
                              f"without a repeat reason ({lo} .. {hi})", "receipt_period")
                 for lease_id, start, sid, count, lo, hi in db.session.connection().execute(twice)]
    problems += _overlapping_claims(streets)
    return problems


def _overlapping_claims(streets) -> list[ChainProblem]:
    """Held claims of one lease that overlap with different first days (a rent period over a calendar month
    paid before rent periods, without a repeat reason): per lease in order of first day, a claim starting
    on or before the latest end of the claims before it."""
    p, r = ReceiptPeriod, Receipt
    order = (p.period_start, p.receipt_id)
    rows = (select(p.lease_id, p.street_id, p.period_start, p.period_end, r.receipt_number,
                   func.max(p.period_end).over(partition_by=p.lease_id, order_by=order,
                                               rows=(None, -1)).label("reach"),
                   func.lag(p.period_start).over(partition_by=p.lease_id, order_by=order).label("prev_start"))
            .join(r, r.id == p.receipt_id)
            .where(p.released_at.is_(None), r.status == "issued", r.repeat_reason.is_(None),
                   _where_street(p.street_id, streets))
            .subquery())
    stmt = (select(rows.c.lease_id, rows.c.street_id, rows.c.period_start, rows.c.period_end, rows.c.receipt_number)
            .where(rows.c.reach >= rows.c.period_start, rows.c.prev_start != rows.c.period_start)
            .order_by(rows.c.lease_id, rows.c.period_start).limit(MAX_PROBLEMS))
    return [ChainProblem(sid, None, lease_id, "paid_twice",
                         f"period {canon_value(start)}..{canon_value(end)} of lease {lease_id} (receipt {number}) "
                         "overlaps a period held by another issued receipt, without a repeat reason",
                         "receipt_period")
            for lease_id, sid, start, end, number in db.session.connection().execute(stmt)]


# --- day closes --------------------------------------------------------------------------------------

def verify_day_closes(street_id: int | None = None) -> list[ChainProblem]:
    """Every closed day close against the journal of its clerk and day: receipts, totals by method and the
    total; and the clerk's day row agrees that the day is closed."""
    streets = _scoped_streets(street_id)
    closes = db.session.execute(select(DayClose.id, DayClose.street_id, DayClose.clerk_id, DayClose.business_date,
                                       DayClose.receipt_count, DayClose.totals, DayClose.expected_cash_fen)
                                .where(DayClose.status == "closed", _where_street(DayClose.street_id, streets))
                                .order_by(DayClose.id)).all()
    if not closes:
        return []
    keys = {(c.street_id, c.clerk_id, c.business_date) for c in closes}
    j = JournalEntry
    sums: dict[tuple, dict[str, int]] = {}
    days = sorted({k[2] for k in keys})
    for sid, clerk, day, method, amount in db.session.execute(
            select(j.street_id, j.clerk_id, j.business_date, j.method, func.sum(j.amount_fen))
            .where(_where_street(j.street_id, streets), j.business_date.in_(days))
            .group_by(j.street_id, j.clerk_id, j.business_date, j.method)):
        if (sid, clerk, day) in keys:
            sums.setdefault((sid, clerk, day), {})[method] = int(amount)
    counts = {(sid, clerk, day): int(n) for sid, clerk, day, n in db.session.execute(
        select(Receipt.street_id, Receipt.clerk_id, Receipt.business_date, func.count())
        .where(_where_street(Receipt.street_id, streets), Receipt.business_date.in_(days))
        .group_by(Receipt.street_id, Receipt.clerk_id, Receipt.business_date))}
    open_days = {(sid, clerk, day) for sid, clerk, day in db.session.execute(
        select(ClerkDay.street_id, ClerkDay.clerk_id, ClerkDay.business_date)
        .where(ClerkDay.closed.is_(False), _where_street(ClerkDay.street_id, streets),
               ClerkDay.business_date.in_(days)))}
    problems = []
    for c in closes:
        k = (c.street_id, c.clerk_id, c.business_date)
        journal = sums.get(k, {})
        totals = c.totals or {}
        recorded = {m: int(v) for m, v in (totals.get("by_method") or {}).items() if int(v)}
        what = []
        if recorded != {m: v for m, v in journal.items() if v}:
            what.append(f"by method {recorded} but the journal has {dict(sorted(journal.items()))}")
        if int(totals.get("total_fen", 0)) != sum(journal.values()):
            what.append(f"total {totals.get('total_fen')} but the journal sums to {sum(journal.values())}")
        if int(c.expected_cash_fen) != journal.get("cash", 0):
            what.append(f"expected cash {c.expected_cash_fen} but the journal's cash is {journal.get('cash', 0)}")
        if int(c.receipt_count) != counts.get(k, 0):
            what.append(f"{c.receipt_count} receipts but the clerk issued {counts.get(k, 0)} that day")
        if k in open_days:
            what.append("the clerk's day is open again although the close was not reopened")
        if what:
            problems.append(ChainProblem(c.street_id, None, c.id, "day_close",
                                         f"day close of clerk {c.clerk_id} on {c.business_date.isoformat()}: "
                                         + "; ".join(what), "day_close"))
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


# --- receipt numbers ---------------------------------------------------------------------------------

def verify_serials(street_id: int | None = None) -> list[ChainProblem]:
    """Receipt numbers per street and year run 1..n without gaps, and the counter has issued exactly n."""
    streets = _scoped_streets(street_id)
    rows = db.session.execute(select(Receipt.street_id, Receipt.year, func.count(), func.max(Receipt.seq))
                              .where(_where_street(Receipt.street_id, streets))
                              .group_by(Receipt.street_id, Receipt.year)).all()
    counters = {(sid, year): int(v) for sid, year, v in db.session.execute(
        select(SerialCounter.street_id, SerialCounter.year, SerialCounter.last_value)
        .where(SerialCounter.kind == "receipt", _where_street(SerialCounter.street_id, streets)))}
    problems = []
    for sid, year, n, top in rows:
        issued = counters.pop((sid, year), 0)
        if n != top or issued != top:
            problems.append(ChainProblem(sid, None, None, "receipt_numbers",
                                         f"receipts of {year}: {n} rows, highest number {top}, counter {issued} "
                                         "(receipts were removed)", "receipt"))
    for (sid, year), issued in counters.items():
        if issued > 0:
            problems.append(ChainProblem(sid, None, None, "receipt_numbers",
                                         f"receipts of {year}: the counter issued {issued} but none is left", "receipt"))
    return problems


def verify_ledger(street_id: int | None = None) -> list[ChainProblem]:
    """Everything ``counter ledger verify`` checks (empty: intact). The audit chain is district-wide and
    checked only with an unrestricted scope and no single street."""
    problems = verify_chain(street_id)
    problems += verify_receipts(street_id)
    problems += verify_receipts_against_audit(street_id)
    problems += verify_periods(street_id)
    problems += verify_day_closes(street_id)
    problems += verify_serials(street_id)
    from counter.collection.rollup import verify_rollup

    problems += verify_rollup(db.session, _scoped_streets(street_id))
    if street_id is None and current_scope() is None:
        problems += verify_audit()
    return problems


__all__ = ["ChainProblem", "HASHED_FIELDS", "HASHED_FIELDS_V2", "SEAL_VERSION", "sealed_fields", "row_hash", "legacy_row_hash", "record_anchor", "record_heads",
           "journal_head", "verify_chain", "verify_receipts", "verify_periods", "verify_day_closes",
           "verify_serials", "verify_audit", "verify_receipts_against_audit", "verify_ledger"]
