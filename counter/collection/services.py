"""Collection at the window (代征), receipts, the hash-chained journal (台账), corrections and day close.

Public API (other modules use these names)::

    lease_periods(lease) -> list[fees.Period]            # the lease's rent periods (the whole term)
    tax_periods(lease, first, last) -> list[fees.Period] # the periods first..last (named by start date or month)
    paid_periods(lease) -> set[date]                     # starts of the lease's periods held by issued receipts
    unpaid_periods(lease) -> list[fees.Period]
    paid_months(lease) -> set[str]                       # "YYYY-MM" the paid periods start in
    quote(lease, first, last, repair_cost_fen=0) -> fees.Assessment
    collect(lease, first, last, method, reference, idempotency_key, repeat_reason=None, *, clerk=None,
            business_date=None, repair_cost_fen=0) -> Receipt
    void_receipt(receipt, reason, *, actor=None) -> list[JournalEntry]
    refund_receipt(receipt, reason, *, actor=None) -> list[JournalEntry]
    day_figures(street_id, clerk_id, business_date) -> dict
    close_day(clerk, business_date, counted_cash_fen, note=None) -> DayClose
    explain_variance(day_close, note) -> DayClose
    sign_day_close(day_close, supervisor) -> DayClose
    reopen_day(day_close, reason, *, actor=None) -> DayClose
    verify_chain(street_id=None) -> list[ChainProblem]   # empty when intact; the current scope's streets
    verify_ledger(street_id=None) -> list[ChainProblem]  # every check of `counter ledger verify` (integrity.py)
    journal_summary(street_id, start, end) -> dict         # sums by item and by method, from the journal
    receipt_print_data(receipt) -> dict; day_close_print_data(day_close) -> dict

Decisions:
- Services flush, never commit (one transaction per request). A refused action writes nothing: the
  request answers 422 and its transaction is rolled back (a refused collection consumes no receipt number).
- The rules hold under concurrency because the database holds them, not a read before the write:
  * a receipt is reversed at most once: ``UPDATE receipt SET status = ... WHERE id = ? AND status = 'issued'
    RETURNING id`` (the loser of a race gets no row and is refused), and a unique index on the reversal
    lines' ``reverses_id``;
  * a period of a lease is paid by at most one issued receipt unless a repeat reason was recorded: the
    partial unique index of :class:`ReceiptPeriod`, filled with ``INSERT ... ON CONFLICT DO NOTHING``;
    a reversal releases its periods;
  * a clerk's postings and the close of the clerk's day serialise on the :class:`ClerkDay` row (a
    conditional ``UPDATE ... WHERE closed = false``): a receipt is in the close's figures, or refused
    because the day is closed; signing, noting and reopening a close are conditional updates too.
  The lock order is in :mod:`counter.core.locks`.
- Zero-tax receipts are refused: there is nothing to collect, and the journal holds money only. Items
  whose amount is zero in a non-zero assessment get no journal line.
- Reversals (void 作废 / refund 退税) are posted by the supervisor on the supervisor's business day
  (clerk_id of the reversal lines = the supervisor): the supervisor pays the money back. The original
  receipt and its lines stay; the receipt is marked void/refunded and its months count as unpaid again.
- The journal chain: position = ``next_serial("journal", street_id, 0)`` (a per-street row lock on
  PostgreSQL, so concurrent windows of one street serialise), previous hash read by (street_id, seq-1),
  ``row_hash = HMAC(ledger key, canonical JSON of the row's fields + prev_hash)``
  (:mod:`counter.collection.integrity`). The genesis prev_hash is 64 zeros. Every day close anchors the
  street's journal head and the audit chain's head.
- Lock order: clerk's day, lease, receipt serial, receipt row, receipt periods, journal serial.
- Tax periods are the lease's rent periods (:func:`lease_periods`, the rule in :mod:`fees.calendar`:
  anchored at the term's start, 15 March .. 14 April, the last one prorated when short). A period is
  named by its start date (``2024-03-15``) or by the month it starts in (``2024-03``: one period starts
  in each month). A receipt records the first period's start and the last one's end, its journal lines
  the same span (sealed, seal version 2). Receipts from before (calendar months, 2024-03-01 ..
  2024-03-31) keep their claims; a rent period overlapping a claim still held counts as paid
  (:func:`paid_periods`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import fees
from flask_babel import gettext as _
from sqlalchemy import func, select, text, update

from counter.audit.chain import anchor_at_commit
from counter.audit.service import record
from counter.collection.integrity import (SEAL_VERSION, ChainProblem, record_anchor, row_hash, sealed_fields,
                                          verify_chain, verify_ledger)
from counter.collection.labels import METHOD_LABELS, RECEIPT_STATUS_LABELS
from counter.collection.models import (GENESIS_HASH, PAYMENT_METHODS, ClerkDay, DayClose, JournalEntry, LedgerAnchor,
                                       TENDERED_MAX_FEN, Receipt, ReceiptPeriod)
from counter.core.db import dialect_insert, is_postgresql
from counter.core.i18n import fmt_date, money, printed
from counter.core.scoping import unrestricted
from counter.core.serials import next_serial, next_serial_and_prev
from counter.core.timeutil import business_today, to_local, utcnow
from counter.extensions import db
from counter.tax import services as tax_services
from counter.tax.models import AssessmentRecord



class CollectionError(Exception):
    """A refused action; ``field`` names the form field the message belongs to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- tax adapter -------------------------------------------------------------------------------------

def _assess(lease, periods: list[fees.Period], repair_cost_fen: int = 0) -> fees.Assessment:
    return tax_services.assess_lease(lease, periods=periods, repair_cost_fen=repair_cost_fen)


def _record(lease, assessment: fees.Assessment) -> int:
    try:
        return tax_services.record_assessment(lease, assessment).id
    except _TAX_ERRORS as exc:
        raise CollectionError(_("The tax cannot be computed for these months: %(error)s", error=str(exc))) from exc


_TAX_ERRORS = (fees.FeesError, tax_services.TaxError)


