"""The document register (打印登记簿): one append-only row per printed paper, and the public
verification counts (one row per document and day). A reprint (补打) is a NEW row pointing to the first
print (``original_id``); no register row is ever updated. A document's status (valid / void / superseded)
is derived, never stored."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

DOCUMENT_KINDS = ("certificate", "info_slip", "receipt", "day_close", "ledger_report")
DOCUMENT_STATUSES = ("valid", "void", "superseded")


class PrintedDocument(StreetScoped, db.Model):
    """打印登记: a printed proof with its document number (DOC-FT01-2026-000123) and verification code."""

    __tablename__ = "printed_document"
    __table_args__ = (
        UniqueConstraint("street_id", "year", "seq"),
        UniqueConstraint("original_id", "reprint_no"),
        CheckConstraint("kind IN ('certificate', 'info_slip', 'receipt', 'day_close', 'ledger_report')",
                        name="kind_known"),
        CheckConstraint("reprint_no >= 0", name="reprint_nonnegative"),
        CheckConstraint("(reprint_no = 0 AND original_id IS NULL) OR "
                        "(reprint_no > 0 AND original_id IS NOT NULL AND reprint_reason IS NOT NULL)",
                        name="reprint_consistent"),
        Index("ix_printed_document_street_issue", "street_id", "issue_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    doc_number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # DOC-FT01-2026-000123
    verify_code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("lease.id"), nullable=True, index=True)
    lease_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version printed
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), nullable=True, index=True)
    day_close_id: Mapped[int | None] = mapped_column(ForeignKey("day_close.id"), nullable=True, index=True)
    period: Mapped[str | None] = mapped_column(String(7), nullable=True)  # YYYY-MM of a ledger report
    holder_name: Mapped[str] = mapped_column(String(120), nullable=False)
    holder_party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 学位申请
    paper: Mapped[str | None] = mapped_column(String(4), nullable=True)  # A4 / A5 (slips)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("printed_document.id"), nullable=True, index=True)
    reprint_no: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reprint_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    printed_by_name: Mapped[str] = mapped_column(String(64), nullable=False)
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    print_date: Mapped[date] = mapped_column(Date, nullable=False)  # business date of THIS print
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)  # business date of the ORIGINAL issue

    lease = relationship("Lease")
    receipt = relationship("Receipt")
    day_close = relationship("DayClose")
    original: Mapped["PrintedDocument | None"] = relationship(remote_side=[id])

    @property
    def root_id(self) -> int:
        return self.original_id or self.id

    @property
    def is_reprint(self) -> bool:
        return self.reprint_no > 0


class VerificationCount(db.Model):
    """核验记录: how many times a document was checked on the public page, per business day. One row per
    document and day, incremented by an atomic upsert (no visitor data, no row per anonymous hit), so
    the table is bounded by documents × days however often a code is requested."""

    __tablename__ = "verification_count"
    __table_args__ = (CheckConstraint("checks > 0", name="checks_positive"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("printed_document.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    checks: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


VerificationLog = VerificationCount  # the name before issue 12 (a row per check)
