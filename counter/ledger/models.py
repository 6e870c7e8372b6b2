"""Remittances (解缴入库), bank statements (银行对账单) and reconciliation resolutions (对账处理).

All three are append-only in the database (migration 0006): a wrong remittance is corrected by a
reversing remittance (negative amount, ``reverses_id``); a statement is never edited (a corrected file is
uploaded again); a resolution is final. Money is integer fen.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db


class Remittance(StreetScoped, db.Model):
    """解缴入库: one transfer of collected tax to the treasury, for a period of business dates."""

    __tablename__ = "remittance"
    __table_args__ = (
        CheckConstraint("period_start <= period_end", name="period_ordered"),
        CheckConstraint("amount_fen <> 0", name="amount_nonzero"),
        UniqueConstraint("reverses_id"),
        Index("ix_remittance_street_period", "street_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)  # signed: a reversal is negative
    reference: Mapped[str] = mapped_column(String(64), nullable=False)  # 缴款书号 / bank transfer reference
    remitted_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # reason of a reversal
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("remittance.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    created_by = relationship("User")
    reverses: Mapped["Remittance | None"] = relationship(remote_side=[id])


class BankStatement(StreetScoped, db.Model):
    """银行对账单: one uploaded CSV statement of the street's collection account."""

    __tablename__ = "bank_statement"
    __table_args__ = (UniqueConstraint("street_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    encoding: Mapped[str] = mapped_column(String(16), nullable=False)  # utf-8 / utf-8-sig / gb18030
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)  # first and last transaction dates
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    line_count: Mapped[int] = mapped_column(Integer, nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    uploaded_by = relationship("User")
    lines: Mapped[list["BankLine"]] = relationship(back_populates="statement", order_by="BankLine.line_no")


class BankLine(StreetScoped, db.Model):
    """One transaction of a bank statement (amount in fen, signed: credits positive)."""

    __tablename__ = "bank_line"
    __table_args__ = (UniqueConstraint("statement_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), nullable=False, index=True)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)  # line number in the file
    txn_date: Mapped[date] = mapped_column(Date, nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    counterparty: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)

    statement: Mapped[BankStatement] = relationship(back_populates="lines")


class ReconciliationResolution(StreetScoped, db.Model):
    """对账处理: the finance user's note closing one unmatched item of a statement's reconciliation:
    a bank line missing from the ledger, or a receipt missing from the bank."""

    __tablename__ = "reconciliation_resolution"
    __table_args__ = (
        CheckConstraint("(bank_line_id IS NULL) <> (receipt_id IS NULL)", name="one_target"),
        UniqueConstraint("statement_id", "bank_line_id"),
        UniqueConstraint("statement_id", "receipt_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), nullable=False, index=True)
    bank_line_id: Mapped[int | None] = mapped_column(ForeignKey("bank_line.id"), nullable=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    resolved_by = relationship("User")
