"""Finance services over the street journals: queries, summaries, overview, remittances, bank
reconciliation and annual statistics. Flush only, never commit (the request or the CLI commits).

Every figure is computed with SQL aggregates from the append-only journal (``journal_entry``) and the
lease register; nothing here stores a balance.

Concurrency: remittances of a street are recorded one at a time (an advisory lock per street, held until
the commit), so two finance users cannot both remit a period's outstanding amount; a remittance is
reversed once (unique ``reverses_id``), a statement stored once (unique street + SHA-256) and an
unmatched item resolved once (unique statement + line / receipt) — each by ``INSERT ... ON CONFLICT DO
NOTHING``, the loser is told what happened. Aggregates over columns are not filtered by the street
scope hook, so each one filters by :func:`counter.core.scoping.current_scope` explicitly
(:func:`_in_scope`).

Public API (names kept stable for other modules and tests)::

    ledger_query(filters) -> LedgerResult              # entries (statement, paged) + totals
    daily_summary(street_id, date_from, date_to) -> Summary
    monthly_summary(street_id, year, month) -> Summary
    district_overview(year) -> Overview                # per street per month collected
    position(street_id, period) -> Position            # collected, remitted, outstanding
    record_remittance(street_id, period_start, period_end, amount_fen, reference, remitted_on) -> Remittance
    reverse_remittance(remittance_id, reason) -> Remittance
    import_bank_statement(street_id, file_bytes, filename) -> BankStatement
    reconcile(statement, tolerance_days=None) -> Reconciliation
    resolve_item(item, note) -> ReconciliationResolution
    annual_statistics(year, on=None) -> Statistics
"""
from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import extract, func, or_, select, true

from counter.audit.service import record
from counter.collection.labels import KIND_LABELS, METHOD_LABELS, method_label  # noqa: F401 (ledger screens)
from counter.collection.models import JournalDayTotal, JournalEntry, JournalRollup, Receipt
from counter.core.db import dialect_insert
from counter.core.locks import advisory_lock
from counter.core.i18n import fmt_date, locale_code
from counter.core.scoping import can_see_street, current_scope
from counter.core.timeutil import business_today, utcnow
from counter.extensions import db
from counter.leases.models import Lease
from counter.ledger.models import BankLine, BankStatement, ReconciliationResolution, Remittance
from counter.ledger.statement import StatementError, parse_statement
from counter.streets.models import Street
from counter.tax.labels import item_label

PAYMENT_METHODS = ("cash", "card", "mobile", "transfer")
NON_CASH_METHODS = ("card", "mobile", "transfer")
DEFAULT_TOLERANCE_DAYS = 3  # config LEDGER_RECONCILE_TOLERANCE_DAYS


