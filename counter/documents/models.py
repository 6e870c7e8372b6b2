"""The document register (打印登记簿): one append-only row per printed paper, and the public
verification counts (one row per document and day). A reprint (补打) is a NEW row pointing to the first
print (``original_id``); no register row is ever updated. A document's status (valid / void / superseded)
is derived, never stored.

**One original** (原件) per document, enforced by the database: a partial unique index per kind over
what the paper shows, among the rows with ``is_original`` —

=============  ===============================================  =======================================
kind           one original per                                 a new original when
=============  ===============================================  =======================================
certificate    lease, lease version                             the lease is amended (version + 1)
info_slip      lease, lease version, tenant named on the slip   idem
receipt        receipt                                          never (a void receipt is reprinted)
day_close      day close, its close time                        the day is reopened and closed again
ledger_report  street, month, last journal entry of the month   a posting is added to the month
=============  ===============================================  =======================================

Any further print is a reprint (补打) of that original, with a reason and a count. Rows printed before
the rule (migration 0010) have ``is_original`` NULL and are outside the indexes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

DOCUMENT_KINDS = ("certificate", "info_slip", "receipt", "day_close", "ledger_report")
DOCUMENT_STATUSES = ("valid", "void", "superseded")

# kind -> the columns that name what one original shows (see the module docstring)
ORIGINAL_SUBJECT = {
    "certificate": ("lease_id", "lease_version"),
    "info_slip": ("lease_id", "lease_version", "holder_party_id"),
    "receipt": ("receipt_id",),
    "day_close": ("day_close_id", "day_closed_at"),
    "ledger_report": ("street_id", "period", "journal_seq"),
}


def one_original_index_name(kind: str) -> str:
    return f"uq_printed_document_one_original_{kind}"


def one_original_where(kind: str) -> str:
    return f"kind = '{kind}' AND is_original"


def _one_original_indexes() -> tuple[Index, ...]:
    return tuple(Index(one_original_index_name(kind), *cols, unique=True,
                       sqlite_where=text(one_original_where(kind)), postgresql_where=text(one_original_where(kind)))
                 for kind, cols in ORIGINAL_SUBJECT.items())


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
        *_one_original_indexes(),
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
    # TRUE on an original under the one-original rule; NULL on reprints and on rows printed before it
    is_original: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    day_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the close printed
    journal_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)  # ledger: last entry of the month

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