def repair_carry_in(lease) -> int:
    """The repair costs left over by the lease's last collection still standing (an issued receipt's
    assessment), to offer as the default of the next one; 0 when none."""
    row = db.session.execute(
        select(AssessmentRecord.repair_carry_fen)
        .join(Receipt, Receipt.assessment_record_id == AssessmentRecord.id)
        .where(Receipt.lease_id == lease.id, Receipt.status == "issued")
        .order_by(Receipt.issued_at.desc(), Receipt.id.desc()).limit(1)).first()
    return int(row[0]) if row else 0


# --- periods -----------------------------------------------------------------------------------------

def lease_term(lease) -> tuple[date, date]:
    """The days that can be taxed: the term's start to its end (or the day the lease was terminated)."""
    return lease.start_date, lease.ended_on or lease.end_date


def lease_periods(lease) -> list[fees.Period]:
    """The lease's rent periods over its whole term (:func:`fees.rent_periods`)."""
    return fees.rent_periods(*lease_term(lease))


def lease_months(lease) -> tuple[fees.YearMonth, fees.YearMonth]:
    """The months the lease's first and last periods start in (a period is named by its month too)."""
    periods = lease_periods(lease)
    if not periods:
        start = fees.YearMonth.of(lease.start_date)
        return start, start
    return periods[0].month, periods[-1].month


def period_label(period, lang: str | None = None) -> str:
    """``2024年3月15日 至 2024年4月14日`` (the label of the collect form and of the messages): the UI's one
    way of showing a period (:func:`counter.core.i18n.fmt_span`, in the UI language; ``lang`` is ignored)."""
    from counter.core.i18n import fmt_span

    return fmt_span(period.start, period.end)


def _period_index(periods: list[fees.Period], value, field: str) -> int:
    """The position in ``periods`` of the period named by ``value``: a :class:`fees.Period`, its start date
    (a date or ``YYYY-MM-DD``), or the month it starts in (``YYYY-MM``)."""
    if isinstance(value, fees.Period):
        value = value.start
    if isinstance(value, fees.YearMonth):
        month, day = value, None
    elif isinstance(value, date):
        month, day = fees.YearMonth.of(value), value
    else:
        text_value = str(value or "").strip()
        try:
            if len(text_value) > 7:
                day = date.fromisoformat(text_value)
                month = fees.YearMonth.of(day)
            else:
                month, day = fees.YearMonth.parse(text_value), None
        except ValueError as exc:
            raise CollectionError(_("Choose a rent period of the lease."), field) from exc
    if not periods:
        raise CollectionError(_("The lease has no rent period to tax."), field)
    if month < periods[0].month:
        raise CollectionError(_("The lease starts on %(date)s.", date=fmt_date(periods[0].start)), field)
    if month > periods[-1].month:
        raise CollectionError(_("The lease's last rent period starts on %(date)s.",
                                date=fmt_date(periods[-1].start)), field)
    # one period starts in each month: the month names it
    index = (month.year - periods[0].month.year) * 12 + month.month - periods[0].month.month
    if day is not None and periods[index].start != day:
        raise CollectionError(_("%(date)s is not the start of a rent period of this lease (the nearest is "
                                "%(period)s).", date=fmt_date(day), period=period_label(periods[index])), field)
    return index


def tax_periods(lease, first, last) -> list[fees.Period]:
    """The lease's rent periods from the one named ``first`` to the one named ``last`` (inclusive).

    The one place periods are computed (the rule itself is :func:`fees.rent_periods`): periods anchored
    at the lease's start, the last clipped to the end of the term and prorated when short. Receipts
    claim their periods in :class:`ReceiptPeriod` by the first day."""
    periods = lease_periods(lease)
    i = _period_index(periods, first, "first_month")
    j = _period_index(periods, last, "last_month")
    if j < i:
        raise CollectionError(_("The last period must not be before the first period."), "last_month")
    return periods[i:j + 1]


def _claims(lease) -> list[tuple[date, date]]:
    """(start, end) of the lease's periods held by issued receipts (void and refunded ones release theirs)."""
    with unrestricted():
        rows = db.session.execute(select(ReceiptPeriod.period_start, ReceiptPeriod.period_end).where(
            ReceiptPeriod.lease_id == lease.id, ReceiptPeriod.released_at.is_(None))).all()
    return [(start, end) for start, end in rows]


def paid_periods(lease) -> set[date]:
    """Starts of the lease's rent periods held by issued receipts: claimed exactly, or overlapping a claim
    still held of another shape (the calendar months of receipts from before rent periods, or periods of
    the term before an amendment moved its start). Such older claims are only ever released, never
    created again, so reading them here cannot race (new claims collide on the unique index)."""
    claims = _claims(lease)
    if not claims:
        return set()
    starts = {start for start, _end in claims}
    out = set()
    for p in lease_periods(lease):
        if p.start in starts or any(start <= p.end and p.start <= end for start, end in claims):
            out.add(p.start)
    return out


def unpaid_periods(lease) -> list[fees.Period]:
    """The lease's rent periods no issued receipt holds."""
    paid = paid_periods(lease)
    return [p for p in lease_periods(lease) if p.start not in paid]


def paid_months(lease) -> set[str]:
    """Months ("YYYY-MM") in which the paid periods start (void and refunded receipts do not count)."""
    return {f"{start.year:04d}-{start.month:02d}" for start in paid_periods(lease)}


def _labels(periods: list[fees.Period], starts) -> str:
    wanted = set(starts)
    return ", ".join(period_label(p) for p in periods if p.start in wanted)


def quote(lease, first, last, repair_cost_fen: int = 0) -> fees.Assessment:
    """The engine's breakdown for the rent periods ``first..last`` of the lease (nothing is written).
    ``repair_cost_fen``: the landlord's repair costs (修缮费用) to deduct from individuals' income tax."""
    return _quote(lease, tax_periods(lease, first, last), repair_cost_fen)


def _quote(lease, periods: list[fees.Period], repair_cost_fen: int = 0) -> fees.Assessment:
    repair_cost_fen = _repair_cost(lease, repair_cost_fen)
    try:
        return _assess(lease, periods, repair_cost_fen)
    except _TAX_ERRORS as exc:
        raise CollectionError(_("The tax cannot be computed for these months: %(error)s", error=str(exc))) from exc


