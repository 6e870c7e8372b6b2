"""Receipts (代征税款收据), the append-only journal (台账) and day closes (日结).

Money is integer fen. The journal is append-only (database triggers, migration 0004) and
tamper-evident: each row's ``row_hash`` is the HMAC-SHA256, under the ledger key held outside the
database (:mod:`counter.core.ledger_key`), of a canonical serialisation of its fields plus the previous
row's hash of the same street (``prev_hash``); the first row of a street chains to 64 zeros. Rows
written before migration 0007 carry a plain SHA-256 and are covered by the migration's anchor
(:class:`LedgerAnchor`). Balances and totals are derived from the journal, never stored as editable numbers
(``DayClose.totals`` is a signed snapshot of a handover, not a balance).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

PAYMENT_METHODS = ("cash", "card", "mobile", "transfer")
RECEIPT_STATUSES = ("issued", "void", "refunded")
JOURNAL_KINDS = ("collection", "void", "refund")
DAY_CLOSE_STATUSES = ("closed", "reopened")
GENESIS_HASH = "0" * 64
TENDERED_MAX_FEN = 240_000_000_000  # counter.core.validation.AMOUNT_MAX in fen (migration 0015)


class Receipt(StreetScoped, db.Model):
    """代征税款收据: one payment of rental tax for a run of rent periods of one lease.

    ``period_start`` / ``period_end`` (migration 0011): the first period's first day and the last period's
    last day (税款所属期); ``first_month`` / ``last_month`` name the months those periods start in. Receipts
    from before rent periods covered calendar months: the migration filled their dates from the months
    (2024-03 .. 2024-05 -> 2024-03-01 .. 2024-05-31)."""

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("street_id", "year", "seq"),
        CheckConstraint("method IN ('cash', 'card', 'mobile', 'transfer')", name="method_known"),
        CheckConstraint("status IN ('issued', 'void', 'refunded')", name="status_known"),
        CheckConstraint("total_fen >= 0", name="total_nonnegative"),
        CheckConstraint("first_month <= last_month", name="months_ordered"),
        CheckConstraint("period_start <= period_end", name="periods_ordered"),  # 0011 (SQLite: a trigger)
        # 0015: the cash handed over; the change (找零) is tendered - total, never stored
        CheckConstraint(f"tendered_fen IS NULL OR (method = 'cash' AND tendered_fen >= total_fen "
                        f"AND tendered_fen <= {TENDERED_MAX_FEN})", name="tendered_cash"),
        Index("ix_receipt_street_date", "street_id", "business_date"),
    )
    # Migration 0007: a trigger allows only the status transition issued -> void | refunded (with its
    # reason, time and supervisor); every other column is frozen once issued, and receipts are never deleted.

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("lease.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    receipt_number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # FT01-R2026-000001
    payer_name: Mapped[str] = mapped_column(String(120), nullable=False)
    first_month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM
    last_month: Mapped[str] = mapped_column(String(7), nullable=False)
    # NOT NULL on PostgreSQL; on SQLite (a column added to a guarded table) a trigger refuses NULL on insert
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    tendered_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # cash only (0015)
    payment_reference: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="issued")
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    assessment_record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # tax.AssessmentRecord, no FK
    repeat_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    lease = relationship("Lease")
    clerk = relationship("User", foreign_keys=[clerk_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    lines: Mapped[list["JournalEntry"]] = relationship(back_populates="receipt", order_by="JournalEntry.seq",
                                                       viewonly=True)

    @property
    def months(self) -> tuple[str, str]:
        return self.first_month, self.last_month

    @property
    def change_fen(self) -> int | None:
        """找零: the cash handed back (None when no tendered amount was recorded)."""
        return None if self.tendered_fen is None else self.tendered_fen - self.total_fen


class JournalEntry(StreetScoped, db.Model):
    """台账分录: one line per tax item per receipt (and per reversal). Append-only, hash-chained per street.

    ``seal_version`` (migration 0011): 1 for rows sealed before (their period dates are NULL: the
    receipt's dates apply), 2 for rows whose seal also covers ``period_start`` / ``period_end`` (the
    receipt's span, reversal lines too). See :mod:`counter.collection.integrity`."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        UniqueConstraint("street_id", "seq"),
        CheckConstraint("kind IN ('collection', 'void', 'refund')", name="kind_known"),
        CheckConstraint("method IN ('cash', 'card', 'mobile', 'transfer')", name="method_known"),
        CheckConstraint("seal_version IN (1, 2) AND (seal_version = 1 OR (period_start IS NOT NULL AND "
                        "period_end IS NOT NULL AND period_start <= period_end))", name="sealed_periods"),  # 0011
        Index("ix_journal_street_date", "street_id", "business_date"),
        # a journal line is reversed at most once (migration 0007; rows before it are checked by verify)
        Index("ux_journal_entry_reverses_id", "reverses_id", unique=True,
              postgresql_where=text("reverses_id IS NOT NULL"), sqlite_where=text("reverses_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), nullable=False, index=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("lease.id"), nullable=False, index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    item: Mapped[str] = mapped_column(String(32), nullable=False)  # fees item code, e.g. "vat"
    item_name_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)  # signed: reversals negative
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # no Python default: the application always says which seal it wrote; rows before 0011 are version 1
    seal_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)

    receipt: Mapped[Receipt] = relationship(back_populates="lines")


class DayClose(StreetScoped, db.Model):
    """日结: a clerk's business day, closed with a blind cash count and signed by a supervisor."""

    __tablename__ = "day_close"
    __table_args__ = (
        UniqueConstraint("street_id", "clerk_id", "business_date"),
        CheckConstraint("status IN ('closed', 'reopened')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="closed")
    receipt_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    totals: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # {"by_method": {...}, "by_item": {...}}
    counted_cash_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expected_cash_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    variance_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)  # counted - expected
    variance_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reopen_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    clerk = relationship("User", foreign_keys=[clerk_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    reopened_by = relationship("User", foreign_keys=[reopened_by_id])


class ReceiptPeriod(StreetScoped, db.Model):
    """计税期间占用: one tax period of a lease covered by one receipt.

    The database holds the rule "a period of a lease is covered by at most one issued receipt unless a
    repeat reason was recorded": a partial unique index on (lease_id, period_start) over the rows that
    are neither released (the receipt was voided or refunded) nor a recorded repeat. A collection
    inserts its rows with ``INSERT ... ON CONFLICT DO NOTHING``; a row that does not land is a period
    paid meanwhile by another window, and the collection is refused.

    Periods are keyed by their first day (``period_start``) and carry their last day: the lease's rent
    periods (2024-03-15 .. 2024-04-14, :func:`counter.collection.services.tax_periods`); receipts from
    before rent periods hold calendar months (2024-03-01 .. 2024-03-31), which stay valid: a rent period
    overlapping one still held counts as paid (:func:`counter.collection.services.paid_periods`).
    Rows are never deleted; ``released_at`` / ``released_by_id`` are the only columns that change,
    once, from NULL (trigger, migration 0007)."""

    __tablename__ = "receipt_period"
    __table_args__ = (
        UniqueConstraint("receipt_id", "period_start"),
        CheckConstraint("period_start <= period_end", name="period_ordered"),
        Index("ux_receipt_period_paid_once", "lease_id", "period_start", unique=True,
              postgresql_where=text("released_at IS NULL AND is_repeat = false"),
              sqlite_where=text("released_at IS NULL AND is_repeat = 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("lease.id"), nullable=False, index=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), nullable=False, index=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    is_repeat: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # paid again, with a reason
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class ClerkDay(StreetScoped, db.Model):
    """营业日: the row standing for one clerk's business day, the lock that serialises the day's
    postings (collections, and the reversals a supervisor posts to their own day) with its close.

    A posting takes it with ``UPDATE clerk_day SET closed = false WHERE ... AND closed = false`` (a row
    lock; refused when no row is returned: the day is closed); a close with ``UPDATE ... SET closed = true
    WHERE ... AND closed = false``, then reads the journal. On PostgreSQL the row lock is held until the
    transaction ends, so a posting is either committed before the close reads the figures, or it waits
    and finds the day closed. A supervisor's reopening sets ``closed`` back to false."""

    __tablename__ = "clerk_day"
    __table_args__ = (UniqueConstraint("street_id", "clerk_id", "business_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


ANCHOR_CHAINS = ("journal", "audit")
ANCHOR_KINDS = ("migration", "day_close", "command")


class LedgerAnchor(db.Model):
    """锚点: the head of a chain (a street's journal, or the audit log) recorded at a moment — by
    migration 0007 (which also marks where plain SHA-256 rows end), at every day close, and by
    ``counter ledger anchor``. Sealed with the ledger key (``mac``) and append-only. ``counter ledger
    verify`` checks that each anchored row still exists and still has the recorded hash: rows removed
    from the tail, even with the serial counter lowered, and chains recomputed from scratch are found."""

    __tablename__ = "ledger_anchor"
    __table_args__ = (
        CheckConstraint("chain IN ('journal', 'audit')", name="chain_known"),
        CheckConstraint("kind IN ('migration', 'day_close', 'command')", name="kind_known"),
        Index("ix_ledger_anchor_chain", "chain", "street_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(16), nullable=False)
    street_id: Mapped[int] = mapped_column(Integer, nullable=False)  # 0: the audit log (district-wide)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # 0: the chain was empty
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    day_close_id: Mapped[int | None] = mapped_column(ForeignKey("day_close.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)


class JournalRollup(StreetScoped, db.Model):
    """日汇总: the journal summed per street, business day, tax item, payment method and kind (migration
    0014). Written by a database trigger in the same transaction as each journal line (so it cannot fall
    behind the journal); read by the monthly summary, the district overview and the statistics, whose cost
    then depends on the days and streets, not on the journal's length. ``receipts``: the receipts whose
    first line of that kind landed in the row (a receipt's lines share its day and method, so the sum over
    rows of a day and method is the count of distinct receipts). Guarded: only the sums change, never the
    key; never deleted. ``counter ledger verify`` recomputes it from the journal (``rollup``)."""

    __tablename__ = "journal_rollup"
    __table_args__ = (
        UniqueConstraint("street_id", "business_date", "item", "item_name_zh", "method", "kind",
                         name="ux_journal_rollup_key"),
        Index("ix_journal_rollup_date", "business_date", "street_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    item: Mapped[str] = mapped_column(String(32), nullable=False)
    item_name_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    receipts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class JournalDayTotal(StreetScoped, db.Model):
    """A street's business day in the journal (migration 0014): the lines' sum and count, written by the
    same trigger as :class:`JournalRollup`; read by the district overview and the statistics. Guarded like
    it; checked by ``counter ledger verify`` (``rollup``)."""

    __tablename__ = "journal_day_total"
    __table_args__ = (UniqueConstraint("street_id", "business_date", name="ux_journal_day_total_key"),
                      Index("ix_journal_day_total_date", "business_date", "street_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
