"""Receipts (代征税款收据), the append-only journal (台账) and day closes (日结).

Money is integer fen. The journal is append-only (database triggers, migration 0004) and
tamper-evident: each row's ``row_hash`` is the SHA-256 of a canonical serialisation of its fields
plus the previous row's hash of the same street (``prev_hash``); the first row of a street chains to
64 zeros. Balances and totals are derived from the journal, never stored as editable numbers
(``DayClose.totals`` is a signed snapshot of a handover, not a balance).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

PAYMENT_METHODS = ("cash", "card", "mobile", "transfer")
RECEIPT_STATUSES = ("issued", "void", "refunded")
JOURNAL_KINDS = ("collection", "void", "refund")
DAY_CLOSE_STATUSES = ("closed", "reopened")
GENESIS_HASH = "0" * 64


class Receipt(StreetScoped, db.Model):
    """代征税款收据: one payment of rental tax for a run of months of one lease."""

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("street_id", "year", "seq"),
        CheckConstraint("method IN ('cash', 'card', 'mobile', 'transfer')", name="method_known"),
        CheckConstraint("status IN ('issued', 'void', 'refunded')", name="status_known"),
        CheckConstraint("total_fen >= 0", name="total_nonnegative"),
        CheckConstraint("first_month <= last_month", name="months_ordered"),
        Index("ix_receipt_street_date", "street_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("lease.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    receipt_number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # FT01-R2026-000001
    payer_name: Mapped[str] = mapped_column(String(120), nullable=False)
    first_month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM
    last_month: Mapped[str] = mapped_column(String(7), nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
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


class JournalEntry(StreetScoped, db.Model):
    """台账分录: one line per tax item per receipt (and per reversal). Append-only, hash-chained per street."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        UniqueConstraint("street_id", "seq"),
        CheckConstraint("kind IN ('collection', 'void', 'refund')", name="kind_known"),
        CheckConstraint("method IN ('cash', 'card', 'mobile', 'transfer')", name="method_known"),
        Index("ix_journal_street_date", "street_id", "business_date"),
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