# --- issue 13: repair costs and the sample-rate refusal (kept apart from the collection flow) ---------

def _repair_cost(lease, repair_cost_fen) -> int:
    """Repair costs are a deduction of individuals' income tax (国税发〔1994〕89号): none for organizations."""
    repair_cost_fen = int(repair_cost_fen or 0)
    if repair_cost_fen < 0:
        raise CollectionError(_("Repair costs cannot be negative."), "repair_cost")
    if repair_cost_fen and lease.landlord_kind != "individual":
        raise CollectionError(_("Repair costs are deducted from an individual landlord's income tax only."),
                              "repair_cost")
    return repair_cost_fen


def sample_refusal(assessment: fees.Assessment) -> str | None:
    """Production only: why collecting on this assessment is refused (it rests on sample rates or sample
    guidance rents); None in demo mode or when everything is confirmed."""
    try:
        tax_services.refuse_sample_in_production(assessment)
    except tax_services.SampleRatesRefused as exc:
        return str(exc)
    return None


# --- the journal -------------------------------------------------------------------------------------

def entry_hash(entry: JournalEntry) -> str:
    return row_hash({name: getattr(entry, name) for name in sealed_fields(entry.seal_version)})


def _previous_hash(street_id: int, seq: int) -> str:
    if seq == 1:
        return GENESIS_HASH
    with unrestricted():
        prev = db.session.scalar(select(JournalEntry.row_hash)
                                 .where(JournalEntry.street_id == street_id, JournalEntry.seq == seq - 1))
    if prev is None:  # a gap can only come from tampering: refuse to extend a broken chain
        raise RuntimeError(f"journal of street {street_id}: row seq {seq - 1} is missing")
    return prev


def _append(street_id: int, **fields) -> JournalEntry:
    """Append one journal row to the street's chain (inside the caller's transaction), sealed with the
    current seal version (its tax period dates included)."""
    return _append_lines(street_id, [fields])[0]


def _append_lines(street_id: int, lines: list[dict]) -> list[JournalEntry]:
    """Append ``lines`` (in order) to the street's chain: the journal serial's lock and a block of
    positions in one round trip, the head's hash in one, the rows in one multi-row INSERT."""
    if not lines:
        return []
    with unrestricted():
        top, prev = next_serial_and_prev(
            "journal", street_id, 0, len(lines),
            lambda at: select(JournalEntry.row_hash).where(JournalEntry.street_id == street_id,
                                                           JournalEntry.seq == at).scalar_subquery())
    seq = top - len(lines) + 1
    if seq == 1:
        prev = GENESIS_HASH
    elif prev is None:  # a gap can only come from tampering: refuse to extend a broken chain
        raise RuntimeError(f"journal of street {street_id}: row seq {seq - 1} is missing")
    now = utcnow()
    entries = []
    for i, fields in enumerate(lines):
        values = dict(fields, street_id=street_id, seq=seq + i, created_at=now, prev_hash=prev,
                      seal_version=SEAL_VERSION)
        values.setdefault("reverses_id", None)
        entry = JournalEntry(**values, row_hash=row_hash(values))
        entries.append(entry)
        prev = entry.row_hash
    db.session.add_all(entries)
    db.session.flush()
    return entries


# --- the clerk's day ---------------------------------------------------------------------------------

def _day_row(street_id: int, clerk_id: int, business_date: date) -> None:
    db.session.execute(dialect_insert(ClerkDay).values(street_id=street_id, clerk_id=clerk_id,
                                                       business_date=business_date, closed=False)
                       .on_conflict_do_nothing(index_elements=["street_id", "clerk_id", "business_date"]))


def _set_day(street_id: int, clerk_id: int, business_date: date, *, closed: bool, when_closed: bool) -> bool:
    """``UPDATE clerk_day SET closed = :closed WHERE <the day> AND closed = :when_closed``: True when the row
    was taken (and is now locked until the transaction ends), False when the day is not in that state."""
    if not when_closed:  # one round trip: the row inserted in its new state, or taken when it is open
        got = db.session.execute(
            dialect_insert(ClerkDay).values(street_id=street_id, clerk_id=clerk_id, business_date=business_date,
                                            closed=closed)
            .on_conflict_do_update(index_elements=["street_id", "clerk_id", "business_date"],
                                   set_={"closed": closed}, where=ClerkDay.closed.is_(False))
            .returning(ClerkDay.id)).first()
        return got is not None
    _day_row(street_id, clerk_id, business_date)
    got = db.session.execute(
        update(ClerkDay).where(ClerkDay.street_id == street_id, ClerkDay.clerk_id == clerk_id,
                               ClerkDay.business_date == business_date, ClerkDay.closed.is_(when_closed))
        .values(closed=closed).returning(ClerkDay.id).execution_options(synchronize_session=False)).first()
    return got is not None


def _enter_day(street_id: int, clerk_id: int, business_date: date) -> None:
    """Take the clerk's day for a posting, or refuse it because the day is closed."""
    if not _set_day(street_id, clerk_id, business_date, closed=False, when_closed=False):
        raise CollectionError(_("The business day %(day)s is closed: nothing can be posted to it. "
                                "A supervisor can reopen it.", day=fmt_date(business_date)))


# --- collect -----------------------------------------------------------------------------------------

def _current_user():
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _by_key(key: str) -> Receipt | None:
    with unrestricted():
        return db.session.scalar(select(Receipt).where(Receipt.idempotency_key == key))


def _payer_name(lease) -> str:
    people = lease.landlords or lease.tenants or list(lease.parties)
    return "、".join(lp.party.name for lp in people)[:120] if people else "—"


def _lock_lease(lease, *, share: bool) -> None:
    """Lock the lease's row (``FOR SHARE`` for a collection, ``FOR UPDATE`` for a change of the filing) and
    reload it: what is checked next is the committed state, and no change of the filing runs meanwhile."""
    from counter.leases.models import Lease

    db.session.execute(select(Lease).where(Lease.id == lease.id).with_for_update(read=share, of=Lease)
                       .execution_options(populate_existing=True))  # locked and reloaded in one round trip