class LedgerError(ValueError):
    """A refused finance action; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------------------------------------- helpers

def _in_scope(column):
    """``column IN (the user's streets)``, or TRUE for an unrestricted scope."""
    scope = current_scope()
    return true() if scope is None else column.in_(scope)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def visible_streets() -> list[Street]:
    """The streets the current user may see (all for the district, else their own)."""
    scope = current_scope()
    stmt = select(Street).order_by(Street.code)
    if scope is not None:
        stmt = stmt.where(Street.id.in_(scope))
    return list(db.session.scalars(stmt))


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _check_street(street_id: int) -> None:
    if not can_see_street(street_id):
        raise LedgerError(_("You cannot act for this street."))


# ---------------------------------------------------------------------------------------------- ledger

@dataclass
class LedgerFilters:
    date_from: date | None = None
    date_to: date | None = None
    clerk_id: int | None = None
    item: str | None = None
    method: str | None = None
    street_id: int | None = None  # the district admin's choice; others are limited by their scope anyway
    kind: str | None = None


@dataclass
class ItemTotal:
    item: str
    name_zh: str
    amount_fen: int

    @property
    def label(self) -> str:
        return item_label(self.item, self.name_zh)


@dataclass
class LedgerResult:
    filters: LedgerFilters
    stmt: object  # select(JournalEntry) with the filters, ordered; street-scoped by the hook
    count: int
    total_fen: int
    by_item: list[ItemTotal]
    by_method: dict[str, int]

    @property
    def entries(self) -> list[JournalEntry]:
        return list(db.session.scalars(self.stmt))


def _journal_conditions(f: LedgerFilters) -> list:
    conds = [_in_scope(JournalEntry.street_id)]
    if f.street_id is not None:
        conds.append(JournalEntry.street_id == f.street_id)
    if f.date_from is not None:
        conds.append(JournalEntry.business_date >= f.date_from)
    if f.date_to is not None:
        conds.append(JournalEntry.business_date <= f.date_to)
    if f.clerk_id is not None:
        conds.append(JournalEntry.clerk_id == f.clerk_id)
    if f.item:
        conds.append(JournalEntry.item == f.item)
    if f.method:
        conds.append(JournalEntry.method == f.method)
    if f.kind:
        conds.append(JournalEntry.kind == f.kind)
    return conds


def _item_totals(conds) -> list[ItemTotal]:
    rows = db.session.execute(
        select(JournalEntry.item, func.min(JournalEntry.item_name_zh), func.sum(JournalEntry.amount_fen))
        .where(*conds).group_by(JournalEntry.item).order_by(JournalEntry.item))
    return [ItemTotal(item, name, int(total or 0)) for item, name, total in rows]


def _method_totals(conds) -> dict[str, int]:
    rows = db.session.execute(
        select(JournalEntry.method, func.sum(JournalEntry.amount_fen)).where(*conds).group_by(JournalEntry.method))
    found = {m: int(t or 0) for m, t in rows}
    return {m: found[m] for m in PAYMENT_METHODS if m in found}


def ledger_query(filters: LedgerFilters | None = None) -> LedgerResult:
    """The journal lines matching ``filters`` (newest business date first) and their totals."""
    f = filters or LedgerFilters()
    conds = _journal_conditions(f)
    count, total = db.session.execute(
        select(func.count(JournalEntry.id), func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(*conds)).one()
    stmt = (select(JournalEntry).where(*conds)
            .order_by(JournalEntry.business_date.desc(), JournalEntry.street_id, JournalEntry.seq.desc()))
    return LedgerResult(filters=f, stmt=stmt, count=int(count), total_fen=int(total),
                        by_item=_item_totals(conds), by_method=_method_totals(conds))


# ---------------------------------------------------------------------------------------------- summaries

@dataclass
class DayRow:
    day: date
    receipts: int
    total_fen: int
    by_method: dict[str, int]


@dataclass
class Summary:
    street_id: int | None
    date_from: date
    date_to: date
    receipts: int  # receipts with a collection line in the period
    reversed_receipts: int  # receipts with a void/refund line in the period
    total_fen: int
    by_item: list[ItemTotal]
    by_method: dict[str, int]
    days: list[DayRow] = field(default_factory=list)


def daily_summary(street_id: int | None, date_from: date, date_to: date) -> Summary:
    """Receipts count and sums by tax item, by payment method and by day over a date range.
    ``street_id`` None: every street in the user's scope. Read from the journal's daily roll-up
    (:mod:`counter.collection.rollup`, one query over days x items x methods, not over the journal's lines)."""
    r = JournalRollup
    conds = [_in_scope(r.street_id), r.business_date >= date_from, r.business_date <= date_to]
    if street_id is not None:
        conds.append(r.street_id == street_id)
    total = receipts = reversed_ = 0
    days: dict[date, DayRow] = {}
    items: dict[str, list] = {}
    methods: dict[str, int] = {}
    for day, item, name, method, kind, amount, n in db.session.execute(
            select(r.business_date, r.item, r.item_name_zh, r.method, r.kind, func.sum(r.amount_fen),
                   func.sum(r.receipts))
            .where(*conds).group_by(r.business_date, r.item, r.item_name_zh, r.method, r.kind)):
        amount, n = int(amount or 0), int(n or 0)
        total += amount
        row = days.setdefault(day, DayRow(day, 0, 0, {}))
        row.by_method[method] = row.by_method.get(method, 0) + amount
        row.total_fen += amount
        if kind == "collection":
            receipts += n
            row.receipts += n
        else:
            reversed_ += n
        got = items.setdefault(item, [name, 0])
        got[0] = min(got[0], name)
        got[1] += amount
        methods[method] = methods.get(method, 0) + amount
    return Summary(street_id=street_id, date_from=date_from, date_to=date_to, receipts=receipts,
                   reversed_receipts=reversed_, total_fen=total,
                   by_item=[ItemTotal(i, items[i][0], items[i][1]) for i in sorted(items)],
                   by_method={m: methods[m] for m in PAYMENT_METHODS if m in methods},
                   days=[days[d] for d in sorted(days)])


def monthly_summary(street_id: int | None, year: int, month: int) -> Summary:
    first, last = month_bounds(year, month)
    return daily_summary(street_id, first, last)


# ---------------------------------------------------------------------------------------------- overview

@dataclass
class Overview:
    year: int
    streets: list[Street]
    cells: dict[tuple[int, int], int]  # (street_id, month) -> fen

    def amount(self, street_id: int, month: int) -> int:
        return self.cells.get((street_id, month), 0)

    def street_total(self, street_id: int) -> int:
        return sum(v for (s, _m), v in self.cells.items() if s == street_id)

    def month_total(self, month: int) -> int:
        return sum(v for (_s, m), v in self.cells.items() if m == month)

    @property
    def total_fen(self) -> int:
        return sum(self.cells.values())


def district_overview(year: int) -> Overview:
    """Net collections per street per month of ``year`` (every street in scope, zero rows included)."""
    t = JournalDayTotal
    month = extract("month", t.business_date)
    rows = db.session.execute(  # the streets' day totals: at most streets x 366 rows, whatever the journal's size
        select(t.street_id, month, func.sum(t.amount_fen))
        .where(_in_scope(t.street_id), t.business_date >= date(year, 1, 1), t.business_date <= date(year, 12, 31))
        .group_by(t.street_id, month))
    cells = {(int(s), int(m)): int(v or 0) for s, m, v in rows}
    return Overview(year=year, streets=visible_streets(), cells=cells)


# ---------------------------------------------------------------------------------------------- remittance

@dataclass
class Position:
    street_id: int
    period: tuple[date | None, date | None]
    collected_fen: int
    remitted_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.collected_fen - self.remitted_fen


def _period(period) -> tuple[date | None, date | None]:
    """None (all time), a year (int), "YYYY-MM", or a (start, end) pair of dates (inclusive)."""
    if period is None:
        return None, None
    if isinstance(period, int):
        return date(period, 1, 1), date(period, 12, 31)
    if isinstance(period, str):
        y, m = period.split("-")
        return month_bounds(int(y), int(m))
    start, end = period
    return start, end


def position(street_id: int, period=None) -> Position:
    """Collected (journal, net of reversals, by business date), remitted (remittances whose period lies
    inside ``period``, net of reversals) and outstanding = collected - remitted."""
    start, end = _period(period)
    jc = [_in_scope(JournalEntry.street_id), JournalEntry.street_id == street_id]
    rc = [_in_scope(Remittance.street_id), Remittance.street_id == street_id]
    if start is not None:
        jc.append(JournalEntry.business_date >= start)
        rc.append(Remittance.period_start >= start)
    if end is not None:
        jc.append(JournalEntry.business_date <= end)
        rc.append(Remittance.period_end <= end)
    collected = db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(*jc))
    remitted = db.session.scalar(select(func.coalesce(func.sum(Remittance.amount_fen), 0)).where(*rc))
    return Position(street_id=street_id, period=(start, end), collected_fen=int(collected), remitted_fen=int(remitted))


def positions(period=None) -> list[tuple[Street, Position]]:
    return [(s, position(s.id, period)) for s in visible_streets()]


def remittances_query(street_id: int | None = None):
    stmt = select(Remittance).order_by(Remittance.remitted_on.desc(), Remittance.id.desc())
    if street_id is not None:
        stmt = stmt.where(Remittance.street_id == street_id)
    return stmt


def _snapshot(r: Remittance) -> dict:
    return {"period_start": r.period_start, "period_end": r.period_end, "amount_fen": r.amount_fen,
            "reference": r.reference, "remitted_on": r.remitted_on, "reverses_id": r.reverses_id, "note": r.note}


def record_remittance(street_id: int, period_start: date, period_end: date, amount_fen: int, reference: str,
                      remitted_on: date) -> Remittance:
    """Record one transfer to the treasury (解缴入库). Refused: an empty or reversed period, a non-positive
    amount, a date in the future or before the period, and more than the period's outstanding amount."""
    _check_street(street_id)
    reference = (reference or "").strip()
    if period_end < period_start:
        raise LedgerError(_("The end of the period is before its start."), "period_end")
    if remitted_on > business_today():
        raise LedgerError(_("The remittance date is in the future."), "remitted_on")
    if remitted_on < period_start:
        raise LedgerError(_("The remittance date is before the period."), "remitted_on")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise LedgerError(_("The amount must be more than zero."), "amount")
    if not reference:
        raise LedgerError(_("The reference is required."), "reference")
    advisory_lock("remittance", street_id)  # one remittance of the street at a time: the outstanding stays true
    pos = position(street_id, (period_start, period_end))
    if amount_fen > pos.outstanding_fen:
        from counter.core.i18n import money

        raise LedgerError(_("More than the outstanding amount of the period (%(amount)s).",
                            amount=money(pos.outstanding_fen)), "amount")
    r = Remittance(street_id=street_id, period_start=period_start, period_end=period_end, amount_fen=amount_fen,
                   reference=reference[:64], remitted_on=remitted_on, created_by_id=_actor_id())
    db.session.add(r)
    db.session.flush()
    record("ledger.remittance.record", obj=r, summary=f"{reference} {amount_fen} fen {period_start}..{period_end}",
           after=_snapshot(r))
    return r


def reverse_remittance(remittance_id: int, reason: str) -> Remittance:
    """Correct a wrong remittance by a reversing one (negative amount, same period): rows never change."""
    reason = (reason or "").strip()
    original = db.session.get(Remittance, remittance_id)
    if original is None or not can_see_street(original.street_id):
        raise LedgerError(_("Remittance not found."))
    if not reason:
        raise LedgerError(_("A reason is required."), "reason")
    if original.reverses_id is not None:
        raise LedgerError(_("A reversal cannot be reversed."))
    new_id = db.session.scalar(  # reversed once: a reversal committed a moment ago makes this one a no-op
        dialect_insert(Remittance).values(
            street_id=original.street_id, period_start=original.period_start, period_end=original.period_end,
            amount_fen=-original.amount_fen, reference=original.reference, remitted_on=business_today(),
            note=reason, reverses_id=original.id, created_by_id=_actor_id(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["reverses_id"]).returning(Remittance.id))
    if new_id is None:
        raise LedgerError(_("This remittance has already been reversed."))
    r = db.session.get(Remittance, new_id)
    record("ledger.remittance.reverse", obj=r, summary=reason, before=_snapshot(original), after=_snapshot(r))
    return r


def reversed_ids(remittances) -> set[int]:
    ids = [r.id for r in remittances]
    if not ids:
        return set()
    return set(db.session.scalars(select(Remittance.reverses_id).where(Remittance.reverses_id.in_(ids))))


# ---------------------------------------------------------------------------------------------- bank statements

def import_bank_statement(street_id: int, file_bytes: bytes, filename: str) -> BankStatement:
    """Parse and store a bank statement CSV (see :mod:`counter.ledger.statement` for the columns).
    Raises :class:`~counter.ledger.statement.StatementError` (nothing stored) on any problem."""
    _check_street(street_id)
    parsed = parse_statement(file_bytes)
    digest = hashlib.sha256(file_bytes).hexdigest()
    existing = db.session.scalar(select(BankStatement.id).where(BankStatement.street_id == street_id,
                                                                BankStatement.sha256 == digest))
    if existing is not None:
        raise StatementError([_("This file has already been uploaded (statement no. %(id)s).", id=existing)])
    dates = [ln.txn_date for ln in parsed.lines]
    new_id = db.session.scalar(  # stored once, also when the same file is uploaded twice at the same moment
        dialect_insert(BankStatement).values(
            street_id=street_id, filename=(filename or "statement.csv")[:200], encoding=parsed.encoding,
            sha256=digest, period_start=min(dates), period_end=max(dates), line_count=len(parsed.lines),
            total_fen=sum(ln.amount_fen for ln in parsed.lines), uploaded_by_id=_actor_id(), uploaded_at=utcnow())
        .on_conflict_do_nothing(index_elements=["street_id", "sha256"]).returning(BankStatement.id))
    if new_id is None:
        existing = db.session.scalar(select(BankStatement.id).where(BankStatement.street_id == street_id,
                                                                    BankStatement.sha256 == digest))
        raise StatementError([_("This file has already been uploaded (statement no. %(id)s).", id=existing)])
    st = db.session.get(BankStatement, new_id)
    db.session.add_all([BankLine(street_id=street_id, statement_id=st.id, line_no=ln.line_no, txn_date=ln.txn_date,
                                 amount_fen=ln.amount_fen, reference=ln.reference, counterparty=ln.counterparty,
                                 description=ln.description) for ln in parsed.lines])
    db.session.flush()
    record("ledger.statement.import", obj=st, summary=f"{st.filename}: {st.line_count} lines, {st.total_fen} fen",
           after={"filename": st.filename, "encoding": st.encoding, "sha256": digest, "lines": st.line_count,
                  "total_fen": st.total_fen, "period": [st.period_start, st.period_end]})
    return st


def statements_query(street_id: int | None = None):
    stmt = select(BankStatement).order_by(BankStatement.uploaded_at.desc(), BankStatement.id.desc())
    if street_id is not None:
        stmt = stmt.where(BankStatement.street_id == street_id)
    return stmt


@dataclass
class Match:
    line: BankLine
    receipt: Receipt
    how: str  # "reference" or "amount_date"


@dataclass
class UnmatchedItem:
    statement_id: int
    kind: str  # "bank_line" (missing from the ledger) or "receipt" (missing from the bank)
    target_id: int
    obj: object
    resolution: ReconciliationResolution | None = None
    hint: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.target_id}"


@dataclass
class Reconciliation:
    statement: BankStatement
    tolerance_days: int
    matched: list[Match]
    missing_from_bank: list[UnmatchedItem]  # receipts
    missing_from_ledger: list[UnmatchedItem]  # bank lines

    @property
    def open_items(self) -> int:
        return sum(1 for i in self.missing_from_bank + self.missing_from_ledger if i.resolution is None)


def _tolerance(days: int | None) -> int:
    if days is not None:
        return int(days)
    if has_app_context():
        return int(current_app.config.get("LEDGER_RECONCILE_TOLERANCE_DAYS", DEFAULT_TOLERANCE_DAYS))
    return DEFAULT_TOLERANCE_DAYS


def _norm_ref(ref: str | None) -> str:
    return "".join((ref or "").split()).upper()


def reconcile(statement: BankStatement, tolerance_days: int | None = None) -> Reconciliation:
    """Match the statement's lines to the street's card, mobile and transfer receipts (not void).

    1. same reference (ignoring case and spaces), same amount, dates at most ``tolerance_days`` apart;
    2. then, for a line or receipt without reference, same amount and dates within the tolerance.
    The closest date wins, then the lower id. Receipts considered: business date within the statement's
    period; receipts up to ``tolerance_days`` before it count only if matched (they settle in this
    statement). Derived every time: nothing stored but the resolutions of unmatched items.
    """
    tol = _tolerance(tolerance_days)
    lines = list(db.session.scalars(select(BankLine).where(BankLine.statement_id == statement.id)
                                    .order_by(BankLine.line_no)))
    receipts = list(db.session.scalars(
        select(Receipt).where(Receipt.street_id == statement.street_id, Receipt.method.in_(NON_CASH_METHODS),
                              Receipt.status != "void",
                              Receipt.business_date >= statement.period_start - timedelta(days=tol),
                              Receipt.business_date <= statement.period_end)
        .order_by(Receipt.business_date, Receipt.id)))
    free = {r.id: r for r in receipts}
    matched: list[Match] = []
    line_done: set[int] = set()

    def best(line: BankLine, ok) -> Receipt | None:
        cands = [r for r in free.values() if r.total_fen == line.amount_fen
                 and abs((line.txn_date - r.business_date).days) <= tol and ok(r)]
        cands.sort(key=lambda r: (abs((line.txn_date - r.business_date).days), r.id))
        return cands[0] if cands else None

    for how, ok_for in (("reference", lambda ln: (lambda r: _norm_ref(ln.reference)
                                                  and _norm_ref(r.payment_reference) == _norm_ref(ln.reference))),
                        ("amount_date", lambda ln: (lambda r: not _norm_ref(ln.reference)
                                                    or not _norm_ref(r.payment_reference)))):
        for line in lines:
            if line.id in line_done:
                continue
            r = best(line, ok_for(line))
            if r is not None:
                matched.append(Match(line, r, how))
                line_done.add(line.id)
                del free[r.id]

    resolutions = list(db.session.scalars(select(ReconciliationResolution)
                                          .where(ReconciliationResolution.statement_id == statement.id)))
    by_line = {x.bank_line_id: x for x in resolutions if x.bank_line_id}
    by_receipt = {x.receipt_id: x for x in resolutions if x.receipt_id}
    refs = {_norm_ref(r.payment_reference): r for r in free.values() if _norm_ref(r.payment_reference)}
    missing_ledger = []
    for line in lines:
        if line.id in line_done:
            continue
        hint = None
        twin = refs.get(_norm_ref(line.reference)) if _norm_ref(line.reference) else None
        if twin is not None:
            hint = _("Receipt %(number)s has this reference but %(amount)s on %(day)s.", number=twin.receipt_number,
                     amount=_fmt_money(twin.total_fen), day=fmt_date(twin.business_date))
        missing_ledger.append(UnmatchedItem(statement.id, "bank_line", line.id, line, by_line.get(line.id), hint))
    missing_bank = [UnmatchedItem(statement.id, "receipt", r.id, r, by_receipt.get(r.id))
                    for r in free.values() if r.business_date >= statement.period_start]
    matched.sort(key=lambda m: m.line.line_no)
    return Reconciliation(statement=statement, tolerance_days=tol, matched=matched,
                          missing_from_bank=missing_bank, missing_from_ledger=missing_ledger)


def _fmt_money(fen: int) -> str:
    from counter.core.i18n import money

    return money(fen) if has_request_context() else f"{Decimal(int(fen)) / 100:.2f}"  # never float


def find_unmatched(statement: BankStatement, kind: str, target_id: int) -> UnmatchedItem | None:
    rec = reconcile(statement)
    for item in rec.missing_from_bank + rec.missing_from_ledger:
        if item.kind == kind and item.target_id == target_id:
            return item
    return None


def resolve_item(item: UnmatchedItem, note: str) -> ReconciliationResolution:
    """Close one unmatched item with the finance user's note (audited). Refused when the item is matched
    meanwhile, or already resolved."""
    note = (note or "").strip()
    if not note:
        raise LedgerError(_("A note is required."), "note")
    if len(note) > 1000:
        raise LedgerError(_("The note is too long (at most 1,000 characters)."), "note")
    statement = db.session.get(BankStatement, item.statement_id)
    if statement is None or not can_see_street(statement.street_id):
        raise LedgerError(_("Statement not found."))
    current = find_unmatched(statement, item.kind, item.target_id)
    if current is None:
        raise LedgerError(_("This item is no longer unmatched."))
    if current.resolution is not None:
        raise LedgerError(_("This item has already been resolved."))
    target = ["statement_id", "bank_line_id" if item.kind == "bank_line" else "receipt_id"]
    new_id = db.session.scalar(  # resolved once, also by two finance users at the same moment
        dialect_insert(ReconciliationResolution).values(
            street_id=statement.street_id, statement_id=statement.id,
            bank_line_id=item.target_id if item.kind == "bank_line" else None,
            receipt_id=item.target_id if item.kind == "receipt" else None,
            note=note, resolved_by_id=_actor_id(), resolved_at=utcnow())
        .on_conflict_do_nothing(index_elements=target).returning(ReconciliationResolution.id))
    if new_id is None:
        raise LedgerError(_("This item has already been resolved."))
    res = db.session.get(ReconciliationResolution, new_id)
    obj = current.obj
    record("ledger.reconcile.resolve", obj=res, summary=note,
           after={"statement_id": statement.id, "kind": item.kind, "target_id": item.target_id, "note": note,
                  "amount_fen": getattr(obj, "amount_fen", None) if item.kind == "bank_line" else obj.total_fen,
                  "reference": getattr(obj, "reference", None) if item.kind == "bank_line"
                  else obj.payment_reference})
    return res


# ---------------------------------------------------------------------------------------------- statistics

@dataclass
class StatRow:
    street: Street | None  # None: the total row
    filings: int = 0
    filing_area_centi: int = 0
    tax_fen: int = 0
    valid_leases: int = 0
    valid_area_centi: int = 0


@dataclass
class Statistics:
    year: int
    on: date
    rows: list[StatRow]
    total: StatRow


def valid_lease_conditions(on: date) -> list:
    """A lease is valid (有效) on a date when filed by then, its term covers the date, and it was neither
    terminated before (``ended_on`` is its last day) nor cancelled by then."""
    return [
        Lease.registered_on <= on, Lease.start_date <= on, Lease.end_date >= on,
        or_(Lease.status != "terminated", Lease.ended_on >= on),
        or_(Lease.status != "cancelled", Lease.cancelled_on > on),
    ]


def annual_statistics(year: int, on: date | None = None) -> Statistics:
    """Like the office's annual report: filings in the year (all leases with ``registered_on`` in the
    year, later cancellations included: they were filed) and their rented floor area; net tax collected
    in the year (journal); valid leases and their floor area on ``on`` (default 31 December). By street
    (every street in scope) and total."""
    on = on or date(year, 12, 31)
    first, last = date(year, 1, 1), date(year, 12, 31)
    rows = {s.id: StatRow(street=s) for s in visible_streets()}
    for sid, n, area in db.session.execute(
            select(Lease.street_id, func.count(Lease.id), func.coalesce(func.sum(Lease.rented_area_centi), 0))
            .where(_in_scope(Lease.street_id), Lease.registered_on >= first, Lease.registered_on <= last)
            .group_by(Lease.street_id)):
        if sid in rows:
            rows[sid].filings, rows[sid].filing_area_centi = int(n), int(area)
    for sid, tax in db.session.execute(
            select(JournalDayTotal.street_id, func.sum(JournalDayTotal.amount_fen))
            .where(_in_scope(JournalDayTotal.street_id), JournalDayTotal.business_date >= first,
                   JournalDayTotal.business_date <= last).group_by(JournalDayTotal.street_id)):
        if sid in rows:
            rows[sid].tax_fen = int(tax or 0)
    for sid, n, area in db.session.execute(
            select(Lease.street_id, func.count(Lease.id), func.coalesce(func.sum(Lease.rented_area_centi), 0))
            .where(_in_scope(Lease.street_id), *valid_lease_conditions(on)).group_by(Lease.street_id)):
        if sid in rows:
            rows[sid].valid_leases, rows[sid].valid_area_centi = int(n), int(area)
    ordered = list(rows.values())
    total = StatRow(street=None)
    for r in ordered:
        total.filings += r.filings
        total.filing_area_centi += r.filing_area_centi
        total.tax_fen += r.tax_fen
        total.valid_leases += r.valid_leases
        total.valid_area_centi += r.valid_area_centi
    return Statistics(year=year, on=on, rows=ordered, total=total)


def clerks_in_scope():
    """(id, display name) of the clerks and supervisors whose lines the user may see (ledger filter)."""
    from counter.auth.models import User

    stmt = (select(User.id, User.display_name).where(User.role.in_(("clerk", "supervisor")), _in_scope(User.street_id))
            .order_by(User.display_name))
    return [(i, n) for i, n in db.session.execute(stmt)]