def _claim_periods(receipt: Receipt, periods: list[fees.Period], again: set[date]) -> set[date]:
    """Insert the receipt's periods; returns the first days that landed. A period paid meanwhile by another
    receipt (and not a recorded repeat) does not land: ``ON CONFLICT DO NOTHING`` on the partial unique index."""
    where = "released_at IS NULL AND is_repeat = " + ("false" if is_postgresql() else "0")
    rows = [{"street_id": receipt.street_id, "lease_id": receipt.lease_id, "receipt_id": receipt.id,
             "period_start": p.start, "period_end": p.end, "is_repeat": p.start in again} for p in periods]
    stmt = (dialect_insert(ReceiptPeriod).values(rows)
            .on_conflict_do_nothing(index_elements=["lease_id", "period_start"], index_where=text(where))
            .returning(ReceiptPeriod.period_start))
    return set(db.session.scalars(stmt))


def collect(lease, first, last, method: str, reference: str | None, idempotency_key: str,
            repeat_reason: str | None = None, *, clerk=None, business_date: date | None = None,
            repair_cost_fen: int = 0, tendered_fen: int | None = None) -> Receipt:
    """Collect the tax of the rent periods ``first..last`` and issue a receipt, in the caller's transaction.

    ``first`` / ``last`` name periods by their start date (or the month they start in, see
    :func:`tax_periods`). The same ``idempotency_key`` returns the receipt already issued and charges
    nothing. Refused (and nothing written): a closed day, a cancelled filing, periods outside the term,
    periods paid already without a repeat reason — also when another window paid them a moment ago.
    ``tendered_fen``: the cash handed over (cash only, at least the total; none given: the exact total)."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise CollectionError(_("The form has no valid submission key. Please reload the page."))
    existing = _by_key(key)
    if existing is not None:
        return _same_lease(existing, lease)

    clerk = clerk or _current_user()
    if clerk is None:
        raise CollectionError(_("A clerk must be given."))
    business_date = business_date or business_today()
    if method not in PAYMENT_METHODS:
        raise CollectionError(_("Choose a payment method."), "method")
    reference = (reference or "").strip() or None
    if method != "cash" and reference is None:
        raise CollectionError(_("Enter the payment reference for card, mobile and transfer payments."),
                              "reference")
    _enter_day(lease.street_id, clerk.id, business_date)  # lock 1: the clerk's day (refused when closed)
    _lock_lease(lease, share=True)  # lock 2: no termination, amendment or cancellation meanwhile
    twin = _by_key(key)  # the same form, posted twice: its twin committed while we waited for the day
    if twin is not None:
        return _same_lease(twin, lease)
    if lease.status == "cancelled":
        raise CollectionError(_("The lease filing is cancelled: no tax can be collected on it."))
    periods = tax_periods(lease, first, last)  # the term as it is now (the lease is locked)
    again = {p.start for p in periods} & paid_periods(lease)
    repeat_reason = (repeat_reason or "").strip() or None
    if again and repeat_reason is None:
        raise _already_paid(periods, again)
    assessment = _quote(lease, periods, repair_cost_fen)
    refused = sample_refusal(assessment)
    if refused:
        raise CollectionError(refused)
    if assessment.total_fen <= 0:
        raise CollectionError(_("The tax for these periods is zero: there is nothing to collect."))
    tendered_fen = _tendered(method, tendered_fen, assessment.total_fen)

    from counter.streets.models import Street

    street = db.session.get(Street, lease.street_id)
    year = business_date.year
    savepoint = db.session.begin_nested()
    seq = next_serial("receipt", lease.street_id, year)  # lock 3: the street's receipt numbers
    twin = _by_key(key)  # a concurrent twin committed while we waited for the street's serial lock
    if twin is not None:
        savepoint.rollback()
        return _same_lease(twin, lease)
    record_id = _record(lease, assessment)
    receipt = Receipt(
        street_id=lease.street_id, lease_id=lease.id, year=year, seq=seq,
        receipt_number=f"{street.short_code}-R{year}-{seq:06d}", payer_name=_payer_name(lease),
        first_month=str(periods[0].month), last_month=str(periods[-1].month), period_start=periods[0].start,
        period_end=periods[-1].end, total_fen=assessment.total_fen, method=method,
        payment_reference=reference, tendered_fen=tendered_fen, business_date=business_date, clerk_id=clerk.id,
        issued_at=utcnow(),
        status="issued", idempotency_key=key, assessment_record_id=record_id,
        repeat_reason=repeat_reason if again else None)
    db.session.add(receipt)
    db.session.flush()
    landed = _claim_periods(receipt, periods, again)
    if len(landed) != len(periods):  # paid meanwhile by another window (another tab, another clerk)
        savepoint.rollback()
        raise _already_paid(periods, {p.start for p in periods} - landed)
    _append_lines(lease.street_id, [
        dict(receipt_id=receipt.id, lease_id=lease.id, clerk_id=clerk.id, business_date=business_date,
             item=item.item, item_name_zh=item.name_zh, amount_fen=item.amount_fen, method=method,
             kind="collection", period_start=receipt.period_start, period_end=receipt.period_end)
        for item in assessment.items if item.amount_fen != 0])
    savepoint.commit()
    span = [receipt.period_start.isoformat(), receipt.period_end.isoformat()]
    record("collection.collect", obj=receipt, actor=clerk if _current_user() is None else None,
           summary=f"{receipt.receipt_number} {span[0]}..{span[1]} {receipt.total_fen} fen {method}",
           after={"receipt_number": receipt.receipt_number, "lease_id": lease.id, "total_fen": receipt.total_fen,
                  "method": method, "reference": reference, "tendered_fen": tendered_fen,
                  "months": [receipt.first_month, receipt.last_month], "periods": span,
                  "repeat_reason": receipt.repeat_reason, "repair_cost_fen": assessment.repair_cost_fen,
                  "repair_carry_fen": assessment.repair_carry_fen})
    return receipt


def _tendered(method: str, tendered_fen: int | None, total_fen: int) -> int | None:
    """实收: the cash handed over, at least the total (cash only); none given for cash: the exact total."""
    if method != "cash":
        if tendered_fen is not None:
            raise CollectionError(_("An amount tendered is recorded for cash payments only."), "tendered")
        return None
    if tendered_fen is None:
        return total_fen
    if tendered_fen < total_fen:
        raise CollectionError(_("The amount tendered is less than the total of %(total)s.",
                                total=money(total_fen)), "tendered")
    if tendered_fen > TENDERED_MAX_FEN:
        raise CollectionError(_("At most %(max)s.", max=money(TENDERED_MAX_FEN)), "tendered")
    return int(tendered_fen)


def change_due(total_fen: int, tendered_fen: int | None) -> Decimal | None:
    """找零 in yuan (Decimal), or None when no amount tendered was recorded."""
    if tendered_fen is None:
        return None
    return (Decimal(int(tendered_fen)) - Decimal(int(total_fen))) / 100


def _same_lease(receipt: Receipt, lease) -> Receipt:
    if receipt.street_id != lease.street_id or receipt.lease_id != lease.id:
        raise CollectionError(_("This submission key was used for another lease. Please reload the page."))
    return receipt


def _already_paid(periods: list[fees.Period], starts) -> CollectionError:
    return CollectionError(_("Already paid: %(months)s. Give the reason for paying these periods again.",
                             months=_labels(periods, starts)), "repeat_reason")


# --- corrections -------------------------------------------------------------------------------------

def _reverse(receipt: Receipt, reason: str, kind: str, actor) -> list[JournalEntry]:
    actor = actor or _current_user()
    if actor is None or not actor.can("collection.void"):
        raise PermissionError("a supervisor is required")
    reason = (reason or "").strip()
    if not reason:
        raise CollectionError(_("Give the reason."), "reason")
    today = business_today()
    _enter_day(receipt.street_id, actor.id, today)  # the supervisor pays back on their own (open) day
    now = utcnow()
    status = "void" if kind == "void" else "refunded"
    taken = db.session.execute(  # the receipt's one reversal: the loser of a race gets no row
        update(Receipt).where(Receipt.id == receipt.id, Receipt.status == "issued")
        .values(status=status, void_reason=reason, voided_at=now, voided_by_id=actor.id)
        .returning(Receipt.id).execution_options(synchronize_session=False)).first()
    db.session.expire(receipt)
    if taken is None:
        raise CollectionError(_("This receipt is already void or refunded."))
    db.session.execute(update(ReceiptPeriod).where(ReceiptPeriod.receipt_id == receipt.id,
                                                   ReceiptPeriod.released_at.is_(None))
                       .values(released_at=now, released_by_id=actor.id)
                       .execution_options(synchronize_session=False))  # its months count as unpaid again
    with unrestricted():
        originals = db.session.scalars(select(JournalEntry).where(
            JournalEntry.receipt_id == receipt.id, JournalEntry.kind == "collection")
            .order_by(JournalEntry.seq)).all()
    lines = _append_lines(receipt.street_id, [
        dict(receipt_id=receipt.id, lease_id=receipt.lease_id, clerk_id=actor.id, business_date=today, item=o.item,
             item_name_zh=o.item_name_zh, amount_fen=-o.amount_fen, method=o.method, kind=kind, reverses_id=o.id,
             period_start=receipt.period_start, period_end=receipt.period_end)
        for o in originals])
    record(f"collection.{kind}", obj=receipt, actor=actor if _current_user() is None else None,
           summary=f"{receipt.receipt_number}: {reason}", before={"status": "issued"},
           after={"status": status, "reason": reason, "reversal_ids": [e.id for e in lines]})
    return lines


def void_receipt(receipt: Receipt, reason: str, *, actor=None) -> list[JournalEntry]:
    """作废: a supervisor cancels a receipt; reversal lines (negative) point to the original lines."""
    return _reverse(receipt, reason, "void", actor)


def refund_receipt(receipt: Receipt, reason: str, *, actor=None) -> list[JournalEntry]:
    """退税: a supervisor refunds a receipt; reversal lines as for a void, the receipt is marked refunded."""
    return _reverse(receipt, reason, "refund", actor)


def receipt_balance(receipt: Receipt) -> int:
    """The journal's net amount for a receipt (0 after a void or refund)."""
    with unrestricted():
        return int(db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0))
                                     .where(JournalEntry.receipt_id == receipt.id)))


# --- day close ---------------------------------------------------------------------------------------

def day_figures(street_id: int, clerk_id: int, business_date: date) -> dict:
    """A clerk's day, derived from the journal: receipts, totals by method and by item, expected cash."""
    with unrestricted():
        rows = db.session.execute(
            select(JournalEntry.method, JournalEntry.item, JournalEntry.item_name_zh,
                   func.sum(JournalEntry.amount_fen))
            .where(JournalEntry.street_id == street_id, JournalEntry.clerk_id == clerk_id,
                   JournalEntry.business_date == business_date)
            .group_by(JournalEntry.method, JournalEntry.item, JournalEntry.item_name_zh)).all()
        receipt_count = db.session.scalar(select(func.count(Receipt.id)).where(
            Receipt.street_id == street_id, Receipt.clerk_id == clerk_id,
            Receipt.business_date == business_date)) or 0
        void_count = db.session.scalar(select(func.count(Receipt.id)).where(
            Receipt.street_id == street_id, Receipt.clerk_id == clerk_id,
            Receipt.business_date == business_date, Receipt.status != "issued")) or 0
    by_method = {m: 0 for m in PAYMENT_METHODS}
    by_item: dict[str, dict] = {}
    for method, item, name_zh, amount in rows:
        by_method[method] += int(amount)
        slot = by_item.setdefault(item, {"name_zh": name_zh, "amount_fen": 0})
        slot["amount_fen"] += int(amount)
    return {"receipt_count": int(receipt_count), "void_count": int(void_count), "by_method": by_method,
            "by_item": by_item, "total_fen": sum(by_method.values()), "expected_cash_fen": by_method["cash"]}


def day_is_closed(street_id: int, clerk_id: int, business_date: date) -> bool:
    """Whether the clerk's day is closed (read only: a posting still takes the row and is refused there)."""
    with unrestricted():
        return bool(db.session.scalar(select(ClerkDay.closed).where(
            ClerkDay.street_id == street_id, ClerkDay.clerk_id == clerk_id, ClerkDay.business_date == business_date)))


def find_day_close(street_id: int, clerk_id: int, business_date: date) -> DayClose | None:
    return db.session.scalar(select(DayClose).where(DayClose.street_id == street_id, DayClose.clerk_id == clerk_id,
                                                    DayClose.business_date == business_date)
                             .execution_options(populate_existing=True))


def close_day(clerk, business_date: date, counted_cash_fen: int, note: str | None = None, *,
              expected_seen_fen: int | None = None) -> DayClose:
    """日结 with a blind count: the counted cash is taken first; expected cash and variance are computed
    and stored here, and only shown afterwards. A reopened day is closed again with a new count.

    The clerk's day is taken first (``UPDATE clerk_day SET closed = true WHERE ... AND closed = false``):
    a collection of the same clerk and day in flight is committed before the figures are read (it holds
    the row), one that comes later is refused (the day is closed). The close anchors the street's journal
    head and, at commit, the audit chain's head (:class:`LedgerAnchor`).

    ``expected_seen_fen``: the expected cash the clerk confirmed (step 2 of the page); a close whose
    figures, read under the day's lock, differ from it is refused (a posting landed meanwhile) and the
    caller's transaction is rolled back."""
    if counted_cash_fen is None or int(counted_cash_fen) < 0:
        raise CollectionError(_("Enter the cash counted (0 or more)."), "counted_cash")
    street_id = clerk.street_id
    if not _set_day(street_id, clerk.id, business_date, closed=True, when_closed=False):
        raise CollectionError(_("This business day is already closed."))
    existing = find_day_close(street_id, clerk.id, business_date)
    if existing is not None and existing.status == "closed":
        raise CollectionError(_("This business day is already closed."))
    figures = day_figures(street_id, clerk.id, business_date)
    expected = figures["expected_cash_fen"]
    if expected_seen_fen is not None and int(expected_seen_fen) != expected:
        raise CollectionError(_("The expected cash changed while you were checking (a receipt was issued or "
                                "reversed): check the figures again."), "expected_cash")
    counted = int(counted_cash_fen)
    note = (note or "").strip() or None
    totals = {"by_method": figures["by_method"], "by_item": figures["by_item"], "total_fen": figures["total_fen"],
              "void_count": figures["void_count"]}
    before = None
    dc = existing
    if dc is None:
        dc = DayClose(street_id=street_id, clerk_id=clerk.id, business_date=business_date)
        db.session.add(dc)
    else:
        before = {"status": dc.status, "counted_cash_fen": dc.counted_cash_fen,
                  "expected_cash_fen": dc.expected_cash_fen, "variance_fen": dc.variance_fen}
    dc.status = "closed"
    dc.receipt_count = figures["receipt_count"]
    dc.totals = totals
    dc.counted_cash_fen = counted
    dc.expected_cash_fen = expected
    dc.variance_fen = counted - expected
    dc.variance_note = note
    dc.closed_at = utcnow()
    dc.signed_by_id = None
    dc.signed_at = None
    db.session.flush()
    journal = record_anchor("journal", street_id, "day_close", day_close_id=dc.id)
    record("dayclose.close", obj=dc, actor=clerk if _current_user() is None else None,
           summary=f"{business_date.isoformat()} counted {counted} expected {expected}", before=before,
           after={"counted_cash_fen": counted, "expected_cash_fen": expected, "variance_fen": dc.variance_fen,
                  "receipt_count": dc.receipt_count, "totals": totals, "note": note,
                  "journal_head": [journal.seq, journal.head_hash]})
    anchor_at_commit(db.session(), "day_close", dc.id)  # the audit log's head, this close's entry included
    return dc


def chain_head(day_close: DayClose) -> LedgerAnchor | None:
    """The journal head anchored by the day close's latest closing (None for a close made before 0007)."""
    with unrestricted():
        return db.session.scalar(select(LedgerAnchor).where(LedgerAnchor.day_close_id == day_close.id,
                                                            LedgerAnchor.chain == "journal")
                                 .order_by(LedgerAnchor.id.desc()).limit(1))


def _update_close(day_close: DayClose, *conditions, **values) -> bool:
    """A conditional update of the day close (``WHERE id = ? AND <conditions>``); False when the row is
    not in that state any more (another supervisor acted first). The object is reloaded either way."""
    got = db.session.execute(update(DayClose).where(DayClose.id == day_close.id, *conditions).values(**values)
                             .returning(DayClose.id).execution_options(synchronize_session=False)).first()
    db.session.expire(day_close)
    return got is not None


def explain_variance(day_close: DayClose, note: str) -> DayClose:
    """Record the note explaining a cash variance (before the supervisor signs)."""
    note = (note or "").strip()
    if not note:
        raise CollectionError(_("Explain the difference between counted and expected cash."), "note")
    before = {"variance_note": day_close.variance_note}
    if not _update_close(day_close, DayClose.status == "closed", DayClose.signed_by_id.is_(None),
                         variance_note=note):
        raise CollectionError(_("The day close is signed or reopened: the note can no longer be changed."))
    record("dayclose.note", obj=day_close, before=before, after={"variance_note": note})
    return day_close


def sign_day_close(day_close: DayClose, supervisor) -> DayClose:
    """A supervisor signs the handover (交接签字). Not one's own day; a variance needs its note first.
    One conditional update: a close reopened or signed a moment ago is refused."""
    if supervisor is None or not supervisor.can("dayclose.sign"):
        raise PermissionError("a supervisor is required")
    if supervisor.id == day_close.clerk_id:
        raise CollectionError(_("Another supervisor must sign your own day close."))
    signed = _update_close(day_close, DayClose.status == "closed", DayClose.signed_by_id.is_(None),
                           (DayClose.variance_fen == 0) | DayClose.variance_note.is_not(None),
                           signed_by_id=supervisor.id, signed_at=utcnow())
    if not signed:
        if day_close.status != "closed":
            raise CollectionError(_("Only a closed day can be signed."))
        if day_close.signed_by_id is not None:
            raise CollectionError(_("This day close is already signed."))
        raise CollectionError(_("The cash variance needs a note before the day close can be signed."))
    record("dayclose.sign", obj=day_close, actor=supervisor if _current_user() is None else None,
           summary=f"{day_close.business_date.isoformat()} clerk {day_close.clerk_id}")
    return day_close


def reopen_day(day_close: DayClose, reason: str, *, actor=None) -> DayClose:
    """A supervisor reopens a closed day (with a reason, in the audit log); postings are accepted again.
    The clerk's day first (lock order), then the close: two reopenings, or a reopening and a close, serialise."""
    actor = actor or _current_user()
    if actor is None or not actor.can("dayclose.reopen"):
        raise PermissionError("a supervisor is required")
    reason = (reason or "").strip()
    if not reason:
        raise CollectionError(_("Give the reason."), "reason")
    before = {"status": day_close.status, "signed_by_id": day_close.signed_by_id,
              "counted_cash_fen": day_close.counted_cash_fen, "variance_fen": day_close.variance_fen}
    day = (day_close.street_id, day_close.clerk_id, day_close.business_date)
    if not _set_day(*day, closed=False, when_closed=True) or not _update_close(
            day_close, DayClose.status == "closed", status="reopened", reopened_by_id=actor.id,
            reopened_at=utcnow(), reopen_reason=reason):
        raise CollectionError(_("This day is not closed."))
    record("dayclose.reopen", obj=day_close, actor=actor if _current_user() is None else None,
           summary=f"{day_close.business_date.isoformat()}: {reason}", before=before,
           after={"status": "reopened", "reason": reason})
    return day_close


# --- summaries ---------------------------------------------------------------------------------------

def journal_summary(street_id: int, start: date, end: date) -> dict:
    """Sums of one street's journal for business dates start..end (inclusive), by item and by method."""
    with unrestricted():
        rows = db.session.execute(
            select(JournalEntry.item, JournalEntry.method, func.sum(JournalEntry.amount_fen), func.count())
            .where(JournalEntry.street_id == street_id, JournalEntry.business_date >= start,
                   JournalEntry.business_date <= end)
            .group_by(JournalEntry.item, JournalEntry.method)).all()
    by_item: dict[str, int] = {}
    by_method: dict[str, int] = {}
    lines = 0
    for item, method, amount, count in rows:
        by_item[item] = by_item.get(item, 0) + int(amount)
        by_method[method] = by_method.get(method, 0) + int(amount)
        lines += int(count)
    return {"by_item": by_item, "by_method": by_method, "total_fen": sum(by_item.values()), "lines": lines}


# --- print data (for counter/documents) --------------------------------------------------------------

def _yuan(fen: int) -> str:
    return fees.format_yuan(fen)


def receipt_print_data(receipt: Receipt) -> dict:
    """Plain values for the printed receipt (Chinese official document)."""
    from counter.streets.models import Street

    with unrestricted():
        street = db.session.get(Street, receipt.street_id)
        lease = receipt.lease
        lines = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == receipt.id,
                                                              JournalEntry.kind == "collection")
                                   .order_by(JournalEntry.seq)).all()
    return {
        "receipt_number": receipt.receipt_number,
        "street_name": street.name_zh, "office_name": street.office_name_zh,
        "window_address": street.window_address, "window_phone": street.window_phone,
        "payer_name": receipt.payer_name,
        "lease_registration_number": lease.registration_number if lease else "",
        "property_address": lease.premises.full_address if lease else "",
        "first_month": receipt.first_month, "last_month": receipt.last_month,
        "period_start": receipt.period_start.isoformat(), "period_end": receipt.period_end.isoformat(),
        "period": f"{receipt.period_start.isoformat()} 至 {receipt.period_end.isoformat()}",
        "lines": [{"item": e.item, "name_zh": e.item_name_zh, "amount_fen": e.amount_fen,
                   "amount": _yuan(e.amount_fen)} for e in lines],
        "total_fen": receipt.total_fen, "total": _yuan(receipt.total_fen),
        "method": receipt.method, "method_zh": printed(METHOD_LABELS[receipt.method]),
        "payment_reference": receipt.payment_reference or "",
        "tendered": _yuan(receipt.tendered_fen) if receipt.tendered_fen is not None else "",
        "change": _yuan(receipt.change_fen) if receipt.tendered_fen is not None else "",
        "business_date": receipt.business_date.isoformat(),
        "issued_at": to_local(receipt.issued_at).strftime("%Y-%m-%d %H:%M"),
        "clerk_name": receipt.clerk.signature if receipt.clerk else "",
        "status": receipt.status, "status_zh": printed(RECEIPT_STATUS_LABELS[receipt.status]),
        "void_reason": receipt.void_reason or "",
        "repeat_reason": receipt.repeat_reason or "",
    }


def day_close_print_data(day_close: DayClose) -> dict:
    """Plain values for the printed day-close sheet (日结单)."""
    from counter.streets.models import Street

    with unrestricted():
        street = db.session.get(Street, day_close.street_id)
        receipts = db.session.scalars(select(Receipt).where(
            Receipt.street_id == day_close.street_id, Receipt.clerk_id == day_close.clerk_id,
            Receipt.business_date == day_close.business_date).order_by(Receipt.seq)).all()
    totals = day_close.totals or {}
    anchor = chain_head(day_close)
    by_method = totals.get("by_method", {})
    by_item = totals.get("by_item", {})
    return {
        "street_name": street.name_zh, "office_name": street.office_name_zh,
        "business_date": day_close.business_date.isoformat(),
        "clerk_name": day_close.clerk.display_name if day_close.clerk else "",
        "status": day_close.status, "receipt_count": day_close.receipt_count,
        "by_method": [{"method": m, "name_zh": printed(METHOD_LABELS[m]), "amount_fen": int(by_method.get(m, 0)),
                       "amount": _yuan(int(by_method.get(m, 0)))} for m in PAYMENT_METHODS],
        "by_item": [{"item": k, "name_zh": v["name_zh"], "amount_fen": v["amount_fen"],
                     "amount": _yuan(v["amount_fen"])} for k, v in by_item.items()],
        "total_fen": int(totals.get("total_fen", 0)), "total": _yuan(int(totals.get("total_fen", 0))),
        "counted_cash_fen": day_close.counted_cash_fen, "counted_cash": _yuan(day_close.counted_cash_fen),
        "expected_cash_fen": day_close.expected_cash_fen, "expected_cash": _yuan(day_close.expected_cash_fen),
        "variance_fen": day_close.variance_fen, "variance": _yuan(day_close.variance_fen),
        "variance_note": day_close.variance_note or "",
        "closed_at": to_local(day_close.closed_at).strftime("%Y-%m-%d %H:%M"),
        "signed_by": day_close.signed_by.display_name if day_close.signed_by else "",
        "signed_at": to_local(day_close.signed_at).strftime("%Y-%m-%d %H:%M") if day_close.signed_at else "",
        # the street's journal head this close anchored (台账链头): seq and the first 16 hex digits of its hash
        "chain_seq": anchor.seq if anchor is not None else None,
        "chain_head": anchor.head_hash[:16] if anchor is not None else "",
        "receipts": [{"receipt_number": r.receipt_number, "payer_name": r.payer_name, "total_fen": r.total_fen,
                      "total": _yuan(r.total_fen), "method_zh": printed(METHOD_LABELS[r.method]),
                      "status_zh": printed(RECEIPT_STATUS_LABELS[r.status])} for r in receipts],
    }


__all__ = ["CollectionError", "ChainProblem", "quote", "tax_periods", "lease_periods", "lease_term", "period_label",
           "unpaid_periods", "paid_months", "paid_periods", "collect",
           "sample_refusal", "void_receipt", "refund_receipt", "receipt_balance", "day_figures", "close_day",
           "explain_variance", "sign_day_close", "reopen_day", "chain_head", "verify_chain", "verify_ledger",
           "journal_summary", "receipt_print_data", "day_close_print_data", "lease_months", "row_hash", "entry_hash"]


# --- the lease page's tax story (issue 15) -------------------------------------------------------------

@dataclass
class HeldPeriod:
    start: date
    end: date
    amount_fen: int | None  # the tax of this period on the receipt (None: a record without per-period lines)


@dataclass
class ReceiptStory:
    receipt: Receipt
    periods: list[HeldPeriod]  # the periods the receipt holds (all of them, or those after a cut-off day)

    @property
    def amount_fen(self) -> int:
        """The tax of :attr:`periods` (the whole receipt when its record has no per-period amounts)."""
        if any(p.amount_fen is None for p in self.periods):
            return int(self.receipt.total_fen)
        return sum(int(p.amount_fen) for p in self.periods)


def _period_amounts(receipt: Receipt) -> dict[date, int]:
    """Period start -> the receipt's tax for it, from the stored assessment (empty when there is none)."""
    if not receipt.assessment_record_id:
        return {}
    from counter.tax.models import AssessmentRecord

    with unrestricted():
        rec = db.session.get(AssessmentRecord, receipt.assessment_record_id)
    if rec is None:
        return {}
    out: dict[date, int] = {}
    for line in fees.Assessment.from_dict(rec.result).lines:
        out[line.period.start] = out.get(line.period.start, 0) + int(line.amount_fen)
    return out


def receipt_stories(lease) -> list[ReceiptStory]:
    """Every receipt of the lease (newest first) with the periods it covers (released ones included, so a
    void receipt still shows what it covered) and each period's tax."""
    receipts = list(db.session.scalars(select(Receipt).where(Receipt.lease_id == lease.id)
                                       .order_by(Receipt.id.desc())))
    if not receipts:
        return []
    rows = db.session.scalars(select(ReceiptPeriod).where(ReceiptPeriod.receipt_id.in_([r.id for r in receipts]))
                              .order_by(ReceiptPeriod.period_start)).all()
    by_receipt: dict[int, list[ReceiptPeriod]] = {}
    for row in rows:
        by_receipt.setdefault(row.receipt_id, []).append(row)
    out = []
    for r in receipts:
        amounts = _period_amounts(r)
        periods = [HeldPeriod(p.period_start, p.period_end, amounts.get(p.period_start) if amounts else None)
                   for p in by_receipt.get(r.id, [])]
        if not periods:  # receipts from before receipt_period rows: their span
            periods = [HeldPeriod(r.period_start, r.period_end, None)]
        out.append(ReceiptStory(r, periods))
    return out


def collected_after(lease, day: date | None) -> list[ReceiptStory]:
    """The issued receipts of the lease holding tax periods that end after ``day`` (None: every period —
    a cancelled filing), each with those periods only: what a termination or a cancellation leaves to
    refund."""
    out = []
    for story in receipt_stories(lease):
        if story.receipt.status != "issued":
            continue
        later = [p for p in story.periods if day is None or p.end > day]
        if later:
            out.append(ReceiptStory(story.receipt, later))
    return out


def lease_tax_story(lease) -> dict:
    """What the lease page shows of the lease's tax: receipts with their periods, the unpaid periods (those
    already started apart), the tax collected (issued receipts) and, for a terminated or cancelled lease,
    the receipts holding periods after its end."""
    stories = receipt_stories(lease)
    unpaid = unpaid_periods(lease) if lease.status != "cancelled" else []
    today = business_today()
    refund_day = None if lease.status == "cancelled" else (lease.ended_on if lease.status == "terminated" else False)
    after = collected_after(lease, refund_day) if refund_day is not False else []
    return {"receipts": stories, "unpaid": unpaid, "unpaid_due": [p for p in unpaid if p.start <= today],
            "collected_fen": sum(int(s.receipt.total_fen) for s in stories if s.receipt.status == "issued"),
            "after_end": after, "after_end_fen": sum(s.amount_fen for s in after)}
